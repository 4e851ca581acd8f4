//! `qingdan build`: the public website. `Site::load` reads and checks the lists, then `build`
//! runs named, timed steps: prepare the view models, render every page in parallel with one
//! shared Tera instance, write the open data, assets, sitemap and robots.txt — all into a
//! temporary folder that replaces the output folder only when everything succeeded.

mod charts;
pub mod citizen;
pub mod editions;
pub mod flowchart;
mod life;
pub mod markdown;
mod reuse;
pub mod templates;
pub mod tree;
mod update;
pub use update::Updated;
pub mod view;

use std::collections::HashMap;

use crate::progress::timed;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::Serialize;

use crate::Error;
use crate::check::{self, Report};
use crate::model::Category;
use crate::snapshot::Snapshot;
use crate::snapshot::tree::Tree;
use view::{ItemView, Link, Urls};

/// A category with more items than this lists its departments, not every item.
const LONG_LISTING: usize = 2000;

/// Marks a folder as qingdan's output, so `build` never replaces a folder it did not make.
pub const MARKER: &str = ".qingdan-site";

/// What the marker file says: the qingdan version, the lists folder the site was built from and
/// the base URL and templates it was built with, so that `serve` rebuilds a site made from other
/// lists, by another version, or for another address (`build --base-url`: its links would not
/// work under `serve`).
pub fn marker(opts: &Options) -> String {
    marker_of(&opts.lists, opts)
}

/// The marker of a site built from the lists folder `lists` (a lower jurisdiction's folder, for
/// its site) with the other options of `opts`.
fn marker_of(lists: &Path, opts: &Options) -> String {
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let mut m = format!(
        "qingdan {}\nlists {}\n",
        env!("CARGO_PKG_VERSION"),
        canonical(lists).display()
    );
    // A site built for another address or with other templates is not what `serve` would build.
    if let Some(base) = &opts.base_url {
        m.push_str(&format!("base-url {base}\n"));
    }
    if let Some(t) = &opts.templates {
        m.push_str(&format!("templates {}\n", canonical(t).display()));
    }
    // A static build's feedback form posts elsewhere (or is absent); serve's posts to serve.
    if opts.feedback_served {
        m.push_str("feedback served\n");
    }
    m
}

pub struct Options {
    pub lists: PathBuf,
    pub out: PathBuf,
    /// Absolute address the site is published at ("https://example.gov.cn/qingdan"), for the
    /// sitemap and canonical links; its path is the prefix of every link.
    pub base_url: Option<String>,
    /// A folder whose templates (and assets/style.css) replace the built-in ones by name.
    pub templates: Option<PathBuf>,
    /// The site is served by `qingdan serve`: item pages' feedback forms post to its
    /// `/_qingdan/feedback` (else to `feedback_url` of jurisdiction.toml, if any).
    pub feedback_served: bool,
    /// "有帮助" counts to show on item pages (from a feedback database), if any.
    pub votes: Option<HashMap<String, crate::feedback::Votes>>,
}

/// What a build did.
#[derive(Debug, Serialize)]
pub struct Built {
    pub out: PathBuf,
    pub pages: usize,
    pub files: usize,
    /// Editions shown on the site (earlier ones from git, then this one).
    pub editions: usize,
    /// Item pages whose inputs had not changed, linked from the previous build.
    pub reused: usize,
    /// What the build could not do but went on without (an earlier edition not found in git …).
    pub warnings: Vec<String>,
    /// (step, seconds)
    pub steps: Vec<(String, f64)>,
}

/// A loaded, checked snapshot ready to be rendered.
pub struct Site {
    pub report: Report,
    opts: Options,
    steps: Steps,
    /// Every jurisdiction: `nodes[0]` is the lists folder itself (the only node of an ordinary
    /// lists folder); each lower jurisdiction is rendered as a site of its own below `j/<path>/`.
    tree: Tree,
    /// A multi-level repository: the pages that link its jurisdictions (root site only).
    view: Option<tree::TreeView>,
    /// A multi-level repository: its rules' results per jurisdiction (for `update`).
    checked: Option<check::TreeChecked>,
    /// Jurisdictions whose last edit `update` refused (they did not pass `check`): loaded as
    /// before that edit, and loaded again with the next one.
    pending: Vec<usize>,
}

/// Named, timed steps of a build.
#[derive(Default)]
struct Steps(Vec<(String, Duration)>);

/// What every site of one build shares: the templates, parsed once (each site takes a copy
/// to set its own `site` variable), their key, and the assets.
struct Common {
    tera: tera::Tera,
    fingerprint: u64,
    style: String,
    script: String,
    /// The HTML of the texts claimed items inherit, made once for all the sites.
    inherited: view::SharedHtml,
}

impl Common {
    fn load(templates: Option<&Path>) -> Result<Common, Error> {
        Ok(Common {
            tera: templates::load(templates)?,
            fingerprint: templates::fingerprint(templates)?,
            style: templates::style(templates)?,
            script: templates::script(templates)?,
            inherited: view::SharedHtml::default(),
        })
    }
}

/// One site to render: the root's, or a lower jurisdiction's (`sub`).
struct Job<'a> {
    snap: &'a Snapshot,
    stats: &'a check::Stats,
    /// Its lists folder (a lower jurisdiction's own, below the root's).
    lists: PathBuf,
    /// Where its previous build is (to reuse what did not change).
    out: PathBuf,
    opts: &'a Options,
    /// This is the site of a lower jurisdiction.
    sub: Option<Sub>,
    /// A multi-level repository: the tree, for the root site's pages that link it.
    tree: Option<(&'a Tree, &'a tree::TreeView)>,
    /// The whole-tree index this site's items go into, and the site's jurisdiction's number in
    /// the tree.
    feed: Option<(&'a crate::index::tree::Feed, usize)>,
}

/// What a site's rendering made.
struct Rendered {
    pages: usize,
    files: usize,
    editions: usize,
    warnings: Vec<String>,
    reused: usize,
}

/// What the site of a lower jurisdiction takes from the root's.
struct Sub {
    /// Its path prefix: the root's and `/j/<path>`.
    base: String,
    /// The root site's path prefix (serve's feedback endpoint is there).
    root_base: String,
    nav: Vec<tree::NavLink>,
    /// Its claimed items' catalogue pages, by item id.
    catalogue_links: HashMap<String, String>,
    /// The root's colours (`:root{…}`) and logo URL, for a jurisdiction that sets none of its
    /// own: a district's site looks like its city's.
    root_css: String,
    root_logo: String,
}

/// The path prefix of every link: the path of `base_url` ("https://x.gov.cn/qd" → "/qd").
fn base_path(base_url: Option<&str>) -> String {
    base_url
        .map(|u| u.trim_end_matches('/'))
        .and_then(|u| u.split_once("://").map(|(_, rest)| rest))
        .and_then(|rest| rest.find('/').map(|i| rest[i..].to_string()))
        .unwrap_or_default()
}

impl Site {
    /// Load and check the lists.
    /// A multi-level repository (`jurisdictions/` or `catalogue/` in the lists folder) is
    /// loaded and checked whole, and every jurisdiction of it is rendered.
    pub fn load(opts: Options) -> Result<Site, Error> {
        if crate::snapshot::tree::is_tree(&opts.lists) {
            return Site::load_tree(opts);
        }
        let t = Instant::now();
        let snap = Snapshot::load_dir(&opts.lists)?;
        let loaded = t.elapsed();
        let t = Instant::now();
        let report = check::check(&snap);
        Ok(Site {
            report,
            opts,
            steps: Steps(vec![("载入".into(), loaded), ("校验".into(), t.elapsed())]),
            tree: Tree {
                nodes: vec![crate::snapshot::tree::Node {
                    path: String::new(),
                    parent: None,
                    snapshot: snap,
                    claims: Vec::new(),
                }],
            },
            view: None,
            checked: None,
            pending: Vec::new(),
        })
    }

    fn load_tree(opts: Options) -> Result<Site, Error> {
        let t = Instant::now();
        let tree = Tree::load(&opts.lists)?;
        let loaded = t.elapsed();
        let t = Instant::now();
        let rules = check::TreeChecked::new(&tree);
        let report = rules.report(&tree);
        let checked = t.elapsed();
        let t = Instant::now();
        let base = base_path(opts.base_url.as_deref());
        let view = tree::TreeView::new(&tree, &base, &report.jurisdictions);
        Ok(Site {
            report,
            opts,
            steps: Steps(vec![
                ("载入".into(), loaded),
                ("校验".into(), checked),
                ("区划与目录".into(), t.elapsed()),
            ]),
            tree,
            view: Some(view),
            checked: Some(rules),
            pending: Vec::new(),
        })
    }

    /// The lists of the root jurisdiction (of the lists folder itself).
    pub fn snap(&self) -> &Snapshot {
        &self.tree.nodes[0].snapshot
    }

    /// Without `--base-url`, the address `base_url` of jurisdiction.toml (for `build`; `serve`
    /// serves the site at its own address).
    pub fn default_base_url(&mut self) {
        if self.opts.base_url.is_none() {
            self.opts.base_url = self
                .snap()
                .jurisdiction
                .as_ref()
                .map(|j| j.value.base_url.trim().to_string())
                .filter(|u| u.starts_with("https://") || u.starts_with("http://"));
        }
    }

