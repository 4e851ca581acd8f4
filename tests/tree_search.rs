//! Search in a multi-level repository (issue 14, item 5): under `serve` each lower
//! jurisdiction's search page and `/j/<path>/api/search` are answered on the server from that
//! jurisdiction's own index — the same results, in the same order, as the browser's search of
//! its static index — and `scope=all` searches the whole tree with facet counts by level and by
//! jurisdiction, filterable; static pages say plainly that whole-tree search is not there;
//! `qingdan search --jurisdiction / --all`. Runs the real binary on the demo tree (克拉玛依市 and
//! its four districts) and on a single-jurisdiction repository.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

use common::*;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The demo tree, built once for every test of this file (they only read it) as `serve`
/// builds it: a site `build` made has another marker (its feedback form is not served), so
/// each test's `serve` would build it again, several at once in the same folder.
fn site() -> &'static Path {
    static SITE: OnceLock<PathBuf> = OnceLock::new();
    SITE.get_or_init(|| {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("tree_search/site");
        let _ = std::fs::remove_dir_all(&out);
        drop(serve_on(&repo().join("lists"), &out));
        assert!(
            !qingdan::serve::needs_build(&repo().join("lists"), &out),
            "serve built the site"
        );
        out
    })
}

struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `serve` on the demo lists and the site `site()` built from them (nothing to rebuild).
fn serve() -> Server {
    serve_on(&repo().join("lists"), site())
}

/// `serve` on `lists` and the site `out`.
fn serve_on(lists: &Path, out: &Path) -> Server {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("qingdan"))
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--no-search-log",
            "--lists",
        ])
        .arg(lists)
        .arg("--out")
        .arg(out)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let mut said = String::new();
    let addr = loop {
        let Some(line) = lines.next() else {
            let status = child.wait();
            panic!("serve stopped before printing its address ({status:?}):\n{said}");
        };
        let line = line.unwrap();
        said.push_str(&line);
        said.push('\n');
        if let Some(rest) = line.split("http://").nth(1) {
            break rest.split('/').next().unwrap().to_string();
        }
    };
    Server { child, addr }
}

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

