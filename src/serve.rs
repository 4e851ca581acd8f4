//! `qingdan serve`: build the site when the lists changed, then serve it over HTTP (axum +
//! tower-http's static files, which refuse paths that leave the site folder). Hidden files and
//! the search index folder (`_index/`) are never served; unknown paths get the site's 404 page
//! with status 404.
//!
//! Searches with no result or results of low confidence are appended to the search log
//! (`crate::searchlog`) through a queue that never makes a request wait.
//!
//! With `--watch`, a change in the lists folder rebuilds the site (the old one stays served when
//! the lists no longer pass `check`, and the errors go to the terminal), and open pages reload:
//! HTML responses then carry a script that listens to `/_qingdan/events` (Server-Sent Events).
//!
//! Item pages' feedback forms post to `/_qingdan/feedback` (see `feedback`): refused when from
//! another site (Origin or Referer not this Host: 403), too often from one client (429), too
//! large (413) or invalid (400/404); stored, then thanked for with a page linking back.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::Body;
use axum::extract::{Query, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Json, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tokio::sync::broadcast;
use tower_http::services::{ServeDir, ServeFile};
use walkdir::WalkDir;

use crate::Error;
use crate::render::MARKER;

/// Newest modification time of any file or folder under `dir` (a folder's changes when a file
/// in it is deleted or renamed). Hidden ones (`.git` …) are skipped, as the loader skips them.
fn newest(dir: &Path) -> Option<SystemTime> {
    WalkDir::new(dir)
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'))
        .filter_map(Result::ok)
        .filter_map(|e| e.metadata().ok()?.modified().ok())
        .max()
}

/// Is `name` an editor's hidden, backup or swap file, not part of the lists?
fn ignored_name(name: &str) -> bool {
    name.starts_with('.') || name.ends_with('~') || name.ends_with(".swp") || name.ends_with(".tmp")
}

/// Is `path` a file of the lists (not an editor's hidden, backup or swap file)?
fn relevant_path(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| !ignored_name(n))
}

/// The files and folders under `dir` modified at or after `since` (a folder is, when a file in
/// it was made, deleted or renamed), skipping what `relevant` skips: what changed while the
/// watcher's events were lost. The inotify queue holds 16,384 events and every file opened in a
/// watched folder is one: a `grep -r`, `find` or editor reading a province's 500,000 files
/// overflows it without changing anything.
fn changed_since(dir: &Path, since: SystemTime) -> Vec<PathBuf> {
    WalkDir::new(dir)
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !ignored_name(&e.file_name().to_string_lossy()))
        .filter_map(Result::ok)
        .filter(|e| {
            e.metadata()
                .ok()
                .and_then(|m| m.modified().ok())
                .is_some_and(|t| t >= since)
        })
        .map(walkdir::DirEntry::into_path)
        .collect()
}

/// What `serve` builds: the site of `lists` in `out`, for no base URL, with the built-in
/// templates. `needs_build` compares a site's marker with these same options.
pub fn options(
    lists: &Path,
    out: &Path,
    votes: Option<std::collections::HashMap<String, crate::feedback::Votes>>,
) -> crate::render::Options {
    crate::render::Options {
        lists: lists.to_path_buf(),
        out: out.to_path_buf(),
        base_url: None,
        templates: None,
        feedback_served: true,
        votes,
    }
}

/// Does the site in `out` need building from `lists`? Yes when it was built from other lists or
/// by another qingdan version, or when anything in `lists` changed since.
pub fn needs_build(lists: &Path, out: &Path) -> bool {
    let marker = out.join(MARKER);
    let wanted = crate::render::marker(&options(lists, out, None));
    if std::fs::read_to_string(&marker).ok() != Some(wanted) {
        return true;
    }
    let built = std::fs::metadata(&marker).and_then(|m| m.modified());
    match (built, newest(lists)) {
        (Ok(built), Some(changed)) => changed > built,
        _ => true,
    }
}

/// Longest request path answered at all.
const MAX_PATH: usize = 2048;

async fn guard(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if path.len() > MAX_PATH {
        return (StatusCode::URI_TOO_LONG, "请求的地址太长").into_response();
    }
    // Hidden files, the search index and names no file system allows (which would make the
    // file server fail with 500) are simply not there.
    let refused = path
        .split('/')
        .any(|segment| segment.starts_with('.') || segment == "_index" || segment.len() > 255);
    if refused {
        return (StatusCode::NOT_FOUND, "404").into_response();
    }
    next.run(request).await
}

/// One jurisdiction's search: its own index (whose statistics are its static index's), the
/// templates with its site's data, its path prefix.
pub struct Local {
    searcher: Arc<crate::index::Searcher>,
    tera: tera::Tera,
    base: String,
}

impl Local {
    /// The search of the site in `dir` (the root site, or a lower jurisdiction's below `j/`
    /// built with an index of its own).
    fn open(dir: &Path, templates: &tera::Tera) -> Result<Local, Error> {
        let index = dir.join(crate::index::DIR);
        let searcher = crate::index::Searcher::open(&index)?;
        Ok(Local::new(searcher, &index, templates))
    }

