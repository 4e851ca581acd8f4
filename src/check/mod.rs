//! `qingdan check`: validate a `Snapshot` against the rules of the format and count what it holds.
//!
//! Every rule has a stable name (the `rule` field of the JSON report) and a Chinese message that
//! says what to fix. Rules live in `rules.rs`; rendering in `report.rs`.

mod report;
mod rules;

pub use report::{render_json, render_text};
pub use rules::RULES;

use serde::Serialize;

use crate::diag::Diagnostic;
use crate::model::Category;
use crate::snapshot::Snapshot;

/// The result of checking one snapshot.
#[derive(Debug, Serialize)]
pub struct Report {
    pub ok: bool,
    /// Number of power items.
    pub items: usize,
    pub errors: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
    pub stats: Stats,
}

/// Counts of what a snapshot holds.
#[derive(Debug, Default, Serialize)]
pub struct Stats {
    pub departments: usize,
    pub items: usize,
    pub sub_items: usize,
    /// Rows of a list: an item without sub-items counts one, an item with sub-items counts each.
    pub entries: usize,
    pub boundaries: usize,
    pub adjustments: usize,
    pub items_with_guide: usize,
    pub items_with_supervision: usize,
    pub supervision_measures: usize,
    /// Files that could not be read or parsed (their items are not counted).
    pub unread_files: usize,
    pub by_category: Vec<Count>,
    pub by_department: Vec<Count>,
}

#[derive(Debug, Serialize)]
pub struct Count {
    /// Category name, or department folder.
    pub key: String,
    /// Display name (department name; category name again for categories).
    pub name: String,
    pub items: usize,
}

/// Run every rule on `snap`.
pub fn check(snap: &Snapshot) -> Report {
    let mut all = snap.problems.clone();
    all.extend(rules::run(snap));
    all.sort_by(|a, b| {
        (a.severity, &a.file, a.line, a.column, a.rule)
            .cmp(&(b.severity, &b.file, b.line, b.column, b.rule))
    });
    let (errors, warnings): (Vec<_>, Vec<_>) = all.into_iter().partition(|d| d.is_error());
    let stats = stats(snap);
    Report {
        ok: errors.is_empty(),
        items: snap.items.len(),
        errors,
        warnings,
        stats,
    }
}

fn stats(snap: &Snapshot) -> Stats {
    let mut s = Stats {
        departments: snap.department_folders.len(),
        items: snap.items.len(),
        boundaries: snap.boundaries.len(),
        adjustments: snap.adjustments.iter().map(|a| a.value.changes.len()).sum(),
        unread_files: snap
            .problems
            .iter()
            .filter(|p| p.is_error())
            .map(|p| p.file.as_str())
            .collect::<std::collections::HashSet<_>>()
            .len(),
        ..Stats::default()
    };
    let mut by_cat = std::collections::BTreeMap::<String, usize>::new();
    let mut by_dept = std::collections::BTreeMap::<&str, usize>::new();
    for e in &snap.items {
        let item = &e.value;
        s.sub_items += item.sub_items.len();
        s.entries += item.sub_items.len().max(1);
        if item.guide.is_some() {
            s.items_with_guide += 1;
        }
        if !item.supervision.is_empty() {
            s.items_with_supervision += 1;
            s.supervision_measures += item.supervision.len();
        }
        *by_cat.entry(item.category.value.clone()).or_default() += 1;
        *by_dept.entry(e.folder.as_str()).or_default() += 1;
    }
    // Categories in their official order, unknown ones after.
    let rank = |name: &str| {
        Category::from_name(name)
            .map(|c| c as usize)
            .unwrap_or(usize::MAX)
    };
    let mut cats: Vec<_> = by_cat.into_iter().collect();
    cats.sort_by(|a, b| (rank(&a.0), &a.0).cmp(&(rank(&b.0), &b.0)));
    s.by_category = cats
        .into_iter()
        .map(|(k, n)| Count {
            name: k.clone(),
            key: k,
            items: n,
        })
        .collect();
    s.by_department = by_dept
        .into_iter()
        .map(|(k, n)| Count {
            key: k.to_string(),
            name: snap.department_name(k).to_string(),
            items: n,
        })
        .collect();
    s
}
