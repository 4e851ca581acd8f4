//! A lower jurisdiction's own spreadsheet imported into a multi-level repository
//! (`import … --into lists/jurisdictions/<区划>`): each row is matched with the catalogue items
//! of the jurisdiction's level above it — by code, then by name, then by similarity of name and
//! basis (the matching of `diff`) — and a matched row becomes a claim
//! (`departments/<部门>/claims/<基本编码>.toml`) holding only what the row states differently
//! from the catalogue; an unmatched row stays a local item. The report lists the unmatched rows
//! and the catalogue items no row claimed, so an editor sees what to settle. With `--update`
//! (next year's spreadsheet), `plan_update` updates the claims already there in place.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::diff::matching::{Info, match_items};
use crate::model::{Claim, Item, Located, tier};
use crate::snapshot::tree::{Tree, level_applies};

/// Where `into` sits in a multi-level repository: the root folder and the node's path from it
/// ("jurisdictions/dszq"). `None` when `into` is no lower jurisdiction.
pub fn locate(into: &Path) -> Option<(PathBuf, String)> {
    let mut cur = std::path::absolute(into).ok()?;
    let mut parts: Vec<String> = Vec::new();
    loop {
        let parent = cur.parent()?;
        if parent.file_name() != Some(std::ffi::OsStr::new("jurisdictions")) {
            break;
        }
        parts.push(cur.file_name()?.to_string_lossy().to_string());
        parts.push("jurisdictions".into());
        cur = parent.parent()?.to_path_buf();
    }
    if parts.is_empty() {
        return None;
    }
    parts.reverse();
    Some((cur, parts.join("/")))
}

/// What matching the rows with the catalogue found, for the report.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    /// The jurisdiction (path from the root) and its level.
    pub jurisdiction: String,
    pub level: String,
    /// Catalogue items of its level above it.
    pub catalogue_items: usize,
    /// Rows that became claims, by how they were matched.
    pub claimed: usize,
    pub by_code: usize,
    pub by_name: usize,
    pub by_similarity: usize,
    /// Rows matched by similarity only (their names differ from the catalogue's): each with the
    /// catalogue item it was taken for, to review.
    pub similar: Vec<Similar>,
    /// Rows no catalogue item matched: imported as local items.
    pub unmatched: Vec<Row>,
    /// Catalogue items no row claimed: claim them, or write them not applicable.
    pub unclaimed: Vec<CatalogueRef>,
}

#[derive(Debug, Serialize)]
pub struct Row {
    pub file: String,
    pub sheet: String,
    pub row: Option<u32>,
    pub name: String,
}

#[derive(Debug, Serialize)]
pub struct Similar {
    pub row: Row,
    pub code: String,
    pub catalogue_name: String,
}

#[derive(Debug, Serialize)]
pub struct CatalogueRef {
    pub code: String,
    pub name: String,
}

