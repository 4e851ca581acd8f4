//! The whole-tree search index of a multi-level repository (`lists/jurisdictions/…`): every
//! jurisdiction's items in one tantivy index, `<site>/_index/tree/`, written by `build` only for
//! a tree. Its documents are those of each jurisdiction's own index (the same terms, the same
//! numbering within a jurisdiction, the jurisdictions one after the other in the tree's order)
//! with one more stored field, `jurisdiction`, a number into `jurisdictions.json` beside it
//! (path, name, level and address of each jurisdiction's site). `serve` answers whole-tree
//! searches (`scope=all`) from it, and `qingdan search --all`; the document frequencies are the
//! whole tree's, so a result's rank may differ from its rank in its own jurisdiction's search.
//!
//! A lower jurisdiction's own search (`serve`'s `/j/<path>/api/search`, `qingdan search
//! --jurisdiction`) reads its documents in this index too (`Searcher::part`): numbered from 0
//! as its static index numbers them and ranked with its own statistics, so the browser on a
//! static host finds the same. Its site's `_index/` holds its synonym and thesaurus tables and
//! no index of its own: a province's thousand small indexes took a fifth of the build.
//!
//! There is no static whole-tree index: on a static host each jurisdiction's search page
//! searches that jurisdiction only, and says so.
//!
//! The index is reused (hard-linked) from the previous build when no list file of any
//! jurisdiction changed (`KEY_FILE` holds the key of its inputs).

use std::hash::{Hash, Hasher};
use std::path::Path;

use super::{Jurisdiction, Searcher, query::Synonym};
use crate::Error;
use crate::snapshot::Snapshot;
use crate::snapshot::tree::Tree;

/// Folder of the whole-tree index inside the site's index folder (`_index/tree/`).
pub const DIR: &str = "tree";

/// The jurisdictions of the index, in document order (`Vec<Jurisdiction>` as JSON).
pub const FILE: &str = "jurisdictions.json";

/// The key of the inputs the index was written from, written last.
const KEY_FILE: &str = "key";

/// The path of a jurisdiction as the `j` filter and `--jurisdiction` name it: `.` for the
/// root, else the path of its site below `j/` (`jurisdictions/a/jurisdictions/b` → `a/b`).
pub fn path_of(node_path: &str) -> String {
    if node_path.is_empty() {
        ".".to_string()
    } else {
        node_path.replace("jurisdictions/", "")
    }
}

/// The site folder of a jurisdiction path (`path_of`), relative to the root site: `j/a/b`;
/// `None` for a path that could leave the site (`..`, hidden names, empty segments).
pub fn site_rel(path: &str) -> Option<String> {
    let ok = !path.is_empty()
        && path.len() < 512
        && path.split('/').all(|s| {
            !s.is_empty()
                && !s.starts_with('.')
                && s != "_index"
                && s.chars().all(|c| !c.is_control() && c != '\\')
        });
    ok.then(|| format!("j/{path}"))
}

/// The search `qingdan search` asks for in `site`: the whole tree's (`all`), a lower
/// jurisdiction's (`jurisdiction`: its path, `dszq`, `a/b`) or the root's.
///
/// A lower jurisdiction's documents are in the whole-tree index (`Searcher::part`); a site
/// built before that has an index of its own in `j/<path>/_index/`, which is used as it is.
pub fn open(site: &Path, jurisdiction: Option<&str>, all: bool) -> Result<Searcher, Error> {
    let whole = site.join(super::DIR).join(DIR);
    let no_tree = || {
        Error::Usage(format!(
            "{} 中没有整个区划树的索引：只有多级清单（lists/jurisdictions/）生成的网站才有；多级清单请重新运行 qingdan build",
            site.display()
        ))
    };
    if all {
        if !whole.join("meta.json").is_file() {
            return Err(no_tree());
        }
        return Searcher::open(&whole);
    }
    let path = match jurisdiction {
        None | Some(".") => return Searcher::open(&site.join(super::DIR)),
        Some(path) => path,
    };
    let no_site = || {
        Error::Usage(format!(
            "{} 中没有区划 {path} 的网站（j/{path}/）；区划的路径是它在 j/ 下的文件夹，如 dszq，最上一级为 .",
            site.display()
        ))
    };
    let dir = site_rel(path)
        .map(|rel| site.join(rel).join(super::DIR))
        .filter(|d| d.is_dir())
        .ok_or_else(no_site)?;
    if dir.join("meta.json").is_file() {
        return Searcher::open(&dir);
    }
    if !whole.join("meta.json").is_file() {
        return Err(no_tree());
    }
    Searcher::open(&whole)?.part(path, &dir).ok_or_else(no_site)
}