    /// The search of `searcher`, with the site data in the index folder `index`.
    fn new(searcher: crate::index::Searcher, index: &Path, templates: &tera::Tera) -> Local {
        let mut tera = templates.clone();
        let view: serde_json::Value = std::fs::read(index.join("site.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        let base = view["base"].as_str().unwrap_or("").to_string();
        // Without the site's data (a site built by another version) the search page says so
        // when it is rendered.
        let _ = crate::render::templates::set_site(&mut tera, &view);
        Local {
            searcher: Arc::new(searcher),
            tera,
            base,
        }
    }
}

/// Lower jurisdictions' searches kept open at once (a province has about 1,100 jurisdictions;
/// the least recently used is closed first). `QINGDAN_OPEN_INDEXES` sets another number.
const OPEN_INDEXES: usize = 32;

/// What the search routes need: the root site's search, the lower jurisdictions' (opened on
/// first use, a bounded number kept open) and the whole-tree index (opened on first use).
pub struct App {
    root: Arc<Local>,
    site: PathBuf,
    /// The templates as parsed, without any site's data (each `Local` takes a copy).
    templates: tera::Tera,
    lower: std::sync::Mutex<lru::LruCache<String, Arc<Local>>>,
    /// The site was built from a multi-level repository (it has the whole-tree index).
    has_tree: bool,
    tree: std::sync::OnceLock<Option<Arc<crate::index::Searcher>>>,
}

impl App {
    pub fn open(site: &Path) -> Result<App, Error> {
        let templates = crate::render::templates::load(None)?;
        let root = Local::open(site, &templates)?;
        let open = std::env::var("QINGDAN_OPEN_INDEXES")
            .ok()
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(std::num::NonZeroUsize::new)
            .or(std::num::NonZeroUsize::new(OPEN_INDEXES))
            .unwrap_or(std::num::NonZeroUsize::MIN);
        let has_tree = site
            .join(crate::index::DIR)
            .join(crate::index::tree::DIR)
            .join("meta.json")
            .exists();
        Ok(App {
            root: Arc::new(root),
            site: site.to_path_buf(),
            templates,
            lower: std::sync::Mutex::new(lru::LruCache::new(open)),
            has_tree,
            tree: std::sync::OnceLock::new(),
        })
    }

    /// The search after a partial rebuild of the sites `rels` (`j/<path>`): the root's and the
    /// other jurisdictions' searches as they were (their indexes did not change), the rebuilt
    /// ones opened again on first use, and the whole-tree index kept until it is written again
    /// (`with_new_tree`). Opening everything again cost a province's whole-tree index twice
    /// per edit, the first time for the old index.
    fn after_rebuild(&self, rels: &[String]) -> App {
        let lower = self.lower.lock().ok().map(|c| {
            let mut kept = lru::LruCache::new(c.cap());
            // Least recently used first, so that the order of use stays.
            for (path, l) in c.iter().rev() {
                let rebuilt =
                    crate::index::tree::site_rel(path).is_none_or(|rel| rels.contains(&rel));
                if !rebuilt {
                    kept.put(path.clone(), l.clone());
                }
            }
            kept
        });
        let tree = std::sync::OnceLock::new();
        if let Some(t) = self.tree.get() {
            let _ = tree.set(t.clone());
        }
        self.copy(lower, tree)
    }

    /// The search once the whole-tree index was written again: the root's as before, the new
    /// index (opened by `warm`) and the lower jurisdictions' searches taken from it again on
    /// first use (each is a part of the whole-tree index: `Searcher::part`).
    fn with_new_tree(&self) -> App {
        self.copy(None, std::sync::OnceLock::new())
    }

    fn copy(
        &self,
        lower: Option<lru::LruCache<String, Arc<Local>>>,
        tree: std::sync::OnceLock<Option<Arc<crate::index::Searcher>>>,
    ) -> App {
        let cap = std::num::NonZeroUsize::new(OPEN_INDEXES).unwrap_or(std::num::NonZeroUsize::MIN);
        App {
            root: self.root.clone(),
            site: self.site.clone(),
            templates: self.templates.clone(),
            lower: std::sync::Mutex::new(lower.unwrap_or_else(|| lru::LruCache::new(cap))),
            has_tree: self.has_tree,
            tree,
        }
    }

    /// The search of lower jurisdiction `path` (`dszq`, `a/b`), opened if it is not open;
    /// `None` when there is no such jurisdiction or its site has no index. Blocking.
    fn lower(&self, path: &str) -> Option<Arc<Local>> {
        let rel = crate::index::tree::site_rel(path)?;
        let cached = self
            .lower
            .lock()
            .ok()
            .and_then(|mut c| c.get(path).cloned());
        if let Some(l) = cached {
            return Some(l);
        }
        let dir = self.site.join(rel);
        let index = dir.join(crate::index::DIR);
        let opened = if index.join("meta.json").is_file() {
            // Built before lower jurisdictions were searched in the whole-tree index.
            Local::open(&dir, &self.templates)
        } else if index.join("site.json").is_file() {
            // Its documents in the whole-tree index (opened on first use).
            let part = self.tree()?.part(path, &index)?;
            Ok(Local::new(part, &index, &self.templates))
        } else {
            return None;
        };
        match opened {
            Ok(l) => {
                let l = Arc::new(l);
                if let Ok(mut c) = self.lower.lock() {
                    c.put(path.to_string(), l.clone());
                }
                Some(l)
            }
            Err(e) => {
                log(&format!("搜索 /{path}/ 不可用：{e}"));
                None
            }
        }
    }

    /// Open the whole-tree index on a thread of its own, so that the first whole-tree search
    /// does not wait for it (a province's tree takes seconds to open).
    fn warm(self: Arc<Self>) {
        if self.has_tree {
            std::thread::spawn(move || {
                self.tree();
            });
        }
    }

    /// The whole-tree index, opened on first use; `None` when the site has none. Blocking.
    fn tree(&self) -> Option<Arc<crate::index::Searcher>> {
        if !self.has_tree {
            return None;
        }
        self.tree
            .get_or_init(|| {
                let dir = self
                    .site
                    .join(crate::index::DIR)
                    .join(crate::index::tree::DIR);
                match crate::index::Searcher::open(&dir) {
                    Ok(s) => Some(Arc::new(s)),
                    Err(e) => {
                        log(&format!("整个区划树的搜索不可用：{e}"));
                        None
                    }
                }
            })
            .clone()
    }
}

/// Query parameters, all optional and all text, so nothing a user types is rejected unread.
#[derive(Deserialize, Default, Clone)]
pub struct Params {
    q: Option<String>,
    department: Option<String>,
    category: Option<String>,
    page: Option<String>,
    /// Set by `search.js` while the visitor is still typing: answered, not logged (a prefix
    /// is not a search).
    live: Option<String>,
    /// `all`: search every jurisdiction of a multi-level repository (the whole-tree index);
    /// anything else: this site's jurisdiction only.
    scope: Option<String>,
    /// With `scope=all`: results of jurisdictions of this level (县级 …).
    level: Option<String>,
    /// With `scope=all`: results of this jurisdiction (`.` the root, `dszq` …).
    j: Option<String>,
}

impl Params {
    fn all(&self) -> bool {
        self.scope.as_deref() == Some("all")
    }
}

/// Longest query accepted, in bytes (a longer one is an error, not a slow search).
const MAX_QUERY_BYTES: usize = 1000;
const PER_PAGE: usize = 10;
const MAX_PAGE: usize = 1000;

fn bad(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(serde_json::json!({ "error": message })),
    )
        .into_response()
}

/// Check the parameters: (query, page) or a 400 message.
fn validate(p: &Params) -> Result<(String, usize), &'static str> {
    let q = p.q.clone().unwrap_or_default();
    if q.len() > MAX_QUERY_BYTES {
        return Err("查询太长：最多 1000 字节");
    }
    let page = match p.page.as_deref().map(str::trim) {
        None | Some("") => 1,
        Some(s) => match s.parse::<usize>() {
            Ok(n) if (1..=MAX_PAGE).contains(&n) => n,
            _ => return Err("page 应为 1 到 1000 之间的整数"),
        },
    };
    Ok((q, page))
}

fn request(p: &Params, q: String, page: usize) -> crate::index::Request {
    let short = |v: &Option<String>| v.clone().filter(|s| !s.is_empty() && s.len() < 200);
    let all = p.all();
    crate::index::Request {
        q,
        department: short(&p.department),
        category: short(&p.category),
        limit: PER_PAGE,
        offset: (page - 1) * PER_PAGE,
        level: short(&p.level).filter(|_| all),
        jurisdiction: short(&p.j).filter(|_| all),
    }
}

type Rejected = axum::extract::rejection::QueryRejection;

/// Which site a search request was made on: the root's (`/search/`) or a lower
/// jurisdiction's (`/j/<path>/search/`).
#[derive(Clone)]
enum Place {
    Root,
    Lower(String),
}

/// The site's search of `place`, opened if need be (on the search threads); `None` when it
/// has none.
async fn local(shared: &Shared, app: &Arc<App>, place: &Place) -> Option<Arc<Local>> {
    match place {
        Place::Root => Some(app.root.clone()),
        Place::Lower(path) => {
            let (app, path) = (app.clone(), path.clone());
            shared.blocking(move || app.lower(&path)).await.flatten()
        }
    }
}

fn not_found_json(message: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(serde_json::json!({ "error": message })),
    )
        .into_response()
}

async fn api_search(
    State(shared): State<Shared>,
    params: Result<Query<Params>, Rejected>,
) -> Response {
    api_answer(shared, Place::Root, params.map(|Query(p)| p).ok()).await
}

/// `/api/search` of the root site or of a lower jurisdiction's (`place`); `None` parameters
/// could not be read.
async fn api_answer(shared: Shared, place: Place, params: Option<Params>) -> Response {
    let Some(app) = shared.app() else {
        return not_found_json("搜索不可用：网站没有搜索索引");
    };
    let Some(p) = params else {
        return bad("查询参数的编码不对");
    };
    let (q, page) = match validate(&p) {
        Ok(v) => v,
        Err(m) => return bad(m),
    };
    let searcher = if p.all() {
        let a = app.clone();
        match shared.blocking(move || a.tree()).await.flatten() {
            Some(s) => s,
            None => return not_found_json("这个网站没有整个区划树的搜索（不是多级清单）"),
        }
    } else {
        match local(&shared, &app, &place).await {
            Some(l) => l.searcher.clone(),
            None => return not_found_json("这个区划的网站没有搜索索引"),
        }
    };
    let req = request(&p, q, page);
    let logged = shared.logs(&p, page);
    match shared.search(searcher.clone(), req.clone(), logged).await {
        Some(Ok((r, a))) => {
            shared.consider(&searcher, &req, &r, a);
            Json(r).into_response()
        }
        _ => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({ "error": "搜索暂时不可用" })),
        )
            .into_response(),
    }
}

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

