//! Multi-level lists: one repository for a jurisdiction and the jurisdictions below it.
//!
//! The lists folder is the root jurisdiction; each lower jurisdiction is a lists folder of its
//! own under `jurisdictions/<folder>/`, to any depth (a city, its districts, their townships).
//! A jurisdiction may publish a guiding catalogue (指导目录, `catalogue/<基本编码>.toml`) for
//! those below it; a lower jurisdiction claims (认领) a catalogue item with a file
//! `departments/<部门>/claims/<基本编码>.toml` that states only what is local, or says why it does
//! not apply (`not_applicable`). Loading turns every applicable claim into an item of its
//! jurisdiction — name, category, basis, responsibilities and accountability from the
//! catalogue, the rest from the claim — so every later stage sees ordinary items, while the files
//! hold each text once (no copy to drift from the catalogue).
//!
//! Each jurisdiction is a `Snapshot`; the paths of its files are made relative to the root, so
//! that every message names the file as the editor finds it.

use std::path::Path;

use rayon::prelude::*;

use super::{Entry, Snapshot};
use crate::model::{CatalogueItem, CatalogueLevel, Claim, Guide, Item, Located, tier};

/// One jurisdiction of the tree.
#[derive(Debug)]
pub struct Node {
    /// Its folder relative to the root, `/`-separated: "" for the root, "jurisdictions/dsz",
    /// "jurisdictions/dsz/jurisdictions/jd1" …
    pub path: String,
    /// The parent's index in `Tree::nodes`; `None` for the root.
    pub parent: Option<usize>,
    pub snapshot: Snapshot,
    /// For each of `snapshot.claims`: what became of it.
    pub claims: Vec<Resolved>,
}

/// What loading made of a claim.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {
    /// The item made of it (its id, the implementation code), with the catalogue item it
    /// claims: (node, index in that node's `snapshot.catalogue`).
    Item {
        id: String,
        catalogue: (usize, usize),
    },
    /// Not applicable here, with the catalogue item (when it exists).
    NotApplicable { catalogue: Option<(usize, usize)> },
    /// No catalogue above has this code.
    Unknown,
}

/// Jurisdictions by what names them, for many look-ups (`Tree::find` builds one each time).
pub struct Finder<'a> {
    tree: &'a Tree,
    by_path: std::collections::HashMap<String, usize>,
    /// Codes and names (several jurisdictions may share a name: 城关镇).
    by_key: std::collections::HashMap<&'a str, Vec<usize>>,
    by_folder: std::collections::HashMap<&'a str, Vec<usize>>,
}

impl<'a> Finder<'a> {
    pub fn new(tree: &'a Tree) -> Finder<'a> {
        let mut f = Finder {
            tree,
            by_path: std::collections::HashMap::new(),
            by_key: std::collections::HashMap::new(),
            by_folder: std::collections::HashMap::new(),
        };
        for (i, n) in tree.nodes.iter().enumerate() {
            f.by_path.insert(n.path.replace("jurisdictions/", ""), i);
            if let Some(j) = &n.snapshot.jurisdiction {
                for k in [j.value.code.trim(), j.value.name.trim()] {
                    if !k.is_empty() {
                        let v = f.by_key.entry(k).or_default();
                        if !v.contains(&i) {
                            v.push(i);
                        }
                    }
                }
            }
            if !n.path.is_empty() {
                f.by_folder.entry(n.folder()).or_default().push(i);
            }
        }
        f
    }

    /// The jurisdiction `key` names: by path, else by code or name, else by folder name. When
    /// several share it, the one below `near` (a delegating jurisdiction) if exactly one is;
    /// `None` when it stays ambiguous.
    pub fn find(&self, key: &str, near: Option<usize>) -> Option<usize> {
        let key = key.trim();
        if key.is_empty() {
            return None;
        }
        if let Some(&i) = self.by_path.get(key) {
            return Some(i);
        }
        let pick = |v: &Vec<usize>| -> Option<usize> {
            if let [one] = v.as_slice() {
                return Some(*one);
            }
            let near = near?;
            let below: Vec<usize> = v
                .iter()
                .copied()
                .filter(|&i| self.tree.ancestors(i).any(|a| a == near))
                .collect();
            (below.len() == 1).then(|| below[0])
        };
        self.by_key
            .get(key)
            .and_then(pick)
            .or_else(|| self.by_folder.get(key).and_then(pick))
    }
}

/// What a node's claims resolve to, and the items they make.
type Claimed = (Vec<Resolved>, Vec<Entry<std::sync::Arc<Item>>>);

/// A repository of jurisdictions; `nodes[0]` is the root, and every parent comes before its
/// children.
#[derive(Debug, Default)]
pub struct Tree {
    pub nodes: Vec<Node>,
}

impl Node {
    /// The jurisdiction's folder name ("" for the root).
    pub fn folder(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or("")
    }