/// The synonym table of a jurisdiction's search: the built-in one and its own
/// `synonyms.toml` (the whole-tree index uses the root's).
pub fn synonyms(snap: &Snapshot) -> Vec<Synonym> {
    let mut synonyms = super::query::built_in();
    if let Some(own) = &snap.synonyms {
        synonyms.extend(own.value.synonym.iter().map(|e| Synonym {
            words: e.words.clone(),
            means: e.means.clone(),
        }));
    }
    synonyms
}

/// The jurisdictions of `tree` as the index lists them; `root_base` is the root site's path
/// prefix.
pub fn jurisdictions(tree: &Tree, root_base: &str) -> Vec<Jurisdiction> {
    tree.nodes
        .iter()
        .map(|node| {
            let path = path_of(&node.path);
            let base = site_base(root_base, &node.path);
            Jurisdiction {
                path,
                name: node.name().to_string(),
                level: node.level().trim().to_string(),
                url: format!("{base}/"),
            }
        })
        .collect()
}

fn site_base(root_base: &str, node_path: &str) -> String {
    if node_path.is_empty() {
        root_base.to_string()
    } else {
        format!("{root_base}/j/{}", path_of(node_path))
    }
}

/// Write the whole-tree index of `tree` into `<site>/_index/tree/`, or link it from the
/// previous build in `previous` (the site folder being replaced) when nothing it is made of
/// changed. Returns the documents indexed (0 when reused).
pub fn write(tree: &Tree, site: &Path, root_base: &str, previous: &Path) -> Result<usize, Error> {
    write_unless(tree, site, root_base, previous, &|| false)
}

/// `write`, given up (`Error::Stopped`) when `stop` says so between two jurisdictions (the
/// folder half written, for the caller to remove).
pub fn write_unless(
    tree: &Tree,
    site: &Path,
    root_base: &str,
    previous: &Path,
    stop: super::Stop,
) -> Result<usize, Error> {
    let Some(feed) = Feed::start(tree, site, root_base, previous)? else {
        return Ok(0);
    };
    for (n, node) in tree.nodes.iter().enumerate() {
        if stop() {
            return Err(Error::Stopped);
        }
        feed.add_all(n, &node.snapshot);
    }
    feed.finish(tree)
}

/// The whole-tree index, written while `build` renders the jurisdictions' sites: each
/// jurisdiction's static index tells it its items' terms as it makes them (`client::OnTerms`),
/// so the terms are made once for both indexes (making them twice was a tenth of a province's
/// build). `write_unless` feeds it a jurisdiction at a time. The documents arrive in any order,
/// from any of the build's threads; each carries its number (the jurisdiction's offset plus the
/// static index's number), which is all a search reads of a document's place. Each number is
/// taken once, and `finish` checks that every number came.
pub struct Feed {
    writer: tantivy::IndexWriter<tantivy::TantivyDocument>,
    f: super::Fields,
    to: std::path::PathBuf,
    /// The first document number of each jurisdiction, in the tree's order.
    offsets: Vec<u32>,
    /// Each jurisdiction's path prefix.
    bases: Vec<String>,
    synonyms: Vec<Synonym>,
    listed_json: Vec<u8>,
    key: String,
    /// One bit per document number: added already.
    seen: Vec<std::sync::atomic::AtomicU64>,
    failed: std::sync::Mutex<Option<Error>>,
}