fn get_json(addr: &str, path: &str) -> serde_json::Value {
    let (status, body) = get(addr, path);
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"))
}

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// The browser's engine (`search.js`, under node) on the static index of the site in `dir`.
fn run_engine(dir: &Path, requests: &serde_json::Value) -> Vec<serde_json::Value> {
    let mut child = Command::new("node")
        .arg(repo().join("tests/js/static_search.js"))
        .arg(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node runs the search script (scripts/test installs nodejs)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(requests.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn ids(hits: &serde_json::Value) -> Vec<String> {
    hits.as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_string())
        .collect()
}

/// The queries compared: every item name of the district, the judged citizen queries and a few
/// words common to many items.
fn queries(dir: &Path) -> Vec<String> {
    let mut qs: Vec<String> = Vec::new();
    for e in walkdir::WalkDir::new(dir.join("departments"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "toml"))
    {
        let text = std::fs::read_to_string(e.path()).unwrap();
        let v: toml::Value = toml::from_str(&text).unwrap();
        if let Some(name) = v.get("name").and_then(|n| n.as_str())
            && e.path().parent().is_some_and(|p| p.ends_with("items"))
        {
            qs.push(name.to_string());
        }
    }
    let judged: toml::Value = toml::from_str(
        &std::fs::read_to_string(repo().join("tests/fixtures/search_queries.toml")).unwrap(),
    )
    .unwrap();
    for q in judged["query"].as_array().unwrap() {
        qs.push(q["q"].as_str().unwrap().to_string());
    }
    qs.extend(
        [
            "许可",
            "处罚",
            "检查",
            "住房",
            "排污许可",
            "开饭店要办什么证",
        ]
        .map(String::from),
    );
    qs
}

/// A lower jurisdiction's search under serve is its own: results only of its site, with the
/// same top 10 in the same order as the browser's search of its static index (which the static
/// host gives), for every query; and not the root's results. The server finds its documents in
/// the whole-tree index: the district's site has no tantivy index of its own.
#[test]
fn a_districts_search_on_the_server_is_the_browsers() {
    let server = serve();
    let dir = site().join("j/dszq");
    assert!(!dir.join("_index/meta.json").exists());
    assert!(dir.join("_index/synonyms.json").is_file());
    let qs = queries(&repo().join("lists/jurisdictions/dszq"));
    assert!(qs.len() > 70, "{}", qs.len());
    let requests: Vec<serde_json::Value> =
        qs.iter().map(|q| serde_json::json!({ "q": q })).collect();
    let browser = run_engine(&dir, &serde_json::Value::Array(requests));
    let mut differ = Vec::new();
    let mut root_differs = 0;
    for (q, b) in qs.iter().zip(&browser) {
        let r = get_json(&server.addr, &format!("/j/dszq/api/search?q={}", enc(q)));
        for h in r["hits"].as_array().unwrap() {
            assert!(
                h["url"].as_str().unwrap().starts_with("/j/dszq/items/"),
                "{q}: {h}"
            );
            assert!(h.get("jurisdiction").is_none(), "{h}");
        }
        assert!(r["facets"].get("level").is_none());
        let (server_ids, browser_ids) = (ids(&r["hits"]), ids(&b["hits"]));
        if server_ids != browser_ids || r["total"] != b["total"] {
            differ.push(format!(
                "{q}: server {} {server_ids:?}\n    browser {} {browser_ids:?}",
                r["total"], b["total"]
            ));
        }
        let root = get_json(&server.addr, &format!("/api/search?q={}", enc(q)));
        root_differs += usize::from(root["total"] != r["total"]);
    }
    assert!(
        differ.is_empty(),
        "{} of {} queries differ:\n{}",
        differ.len(),
        qs.len(),
        differ.join("\n")
    );
    assert!(
        root_differs > qs.len() / 2,
        "the district's search is not the root's ({root_differs})"
    );
    // The page, rendered on the server, without JavaScript.
    let (status, html) = get(&server.addr, "/j/dszq/search/?q=%E8%AE%B8%E5%8F%AF");
    assert_eq!(status, 200);
    assert!(html.contains("<ol class=\"results\""), "{html}");
    assert!(html.contains("href=\"/j/dszq/items/"), "{html}");
    assert!(html.contains("action=\"/j/dszq/search/\""), "{html}");
    // No such jurisdiction, or a path out of the site: 404; the site's files still served.
    for bad in [
        "/j/nope/api/search?q=x",
        "/j/../api/search?q=x",
        "/j/%2e%2e/api/search?q=x",
        "/j/dszq/_index/api/search?q=x",
        "/j//api/search?q=x",
    ] {
        assert_eq!(get(&server.addr, bad).0, 404, "{bad}");
    }
    assert_eq!(get(&server.addr, "/j/dszq/").0, 200);
    let (status, body) = get(
        &server.addr,
        &format!("/j/dszq/api/search?q={}", "x".repeat(1001)),
    );
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        get(&server.addr, "/j/dszq/api/search?q=x&page=0").0,
        400,
        "page out of range"
    );
}

/// `scope=all` searches every jurisdiction: each hit says where it is, the facets count by
/// level and by jurisdiction, each with the other filters applied but not its own, and the
/// filters filter. The root's own search keeps its shape.
#[test]
fn whole_tree_search_counts_and_filters_by_level_and_jurisdiction() {
    let server = serve();
    let addr = &server.addr;
    let all = get_json(addr, "/api/search?q=%E8%AE%B8%E5%8F%AF&scope=all");
    let total = all["total"].as_u64().unwrap();
    let levels = all["facets"]["level"].as_array().unwrap();
    let names: Vec<&str> = levels.iter().map(|l| l["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["市级", "县级"], "highest level first");
    let sum = |v: &serde_json::Value| -> u64 {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x["count"].as_u64().unwrap())
            .sum()
    };
    assert_eq!(sum(&all["facets"]["level"]), total);
    assert_eq!(sum(&all["facets"]["jurisdiction"]), total);
    assert_eq!(sum(&all["facets"]["category"]), total);
    let places = all["facets"]["jurisdiction"].as_array().unwrap();
    assert_eq!(places.len(), 5, "{places:?}");
    assert!(
        all["facets"]["department"].as_array().unwrap().is_empty(),
        "departments once a jurisdiction is chosen"
    );
    let root = get_json(addr, "/api/search?q=%E8%AE%B8%E5%8F%AF");
    assert!(total > root["total"].as_u64().unwrap());
    assert!(root["facets"].get("level").is_none() && root["facets"].get("jurisdiction").is_none());
    assert!(root["hits"][0].get("jurisdiction").is_none());
    for h in all["hits"].as_array().unwrap() {
        let j = &h["jurisdiction"];
        let url = j["url"].as_str().unwrap();
        assert!(h["url"].as_str().unwrap().starts_with(url), "{h}");
        assert!(
            !j["name"].as_str().unwrap().is_empty() && !j["level"].as_str().unwrap().is_empty()
        );
    }
    // Every jurisdiction's results are there, each hit's address is a page of the site.
    let mut seen = std::collections::BTreeSet::new();
    for page in 1..=total.div_ceil(10) {
        let r = get_json(
            addr,
            &format!("/api/search?q=%E8%AE%B8%E5%8F%AF&scope=all&page={page}"),
        );
        for h in r["hits"].as_array().unwrap() {
            seen.insert(h["jurisdiction"]["path"].as_str().unwrap().to_string());
            let url = h["url"].as_str().unwrap();
            assert!(site().join(&url[1..]).is_file(), "{url}");
        }
    }
    assert_eq!(seen.len(), 5, "{seen:?}");
    // Level filter: only 县级 jurisdictions; the level facet still counts every level.
    let county = get_json(
        addr,
        "/api/search?q=%E8%AE%B8%E5%8F%AF&scope=all&level=%E5%8E%BF%E7%BA%A7",
    );
    let county_count = levels.iter().find(|l| l["name"] == "县级").unwrap()["count"].clone();
    assert_eq!(county["total"], county_count);
    assert_eq!(county["facets"]["level"], all["facets"]["level"]);
    assert_eq!(
        county["facets"]["jurisdiction"].as_array().unwrap().len(),
        4
    );
    for h in county["hits"].as_array().unwrap() {
        assert_eq!(h["jurisdiction"]["level"], "县级", "{h}");
    }
    // Jurisdiction filter: that district only, its departments as a facet.
    let dszq_count = places.iter().find(|p| p["id"] == "dszq").unwrap()["count"].clone();
    let dszq = get_json(addr, "/api/search?q=%E8%AE%B8%E5%8F%AF&scope=all&j=dszq");
    assert_eq!(dszq["total"], dszq_count);
    assert_eq!(
        sum(&dszq["facets"]["department"]),
        dszq_count.as_u64().unwrap()
    );
    assert_eq!(
        dszq["facets"]["jurisdiction"],
        all["facets"]["jurisdiction"]
    );
    for h in dszq["hits"].as_array().unwrap() {
        assert_eq!(h["jurisdiction"]["path"], "dszq");
        assert_eq!(h["jurisdiction"]["name"], "独山子区");
    }
    let department = dszq["facets"]["department"][0].clone();
    let in_dept = get_json(
        addr,
        &format!(
            "/api/search?q=%E8%AE%B8%E5%8F%AF&scope=all&j=dszq&department={}",
            enc(department["id"].as_str().unwrap())
        ),
    );
    assert_eq!(in_dept["total"], department["count"]);
    // The root is `.`; a jurisdiction not in the tree finds nothing.
    let top = get_json(addr, "/api/search?q=%E8%AE%B8%E5%8F%AF&scope=all&j=.");
    assert!(top["total"].as_u64().unwrap() > 0);
    for h in top["hits"].as_array().unwrap() {
        assert_eq!(h["jurisdiction"]["path"], ".");
        assert!(!h["url"].as_str().unwrap().starts_with("/j/"));
    }
    let none = get_json(addr, "/api/search?q=%E8%AE%B8%E5%8F%AF&scope=all&j=nope");
    assert_eq!(none["total"], 0);
    // From a district's site, the whole tree is the same whole tree.
    let from_district = get_json(addr, "/j/wehq/api/search?q=%E8%AE%B8%E5%8F%AF&scope=all");
    assert_eq!(ids(&from_district["hits"]), ids(&all["hits"]));
    assert_eq!(from_district["total"], all["total"]);
}

/// The search page under serve offers 本级 / 全部区划 and, for the whole tree, the level and
/// jurisdiction choices with their counts, without JavaScript; everything typed is escaped.
#[test]
fn search_pages_offer_the_scope_and_escape_everything() {
    let server = serve();
    let addr = &server.addr;
    let (status, html) = get(addr, "/search/?q=%E8%AE%B8%E5%8F%AF");
    assert_eq!(status, 200);
    assert!(html.contains("name=\"scope\" value=\"all\""), "{html}");
    assert!(html.contains("本级（克拉玛依市）"), "{html}");
    assert!(
        !html.contains("name=\"level\""),
        "no level choice for this jurisdiction's search"
    );
    let (status, html) = get(addr, "/j/dszq/search/?q=%E8%AE%B8%E5%8F%AF&scope=all");
    assert_eq!(status, 200);
    assert!(html.contains("value=\"all\" checked"), "{html}");
    assert!(html.contains("本级（独山子区）"), "{html}");
    assert!(
        html.contains("<select id=\"f-level\" name=\"level\""),
        "{html}"
    );
    assert!(html.contains("<option value=\"县级\""), "{html}");
    assert!(html.contains("<option value=\"dszq\""), "{html}");
    assert!(
        html.contains("<a href=\"/j/"),
        "hits link their jurisdiction: {html}"
    );
    assert!(!html.contains("不能同时搜索全部区划"), "{html}");
    // The pager keeps the scope and the filters.
    assert!(
        html.contains("scope=all&amp;level=&amp;j=&amp;page=2")
            || html.contains("scope=all&level=&j=&page=2"),
        "{html}"
    );
    // A choice made is kept; what was typed is escaped.
    let (status, html) = get(
        addr,
        "/search/?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E&scope=all&j=%3Cb%3Ex&level=%22%3E%3Cimg",
    );
    assert_eq!(status, 200);
    assert!(
        !html.contains("<script>alert") && !html.contains("<b>x"),
        "{html}"
    );
    assert!(html.contains("&lt;script&gt;"), "{html}");
    // The choices asked for stay chosen, escaped.
    assert!(html.contains("value=\"&lt;b&gt;x\" selected"), "{html}");
    assert!(
        html.contains("value=\"&quot;&gt;&lt;img\" selected"),
        "{html}"
    );
    let (status, _) = get(addr, &format!("/search/?q={}&scope=all", "x".repeat(1001)));
    assert_eq!(status, 400);
}

/// On a static host there is no whole-tree search: every search page of a tree says so in
/// Chinese and offers the jurisdictions page, with no scope control that could not work.
#[test]
fn static_pages_say_whole_tree_search_is_not_there() {
    for page in ["search/index.html", "j/dszq/search/index.html"] {
        let html = std::fs::read_to_string(site().join(page)).unwrap();
        assert!(html.contains("不能同时搜索全部区划"), "{page}");
        assert!(html.contains("href=\"/jurisdictions/\""), "{page}");
        assert!(!html.contains("name=\"scope\""), "{page}");
    }
    assert!(site().join("_index/tree/meta.json").is_file());
    assert!(site().join("_index/tree/jurisdictions.json").is_file());
    assert!(
        !site().join("j/dszq/_index/tree").exists(),
        "one tree index, the root's"
    );
}

/// A single-jurisdiction repository: no whole-tree index, no notice, no scope; scope=all asked
/// for anyway is this jurisdiction's search, said so on the page, 404 in the API.
#[test]
fn single_jurisdiction_sites_are_unchanged() {
    let lists = valid_tree();
    let out = tempfile::tempdir().unwrap();
    let site = out.path().join("site");
    build_ok(lists.path(), &site);
    assert!(!site.join("_index/tree").exists());
    let html = std::fs::read_to_string(site.join("search/index.html")).unwrap();
    assert!(!html.contains("全部区划") && !html.contains("name=\"scope\""));
    let o = qingdan()
        .args(["search", "统计", "--all", "--site"])
        .arg(&site)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("整个区划树"),
        "{o:?}"
    );
    let server = serve_on(lists.path(), &site);
    let (status, html) = get(&server.addr, "/search/?q=%E7%BB%9F%E8%AE%A1");
    assert_eq!(status, 200);
    assert!(html.contains("<ol class=\"results\"") && !html.contains("name=\"scope\""));
    let (status, html) = get(&server.addr, "/search/?q=%E7%BB%9F%E8%AE%A1&scope=all");
    assert_eq!(status, 200);
    assert!(html.contains("不能搜索全部区划"), "{html}");
    assert!(
        html.contains("<ol class=\"results\""),
        "this jurisdiction's results: {html}"
    );
    let (status, body) = get(&server.addr, "/api/search?q=%E7%BB%9F%E8%AE%A1&scope=all");
    assert_eq!(status, 404, "{body}");
    let r = get_json(&server.addr, "/api/search?q=%E7%BB%9F%E8%AE%A1");
    assert!(r["total"].as_u64().unwrap() > 0);
    assert!(r["facets"].get("level").is_none() && r["hits"][0].get("jurisdiction").is_none());
}

/// `qingdan search --jurisdiction PATH` reads that jurisdiction's own index (the results of
/// its site); `--all` the whole tree, filtered by `--level` and `--jurisdiction`.
#[test]
fn the_cli_searches_one_jurisdiction_or_the_whole_tree() {
    let run = |args: &[&str]| {
        let o = qingdan()
            .args([
                "search", "许可", "--format", "json", "--limit", "100", "--site",
            ])
            .arg(site())
            .args(args)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{args:?}: {o:?}");
        json(&o)
    };
    let own = run(&["--jurisdiction", "klmyq"]);
    assert!(own["total"].as_u64().unwrap() > 0);
    for h in own["hits"].as_array().unwrap() {
        assert!(
            h["url"].as_str().unwrap().starts_with("/j/klmyq/items/"),
            "{h}"
        );
    }
    let browser = run_engine(
        &site().join("j/klmyq"),
        &serde_json::json!([{ "q": "许可", "limit": 100 }]),
    );
    assert_eq!(ids(&own["hits"]), ids(&browser[0]["hits"]));
    assert_eq!(run(&["--jurisdiction", "."])["total"], run(&[])["total"]);
    let all = run(&["--all"]);
    assert_eq!(all["total"].as_u64().unwrap(), {
        let f = &all["facets"]["jurisdiction"];
        f.as_array()
            .unwrap()
            .iter()
            .map(|x| x["count"].as_u64().unwrap())
            .sum::<u64>()
    });
    let county = run(&["--all", "--level", "县级"]);
    assert!(county["total"].as_u64() < all["total"].as_u64());
    let in_klmyq = run(&["--all", "--jurisdiction", "klmyq"]);
    assert!(in_klmyq["total"].as_u64().unwrap() > 0);
    for h in in_klmyq["hits"].as_array().unwrap() {
        assert_eq!(h["jurisdiction"]["path"], "klmyq");
    }
    let text = qingdan()
        .args(["search", "许可", "--all", "--site"])
        .arg(site())
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&text.stdout).contains("[克拉玛依市 · 克拉玛依市"),
        "each hit says its jurisdiction: {text:?}"
    );
    for bad in [
        &["--jurisdiction", "nope"][..],
        &["--jurisdiction", "../x"],
        &["--level", "县级"],
    ] {
        let o = qingdan()
            .args(["search", "许可", "--site"])
            .arg(site())
            .args(bad)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{bad:?}");
    }
}

