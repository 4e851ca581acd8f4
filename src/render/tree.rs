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
use crate::snapshot::tree::{Node, Resolved, Tree, level_applies};

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
#[derive(Serialize, Clone, Debug, PartialEq, Default)]
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

#[derive(Serialize, Debug, Clone)]
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
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Value {
    pub text: String,
    pub differs: bool,
    /// What is compared: the text without the jurisdiction's own name (白碱滩区商务局 and
    /// 独山子区商务局 are the same office in two places).
    #[serde(skip)]
    pub key: String,
}

/// One jurisdiction's implementation of a catalogue item.
#[derive(Serialize, Debug, Clone, PartialEq)]
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
#[derive(Serialize, Debug, Clone, PartialEq)]
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

/// Everything the tree adds to the root site. The pages of the catalogue items are made one by
/// one when rendered (`TreeView::entry`), in parallel, and dropped once written: at a province's
/// size (3,000 catalogue items × 1,000 jurisdictions) they are millions of cells.
#[derive(Debug, Default)]
pub struct TreeView {
    /// Every jurisdiction, parents before children, the root first (`current` unset).
    pub nav: Vec<NavLink>,
    pub summaries: Vec<Summary>,
    pub columns: Vec<Column>,
    /// The matrix was too large to draw cell by cell (then `entry` makes no cells).
    pub matrix_too_large: bool,
    /// The catalogue items, in the order of their pages: (owner node, index in its catalogue).
    pub entries: Vec<(usize, usize)>,
    /// The root site's path prefix.
    base: String,
    /// The jurisdictions below the root, children right after their parent.
    lower: Vec<usize>,
    /// Each node's claims ordered by the catalogue code they claim (indices into
    /// `snapshot.claims`), for finding a node's claim of a code.
    claims_by_code: Vec<Vec<u32>>,
    /// What the last build made of each entry (its line on the jurisdictions page and its row
    /// of the matrix), for rebuilding the jurisdictions page after an edit in one jurisdiction
    /// without making every catalogue page again.
    pub made: std::sync::Mutex<Vec<(CatalogueLink, Option<Row>)>>,
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

/// What one jurisdiction makes of one catalogue item: its cell in the matrix and its line on
/// the item's page (`None` where the item does not apply to it).
#[derive(Debug, Clone, PartialEq)]
pub struct Local {
    pub cell: Cell,
    pub implementation: Option<Implementation>,
}

/// A node's claims ordered by code, for `find_claim`.
pub fn claims_by_code(node: &Node) -> Vec<u32> {
    let claims = &node.snapshot.claims;
    let mut order: Vec<u32> = (0..claims.len() as u32).collect();
    // Stable: of two claims of one code (an error `check` reports) the last is found, as a map
    // filled in file order would keep it.
    order.sort_by(|a, b| {
        claims[*a as usize]
            .value
            .catalogue
            .as_str()
            .cmp(claims[*b as usize].value.catalogue.as_str())
    });
    order
}

/// The claim of `code` in a node (its index), given its `claims_by_code`.
fn find_claim(node: &Node, order: &[u32], code: &str) -> Option<usize> {
    let claims = &node.snapshot.claims;
    let key = |i: &u32| claims[*i as usize].value.catalogue.as_str();
    let end = order.partition_point(|i| key(i) <= code);
    (end > 0 && key(&order[end - 1]) == code).then(|| order[end - 1] as usize)
}

/// The item a claim became (`id`), found by its department folder and file stem.
fn claimed_item<'a>(node: &'a Node, folder: &str, id: &str) -> Option<&'a Item> {
    let items = &node.snapshot.items;
    let at = items
        .binary_search_by(|e| (e.folder.as_str(), e.stem.as_str()).cmp(&(folder, id)))
        .ok()
        .filter(|&k| items[k].value.id.as_str() == id)
        .or_else(|| items.iter().rposition(|e| e.value.id.as_str() == id))?;
    Some(&items[at].value)
}