    /// Render the site. Call only when `self.report.ok`.
    pub fn build(&mut self) -> Result<Built, Error> {
        let out = self.opts.out.clone();
        guard_output(&out, &self.opts.lists)?;
        clear_stale_said(&out);
        let tmp = sibling(&out, "building");
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp).map_err(|source| Error::Write {
                path: tmp.clone(),
                source,
            })?;
        }
        let mut steps = Steps::default();
        let result = self.render_all(&tmp, &mut steps);
        self.steps.0.extend(steps.0);
        match result {
            Ok(r) => {
                let t = Instant::now();
                swap(&tmp, &out)?;
                self.steps.0.push(("替换输出".into(), t.elapsed()));
                Ok(Built {
                    out,
                    pages: r.pages,
                    files: r.files,
                    editions: r.editions,
                    warnings: r.warnings,
                    reused: r.reused,
                    steps: self
                        .steps
                        .0
                        .iter()
                        .map(|(n, d)| (n.clone(), d.as_secs_f64()))
                        .collect(),
                })
            }
            Err(e) => {
                let _ = std::fs::remove_dir_all(&tmp);
                Err(e)
            }
        }
    }

    /// The root jurisdiction's site (the whole site of a single-jurisdiction repository).
    fn root_job(&self) -> Job<'_> {
        Job {
            snap: self.snap(),
            stats: &self.report.stats,
            lists: self.opts.lists.clone(),
            out: self.opts.out.clone(),
            opts: &self.opts,
            sub: None,
            tree: self.view.as_ref().map(|v| (&self.tree, v)),
            feed: None,
        }
    }

    /// Render the root site and every lower jurisdiction's into `dir`.
    fn render_all(&self, dir: &Path, steps: &mut Steps) -> Result<Rendered, Error> {
        let common = steps.time("模板", || Common::load(self.opts.templates.as_deref()))?;
        let mut r = self.root_job().render_into(dir, &common, steps)?;
        if self.tree.nodes.len() > 1 {
            let (pages, files, reused) = steps.time("下级区划", || {
                // The whole-tree search index (serve's scope=all) is fed by the lower sites'
                // static indexes as they are made, and the root's items beside them.
                let feed = crate::index::tree::Feed::start(
                    &self.tree,
                    dir,
                    &base_path(self.opts.base_url.as_deref()),
                    &self.opts.out,
                )?;
                let ((), lower) = rayon::join(
                    || {
                        if let Some(feed) = &feed {
                            timed("index: tree", || feed.add_all(0, self.snap()));
                        }
                    },
                    || self.render_lower(dir, &common, feed.as_ref()),
                );
                let lower = lower?;
                if crate::progress::timings() {
                    eprintln!(
                        "inherited html             {:>8.1} MB",
                        common.inherited.held() as f64 / 1e6
                    );
                }
                if let Some(feed) = feed {
                    timed("index: tree", || feed.finish(&self.tree))?;
                }
                Ok(lower)
            })?;
            r.pages += pages;
            r.files += files;
            r.reused += reused;
        }
        Ok(r)
    }

    /// The job of rendering lower jurisdiction `n`'s site (below `j/<path>/`).
    fn lower_job<'a>(
        &'a self,
        n: usize,
        stats: &'a check::Stats,
        feed: Option<&'a crate::index::tree::Feed>,
    ) -> Job<'a> {
        let node = &self.tree.nodes[n];
        let rel = tree::rel(&node.path);
        let root_base = base_path(self.opts.base_url.as_deref());
        let root_theme = citizen::theme(self.snap(), &self.opts.lists, &root_base);
        let (nav, catalogue_links) = match &self.view {
            Some(v) => (tree::nav(&v.nav, n), v.catalogue_of_items(&self.tree, n)),
            None => Default::default(),
        };
        Job {
            snap: &node.snapshot,
            stats,
            lists: self.opts.lists.join(&node.path),
            out: self.opts.out.join(&rel),
            opts: &self.opts,
            sub: Some(Sub {
                base: format!("{root_base}/{rel}"),
                root_css: root_theme.css,
                root_logo: root_theme.logo_url,
                root_base,
                nav,
                catalogue_links,
            }),
            tree: None,
            feed: feed.map(|f| (f, n)),
        }
    }

    /// Render each lower jurisdiction as a site of its own below `dir/j/<path>/`, in parallel
    /// (most are small: a township's few hundred items keep one core busy for a moment).
    /// Returns the pages, files and reused item pages.
    fn render_lower(
        &self,
        dir: &Path,
        common: &Common,
        feed: Option<&crate::index::tree::Feed>,
    ) -> Result<(usize, usize, usize), Error> {
        (1..self.tree.nodes.len())
            .into_par_iter()
            .map(|n| {
                let stats = check::stats(&self.tree.nodes[n].snapshot);
                let job = self.lower_job(n, &stats, feed);
                let rel = tree::rel(&self.tree.nodes[n].path);
                let r = job.render_into(&dir.join(&rel), common, &mut Steps::default())?;
                Ok((r.pages, r.files, r.reused))
            })
            .try_reduce(|| (0, 0, 0), |a, b| Ok((a.0 + b.0, a.1 + b.1, a.2 + b.2)))
    }
}

impl Steps {
    fn time<T>(&mut self, name: &str, f: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
        let t = Instant::now();
        let r = f()?;
        self.0.push((name.to_string(), t.elapsed()));
        Ok(r)
    }
}