impl Feed {
    /// Start the whole-tree index of `tree` in `<site>/_index/tree/` (`site`'s index folder must
    /// be in place: made after the root site), or link it from the previous build in `previous`
    /// as `write` does when nothing it is made of changed (then `None`).
    pub fn start(
        tree: &Tree,
        site: &Path,
        root_base: &str,
        previous: &Path,
    ) -> Result<Option<Feed>, Error> {
        let to = site.join(super::DIR).join(DIR);
        let synonyms = synonyms(&tree.nodes[0].snapshot);
        let listed = jurisdictions(tree, root_base);
        let listed_json = serde_json::to_vec(&listed)?;
        let key = key(
            tree,
            root_base,
            &serde_json::to_vec(&synonyms)?,
            &listed_json,
        );
        let done =
            |dir: &Path| std::fs::read_to_string(dir.join(KEY_FILE)).ok() == Some(key.clone());
        // The root site's index folder may have been linked whole from the previous build.
        if done(&to) {
            return Ok(None);
        }
        let _ = std::fs::remove_dir_all(&to);
        let old = previous.join(super::DIR).join(DIR);
        if done(&old) && link_all(&old, &to) {
            return Ok(None);
        }
        let _ = std::fs::remove_dir_all(&to);
        let total: usize = tree.nodes.iter().map(|n| n.snapshot.items.len()).sum();
        let (writer, f) = super::create(&to, true, total)?;
        let mut offsets = Vec::with_capacity(tree.nodes.len());
        let mut at = 0u32;
        for node in &tree.nodes {
            offsets.push(at);
            at += node.snapshot.items.len() as u32;
        }
        Ok(Some(Feed {
            writer,
            f,
            to,
            offsets,
            bases: tree
                .nodes
                .iter()
                .map(|n| site_base(root_base, &n.path))
                .collect(),
            synonyms,
            listed_json,
            key,
            seen: (0..total.div_ceil(64))
                .map(|_| Default::default())
                .collect(),
            failed: Default::default(),
        }))
    }

    /// Item `item` of jurisdiction `node` (whose lists are `snap`), numbered `number` by its
    /// static index, with its terms.
    pub fn add(
        &self,
        node: usize,
        snap: &Snapshot,
        item: usize,
        number: u32,
        terms: &[Vec<u64>; 4],
    ) {
        let (Some(e), Some(&offset), Some(base)) = (
            snap.items.get(item),
            self.offsets.get(node),
            self.bases.get(node),
        ) else {
            return;
        };
        let n = offset + number;
        let bit = 1u64 << (n % 64);
        let taken = self
            .seen
            .get(n as usize / 64)
            .map(|w| w.fetch_or(bit, std::sync::atomic::Ordering::Relaxed) & bit != 0);
        if taken != Some(false) {
            return self.fail(super::err(format!(
                "整个区划树的索引：编号 {n} 的事项{}（qingdan 的错误，请报告）",
                if taken.is_some() {
                    "送入了两次"
                } else {
                    "超出范围"
                }
            )));
        }
        let d = super::item_doc(
            &self.f,
            snap,
            e,
            base,
            u64::from(n),
            terms,
            Some(node as u64),
        );
        if let Err(e) = self.writer.add_document(d) {
            self.fail(super::err(e));
        }
    }

    /// Keep the first error, for `finish`.
    fn fail(&self, e: Error) {
        if let Ok(mut failed) = self.failed.lock() {
            failed.get_or_insert(e);
        }
    }

    /// Every item of jurisdiction `node`, its terms made here (a jurisdiction whose static
    /// index was not made this time: linked from the previous build).
    pub fn add_all(&self, node: usize, snap: &Snapshot) {
        use rayon::prelude::*;
        let numbers = super::client::numbering(snap).numbers();
        let shared = super::shared_responsibilities(snap);
        snap.items.par_iter().enumerate().for_each(|(n, e)| {
            let terms =
                super::client::item_terms(&e.value, snap.department_name(&e.folder), &shared);
            self.add(node, snap, n, numbers[n], &terms);
        });
    }