impl TreeView {
    /// The views of a loaded tree; `base` is the root site's path prefix, `coverage` what
    /// `check::check_tree` counted for each jurisdiction.
    pub fn new(tree: &Tree, base: &str, coverage: &[Coverage]) -> TreeView {
        let depth = |n: usize| tree.ancestors(n).count();
        let node_url = |n: usize| node_url(base, tree, n);
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
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); tree.nodes.len()];
        for (c, n) in tree.nodes.iter().enumerate() {
            if let Some(p) = n.parent {
                children[p].push(c);
            }
        }
        let mut order = Vec::new();
        let mut stack = vec![0];
        while let Some(n) = stack.pop() {
            order.push(n);
            stack.extend(children[n].iter().rev());
        }
        let mut view = TreeView {
            nav,
            summaries: Vec::new(),
            columns: Vec::new(),
            matrix_too_large: false,
            entries: Vec::new(),
            base: base.to_string(),
            lower: order.iter().copied().filter(|&n| n != 0).collect(),
            claims_by_code: {
                use rayon::prelude::*;
                tree.nodes.par_iter().map(claims_by_code).collect()
            },
            made: Default::default(),
        };
        view.set_summaries(tree, coverage);
        view.entries = order
            .iter()
            .flat_map(|&owner| {
                (0..tree.nodes[owner].snapshot.catalogue.len()).map(move |i| (owner, i))
            })
            .collect();
        view.columns = view
            .lower
            .iter()
            .map(|&n| Column {
                name: tree.nodes[n].name().to_string(),
                level: tree.nodes[n].level().to_string(),
                url: node_url(n),
            })
            .collect();
        view.matrix_too_large = view.entries.len() * view.columns.len() > MATRIX_CELLS;
        view
    }

    /// Each jurisdiction's line on the jurisdictions page, from `check`'s coverage.
    pub fn set_summaries(&mut self, tree: &Tree, coverage: &[Coverage]) {
        let by_path: HashMap<&str, &Coverage> =
            coverage.iter().map(|c| (c.path.as_str(), c)).collect();
        self.summaries = std::iter::once(0)
            .chain(self.lower.iter().copied())
            .map(|n| {
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
                    url: node_url(&self.base, tree, n),
                    depth: tree.ancestors(n).count(),
                    done,
                    coverage,
                }
            })
            .collect();
    }

    /// Node `n` was loaded again (`old` is what it was): find its claims anew, and return the
    /// entries whose pages change — those where what `n` makes of the catalogue item differs.
    pub fn node_changed(&mut self, tree: &Tree, n: usize, old: &Node) -> Vec<usize> {
        use rayon::prelude::*;
        let Some(slot) = self.claims_by_code.get_mut(n) else {
            return Vec::new();
        };
        let before = std::mem::replace(slot, claims_by_code(&tree.nodes[n]));
        let now = &self.claims_by_code[n];
        (0..self.entries.len())
            .into_par_iter()
            .filter(|&k| {
                let e = self.entries[k];
                self.local(tree, e, n, old, &before) != self.local(tree, e, n, &tree.nodes[n], now)
            })
            .collect()
    }

    /// The jurisdictions below the root, in the order of the matrix's columns.
    pub fn lower(&self) -> &[usize] {
        &self.lower
    }

    /// What jurisdiction `n` (as `node`, which may be an earlier version of `tree.nodes[n]`
    /// with its `claims_by_code`) makes of the catalogue item `entry`.
    pub fn local(
        &self,
        tree: &Tree,
        (owner, i): (usize, usize),
        n: usize,
        node: &Node,
        order: &[u32],
    ) -> Local {
        let cat = &tree.nodes[owner].snapshot.catalogue[i].value;
        let code = cat.code.as_str();
        let jname = node.name();
        let below = tree.ancestors(n).any(|a| a == owner);
        // Without the matrix a jurisdiction the item does not apply to has nothing to show (at
        // a province's size most of them: a catalogue item of one level, a thousand places).
        let rank = node.rank();
        if self.matrix_too_large
            && !(below
                && cat.levels.iter().any(|l| level_applies(l, rank))
                && tree.catalogue_item(n, code).map(|(a, _)| a) == Some(owner))
        {
            return Local {
                cell: Cell::default(),
                implementation: None,
            };
        }
        if !below {
            return Local {
                cell: Cell {
                    status: "off",
                    mark: "",
                    label: format!("{jname}：不在本目录的适用范围"),
                    url: String::new(),
                },
                implementation: None,
            };
        }
        // A nearer catalogue of the same code is the one that applies there.
        let nearest = tree.catalogue_item(n, code).map(|(a, _)| a) == Some(owner);
        let applies = nearest && cat.levels.iter().any(|l| level_applies(l, rank));
        let claim =
            find_claim(node, order, code).map(|k| (&node.snapshot.claims[k], &node.claims[k]));
        let (status, mark, text) = match claim {
            Some((_, Resolved::Item { .. })) if applies => ("claimed", "✓", "已认领"),
            Some((_, Resolved::NotApplicable { .. })) if applies => ("na", "—", "不适用"),
            _ if applies => ("missing", "✗", "未认领"),
            _ => ("off", "", "非本级事项"),
        };
        let item = match claim {
            Some((c, Resolved::Item { id, .. })) if applies => Some((c, id.as_str())),
            _ => None,
        };
        let item_url = item.map_or(String::new(), |(_, id)| {
            format!("{}items/{id}.html", node_url(&self.base, tree, n))
        });
        let reason = match claim {
            Some((c, _)) if applies => c
                .value
                .not_applicable
                .as_ref()
                .map_or(String::new(), |r| r.trim().to_string()),
            _ => String::new(),
        };
        let cell = if self.matrix_too_large {
            Cell::default()
        } else {
            Cell {
                status,
                mark,
                label: if reason.is_empty() {
                    format!("{jname}：{text}")
                } else {
                    format!("{jname}：{text}（{reason}）")
                },
                url: item_url.clone(),
            }
        };
        if !applies {
            return Local {
                cell,
                implementation: None,
            };
        }
        let vals = item
            .and_then(|(c, id)| claimed_item(node, &c.folder, id))
            .map(values)
            .unwrap_or_default();
        Local {
            cell,
            implementation: Some(Implementation {
                jurisdiction: jname.to_string(),
                jurisdiction_url: node_url(&self.base, tree, n),
                level: node.level().to_string(),
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
            }),
        }
    }

    /// The page of one catalogue item, and its row of the matrix (unless the matrix is too
    /// large to draw).
    pub fn entry(&self, tree: &Tree, (owner, i): (usize, usize)) -> (CatalogueView, Option<Row>) {
        let cat = &tree.nodes[owner].snapshot.catalogue[i].value;
        let code = cat.code.as_str();
        let url = catalogue_url(&self.base, &tree.nodes[owner].path, code);
        let mut impls = Vec::new();
        let mut cells = Vec::new();
        for &n in &self.lower {
            let node = &tree.nodes[n];
            let local = self.local(tree, (owner, i), n, node, &self.claims_by_code[n]);
            if !self.matrix_too_large {
                cells.push(local.cell);
            }
            impls.extend(local.implementation);
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
        let (claimed, not_applicable, missing) = (count("claimed"), count("na"), count("missing"));
        let row = (!self.matrix_too_large).then(|| Row {
            code: code.to_string(),
            name: cat.name.value.clone(),
            url: url.clone(),
            cells,
        });
        let view = CatalogueView {
            code: code.to_string(),
            name: cat.name.value.clone(),
            category: cat.category.value.clone(),
            sector: cat.sector.clone(),
            owner: tree.nodes[owner].name().to_string(),
            owner_url: node_url(&self.base, tree, owner),
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
        };
        (view, row)
    }

    /// For a lower jurisdiction: its claimed items' catalogue pages, by item id (for a link
    /// on the item page).
    pub fn catalogue_of_items(&self, tree: &Tree, n: usize) -> HashMap<String, String> {
        let node = &tree.nodes[n];
        let rank = node.rank();
        node.snapshot
            .claims
            .iter()
            .zip(&node.claims)
            .filter_map(|(c, r)| {
                let Resolved::Item { id, catalogue } = r else {
                    return None;
                };
                let code = c.value.catalogue.as_str();
                // The catalogue item that applies there: the nearest of that code, of its level.
                let (owner, i) = tree.catalogue_item(n, code)?;
                let cat = &tree.nodes[owner].snapshot.catalogue[i].value;
                let applies =
                    (owner, i) == *catalogue && cat.levels.iter().any(|l| level_applies(l, rank));
                applies.then(|| {
                    (
                        id.clone(),
                        catalogue_url(&self.base, &tree.nodes[owner].path, code),
                    )
                })
            })
            .collect()
    }
}

impl CatalogueView {
    /// Its line on the jurisdictions page.
    pub fn link(&self) -> CatalogueLink {
        CatalogueLink {
            code: self.code.clone(),
            name: self.name.clone(),
            category: self.category.clone(),
            url: self.url.clone(),
            claimed: self.claimed,
            not_applicable: self.not_applicable,
            missing: self.missing,
            differing: self.differing,
        }
    }
}

/// The home page of a jurisdiction's site.
fn node_url(base: &str, tree: &Tree, n: usize) -> String {
    let r = rel(&tree.nodes[n].path);
    if r.is_empty() {
        format!("{base}/")
    } else {
        format!("{base}/{r}/")
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
