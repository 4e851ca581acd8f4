//! `qingdan claims`: a lower jurisdiction's list against the guiding catalogues above it
//! (multi-level lists, see `snapshot::tree`) — which catalogue items it claimed, which it left out
//! and why, what it states differently from the catalogue (body, unit, level, scope, time limits),
//! what it adds locally. A report of its own: a district's list set beside its catalogue is not
//! an edition of it, so nothing here is read as 新增 or 下放.

use serde::Serialize;

use crate::model::{CatalogueLevel, Item};
use crate::snapshot::tree::{Resolved, Tree, level_applies};

/// One jurisdiction's claims report.
#[derive(Debug, Serialize)]
pub struct Claims {
    pub path: String,
    pub name: String,
    pub level: String,
    pub summary: Summary,
    /// Each catalogue item of its level (and any other it claims), in code order.
    pub catalogue: Vec<Entry>,
    /// Its own items that claim nothing.
    pub local_items: Vec<Local>,
}

#[derive(Debug, Default, Serialize)]
pub struct Summary {
    pub catalogue_items: usize,
    pub claimed: usize,
    /// Of the claimed, those that state something differently from the catalogue.
    pub changed_locally: usize,
    pub not_applicable: usize,
    pub missing: usize,
    /// Claimed though the catalogue has no entry for this level.
    pub not_for_level: usize,
    pub local: usize,
}

#[derive(Debug, Serialize)]
pub struct Entry {
    /// 基本编码.
    pub code: String,
    pub name: String,
    pub category: String,
    /// Where the catalogue item is (path from the root).
    pub catalogue_file: String,
    /// `claimed`, `not_applicable`, `missing` or `not_for_level`.
    pub status: &'static str,
    /// The claim's file, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claim_file: Option<String>,
    /// The implementation code of the claimed item.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Why it is not applicable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What the claim states differently from the catalogue's entry for this level.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub local: Vec<Field>,
    /// What only the claim has: 办事指南, 监管措施, 下放, 承接.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub adds: Vec<&'static str>,
}

#[derive(Debug, Serialize)]
pub struct Field {
    pub field: &'static str,
    pub label: &'static str,
    pub catalogue: String,
    pub local: String,
}

#[derive(Debug, Serialize)]
pub struct Local {
    pub id: String,
    pub name: String,
    pub department: String,
    pub file: String,
}

/// The reports of the given jurisdictions (`None`: every one below the root).
pub fn claims(tree: &Tree, nodes: &[usize]) -> Vec<Claims> {
    nodes.iter().map(|&n| one(tree, n)).collect()
}

fn differences(item: &Item, level: Option<&CatalogueLevel>, dept_name: &str) -> Vec<Field> {
    let mut out = Vec::new();
    let Some(l) = level else {
        return out;
    };
    let mut add = |field, label, catalogue: &str, local: &str| {
        if !catalogue.trim().is_empty() && catalogue.trim() != local.trim() {
            out.push(Field {
                field,
                label,
                catalogue: catalogue.to_string(),
                local: local.to_string(),
            });
        }
    };
    // The catalogue's body names the kind of body (“县（市、区）住房和城乡建设主管部门”); a claim
    // that leaves it out is exercised by its department, which is no local difference.
    if item.body != dept_name {
        add("body", "实施主体", &l.body, &item.body);
    }
    add("unit", "承办机构", &l.unit, &item.unit);
    // “县级” and “县（市、区）级” are the same level, said two ways: no local difference.
    let same_level = crate::model::tier::levels(&l.level)
        .is_some_and(|a| crate::model::tier::levels(&item.level) == Some(a));
    if !same_level {
        add("level", "行使层级", &l.level, &item.level);
    }
    add("scope", "权限划分", &l.scope, &item.scope);
    if let Some(g) = &item.guide {
        add(
            "statutory_limit",
            "法定时限",
            &l.statutory_limit,
            &g.value.statutory_limit,
        );
        add(
            "promised_limit",
            "承诺时限",
            &l.promised_limit,
            &g.value.promised_limit,
        );
    }
    out
}