impl Job<'_> {
    fn step<T>(
        &self,
        steps: &mut Steps,
        name: &str,
        f: impl FnOnce(&Self) -> Result<T, Error>,
    ) -> Result<T, Error> {
        steps.time(name, || f(self))
    }
    /// The `site` context of this site's pages, its theme and its most used services.
    fn prepare(
        &self,
        base: &str,
        base_url: Option<String>,
    ) -> Result<(SiteData, citizen::Theme, Vec<citizen::Service>), Error> {
        let s = self;
        let mut data = SiteData::new(s.snap, s.stats, base, base_url);
        // Serve's feedback endpoint is the root site's, for every jurisdiction.
        let root = s.sub.as_ref().map_or(base, |sub| sub.root_base.as_str());
        data.view.feedback = FeedbackSite::new(s.snap, root, s.opts.feedback_served);
        match (&s.tree, &s.sub) {
            (Some((_, t)), _) => data.view.jurisdictions = tree::nav(&t.nav, 0),
            (_, Some(sub)) => {
                data.view.jurisdictions = sub.nav.clone();
                data.catalogue_links = sub.catalogue_links.clone();
            }
            _ => {}
        }
        if !data.view.jurisdictions.is_empty() {
            data.view.jurisdictions_url = format!("{root}/jurisdictions/");
        }
        let theme = citizen::theme(s.snap, &s.lists, base);
        data.view.theme_css = theme.css.clone();
        data.view.logo = theme.logo_url.clone();
        if let Some(sub) = &s.sub {
            // What the jurisdiction does not set it takes from the root.
            if data.view.theme_css.is_empty() {
                data.view.theme_css = sub.root_css.clone();
            }
            if data.view.logo.is_empty() {
                data.view.logo = sub.root_logo.clone();
            }
        }
        let services = citizen::services(s.snap, &data.urls(), s.opts.votes.as_ref(), 8);
        Ok((data, theme, services))
    }

    fn render_into(
        &self,
        dir: &Path,
        common: &Common,
        steps: &mut Steps,
    ) -> Result<Rendered, Error> {
        let base_url = self
            .opts
            .base_url
            .as_deref()
            .map(|u| u.trim_end_matches('/').to_string());
        let base = match &self.sub {
            Some(sub) => sub.base.clone(),
            None => base_path(base_url.as_deref()),
        };
        let tera = common.tera.clone();
        let site = self.step(steps, "准备数据", |s| {
            s.prepare(&base, base_url.clone())
        })?;
        let (site, theme, services) = site;
        let history = self.step(steps, "往期版本与调整", |s| {
            Ok(editions::load(&s.lists, s.snap))
        })?;
        let histories = editions::item_histories(&history, self.snap, &base);
        let mut tera = tera;
        templates::set_site(&mut tera, &site.view)?;
        let tera = tera;
        let writer = Writer { dir, base: &base };
        // The `site` context, as the key of every page and as `_index/site.json` for `serve`.
        let site_json = serde_json::to_vec(&site.view)?;
        // What the previous build can lend: pages, data and index whose inputs are unchanged.
        let previous = reuse::Previous::read(&self.out);
        let global = reuse::Key::new()
            .add(crate::index::FORMAT.as_bytes())
            .add_u64(common.fingerprint)
            .add(&site_json)
            .add(base.as_bytes())
            .add(base_url.as_deref().unwrap_or("").as_bytes());
        let data_key = {
            let mut files: Vec<(&str, u64)> = self
                .snap
                .files
                .iter()
                .map(|f| (f.path.as_str(), f.hash))
                .collect();
            files.sort_unstable();
            files
                .into_iter()
                .fold(global.clone(), |k, (p, h)| k.add(p.as_bytes()).add_u64(h))
                .finish()
        };
        let reuse_data = previous
            .as_ref()
            .is_some_and(|p| p.manifest.data == data_key);
        let keys = std::sync::Mutex::new(HashMap::<String, u64>::new());
        let reused = std::sync::atomic::AtomicUsize::new(0);
        let reuse = Reuse {
            previous: previous.as_ref(),
            global: &global,
            keys: &keys,
            reused: &reused,
        };
        // The search indexes are written while the pages and open data are: each of the three
        // has stretches where it waits on the disk or runs on one thread.
        let search_index =
            |s: &Self| -> Result<(), Error> {
                let mut synonyms = crate::index::query::built_in();
                if let Some(own) = &s.snap.synonyms {
                    synonyms.extend(own.value.synonym.iter().map(|e| {
                        crate::index::query::Synonym {
                            words: e.words.clone(),
                            means: e.means.clone(),
                        }
                    }));
                }
                // The server's index and the static one, linked from the previous build when no list
                // file changed, else written side by side.
                let linked = reuse_data
                    && previous.as_ref().is_some_and(|p| {
                        p.link_tree(
                            crate::index::DIR,
                            dir,
                            &[
                                "build.json",
                                "site.json",
                                crate::feedback::ITEMS_FILE,
                                crate::feedback::LOWER_SITES_FILE,
                            ],
                        ) && p.link_tree(crate::index::client::DIR, dir, &["index.html"])
                    });
                if !linked {
                    let _ = std::fs::remove_dir_all(dir.join(crate::index::DIR));
                    clear_except(&dir.join(crate::index::client::DIR), "index.html");
                    let (server, client) = rayon::join(
                        || {
                            let to = dir.join(crate::index::DIR);
                            if s.sub.is_some() {
                                // A lower jurisdiction's documents are searched in the
                                // whole-tree index: its own folder holds its tables alone.
                                return crate::index::write_tables(&[s.snap], &to, &synonyms)
                                    .map(|()| s.snap.items.len());
                            }
                            timed("index: tantivy", || {
                                crate::index::write(s.snap, &to, &base, &synonyms)
                            })
                        },
                        || {
                            timed("index: static", || {
                                let tell = s.feed.map(|(feed, node)| {
                                    move |item: usize, number: u32, terms: &[Vec<u64>; 4]| {
                                        feed.add(node, s.snap, item, number, terms)
                                    }
                                });
                                crate::index::client::write(
                                    s.snap,
                                    &dir.join(crate::index::client::DIR),
                                    &base,
                                    &synonyms,
                                    tell.as_ref().map(|t| t as &crate::index::client::OnTerms),
                                )
                            })
                        },
                    );
                    server?;
                    client?;
                } else if let Some((feed, node)) = s.feed {
                    timed("index: tree", || feed.add_all(node, s.snap));
                }
                std::fs::write(dir.join(crate::index::DIR).join("site.json"), &site_json).map_err(
                    |source| Error::Write {
                        path: dir.join(crate::index::DIR),
                        source,
                    },
                )?;
                // The items feedback may be about, for `serve`; a tree's root lists the lower
                // jurisdictions' sites, each with its own.
                if let Some((t, _)) = s.tree {
                    let lower: Vec<String> =
                        t.nodes.iter().skip(1).map(|n| tree::rel(&n.path)).collect();
                    std::fs::write(
                        dir.join(crate::index::DIR)
                            .join(crate::feedback::LOWER_SITES_FILE),
                        serde_json::to_vec(&lower)?,
                    )
                    .map_err(|source| Error::Write {
                        path: dir.join(crate::index::DIR),
                        source,
                    })?;
                }
                let items = feedback_items(s.snap, &base);
                std::fs::write(
                    dir.join(crate::index::DIR)
                        .join(crate::feedback::ITEMS_FILE),
                    serde_json::to_vec(&items)?,
                )
                .map_err(|source| Error::Write {
                    path: dir.join(crate::index::DIR),
                    source,
                })
            };
        // The open data of the previous build, when no list file changed.
        let data_linked = reuse_data
            && previous
                .as_ref()
                .is_some_and(|p| p.link_tree("data", dir, &[]));
        let ((pages, other), data) =
            self.step(steps, "渲染网页、开放数据与搜索索引", |s| {
                std::thread::scope(|scope| {
                    // The longest task that cannot be split goes first, on a thread of its own:
                    // started last, it ran on alone after everything else was done.
                    let whole_xlsx =
                        (!data_linked).then(|| scope.spawn(|| write_whole_xlsx(s.snap, &writer)));
                    // The search indexes first: tantivy indexes on threads of its own, fed from
                    // here. Then the open data, and the pages last (the item pages split into any
                    // number of pieces, so they keep both cores busy to the end); the other pages
                    // before the item pages, as they are put together on one thread.
                    let (indexed, rendered) = rayon::join(
                        || search_index(s),
                        || -> Result<_, Error> {
                            let (data, pages) = rayon::join(
                                || {
                                    if data_linked {
                                        Ok(3 + 3 * s.snap.departments.len())
                                    } else {
                                        write_data(s.snap, &writer)
                                    }
                                },
                                || -> Result<_, Error> {
                                    let other = timed("pages: other", || {
                                        render_pages(
                                            s.snap, &tera, &site, &writer, &history, &services,
                                        )
                                    })?;
                                    let pages = timed("pages: items", || {
                                        render_items(
                                            s.snap,
                                            &tera,
                                            &site,
                                            &writer,
                                            &histories,
                                            &reuse,
                                            ItemsGiven {
                                                votes: s.opts.votes.as_ref(),
                                                inherited: &common.inherited,
                                            },
                                        )
                                    })?;
                                    Ok((pages, other))
                                },
                            );
                            Ok((pages?, data?))
                        },
                    );
                    let xlsx = match whole_xlsx {
                        Some(t) => t.join().unwrap_or_else(|_| {
                            Err(Error::Usage("生成整个清单的 xlsx 时线程意外退出".into()))
                        })?,
                        None => 0,
                    };
                    indexed?;
                    rendered.map(|(pages, data)| (pages, data + xlsx))
                })
            })?;
        self.step(steps, "静态文件", |s| {
            writer.write("assets/style.css", common.style.as_bytes())?;
            writer.write("assets/adjust.js", templates::ADJUST_JS.as_bytes())?;
            writer.write("assets/search.js", common.script.as_bytes())?;
            if let Some((path, name)) = &theme.logo_file {
                let bytes = std::fs::read(path).map_err(|source| Error::Read {
                    path: path.clone(),
                    source,
                })?;
                writer.write(&format!("assets/{name}"), &bytes)?;
            }
            writer.write(MARKER, marker_of(&s.lists, s.opts).as_bytes())?;
            Ok(())
        })?;
        let (tree_pages, tree_urls) =
            self.step(steps, "区划与目录页面", |s| match s.tree {
                Some((t, v)) => render_tree_pages(t, v, &tera, &site, &writer),
                None => Ok((0, Vec::new())),
            })?;
        let mut urls = site.page_urls.clone();
        urls.extend(other.1.iter().cloned());
        urls.extend(tree_urls);
        self.step(steps, "网站地图", |_| {
            write_sitemap(&writer, &urls, base_url.as_deref())
        })?;
        let manifest = reuse::Manifest {
            version: env!("CARGO_PKG_VERSION").to_string(),
            pages: keys.into_inner().unwrap_or_default(),
            data: data_key,
        };
        writer.write(reuse::FILE, &serde_json::to_vec(&manifest)?)?;
        Ok(Rendered {
            pages: pages + other.0 + tree_pages,
            files: pages + other.0 + tree_pages + data + 6,
            editions: history.editions.len().max(1),
            warnings: history.warnings.into_iter().chain(theme.warnings).collect(),
            reused: reused.into_inner(),
        })
    }
}

/// The adjustment page of `diff` as one self-contained HTML file (`qingdan diff --format html`):
/// the stylesheet inline, no links into a site.
pub fn adjustment_page(
    diff: &crate::diff::Diff,
    templates: Option<&Path>,
) -> Result<String, Error> {
    let tera = templates::load(templates)?;
    let view = editions::adjustment_view(diff, None, None, None);
    let mut ctx = tera::Context::new();
    ctx.insert("adj", &view);
    ctx.insert("css", &templates::style(templates)?);
    ctx.insert("js", templates::ADJUST_JS);
    ctx.insert("old", &diff.old);
    ctx.insert("new", &diff.new);
    render(&tera, "diff.html", &ctx)
}

/// Remove everything in `dir` but the file `keep` (what a half-done reuse may have linked there).
fn clear_except(dir: &Path, keep: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        if e.file_name() == keep {
            continue;
        }
        let path = e.path();
        let _ = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
    }
}

/// Refuse to replace a folder qingdan did not make, or one holding the lists.
fn guard_output(out: &Path, lists: &Path) -> Result<(), Error> {
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    if out.exists() {
        if !out.is_dir() {
            return Err(Error::Usage(format!(
                "{} 不是文件夹，不能作为网站输出目录",
                out.display()
            )));
        }
        let (o, l) = (canon(out), canon(lists));
        if l.starts_with(&o) {
            return Err(Error::Usage(format!(
                "输出目录 {} 包含清单文件夹 {}，构建会删除清单；请换一个 --out",
                out.display(),
                lists.display()
            )));
        }
        let empty = std::fs::read_dir(out)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
        if !empty && !out.join(MARKER).exists() {
            return Err(Error::Usage(format!(
                "{} 已存在且不是 qingdan 生成的网站（没有 {MARKER} 标记），为免删除其中的文件，构建已停止；请换一个 --out 或先清空它",
                out.display()
            )));
        }
    }
    Ok(())
}

/// A hidden sibling of `out` (same parent, so renaming is atomic).
fn sibling(out: &Path, what: &str) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "site".into());
    out.with_file_name(format!(".{name}.{what}-{}", std::process::id()))
}

/// What `sibling` names the folders of a build or a partial rebuild after.
const STAGES: &[&str] = &["building", "old", "tree-index", "update"];

