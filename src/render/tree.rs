//! The pages of a multi-level repository: the jurisdiction switcher every page carries, the
//! jurisdictions page with its coverage matrix (catalogue items × jurisdictions: claimed, not
//! applicable, missing), and a page per catalogue item with its local versions side by side
//! (同一事项同标准: body, unit, time limits, fees, place and phone of every jurisdiction that
//! implements it, a value that differs from most of them marked).
//!
//! Each lower jurisdiction is rendered as a site of its own below `j/<path>/` (see
//! `Site::build`); this module makes what links them together, from the loaded `Tree`.

use std::collections::HashMap;

use serde::Serialize;

use crate::check::tree::Coverage;
use crate::model::Item;
use crate::snapshot::tree::{Resolved, Tree, level_applies};

/// The matrix is drawn cell by cell up to this many cells; a larger tree (a province of
/// thousands of catalogue items and a hundred counties) shows one bar per jurisdiction instead.
const MATRIX_CELLS: usize = 40_000;

/// Where a jurisdiction's pages are, relative to the root site: "" for the root, "j/dszq",
/// "j/dszq/jd1" below it.
pub fn rel(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!("j/{}", path.replace("jurisdictions/", ""))
    }
}

/// One jurisdiction in the switcher.
#[derive(Serialize, Clone, Debug)]
pub struct NavLink {
    pub name: String,
    pub level: String,
    pub url: String,
    /// 0 for the root, 1 for its children …
    pub depth: usize,
    pub current: bool,
    #[serde(skip)]
    pub parent: Option<usize>,
}

/// The switcher of the site of one jurisdiction (`current`, a node index): the way up to the
/// root, the jurisdictions beside it and those right below it — not every township of a
/// province on every page.
pub fn nav(all: &[NavLink], current: usize) -> Vec<NavLink> {
    let mut up = std::collections::HashSet::new();
    let mut at = Some(current);
    while let Some(n) = at {
        up.insert(n);
        at = all.get(n).and_then(|l| l.parent);
    }
    let parent = all.get(current).and_then(|l| l.parent);
    all.iter()
        .enumerate()
        .filter(|(i, l)| {
            up.contains(i) || l.parent == Some(current) || (parent.is_some() && l.parent == parent)
        })
        .map(|(i, l)| NavLink {
            current: i == current,
            ..l.clone()
        })
        .collect()
}

/// One cell of the coverage matrix.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct Cell {
    /// claimed, na (not applicable), missing, off (not of that jurisdiction's level)
    pub status: &'static str,
    /// The mark drawn in the cell, readable without colour.
    pub mark: &'static str,
    /// What the cell says in words (its title and its text for screen readers).
    pub label: String,
    /// The local item's page, when claimed.
    pub url: String,
}

#[derive(Serialize, Debug)]
pub struct Column {
    pub name: String,
    pub level: String,
    pub url: String,
}

#[derive(Serialize, Debug)]
pub struct Row {
    pub code: String,
    pub name: String,
    pub url: String,
    pub cells: Vec<Cell>,
}

/// A jurisdiction's line on the jurisdictions page: where it is, and how far it claimed (what
/// `check::check_tree` counted).
#[derive(Serialize, Debug)]
pub struct Summary {
    #[serde(flatten)]
    pub coverage: Coverage,
    pub code: String,
    pub url: String,
    pub depth: usize,
    /// Per cent of the catalogue items of its level claimed or justified (0–100).
    pub done: u32,
}

/// A value of one implementation, marked when it differs from what most say.
#[derive(Serialize, Debug, Clone)]
pub struct Value {
    pub text: String,
    pub differs: bool,
    /// What is compared: the text without the jurisdiction's own name (白碱滩区商务局 and
    /// 独山子区商务局 are the same office in two places).
    #[serde(skip)]
    pub key: String,
}

/// One jurisdiction's implementation of a catalogue item.
#[derive(Serialize, Debug)]
pub struct Implementation {
    pub jurisdiction: String,
    pub jurisdiction_url: String,
    pub level: String,
    /// claimed, na, missing
    pub status: &'static str,
    pub status_text: &'static str,
    pub reason: String,
    pub code: String,
    pub item_url: String,
    pub values: Vec<Value>,
}

