//! `serve --watch` on a multi-level repository: after an edit inside one lower jurisdiction (a
//! county of a province), load that jurisdiction again, run its rules and the rules on the
//! whole tree, rebuild its site alone (its unchanged pages hard-linked from its previous build)
//! and the root's pages that change with it (the jurisdictions page and the catalogue items
//! whose local versions changed) — instead of loading, checking and building the whole tree.
//!
//! What cannot be rebuilt this way — an edit of the root, of a catalogue (every jurisdiction
//! below claims it), of a jurisdiction.toml (names and levels are on every page) or a
//! jurisdiction added or removed — `Site::incremental` declines, and the whole site is built.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;
use std::time::Instant;

use rayon::prelude::*;

use super::{
    Common, Error, Site, Steps, Writer, base_path, clear_stale_said, remove_tree,
    render_catalogue_page, render_jurisdictions_from, render_tree_pages, sibling, tree, write_err,
};
use crate::check;

/// Folders of a jurisdiction's site that a lower jurisdiction's folder must not be named like
/// for its site to be rebuilt on its own.
const RESERVED: &[&str] = &[
    "_index",
    "accessibility",
    "assets",
    "boundaries",
    "catalogue",
    "categories",
    "data",
    "departments",
    "editions",
    "gone",
    "items",
    "j",
    "jurisdictions",
    "life",
    "search",
    "supervision",
];

/// What `Site::update` did.
#[derive(Debug)]
pub struct Updated {
    /// The jurisdictions rebuilt, by name.
    pub jurisdictions: Vec<String>,
    /// Their sites' folders in the site ("j/dszq").
    pub sites: Vec<String>,
    /// Pages of their sites, and of those the ones linked from the previous build.
    pub pages: usize,
    pub reused: usize,
    /// Catalogue item pages of the root site made again.
    pub catalogue_pages: usize,
    /// (step, seconds)
    pub steps: Vec<(String, f64)>,
}

impl Site {
    /// Is this a multi-level repository (the only kind `update` can rebuild in part)?
    pub fn is_tree(&self) -> bool {
        self.view.is_some()
    }

    /// The "有帮助" counts item pages show, as they are now (a partial rebuild shows the
    /// counts of its own time, as a full one does).
    pub fn set_votes(
        &mut self,
        votes: Option<std::collections::HashMap<String, crate::feedback::Votes>>,
    ) {
        self.opts.votes = votes;
    }

    /// Remember what each catalogue page shows, as a build does, for a site served as it was
    /// and loaded afterwards (`serve --watch`): the first edit then rewrites only the catalogue
    /// pages it changes, not every one (a province's 3,354 pages: 6.9 s instead of 0.5 s).
    /// Right only when the site on disk was built from the lists as loaded.
    pub fn remember_catalogue_pages(&self) {
        let Some(view) = self.view.as_ref() else {
            return;
        };
        let made: Vec<_> = view
            .entries
            .par_iter()
            .map(|&e| {
                let (c, row) = view.entry(&self.tree, e);
                (c.link(), row)
            })
            .collect();
        if let Ok(mut slot) = view.made.lock()
            && slot.len() != made.len()
        {
            *slot = made;
        }
    }

    /// The lower jurisdictions an edit of `changed` (paths relative to the lists folder,
    /// `/`-separated) is inside, when each can be rebuilt alone; `None` when the whole site must
    /// be built again.
    pub fn incremental(&self, changed: &[String]) -> Option<Vec<usize>> {
        self.checked.as_ref()?;
        self.view.as_ref()?;
        let mut nodes = Vec::new();
        for rel in changed {
            let n = self.tree.node_of_file(rel)?;
            let node = &self.tree.nodes[n];
            if n == 0 || !node.snapshot.catalogue.is_empty() {
                return None;
            }
            let inner = rel
                .strip_prefix(node.path.as_str())?
                .trim_start_matches('/');
            let first = inner.split('/').next().unwrap_or("");
            if matches!(
                first,
                "" | "jurisdiction.toml" | "catalogue" | "jurisdictions"
            ) {
                return None;
            }
            if nodes.contains(&n) {
                continue;
            }
            // A site inside another (a township's in its county's folder) must not share a
            // name with a folder of the pages: swapping one would move the other.
            let clash = |folder: &str| RESERVED.contains(&folder);
            if clash(node.folder())
                || self
                    .tree
                    .nodes
                    .iter()
                    .any(|c| c.parent == Some(n) && clash(c.folder()))
            {
                return None;
            }
            nodes.push(n);
        }
        (!nodes.is_empty()).then_some(nodes)
    }