/// Remove the folders `sibling` made beside `out` for a qingdan process that is no longer
/// running: a build stopped half-way (Ctrl-C, a crash, the machine going down) leaves its new
/// site there, gigabytes for a province, under a name with its process number that no later
/// build would use again. Only where running processes can be told (`/proc`); a folder of a
/// build still running is left alone. Returns the folders removed.
pub(crate) fn clear_stale(out: &Path) -> Vec<PathBuf> {
    let procs = Path::new("/proc");
    if !procs.join("self").exists() {
        return Vec::new();
    }
    let Some(name) = out.file_name().map(|n| n.to_string_lossy().to_string()) else {
        return Vec::new();
    };
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Vec::new();
    };
    let prefix = format!(".{name}.");
    let mut removed = Vec::new();
    for e in entries.flatten() {
        let file = e.file_name().to_string_lossy().to_string();
        let Some((stage, pid)) = file
            .strip_prefix(&prefix)
            .and_then(|rest| rest.rsplit_once('-'))
        else {
            continue;
        };
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        let running = pid == std::process::id() || procs.join(pid.to_string()).exists();
        let path = e.path();
        if STAGES.contains(&stage) && !running && path.is_dir() && remove_tree(&path).is_ok() {
            removed.push(path);
        }
    }
    removed
}

/// Say what `clear_stale` removed.
fn clear_stale_said(out: &Path) {
    for p in clear_stale(out) {
        eprintln!("已删除中断的构建留下的临时文件夹 {}", p.display());
    }
}

/// For `map_err` of a write at `path`.
fn write_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error + use<> {
    let path = path.to_path_buf();
    move |source| Error::Write { path, source }
}

/// Put the new site in place of the old one.
fn swap(tmp: &Path, out: &Path) -> Result<(), Error> {
    let io = write_err;
    if out.exists() {
        let old = sibling(out, "old");
        std::fs::rename(out, &old).map_err(io(out))?;
        std::fs::rename(tmp, out).map_err(io(out))?;
        remove_tree(&old).map_err(io(&old))?;
    } else {
        if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::rename(tmp, out).map_err(io(out))?;
    }
    Ok(())
}

/// Remove a folder tree, its files in parallel (a site of 100,000 pages has as many files).
fn remove_tree(dir: &Path) -> std::io::Result<()> {
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.map_err(std::io::Error::other)?;
        if entry.file_type().is_dir() {
            dirs.push(entry.into_path());
        } else {
            files.push(entry.into_path());
        }
    }
    files.par_iter().try_for_each(std::fs::remove_file)?;
    // Deepest first.
    dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
    for d in dirs {
        std::fs::remove_dir(&d)?;
    }
    Ok(())
}

/// Writes files under the build folder; URLs ("/departments/x/") become "departments/x/index.html".
struct Writer<'a> {
    dir: &'a Path,
    base: &'a str,
}

impl Writer<'_> {
    /// A new file at `rel`, its folder created. A file already there is removed first: it may be
    /// a hard link into the site being replaced, which must not change under its readers. In a
    /// fresh build folder that is one system call per file (`create_new`), where asking first
    /// whether the folder and the file exist made three.
    fn open_new(&self, rel: &str) -> Result<(PathBuf, std::fs::File), Error> {
        let path = self.dir.join(rel);
        let fail = |path: &Path, source| Error::Write {
            path: path.to_path_buf(),
            source,
        };
        let open = || {
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
        };
        let mut tries = 0;
        loop {
            let e = match open() {
                Ok(f) => return Ok((path, f)),
                Err(e) => e,
            };
            tries += 1;
            match e.kind() {
                std::io::ErrorKind::NotFound if tries < 3 => {
                    if let Some(parent) = path.parent() {
                        std::fs::create_dir_all(parent).map_err(|source| fail(parent, source))?;
                    }
                }
                std::io::ErrorKind::AlreadyExists if tries < 3 => {
                    std::fs::remove_file(&path).map_err(|source| fail(&path, source))?;
                }
                _ => return Err(fail(&path, e)),
            }
        }
    }

    /// A buffered file to stream into (large data files are not built in memory).
    fn create(&self, rel: &str) -> Result<std::io::BufWriter<std::fs::File>, Error> {
        let (_, f) = self.open_new(rel)?;
        Ok(std::io::BufWriter::with_capacity(1 << 20, f))
    }

    /// Flush a file made by `create`.
    fn finish(&self, rel: &str, mut f: std::io::BufWriter<std::fs::File>) -> Result<(), Error> {
        std::io::Write::flush(&mut f).map_err(|source| Error::Write {
            path: self.dir.join(rel),
            source,
        })
    }

    fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), Error> {
        let (path, mut f) = self.open_new(rel)?;
        std::io::Write::write_all(&mut f, bytes).map_err(|source| Error::Write { path, source })
    }

    /// The file of a page URL, relative to the site.
    fn rel(&self, url: &str) -> String {
        let rel = url
            .strip_prefix(self.base)
            .unwrap_or(url)
            .trim_start_matches('/');
        if rel.is_empty() || rel.ends_with('/') {
            format!("{rel}index.html")
        } else {
            rel.to_string()
        }
    }

    fn page(&self, url: &str, html: &[u8]) -> Result<(), Error> {
        self.write(&self.rel(url), html)
    }
}

#[derive(Serialize, Clone)]
struct Crumb {
    name: String,
    url: String,
}

#[derive(Serialize)]
struct PageMeta {
    title: String,
    description: String,
    url: String,
    url_full: String,
}

#[derive(Serialize)]
struct DeptLink {
    id: String,
    name: String,
    url: String,
    items: usize,
    guides: usize,
}

#[derive(Serialize)]
struct CatLink {
    name: String,
    number: String,
    url: String,
    items: usize,
}

#[derive(Serialize)]
struct LifeLink {
    slug: String,
    name: String,
    description: String,
    url: String,
    items: usize,
}

#[derive(Serialize, Default)]
struct Totals {
    items: usize,
    sub_items: usize,
    entries: usize,
    departments: usize,
    boundaries: usize,
    supervision_items: usize,
    guides: usize,
}

/// The `site` variable every template sees (set once as Tera's global context).
#[derive(Serialize)]
struct SiteView {
    title: String,
    jurisdiction: String,
    edition: String,
    published: String,
    document: String,
    description_html: String,
    sample: bool,
    base: String,
    base_url: String,
    totals: Totals,
    departments: Vec<DeptLink>,
    categories: Vec<CatLink>,
    life_events: Vec<LifeLink>,
    feedback: FeedbackSite,
    /// A multi-level repository: every jurisdiction, for the switcher (empty otherwise).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    jurisdictions: Vec<tree::NavLink>,
    /// The root site's jurisdictions page (with the coverage matrix).
    #[serde(skip_serializing_if = "String::is_empty")]
    jurisdictions_url: String,
    /// CSS custom properties from jurisdiction.toml's colours (citizen.rs), and the logo's URL.
    theme_css: String,
    logo: String,
}

/// Where item pages send feedback: `action`, the address the forms post to (serve's endpoint,
/// or `feedback_url` on a static host), else `email` for mailto: links, else neither (the
/// page shows only the phones).
#[derive(Serialize, Default, Clone)]
struct FeedbackSite {
    action: String,
    email: String,
}

impl FeedbackSite {
    fn new(snap: &Snapshot, base: &str, served: bool) -> FeedbackSite {
        let j = snap.jurisdiction.as_ref().map(|j| &j.value);
        if served {
            return FeedbackSite {
                action: format!("{base}/_qingdan/feedback"),
                email: String::new(),
            };
        }
        let action = j.map_or(String::new(), |j| view::safe_url(&j.feedback_url));
        let email = j
            .map(|j| j.feedback_email.trim())
            .filter(|e| action.is_empty() && usable_email(e))
            .unwrap_or("")
            .to_string();
        FeedbackSite { action, email }
    }
}

/// Can `email` go into a mailto: link as it is? (One `@` with something either side, none of
/// the characters that would end or extend the address.)
pub fn usable_email(email: &str) -> bool {
    email.split('@').count() == 2
        && !email.starts_with('@')
        && !email.ends_with('@')
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>\"'?&#%/\\:;,".contains(c))
}

/// The feedback block of one item page.
#[derive(Serialize)]
struct FeedbackItem {
    /// The official code: the item's `code`, else its id (in a mail's subject).
    code: String,
    /// The official code as the page shows it ("实施编码"/"基本编码"), none for a row number
    /// of the source table (`code = "1"`): the citizen is not shown a code that means nothing.
    code_label: &'static str,
    shown_code: String,
    phone: String,
    phone_tel: String,
    phone_label: &'static str,
    mailto_error: String,
    mailto_complaint: String,
    helpful: Option<u64>,
}

impl FeedbackItem {
    fn new(
        snap: &Snapshot,
        folder: &str,
        item: &crate::model::Item,
        site: &FeedbackSite,
        votes: Option<&crate::feedback::Votes>,
    ) -> FeedbackItem {
        let code = official_code(item);
        let complaint = item
            .guide
            .as_ref()
            .map(|g| g.complaint_phone.trim())
            .filter(|p| !p.is_empty() && view::tel(p) != "12345");
        let (phone, phone_label) = match complaint {
            Some(p) => (p.to_string(), "监督投诉电话"),
            None => (
                snap.department(folder)
                    .map(|d| d.phone.trim().to_string())
                    .unwrap_or_default(),
                "部门电话",
            ),
        };
        // The hotline is shown anyway: not twice.
        let phone = if view::tel(&phone) == "12345" {
            String::new()
        } else {
            phone
        };
        let mailto = |kind: &str| {
            if site.email.is_empty() {
                return String::new();
            }
            let subject = format!("{kind}：{code} {}", item.name.as_str());
            format!(
                "mailto:{}?subject={}",
                site.email,
                percent_encoding::utf8_percent_encode(&subject, percent_encoding::NON_ALPHANUMERIC)
            )
        };
        let shown = view::official_code(&item.code);
        FeedbackItem {
            code_label: shown.as_ref().map_or("", |c| c.label),
            shown_code: shown.map(|c| c.code).unwrap_or_default(),
            phone_tel: view::tel(&phone),
            phone,
            phone_label,
            mailto_error: mailto("纠错"),
            mailto_complaint: mailto("投诉"),
            helpful: votes.map(|v| v.helpful).filter(|n| *n > 0),
            code,
        }
    }
}