/// One level's entry of a catalogue item.
#[derive(Serialize, Debug)]
pub struct LevelView {
    pub level: String,
    pub body: String,
    pub unit: String,
    pub statutory_limit: String,
    pub promised_limit: String,
}

/// The page of a catalogue item.
#[derive(Serialize, Debug)]
pub struct CatalogueView {
    pub code: String,
    pub name: String,
    pub category: String,
    pub sector: String,
    pub owner: String,
    pub owner_url: String,
    pub url: String,
    pub sample: bool,
    pub duty: String,
    pub basis: Vec<String>,
    pub sub_items: Vec<String>,
    pub levels: Vec<LevelView>,
    /// The headers of `Implementation::values`.
    pub fields: Vec<&'static str>,
    pub implementations: Vec<Implementation>,
    pub claimed: usize,
    pub not_applicable: usize,
    pub missing: usize,
    /// Claimed implementations with at least one value unlike the others'.
    pub differing: usize,
}

/// A line of the catalogue's index.
#[derive(Serialize, Debug)]
pub struct CatalogueLink {
    pub code: String,
    pub name: String,
    pub category: String,
    pub url: String,
    pub claimed: usize,
    pub not_applicable: usize,
    pub missing: usize,
    pub differing: usize,
}

/// Everything the tree adds to the root site.
#[derive(Debug, Default)]
pub struct TreeView {
    /// Every jurisdiction, parents before children, the root first (`current` unset).
    pub nav: Vec<NavLink>,
    pub summaries: Vec<Summary>,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
    /// The matrix was too large to draw cell by cell.
    pub matrix_too_large: bool,
    pub catalogue: Vec<CatalogueView>,
    /// For each lower jurisdiction (by node index): its claimed items' catalogue pages, by
    /// item id, for a link on the item page.
    pub catalogue_of_item: Vec<HashMap<String, String>>,
}

/// The fields set side by side on a catalogue item's page.
const FIELDS: [&str; 8] = [
    "实施编码",
    "行使主体",
    "承办机构",
    "法定时限",
    "承诺时限",
    "收费",
    "办理地点",
    "咨询电话",
];

fn values(item: &Item) -> Vec<String> {
    let g = item.guide.as_ref().map(|g| &g.value);
    let text = |f: &dyn Fn(&crate::model::Guide) -> String| g.map(f).unwrap_or_default();
    vec![
        item.code.clone(),
        item.body.clone(),
        item.unit.clone(),
        text(&|g| g.statutory_limit.value.trim().to_string()),
        text(&|g| g.promised_limit.value.trim().to_string()),
        text(&|g| match (g.charged, g.fees.is_empty()) {
            (Some(false), _) => "不收费".to_string(),
            (_, false) => g
                .fees
                .iter()
                .map(|f| {
                    if f.amount.trim().is_empty() {
                        f.name.trim().to_string()
                    } else {
                        format!("{} {}", f.name.trim(), f.amount.trim())
                    }
                })
                .collect::<Vec<_>>()
                .join("；"),
            (Some(true), true) => "收费".to_string(),
            (None, true) => String::new(),
        }),
        text(&|g| g.place.trim().to_string()),
        text(&|g| g.consult_phone.trim().to_string()),
    ]
}

