//! `import --update`: a department's new spreadsheet updates its items in place.
//!
//! The imported entries are matched with the items already in the departments being updated,
//! with the same matching as `diff` (by id — which import derives from the sheet's 职权编码 or
//! the name —, by name and sub-items, by name in another updated department, by similarity).
//! A matched entry keeps the existing item's id and file, and what an editor added that no
//! spreadsheet holds (guide, supervision, delegation); an existing item nothing matches is
//! removed; an entry nothing matches is added with a new id, never one already in use. Then
//! `qingdan diff` between the tree before and after is the adjustment a reviewer reads.

use std::collections::{BTreeSet, HashSet};

use serde::Serialize;

use crate::diff::matching::{Info, match_items};
use crate::model::Item;
use crate::snapshot::Snapshot;

/// What an update does to the items of the departments it touches.
#[derive(Debug, Default, Serialize)]
pub struct Update {
    /// Department folders updated.
    pub departments: Vec<String>,
    /// Items matched whose content is the same.
    pub unchanged: usize,
    /// Of those, items whose only change is where they were imported from (`source`): their
    /// files are rewritten with the new spreadsheet's name and row.
    pub source_only: usize,
    /// Items matched whose content changed (relative paths).
    pub changed: Vec<String>,
    /// Items matched that move to another department: (old path, new path).
    pub moved: Vec<(String, String)>,
    /// New items (relative paths).
    pub added: Vec<String>,
    /// Items no entry matches: their files are removed (relative paths).
    pub removed: Vec<String>,
    /// In a lower jurisdiction of a multi-level repository: what the update did to its claims.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claims: Option<super::claims::ClaimsUpdate>,
}

/// The files an update writes and removes.
pub struct Plan {
    pub update: Update,
    /// (relative path, content)
    pub writes: Vec<(String, String)>,
    /// Relative paths.
    pub removes: Vec<String>,
}

fn item_path(folder: &str, id: &str) -> String {
    format!("departments/{folder}/items/{id}.toml")
}

/// Plan the update of `existing` (the lists folder as it is) with the freshly imported `items`.
pub fn plan(existing: &Snapshot, items: &[Item]) -> Result<Plan, crate::Error> {
    let folders: BTreeSet<&str> = items.iter().map(|i| i.department.as_str()).collect();
    let old: Vec<usize> = existing
        .items
        .iter()
        .enumerate()
        .filter(|(_, e)| folders.contains(e.folder.as_str()))
        .map(|(i, _)| i)
        .collect();
    let info_old: Vec<Info> = old
        .iter()
        .map(|&i| Info::of_item(&existing.items[i].value, &existing.items[i].folder))
        .collect();
    let info_new: Vec<Info> = items
        .iter()
        .map(|i| Info::of_item(i, i.department.as_str()))
        .collect();
    let m = match_items(&info_old, &info_new);

    let mut update = Update {
        departments: folders.iter().map(|s| s.to_string()).collect(),
        ..Update::default()
    };
    let mut writes = Vec::new();
    let mut removes = Vec::new();
    // Ids in use: every existing item's, so a new item never takes one (even in a department
    // not being updated).
    let mut taken: HashSet<String> = existing
        .items
        .iter()
        .map(|e| e.value.id.value.clone())
        .collect();
    let mut matched_new: HashSet<usize> = HashSet::new();
    for &(o, n, _) in &m.pairs {
        matched_new.insert(n);
        let old_entry = &existing.items[old[o]];
        let mut item = super::keep_editor_fields(&old_entry.value, &items[n]);
        item.id = old_entry.value.id.clone();
        let path = item_path(item.department.as_str(), item.id.as_str());
        let old_path = existing.source(old_entry.file).path.clone();
        if path == old_path {
            if item == *old_entry.value {
                update.unchanged += 1;
                continue;
            }
            let mut same = item.clone();
            same.source.clone_from(&old_entry.value.source);
            if same == *old_entry.value {
                update.unchanged += 1;
                update.source_only += 1;
                writes.push((path, toml::to_string_pretty(&item)?));
                continue;
            }
        }
        writes.push((path.clone(), toml::to_string_pretty(&item)?));
        if path != old_path {
            removes.push(old_path.clone());
            update.moved.push((old_path, path));
        } else {
            update.changed.push(path);
        }
    }
    // Items that went away (including the parts of merges and splits, whose new items are new).
    let kept_old: HashSet<usize> = m.pairs.iter().map(|p| p.0).collect();
    for (o, &i) in old.iter().enumerate() {
        if !kept_old.contains(&o) {
            let path = existing.source(existing.items[i].file).path.clone();
            removes.push(path.clone());
            update.removed.push(path);
        }
    }
    for (n, item) in items.iter().enumerate() {
        if matched_new.contains(&n) {
            continue;
        }
        let mut item = item.clone();
        let base = item.id.value.clone();
        let mut id = base.clone();
        let mut k = 1;
        // An id is never reused for another item: diff would take the two for one.
        while taken.contains(&id) {
            k += 1;
            id = format!("{base}-{k}");
        }
        taken.insert(id.clone());
        item.id.value = id;
        let path = item_path(item.department.as_str(), item.id.as_str());
        writes.push((path.clone(), toml::to_string_pretty(&item)?));
        update.added.push(path);
    }
    removes.sort();
    removes.dedup();
    Ok(Plan {
        update,
        writes,
        removes,
    })
}
