//! `qingdan diff`: what changed between two versions of the lists (the 动态调整 a reviewer reads).
//!
//! `diff(old, new)` matches the items of the two snapshots (`matching`), gives every change one
//! primary kind (added, cancelled, modified, renamed, delegated, recentralized, transferred,
//! merged, split), lists the fields that differ with character-level highlights (`fields`), and
//! compares the result with the edition's declared adjustments (`declared`). `output` writes it
//! for a terminal, as JSON (DESIGN.md) or as Markdown; the HTML page is rendered by `render`.

mod declared;
pub mod fields;
pub mod levels;
pub mod matching;
pub mod output;

use rayon::prelude::*;
use serde::Serialize;

use std::sync::Arc;

use crate::model::Item;
use crate::snapshot::{Entry, Snapshot};
use fields::Part;
use matching::{How, Info};

/// The kind of a change. Each changed item is counted under exactly one, its primary kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Added,
    Cancelled,
    Transferred,
    Merged,
    Split,
    Delegated,
    Recentralized,
    Renamed,
    Modified,
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::Added,
        Kind::Cancelled,
        Kind::Transferred,
        Kind::Merged,
        Kind::Split,
        Kind::Delegated,
        Kind::Recentralized,
        Kind::Renamed,
        Kind::Modified,
    ];

    /// The word used in `adjustments/*.toml` and on the site.
    pub fn zh(self) -> &'static str {
        match self {
            Kind::Added => "新增",
            Kind::Cancelled => "取消",
            Kind::Transferred => "划转",
            Kind::Merged => "合并",
            Kind::Split => "拆分",
            Kind::Delegated => "下放",
            Kind::Recentralized => "上收",
            Kind::Renamed => "更名",
            Kind::Modified => "调整",
        }
    }

    pub fn from_zh(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.zh() == s.trim())
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Added => "added",
            Kind::Cancelled => "cancelled",
            Kind::Transferred => "transferred",
            Kind::Merged => "merged",
            Kind::Split => "split",
            Kind::Delegated => "delegated",
            Kind::Recentralized => "recentralized",
            Kind::Renamed => "renamed",
            Kind::Modified => "modified",
        }
    }

    /// The kind of the same change seen from the other side.
    pub fn mirror(self) -> Kind {
        match self {
            Kind::Added => Kind::Cancelled,
            Kind::Cancelled => Kind::Added,
            Kind::Merged => Kind::Split,
            Kind::Split => Kind::Merged,
            Kind::Delegated => Kind::Recentralized,
            Kind::Recentralized => Kind::Delegated,
            k => k,
        }
    }
}

/// Counts per primary kind (the DESIGN.md contract), plus declaration counts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub added: usize,
    pub cancelled: usize,
    pub modified: usize,
    pub renamed: usize,
    pub delegated: usize,
    pub recentralized: usize,
    pub transferred: usize,
    pub merged: usize,
    pub split: usize,
    pub unchanged: usize,
    /// Changes that no declaration of the edition covers.
    pub undeclared: usize,
    /// Declared changes that did not happen.
    pub declared_not_found: usize,
    /// Items in the old and the new version.
    pub old_items: usize,
    pub new_items: usize,
}

impl Summary {
    pub fn count(&self, kind: Kind) -> usize {
        match kind {
            Kind::Added => self.added,
            Kind::Cancelled => self.cancelled,
            Kind::Modified => self.modified,
            Kind::Renamed => self.renamed,
            Kind::Delegated => self.delegated,
            Kind::Recentralized => self.recentralized,
            Kind::Transferred => self.transferred,
            Kind::Merged => self.merged,
            Kind::Split => self.split,
        }
    }

    fn slot(&mut self, kind: Kind) -> &mut usize {
        match kind {
            Kind::Added => &mut self.added,
            Kind::Cancelled => &mut self.cancelled,
            Kind::Modified => &mut self.modified,
            Kind::Renamed => &mut self.renamed,
            Kind::Delegated => &mut self.delegated,
            Kind::Recentralized => &mut self.recentralized,
            Kind::Transferred => &mut self.transferred,
            Kind::Merged => &mut self.merged,
            Kind::Split => &mut self.split,
        }
    }

