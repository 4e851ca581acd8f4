//! `qingdan serve`: build the site when the lists changed, then serve it over HTTP (axum +
//! tower-http's static files, which refuse paths that leave the site folder). Hidden files and
//! the search index folder (`_index/`) are never served; unknown paths get the site's 404 page
//! with status 404.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
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

pub fn router(site: PathBuf) -> Router {
    let not_found = ServeFile::new(site.join("404.html"));
    let files = ServeDir::new(&site)
        .append_index_html_on_directories(true)
        .not_found_service(not_found);
    Router::new()
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
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
            Error::Usage(format!(
                "无法监听 {addr}：{e}；换一个端口，如 --addr 127.0.0.1:8081"
            ))
        })?;
        let bound = listener.local_addr().unwrap_or(addr);
        eprintln!("网站已在 http://{bound}/ 上提供，按 Ctrl-C 停止。");
        axum::serve(listener, router(site))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|e| Error::Usage(format!("服务出错：{e}")))
    })
}