    /// Rebuild after an edit inside the lower jurisdictions `nodes` (from `incremental`), on
    /// the site this `Site` built last. `Ok(None)` when the edit does not pass `check`: then
    /// `self.report` says why, and the lists as loaded and the site are as they were.
    pub fn update(&mut self, nodes: &[usize]) -> Result<Option<Updated>, Error> {
        // Jurisdictions whose last edit did not pass `check` are loaded again with these: their
        // files on disk are not what is loaded.
        let mut with_pending: Vec<usize> = nodes.to_vec();
        for &n in &self.pending {
            if !with_pending.contains(&n) {
                with_pending.push(n);
            }
        }
        let nodes = &with_pending[..];
        let mut steps = Steps::default();
        let lists = self.opts.lists.clone();
        // Load each again; on a failure put back those already replaced.
        let t = Instant::now();
        let mut olds = Vec::new();
        for &n in nodes {
            match self.tree.reload_node(&lists, n) {
                Ok(old) => olds.push((n, old)),
                Err(e) => {
                    for (n, old) in olds.into_iter().rev() {
                        self.tree.restore_node(n, old);
                    }
                    return Err(e);
                }
            }
        }
        steps.0.push(("载入改动的区划".into(), t.elapsed()));

        let t = Instant::now();
        let Some(checked) = self.checked.as_mut() else {
            return Err(Error::Usage("内部错误：没有可更新的校验结果".into()));
        };
        crate::progress::timed("update: rules", || checked.update(&self.tree, nodes));
        let report = crate::progress::timed("update: report", || checked.report(&self.tree));
        if !report.ok {
            for (n, old) in olds.into_iter().rev() {
                self.tree.restore_node(n, old);
            }
            checked.update(&self.tree, nodes);
            self.report = report;
            self.pending = nodes.to_vec();
            return Ok(None);
        }
        self.report = report;
        self.pending.clear();
        steps.0.push(("校验".into(), t.elapsed()));

        let t = Instant::now();
        let Some(view) = self.view.as_mut() else {
            return Err(Error::Usage("内部错误：没有区划树".into()));
        };
        let mut changed: BTreeSet<usize> = BTreeSet::new();
        for (n, old) in &olds {
            changed.extend(view.node_changed(&self.tree, *n, old));
        }
        view.set_summaries(&self.tree, &self.report.jurisdictions);
        drop(olds);
        steps.0.push(("区划与目录".into(), t.elapsed()));

        let common = steps.time("模板", || Common::load(self.opts.templates.as_deref()))?;
        let (mut pages, mut reused) = (0, 0);
        let t = Instant::now();
        for &n in nodes {
            let (p, r) = self.rebuild_node(n, &common)?;
            pages += p;
            reused += r;
        }
        steps.0.push(("下级区划网站".into(), t.elapsed()));

        let t = Instant::now();
        let catalogue_pages = self.rebuild_root_pages(&common, &changed)?;
        steps.0.push(("区划与目录页面".into(), t.elapsed()));
        Ok(Some(Updated {
            jurisdictions: nodes
                .iter()
                .map(|&n| self.tree.nodes[n].name().to_string())
                .collect(),
            sites: nodes
                .iter()
                .map(|&n| tree::rel(&self.tree.nodes[n].path))
                .collect(),
            pages,
            reused,
            catalogue_pages,
            steps: steps
                .0
                .iter()
                .map(|(name, d)| (name.clone(), d.as_secs_f64()))
                .collect(),
        }))
    }

