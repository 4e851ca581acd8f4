//! `qingdan check`: validate a `Snapshot` against the rules of the format and count what it holds.
//!
//! Every rule has a stable name (the `rule` field of the JSON report) and a Chinese message that
//! says what to fix. Rules live in `rules.rs`; rendering in `report.rs`.

mod report;
mod rules;
pub mod tree;

pub use report::{render_json, render_text, render_text_files};
pub use rules::RULES;
pub(crate) use rules::valid_id;

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
    /// Multi-level lists: each jurisdiction with how far it claimed its catalogue items.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub jurisdictions: Vec<tree::Coverage>,
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
    report(all, snap.items.len(), stats(snap), Vec::new())
}

/// Run every rule on each jurisdiction of a multi-level repository, and the rules across them.
/// The stats are the root's; `jurisdictions` counts each one.
pub fn check_tree(t: &crate::snapshot::tree::Tree) -> Report {
    TreeChecked::new(t).report(t)
}

/// The rules of a multi-level repository, kept per jurisdiction, so that after an edit inside
/// one jurisdiction only its rules and those on the whole tree run again (`serve --watch`).
pub struct TreeChecked {
    /// Per node: what its own files break (loading problems and the single-list rules).
    own: Vec<Vec<Diagnostic>>,
    across: tree::Across,
}

impl TreeChecked {
    pub fn new(t: &crate::snapshot::tree::Tree) -> TreeChecked {
        use rayon::prelude::*;
        let since = std::time::Instant::now();
        let own: Vec<Vec<Diagnostic>> = t.nodes.par_iter().map(own_rules).collect();
        crate::progress::phase("check: rules per jurisdiction", since);
        let across = crate::progress::timed("check: across jurisdictions", || tree::run(t));
        TreeChecked { own, across }
    }

    /// `nodes` were loaded again (and nothing else changed): run their rules again, and those
    /// on the whole tree (once).
    pub fn update(&mut self, t: &crate::snapshot::tree::Tree, nodes: &[usize]) {
        for &n in nodes {
            self.own[n] = own_rules(&t.nodes[n]);
            let (found, coverage) = tree::run_node(t, n);
            self.across.per_node[n] = found;
            self.across.coverage[n] = coverage;
        }
        self.across.whole = tree::run_whole(t);
    }

    /// The report of the whole tree.
    pub fn report(&self, t: &crate::snapshot::tree::Tree) -> Report {
        let mut all: Vec<Diagnostic> = self.own.iter().flatten().cloned().collect();
        let across: Vec<&Diagnostic> = self
            .across
            .whole
            .0
            .iter()
            .chain(self.across.per_node.iter().flatten())
            .chain(self.across.whole.1.iter())
            .collect();
        // A local item without basis is said once, as what it is under a catalogue.
        let local: std::collections::HashSet<&str> = across
            .iter()
            .filter(|d| d.rule == "local-item-without-basis")
            .map(|d| d.file.as_str())
            .collect();
        all.retain(|d| !(d.rule == "missing-basis" && local.contains(d.file.as_str())));
        // What a claim inherits is reported at the catalogue (check::tree), not at every claim.
        all.retain(|d| {
            !(matches!(d.rule, "missing-basis" | "unknown-category") && d.file.contains("/claims/"))
        });
        all.extend(across.into_iter().cloned());
        let items = t.nodes.iter().map(|n| n.snapshot.items.len()).sum();
        report(
            all,
            items,
            stats(&t.nodes[0].snapshot),
            self.across.coverage.clone(),
        )
    }

    /// Each jurisdiction's coverage, as in the report.
    pub fn coverage(&self) -> &[tree::Coverage] {
        &self.across.coverage
    }
}

/// The loading problems and single-list rules of one node, located from the root.
fn own_rules(n: &crate::snapshot::tree::Node) -> Vec<Diagnostic> {
    let mut found = n.snapshot.problems.clone();
    found.extend(rules::run(&n.snapshot));
    // Messages made from a path (not from a file read) are relative to the node.
    let prefix = format!("{}/", n.path);
    if !n.path.is_empty() {
        for d in &mut found {
            if !d.file.starts_with(&prefix) {
                d.file = format!("{prefix}{}", d.file);
            }
        }
    }
    found
}