impl TreeView {
    /// The views of a loaded tree; `base` is the root site's path prefix, `coverage` what
    /// `check::check_tree` counted for each jurisdiction.
    pub fn new(tree: &Tree, base: &str, coverage: &[Coverage]) -> TreeView {
        let node_url = |n: usize| {
            let r = rel(&tree.nodes[n].path);
            if r.is_empty() {
                format!("{base}/")
            } else {
                format!("{base}/{r}/")
            }
        };
        let depth = |n: usize| tree.ancestors(n).count();
        let nav: Vec<NavLink> = (0..tree.nodes.len())
            .map(|n| NavLink {
                name: tree.nodes[n].name().to_string(),
                level: tree.nodes[n].level().to_string(),
                url: node_url(n),
                depth: depth(n),
                current: false,
                parent: tree.nodes[n].parent,
            })
            .collect();
        // Children right after their parent, in the order they were loaded.
        let mut order = Vec::new();
        fn walk(tree: &Tree, n: usize, order: &mut Vec<usize>) {
            order.push(n);
            for c in (0..tree.nodes.len()).filter(|&c| tree.nodes[c].parent == Some(n)) {
                walk(tree, c, order);
            }
        }
        walk(tree, 0, &mut order);
        let by_path: HashMap<&str, &Coverage> =
            coverage.iter().map(|c| (c.path.as_str(), c)).collect();
        let summaries = order
            .iter()
            .map(|&n| {
                let node = &tree.nodes[n];
                let coverage = by_path.get(node.path.as_str()).map_or_else(
                    || Coverage {
                        path: node.path.clone(),
                        name: node.name().to_string(),
                        level: node.level().to_string(),
                        items: node.snapshot.items.len(),
                        ..Coverage::default()
                    },
                    |c| (*c).clone(),
                );
                let done = ((coverage.claimed + coverage.not_applicable)
                    .min(coverage.catalogue_items)
                    * 100)
                    .checked_div(coverage.catalogue_items)
                    .unwrap_or(100) as u32;
                Summary {
                    code: node
                        .snapshot
                        .jurisdiction
                        .as_ref()
                        .map_or(String::new(), |j| j.value.code.trim().to_string()),
                    url: node_url(n),
                    depth: depth(n),
                    done,
                    coverage,
                }
            })
            .collect();

        // For each node: its claims by code (what became of each), its items by id.
        let claims: Vec<HashMap<&str, (&Resolved, Option<&str>)>> = tree
            .nodes
            .iter()
            .map(|node| {
                node.snapshot
                    .claims
                    .iter()
                    .zip(&node.claims)
                    .map(|(c, r)| {
                        (
                            c.value.catalogue.as_str(),
                            (r, c.value.not_applicable.as_ref().map(|s| s.as_str())),
                        )
                    })
                    .collect()
            })
            .collect();
        let items: Vec<HashMap<&str, &Item>> = tree
            .nodes
            .iter()
            .map(|node| {
                node.snapshot
                    .items
                    .iter()
                    .map(|i| (i.value.id.as_str(), &*i.value))
                    .collect()
            })
            .collect();
        // The jurisdictions a catalogue may apply to: every one below the catalogue's owner.
        let lower: Vec<usize> = order.iter().copied().filter(|&n| n != 0).collect();
        let mut catalogue = Vec::new();
        let mut rows = Vec::new();
        let mut catalogue_of_item = vec![HashMap::new(); tree.nodes.len()];
        for &owner in &order {
            for entry in &tree.nodes[owner].snapshot.catalogue {
                let cat = &entry.value;
                let code = cat.code.as_str();
                let url = catalogue_url(base, &tree.nodes[owner].path, code);
                let mut impls = Vec::new();
                let mut cells = Vec::new();
                for &n in &lower {
                    let below = tree.ancestors(n).any(|a| a == owner);
                    // A nearer catalogue of the same code is the one that applies there.
                    let nearest =
                        below && tree.catalogue_item(n, code).map(|(a, _)| a) == Some(owner);
                    let rank = tree.nodes[n].rank();
                    let applies = nearest && cat.levels.iter().any(|l| level_applies(l, rank));
                    let claim = claims[n].get(code);
                    let (status, mark, text) = match claim {
                        Some((Resolved::Item { .. }, _)) if applies => ("claimed", "✓", "已认领"),
                        Some((Resolved::NotApplicable { .. }, _)) if applies => {
                            ("na", "—", "不适用")
                        }
                        _ if applies => ("missing", "✗", "未认领"),
                        _ => ("off", "", "非本级事项"),
                    };
                    let item_id = match claim {
                        Some((Resolved::Item { id, .. }, _)) => Some(id.as_str()),
                        _ => None,
                    };
                    let item_url = match item_id {
                        Some(id) if applies => {
                            catalogue_of_item[n].insert(id.to_string(), url.clone());
                            format!("{}items/{id}.html", node_url(n))
                        }
                        _ => String::new(),
                    };
                    let jname = tree.nodes[n].name();
                    let reason = match claim {
                        Some((_, Some(r))) if applies => r.trim().to_string(),
                        _ => String::new(),
                    };
                    if below {
                        cells.push(Cell {
                            status,
                            mark,
                            label: if reason.is_empty() {
                                format!("{jname}：{text}")
                            } else {
                                format!("{jname}：{text}（{reason}）")
                            },
                            url: item_url.clone(),
                        });
                    } else {
                        cells.push(Cell {
                            status: "off",
                            mark: "",
                            label: format!("{jname}：不在本目录的适用范围"),
                            url: String::new(),
                        });
                    }
                    if !applies {
                        continue;
                    }
                    let vals = item_id
                        .and_then(|id| items[n].get(id))
                        .map(|i| values(i))
                        .unwrap_or_default();
                    impls.push(Implementation {
                        jurisdiction: jname.to_string(),
                        jurisdiction_url: node_url(n),
                        level: tree.nodes[n].level().to_string(),
                        status,
                        status_text: text,
                        reason,
                        code: vals.first().cloned().unwrap_or_default(),
                        item_url,
                        values: vals
                            .into_iter()
                            .map(|text| Value {
                                key: own_name_out(&text, jname),
                                text,
                                differs: false,
                            })
                            .collect(),
                    });
                }
                let differing = mark_differences(&mut impls);
                // A column nobody filled in is left out.
                let filled: Vec<bool> = (0..FIELDS.len())
                    .map(|f| {
                        impls
                            .iter()
                            .any(|i| i.values.get(f).is_some_and(|v| !v.text.is_empty()))
                    })
                    .collect();
                for i in &mut impls {
                    if !i.values.is_empty() {
                        let mut f = 0;
                        i.values.retain(|_| {
                            f += 1;
                            filled[f - 1]
                        });
                    }
                }
                let fields: Vec<&'static str> = FIELDS
                    .iter()
                    .zip(&filled)
                    .filter(|(_, on)| **on)
                    .map(|(f, _)| *f)
                    .collect();
                let count = |s: &str| impls.iter().filter(|i| i.status == s).count();
                let (claimed, not_applicable, missing) =
                    (count("claimed"), count("na"), count("missing"));
                rows.push(Row {
                    code: code.to_string(),
                    name: cat.name.value.clone(),
                    url: url.clone(),
                    cells,
                });
                catalogue.push(CatalogueView {
                    code: code.to_string(),
                    name: cat.name.value.clone(),
                    category: cat.category.value.clone(),
                    sector: cat.sector.clone(),
                    owner: tree.nodes[owner].name().to_string(),
                    owner_url: node_url(owner),
                    url,
                    sample: cat.sample,
                    duty: cat.duty.clone(),
                    basis: cat
                        .basis
                        .entries
                        .iter()
                        .map(|b| {
                            let title = if b.title.trim().is_empty() {
                                String::new()
                            } else {
                                format!("《{}》", b.title.trim())
                            };
                            format!("{title}{}", b.article.trim())
                        })
                        .filter(|s| !s.is_empty())
                        .collect(),
                    sub_items: cat.sub_items.iter().map(|s| s.name.value.clone()).collect(),
                    levels: cat
                        .levels
                        .iter()
                        .map(|l| LevelView {
                            level: l.level.value.clone(),
                            body: l.body.clone(),
                            unit: l.unit.clone(),
                            statutory_limit: l.statutory_limit.clone(),
                            promised_limit: l.promised_limit.clone(),
                        })
                        .collect(),
                    fields,
                    implementations: impls,
                    claimed,
                    not_applicable,
                    missing,
                    differing,
                });
            }
        }
        let columns: Vec<Column> = lower
            .iter()
            .map(|&n| Column {
                name: tree.nodes[n].name().to_string(),
                level: tree.nodes[n].level().to_string(),
                url: node_url(n),
            })
            .collect();
        let matrix_too_large = rows.len() * columns.len() > MATRIX_CELLS;
        if matrix_too_large {
            rows.clear();
        }
        TreeView {
            nav,
            summaries,
            columns,
            rows,
            matrix_too_large,
            catalogue,
            catalogue_of_item,
        }
    }

