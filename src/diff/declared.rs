//! Declared vs actual: compares the changes a diff found with the changes the new edition
//! declares in `adjustments/<edition>.toml`.
//!
//! A change is *declared* when a declaration of the same kind names one of its items (old ids
//! for what went away, new ids for what came). A declaration that names the items with another
//! kind does not count (the change is reported with `declared_as`), and every id of a
//! declaration that no change of its kind accounts for is reported as declared but not found.

use std::collections::{HashMap, HashSet};

use super::{Change, Declarations, Kind, Missing};
use crate::model::{Adjustments, Change as Declared};
use crate::snapshot::{Entry, Snapshot};

/// The declaration file that applies to a diff from `old` to `new`: the one of the new
/// edition, else the one file the new version adds.
pub fn file_for<'a>(old: &Snapshot, new: &'a Snapshot) -> Option<&'a Entry<Adjustments>> {
    let edition = new
        .jurisdiction
        .as_ref()
        .map(|j| j.value.edition.as_str())
        .unwrap_or("");
    if !edition.is_empty()
        && let Some(e) = new.adjustments.iter().find(|a| a.stem == edition)
    {
        return Some(e);
    }
    let before: HashSet<&str> = old.adjustments.iter().map(|a| a.stem.as_str()).collect();
    let mut fresh = new
        .adjustments
        .iter()
        .filter(|a| !before.contains(a.stem.as_str()));
    match (fresh.next(), fresh.next()) {
        (Some(one), None) => Some(one),
        _ => None,
    }
}

fn basis_of(d: &Declared) -> Option<String> {
    match (d.basis.trim(), d.document.trim()) {
        ("", "") => None,
        (b, "") => Some(b.to_string()),
        ("", n) => Some(n.to_string()),
        (b, n) => Some(format!("{b}（{n}）")),
    }
}

fn names(d: &Declared, c: &Change) -> bool {
    d.old_ids
        .iter()
        .any(|i| c.old_ids.iter().any(|x| x == i.as_str()))
        || d.new_ids
            .iter()
            .any(|i| c.new_ids.iter().any(|x| x == i.as_str()))
}

pub fn apply(
    old: &Snapshot,
    new: &Snapshot,
    changes: &mut [Change],
) -> (Option<Declarations>, Vec<Missing>) {
    let Some(entry) = file_for(old, new) else {
        return (None, Vec::new());
    };
    let adj = &entry.value;
    let source = new.source(entry.file);
    let info = Declarations {
        file: source.path.clone(),
        edition: adj.edition.value.clone(),
        date: adj.date.clone(),
        document: adj.document.clone(),
        description: adj.description.clone(),
    };
    // Declarations by the ids they name, so that matching is linear in changes + declarations.
    let mut by_id: HashMap<&str, Vec<usize>> = HashMap::new();
    for (k, d) in adj.changes.iter().enumerate() {
        for id in d.old_ids.iter().chain(&d.new_ids) {
            by_id.entry(id.as_str()).or_default().push(k);
        }
    }
    for c in changes.iter_mut() {
        let mut other: Option<&str> = None;
        let mut candidates: Vec<usize> = c
            .old_ids
            .iter()
            .chain(&c.new_ids)
            .flat_map(|id| by_id.get(id.as_str()).into_iter().flatten().copied())
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        for d in candidates.into_iter().map(|k| &adj.changes[k]) {
            if !names(d, c) {
                continue;
            }
            if Kind::from_zh(&d.kind) == Some(c.kind) {
                c.declared = true;
                c.basis = basis_of(d);
                c.document = Some(d.document.clone()).filter(|s| !s.is_empty());
                c.reason = Some(d.reason.clone()).filter(|s| !s.is_empty());
                c.declared_as = None;
                break;
            }
            other.get_or_insert(d.kind.as_str());
        }
        if !c.declared {
            c.declared_as = other.map(str::to_string);
        }
    }
    // Changes by the ids on each side.
    let mut by_old: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut by_new: HashMap<&str, Vec<usize>> = HashMap::new();
    for (k, c) in changes.iter().enumerate() {
        for id in &c.old_ids {
            by_old.entry(id.as_str()).or_default().push(k);
        }
        for id in &c.new_ids {
            by_new.entry(id.as_str()).or_default().push(k);
        }
    }
    let old_ids: HashSet<&str> = old.items.iter().map(|e| e.value.id.as_str()).collect();
    let new_ids: HashSet<&str> = new.items.iter().map(|e| e.value.id.as_str()).collect();
    // Line numbers of the declarations, from the file's line starts (read once).
    let text = source.text();
    let starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_of = |offset: usize| starts.partition_point(|&s| s <= offset).max(1);
    let mut missing = Vec::new();
    for d in &adj.changes {
        let kind = Kind::from_zh(&d.kind);
        let line = line_of(d.kind.span.start as usize);
        let mut problems: Vec<String> = Vec::new();
        if d.old_ids.is_empty() && d.new_ids.is_empty() {
            problems.push("这一项没有写事项编码（old_ids / new_ids），无法核对".into());
        }
        for (ids, old_side) in [(&d.old_ids, true), (&d.new_ids, false)] {
            for id in ids {
                let id = id.as_str();
                let hit = |c: &&Change| {
                    if old_side {
                        c.old_ids.iter().any(|x| x == id)
                    } else {
                        c.new_ids.iter().any(|x| x == id)
                    }
                };
                if changes.iter().filter(hit).any(|c| Some(c.kind) == kind) {
                    continue;
                }
                let actual = changes.iter().find(hit);
                problems.push(match actual {
                    Some(c) => format!(
                        "声明{} {id}，实际是{}（{}）",
                        d.kind.as_str(),
                        c.label,
                        c.name
                    ),
                    None if old_side && !old_ids.contains(id) => {
                        format!("声明{} {id}，但上一版没有这个事项", d.kind.as_str())
                    }
                    None if !old_side && !new_ids.contains(id) => {
                        format!("声明{} {id}，但本版没有这个事项", d.kind.as_str())
                    }
                    None => format!("声明{} {id}，但该事项没有变化", d.kind.as_str()),
                });
            }
        }
        if !problems.is_empty() {
            missing.push(Missing {
                kind: d.kind.value.clone(),
                old_ids: d.old_ids.iter().map(|s| s.value.clone()).collect(),
                new_ids: d.new_ids.iter().map(|s| s.value.clone()).collect(),
                basis: d.basis.clone(),
                document: d.document.clone(),
                reason: d.reason.clone(),
                problem: problems.join("；"),
                file: source.path.clone(),
                line,
                span: d.kind.span,
            });
        }
    }
    (Some(info), missing)
}