/// An item's official code (`view::official_code`), else its id: never a row number.
fn official_code(item: &crate::model::Item) -> String {
    view::official_code(&item.code).map_or_else(|| item.id.value.clone(), |c| c.code)
}

/// What `serve` needs to know of each item feedback may be about, by id, in the order of the
/// ids (the same lists make the same file).
fn feedback_items(
    snap: &Snapshot,
    base: &str,
) -> std::collections::BTreeMap<String, crate::feedback::ItemInfo> {
    let urls = Urls { base };
    snap.items
        .iter()
        .map(|e| {
            let item = &e.value;
            (
                item.id.value.clone(),
                crate::feedback::ItemInfo {
                    department: e.folder.clone(),
                    department_name: snap.department_name(&e.folder).to_string(),
                    code: official_code(item),
                    name: item.name.value.clone(),
                    url: urls.item(&item.id),
                },
            )
        })
        .collect()
}

struct SiteData {
    view: SiteView,
    base: String,
    base_url: Option<String>,
    boundaries_by_item: HashMap<String, Vec<Link>>,
    /// Items of each life event (indexes into `snap.items`).
    life_items: Vec<Vec<usize>>,
    /// URLs of the item pages (the other pages add theirs when rendered).
    page_urls: Vec<String>,
    /// Claimed items (multi-level lists): the page of the catalogue item each claims, by id.
    catalogue_links: HashMap<String, String>,
}

impl SiteData {
    fn new(
        snap: &Snapshot,
        stats: &check::Stats,
        base: &str,
        base_url: Option<String>,
    ) -> SiteData {
        let urls = Urls { base };
        let j = snap.jurisdiction.as_ref().map(|j| &j.value);
        let jurisdiction = j.map_or(String::new(), |j| j.name.value.clone());
        let mut counts: HashMap<&str, (usize, usize)> = HashMap::new();
        for i in &snap.items {
            let c = counts.entry(i.folder.as_str()).or_default();
            c.0 += 1;
            c.1 += usize::from(i.value.guide.is_some());
        }
        let mut departments: Vec<DeptLink> = snap
            .departments
            .iter()
            .map(|d| {
                let (items, guides) = counts.get(d.folder.as_str()).copied().unwrap_or_default();
                DeptLink {
                    id: d.folder.clone(),
                    name: d.value.name.value.clone(),
                    url: urls.department(&d.folder),
                    items,
                    guides,
                }
            })
            .collect();
        departments.sort_by(|a, b| {
            let order = |id: &str| {
                snap.department(id)
                    .and_then(|d| d.order)
                    .unwrap_or(i64::MAX)
            };
            (order(&a.id), std::cmp::Reverse(a.items))
                .cmp(&(order(&b.id), std::cmp::Reverse(b.items)))
        });
        let categories = stats
            .by_category
            .iter()
            .map(|c| CatLink {
                name: c.name.clone(),
                number: Category::from_name(&c.name)
                    .map_or("", |c| c.code())
                    .to_string(),
                url: urls.category(&c.name),
                items: c.items,
            })
            .collect();
        let life_items: Vec<Vec<usize>> = life::EVENTS
            .par_iter()
            .map(|e| {
                snap.items
                    .iter()
                    .enumerate()
                    .filter(|(_, i)| {
                        e.matches(
                            snap.department_name(&i.folder),
                            &i.value.name,
                            Category::from_name(&i.value.category),
                        )
                    })
                    .map(|(n, _)| n)
                    .collect()
            })
            .collect();
        let life_events = life::EVENTS
            .iter()
            .zip(&life_items)
            .filter(|(_, items)| !items.is_empty())
            .map(|(e, items)| LifeLink {
                slug: e.slug.to_string(),
                name: e.name.to_string(),
                description: e.description.to_string(),
                url: format!("{base}/life/{}/", e.slug),
                items: items.len(),
            })
            .collect();
        let page_urls: Vec<String> = snap
            .items
            .par_iter()
            .map(|i| urls.item(&i.value.id))
            .collect();
        let view = SiteView {
            title: format!("{jurisdiction}权责清单"),
            jurisdiction,
            edition: j.map_or(String::new(), |j| j.edition.clone()),
            published: j.map_or(String::new(), |j| j.published.clone()),
            document: j.map_or(String::new(), |j| j.document.clone()),
            description_html: j.map_or(String::new(), |j| markdown::to_html(&j.description)),
            sample: j.is_some_and(|j| j.sample),
            base: base.to_string(),
            base_url: base_url.clone().unwrap_or_default(),
            totals: Totals {
                items: stats.items,
                sub_items: stats.sub_items,
                entries: stats.entries,
                departments: stats.departments,
                boundaries: stats.boundaries,
                supervision_items: stats.items_with_supervision,
                guides: stats.items_with_guide,
            },
            departments,
            categories,
            life_events,
            feedback: FeedbackSite::default(),
            jurisdictions: Vec::new(),
            jurisdictions_url: String::new(),
            theme_css: String::new(),
            logo: String::new(),
        };
        SiteData {
            view,
            base: base.to_string(),
            base_url,
            boundaries_by_item: view::boundaries_by_item(snap, &urls),
            life_items,
            page_urls,
            catalogue_links: HashMap::new(),
        }
    }

    fn urls(&self) -> Urls<'_> {
        Urls { base: &self.base }
    }

    fn crumbs(&self, trail: &[(&str, String)]) -> Vec<Crumb> {
        let mut v = vec![Crumb {
            name: "首页".into(),
            url: format!("{}/", self.base),
        }];
        v.extend(trail.iter().map(|(n, u)| Crumb {
            name: n.to_string(),
            url: u.clone(),
        }));
        v
    }

    fn page(&self, title: &str, description: &str, url: &str) -> PageMeta {
        PageMeta {
            title: title.to_string(),
            description: description.to_string(),
            url: url.to_string(),
            url_full: format!("{}{}", self.base_url.as_deref().unwrap_or(""), url),
        }
    }
}

fn render(tera: &tera::Tera, name: &str, ctx: &tera::Context) -> Result<String, Error> {
    tera.render(name, ctx).map_err(|e| template_error(name, &e))
}

fn template_error(name: &str, e: &tera::Error) -> Error {
    Error::Template {
        name: name.to_string(),
        message: templates::describe(e),
    }
}

/// Render the template `name` with `ctx` as the page at `url`. The page goes out as the bytes
/// Tera wrote, through a buffer each thread keeps: no `String` made of it (which checks every
/// byte for UTF-8 again) and no buffer grown from empty for each of 100,000 pages.
fn render_page(
    tera: &tera::Tera,
    name: &str,
    ctx: &tera::Context,
    w: &Writer,
    url: &str,
) -> Result<(), Error> {
    thread_local! {
        static PAGE: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(Vec::with_capacity(32 << 10));
    }
    PAGE.with(|page| {
        let mut page = page.borrow_mut();
        page.clear();
        tera.render_to(name, ctx, &mut *page)
            .map_err(|e| template_error(name, &e))?;
        w.page(url, &page)
    })
}

/// The pages of a multi-level repository: the jurisdictions page with the coverage matrix, and
/// a page per catalogue item with its local versions side by side (each made, written and
/// dropped in turn, in parallel).
fn render_tree_pages(
    tree: &Tree,
    t: &tree::TreeView,
    tera: &tera::Tera,
    site: &SiteData,
    w: &Writer,
) -> Result<(usize, Vec<String>), Error> {
    let made: Vec<(tree::CatalogueLink, Option<tree::Row>)> = t
        .entries
        .par_iter()
        .map(|&e| {
            let (c, row) = t.entry(tree, e);
            render_catalogue_page(&c, tera, site, w)?;
            Ok((c.link(), row))
        })
        .collect::<Result<_, Error>>()?;
    let url = render_jurisdictions_from(t, &made, tera, site, w)?;
    let mut urls = vec![url];
    urls.extend(made.iter().map(|(c, _)| c.url.clone()));
    if let Ok(mut slot) = t.made.lock() {
        *slot = made;
    }
    Ok((urls.len(), urls))
}

/// The jurisdictions page from what was made of each catalogue entry.
fn render_jurisdictions_from(
    t: &tree::TreeView,
    made: &[(tree::CatalogueLink, Option<tree::Row>)],
    tera: &tera::Tera,
    site: &SiteData,
    w: &Writer,
) -> Result<String, Error> {
    let links: Vec<tree::CatalogueLink> = made.iter().map(|(c, _)| c.clone()).collect();
    let rows: Vec<tree::Row> = made.iter().filter_map(|(_, r)| r.clone()).collect();
    render_jurisdictions_page(t, &links, &rows, tera, site, w)
}

const JURISDICTIONS_TITLE: &str = "各级清单";