async fn search_page(
    State(shared): State<Shared>,
    params: Result<Query<Params>, Rejected>,
) -> Response {
    page_answer(shared, Place::Root, params.map(|Query(p)| p).ok()).await
}

/// The static search page of the site in `dir` (search.js searches in the browser).
fn static_page(dir: &Path) -> Response {
    match std::fs::read(dir.join("search/index.html")) {
        Ok(html) => Html(html).into_response(),
        Err(_) => (StatusCode::NOT_FOUND, "404").into_response(),
    }
}

/// The search page of the root site or of a lower jurisdiction's (`place`), rendered on the
/// server: this jurisdiction's results, or with `scope=all` the whole tree's.
async fn page_answer(shared: Shared, place: Place, params: Option<Params>) -> Response {
    let dir = match &place {
        Place::Root => shared.site.clone(),
        Place::Lower(path) => match crate::index::tree::site_rel(path) {
            Some(rel) => shared.site.join(rel),
            None => return (StatusCode::NOT_FOUND, "404").into_response(),
        },
    };
    let Some(app) = shared.app() else {
        // No index to search on the server: the static search page does it in the browser.
        return static_page(&dir);
    };
    let Some(site) = local(&shared, &app, &place).await else {
        return static_page(&dir);
    };
    let Some(p) = params else {
        return (
            StatusCode::BAD_REQUEST,
            Html("<p>查询参数的编码不对</p>".to_string()),
        )
            .into_response();
    };
    let (q, page) = match validate(&p) {
        Ok(v) => v,
        Err(m) => return (StatusCode::BAD_REQUEST, Html(format!("<p>{m}</p>"))).into_response(),
    };
    // The whole-tree index only when asked for (a jurisdiction's own search does not wait
    // for it to open).
    let tree = if app.has_tree && p.all() {
        let a = app.clone();
        shared.blocking(move || a.tree()).await.flatten()
    } else {
        None
    };
    // Whole-tree search asked for on a site without it: this jurisdiction's, said so.
    let all = p.all() && tree.is_some();
    let searcher = match (&tree, all) {
        (Some(t), true) => t.clone(),
        _ => site.searcher.clone(),
    };
    let req = request(&p, q.clone(), page);
    let req = if all {
        req
    } else {
        crate::index::Request {
            level: None,
            jurisdiction: None,
            ..req
        }
    };
    let logged = shared.logs(&p, page);
    let result = if q.trim().is_empty() {
        None
    } else {
        match shared.search(searcher.clone(), req.clone(), logged).await {
            Some(Ok((r, a))) => {
                shared.consider(&searcher, &req, &r, a);
                Some(r)
            }
            _ => None,
        }
    };
    let total = result.as_ref().map_or(0, |r| r.total);
    let pages = total.div_ceil(PER_PAGE).max(1);
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let (level, j) = if all {
        (opt(&p.level), opt(&p.j))
    } else {
        (String::new(), String::new())
    };
    let link = |n: usize| {
        let mut u = format!(
            "{}/search/?q={}&department={}&category={}",
            site.base,
            enc(&q),
            enc(p.department.as_deref().unwrap_or("")),
            enc(p.category.as_deref().unwrap_or(""))
        );
        if all {
            u.push_str(&format!("&scope=all&level={}&j={}", enc(&level), enc(&j)));
        }
        u.push_str(&format!("&page={n}"));
        u
    };
    let facets = result.as_ref().map(|r| &r.facets);
    // The whole tree's facets as choices of the form (with their counts); the one chosen
    // stays a choice when nothing is found.
    let choices = |list: Option<&Vec<crate::index::FacetCount>>, chosen: &str, by_id: bool| {
        let mut v: Vec<serde_json::Value> = list
            .into_iter()
            .flatten()
            .map(|f| {
                let value = if by_id {
                    f.id.clone().unwrap_or_default()
                } else {
                    f.name.clone()
                };
                serde_json::json!({"value": value, "name": f.name, "count": f.count, "level": f.level})
            })
            .collect();
        if !chosen.is_empty() && !v.iter().any(|c| c["value"] == chosen) {
            v.push(serde_json::json!({"value": chosen, "name": chosen, "count": 0}));
        }
        v
    };
    let search = serde_json::json!({
        "q": q,
        "department": p.department.clone().unwrap_or_default(),
        "category": p.category.clone().unwrap_or_default(),
        "total": total,
        "hits": result.as_ref().map(|r| &r.hits),
        "expanded": result.as_ref().map(|r| r.expanded.clone()).unwrap_or_default(),
        "did_you_mean": result.as_ref().and_then(|r| r.did_you_mean.clone()),
        "did_you_mean_q": result.as_ref().and_then(|r| r.did_you_mean.as_deref().map(enc)),
        "page": page,
        "pages": pages,
        "first": (page - 1) * PER_PAGE + 1,
        "prev": (page > 1).then(|| link(page - 1)),
        "next": (page < pages).then(|| link(page + 1)),
        // A multi-level repository under serve: the scope control and the whole tree's facets.
        "tree": app.has_tree,
        "all": all,
        "level": level,
        "j": j,
        "levels": choices(facets.and_then(|f| f.level.as_ref()), &level, false),
        "places": choices(facets.and_then(|f| f.jurisdiction.as_ref()), &j, true),
        "departments": facets.map(|f| f.department.clone()).unwrap_or_default(),
        "asked_all": p.all(),
    });
    let mut ctx = tera::Context::new();
    let title = if q.is_empty() {
        "搜索".to_string()
    } else {
        format!("搜索：{q}")
    };
    ctx.insert("search", &search);
    ctx.insert(
        "breadcrumb",
        &serde_json::json!([{"name": "首页", "url": format!("{}/", site.base)}, {"name": "搜索", "url": format!("{}/search/", site.base)}]),
    );
    ctx.insert(
        "page",
        &serde_json::json!({"title": title, "description": "搜索权责清单事项", "url": format!("{}/search/", site.base), "url_full": ""}),
    );
    match site.tera.render("search.html", &ctx) {
        Ok(html) => Html(html).into_response(),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "页面生成出错").into_response(),
    }
}

/// The search routes of lower jurisdictions' sites: `/j/<path>/search/` (and `/search`) and
/// `/j/<path>/api/search`, answered as the root's are, from that jurisdiction's own index.
/// Other requests go on to the files.
async fn lower_search(State(shared): State<Shared>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let Some(rest) = path.strip_prefix("/j/") else {
        return next.run(request).await;
    };
    let (place, api) = if let Some(p) = rest.strip_suffix("/api/search") {
        (p, true)
    } else if let Some(p) = rest
        .strip_suffix("/search/")
        .or_else(|| rest.strip_suffix("/search"))
    {
        (p, false)
    } else {
        return next.run(request).await;
    };
    if request.method() != axum::http::Method::GET && request.method() != axum::http::Method::HEAD {
        return next.run(request).await;
    }
    let Ok(place) = percent_encoding::percent_decode_str(place).decode_utf8() else {
        return (StatusCode::NOT_FOUND, "404").into_response();
    };
    if crate::index::tree::site_rel(&place).is_none() {
        return (StatusCode::NOT_FOUND, "404").into_response();
    }
    let place = Place::Lower(place.into_owned());
    let params = Query::<Params>::try_from_uri(request.uri())
        .ok()
        .map(|Query(p)| p);
    if api {
        api_answer(shared, place, params).await
    } else {
        page_answer(shared, place, params).await
    }
}

/// A response and, when asked for, its assessment.
type Searched = (crate::index::Response, Option<crate::index::Assessment>);