    /// Changed items (one per change).
    pub fn changed(&self) -> usize {
        Kind::ALL.iter().map(|k| self.count(*k)).sum()
    }
}

/// One field that differs.
#[derive(Clone, Debug, Serialize)]
pub struct FieldChange {
    /// Key, e.g. `name`, `basis`, `guide.materials`.
    pub field: &'static str,
    /// Chinese label, e.g. 事项名称.
    pub label: &'static str,
    pub old: String,
    pub new: String,
    /// `old` cut into runs, the changed ones marked.
    pub old_parts: Vec<Part>,
    /// `new` cut into runs, the changed ones marked.
    pub new_parts: Vec<Part>,
}

/// One change: one item (or, for merges and splits, one group of items).
#[derive(Clone, Debug, Serialize)]
pub struct Change {
    pub kind: Kind,
    /// The kind in Chinese (取消, 新增 …).
    pub label: &'static str,
    pub old_ids: Vec<String>,
    pub new_ids: Vec<String>,
    /// The item's name (the new name; the old one for a cancellation).
    pub name: String,
    /// Department name (the new department; the old one for a cancellation).
    pub department: String,
    /// Department folder of `department`.
    pub department_id: String,
    /// For transfers: the department it came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_department: Option<String>,
    pub old_names: Vec<String>,
    pub new_names: Vec<String>,
    /// Other kinds that also apply (a transfer that also renamed the item …).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<Kind>,
    pub fields: Vec<FieldChange>,
    /// How old and new were matched: id, name, name-elsewhere, similarity, contained.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched_by: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub similarity: Option<f64>,
    /// Whether the edition's adjustments declare this change.
    pub declared: bool,
    /// The declared basis: document title and number.
    pub basis: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// When a declaration names these items with another kind: that kind (in Chinese).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub declared_as: Option<String>,
}

/// A declared change that the two versions do not show.
#[derive(Clone, Debug, Serialize)]
pub struct Missing {
    pub kind: String,
    pub old_ids: Vec<String>,
    pub new_ids: Vec<String>,
    pub basis: String,
    pub document: String,
    pub reason: String,
    /// What was not found.
    pub problem: String,
    /// Where the declaration is written (file relative to the lists folder, line).
    pub file: String,
    pub line: usize,
    #[serde(skip)]
    pub span: crate::model::Span,
}

/// The declaration file used, and its edition.
#[derive(Clone, Debug, Serialize)]
pub struct Declarations {
    pub file: String,
    pub edition: String,
    pub date: String,
    pub document: String,
    pub description: String,
}

/// The difference between two versions.
#[derive(Clone, Debug, Serialize)]
pub struct Diff {
    /// Labels of the two versions (a folder, or `git:REV`).
    pub old: String,
    pub new: String,
    pub old_edition: String,
    pub new_edition: String,
    pub summary: Summary,
    pub changes: Vec<Change>,
    /// The declarations compared with, if the new version has them.
    pub declarations: Option<Declarations>,
    pub declared_not_found: Vec<Missing>,
}

impl Diff {
    /// True when no item changed.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

fn edition(s: &Snapshot) -> String {
    s.jurisdiction
        .as_ref()
        .map(|j| j.value.edition.clone())
        .unwrap_or_default()
}

/// What matching needs of every item of both versions. An item read from the same file in both
/// versions is one shared `Item`, so its info is the same too (nearly every item, between two
/// editions): it is computed once.
fn infos<'a>(old: &'a Snapshot, new: &'a Snapshot) -> (Vec<Info<'a>>, Vec<Info<'a>>) {
    let oi: Vec<Info> = old
        .items
        .par_iter()
        .map(|e| Info::of_item(&e.value, &e.folder))
        .collect();
    let shared: fnv::FnvHashMap<usize, usize> = old
        .items
        .iter()
        .enumerate()
        .map(|(i, e)| (Arc::as_ptr(&e.value) as usize, i))
        .collect();
    let ni: Vec<Info> = new
        .items
        .par_iter()
        .map(|e| match shared.get(&(Arc::as_ptr(&e.value) as usize)) {
            Some(&i) if old.items[i].folder == e.folder => oi[i].clone(),
            _ => Info::of_item(&e.value, &e.folder),
        })
        .collect();
    (oi, ni)
}