/// The jurisdictions page: each jurisdiction's coverage, the matrix (`rows`, when not too
/// large) and the catalogue's items (`links`). Returns its URL.
fn render_jurisdictions_page(
    t: &tree::TreeView,
    links: &[tree::CatalogueLink],
    rows: &[tree::Row],
    tera: &tera::Tera,
    site: &SiteData,
    w: &Writer,
) -> Result<String, Error> {
    let url = format!("{}/jurisdictions/", site.base);
    let title = JURISDICTIONS_TITLE;
    let mut ctx = tera::Context::new();
    ctx.insert("breadcrumb", &site.crumbs(&[(title, url.clone())]));
    ctx.insert(
        "page",
        &site.page(
            title,
            &format!(
                "{}及下级区划的权责清单，指导目录事项在各地的认领情况",
                site.view.jurisdiction
            ),
            &url,
        ),
    );
    ctx.insert("summaries", &t.summaries);
    ctx.insert("columns", &t.columns);
    ctx.insert("rows", rows);
    ctx.insert("matrix_too_large", &t.matrix_too_large);
    ctx.insert("catalogue", links);
    render_page(tera, "jurisdictions.html", &ctx, w, &url)?;
    Ok(url)
}

/// The page of one catalogue item.
fn render_catalogue_page(
    c: &tree::CatalogueView,
    tera: &tera::Tera,
    site: &SiteData,
    w: &Writer,
) -> Result<(), Error> {
    let url = format!("{}/jurisdictions/", site.base);
    let mut ctx = tera::Context::new();
    ctx.insert(
        "breadcrumb",
        &site.crumbs(&[(JURISDICTIONS_TITLE, url), (c.name.as_str(), c.url.clone())]),
    );
    ctx.insert(
        "page",
        &site.page(
            &c.name,
            &format!("指导目录事项{}（{}）在各地的实施情况", c.name, c.code),
            &c.url,
        ),
    );
    ctx.insert("cat", c);
    render_page(tera, "catalogue_item.html", &ctx, w, &c.url)
}

/// What render_items needs to reuse pages of the previous build.
struct Reuse<'a> {
    previous: Option<&'a reuse::Previous>,
    global: &'a reuse::Key,
    keys: &'a std::sync::Mutex<HashMap<String, u64>>,
    reused: &'a std::sync::atomic::AtomicUsize,
}

/// What item pages are given from outside their site: the feedback votes, and the build's
/// HTML of the texts claims inherit.
#[derive(Clone, Copy)]
struct ItemsGiven<'a> {
    votes: Option<&'a HashMap<String, crate::feedback::Votes>>,
    inherited: &'a view::SharedHtml,
}

fn render_items(
    snap: &Snapshot,
    tera: &tera::Tera,
    site: &SiteData,
    w: &Writer,
    histories: &HashMap<String, Vec<editions::HistoryEntry>>,
    reuse: &Reuse,
    given: ItemsGiven,
) -> Result<usize, Error> {
    let ItemsGiven { votes, inherited } = given;
    let urls = site.urls();
    snap.items.par_iter().try_for_each(|e| {
        let item = &e.value;
        let dept = snap.department_name(&e.folder);
        let boundaries = site
            .boundaries_by_item
            .get(item.id.as_str())
            .cloned()
            .unwrap_or_default();
        let history = histories
            .get(item.id.as_str())
            .map_or(&[][..], Vec::as_slice);
        let feedback = FeedbackItem::new(
            snap,
            &e.folder,
            item,
            &site.view.feedback,
            votes.and_then(|v| v.get(item.id.as_str())),
        );
        // Everything this page is made of besides the site-wide inputs.
        let key = reuse
            .global
            .clone()
            .add_u64(snap.source(e.file).hash)
            .add(e.folder.as_bytes())
            .add(dept.as_bytes())
            .add_json(&boundaries)?
            .add_json(history)?
            .add_json(&feedback)?;
        // A claimed item is made of its claim and of the catalogue item above: the page changes
        // when either does.
        let catalogue_url = site.catalogue_links.get(item.id.as_str());
        let key = match catalogue_url {
            Some(u) => key.add(u.as_bytes()).add_json(&**item)?,
            None => key,
        }
        .finish();
        let url = urls.item(&item.id);
        let rel = w.rel(&url);
        if let Ok(mut keys) = reuse.keys.lock() {
            keys.insert(rel.clone(), key);
        }
        if reuse
            .previous
            .is_some_and(|p| p.link_page(&rel, key, w.dir))
        {
            reuse
                .reused
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return Ok(());
        }
        // A claim's inherited texts are its catalogue item's: their HTML is made once.
        let html = match catalogue_url {
            Some(_) => view::Html::Shared(inherited),
            None => view::Html::Own,
        };
        let view = ItemView::new(item, dept, &urls, boundaries, html);
        let mut ctx = tera::Context::new();
        ctx.insert(
            "breadcrumb",
            &site.crumbs(&[
                (dept, urls.department(&e.folder)),
                (&item.name, view.url.clone()),
            ]),
        );
        let description = format!(
            "{}：{}的{}事项",
            item.name.as_str(),
            dept,
            item.category.as_str()
        );
        ctx.insert("page", &site.page(&item.name, &description, &view.url));
        ctx.insert("item", &view);
        ctx.insert("history", history);
        ctx.insert("feedback", &feedback);
        if let Some(u) = catalogue_url {
            ctx.insert("catalogue_url", u);
        }
        render_page(tera, "item.html", &ctx, w, &view.url)
    })?;
    Ok(snap.items.len())
}

#[derive(Serialize)]
struct DeptView {
    id: String,
    name: String,
    short_name: String,
    items: usize,
    phone: String,
    phone_tel: String,
    address: String,
    website: String,
    duties: Vec<String>,
    work_items: Vec<WorkView>,
    public_services: Vec<WorkView>,
    groups: Vec<view::Group>,
    boundaries: Vec<Link>,
    supervision: Vec<SupervisionRow>,
}

#[derive(Serialize)]
struct WorkView {
    name: String,
    description_html: String,
}

fn work_views(items: &[crate::model::WorkItem]) -> Vec<WorkView> {
    items
        .iter()
        .map(|w| WorkView {
            name: w.name.value.clone(),
            description_html: markdown::to_html(&w.description),
        })
        .collect()
}

#[derive(Serialize)]
struct SupervisionRow {
    name: String,
    url: String,
    methods: String,
    frequency: String,
}

#[derive(Serialize)]
struct Listing {
    title: String,
    lead: String,
    groups: Vec<view::Group>,
}