/// What the feedback endpoint needs: the store, the limiter and, from the built site, the items
/// feedback may be about and the templates of its answer pages (both replaced after a rebuild).
pub struct Feedback {
    store: std::sync::Mutex<crate::feedback::Store>,
    limiter: crate::feedback::RateLimiter,
    pages: RwLock<Arc<FeedbackPages>>,
}

struct FeedbackPages {
    /// The items of each site: the root's first, then each lower jurisdiction's (a multi-level
    /// repository), by its folder in the site ("j/dszq"): after an edit inside one
    /// jurisdiction only its table is read again.
    sites: Vec<(
        String,
        Arc<std::collections::HashMap<String, crate::feedback::ItemInfo>>,
    )>,
    tera: Arc<Option<tera::Tera>>,
}

impl FeedbackPages {
    fn get(&self, id: &str) -> Option<&crate::feedback::ItemInfo> {
        self.sites.iter().find_map(|(_, items)| items.get(id))
    }

    /// The items of the site at `rel` ("" the root).
    fn read_items(
        site: &Path,
        rel: &str,
    ) -> Option<std::collections::HashMap<String, crate::feedback::ItemInfo>> {
        let index = if rel.is_empty() {
            site.join(crate::index::DIR)
        } else {
            site.join(rel).join(crate::index::DIR)
        };
        std::fs::read(index.join(crate::feedback::ITEMS_FILE))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
    }

    fn load(site: &Path) -> FeedbackPages {
        use rayon::prelude::*;
        let index = site.join(crate::index::DIR);
        let items = Self::read_items(site, "");
        if items.is_none() {
            log(&format!(
                "意见反馈：网站中没有 {}/{}，收不到任何事项的反馈；请重新生成网站。",
                crate::index::DIR,
                crate::feedback::ITEMS_FILE
            ));
        }
        let lower: Vec<String> = std::fs::read(index.join(crate::feedback::LOWER_SITES_FILE))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        let mut sites = vec![(String::new(), Arc::new(items.unwrap_or_default()))];
        sites.par_extend(lower.into_par_iter().map(|rel| {
            let items = Self::read_items(site, &rel).unwrap_or_default();
            (rel, Arc::new(items))
        }));
        let view: serde_json::Value = std::fs::read(index.join("site.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        let tera = crate::render::templates::load(None).ok().and_then(|mut t| {
            crate::render::templates::set_site(&mut t, &view)
                .ok()
                .map(|()| t)
        });
        FeedbackPages {
            sites,
            tera: Arc::new(tera),
        }
    }

    /// The same, with the items of the sites `rels` read again.
    fn reload(&self, site: &Path, rels: &[String]) -> FeedbackPages {
        FeedbackPages {
            sites: self
                .sites
                .iter()
                .map(|(rel, items)| {
                    if rels.contains(rel) {
                        let fresh = Self::read_items(site, rel).unwrap_or_default();
                        (rel.clone(), Arc::new(fresh))
                    } else {
                        (rel.clone(), items.clone())
                    }
                })
                .collect(),
            tera: self.tera.clone(),
        }
    }
}

impl Feedback {
    pub fn new(
        site: &Path,
        store: crate::feedback::Store,
        per_minute: u32,
        burst: u32,
    ) -> Feedback {
        Feedback {
            store: std::sync::Mutex::new(store),
            limiter: crate::feedback::RateLimiter::new(per_minute, burst),
            pages: RwLock::new(Arc::new(FeedbackPages::load(site))),
        }
    }

    /// The "有帮助" counts, for a rebuild's item pages.
    pub fn votes(&self) -> Option<std::collections::HashMap<String, crate::feedback::Votes>> {
        let store = self
            .store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match store.votes() {
            Ok(v) => Some(v),
            Err(e) => {
                log(&format!("意见反馈：{e}"));
                None
            }
        }
    }