/// Compare two versions.
pub fn diff(old: &Snapshot, new: &Snapshot) -> Diff {
    use crate::progress::timed;
    let (oi, ni) = timed("diff: item infos", || infos(old, new));
    let m = timed("diff: matching", || matching::match_items(&oi, &ni));

    let mut summary = Summary {
        old_items: old.items.len(),
        new_items: new.items.len(),
        ..Summary::default()
    };
    let paired: Vec<Option<Change>> = timed("diff: field changes", || {
        m.pairs
            .par_iter()
            .map(|&(o, n, how)| pair_change(old, &old.items[o], new, &new.items[n], how))
            .collect()
    });
    summary.unchanged = paired.iter().filter(|c| c.is_none()).count();
    let mut changes: Vec<Change> = paired.into_iter().flatten().collect();
    for &o in &m.cancelled {
        changes.push(single(Kind::Cancelled, old, &old.items[o], &[], &[]));
    }
    for &n in &m.added {
        changes.push(single(Kind::Added, new, &new.items[n], &[], &[]));
    }
    for (os, n) in &m.merges {
        let olds: Vec<&Entry<Arc<Item>>> = os.iter().map(|&o| &old.items[o]).collect();
        changes.push(single(Kind::Merged, new, &new.items[*n], &olds, &[]));
    }
    for (o, ns) in &m.splits {
        let news: Vec<&Entry<Arc<Item>>> = ns.iter().map(|&n| &new.items[n]).collect();
        changes.push(single(Kind::Split, old, &old.items[*o], &[], &news));
    }
    changes.sort_by(|a, b| {
        (a.kind, &a.department_id, &a.name, &a.old_ids, &a.new_ids).cmp(&(
            b.kind,
            &b.department_id,
            &b.name,
            &b.old_ids,
            &b.new_ids,
        ))
    });
    let (declarations, missing) = timed("diff: declarations", || {
        declared::apply(old, new, &mut changes)
    });
    for c in &changes {
        *summary.slot(c.kind) += 1;
        if !c.declared {
            summary.undeclared += 1;
        }
    }
    summary.declared_not_found = missing.len();
    Diff {
        old: old.label.clone(),
        new: new.label.clone(),
        old_edition: edition(old),
        new_edition: edition(new),
        summary,
        changes,
        declarations,
        declared_not_found: missing,
    }
}

fn blank_change(kind: Kind) -> Change {
    Change {
        kind,
        label: kind.zh(),
        old_ids: Vec::new(),
        new_ids: Vec::new(),
        name: String::new(),
        department: String::new(),
        department_id: String::new(),
        old_department: None,
        old_names: Vec::new(),
        new_names: Vec::new(),
        also: Vec::new(),
        fields: Vec::new(),
        matched_by: None,
        similarity: None,
        declared: false,
        basis: None,
        document: None,
        reason: None,
        declared_as: None,
    }
}

/// A change about one item of `snap` (added, cancelled) or a group around it (merged into it,
/// split from it).
fn single(
    kind: Kind,
    snap: &Snapshot,
    e: &Entry<Arc<Item>>,
    merged_from: &[&Entry<Arc<Item>>],
    split_into: &[&Entry<Arc<Item>>],
) -> Change {
    let mut c = blank_change(kind);
    c.name = e.value.name.value.clone();
    c.department = snap.department_name(&e.folder).to_string();
    c.department_id = e.folder.clone();
    let id = e.value.id.value.clone();
    let name = e.value.name.value.clone();
    match kind {
        Kind::Added => {
            c.new_ids = vec![id];
            c.new_names = vec![name];
        }
        Kind::Cancelled => {
            c.old_ids = vec![id];
            c.old_names = vec![name];
        }
        Kind::Merged => {
            c.old_ids = merged_from
                .iter()
                .map(|x| x.value.id.value.clone())
                .collect();
            c.old_names = merged_from
                .iter()
                .map(|x| x.value.name.value.clone())
                .collect();
            c.new_ids = vec![id];
            c.new_names = vec![name];
            c.matched_by = Some("contained");
        }
        _ => {
            c.old_ids = vec![id];
            c.old_names = vec![name];
            c.new_ids = split_into
                .iter()
                .map(|x| x.value.id.value.clone())
                .collect();
            c.new_names = split_into
                .iter()
                .map(|x| x.value.name.value.clone())
                .collect();
            c.matched_by = Some("contained");
        }
    }
    c
}