/// Every page but the item pages; returns (pages, their URLs for the sitemap).
fn render_pages(
    snap: &Snapshot,
    tera: &tera::Tera,
    site: &SiteData,
    w: &Writer,
    history: &editions::History,
    services: &[citizen::Service],
) -> Result<(usize, Vec<String>), Error> {
    let urls = site.urls();
    let base = &site.base;
    let home = format!("{base}/");
    // A page's URL, template and context: its breadcrumb and meta data, and what `fill` adds.
    // Department, category and life-event pages are put together in parallel (at 100,000 items
    // they list every item between them).
    let job = |url: String,
               template: &str,
               title: &str,
               trail: Vec<(&str, String)>,
               fill: &dyn Fn(&mut tera::Context)| {
        let mut ctx = tera::Context::new();
        let mut trail: Vec<(&str, String)> = trail;
        let own = (title, url.clone());
        if url != home {
            trail.push(own);
        }
        ctx.insert("breadcrumb", &site.crumbs(&trail));
        ctx.insert(
            "page",
            &site.page(title, &format!("{title} - {}", site.view.title), &url),
        );
        fill(&mut ctx);
        (url, template.to_string(), ctx)
    };
    let mut jobs: Vec<(String, String, tera::Context)> = Vec::new();
    let page = |url: String,
                template: &str,
                title: &str,
                trail: Vec<(&str, String)>,
                extra: Vec<(&'static str, serde_json::Value)>| {
        job(url, template, title, trail, &|ctx| {
            for (k, v) in &extra {
                ctx.insert(*k, v);
            }
        })
    };

    // Home, with its charts.
    let cat_rows: Vec<(String, usize)> = site
        .view
        .categories
        .iter()
        .map(|c| (c.name.clone(), c.items))
        .collect();
    let dept_rows: Vec<(String, usize)> = site
        .view
        .departments
        .iter()
        .map(|d| {
            let short = snap
                .department(&d.id)
                .map(|x| x.short_name.clone())
                .filter(|s| !s.is_empty());
            (short.unwrap_or_else(|| d.name.clone()), d.items)
        })
        .collect();
    let charts = serde_json::json!({
        "categories": charts::bars("各职权类别的事项数", &cat_rows, "chart-cat"),
        "departments": charts::bars("各部门的事项数", &dept_rows, "chart-dept"),
    });
    jobs.push(page(
        format!("{base}/"),
        "index.html",
        &site.view.title,
        vec![],
        vec![
            ("charts", charts),
            ("services", serde_json::to_value(services)?),
        ],
    ));
    jobs.push(page(
        format!("{base}/departments/"),
        "departments.html",
        "部门",
        vec![],
        vec![],
    ));
    jobs.push(page(
        format!("{base}/categories/"),
        "categories.html",
        "职权类别",
        vec![],
        vec![],
    ));
    jobs.push(page(
        format!("{base}/life/"),
        "life_index.html",
        "办事主题",
        vec![],
        vec![],
    ));
    jobs.push(page(
        format!("{base}/accessibility/"),
        "accessibility.html",
        "无障碍说明",
        vec![],
        vec![],
    ));
    // The search page of a static host: search.js fills it from the static index; `serve`
    // answers this URL itself with results rendered on the server.
    jobs.push(page(
        format!("{base}/search/"),
        "search.html",
        "搜索",
        vec![],
        vec![(
            "search",
            serde_json::json!({"static": true, "q": "", "department": "", "category": ""}),
        )],
    ));
    jobs.push(page(
        format!("{base}/404.html"),
        "404.html",
        "找不到页面",
        vec![],
        vec![],
    ));

    // Departments.
    let bmap: HashMap<&str, Vec<Link>> = {
        let mut m: HashMap<&str, Vec<Link>> = HashMap::new();
        for b in &snap.boundaries {
            for p in &b.value.parties {
                m.entry(p.department.as_str()).or_default().push(Link {
                    name: b.value.name.value.clone(),
                    url: urls.boundary(&b.value.id),
                });
            }
        }
        m
    };
    let department_jobs = snap
        .departments
        .par_iter()
        .map(|d| {
            let dept = &d.value;
            let items: Vec<&crate::model::Item> =
                snap.items_of(&d.folder).iter().map(|i| &*i.value).collect();
            let supervision = items
                .iter()
                .filter(|i| !i.supervision.is_empty())
                .map(|i| SupervisionRow {
                    name: i.name.value.clone(),
                    url: urls.item(&i.id),
                    methods: i
                        .supervision
                        .iter()
                        .map(|s| s.method.value.clone())
                        .collect::<Vec<_>>()
                        .join("、"),
                    frequency: i
                        .supervision
                        .iter()
                        .map(|s| s.frequency.clone())
                        .filter(|f| !f.is_empty())
                        .collect::<Vec<_>>()
                        .join("；"),
                })
                .collect();
            let v = DeptView {
                id: d.folder.clone(),
                name: dept.name.value.clone(),
                short_name: dept.short_name.clone(),
                items: items.len(),
                phone_tel: view::tel(&dept.phone),
                phone: dept.phone.clone(),
                address: dept.address.clone(),
                website: view::safe_url(&dept.website),
                duties: dept.duties.iter().map(|x| markdown::to_html(x)).collect(),
                work_items: work_views(&dept.work_items),
                public_services: work_views(&dept.public_services),
                groups: view::by_category(items.iter().copied(), &urls),
                boundaries: bmap.get(d.folder.as_str()).cloned().unwrap_or_default(),
                supervision,
            };
            job(
                urls.department(&d.folder),
                "department.html",
                &dept.name,
                vec![("部门", format!("{base}/departments/"))],
                &|ctx| ctx.insert("dept", &v),
            )
        })
        .collect::<Vec<_>>();

    // Categories: items by department; a long category lists its departments, each linking
    // to that department's section for the category (its items are not linked here).
    let long: std::collections::HashSet<&str> = site
        .view
        .categories
        .iter()
        .filter(|c| c.items > LONG_LISTING)
        .map(|c| c.name.as_str())
        .collect();
    // (category, department folder) → the number of items and, for a short category, their links.
    type Listed = (usize, Vec<view::ItemLink>);
    let mut by_cat_dept: HashMap<(&str, &str), Listed> = HashMap::new();
    for i in &snap.items {
        let category = i.value.category.as_str();
        let entry = by_cat_dept
            .entry((category, i.folder.as_str()))
            .or_default();
        entry.0 += 1;
        if !long.contains(category) {
            entry.1.push(view::link(&i.value, &urls));
        }
    }
    let mut by_category: Vec<Vec<(&str, Listed)>> =
        site.view.categories.iter().map(|_| Vec::new()).collect();
    let category_at: HashMap<&str, usize> = site
        .view
        .categories
        .iter()
        .enumerate()
        .map(|(n, c)| (c.name.as_str(), n))
        .collect();
    for ((category, folder), v) in by_cat_dept {
        if let Some(&n) = category_at.get(category) {
            by_category[n].push((folder, v));
        }
    }
    let category_jobs = site
        .view
        .categories
        .par_iter()
        .zip(by_category)
        .map(|(c, mut of_dept)| {
            let long = c.items > LONG_LISTING;
            let mut groups: Vec<view::Group> = Vec::new();
            for d in &site.view.departments {
                let Some(at) = of_dept.iter().position(|(f, _)| *f == d.id) else {
                    continue;
                };
                let (_, (count, items)) = of_dept.swap_remove(at);
                groups.push(view::Group {
                    code: d.id.clone(),
                    name: d.name.clone(),
                    count,
                    url: format!("{}#cat-{}", d.url, view::category_slug(&c.name)),
                    items,
                });
            }
            let lead = if long {
                format!(
                    "{} 项{}事项，分属 {} 个部门；点部门名查看该部门的全部{}事项。",
                    c.items,
                    c.name,
                    groups.len(),
                    c.name
                )
            } else {
                format!("{} 项{}事项，按部门列出。", c.items, c.name)
            };
            let listing = Listing {
                title: c.name.clone(),
                lead,
                groups,
            };
            job(
                c.url.clone(),
                "listing.html",
                &c.name,
                vec![("职权类别", format!("{base}/categories/"))],
                &|ctx| ctx.insert("listing", &listing),
            )
        })
        .collect::<Vec<_>>();

    // Life events.
    let events: Vec<_> = life::EVENTS
        .iter()
        .zip(&site.life_items)
        .filter(|(_, i)| !i.is_empty())
        .zip(&site.view.life_events)
        .collect();
    let life_jobs = events
        .into_par_iter()
        .map(|((e, items), link)| {
            let mut groups: Vec<view::Group> = Vec::new();
            for n in items {
                let i = &snap.items[*n];
                let name = snap.department_name(&i.folder);
                match groups.iter_mut().find(|g| g.name == name) {
                    Some(g) => {
                        g.items.push(view::link(&i.value, &urls));
                        g.count += 1;
                    }
                    None => groups.push(view::Group {
                        code: i.folder.clone(),
                        name: name.to_string(),
                        items: vec![view::link(&i.value, &urls)],
                        count: 1,
                        url: String::new(),
                    }),
                }
            }
            let listing = Listing {
                title: e.name.to_string(),
                lead: format!("{} {} 项事项。", e.description, items.len()),
                groups,
            };
            job(
                link.url.clone(),
                "listing.html",
                e.name,
                vec![("办事主题", format!("{base}/life/"))],
                &|ctx| ctx.insert("listing", &listing),
            )
        })
        .collect::<Vec<_>>();

    jobs.extend(department_jobs);
    jobs.extend(category_jobs);
    jobs.extend(life_jobs);

    // Boundaries.
    let item_by_id: HashMap<&str, &crate::snapshot::Entry<std::sync::Arc<crate::model::Item>>> =
        snap.items
            .iter()
            .map(|i| (i.value.id.as_str(), i))
            .collect();
    let list: Vec<serde_json::Value> = snap
        .boundaries
        .iter()
        .map(|b| {
            serde_json::json!({
                "name": b.value.name.value,
                "url": urls.boundary(&b.value.id),
                "sample": b.value.sample,
                "parties": b.value.parties.iter().map(|p| snap.department(&p.department).map_or(p.department.value.clone(), |d| if d.short_name.is_empty() { d.name.value.clone() } else { d.short_name.clone() })).collect::<Vec<_>>().join("、"),
            })
        })
        .collect();
    jobs.push(page(
        format!("{base}/boundaries/"),
        "boundaries.html",
        "职责边界",
        vec![],
        vec![("boundaries", serde_json::Value::Array(list))],
    ));
    for b in &snap.boundaries {
        let b = &b.value;
        let v = serde_json::json!({
            "name": b.name.value,
            "sample": b.sample,
            "description_html": markdown::to_html(&b.description),
            "coordination_html": markdown::to_html(&b.coordination),
            "basis_html": markdown::to_html(&b.basis),
            "parties": b.parties.iter().map(|p| serde_json::json!({
                "name": snap.department_name(&p.department),
                "url": urls.department(&p.department),
                "duty_html": markdown::to_html(&p.duty),
            })).collect::<Vec<_>>(),
            "items": b.items.iter().filter_map(|id| item_by_id.get(id.as_str())).map(|i| serde_json::json!({
                "name": i.value.name.value,
                "url": urls.item(&i.value.id),
                "department": snap.department_name(&i.folder),
            })).collect::<Vec<_>>(),
        });
        jobs.push(page(
            urls.boundary(&b.id),
            "boundary.html",
            &b.name,
            vec![("职责边界", format!("{base}/boundaries/"))],
            vec![("b", v)],
        ));
    }

    // Supervision measures.
    let mut depts = Vec::new();
    let mut measures = 0;
    let mut with = 0;
    for d in &site.view.departments {
        let mut rows = Vec::new();
        for i in snap
            .items_of(&d.id)
            .iter()
            .filter(|i| !i.value.supervision.is_empty())
        {
            with += 1;
            for s in &i.value.supervision {
                measures += 1;
                rows.push(serde_json::json!({
                    "name": i.value.name.value, "url": urls.item(&i.value.id),
                    "method": s.method.value, "object": s.object, "frequency": s.frequency, "sample": s.sample,
                }));
            }
        }
        if !rows.is_empty() {
            depts.push(serde_json::json!({"name": d.name, "rows": rows}));
        }
    }
    jobs.push(page(
        format!("{base}/supervision/"),
        "supervision.html",
        "事中事后监管措施",
        vec![],
        vec![(
            "supervision",
            serde_json::json!({"items": with, "measures": measures, "departments": depts}),
        )],
    ));

    // Data downloads.
    let file = |rel: &str, label: &str| serde_json::json!({"url": format!("{base}/data/{rel}"), "label": label, "format": rel.rsplit('.').next().unwrap_or("").to_uppercase(), "size": ""});
    let data = serde_json::json!({
        "all": [file("qingdan.xlsx", "整个清单（Excel）"), file("qingdan.csv", "整个清单（CSV）"), file("qingdan.json", "整个清单（JSON）")],
        "departments": site.view.departments.iter().map(|d| serde_json::json!({
            "name": d.name,
            "files": (["xlsx", "csv", "json"].iter().map(|ext| file(&format!("departments/{}.{ext}", d.id), ext)).collect::<Vec<_>>()),
        })).collect::<Vec<_>>(),
        "columns": crate::export::COLUMNS.join("、"),
    });
    jobs.push(page(
        format!("{base}/data/"),
        "data.html",
        "数据下载",
        vec![],
        vec![("data", data)],
    ));

    // Editions and their adjustments.
    let current: std::collections::HashSet<&str> =
        snap.items.iter().map(|i| i.value.id.as_str()).collect();
    let mut rows: Vec<serde_json::Value> = Vec::new();
    let mut chart_rows: Vec<(String, usize)> = Vec::new();
    for (i, e) in history.editions.iter().enumerate() {
        let d = i.checked_sub(1).and_then(|p| history.diffs.get(p));
        chart_rows.push((format!("{} 版", e.edition), e.items));
        rows.push(serde_json::json!({
            "edition": e.edition, "published": e.published, "document": e.document,
            "items": e.items,
            "url": d.map(|_| format!("{base}/editions/{}/", editions::slug(&e.edition))).unwrap_or_default(),
            "counts": d.map(|d| crate::diff::Kind::ALL.iter().map(|k| serde_json::json!({"label": k.zh(), "count": d.summary.count(*k)})).collect::<Vec<_>>()).unwrap_or_default(),
            "changed": d.map_or(0, |d| d.summary.changed()),
            "undeclared": d.map_or(0, |d| d.summary.undeclared),
            "reduction": d.map(|d| format!("{:.1}%", editions::reduction(d.summary.old_items, d.summary.new_items))).unwrap_or_default(),
        }));
    }
    let editions_chart = if chart_rows.len() > 1 {
        charts::bars("各版清单的事项数", &chart_rows, "chart-editions")
    } else {
        String::new()
    };
    let latest = history
        .diffs
        .last()
        .map(|d| {
            let rows: Vec<(String, usize)> = crate::diff::Kind::ALL
                .iter()
                .map(|k| (k.zh().to_string(), d.summary.count(*k)))
                .collect();
            charts::bars(&format!("{} 版各类调整的数量", d.new), &rows, "chart-kinds")
        })
        .unwrap_or_default();
    jobs.push(page(
        format!("{base}/editions/"),
        "editions.html",
        "动态调整",
        vec![],
        vec![(
            "editions",
            serde_json::json!({"rows": rows, "chart": editions_chart, "kinds_chart": latest, "warnings": history.warnings}),
        )],
    ));
    for (i, d) in history.diffs.iter().enumerate() {
        let view =
            editions::adjustment_view(d, history.editions.get(i + 1), Some(&urls), Some(&current));
        jobs.push(page(
            format!("{base}/editions/{}/", editions::slug(&d.new)),
            "adjustment.html",
            &format!("{} 版清单调整", d.new),
            vec![("动态调整", format!("{base}/editions/"))],
            vec![("adj", serde_json::to_value(&view)?)],
        ));
    }
    w.write(
        "editions/feed.xml",
        editions::atom(
            history,
            &site.view.title,
            base,
            site.base_url.as_deref().unwrap_or(""),
        )
        .as_bytes(),
    )?;

    // Items no longer in the list keep their address: what became of them (citizen.rs).
    for t in citizen::tombstones(history, snap, &urls) {
        let (url, name) = (t.url.clone(), t.name.clone());
        jobs.push(page(
            url,
            "tombstone.html",
            &name,
            vec![("动态调整", format!("{base}/editions/"))],
            vec![("tomb", serde_json::to_value(&t)?)],
        ));
    }

    let urls_out: Vec<String> = jobs
        .iter()
        .map(|(u, _, _)| u.clone())
        .filter(|u| !u.ends_with("404.html"))
        .collect();
    let count = jobs.len();
    jobs.into_par_iter()
        .try_for_each(|(url, template, ctx)| render_page(tera, &template, &ctx, w, &url))?;
    Ok((count, urls_out))
}