    pub fn catalogue_links(&self) -> Vec<CatalogueLink> {
        self.catalogue
            .iter()
            .map(|c| CatalogueLink {
                code: c.code.clone(),
                name: c.name.clone(),
                category: c.category.clone(),
                url: c.url.clone(),
                claimed: c.claimed,
                not_applicable: c.not_applicable,
                missing: c.missing,
                differing: c.differing,
            })
            .collect()
    }
}

/// The page of a catalogue item of the jurisdiction at `path`.
pub fn catalogue_url(base: &str, path: &str, code: &str) -> String {
    let r = rel(path);
    if r.is_empty() {
        format!("{base}/catalogue/{code}/")
    } else {
        format!("{base}/{r}/catalogue/{code}/")
    }
}

/// A value without the jurisdiction's name and its short form (克拉玛依区 → 克拉玛依区, 区).
fn own_name_out(text: &str, jurisdiction: &str) -> String {
    let mut t = text.replace(jurisdiction, "");
    if let Some(short) = ["区", "县", "市", "镇", "乡", "街道"]
        .iter()
        .find_map(|s| jurisdiction.strip_suffix(s))
        .filter(|s| s.chars().count() >= 2)
    {
        t = t.replace(short, "");
    }
    t
}

/// Mark each claimed implementation's value that differs from the one most of them give (a
/// value nobody shares when all differ is not marked: there is no standard to differ from; an
/// empty value is not stated, not different).
/// Returns how many implementations have a marked value. The implementation code always
/// differs and is left out.
fn mark_differences(impls: &mut [Implementation]) -> usize {
    let fields = impls.iter().map(|i| i.values.len()).max().unwrap_or(0);
    for f in 1..fields {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for i in impls.iter().filter(|i| i.status == "claimed") {
            if let Some(v) = i.values.get(f).filter(|v| !v.text.is_empty()) {
                *counts.entry(v.key.as_str()).or_default() += 1;
            }
        }
        let Some((&most, &n)) = counts
            .iter()
            .max_by_key(|(v, n)| (**n, std::cmp::Reverse(**v)))
        else {
            continue;
        };
        if n < 2 || counts.len() < 2 {
            continue;
        }
        let most = most.to_string();
        for i in impls.iter_mut().filter(|i| i.status == "claimed") {
            if let Some(v) = i.values.get_mut(f).filter(|v| !v.text.is_empty()) {
                v.differs = v.key != most;
            }
        }
    }
    impls
        .iter()
        .filter(|i| i.values.iter().any(|v| v.differs))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn imp(vals: &[&str]) -> Implementation {
        Implementation {
            jurisdiction: String::new(),
            jurisdiction_url: String::new(),
            level: String::new(),
            status: "claimed",
            status_text: "已认领",
            reason: String::new(),
            code: String::new(),
            item_url: String::new(),
            values: vals
                .iter()
                .map(|t| Value {
                    text: t.to_string(),
                    differs: false,
                    key: t.to_string(),
                })
                .collect(),
        }
    }

    #[test]
    fn the_value_unlike_most_is_marked() {
        let mut v = vec![
            imp(&["a-1", "局", "20个工作日"]),
            imp(&["a-2", "局", "20个工作日"]),
            imp(&["a-3", "局", "30个工作日"]),
        ];
        assert_eq!(mark_differences(&mut v), 1);
        assert!(v[2].values[2].differs);
        assert!(!v[0].values[2].differs && !v[2].values[1].differs);
        // The implementation code differs everywhere and is never marked.
        assert!(!v[2].values[0].differs);
    }

    #[test]
    fn a_place_name_is_not_a_difference() {
        assert_eq!(own_name_out("白碱滩区商务局", "白碱滩区"), "商务局");
        assert_eq!(own_name_out("白碱滩商务局", "白碱滩区"), "商务局");
        assert_eq!(own_name_out("区商务局", "城关镇"), "区商务局");
    }

    #[test]
    fn a_value_only_one_states_is_not_a_difference() {
        let mut v = vec![imp(&["a-1", ""]), imp(&["a-2", ""]), imp(&["a-3", "窗口"])];
        assert_eq!(mark_differences(&mut v), 0);
    }

    #[test]
    fn no_standard_no_mark() {
        let mut v = vec![imp(&["a-1", "甲"]), imp(&["a-2", "乙"])];
        assert_eq!(mark_differences(&mut v), 0);
    }

    #[test]
    fn rel_paths_of_nested_jurisdictions() {
        assert_eq!(rel(""), "");
        assert_eq!(rel("jurisdictions/dsz"), "j/dsz");
        assert_eq!(rel("jurisdictions/dsz/jurisdictions/jd1"), "j/dsz/jd1");
    }
}