/// The claims the rows make: (index into `items`, claim) and the report.
///
/// With `update` (`import --update`), the rows' departments' claims the rows do not make again
/// are going away: their catalogue items are listed unclaimed (not those written not
/// applicable, which stay: a spreadsheet has no row for what does not apply).
pub fn find(
    tree: &Tree,
    node: usize,
    items: &[Item],
    update: bool,
) -> (Vec<(usize, Claim)>, Report) {
    let n = &tree.nodes[node];
    let rank = n.rank();
    let applicable = tree.applicable(node);
    let mut report = Report {
        jurisdiction: n.path.clone(),
        level: n.level().to_string(),
        catalogue_items: applicable.len(),
        ..Report::default()
    };
    // A code that cannot be a file name is `check`'s error (invalid-id); never a path here.
    let cats: Vec<&crate::model::CatalogueItem> = applicable
        .iter()
        .map(|&at| &tree.catalogue_entry(at).value)
        .filter(|c| crate::check::valid_id(c.code.as_str()))
        .collect();
    // Catalogue items the jurisdiction has claimed already: by another department than the
    // rows', they are no candidates (a second claim is an error); none is listed unclaimed.
    let rows_departments: std::collections::HashSet<&str> =
        items.iter().map(|i| i.department.as_str()).collect();
    let claimed_before: std::collections::HashMap<&str, (&str, bool)> = n
        .snapshot
        .claims
        .iter()
        .map(|c| {
            (
                c.value.catalogue.as_str(),
                (c.folder.as_str(), c.value.not_applicable.is_some()),
            )
        })
        .collect();
    // 1. by code
    let mut taken_cat: Vec<bool> = cats
        .iter()
        .map(|c| {
            claimed_before
                .get(c.code.as_str())
                .is_some_and(|(folder, _)| !rows_departments.contains(folder))
        })
        .collect();
    let mut matched: Vec<Option<(usize, &'static str)>> = vec![None; items.len()];
    for (i, item) in items.iter().enumerate() {
        let code = item.code.trim();
        if code.is_empty() {
            continue;
        }
        if let Some(c) = (0..cats.len()).find(|&c| !taken_cat[c] && cats[c].code.as_str() == code) {
            taken_cat[c] = true;
            matched[i] = Some((c, "code"));
        }
    }
    // 2. by name, 3. by similarity: the matching of `diff`, all in one "folder".
    let rest_cat: Vec<usize> = (0..cats.len()).filter(|&c| !taken_cat[c]).collect();
    let rest_items: Vec<usize> = (0..items.len()).filter(|&i| matched[i].is_none()).collect();
    let info_cat: Vec<Info> = rest_cat
        .iter()
        .map(|&c| {
            let cat = cats[c];
            Info::new(
                cat.code.as_str(),
                "",
                cat.category.as_str(),
                cat.name.as_str(),
                &cat.basis,
            )
            .with_subs(cat.sub_items.iter().map(|s| s.name.as_str()))
        })
        .collect();
    let info_items: Vec<Info> = rest_items
        .iter()
        .map(|&i| Info::of_item(&items[i], ""))
        .collect();
    let m = match_items(&info_cat, &info_items);
    for (c, i, how) in m.pairs {
        let how = match how {
            crate::diff::matching::How::Similar(_) => "similarity",
            _ => "name",
        };
        matched[rest_items[i]] = Some((rest_cat[c], how));
        taken_cat[rest_cat[c]] = true;
    }
    let mut claims = Vec::new();
    let row_of = |item: &Item| {
        let source = item.source.as_ref();
        Row {
            file: source.map(|s| s.file.clone()).unwrap_or_default(),
            sheet: source.map(|s| s.sheet.clone()).unwrap_or_default(),
            row: source.and_then(|s| s.row),
            name: item.name.value.clone(),
        }
    };
    for (i, item) in items.iter().enumerate() {
        let Some((c, how)) = matched[i] else {
            report.unmatched.push(row_of(item));
            continue;
        };
        match how {
            "code" => report.by_code += 1,
            "name" => report.by_name += 1,
            _ => {
                report.by_similarity += 1;
                report.similar.push(Similar {
                    row: row_of(item),
                    code: cats[c].code.value.clone(),
                    catalogue_name: cats[c].name.value.clone(),
                });
            }
        }
        report.claimed += 1;
        let cat = cats[c];
        let level = cat.levels.iter().find(|l| level_applies(l, rank));
        claims.push((i, claim(cat.code.as_str(), item, level)));
    }
    for (c, cat) in cats.iter().enumerate() {
        let stays = match claimed_before.get(cat.code.as_str()) {
            None => false,
            Some((folder, not_applicable)) => {
                !update || *not_applicable || !rows_departments.contains(folder)
            }
        };
        if !taken_cat[c] && !stays {
            report.unclaimed.push(CatalogueRef {
                code: cat.code.value.clone(),
                name: cat.name.value.clone(),
            });
        }
    }
    (claims, report)
}

/// A claim of catalogue item `code` with what the row states differently from the catalogue's
/// entry for this level (the rest is inherited).
fn claim(code: &str, item: &Item, level: Option<&crate::model::CatalogueLevel>) -> Claim {
    let differs = |local: &str, catalogue: Option<&str>| -> String {
        if local.trim().is_empty() || Some(local.trim()) == catalogue.map(str::trim) {
            String::new()
        } else {
            local.to_string()
        }
    };
    let same_level = level.is_some_and(|l| tier::levels(&l.level) == tier::levels(&item.level));
    Claim {
        catalogue: Located::new(code.to_string()),
        body: differs(&item.body, level.map(|l| l.body.as_str())),
        unit: differs(&item.unit, level.map(|l| l.unit.as_str())),
        level: if same_level || item.level.trim().is_empty() {
            Located::default()
        } else {
            item.level.clone()
        },
        scope: differs(&item.scope, level.map(|l| l.scope.as_str())),
        guide: item.guide.clone(),
        supervision: item.supervision.clone(),
        delegation: item.delegation.clone(),
        remarks: item.remarks.clone(),
        ..Claim::default()
    }
}

/// What `import --update` does to the claims of the departments its rows are in.
#[derive(Debug, Default, Serialize)]
pub struct ClaimsUpdate {
    /// Claims made again with the same content.
    pub unchanged: usize,
    /// Claims made again whose local content changed, or that were written not applicable
    /// before and are claimed now (relative paths).
    pub changed: Vec<String>,
    /// Claims made again by another department: (old path, new path).
    pub moved: Vec<(String, String)>,
    /// New claims (relative paths).
    pub added: Vec<String>,
    /// Claims no row makes any more: their files are removed, and the catalogue items are
    /// listed unclaimed in the report (relative paths).
    pub removed: Vec<String>,
    /// Claims written not applicable that no row claims: kept, a spreadsheet has no row for them.
    pub not_applicable_kept: usize,
}

/// What the update does, the files to write (relative path, content) and to remove.
pub type ClaimsPlan = (ClaimsUpdate, Vec<(String, String)>, Vec<String>);

fn claim_path(folder: &str, code: &str) -> String {
    format!("departments/{folder}/claims/{code}.toml")
}

/// The claims `found` by the rows (department folder, claim) against the claims the
/// jurisdiction has (`existing`, its lists folder loaded alone): the files to write and to
/// remove. A claim made again keeps what an editor added that no spreadsheet holds
/// (承接 `receives`, supervision, delegation, the guide's fields the sheet lacks, `sample`).
/// `folders` are the departments the rows are in: only their claims are updated.
pub fn plan_update(
    existing: &crate::Snapshot,
    found: Vec<(String, Claim)>,
    folders: &BTreeSet<String>,
) -> Result<ClaimsPlan, crate::Error> {
    let before: HashMap<&str, usize> = existing
        .claims
        .iter()
        .enumerate()
        .map(|(i, c)| (c.value.catalogue.as_str(), i))
        .collect();
    let mut up = ClaimsUpdate::default();
    let (mut writes, mut removes) = (Vec::new(), Vec::new());
    let mut made: BTreeSet<String> = BTreeSet::new();
    for (folder, new) in found {
        let code = new.catalogue.value.clone();
        let path = claim_path(&folder, &code);
        made.insert(code.clone());
        let Some(&i) = before.get(code.as_str()) else {
            writes.push((path.clone(), toml::to_string_pretty(&new)?));
            up.added.push(path);
            continue;
        };
        let old_entry = &existing.claims[i];
        let old = &old_entry.value;
        let merged = if old.not_applicable.is_some() {
            new
        } else {
            keep_editor_claim(old, new)
        };
        let old_path = existing.source(old_entry.file).path.clone();
        if old_path == path && merged == *old {
            up.unchanged += 1;
            continue;
        }
        writes.push((path.clone(), toml::to_string_pretty(&merged)?));
        if old_path != path {
            removes.push(old_path.clone());
            up.moved.push((old_path, path));
        } else {
            up.changed.push(path);
        }
    }
    for c in &existing.claims {
        if made.contains(c.value.catalogue.as_str()) || !folders.contains(c.folder.as_str()) {
            continue;
        }
        if c.value.not_applicable.is_some() {
            up.not_applicable_kept += 1;
        } else {
            let path = existing.source(c.file).path.clone();
            removes.push(path.clone());
            up.removed.push(path);
        }
    }
    removes.sort();
    removes.dedup();
    Ok((up, writes, removes))
}

/// The claim made again from the sheet, with what the editor added to the existing one.
fn keep_editor_claim(old: &Claim, new: Claim) -> Claim {
    let old = old.clone();
    let mut merged = new;
    if merged.supervision.is_empty() {
        merged.supervision = old.supervision;
    }
    if merged.delegation.is_none() {
        merged.delegation = old.delegation;
    }
    if merged.receives.is_none() {
        merged.receives = old.receives;
    }
    merged.sample |= old.sample;
    merged.guide = super::merge_guide(old.guide, merged.guide.take());
    merged
}