/// A rebuild with no list file changed links the whole-tree index from the previous site; a
/// change in one district's list writes it anew, and the whole-tree search finds the change.
#[test]
fn the_whole_tree_index_is_reused_until_a_list_changes() {
    use std::os::unix::fs::MetadataExt;
    let tmp = tempfile::tempdir().unwrap();
    let lists = tmp.path().join("lists");
    let copy = Command::new("cp")
        .arg("-r")
        .arg(repo().join("lists"))
        .arg(&lists)
        .status()
        .unwrap();
    assert!(copy.success());
    let out = tmp.path().join("site");
    let inode = || {
        std::fs::metadata(out.join("_index/tree/meta.json"))
            .unwrap()
            .ino()
    };
    let find = |q: &str| {
        let o = qingdan()
            .args(["search", q, "--all", "--format", "json", "--site"])
            .arg(&out)
            .output()
            .unwrap();
        json(&o)
    };
    build_ok(&lists, &out);
    let first = inode();
    let named = |r: &serde_json::Value| {
        r["hits"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["name"] == "琉璃瓦屋顶维护登记")
    };
    assert!(!named(&find("琉璃瓦屋顶维护登记")));
    build_ok(&lists, &out);
    assert_eq!(inode(), first, "nothing changed: linked");
    let item = lists.join("jurisdictions/dszq/departments/zfhcxjsj/items/650202-zfhcxjsj-001.toml");
    let text = std::fs::read_to_string(&item).unwrap().replace(
        "name = \"在城市建筑物、设施上悬挂、张贴宣传品审批\"",
        "name = \"琉璃瓦屋顶维护登记\"",
    );
    std::fs::write(&item, text).unwrap();
    build_ok(&lists, &out);
    assert_ne!(inode(), first, "a district's list changed: written anew");
    let r = find("琉璃瓦屋顶维护登记");
    assert_eq!(r["hits"][0]["name"], "琉璃瓦屋顶维护登记");
    assert_eq!(r["hits"][0]["jurisdiction"]["path"], "dszq");
}