    /// After `update`: write the whole-tree search index (`serve`'s `scope=all`, every
    /// jurisdiction's items in one index) again beside the site and put it in place. At a
    /// province's size it takes seconds, more than the pages: `serve` does it after the
    /// rebuilt pages are served, and answers whole-tree searches from the previous index
    /// meanwhile. Returns the documents indexed. Given up (`Error::Stopped`, nothing put in
    /// place) when `stop` says so between two jurisdictions: the lists changed again.
    pub fn refresh_tree_index(&self, stop: &(dyn Fn() -> bool + Sync)) -> Result<usize, Error> {
        let io = write_err;
        clear_stale_said(&self.opts.out);
        let stage = sibling(&self.opts.out, "tree-index");
        if stage.exists() {
            std::fs::remove_dir_all(&stage).map_err(io(&stage))?;
        }
        let base = base_path(self.opts.base_url.as_deref());
        let written =
            crate::index::tree::write_unless(&self.tree, &stage, &base, &self.opts.out, stop);
        let n = match written {
            Ok(n) => n,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&stage);
                return Err(e);
            }
        };
        let rel = Path::new(crate::index::DIR).join(crate::index::tree::DIR);
        let (fresh, live) = (stage.join(&rel), self.opts.out.join(&rel));
        let old = sibling(&live, "old");
        if live.exists() {
            std::fs::rename(&live, &old).map_err(io(&live))?;
        }
        std::fs::rename(&fresh, &live).map_err(io(&live))?;
        if old.exists() {
            remove_tree(&old).map_err(io(&old))?;
        }
        remove_tree(&stage).map_err(io(&stage))?;
        Ok(n)
    }

    /// Build node `n`'s site into a folder beside it, then put it in place of the old one,
    /// keeping the sites of the jurisdictions below it. Returns its pages and reused pages.
    fn rebuild_node(&self, n: usize, common: &Common) -> Result<(usize, usize), Error> {
        let stats = check::stats(&self.tree.nodes[n].snapshot);
        let job = self.lower_job(n, &stats, None);
        let rel = tree::rel(&self.tree.nodes[n].path);
        let live = self.opts.out.join(&rel);
        clear_stale_said(&live);
        let fresh = sibling(&live, "building");
        let io = write_err;
        if fresh.exists() {
            std::fs::remove_dir_all(&fresh).map_err(io(&fresh))?;
        }
        let r = match job.render_into(&fresh, common, &mut Steps::default()) {
            Ok(r) => r,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&fresh);
                return Err(e);
            }
        };
        // The folders of the jurisdictions right below it, inside its own.
        let keep: HashSet<String> = self
            .tree
            .nodes
            .iter()
            .filter(|c| c.parent == Some(n))
            .map(|c| c.folder().to_string())
            .collect();
        crate::progress::timed("update: swap the site in", || {
            replace_contents(&fresh, &live, &keep)
        })?;
        Ok((r.pages, r.reused))
    }

    /// The root site's pages that change with a lower jurisdiction: the catalogue items of
    /// `changed` (indexes into the view's entries) and the jurisdictions page. Written beside
    /// the site, then renamed into it one by one. (The items feedback may be about are in each
    /// jurisdiction's own site, `_index/feedback.json`.)
    fn rebuild_root_pages(
        &self,
        common: &Common,
        changed: &BTreeSet<usize>,
    ) -> Result<usize, Error> {
        let Some(view) = self.view.as_ref() else {
            return Ok(0);
        };
        let base_url = self
            .opts
            .base_url
            .as_deref()
            .map(|u| u.trim_end_matches('/').to_string());
        let base = base_path(base_url.as_deref());
        let root = self.root_job();
        let (site, _, _) = crate::progress::timed("update: root data", || {
            root.prepare(&base, base_url.clone())
        })?;
        let mut tera = common.tera.clone();
        super::templates::set_site(&mut tera, &site.view)?;
        let stage = sibling(&self.opts.out, "update");
        if stage.exists() {
            std::fs::remove_dir_all(&stage).map_err(write_err(&stage))?;
        }
        let w = Writer {
            dir: &stage,
            base: &base,
        };
        let written = (|| -> Result<usize, Error> {
            let mut made = view
                .made
                .lock()
                .map_err(|_| Error::Usage("内部错误：目录页面的记录不可用".into()))?;
            let count = if made.len() == view.entries.len() {
                let remade: Vec<(usize, tree::CatalogueLink, Option<tree::Row>)> = changed
                    .par_iter()
                    .map(|&k| {
                        let (c, row) = view.entry(&self.tree, view.entries[k]);
                        render_catalogue_page(&c, &tera, &site, &w)?;
                        Ok((k, c.link(), row))
                    })
                    .collect::<Result<_, Error>>()?;
                for (k, link, row) in remade {
                    made[k] = (link, row);
                }
                render_jurisdictions_from(view, &made, &tera, &site, &w)?;
                changed.len()
            } else {
                // Not built by this `Site`: every catalogue page.
                drop(made);
                render_tree_pages(&self.tree, view, &tera, &site, &w)?.0 - 1
            };
            Ok(count)
        })();
        let count = match written {
            Ok(c) => c,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&stage);
                return Err(e);
            }
        };
        crate::progress::timed("update: move into the site", || {
            move_files_into(&stage, &self.opts.out)
        })?;
        Ok(count)
    }
}