fn report(
    mut all: Vec<Diagnostic>,
    items: usize,
    stats: Stats,
    jurisdictions: Vec<tree::Coverage>,
) -> Report {
    all.sort_by(|a, b| {
        (a.severity, &a.file, a.line, a.column, a.rule)
            .cmp(&(b.severity, &b.file, b.line, b.column, b.rule))
    });
    let (errors, warnings): (Vec<_>, Vec<_>) = all.into_iter().partition(|d| d.is_error());
    Report {
        ok: errors.is_empty(),
        items,
        errors,
        warnings,
        stats,
        jurisdictions,
    }
}

/// `check --against REV`: add an error for every change between `diff.old` and `snap` that the
/// edition's adjustments do not declare, and for every declaration that did not happen.
pub fn against(report: &mut Report, snap: &Snapshot, diff: &crate::diff::Diff) {
    use crate::diag::Severity;
    let decl_file = diff.declarations.as_ref().map(|d| d.file.clone());
    let edition = snap
        .jurisdiction
        .as_ref()
        .map(|j| j.value.edition.clone())
        .filter(|e| !e.is_empty())
        .unwrap_or_else(|| "<版本>".into());
    let where_ = decl_file
        .clone()
        .unwrap_or_else(|| format!("adjustments/{edition}.toml"));
    for c in diff.changes.iter().filter(|c| !c.declared) {
        // Point at the new item's name when there is one, else at the declarations file.
        let located = c.new_ids.first().and_then(|id| {
            snap.items
                .iter()
                .find(|e| e.value.id.as_str() == id)
                .map(|e| (e.file, e.value.name.span))
        });
        let ids = if c.old_ids.is_empty() || c.old_ids == c.new_ids {
            c.new_ids.join("、")
        } else if c.new_ids.is_empty() {
            c.old_ids.join("、")
        } else {
            format!("{} → {}", c.old_ids.join("、"), c.new_ids.join("、"))
        };
        let message = match &c.declared_as {
            Some(k) => format!(
                "{}“{}”（{ids}）与 {} 相比是{}，但调整声明写的是{k}",
                c.department, c.name, diff.old, c.label
            ),
            None => format!(
                "{}“{}”（{ids}）与 {} 相比{}，但调整声明中没有这一项",
                c.department,
                c.name,
                diff.old,
                if c.kind == crate::diff::Kind::Modified {
                    "有调整".to_string()
                } else {
                    format!("被{}", c.label)
                }
            ),
        };
        let mut d = match located {
            Some((file, span)) => Diagnostic::at(
                "undeclared-change",
                Severity::Error,
                snap.source(file),
                span,
                message,
            ),
            None => Diagnostic::file_level("undeclared-change", Severity::Error, &where_, message),
        };
        let mut ids_toml = String::new();
        if !c.old_ids.is_empty() {
            ids_toml.push_str(&format!("old_ids = {:?}\n", c.old_ids));
        }
        if !c.new_ids.is_empty() {
            ids_toml.push_str(&format!("new_ids = {:?}\n", c.new_ids));
        }
        d.help = Some(format!(
            "在 {where_} 中声明这一变化：\n[[changes]]\nkind = \"{}\"\n{ids_toml}document = \"依据文号\"\nbasis = \"依据文件名称\"\nreason = \"调整理由\"",
            c.label
        ));
        report.errors.push(d);
    }
    for m in &diff.declared_not_found {
        let message = format!("{}（与 {} 相比）", m.problem, diff.old);
        let mut d = match snap.files.iter().find(|f| f.path == m.file) {
            Some(f) => Diagnostic::at(
                "declared-change-not-found",
                Severity::Error,
                f,
                m.span,
                message,
            ),
            None => Diagnostic::file_level(
                "declared-change-not-found",
                Severity::Error,
                &m.file,
                message,
            ),
        };
        d.help = Some("改正这一项声明的类型或事项编码；没有发生的调整应从声明中删去".into());
        report.errors.push(d);
    }
    report.errors.sort_by(|a, b| {
        (&a.file, a.line, a.column, a.rule).cmp(&(&b.file, b.line, b.column, b.rule))
    });
    report.ok = report.errors.is_empty();
}

pub fn stats(snap: &Snapshot) -> Stats {
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