    /// Its name, or its folder when it has no jurisdiction.toml.
    pub fn name(&self) -> &str {
        match &self.snapshot.jurisdiction {
            Some(j) if !j.value.name.trim().is_empty() => j.value.name.as_str(),
            _ if self.path.is_empty() => "根区划",
            _ => self.folder(),
        }
    }

    /// Its level as written in jurisdiction.toml ("" without one).
    pub fn level(&self) -> &str {
        self.snapshot
            .jurisdiction
            .as_ref()
            .map_or("", |j| j.value.level.as_str())
    }

    /// Its level as a rank (`tier::rank`: 4 province … 1 township; 0 unknown).
    pub fn rank(&self) -> u8 {
        tier::rank(self.level())
    }

    /// Its 区划代码, or else its folder name: what an implementation code is made of.
    pub fn code(&self) -> &str {
        match &self.snapshot.jurisdiction {
            Some(j) if !j.value.code.trim().is_empty() => j.value.code.trim(),
            _ => self.folder(),
        }
    }

    /// A file of this jurisdiction, as a path from the root.
    pub fn file(&self, rel: &str) -> String {
        if self.path.is_empty() {
            rel.to_string()
        } else {
            format!("{}/{rel}", self.path)
        }
    }
}

/// Does `dir` hold more than one jurisdiction, or a catalogue?
pub fn is_tree(dir: &Path) -> bool {
    dir.join("jurisdictions").is_dir() || dir.join("catalogue").is_dir()
}

/// The implementation code (实施编码) of a catalogue item claimed by a jurisdiction: the basic
/// code and the jurisdiction's 区划代码 (or folder), as GB/T 39554.1 makes an implementation code
/// of a basic code and where it is carried out.
pub fn implementation_code(basic: &str, jurisdiction: &str) -> String {
    format!("{basic}-{jurisdiction}")
}

/// Does a catalogue level entry apply to a jurisdiction of rank `rank`?
pub fn level_applies(level: &CatalogueLevel, rank: u8) -> bool {
    rank > 0 && tier::levels(&level.level).is_some_and(|(hi, lo)| lo <= rank && rank <= hi)
}

impl Tree {
    /// Load the root folder and every jurisdiction under it, then resolve the claims.
    pub fn load(dir: &Path) -> Result<Tree, crate::Error> {
        let mut folders = Vec::new();
        collect(dir, String::new(), None, &mut folders)?;
        let snapshots: Vec<Result<Snapshot, crate::Error>> =
            crate::progress::timed("tree: load jurisdictions", || {
                folders
                    .par_iter()
                    .map(|(path, _)| {
                        let full = if path.is_empty() {
                            dir.to_path_buf()
                        } else {
                            dir.join(path)
                        };
                        let mut snap = Snapshot::load_dir(&full)?;
                        if !path.is_empty() {
                            snap.label = path.clone();
                            prefix(&mut snap, path);
                        }
                        Ok(snap)
                    })
                    .collect()
            });
        let mut tree = Tree::default();
        for ((path, parent), snap) in folders.into_iter().zip(snapshots) {
            tree.nodes.push(Node {
                path,
                parent,
                snapshot: snap?,
                claims: Vec::new(),
            });
        }
        tree.resolve_claims();
        Ok(tree)
    }