fn one(tree: &Tree, node: usize) -> Claims {
    let n = &tree.nodes[node];
    let snap = &n.snapshot;
    let rank = n.rank();
    let mut entries = Vec::new();
    let mut summary = Summary::default();
    let mut claimed_codes = std::collections::HashSet::new();
    let mut claimed_ids = std::collections::HashSet::new();
    let by_id: std::collections::HashMap<&str, usize> = snap
        .items
        .iter()
        .enumerate()
        .map(|(k, i)| (i.value.id.as_str(), k))
        .collect();
    for (c, r) in snap.claims.iter().zip(&n.claims) {
        let code = c.value.catalogue.value.clone();
        let at = match r {
            Resolved::Item { catalogue, .. } => Some(*catalogue),
            Resolved::NotApplicable { catalogue } => *catalogue,
            Resolved::Unknown => None,
        };
        let Some(at) = at else {
            // Unknown codes are `check`'s business (claim-unknown).
            continue;
        };
        claimed_codes.insert(code.clone());
        let cat = tree.catalogue_entry(at);
        let level = cat.value.levels.iter().find(|l| level_applies(l, rank));
        let mut e = Entry {
            code: code.clone(),
            name: cat.value.name.value.clone(),
            category: cat.value.category.value.clone(),
            catalogue_file: tree.nodes[at.0].snapshot.source(cat.file).path.clone(),
            status: "claimed",
            claim_file: Some(snap.source(c.file).path.clone()),
            item_id: None,
            department: Some(snap.department_name(&c.folder).to_string()),
            reason: None,
            local: Vec::new(),
            adds: Vec::new(),
        };
        match r {
            Resolved::NotApplicable { .. } => {
                e.status = "not_applicable";
                e.reason = c.value.not_applicable.as_ref().map(|r| r.value.clone());
                summary.not_applicable += 1;
            }
            Resolved::Item { id, .. } => {
                claimed_ids.insert(id.clone());
                e.item_id = Some(id.clone());
                if level.is_none() {
                    e.status = "not_for_level";
                    summary.not_for_level += 1;
                } else {
                    summary.claimed += 1;
                }
                if let Some(item) = by_id.get(id.as_str()).map(|&k| &snap.items[k]) {
                    let item = &item.value;
                    e.local = differences(item, level, snap.department_name(&c.folder));
                    if c.value.guide.is_some() {
                        e.adds.push("办事指南");
                    }
                    if !item.supervision.is_empty() {
                        e.adds.push("监管措施");
                    }
                    if item.delegation.is_some() {
                        e.adds.push("下放");
                    }
                    if item.receives.is_some() {
                        e.adds.push("承接");
                    }
                    if !e.local.is_empty() {
                        summary.changed_locally += 1;
                    }
                }
            }
            Resolved::Unknown => {}
        }
        entries.push(e);
    }
    let applicable = tree.applicable(node);
    summary.catalogue_items = applicable.len();
    for at in applicable {
        let cat = tree.catalogue_entry(at);
        if claimed_codes.contains(cat.value.code.as_str()) {
            continue;
        }
        summary.missing += 1;
        entries.push(Entry {
            code: cat.value.code.value.clone(),
            name: cat.value.name.value.clone(),
            category: cat.value.category.value.clone(),
            catalogue_file: tree.nodes[at.0].snapshot.source(cat.file).path.clone(),
            status: "missing",
            claim_file: None,
            item_id: None,
            department: None,
            reason: None,
            local: Vec::new(),
            adds: Vec::new(),
        });
    }
    entries.sort_by(|a, b| a.code.cmp(&b.code));
    let local_items: Vec<Local> = snap
        .items
        .iter()
        .filter(|e| !claimed_ids.contains(e.value.id.as_str()))
        .map(|e| Local {
            id: e.value.id.value.clone(),
            name: e.value.name.value.clone(),
            department: snap.department_name(&e.folder).to_string(),
            file: snap.source(e.file).path.clone(),
        })
        .collect();
    summary.local = local_items.len();
    Claims {
        path: n.path.clone(),
        name: n.name().to_string(),
        level: n.level().to_string(),
        summary,
        catalogue: entries,
        local_items,
    }
}

/// The text report (Markdown when `markdown`: headings and tables for a review).
pub fn text(reports: &[Claims], markdown: bool) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for r in reports {
        let s = &r.summary;
        if markdown {
            let _ = writeln!(out, "## {}（{}）认领指导目录\n", r.name, r.level);
        } else {
            let _ = writeln!(out, "{}（{}，{}）", r.name, r.level, r.path);
        }
        let _ = writeln!(
            out,
            "目录事项 {}：认领 {}（其中本地有不同 {}），不适用 {}，未认领 {}；另认领非本级事项 {}，自设事项 {}。\n",
            s.catalogue_items,
            s.claimed,
            s.changed_locally,
            s.not_applicable,
            s.missing,
            s.not_for_level,
            s.local
        );
        let groups = [
            ("missing", "未认领（应认尽认：认领，或写明不适用的理由）"),
            ("not_applicable", "不适用"),
            ("not_for_level", "认领了目录中不由本级行使的事项"),
            ("claimed", "认领，本地有不同"),
        ];
        for (status, title) in groups {
            let list: Vec<&Entry> = r
                .catalogue
                .iter()
                .filter(|e| e.status == status && (status != "claimed" || !e.local.is_empty()))
                .collect();
            if list.is_empty() {
                continue;
            }
            if markdown {
                let _ = writeln!(out, "### {title}（{}）\n", list.len());
            } else {
                let _ = writeln!(out, "  {title}（{}）：", list.len());
            }
            for e in list {
                let extra = match (&e.reason, e.local.is_empty()) {
                    (Some(reason), _) => format!("：{reason}"),
                    (None, false) => {
                        let parts: Vec<String> = e
                            .local
                            .iter()
                            .map(|f| format!("{} “{}” → “{}”", f.label, f.catalogue, f.local))
                            .collect();
                        format!("：{}", parts.join("；"))
                    }
                    _ => String::new(),
                };
                if markdown {
                    let _ = writeln!(out, "- `{}` {}{extra}", e.code, e.name);
                } else {
                    let _ = writeln!(out, "    {}  {}{extra}", e.code, e.name);
                }
            }
            out.push('\n');
        }
        if !r.local_items.is_empty() {
            if markdown {
                let _ = writeln!(out, "### 自设事项（{}）\n", r.local_items.len());
            } else {
                let _ = writeln!(out, "  自设事项（{}）：", r.local_items.len());
            }
            for l in &r.local_items {
                if markdown {
                    let _ = writeln!(out, "- `{}` {}（{}）", l.id, l.name, l.department);
                } else {
                    let _ = writeln!(out, "    {}  {}（{}）", l.id, l.name, l.department);
                }
            }
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Located;

    #[test]
    fn the_same_level_said_two_ways_is_no_difference() {
        let level = CatalogueLevel {
            level: "县（市、区）级".into(),
            unit: "市场科".into(),
            ..CatalogueLevel::default()
        };
        let mut item = Item {
            level: Located::new("县级".to_string()),
            unit: "市场科".into(),
            ..Item::default()
        };
        assert!(differences(&item, Some(&level), "").is_empty());
        item.level = Located::new("乡镇级".to_string());
        let d = differences(&item, Some(&level), "");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].field, "level");
    }
}