/// Open data: the whole list and each department, as xlsx, CSV and JSON, but for the whole
/// list's xlsx (`write_whole_xlsx`). Each department's CSV and JSON are cut out of the whole list's files (its items are a run of them, the snapshot
/// being sorted by department folder): rows are made and escaped once, and no file is built in
/// memory first.
fn write_data(snap: &Snapshot, w: &Writer) -> Result<usize, Error> {
    let items = || snap.items.iter().map(|i| &*i.value);
    let runs: Vec<std::ops::Range<usize>> = snap
        .departments
        .iter()
        .map(|d| snap.item_run(&d.folder))
        .collect();
    // Each department's file `data/departments/<folder>.<ext>`, in parallel.
    type Out = std::io::BufWriter<std::fs::File>;
    type Make<'a> = dyn Fn(
            &crate::snapshot::Entry<crate::model::Department>,
            std::ops::Range<usize>,
            &mut Out,
        ) -> Result<(), Error>
        + Sync
        + 'a;
    let each_department = |ext: &str, make: &Make| {
        snap.departments
            .par_iter()
            .zip(&runs)
            .try_for_each(|(d, run)| {
                let rel = format!("data/departments/{}.{ext}", d.folder);
                let mut out = w.create(&rel)?;
                make(d, run.clone(), &mut out).map_err(|e| e.written_to(&w.dir.join(&rel)))?;
                w.finish(&rel, out)
            })
    };
    let csv = || -> Result<(), Error> {
        let rel = "data/qingdan.csv";
        let layout = timed("data: whole csv", || {
            crate::export::write_csv(snap, items(), w.create(rel)?)
                .map_err(|e| e.written_to(&w.dir.join(rel)))
        })?;
        let whole = w.dir.join(rel);
        each_department("csv", &|_, run, out| {
            crate::export::cut_csv(&whole, &layout, run, out)
        })
    };
    let json = || -> Result<(), Error> {
        let rel = "data/qingdan.json";
        let layout = timed("data: whole json", || {
            crate::export::write_json(
                snap,
                snap.departments.iter().map(|d| &d.value),
                items(),
                w.create(rel)?,
            )
            .map_err(|e| e.written_to(&w.dir.join(rel)))
        })?;
        let whole = w.dir.join(rel);
        each_department("json", &|d, run, out| {
            crate::export::cut_json(snap, &d.value, &whole, &layout, run, out)
        })
    };
    let department_xlsx = || -> Result<(), Error> {
        timed("data: department xlsx", || {
            each_department("xlsx", &|d, run, out| {
                crate::export::write_xlsx(
                    &crate::export::heading(snap, Some(&d.folder)),
                    crate::export::rows(snap, snap.items[run].iter().map(|i| &*i.value)),
                    out,
                )
            })
        })
    };
    let (a, (b, c)) = rayon::join(department_xlsx, || rayon::join(csv, json));
    a.and(b).and(c)?;
    Ok(2 + 3 * snap.departments.len())
}

/// The whole list's xlsx: one worksheet, written row by row in order on one thread (about 1.5 s
/// at 100,000 items), so `render_into` starts it first, on a thread of its own.
fn write_whole_xlsx(snap: &Snapshot, w: &Writer) -> Result<usize, Error> {
    timed("data: whole xlsx", || {
        let rel = "data/qingdan.xlsx";
        let mut out = w.create(rel)?;
        crate::export::write_xlsx(
            &crate::export::heading(snap, None),
            crate::export::rows(snap, snap.items.iter().map(|i| &*i.value)),
            &mut out,
        )
        .map_err(|e| e.written_to(&w.dir.join(rel)))?;
        w.finish(rel, out)?;
        Ok(1)
    })
}

fn write_sitemap(w: &Writer, urls: &[String], base_url: Option<&str>) -> Result<(), Error> {
    let origin = base_url
        .and_then(|u| {
            u.split_once("://").map(|(scheme, rest)| {
                format!("{scheme}://{}", rest.split('/').next().unwrap_or(""))
            })
        })
        .unwrap_or_default();
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for u in urls {
        xml.push_str(&format!(
            "<url><loc>{}{}</loc></url>\n",
            markdown::escape(&origin),
            markdown::escape(u)
        ));
    }
    xml.push_str("</urlset>\n");
    w.write("sitemap.xml", xml.as_bytes())?;
    let mut robots = String::from("User-agent: *\nAllow: /\n");
    if let Some(b) = base_url {
        robots.push_str(&format!(
            "Sitemap: {}/sitemap.xml\n",
            b.trim_end_matches('/')
        ));
    }
    w.write("robots.txt", robots.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file the build writes is always a new file: a hard link into the previous site is
    /// replaced, never written through, and missing folders are made.
    #[test]
    fn writer_makes_new_files() {
        let tmp = tempfile::tempdir().unwrap();
        let old = tmp.path().join("old.html");
        std::fs::write(&old, "old").unwrap();
        let dir = tmp.path().join("site");
        std::fs::create_dir_all(dir.join("items")).unwrap();
        std::fs::hard_link(&old, dir.join("items/a.html")).unwrap();
        let w = Writer {
            dir: &dir,
            base: "",
        };
        w.page("/items/a.html", b"new").unwrap();
        w.page("/departments/x/", b"dept").unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.join("items/a.html")).unwrap(),
            "new"
        );
        assert_eq!(
            std::fs::read_to_string(&old).unwrap(),
            "old",
            "the link's target is untouched"
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("departments/x/index.html")).unwrap(),
            "dept"
        );
        let mut f = w.create("data/a.csv").unwrap();
        std::io::Write::write_all(&mut f, b"a,b").unwrap();
        drop(f);
        assert_eq!(std::fs::read(dir.join("data/a.csv")).unwrap(), b"a,b");
    }
}