    fn pages(&self) -> Arc<FeedbackPages> {
        match self.pages.read() {
            Ok(p) => p.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }
}

/// Is a POST with these headers from this site? The browser's Origin (or, without it, the
/// Referer) must name the Host the request was sent to; a request with neither is not from a
/// browser's cross-site form (browsers send Origin with every cross-site POST) and is let in.
fn same_origin(headers: &axum::http::HeaderMap) -> bool {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    let authority = |url: &str| -> Option<String> {
        let (_, rest) = url.split_once("://")?;
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        Some(rest[..end].to_ascii_lowercase())
    };
    let claimed = match (headers.get(header::ORIGIN), headers.get(header::REFERER)) {
        (Some(origin), _) => origin.to_str().ok().and_then(authority),
        (None, Some(referer)) => referer.to_str().ok().and_then(authority),
        (None, None) => return true,
    };
    match (claimed, host) {
        (Some(c), Some(h)) => c == h.to_ascii_lowercase(),
        _ => false,
    }
}

/// An answer page of the feedback endpoint (the site's look; plain HTML if the templates fail).
fn feedback_page(
    pages: &FeedbackPages,
    status: StatusCode,
    title: &str,
    text: &str,
    item: Option<&crate::feedback::ItemInfo>,
) -> Response {
    let mut ctx = tera::Context::new();
    ctx.insert(
        "message",
        &serde_json::json!({
            "title": title,
            "text": text,
            "item_url": item.map(|i| i.url.as_str()),
            "item_name": item.map(|i| i.name.as_str()),
        }),
    );
    ctx.insert("breadcrumb", &serde_json::json!([]));
    ctx.insert(
        "page",
        &serde_json::json!({"title": title, "description": title, "url": "/_qingdan/feedback", "url_full": ""}),
    );
    let html = (*pages.tera)
        .as_ref()
        .and_then(|t| t.render("feedback.html", &ctx).ok())
        .unwrap_or_else(|| {
            let esc = crate::render::markdown::escape;
            format!(
                "<!DOCTYPE html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>{}</title><h1>{}</h1><p>{}</p></html>",
                esc(title),
                esc(title),
                esc(text)
            )
        });
    (status, [(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
}

/// A line for the terminal or the service's log; a closed stderr is no reason to fail a request.
fn log(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

async fn post_feedback(State(shared): State<Shared>, request: Request) -> Response {
    let Some(fb) = shared.feedback.clone() else {
        return (StatusCode::NOT_FOUND, "404").into_response();
    };
    let pages = fb.pages();
    // The body is read (bounded) before any answer, so that the connection stays usable for
    // the client's next request whatever the answer.
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, crate::feedback::MAX_BODY_BYTES).await;
    if !same_origin(&parts.headers) {
        return feedback_page(
            &pages,
            StatusCode::FORBIDDEN,
            "无法提交",
            "这份反馈不是从本网站的页面提交的，已拒绝。请打开本网站的事项页面，在页面下方的“意见反馈”中提交。",
            None,
        );
    }
    let peer = parts
        .extensions
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    if !fb.limiter.allow(peer, std::time::Instant::now()) {
        let mut r = feedback_page(
            &pages,
            StatusCode::TOO_MANY_REQUESTS,
            "提交太频繁",
            "您在短时间内提交了太多次反馈。请过一分钟再提交，或拨打政务服务便民热线 12345。",
            None,
        );
        r.headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("60"));
        return r;
    }
    let form_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';').next().is_some_and(|t| {
                t.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
        });
    if !form_type {
        return feedback_page(
            &pages,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "无法提交",
            "表单的格式不对（应为 application/x-www-form-urlencoded）；请在事项页面上的表单中提交。",
            None,
        );
    }
    let Ok(body) = body else {
        return feedback_page(
            &pages,
            StatusCode::PAYLOAD_TOO_LARGE,
            "内容太长",
            &format!(
                "提交的内容太长：反馈内容最多 {} 个字。请删减后再提交。",
                crate::feedback::MAX_TEXT_CHARS
            ),
            None,
        );
    };
    let form = crate::feedback::Form::parse(&body);
    let submission = match crate::feedback::validate(&form, |i| pages.get(i)) {
        Ok(s) => s,
        Err(e) => {
            let status = match e {
                crate::feedback::Invalid::UnknownItem => StatusCode::NOT_FOUND,
                _ => StatusCode::BAD_REQUEST,
            };
            let item = form.item.as_deref().and_then(|i| pages.get(i.trim()));
            return feedback_page(&pages, status, "无法提交", &e.message(), item);
        }
    };
    let fb2 = fb.clone();
    let sub = submission.clone();
    let stored = tokio::task::spawn_blocking(move || {
        // A panic elsewhere while holding the lock leaves the connection as SQLite left it
        // (each insert is one transaction): go on with it.
        let mut store = fb2
            .store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        store.insert(&sub, &crate::feedback::now())
    })
    .await;
    let info = &submission.info;
    match stored {
        Ok(Ok(_)) => {
            let text = match submission.kind {
                "helpful" | "unhelpful" => "您的评价已记录，它会帮助我们改进这一页。".to_string(),
                kind => format!(
                    "我们已收到您对“{}”（事项编码 {}）的{}，会转给{}处理。",
                    info.name,
                    info.code,
                    crate::feedback::label(kind),
                    info.department_name
                ),
            };
            feedback_page(&pages, StatusCode::OK, "谢谢您的反馈", &text, Some(info))
        }
        Ok(Err(crate::feedback::StoreError::Full)) => {
            log("意见反馈：数据库已满，拒绝了一条反馈");
            feedback_page(
                &pages,
                StatusCode::SERVICE_UNAVAILABLE,
                "暂时无法接收反馈",
                "网站的反馈已达到存储上限，暂时不能接收新的反馈。请拨打页面上的电话或政务服务便民热线 12345 反映。",
                Some(info),
            )
        }
        Ok(Err(e)) => {
            log(&format!("意见反馈：{e}"));
            feedback_page(
                &pages,
                StatusCode::INTERNAL_SERVER_ERROR,
                "提交没有成功",
                "保存反馈时出错，您的反馈没有保存。请稍后再试，或拨打政务服务便民热线 12345。",
                Some(info),
            )
        }
        Err(e) => {
            log(&format!("意见反馈：保存线程出错：{e}"));
            feedback_page(
                &pages,
                StatusCode::INTERNAL_SERVER_ERROR,
                "提交没有成功",
                "保存反馈时出错，您的反馈没有保存。请稍后再试，或拨打政务服务便民热线 12345。",
                Some(info),
            )
        }
    }
}

/// The search routes' state: the open index (replaced after each rebuild) and, when watching,
/// the channel that tells open pages to reload.
#[derive(Clone)]
pub struct Shared {
    site: PathBuf,
    feedback: Option<Arc<Feedback>>,
    app: Arc<RwLock<Option<Arc<App>>>>,
    reload: Option<broadcast::Sender<u64>>,
    /// Threads that search, one per core (none if they could not be started: then tokio's
    /// blocking threads do).
    pool: Option<Arc<rayon::ThreadPool>>,
    /// The search log (none with `--no-search-log`).
    log: Option<Arc<crate::searchlog::Log>>,
}

impl Shared {
    pub fn new(
        site: PathBuf,
        app: Option<App>,
        watching: bool,
        log: Option<Arc<crate::searchlog::Log>>,
        feedback: Option<Feedback>,
    ) -> Shared {
        Shared {
            log,
            site,
            feedback: feedback.map(Arc::new),
            app: Arc::new(RwLock::new(app.map(Arc::new))),
            reload: watching.then(|| broadcast::channel(16).0),
            pool: rayon::ThreadPoolBuilder::new()
                .thread_name(|n| format!("search-{n}"))
                // A search that panics answers 503 (its sender is dropped), not an abort.
                .panic_handler(|_| {})
                .build()
                .ok()
                .map(Arc::new),
        }
    }

    /// Runs a search on the search threads, first come first served, one per core. With
    /// tokio's blocking threads every waiting search ran at once, sharing the cores, so each
    /// took as long as several: under 8 concurrent requests p99 was 32 ms for searches of
    /// 0.3–3 ms. `None` when the search panicked. With `assess` (the search is to be
    /// considered for the log), also how well the first hit answers the query, on the same
    /// thread (one jieba pass over the query).
    async fn search(
        &self,
        searcher: Arc<crate::index::Searcher>,
        req: crate::index::Request,
        assess: bool,
    ) -> Option<Result<Searched, Error>> {
        self.blocking(move || {
            searcher.search(&req).map(|r| {
                let a = assess.then(|| searcher.assess(&r));
                (r, a)
            })
        })
        .await
    }

    /// Runs `work` on the search threads (opening an index is as much work as a search);
    /// `None` when it panicked.
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Option<T> {
        let Some(pool) = &self.pool else {
            return tokio::task::spawn_blocking(work).await.ok();
        };
        let (tx, rx) = tokio::sync::oneshot::channel();
        pool.spawn_fifo(move || {
            let _ = tx.send(work());
        });
        rx.await.ok()
    }

    /// Is this search one for the log? The first page of a search the visitor made (not a
    /// request `search.js` sends while they type), when there is a log.
    fn logs(&self, p: &Params, page: usize) -> bool {
        let live = p.live.as_deref().is_some_and(|v| !v.is_empty() && v != "0");
        self.log.is_some() && page == 1 && !live
    }

    /// Queue the log entry of a search with no result or results of low confidence. No I/O:
    /// the log's own thread writes.
    fn consider(
        &self,
        searcher: &crate::index::Searcher,
        req: &crate::index::Request,
        r: &crate::index::Response,
        a: Option<crate::index::Assessment>,
    ) {
        let (Some(log), Some(a)) = (&self.log, a) else {
            return;
        };
        let department = req
            .department
            .as_deref()
            .filter(|d| searcher.has_department(d));
        let category = req.category.as_deref().filter(|c| searcher.has_category(c));
        if let Some(e) = crate::searchlog::entry(&req.q, department, category, r, &a) {
            log.record(e);
        }
    }

    fn app(&self) -> Option<Arc<App>> {
        self.app.read().ok().and_then(|a| a.clone())
    }

    /// Search the indexes of the site as they are now.
    fn reopen_search(&self) {
        match App::open(&self.site) {
            Ok(app) => {
                let app = Arc::new(app);
                app.clone().warm();
                if let Ok(mut slot) = self.app.write() {
                    *slot = Some(app);
                }
            }
            Err(e) => eprintln!("搜索不可用：{e}"),
        }
    }

    /// Search with the whole-tree index written again after a partial rebuild.
    fn reopen_tree(&self) {
        let Some(app) = self.app() else {
            return self.reopen_search();
        };
        let app = Arc::new(app.with_new_tree());
        app.clone().warm();
        if let Ok(mut slot) = self.app.write() {
            *slot = Some(app);
        }
    }

    /// After a rebuild: search the new index and reload open pages. `only`: the sites rebuilt
    /// (`j/<path>`), when the rest of the site is as it was.
    fn rebuilt(&self, generation: u64, only: Option<&[String]>) {
        match (only, self.app()) {
            (Some(rels), Some(app)) => {
                let app = Arc::new(app.after_rebuild(rels));
                if let Ok(mut slot) = self.app.write() {
                    *slot = Some(app);
                }
            }
            _ => self.reopen_search(),
        }
        if let Some(fb) = &self.feedback
            && let Ok(mut pages) = fb.pages.write()
        {
            *pages = Arc::new(match only {
                Some(rels) => pages.reload(&self.site, rels),
                None => FeedbackPages::load(&self.site),
            });
        }
        if let Some(tx) = &self.reload {
            let _ = tx.send(generation);
        }
    }
}

/// Served at /_qingdan/reload.js while watching: reload when the site was rebuilt.
const RELOAD_JS: &str = "new EventSource('/_qingdan/events').addEventListener('reload', function () { location.reload(); });\n";
const RELOAD_TAG: &str = "<script src=\"/_qingdan/reload.js\" defer></script>\n";

async fn events(State(shared): State<Shared>) -> Response {
    let Some(tx) = &shared.reload else {
        return (StatusCode::NOT_FOUND, "404").into_response();
    };
    let stream = futures_util::stream::unfold(tx.subscribe(), |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(generation) => {
                    let event = Event::default()
                        .event("reload")
                        .data(generation.to_string());
                    return Some((Ok::<_, Infallible>(event), rx));
                }
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// While watching: every HTML page gets the reload script, and is not cached.
async fn inject_reload(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !html {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 << 20).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "页面读取出错").into_response();
    };
    let mut text = String::from_utf8_lossy(&bytes).into_owned();
    match text.rfind("</body>") {
        Some(i) => text.insert_str(i, RELOAD_TAG),
        None => text.push_str(RELOAD_TAG),
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::ETAG);
    parts.headers.remove(header::LAST_MODIFIED);
    parts.headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Response::from_parts(parts, Body::from(text))
}

pub fn router(shared: Shared) -> Router {
    let site = shared.site.clone();
    let not_found = ServeFile::new(site.join("404.html"));
    let files = ServeDir::new(&site)
        .append_index_html_on_directories(true)
        .not_found_service(not_found);
    let watching = shared.reload.is_some();
    let mut router = Router::new()
        .route("/api/search", get(api_search))
        .route("/search", get(search_page))
        .route("/search/", get(search_page))
        .route("/_qingdan/feedback", post(post_feedback));
    if watching {
        router = router.route("/_qingdan/events", get(events)).route(
            "/_qingdan/reload.js",
            get(|| async { ([(header::CONTENT_TYPE, "text/javascript")], RELOAD_JS) }),
        );
    }
    // Lower jurisdictions' search routes, before the files (a layer after the fallback sees
    // every request).
    let router = router
        .with_state(shared.clone())
        .fallback_service(files)
        .layer(middleware::from_fn_with_state(shared, lower_search));
    let router = if watching {
        router.layer(middleware::from_fn(inject_reload))
    } else {
        router
    };
    router.layer(middleware::from_fn(guard))
}

/// Check and build the lists into the site; on failure, what went wrong, for the terminal. The
/// site loaded is returned with the summary, for `update` after the next edit.
pub fn rebuild(
    lists: &Path,
    out: &Path,
    votes: Option<std::collections::HashMap<String, crate::feedback::Votes>>,
) -> Result<(String, crate::render::Site), String> {
    let mut site = crate::render::Site::load(options(lists, out, votes))
        .map_err(|e| format!("{:?}", miette::Report::new(e)))?;
    if !site.report.ok {
        let color = std::io::IsTerminal::is_terminal(&std::io::stderr());
        return Err(crate::check::render_text(&site.report, site.snap(), color));
    }
    let built = site
        .build()
        .map_err(|e| format!("{:?}", miette::Report::new(e)))?;
    let total: f64 = built.steps.iter().map(|s| s.1).sum();
    Ok((
        format!(
            "已重新生成 {}：{} 个网页，用时 {total:.2} 秒。",
            built.out.display(),
            built.pages
        ),
        site,
    ))
}

/// What a rebuild says for the terminal, and the sites it rebuilt when not the whole site.
type Rebuilt = (String, Option<Vec<String>>);

/// After an edit inside lower jurisdictions of a multi-level repository that `site` built:
/// rebuild only their sites and the root's pages that change (`Site::update`). `None` when the
/// edit needs the whole site built again; else the summary, or what went wrong.
fn update(
    live: &mut Option<crate::render::Site>,
    lists: &Path,
    changed: &[PathBuf],
    votes: Option<std::collections::HashMap<String, crate::feedback::Votes>>,
) -> Option<Result<Rebuilt, String>> {
    let site = live.as_mut()?;
    let root = std::fs::canonicalize(lists).unwrap_or_else(|_| lists.to_path_buf());
    let rels: Vec<String> = changed
        .iter()
        .map(|p| {
            p.strip_prefix(&root)
                .or_else(|_| p.strip_prefix(lists))
                .ok()
                .map(|r| {
                    r.components()
                        .map(|c| c.as_os_str().to_string_lossy())
                        .collect::<Vec<_>>()
                        .join("/")
                })
        })
        .collect::<Option<_>>()?;
    let nodes = site.incremental(&rels)?;
    let t = std::time::Instant::now();
    site.set_votes(votes);
    Some(match site.update(&nodes) {
        Ok(Some(u)) => Ok((
            format!(
                "{}已重新生成 {}：{} 个网页（{} 个沿用上次的）、{} 个目录事项页，用时 {:.2} 秒。",
                if std::env::var_os("QINGDAN_TIMINGS").is_some() {
                    u.steps
                        .iter()
                        .map(|(n, s)| format!("  {n} {:.3} s\n", s))
                        .collect::<String>()
                } else {
                    String::new()
                },
                u.jurisdictions.join("、"),
                u.pages,
                u.reused,
                u.catalogue_pages,
                t.elapsed().as_secs_f64()
            ),
            Some(u.sites),
        )),
        Ok(None) => {
            let color = std::io::IsTerminal::is_terminal(&std::io::stderr());
            Err(crate::check::render_text(&site.report, site.snap(), color))
        }
        Err(e) => {
            // Part of the site may be written: what is loaded no longer says what is on disk,
            // so the next change builds the whole site.
            *live = None;
            Err(format!(
                "{:?}下次改动时将整个网站重新生成。",
                miette::Report::new(e)
            ))
        }
    })
}

/// Is this change worth a rebuild? (Not editors' hidden or backup files.)
fn relevant(event: &notify::Event) -> bool {
    use notify::EventKind;
    matches!(
        event.kind,
        EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_) | EventKind::Any
    ) && event.paths.iter().any(|p| relevant_path(p))
}

/// Watch `lists`; after each burst of changes (quiet for `QUIET`), rebuild into `out`.
fn watch(
    lists: PathBuf,
    out: PathBuf,
    shared: Shared,
    built: Option<crate::render::Site>,
) -> Result<notify::RecommendedWatcher, Error> {
    use notify::Watcher;
    const QUIET: Duration = Duration::from_millis(300);
    let (tx, rx) = std::sync::mpsc::channel::<notify::Event>();
    // A change not yet handled: the whole-tree search index being written gives way to it.
    let pending = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = pending.clone();
    let mut watcher = notify::recommended_watcher(move |e: notify::Result<notify::Event>| {
        if let Ok(e) = e
            && (relevant(&e) || e.need_rescan())
        {
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
            let _ = tx.send(e);
        }
    })
    .map_err(|e| Error::Usage(format!("无法监视 {}：{e}", lists.display())))?;
    watcher
        .watch(&lists, notify::RecursiveMode::Recursive)
        .map_err(|e| Error::Usage(format!("无法监视 {}：{e}", lists.display())))?;
    std::thread::spawn(move || {
        let mut generation = 0u64;
        // The site as last built: a multi-level repository's is updated in place after an
        // edit inside one lower jurisdiction.
        let mut live = built
            .or_else(|| {
                // Served as it was: load the tree in the background, ready for the first edit.
                if !crate::snapshot::tree::is_tree(&lists) {
                    return None;
                }
                let votes = shared.feedback.as_ref().and_then(|f| f.votes());
                let site = crate::render::Site::load(options(&lists, &out, votes))
                    .ok()
                    .filter(|s| s.report.ok)?;
                site.remember_catalogue_pages();
                Some(site)
            })
            .filter(crate::render::Site::is_tree);
        if live.is_some() {
            eprintln!("多级清单已载入：改动某个下级区划时，只重新生成这个区划和受影响的汇总页。");
        }
        let mut rescan = false;
        // When the lists were last read: what changed after is not in the site. (Changes
        // between the build's loading and this watcher are missed, as without it.)
        let mut since = SystemTime::now();
        // The whole-tree search index is behind the pages (a partial rebuild, then a refresh
        // of it given up for a newer change).
        let mut index_behind = false;
        while let Ok(first) = rx.recv() {
            let Some((mut changed, lost)) = take_burst(&rx, first, &pending, QUIET) else {
                return;
            };
            rescan |= lost;
            if rescan {
                // Events were lost (too many at once, most often files only read): what
                // changed is what was modified since the lists were last read (less a second
                // for file systems that keep coarse times).
                rescan = false;
                let found = changed_since(&lists, since - Duration::from_secs(1));
                if found.is_empty() && !changed.iter().any(|p| relevant_path(p)) {
                    eprintln!(
                        "监视的事件太多（有程序一次读了很多清单文件），已逐个检查：清单没有改动，网站不必重新生成。"
                    );
                    changed.clear();
                }
                changed.extend(found);
            }
            if !changed.is_empty() {
                let rebuilt = rebuild_once(
                    &mut live,
                    &lists,
                    &out,
                    &shared,
                    changed,
                    &mut since,
                    &mut generation,
                );
                if let Some(in_part) = rebuilt {
                    index_behind = in_part;
                }
            }
            if index_behind && let Some(site) = &live {
                let t = std::time::Instant::now();
                let stop = || pending.load(std::sync::atomic::Ordering::SeqCst);
                match site.refresh_tree_index(&stop) {
                    Ok(_) => {
                        index_behind = false;
                        shared.reopen_tree();
                        eprintln!(
                            "全部区划的搜索索引已更新，用时 {:.2} 秒。",
                            t.elapsed().as_secs_f64()
                        );
                    }
                    Err(Error::Stopped) => {
                        eprintln!("清单又有改动：先重新生成网页，全部区划的搜索索引随后再写。")
                    }
                    Err(e) => {
                        index_behind = false;
                        eprintln!(
                            "全部区划的搜索索引没有更新（在“全部区划”中搜索会找到改动前的内容）：{:?}",
                            miette::Report::new(e)
                        );
                    }
                }
            }
        }
    });
    Ok(watcher)
}

/// The burst of changes that starts with `first`: every event until `quiet` passes without one
/// (editors and git write several files at once). Returns the paths and whether events were
/// lost (a rescan is needed), or `None` when the watcher is gone.
///
/// `pending` (set by the watcher with each event) is reset once the burst is taken whole, so
/// only a change after it sets it again. Reset before the quiet wait, the burst's own later
/// events left it set, and the whole-tree index refresh gave way to a change that was already
/// handled, never to be written again.
fn take_burst(
    rx: &std::sync::mpsc::Receiver<notify::Event>,
    first: notify::Event,
    pending: &std::sync::atomic::AtomicBool,
    quiet: Duration,
) -> Option<(Vec<PathBuf>, bool)> {
    let mut lost = first.need_rescan();
    let mut changed: Vec<PathBuf> = first.paths;
    loop {
        match rx.recv_timeout(quiet) {
            Ok(e) => {
                lost |= e.need_rescan();
                changed.extend(e.paths)
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => break,
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return None,
        }
    }
    pending.store(false, std::sync::atomic::Ordering::SeqCst);
    Some((changed, lost))
}

/// Rebuild after a burst of changes to the files `changed` of `lists`: the jurisdictions they
/// are in (`update`) or the whole site, told to the open pages. `Some(true)` when rebuilt in
/// part (the whole-tree search index is then behind the pages), `Some(false)` when rebuilt
/// whole (the index with it), `None` when not rebuilt (the lists do not pass check).
fn rebuild_once(
    live: &mut Option<crate::render::Site>,
    lists: &Path,
    out: &Path,
    shared: &Shared,
    mut changed: Vec<PathBuf>,
    since: &mut SystemTime,
    generation: &mut u64,
) -> Option<bool> {
    changed.sort();
    changed.dedup();
    eprintln!("清单有改动，正在重新生成网站……");
    *since = SystemTime::now();
    let votes = shared.feedback.as_ref().and_then(|f| f.votes());
    let result = match update(live, lists, &changed, votes) {
        Some(r) => r,
        None => {
            *live = None;
            let votes = shared.feedback.as_ref().and_then(|f| f.votes());
            rebuild(lists, out, votes).map(|(summary, site)| {
                *live = Some(site).filter(crate::render::Site::is_tree);
                (summary, None)
            })
        }
    };
    match result {
        Ok((summary, only)) => {
            *generation += 1;
            shared.rebuilt(*generation, only.as_deref());
            eprintln!("{summary}已通知打开的网页刷新。");
            // Built in part: the whole-tree search index holds the old items of the
            // jurisdictions rebuilt until it is written again.
            Some(only.is_some() && live.is_some())
        }
        Err(report) => {
            eprint!("{report}");
            eprintln!("\n清单有错误，网站没有更新，仍在提供上一版；改正后保存即可。");
            None
        }
    }
}

/// Serve `site` on `addr` until Ctrl-C; with `watch` (the lists folder), rebuild on change;
/// with `search_log`, log searches with no result or results of low confidence there; with
/// `feedback`, take the item pages' feedback forms.
pub fn run(
    site: PathBuf,
    addr: &str,
    watch_lists: Option<PathBuf>,
    search_log: Option<PathBuf>,
    feedback: Option<Feedback>,
    built: Option<crate::render::Site>,
) -> Result<(), Error> {
    let addr: SocketAddr = addr.parse().map_err(|_| {
        Error::Usage(format!(
            "监听地址 {addr} 不对，应写成 主机:端口，如 127.0.0.1:8080"
        ))
    })?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|source| Error::Read {
            path: site.clone(),
            source,
        })?;
    let app = App::open(&site);
    if let Err(e) = &app {
        eprintln!("搜索不可用：{e}");
    }
    let log = search_log.and_then(|path| {
        match crate::searchlog::Log::open(&path, crate::searchlog::CAP, crate::searchlog::KEEP) {
            Ok(log) => {
                eprintln!(
                    "没有结果、结果可能不对的搜索记在 {}（不含个人信息；qingdan search-report 汇总；--no-search-log 关闭）。",
                    path.display()
                );
                Some(Arc::new(log))
            }
            Err(e) => {
                eprintln!(
                    "搜索记录不可用，搜索照常：{:?}用 --search-log 指定可写的文件，或用 --no-search-log 关闭记录。",
                    miette::Report::new(e)
                );
                None
            }
        }
    });
    let shared = Shared::new(
        site.clone(),
        app.ok(),
        watch_lists.is_some(),
        log.clone(),
        feedback,
    );
    if let Some(app) = shared.app() {
        app.warm();
    }
    let _watcher = match watch_lists {
        Some(lists) => {
            let w = watch(lists.clone(), site.clone(), shared.clone(), built)?;
            eprintln!(
                "正在监视 {}，改动后自动重新生成并刷新网页。",
                lists.display()
            );
            Some(w)
        }
        None => None,
    };
    let served = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
            Error::Usage(format!(
                "无法监听 {addr}：{e}；换一个端口，如 --addr 127.0.0.1:8081"
            ))
        })?;
        let bound = listener.local_addr().unwrap_or(addr);
        eprintln!("网站已在 http://{bound}/ 上提供，按 Ctrl-C 停止。");
        axum::serve(
            listener,
            router(shared).into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| Error::Usage(format!("服务出错：{e}")))
    });
    // Write what the log has queued before the process ends.
    drop(runtime);
    if let Some(log) = log.and_then(Arc::into_inner) {
        let path = log.path().to_path_buf();
        let dropped = log.close();
        if dropped > 0 {
            eprintln!(
                "搜索太多、写不过来时丢掉了 {dropped} 条搜索记录（{}）；磁盘很慢时会这样，搜索不受影响。",
                path.display()
            );
        }
    }
    served
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A burst's later events (arriving during the quiet wait) belong to it: once it is taken,
    /// no change is pending, so the whole-tree index refresh that follows does not give way to
    /// an edit already handled (the CI timeout of serve_watch_rebuilds_a_district_in_part).
    #[test]
    fn a_burst_taken_whole_leaves_nothing_pending() {
        use std::sync::atomic::{AtomicBool, Ordering};
        let pending = Arc::new(AtomicBool::new(false));
        let (tx, rx) = std::sync::mpsc::channel::<notify::Event>();
        // As the watcher's callback does: mark a change pending, then send it.
        let send = {
            let pending = pending.clone();
            move |name: &str| {
                pending.store(true, Ordering::SeqCst);
                let e =
                    notify::Event::new(notify::EventKind::Modify(notify::event::ModifyKind::Any))
                        .add_path(PathBuf::from(name));
                tx.send(e).unwrap();
            }
        };
        send("a.toml");
        let first = rx.recv().unwrap();
        let later = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            send("b.toml");
            send
        });
        let (changed, lost) =
            take_burst(&rx, first, &pending, Duration::from_millis(1500)).unwrap();
        assert_eq!(
            changed,
            vec![PathBuf::from("a.toml"), PathBuf::from("b.toml")]
        );
        assert!(!lost);
        assert!(
            !pending.load(Ordering::SeqCst),
            "the burst's own event left a change pending"
        );
        // A change after the burst is pending again.
        let send = later.join().unwrap();
        send("c.toml");
        assert!(pending.load(Ordering::SeqCst));
        drop(send);
        let first = rx.recv().unwrap();
        assert_eq!(
            take_burst(&rx, first, &pending, Duration::from_millis(50)),
            None
        );
    }

    /// After lost watcher events, what changed is found by modification time: an edited file,
    /// the folder of a deleted one; nothing when only read; editors' hidden files skipped.
    #[test]
    fn what_changed_while_events_were_lost_is_found_by_time() {
        let tmp = tempfile::tempdir().unwrap();
        let lists = tmp.path().join("lists");
        let items = lists.join("departments/a/items");
        std::fs::create_dir_all(&items).unwrap();
        for n in 0..3 {
            std::fs::write(items.join(format!("{n}.toml")), "name = \"x\"").unwrap();
        }
        std::fs::create_dir_all(lists.join(".git")).unwrap();
        let old = SystemTime::now() - Duration::from_secs(3600);
        for e in WalkDir::new(&lists) {
            let e = e.unwrap();
            std::fs::File::open(e.path())
                .unwrap()
                .set_modified(old)
                .unwrap();
        }
        let since = SystemTime::now() - Duration::from_secs(60);
        let _ = std::fs::read_to_string(items.join("0.toml")).unwrap();
        assert_eq!(changed_since(&lists, since), Vec::<PathBuf>::new());
        std::fs::write(items.join("1.toml"), "name = \"y\"").unwrap();
        std::fs::remove_file(items.join("2.toml")).unwrap();
        std::fs::write(lists.join(".git/index"), "").unwrap();
        std::fs::write(items.join(".1.toml.swp"), "").unwrap();
        let mut found = changed_since(&lists, since);
        found.sort();
        assert_eq!(found, vec![items.clone(), items.join("1.toml")]);
        assert!(found.iter().all(|p| relevant_path(p)));
        assert!(!relevant_path(&items.join("1.toml~")));
    }

    /// The level and jurisdiction filters belong to the whole tree: without `scope=all` they
    /// are dropped, not applied to a jurisdiction's own search; overlong values are dropped.
    #[test]
    fn tree_filters_apply_only_to_the_whole_tree() {
        let p = |scope: Option<&str>| Params {
            q: Some("许可".into()),
            level: Some("县级".into()),
            j: Some("dszq".into()),
            department: Some("x".repeat(300)),
            scope: scope.map(str::to_string),
            ..Default::default()
        };
        let r = request(&p(None), "许可".into(), 2);
        assert_eq!((r.level, r.jurisdiction, r.department), (None, None, None));
        assert_eq!(r.offset, PER_PAGE);
        let r = request(&p(Some("local")), "许可".into(), 1);
        assert_eq!((r.level, r.jurisdiction), (None, None));
        let r = request(&p(Some("all")), "许可".into(), 1);
        assert_eq!(r.level.as_deref(), Some("县级"));
        assert_eq!(r.jurisdiction.as_deref(), Some("dszq"));
    }

    #[test]
    fn feedback_posts_only_from_this_site() {
        let headers = |pairs: &[(&str, &str)]| {
            let mut h = axum::http::HeaderMap::new();
            for (k, v) in pairs {
                h.insert(
                    axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                    v.parse().unwrap(),
                );
            }
            h
        };
        let host = ("host", "qd.example.gov.cn:8080");
        assert!(same_origin(&headers(&[
            host,
            ("origin", "https://QD.example.gov.cn:8080")
        ])));
        assert!(same_origin(&headers(&[
            host,
            ("referer", "http://qd.example.gov.cn:8080/items/a.html?x#y")
        ])));
        assert!(same_origin(&headers(&[host])), "not a browser");
        for bad in [
            ("origin", "https://evil.example"),
            ("origin", "null"),
            ("origin", "https://qd.example.gov.cn:8080.evil.example"),
            ("origin", "https://qd.example.gov.cn"),
            ("referer", "https://evil.example/qd.example.gov.cn:8080/"),
        ] {
            assert!(!same_origin(&headers(&[host, bad])), "{bad:?}");
        }
        // Origin wins over a matching Referer; no Host at all is refused.
        assert!(!same_origin(&headers(&[
            host,
            ("origin", "https://evil.example"),
            ("referer", "http://qd.example.gov.cn:8080/")
        ])));
        assert!(!same_origin(&headers(&[(
            "origin",
            "https://qd.example.gov.cn:8080"
        )])));
    }

    #[test]
    fn rebuilds_for_other_lists_changes_and_deletions() {
        let tmp = tempfile::tempdir().unwrap();
        let (a, b, out) = (
            tmp.path().join("a"),
            tmp.path().join("b"),
            tmp.path().join("site"),
        );
        for d in [&a, &b] {
            std::fs::create_dir_all(d.join("departments/x/items")).unwrap();
            std::fs::write(d.join("departments/x/items/i.toml"), "id = 1").unwrap();
        }
        std::fs::write(a.join("departments/x/items/j.toml"), "id = 2").unwrap();
        std::fs::create_dir_all(a.join(".git")).unwrap();
        assert!(needs_build(&a, &out), "no site yet");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join(MARKER), "qingdan\n").unwrap();
        assert!(needs_build(&a, &out), "a marker from an older qingdan");
        let opts = |base_url: Option<&str>, templates: Option<&Path>| crate::render::Options {
            lists: a.clone(),
            out: out.clone(),
            base_url: base_url.map(str::to_string),
            templates: templates.map(Path::to_path_buf),
            feedback_served: true,
            votes: None,
        };
        std::fs::write(
            out.join(MARKER),
            crate::render::marker(&opts(Some("/x"), None)),
        )
        .unwrap();
        assert!(needs_build(&a, &out), "built for another address");
        std::fs::write(
            out.join(MARKER),
            crate::render::marker(&opts(None, Some(&b))),
        )
        .unwrap();
        assert!(needs_build(&a, &out), "built with other templates");
        std::fs::write(out.join(MARKER), crate::render::marker(&opts(None, None))).unwrap();
        assert!(!needs_build(&a, &out), "built from a, nothing changed");
        assert!(needs_build(&b, &out), "built from other lists");
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(a.join(".git/index.lock"), "").unwrap();
        assert!(!needs_build(&a, &out), "git's own files are not lists");
        std::fs::remove_file(a.join("departments/x/items/j.toml")).unwrap();
        assert!(needs_build(&a, &out), "an item file deleted");
    }
}
