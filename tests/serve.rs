//! `qingdan serve` builds the lists and serves the site: pages, a real 404, and nothing outside
//! the site folder, hidden, or in the index folder, whatever the request looks like.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use common::*;

struct Server {
    child: Child,
    addr: String,
    /// What serve printed before its address.
    said: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `serve` without a search log (its default place, beside a temporary lists folder, is the
/// shared temporary folder).
fn start(lists: &std::path::Path, out: &std::path::Path) -> Server {
    start_with(lists, out, &["--no-search-log".as_ref()])
}

fn start_with(
    lists: &std::path::Path,
    out: &std::path::Path,
    options: &[&std::ffi::OsStr],
) -> Server {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("qingdan"))
        .args(["serve", "--addr", "127.0.0.1:0", "--lists"])
        .arg(lists)
        .arg("--out")
        .arg(out)
        .args(options)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let mut said = String::new();
    let addr = loop {
        let line = lines.next().expect("serve printed its address").unwrap();
        if let Some(rest) = line.split("http://").nth(1) {
            break rest.split('/').next().unwrap().to_string();
        }
        said.push_str(&line);
        said.push('\n');
    };
    Server { child, addr, said }
}

/// (status, body) of a raw GET.
fn get(addr: &str, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    let text = String::from_utf8_lossy(&buf).to_string();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map_or(String::new(), |(_, b)| b.to_string());
    (status, body)
}

#[test]
fn serves_pages_and_nothing_else() {
    let dir = valid_tree();
    let out = dir.path().join("site");
    let server = start(dir.path(), &out);
    let a = &server.addr;
    let (code, body) = get(a, "/");
    assert_eq!(code, 200);
    assert!(body.contains("lang=\"zh-CN\""));
    assert_eq!(get(a, "/items/tjj-CF-000001.html").0, 200);
    assert_eq!(get(a, "/assets/style.css").0, 200);
    let (code, body) = get(a, "/no/such/page");
    assert_eq!(code, 404);
    assert!(body.contains("找不到这个页面"));
    for evil in [
        "/../jurisdiction.toml",
        "/%2e%2e/jurisdiction.toml",
        "/..%2fjurisdiction.toml",
        "/items/..%2f..%2fjurisdiction.toml",
        "/.qingdan-site",
        "/_index/meta.json",
        "//etc/passwd",
        "/%00",
        "/items/%ff%fe/",
    ] {
        let (code, body) = get(a, evil);
        assert!(code == 404 || code == 400, "{evil}: {code}");
        assert!(!body.contains("name = \"测试市\""), "{evil} leaked a file");
    }
    // A request line of 10 KB is answered, not a crash.
    let long = format!("/{}", "很".repeat(3000));
    let (code, _) = get(a, &long);
    assert!(code == 404 || code == 414 || code == 400, "{code}");
    assert_eq!(get(a, "/").0, 200, "still serving");
    // Not watching: no reload script, no event stream.
    assert!(!get(a, "/").1.contains("_qingdan"));
    assert_eq!(get(a, "/_qingdan/events").0, 404);
}

#[test]
fn invalid_lists_are_not_served() {
    let dir = valid_tree();
    write(
        dir.path(),
        "departments/tjj/items/tjj-CF-000001.toml",
        ITEM.replace("行政处罚", "处理"),
    );
    let o = qingdan()
        .args(["serve", "--addr", "127.0.0.1:0", "--lists"])
        .arg(dir.path())
        .arg("--out")
        .arg(dir.path().join("site"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("unknown-category"));
}

#[test]
fn search_api_and_page_answer_everything_with_200_or_400() {
    let dir = valid_tree();
    let out = dir.path().join("site");
    let server = start(dir.path(), &out);
    let a = &server.addr;
    let (code, body) = get(a, "/api/search?q=%E7%BB%9F%E8%AE%A1"); // 统计
    assert_eq!(code, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["hits"][0]["id"], "tjj-CF-000001");
    assert!(json["total"].as_u64().unwrap() >= 1);
    // Traditional script finds the same item.
    let (_, body) = get(a, "/api/search?q=%E7%B5%B1%E8%A8%88"); // 統計
    assert!(body.contains("tjj-CF-000001"), "{body}");
    let long = format!("/api/search?q={}", "a".repeat(10 * 1024));
    for (path, want) in [
        ("/api/search", 200),
        ("/api/search?q=", 200),
        (long.as_str(), 400),
        // Malformed escapes: read leniently (200) or refused (400), never a 500.
        ("/api/search?q=%zz", 0),
        ("/api/search?q=%FF%FE", 0),
        (
            "/api/search?q=%22AND%3A%28%29%5B%5D%7B%7D%5E~*%3F%5C%2B-!%2F%20OR%20NOT",
            200,
        ),
        ("/api/search?q=%F0%9F%98%80", 200),
        ("/api/search?q=x&page=0", 400),
        ("/api/search?q=x&page=abc", 400),
        ("/api/search?q=x&page=-1", 400),
        ("/api/search?q=x&page=1000", 200),
        ("/api/search?q=x&page=99999999999999999999", 400),
        (
            "/api/search?q=%E7%BB%9F%E8%AE%A1&department=nope&category=%E8%A1%8C%E6%94%BF",
            200,
        ),
        ("/search", 200),
        ("/search?q=%E7%BB%9F%E8%AE%A1", 200),
        ("/search?q=%zz", 0),
        ("/search?q=x&page=0", 400),
    ] {
        let (code, _) = get(a, path);
        if want == 0 {
            assert!(code == 200 || code == 400, "{path}: {code}");
        } else {
            assert_eq!(code, want, "{path}");
        }
    }
    let (_, page) = get(a, "/search?q=%E7%BB%9F%E8%AE%A1");
    assert!(page.contains("lang=\"zh-CN\""));
    assert!(
        page.contains("对拒绝配合统计调查的处罚"),
        "server-rendered results"
    );
    assert!(!page.contains("<script>"), "no inline script");
    // One URL for the search page under serve and on a static host: /search/ is rendered by
    // the server here, search/index.html (filled by search.js) there.
    let (code, page) = get(a, "/search/?q=%E7%BB%9F%E8%AE%A1");
    assert_eq!(code, 200);
    assert!(
        page.contains("对拒绝配合统计调查的处罚"),
        "server-rendered at /search/"
    );
    assert!(
        !page.contains("<noscript>"),
        "no static-host notice under serve"
    );
    assert_eq!(
        get(a, "/search/meta.json").0,
        200,
        "the static index is served"
    );
    assert_eq!(get(a, "/assets/search.js").0, 200);
    // Facet counts, each without its own filter.
    let (_, body) = get(a, "/api/search?q=%E7%BB%9F%E8%AE%A1&department=swj");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["total"], 0);
    assert_eq!(json["facets"]["department"][0]["id"], "tjj");
    assert_eq!(json["facets"]["department"][0]["count"], 1);
    let (_, page) = get(a, "/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E");
    assert!(
        !page.contains("<script>alert"),
        "the query is escaped on the page"
    );
}

#[test]
fn watch_rebuilds_on_change_keeps_the_old_site_on_errors_and_reloads_pages() {
    let dir = valid_tree();
    let out = dir.path().join("site");
    let server = serve_logged(&[
        "--watch".as_ref(),
        "--no-search-log".as_ref(),
        "--lists".as_ref(),
        dir.path().as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    let log = &server.log;
    let a = &server.addr;
    let (_, home) = get(a, "/");
    assert!(
        home.contains("/_qingdan/reload.js"),
        "pages reload when watching"
    );
    assert_eq!(get(a, "/_qingdan/reload.js").0, 200);

    // Listen for the reload event as an open page does.
    let mut events = TcpStream::connect(a).unwrap();
    events
        .set_read_timeout(Some(std::time::Duration::from_secs(120)))
        .unwrap();
    write!(
        events,
        "GET /_qingdan/events HTTP/1.1\r\nHost: {a}\r\nAccept: text/event-stream\r\n\r\n"
    )
    .unwrap();
    let wait_for = |events: &mut TcpStream, what: &str| {
        let mut seen = String::new();
        let mut buf = [0u8; 1024];
        while !seen.contains(what) {
            let n = events.read(&mut buf).expect("an event before the timeout");
            assert!(n > 0, "the event stream closed: {seen}");
            seen.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    };
    wait_for(&mut events, "text/event-stream");

    // A change: the site is rebuilt, open pages are told, search sees the new name.
    let item = "departments/tjj/items/tjj-CF-000001.toml";
    write(
        dir.path(),
        item,
        ITEM.replace("对拒绝配合统计调查的处罚", "对拒绝配合统计调查行为的处罚"),
    );
    wait_for(&mut events, "event: reload");
    let (code, page) = get(a, "/items/tjj-CF-000001.html");
    assert_eq!(code, 200);
    assert!(page.contains("对拒绝配合统计调查行为的处罚"), "rebuilt");
    let (_, body) = get(a, "/api/search?q=%E7%BB%9F%E8%AE%A1");
    assert!(
        body.contains("对拒绝配合统计调查行为的处罚"),
        "new index: {body}"
    );

    // A mistake: the errors go to the terminal and the old site stays.
    write(dir.path(), item, ITEM.replace("行政处罚", "处理"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while !log.lock().unwrap().contains("网站没有更新") {
        assert!(
            std::time::Instant::now() < deadline,
            "no error report: {}",
            log.lock().unwrap()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(log.lock().unwrap().contains("unknown-category"));
    let (code, page) = get(a, "/items/tjj-CF-000001.html");
    assert_eq!(code, 200);
    assert!(
        page.contains("对拒绝配合统计调查行为的处罚"),
        "old site kept"
    );
    assert_eq!(get(a, "/api/search?q=x").0, 200);
}

fn enc(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

/// Lines of the search log once it has `n` (the log's thread writes a moment after the answer).
fn log_lines(log: &std::path::Path, n: usize) -> Vec<String> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        if lines.len() >= n || std::time::Instant::now() > deadline {
            return lines;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn the_search_log_lists_what_citizens_did_not_find() {
    let dir = valid_tree();
    let out = dir.path().join("site");
    let log = dir.path().join("log/search-log.jsonl");
    let server = start_with(
        dir.path(),
        &out,
        &["--search-log".as_ref(), log.as_os_str()],
    );
    let a = &server.addr;
    let api = |q: &str, extra: &str| {
        let (code, body) = get(a, &format!("/api/search?q={}{extra}", enc(q)));
        assert_eq!(code, 200, "{q}: {body}");
        serde_json::from_str::<serde_json::Value>(&body).unwrap()
    };
    // Not found: three times on the API (once traditional, once with spaces), once on the page.
    for q in ["宠物美容", "寵物美容", "  宠物美容 "] {
        assert_eq!(api(q, "")["total"], 0, "{q}");
    }
    assert_eq!(get(a, &format!("/search/?q={}", enc("宠物美容"))).0, 200);
    assert_eq!(api("无人机航拍", "")["total"], 0);
    // Found: never logged, however often.
    for _ in 0..3 {
        assert!(api("统计", "")["total"].as_u64().unwrap() >= 1);
        assert_eq!(get(a, &format!("/search/?q={}", enc("成品油零售"))).0, 200);
    }
    // Found, but the first hit holds one of three words: low confidence.
    let low = api("统计 宠物 美容", "");
    assert!(low["total"].as_u64().unwrap() >= 1, "{low}");
    // Typing (search.js's live requests), later pages and filters that hide results: not
    // searches to log.
    api("宠物美", "&live=1");
    api("宠物美容", "&page=2");
    assert_eq!(api("统计", "&department=swj")["total"], 0);
    // Personal data: replaced, counted, not listed.
    api("13812345678", "");
    api("张三 zhangsan@example.com", "");
    // With a filter the index has, and one it does not.
    api("宠物美容", "&department=tjj");
    api("无人机航拍", "&department=nosuch");

    let lines = log_lines(&log, 10);
    let text = lines.join("\n");
    assert_eq!(lines.len(), 10, "{text}");
    for forbidden in ["127.0.0.1", "13812345678", "zhangsan", "nosuch", "宠物美\""] {
        assert!(!text.contains(forbidden), "{forbidden} in the log: {text}");
    }
    for line in &lines {
        let e: serde_json::Value = serde_json::from_str(line).unwrap();
        let hour = e["hour"].as_str().unwrap();
        assert_eq!(hour.len(), "2026-12-06T04".len(), "only the hour: {line}");
    }

    let report = |args: &[&str]| {
        let o = qingdan()
            .arg("search-report")
            .arg("--log")
            .arg(&log)
            .args(args)
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).unwrap()
    };
    let json: serde_json::Value = serde_json::from_str(&report(&["--format", "json"])).unwrap();
    let counts = |kind: &str| -> Vec<(String, u64)> {
        json[kind]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| {
                (
                    g["q"].as_str().unwrap().to_string(),
                    g["count"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(
        counts("zero"),
        [("宠物美容".to_string(), 5), ("无人机航拍".to_string(), 2)],
        "{json}"
    );
    assert_eq!(counts("low"), [("统计 宠物 美容".to_string(), 1)], "{json}");
    assert_eq!(json["personal"], 2);
    assert_eq!(json["entries"], 10);
    let zero = &json["zero"][0];
    assert_eq!(zero["filters"][0]["department"], "tjj");
    assert_eq!(zero["filters"][0]["count"], 1);
    assert!(zero["hint"].as_str().unwrap().contains("synonyms.toml"));
    assert_eq!(zero["synonym"]["words"][0], "宠物美容");
    assert_eq!(json["low"][0]["top"], "对拒绝配合统计调查的处罚");
    for found in ["统计", "成品油零售"] {
        assert!(
            !json.to_string().contains(&format!("\"q\":\"{found}\"")),
            "{found}"
        );
    }
    // With the site: the nearest item names.
    let json: serde_json::Value = serde_json::from_str(&report(&[
        "--format",
        "json",
        "--site",
        out.to_str().unwrap(),
    ]))
    .unwrap();
    assert_eq!(
        json["low"][0]["nearest"][0], "对拒绝配合统计调查的处罚",
        "{json}"
    );
    // Text, in Chinese; --since after today lists nothing; --limit.
    let text = report(&[]);
    assert!(
        text.contains("没有结果的查询") && text.contains("宠物美容　5 次"),
        "{text}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&report(&["--format", "json", "--since", "2999-01-01"])).unwrap();
    assert_eq!(json["entries"], 0);
    let json: serde_json::Value =
        serde_json::from_str(&report(&["--format", "json", "--limit", "1"])).unwrap();
    assert_eq!(
        (
            json["zero"].as_array().unwrap().len(),
            json["zero_queries"].as_u64()
        ),
        (1, Some(2))
    );
    // No log: exit 2 and what to do.
    let o = qingdan()
        .args(["search-report", "--log"])
        .arg(dir.path().join("nothing.jsonl"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("没有搜索记录"));
}

#[test]
fn odd_queries_neither_crash_serve_nor_bloat_the_search_log() {
    let dir = valid_tree();
    let out = dir.path().join("site");
    let log = dir.path().join("search-log.jsonl");
    let server = start_with(
        dir.path(),
        &out,
        &["--search-log".as_ref(), log.as_os_str()],
    );
    let a = &server.addr;
    // 10 KB: refused before searching, not logged.
    let huge = format!("/api/search?q={}", enc(&"宠".repeat(3400)));
    assert_eq!(get(a, &huge).0, 400);
    assert_eq!(get(a, &huge.replace("/api/search", "/search/")).0, 400);
    // Just under the limit, with control characters, bidi marks and odd text: answered and
    // logged folded, bounded, without control characters.
    let odd = format!(
        "{}\u{0}\u{7}\u{1b}[31m\u{202e}\r\n\t{}",
        "鬲".repeat(150),
        "\u{fffd}".repeat(100)
    );
    assert!(odd.len() <= 1000);
    for _ in 0..50 {
        assert_eq!(get(a, &format!("/api/search?q={}", enc(&odd))).0, 200);
    }
    assert_eq!(get(a, &format!("/search/?q={}", enc(&odd))).0, 200);
    let lines = log_lines(&log, 51);
    assert_eq!(lines.len(), 51);
    for line in &lines {
        assert!(line.len() < 1024, "{} bytes", line.len());
        let e: serde_json::Value = serde_json::from_str(line).unwrap();
        let q = e["q"].as_str().unwrap();
        assert!(q.chars().count() <= 100, "{q}");
        assert!(!q.chars().any(char::is_control), "{q:?}");
    }
    assert_eq!(get(a, "/").0, 200, "still serving");
}

#[test]
fn a_search_log_that_cannot_be_written_leaves_search_working() {
    let dir = valid_tree();
    let out = dir.path().join("site");
    // A file where the log's folder should be.
    let log = dir.path().join("jurisdiction.toml/search-log.jsonl");
    let server = start_with(
        dir.path(),
        &out,
        &["--search-log".as_ref(), log.as_os_str()],
    );
    assert!(
        server.said.contains("搜索记录不可用") && server.said.contains("--no-search-log"),
        "{}",
        server.said
    );
    let (code, body) = get(&server.addr, &format!("/api/search?q={}", enc("宠物美容")));
    assert_eq!(code, 200, "{body}");
    assert_eq!(get(&server.addr, "/").0, 200);
}

#[test]
fn serve_on_lists_outside_git_says_which_editions_cannot_be_shown() {
    let lists = valid_tree();
    write(
        lists.path(),
        "jurisdiction.toml",
        "name = \"测试市\"\nedition = \"2025\"\n\n[[editions]]\nedition = \"2024\"\nrev = \"v2024\"\n",
    );
    let out = tempfile::tempdir().unwrap();
    let server = start(lists.path(), &out.path().join("site"));
    assert!(server.said.contains("警告"), "{}", server.said);
    assert!(server.said.contains("v2024"), "{}", server.said);
}