    /// Load lower jurisdiction `n` again from `dir` (the root folder) and resolve its claims,
    /// leaving every other node as it is (`serve --watch` after an edit inside one
    /// jurisdiction). Returns the node as it was. The catalogues above it must be unchanged, and
    /// so must its place in the tree: the caller reloads everything when they may not be.
    pub fn reload_node(&mut self, dir: &Path, n: usize) -> Result<Node, crate::Error> {
        let path = self.nodes[n].path.clone();
        let mut snap = Snapshot::load_dir(&dir.join(&path))?;
        if !path.is_empty() {
            snap.label = path.clone();
            prefix(&mut snap, &path);
        }
        let fresh = Node {
            path,
            parent: self.nodes[n].parent,
            snapshot: snap,
            claims: Vec::new(),
        };
        let mut old = std::mem::replace(&mut self.nodes[n], fresh);
        let (resolved, items) = self.claims_of(n);
        let node = &mut self.nodes[n];
        node.claims = resolved;
        if !items.is_empty() {
            node.snapshot.items.extend(items);
            node.snapshot
                .items
                .sort_by(|a, b| (&a.folder, &a.stem).cmp(&(&b.folder, &b.stem)));
        }
        old.parent = node.parent;
        Ok(old)
    }

    /// Put back a node `reload_node` replaced (the edit did not pass `check`).
    pub fn restore_node(&mut self, n: usize, old: Node) {
        self.nodes[n] = old;
    }

    /// The node a changed file belongs to (`rel`, relative to the root folder): the deepest
    /// jurisdiction folder it is in, when that folder is a node of this tree.
    pub fn node_of_file(&self, rel: &str) -> Option<usize> {
        let path = node_of(rel);
        self.nodes.iter().position(|n| n.path == path)
    }

    /// A tree from files in memory (a git revision's lists folder): each file goes to the
    /// deepest jurisdiction folder it is in.
    pub fn from_raw(label: &str, files: Vec<super::RawFile>) -> Tree {
        let mut by_node: std::collections::BTreeMap<String, Vec<super::RawFile>> =
            std::collections::BTreeMap::new();
        by_node.entry(String::new()).or_default();
        for mut f in files {
            let node = node_of(&f.path);
            if !node.is_empty() {
                f.path = f.path[node.len() + 1..].to_string();
                // The folders above it are jurisdictions too, even without files of their own.
                let mut above = node.as_str();
                while let Some(cut) = above.rfind("/jurisdictions/") {
                    above = &above[..cut];
                    by_node.entry(above.to_string()).or_default();
                }
            }
            by_node.entry(node).or_default().push(f);
        }
        // Parents before children: sorted paths put "a" before "a/jurisdictions/b".
        let paths: Vec<String> = by_node.keys().cloned().collect();
        let mut tree = Tree::default();
        for (path, files) in by_node {
            let mut snap = Snapshot::from_raw(&format!("{label}/{path}"), files);
            let parent = parent_of(&path).and_then(|p| paths.iter().position(|x| *x == p));
            if !path.is_empty() {
                prefix(&mut snap, &path);
            } else {
                snap.label = label.to_string();
            }
            tree.nodes.push(Node {
                path,
                parent,
                snapshot: snap,
                claims: Vec::new(),
            });
        }
        // `paths` is in the order nodes were pushed: parent indices are right.
        tree.resolve_claims();
        tree
    }

    /// A tree of one jurisdiction (an ordinary lists folder).
    pub fn single(snapshot: Snapshot) -> Tree {
        let mut tree = Tree {
            nodes: vec![Node {
                path: String::new(),
                parent: None,
                snapshot,
                claims: Vec::new(),
            }],
        };
        tree.resolve_claims();
        tree
    }

    /// Ancestors of a node, nearest first (without the node).
    pub fn ancestors(&self, node: usize) -> impl Iterator<Item = usize> + '_ {
        std::iter::successors(self.nodes[node].parent, |&p| self.nodes[p].parent)
    }

    /// The catalogue item with this basic code in the nearest ancestor that has it.
    pub fn catalogue_item(&self, node: usize, code: &str) -> Option<(usize, usize)> {
        self.ancestors(node).find_map(|a| {
            let cat = &self.nodes[a].snapshot.catalogue;
            // Sorted by code when loaded.
            cat.binary_search_by(|e| e.value.code.as_str().cmp(code))
                .ok()
                .map(|i| (a, i))
        })
    }

    pub fn catalogue_entry(&self, (node, i): (usize, usize)) -> &Entry<CatalogueItem> {
        &self.nodes[node].snapshot.catalogue[i]
    }

    /// A jurisdiction named by its folder path (below `jurisdictions/`, e.g. "dsz" or
    /// "dsz/jd1"), its folder name, its 区划代码 or its name.
    pub fn find(&self, key: &str) -> Option<usize> {
        Finder::new(self).find(key, None)
    }

