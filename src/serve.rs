//! `qingdan serve`: build the site when the lists changed, then serve it over HTTP (axum +
//! tower-http's static files, which refuse paths that leave the site folder). Hidden files and
//! the search index folder (`_index/`) are never served; unknown paths get the site's 404 page
//! with status 404.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Json, Response};
use axum::routing::get;
use serde::Deserialize;
use tower_http::services::{ServeDir, ServeFile};
use walkdir::WalkDir;

use crate::Error;
use crate::render::MARKER;

/// Newest modification time of any file under `dir`.
fn newest(dir: &Path) -> Option<SystemTime> {
    WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| e.metadata().ok()?.modified().ok())
        .max()
}

/// Does the site in `out` need building from `lists`?
pub fn needs_build(lists: &Path, out: &Path) -> bool {
    let built = std::fs::metadata(out.join(MARKER)).and_then(|m| m.modified());
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

/// What the search routes need: the index, the templates and the site's global data.
pub struct App {
    searcher: crate::index::Searcher,
    tera: tera::Tera,
    base: String,
}

impl App {
    pub fn open(site: &Path) -> Result<App, Error> {
        let index = site.join(crate::index::DIR);
        let searcher = crate::index::Searcher::open(&index)?;
        let mut tera = crate::render::templates::load(None)?;
        let view: serde_json::Value = std::fs::read(index.join("site.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        let base = view["base"].as_str().unwrap_or("").to_string();
        tera.global_context().insert("site", &view);
        Ok(App {
            searcher,
            tera,
            base,
        })
    }
}

/// Query parameters, all optional and all text, so nothing a user types is rejected unread.
#[derive(Deserialize, Default)]
pub struct Params {
    q: Option<String>,
    department: Option<String>,
    category: Option<String>,
    page: Option<String>,
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
    crate::index::Request {
        q,
        department: p
            .department
            .clone()
            .filter(|s| !s.is_empty() && s.len() < 200),
        category: p
            .category
            .clone()
            .filter(|s| !s.is_empty() && s.len() < 200),
        limit: PER_PAGE,
        offset: (page - 1) * PER_PAGE,
    }
}

type Rejected = axum::extract::rejection::QueryRejection;

async fn api_search(
    State(app): State<Arc<App>>,
    params: Result<Query<Params>, Rejected>,
) -> Response {
    let Ok(Query(p)) = params else {
        return bad("查询参数的编码不对");
    };
    let (q, page) = match validate(&p) {
        Ok(v) => v,
        Err(m) => return bad(m),
    };
    let req = request(&p, q, page);
    let result = tokio::task::spawn_blocking(move || app.searcher.search(&req)).await;
    match result {
        Ok(Ok(r)) => Json(r).into_response(),
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
    State(app): State<Arc<App>>,
    params: Result<Query<Params>, Rejected>,
) -> Response {
    let Ok(Query(p)) = params else {
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
    let req = request(&p, q.clone(), page);
    let app2 = app.clone();
    let result = if q.trim().is_empty() {
        None
    } else {
        tokio::task::spawn_blocking(move || app2.searcher.search(&req))
            .await
            .ok()
            .and_then(Result::ok)
    };
    let total = result.as_ref().map_or(0, |r| r.total);
    let pages = total.div_ceil(PER_PAGE).max(1);
    let link = |n: usize| {
        format!(
            "{}/search/?q={}&department={}&category={}&page={n}",
            app.base,
            enc(&q),
            enc(p.department.as_deref().unwrap_or("")),
            enc(p.category.as_deref().unwrap_or(""))
        )
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
        &serde_json::json!([{"name": "首页", "url": format!("{}/", app.base)}, {"name": "搜索", "url": format!("{}/search/", app.base)}]),
    );
    ctx.insert(
        "page",
        &serde_json::json!({"title": title, "description": "搜索权责清单事项", "url": "/search/", "url_full": ""}),
    );
    match app.tera.render("search.html", &ctx) {
        Ok(html) => Html(html).into_response(),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "页面生成出错").into_response(),
    }
}

pub fn router(site: PathBuf, app: Option<Arc<App>>) -> Router {
    let not_found = ServeFile::new(site.join("404.html"));
    let files = ServeDir::new(&site)
        .append_index_html_on_directories(true)
        .not_found_service(not_found);
    let router = match app {
        Some(app) => Router::new()
            .route("/api/search", get(api_search))
            .route("/search", get(search_page))
            .route("/search/", get(search_page))
            .with_state(app),
        None => Router::new(),
    };
    router
        .fallback_service(files)
        .layer(middleware::from_fn(guard))
}

/// Serve `site` on `addr` until Ctrl-C.
pub fn run(site: PathBuf, addr: &str) -> Result<(), Error> {
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
    let app = App::open(&site).map(Arc::new);
    if let Err(e) = &app {
        eprintln!("搜索不可用：{e}");
    }
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
            Error::Usage(format!(
                "无法监听 {addr}：{e}；换一个端口，如 --addr 127.0.0.1:8081"
            ))
        })?;
        let bound = listener.local_addr().unwrap_or(addr);
        eprintln!("网站已在 http://{bound}/ 上提供，按 Ctrl-C 停止。");
        axum::serve(listener, router(site, app.ok()))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|e| Error::Usage(format!("服务出错：{e}")))
    })
}