    /// Commit the index and write its tables; the documents indexed. `tree` is the tree it was
    /// started with.
    pub fn finish(mut self, tree: &Tree) -> Result<usize, Error> {
        if let Some(e) = self.failed.lock().ok().and_then(|mut f| f.take()) {
            return Err(e);
        }
        let total: usize = tree.nodes.iter().map(|n| n.snapshot.items.len()).sum();
        let docs: usize = self
            .seen
            .iter()
            .map(|w| w.load(std::sync::atomic::Ordering::Relaxed).count_ones() as usize)
            .sum();
        if docs != total {
            return Err(super::err(format!(
                "整个区划树的索引只收到 {docs} 个事项，应有 {total} 个"
            )));
        }
        self.writer.commit().map_err(super::err)?;
        self.writer.wait_merging_threads().map_err(super::err)?;
        let snaps: Vec<&Snapshot> = tree.nodes.iter().map(|n| &n.snapshot).collect();
        super::write_tables(&snaps, &self.to, &self.synonyms)?;
        let put = |name: &str, bytes: &[u8]| {
            std::fs::write(self.to.join(name), bytes).map_err(|source| Error::Write {
                path: self.to.join(name),
                source,
            })
        };
        put(FILE, &self.listed_json)?;
        put(KEY_FILE, self.key.as_bytes())?;
        Ok(docs)
    }
}

/// A key of everything the index is made of: this qingdan, the index format, the root's
/// address, every list file of every jurisdiction (path and content hash), the synonyms and the
/// jurisdictions' names, levels and addresses.
fn key(tree: &Tree, root_base: &str, synonyms: &[u8], listed: &[u8]) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    env!("CARGO_PKG_VERSION").hash(&mut h);
    super::FORMAT.hash(&mut h);
    root_base.hash(&mut h);
    synonyms.hash(&mut h);
    listed.hash(&mut h);
    for node in &tree.nodes {
        node.path.hash(&mut h);
        node.snapshot.items.len().hash(&mut h);
        let mut files: Vec<(&str, u64)> = node
            .snapshot
            .files
            .iter()
            .map(|f| (f.path.as_str(), f.hash))
            .collect();
        files.sort_unstable();
        files.hash(&mut h);
    }
    format!("{:016x}", h.finish())
}