    /// Catalogue items (node, index) that apply to a node: those of every ancestor's catalogue
    /// with an entry for its level.
    pub fn applicable(&self, node: usize) -> Vec<(usize, usize)> {
        let rank = self.nodes[node].rank();
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for a in self.ancestors(node) {
            for (i, e) in self.nodes[a].snapshot.catalogue.iter().enumerate() {
                // A nearer catalogue's item of the same code is the one that applies.
                if !seen.insert(e.value.code.value.clone()) {
                    continue;
                }
                if e.value.levels.iter().any(|l| level_applies(l, rank)) {
                    out.push((a, i));
                }
            }
        }
        out
    }

    /// Turn each node's applicable claims into items (the nodes in parallel).
    fn resolve_claims(&mut self) {
        let made: Vec<Claimed> = crate::progress::timed("tree: claims to items", || {
            (0..self.nodes.len())
                .into_par_iter()
                .map(|node| self.claims_of(node))
                .collect()
        });
        for (n, (resolved, items)) in self.nodes.iter_mut().zip(made) {
            n.claims = resolved;
            if !items.is_empty() {
                n.snapshot.items.extend(items);
                n.snapshot
                    .items
                    .sort_by(|a, b| (&a.folder, &a.stem).cmp(&(&b.folder, &b.stem)));
            }
        }
    }

    /// What a node's claims resolve to, and the items they make.
    fn claims_of(&self, node: usize) -> Claimed {
        {
            let mut resolved = Vec::new();
            let mut items = Vec::new();
            let rank = self.nodes[node].rank();
            let code = self.nodes[node].code().to_string();
            for claim in &self.nodes[node].snapshot.claims {
                let found = self.catalogue_item(node, claim.value.catalogue.as_str());
                let Some(at) = found else {
                    resolved.push(Resolved::Unknown);
                    continue;
                };
                if claim.value.not_applicable.is_some() {
                    resolved.push(Resolved::NotApplicable {
                        catalogue: Some(at),
                    });
                    continue;
                }
                let cat = &self.catalogue_entry(at).value;
                let level = cat.levels.iter().find(|l| level_applies(l, rank));
                let snap = &self.nodes[node].snapshot;
                let dept = snap.department_name(&claim.folder).to_string();
                let id = implementation_code(cat.code.as_str(), &code);
                let item = claim_item(cat, level, &claim.value, &claim.folder, &dept, &id);
                resolved.push(Resolved::Item {
                    id: id.clone(),
                    catalogue: at,
                });
                items.push(Entry {
                    file: claim.file,
                    folder: claim.folder.clone(),
                    stem: id,
                    value: std::sync::Arc::new(item),
                });
            }
            (resolved, items)
        }
    }
}

/// The jurisdiction folder a file is in: the path up to its last `jurisdictions/<x>`.
fn node_of(path: &str) -> String {
    let parts: Vec<&str> = path.split('/').collect();
    let mut end = 0;
    let mut i = 0;
    while i + 2 < parts.len() {
        if parts[i] == "jurisdictions" {
            end = i + 2;
            i += 2;
        } else {
            break;
        }
    }
    // Only nested as jurisdictions/<x>/jurisdictions/<y>/…: anything else ends the chain.
    if end == 0 {
        return String::new();
    }
    parts[..end].join("/")
}

/// The parent jurisdiction folder of a node's path ("" for a child of the root).
pub fn parent_of(path: &str) -> Option<String> {
    if path.is_empty() {
        return None;
    }
    Some(match path.rfind("/jurisdictions/") {
        Some(cut) => path[..cut].to_string(),
        None => String::new(),
    })
}

/// The lists folders under `dir` (relative paths, parents first) with their parents.
fn collect(
    root: &Path,
    path: String,
    parent: Option<usize>,
    out: &mut Vec<(String, Option<usize>)>,
) -> Result<(), crate::Error> {
    let me = out.len();
    out.push((path.clone(), parent));
    let below = if path.is_empty() {
        root.join("jurisdictions")
    } else {
        root.join(&path).join("jurisdictions")
    };
    let Ok(entries) = std::fs::read_dir(&below) else {
        return Ok(());
    };
    let mut children: Vec<String> = Vec::new();
    for e in entries {
        let e = e.map_err(|source| crate::Error::Read {
            path: below.clone(),
            source,
        })?;
        let name = e.file_name().to_string_lossy().to_string();
        if e.file_type().is_ok_and(|t| t.is_dir()) && !name.starts_with('.') {
            children.push(name);
        }
    }
    children.sort();
    for c in children {
        let child = if path.is_empty() {
            format!("jurisdictions/{c}")
        } else {
            format!("{path}/jurisdictions/{c}")
        };
        collect(root, child, Some(me), out)?;
    }
    Ok(())
}