/// The change between two matched items, or `None` when they are the same.
fn pair_change(
    old: &Snapshot,
    o: &Entry<Arc<Item>>,
    new: &Snapshot,
    n: &Entry<Arc<Item>>,
    how: How,
) -> Option<Change> {
    // Nearly every pair between two editions is the same item: no need to write out its fields.
    if o.folder == n.folder && (Arc::ptr_eq(&o.value, &n.value) || o.value == n.value) {
        return None;
    }
    let of = fields::fields(&o.value, old.department_name(&o.folder));
    let nf = fields::fields(&n.value, new.department_name(&n.folder));
    let same_folder = o.folder == n.folder;
    let mut changed: Vec<FieldChange> = Vec::new();
    for ((key, a), (_, b)) in of.into_iter().zip(nf) {
        if a == b || (key == "department" && same_folder) {
            continue;
        }
        let (old_parts, new_parts) = fields::char_diff(&a, &b);
        changed.push(FieldChange {
            field: key,
            label: fields::label(key),
            old: a,
            new: b,
            old_parts,
            new_parts,
        });
    }
    if changed.is_empty() && same_folder {
        return None;
    }
    let mut kinds: Vec<Kind> = Vec::new();
    if !same_folder {
        kinds.push(Kind::Transferred);
    }
    match level_move(&o.value, &n.value) {
        std::cmp::Ordering::Less => kinds.push(Kind::Delegated),
        std::cmp::Ordering::Greater => kinds.push(Kind::Recentralized),
        std::cmp::Ordering::Equal => {}
    }
    if o.value.name.value != n.value.name.value {
        kinds.push(Kind::Renamed);
    }
    if changed
        .iter()
        .any(|f| !matches!(f.field, "name" | "level" | "delegation" | "department"))
    {
        kinds.push(Kind::Modified);
    }
    if kinds.is_empty() {
        // Only the department's display name differs with the folder the same: not a change.
        kinds.push(Kind::Modified);
    }
    let mut c = blank_change(kinds[0]);
    c.also = kinds[1..].to_vec();
    c.name = n.value.name.value.clone();
    c.department = new.department_name(&n.folder).to_string();
    c.department_id = n.folder.clone();
    if !same_folder {
        c.old_department = Some(old.department_name(&o.folder).to_string());
    }
    c.old_ids = vec![o.value.id.value.clone()];
    c.new_ids = vec![n.value.id.value.clone()];
    c.old_names = vec![o.value.name.value.clone()];
    c.new_names = vec![n.value.name.value.clone()];
    c.fields = changed;
    c.matched_by = Some(how.as_str());
    if let How::Similar(s) = how {
        c.similarity = Some((s.min(1.0) * 1000.0).round() / 1000.0);
    }
    Some(c)
}

use crate::model::tier::levels;

/// Whether an item moved down (Less: delegated), up (Greater: recentralized) or stayed.
fn level_move(old: &Item, new: &Item) -> std::cmp::Ordering {
    use std::cmp::Ordering::*;
    if let (Some(a), Some(b)) = (levels(&old.level), levels(&new.level)) {
        match b.cmp(&a) {
            Equal => {}
            other => return other,
        }
    }
    match (old.delegation.is_some(), new.delegation.is_some()) {
        (false, true) => Less,
        (true, false) => Greater,
        _ => Equal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::from_zh(k.zh()), Some(k));
            assert_eq!(k.mirror().mirror(), k);
        }
    }
}