/// Hard-link every file of `from` into `to` (false when one fails).
fn link_all(from: &Path, to: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(from) else {
        return false;
    };
    if std::fs::create_dir_all(to).is_err() {
        return false;
    }
    entries.into_iter().all(|e| {
        e.is_ok_and(|e| {
            let path = e.path();
            path.is_file() && std::fs::hard_link(&path, to.join(e.file_name())).is_ok()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_sites_and_never_leave_them() {
        assert_eq!(path_of(""), ".");
        assert_eq!(path_of("jurisdictions/dszq"), "dszq");
        assert_eq!(path_of("jurisdictions/a/jurisdictions/b"), "a/b");
        assert_eq!(site_rel("dszq").as_deref(), Some("j/dszq"));
        assert_eq!(site_rel("a/b").as_deref(), Some("j/a/b"));
        for bad in [
            "", ".", "..", "a/../b", "a//b", "/a", "a/", ".git", "a/_index", "a\\b",
        ] {
            assert_eq!(site_rel(bad), None, "{bad:?}");
        }
    }

    /// The whole-tree index lists every jurisdiction with its level and the address of its
    /// site; its documents carry their jurisdiction; a second write with nothing changed links
    /// the previous one instead of indexing again.
    #[test]
    fn writes_every_jurisdiction_and_reuses_an_unchanged_index() {
        let lists = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("lists");
        let tree = Tree::load(&lists).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let (old, new) = (tmp.path().join("old"), tmp.path().join("new"));
        let total: usize = tree.nodes.iter().map(|n| n.snapshot.items.len()).sum();
        assert_eq!(write(&tree, &old, "/qd", &new).unwrap(), total);
        let listed: Vec<Jurisdiction> =
            serde_json::from_slice(&std::fs::read(old.join("_index/tree").join(FILE)).unwrap())
                .unwrap();
        assert_eq!(listed.len(), tree.nodes.len());
        assert_eq!(
            (listed[0].path.as_str(), listed[0].url.as_str()),
            (".", "/qd/")
        );
        let dszq = listed.iter().find(|j| j.path == "dszq").unwrap();
        assert_eq!(
            (dszq.name.as_str(), dszq.level.as_str()),
            ("独山子区", "县级")
        );
        assert_eq!(dszq.url, "/qd/j/dszq/");
        let s = super::super::Searcher::open(&old.join("_index/tree")).unwrap();
        assert!(s.is_tree());
        let r = s
            .search(&super::super::Request {
                q: "许可".into(),
                limit: 100,
                jurisdiction: Some("dszq".into()),
                ..Default::default()
            })
            .unwrap();
        assert!(r.total > 0);
        for h in &r.hits {
            let j = h.jurisdiction.as_ref().unwrap();
            assert_eq!(j.path, "dszq");
            assert!(h.url.starts_with("/qd/j/dszq/items/"), "{}", h.url);
        }
        // Nothing changed: linked, not indexed.
        assert_eq!(write(&tree, &new, "/qd", &old).unwrap(), 0);
        assert!(super::super::Searcher::open(&new.join("_index/tree")).is_ok());
        // Another address is another index.
        let other = tmp.path().join("other");
        assert_eq!(write(&tree, &other, "", &new).unwrap(), total);
    }

    /// Words searched besides item names: common ones, a misspelling, no match, one letter, and
    /// words of most documents' guide text or other text.
    const WORDS: [&str; 12] = [
        "许可",
        "处罚",
        "开饭店",
        "营业执照",
        "消防",
        "zzzz",
        "档安",
        "a",
        "中华人民共和国条例",
        "申请材料",
        "法律法规规定",
        "行政管理部门",
    ];

    /// The index fed by the static indexes (`Feed`, as `build` writes it: the documents in
    /// any order, from several threads) answers every request as the one `write` makes a
    /// jurisdiction after another.
    #[test]
    fn a_fed_index_searches_as_a_written_one() {
        let lists = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("lists");
        let tree = Tree::load(&lists).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let (written, fed) = (tmp.path().join("written"), tmp.path().join("fed"));
        write(&tree, &written, "/qd", &tmp.path().join("none")).unwrap();
        let feed = Feed::start(&tree, &fed, "/qd", &tmp.path().join("none"))
            .unwrap()
            .unwrap();
        // The last jurisdiction first, the root last, two at a time.
        let nodes: Vec<usize> = (0..tree.nodes.len()).rev().collect();
        std::thread::scope(|scope| {
            for pair in nodes.chunks(2) {
                for &n in pair {
                    let feed = &feed;
                    let snap = &tree.nodes[n].snapshot;
                    let dir = tmp.path().join(format!("static{n}"));
                    scope.spawn(move || {
                        let tell = |item: usize, number: u32, terms: &[Vec<u64>; 4]| {
                            feed.add(n, snap, item, number, terms)
                        };
                        crate::index::client::write(snap, &dir, "/x", &[], Some(&tell)).unwrap();
                    });
                }
            }
        });
        let total: usize = tree.nodes.iter().map(|n| n.snapshot.items.len()).sum();
        assert_eq!(feed.finish(&tree).unwrap(), total);
        for name in [FILE, KEY_FILE, "synonyms.json"] {
            assert_eq!(
                std::fs::read(written.join("_index/tree").join(name)).unwrap(),
                std::fs::read(fed.join("_index/tree").join(name)).unwrap(),
                "{name}"
            );
        }
        let a = Searcher::open(&written.join("_index/tree")).unwrap();
        let b = Searcher::open(&fed.join("_index/tree")).unwrap();
        let mut queries: Vec<String> = tree
            .nodes
            .iter()
            .flat_map(|n| n.snapshot.items.iter().step_by(11))
            .map(|i| i.value.name.value.clone())
            .collect();
        queries.extend(WORDS.map(String::from));
        let mut compared = 0;
        for q in &queries {
            for jurisdiction in [None, Some("."), Some("dszq")] {
                let req = super::super::Request {
                    q: q.clone(),
                    jurisdiction: jurisdiction.map(String::from),
                    limit: 20,
                    ..Default::default()
                };
                let x = serde_json::to_value(a.search_uncached(&req).unwrap()).unwrap();
                let y = serde_json::to_value(b.search_uncached(&req).unwrap()).unwrap();
                assert_eq!(x, y, "{q} in {jurisdiction:?}");
                compared += 1;
            }
        }
        assert!(compared > 100, "{compared}");
    }

    /// A fed index that missed a jurisdiction's items, or was given one twice, is not
    /// committed: `finish` says so.
    #[test]
    fn a_fed_index_takes_every_document_once() {
        let lists = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("lists");
        let tree = Tree::load(&lists).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let none = tmp.path().join("none");
        let missing = Feed::start(&tree, &tmp.path().join("a"), "", &none)
            .unwrap()
            .unwrap();
        for n in 1..tree.nodes.len() {
            missing.add_all(n, &tree.nodes[n].snapshot);
        }
        let e = missing.finish(&tree).unwrap_err().to_string();
        assert!(e.contains("只收到"), "{e}");
        let twice = Feed::start(&tree, &tmp.path().join("b"), "", &none)
            .unwrap()
            .unwrap();
        for n in 0..tree.nodes.len() {
            twice.add_all(n, &tree.nodes[n].snapshot);
        }
        twice.add_all(1, &tree.nodes[1].snapshot);
        let e = twice.finish(&tree).unwrap_err().to_string();
        assert!(e.contains("送入了两次"), "{e}");
        assert!(!tmp.path().join("b/_index/tree").join(KEY_FILE).exists());
    }

    /// A lower jurisdiction's part of the whole-tree index answers every request as an index
    /// of its own would: the same hits, scores, snippets, totals, facets and suggestions.
    #[test]
    fn a_part_of_the_tree_index_searches_as_an_index_of_its_own() {
        let lists = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("lists");
        let tree = Tree::load(&lists).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        write(&tree, tmp.path(), "/qd", &tmp.path().join("none")).unwrap();
        let whole = Searcher::open(&tmp.path().join("_index/tree")).unwrap();
        assert!(whole.part("nope", tmp.path()).is_none());
        let mut compared = 0;
        for node in &tree.nodes[1..] {
            let path = path_of(&node.path);
            let own_dir = tmp.path().join(&path);
            let base = format!("/qd/j/{path}");
            super::super::write(&node.snapshot, &own_dir, &base, &synonyms(&node.snapshot))
                .unwrap();
            let own = Searcher::open(&own_dir).unwrap();
            let part = whole.part(&path, &own_dir).unwrap();
            assert!(!part.is_tree());
            let snap = &node.snapshot;
            let mut queries: Vec<String> = snap
                .items
                .iter()
                .step_by(7)
                .map(|i| i.value.name.value.clone())
                .collect();
            queries.extend(WORDS.map(String::from));
            let department = snap.departments.first().map(|d| d.folder.clone());
            for q in &queries {
                for department in [None, department.clone()] {
                    let req = super::super::Request {
                        q: q.clone(),
                        department,
                        limit: 20,
                        ..Default::default()
                    };
                    let a = serde_json::to_value(own.search_uncached(&req).unwrap()).unwrap();
                    let b = serde_json::to_value(part.search_uncached(&req).unwrap()).unwrap();
                    assert_eq!(a, b, "{path}: {q}");
                    compared += 1;
                }
            }
        }
        assert!(compared > 100, "{compared}");
    }
}