/// Make a lower jurisdiction's paths relative to the root.
fn prefix(snap: &mut Snapshot, path: &str) {
    for f in &mut snap.files {
        f.path = format!("{path}/{}", f.path);
    }
    for i in &mut snap.images {
        *i = format!("{path}/{i}");
    }
    for p in &mut snap.problems {
        if !p.file.starts_with(path) {
            p.file = format!("{path}/{}", p.file);
        }
    }
}

/// The item a claim stands for. What comes from the catalogue is located at the claim's
/// `catalogue` key, so that a message about it points into the claim.
fn claim_item(
    cat: &CatalogueItem,
    level: Option<&CatalogueLevel>,
    claim: &Claim,
    folder: &str,
    dept_name: &str,
    id: &str,
) -> Item {
    let span = claim.catalogue.span;
    let at = |v: &str| Located {
        value: v.to_string(),
        span,
    };
    let mut guide = claim.guide.clone();
    if let Some(l) = level
        && (!l.statutory_limit.is_empty() || !l.promised_limit.is_empty())
    {
        let g = guide.get_or_insert_with(|| Box::new(Located::new(Guide::default())));
        if g.value.statutory_limit.trim().is_empty() {
            g.value.statutory_limit = at(&l.statutory_limit);
        }
        if g.value.promised_limit.trim().is_empty() {
            g.value.promised_limit = at(&l.promised_limit);
        }
    }
    let or = |local: &str, catalogue: Option<&str>, last: &str| -> String {
        if !local.trim().is_empty() {
            local.to_string()
        } else {
            catalogue
                .filter(|c| !c.trim().is_empty())
                .unwrap_or(last)
                .to_string()
        }
    };
    let mut sub_items = cat.sub_items.clone();
    for s in &mut sub_items {
        s.name.span = span;
    }
    let mut extra = std::collections::BTreeMap::new();
    extra.insert("基本编码".to_string(), cat.code.value.clone());
    Item {
        id: at(id),
        name: at(cat.name.as_str()),
        category: at(cat.category.as_str()),
        department: at(folder),
        code: id.to_string(),
        sub_items,
        basis: cat.basis.clone(),
        body: or(&claim.body, None, dept_name),
        unit: or(&claim.unit, level.map(|l| l.unit.as_str()), ""),
        level: if claim.level.trim().is_empty() {
            at(level.map_or("", |l| l.level.as_str()))
        } else {
            claim.level.clone()
        },
        scope: or(&claim.scope, level.map(|l| l.scope.as_str()), ""),
        duty: cat.duty.clone(),
        responsibilities: cat.responsibilities.clone(),
        accountability: cat.accountability.clone(),
        delegation: claim.delegation.clone(),
        receives: claim.receives.clone(),
        supervision: claim.supervision.clone(),
        guide,
        remarks: claim.remarks.clone(),
        extra,
        sample: cat.sample || claim.sample,
        ..Item::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn a_claim_becomes_an_item_with_the_catalogue_s_text_and_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            "jurisdiction.toml",
            "name = \"测试市\"\ncode = \"650200\"\nlevel = \"地州市级\"\n",
        );
        write(
            root,
            "catalogue/ZJ-XK-0001.toml",
            r#"code = "ZJ-XK-0001"
name = "建筑工程施工许可证核发"
category = "行政许可"

[basis]
text = "【法律】《中华人民共和国建筑法》第七条"

[responsibilities]
text = "1.受理责任：……"

[[levels]]
level = "地州市级"
body = "市住房和城乡建设主管部门"

[[levels]]
level = "县（市、区）级"
unit = "县级住建部门审批科"
statutory_limit = "15个工作日"
promised_limit = "7个工作日"
"#,
        );
        let d = "jurisdictions/dsz/";
        write(
            root,
            &format!("{d}jurisdiction.toml"),
            "name = \"独山子区\"\ncode = \"650202\"\nlevel = \"县级\"\n",
        );
        write(
            root,
            &format!("{d}departments/zjj/department.toml"),
            "id = \"zjj\"\nname = \"独山子区住房和城乡建设局\"\n",
        );
        write(
            root,
            &format!("{d}departments/zjj/claims/ZJ-XK-0001.toml"),
            "catalogue = \"ZJ-XK-0001\"\n\n[guide]\nplace = \"独山子区政务服务中心\"\npromised_limit = \"5个工作日\"\n",
        );
        let tree = Tree::load(root).unwrap();
        assert_eq!(tree.nodes.len(), 2);
        let n = &tree.nodes[1];
        assert_eq!(
            (n.path.as_str(), n.parent, n.rank()),
            ("jurisdictions/dsz", Some(0), 2)
        );
        assert_eq!(tree.find("dsz"), Some(1));
        assert_eq!(tree.find("650202"), Some(1));
        assert_eq!(tree.find("独山子区"), Some(1));
        assert_eq!(tree.find("650200"), Some(0));
        let [e] = n.snapshot.items.as_slice() else {
            panic!("one item: {:?}", n.snapshot.items);
        };
        let item = &e.value;
        // The implementation code: basic code and where it is carried out.
        assert_eq!(item.id.as_str(), "ZJ-XK-0001-650202");
        assert_eq!(e.folder, "zjj");
        assert_eq!(
            n.snapshot.source(e.file).path,
            "jurisdictions/dsz/departments/zjj/claims/ZJ-XK-0001.toml"
        );
        // From the catalogue …
        assert_eq!(item.name.as_str(), "建筑工程施工许可证核发");
        assert_eq!(item.category.as_str(), "行政许可");
        assert!(item.basis.text.contains("建筑法"));
        assert!(item.responsibilities.text.contains("受理责任"));
        assert_eq!(item.level.as_str(), "县（市、区）级");
        assert_eq!(item.unit, "县级住建部门审批科");
        assert_eq!(
            item.extra.get("基本编码").map(String::as_str),
            Some("ZJ-XK-0001")
        );
        // … and from the claim, with what it leaves out taken from the catalogue's level.
        assert_eq!(item.body, "独山子区住房和城乡建设局");
        let g = &item.guide.as_ref().unwrap().value;
        assert_eq!(g.place, "独山子区政务服务中心");
        assert_eq!(g.promised_limit.as_str(), "5个工作日");
        assert_eq!(g.statutory_limit.as_str(), "15个工作日");
        assert_eq!(
            n.claims,
            [Resolved::Item {
                id: "ZJ-XK-0001-650202".into(),
                catalogue: (0, 0)
            }]
        );
        assert_eq!(tree.applicable(1), [(0, 0)]);
        // The city itself has no catalogue above it.
        assert!(tree.applicable(0).is_empty());

        // The same tree from files in memory (as from a git revision).
        let raw: Vec<super::super::RawFile> = walkdir::WalkDir::new(root)
            .into_iter()
            .map(Result::unwrap)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let rel = e.path().strip_prefix(root).unwrap().display().to_string();
                super::super::RawFile::text(rel, std::fs::read_to_string(e.path()).unwrap())
            })
            .collect();
        let again = Tree::from_raw("git:v1", raw);
        let paths: Vec<&str> = again.nodes.iter().map(|n| n.path.as_str()).collect();
        assert_eq!(paths, ["", "jurisdictions/dsz"]);
        assert_eq!(again.nodes[1].parent, Some(0));
        assert_eq!(
            again.nodes[1].snapshot.items[0].value.as_ref(),
            tree.nodes[1].snapshot.items[0].value.as_ref()
        );
    }

    #[test]
    fn jurisdiction_folders_of_paths() {
        assert_eq!(node_of("departments/a/items/x.toml"), "");
        assert_eq!(
            node_of("jurisdictions/dsz/jurisdiction.toml"),
            "jurisdictions/dsz"
        );
        assert_eq!(
            node_of("jurisdictions/dsz/jurisdictions/t1/departments/a/items/x.toml"),
            "jurisdictions/dsz/jurisdictions/t1"
        );
        assert_eq!(
            parent_of("jurisdictions/dsz/jurisdictions/t1").as_deref(),
            Some("jurisdictions/dsz")
        );
        assert_eq!(parent_of("jurisdictions/dsz").as_deref(), Some(""));
        assert_eq!(parent_of(""), None);
    }
}