/// Put the site of one jurisdiction built in `fresh` in place of the one in `live`, entry by
/// entry (a file by a rename over it, a folder by moving the old one away first), keeping the
/// entries named in `keep` (the sites of the jurisdictions below it).
fn replace_contents(fresh: &Path, live: &Path, keep: &HashSet<String>) -> Result<(), Error> {
    let io = write_err;
    std::fs::create_dir_all(live).map_err(io(live))?;
    let trash = sibling(live, "old");
    if trash.exists() {
        remove_tree(&trash).map_err(io(&trash))?;
    }
    std::fs::create_dir_all(&trash).map_err(io(&trash))?;
    let names = |dir: &Path| -> Result<Vec<std::ffi::OsString>, Error> {
        std::fs::read_dir(dir)
            .map_err(io(dir))?
            .map(|e| e.map(|e| e.file_name()).map_err(io(dir)))
            .collect()
    };
    let new: Vec<std::ffi::OsString> = names(fresh)?;
    let new_set: HashSet<&std::ffi::OsString> = new.iter().collect();
    for name in names(live)? {
        if new_set.contains(&name) || keep.contains(name.to_string_lossy().as_ref()) {
            continue;
        }
        std::fs::rename(live.join(&name), trash.join(&name)).map_err(io(&live.join(&name)))?;
    }
    for name in &new {
        let to = live.join(name);
        if let Ok(meta) = std::fs::symlink_metadata(&to)
            && meta.is_dir()
        {
            std::fs::rename(&to, trash.join(name)).map_err(io(&to))?;
        }
        std::fs::rename(fresh.join(name), &to).map_err(io(&to))?;
    }
    std::fs::remove_dir(fresh).map_err(io(fresh))?;
    remove_tree(&trash).map_err(io(&trash))
}

/// Move every file under `stage` to the same place under `out` (each a rename over the old
/// file), then remove `stage`.
fn move_files_into(stage: &Path, out: &Path) -> Result<(), Error> {
    let io = write_err;
    for entry in walkdir::WalkDir::new(stage) {
        let entry = entry.map_err(|e| Error::Write {
            path: stage.to_path_buf(),
            source: std::io::Error::other(e),
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(stage) else {
            continue;
        };
        let to = out.join(rel);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::rename(entry.path(), &to).map_err(io(&to))?;
    }
    remove_tree(stage).map_err(io(stage))
}
