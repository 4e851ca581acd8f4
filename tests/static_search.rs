//! The static search index (`site/search/`) answered by the real engine of
//! `templates/assets/search.js`, run under node (`tests/js/static_search.js`): the judged citizen
//! queries of `tests/fixtures/search_queries.toml` reach recall@10 ≥ 0.9, facet counts add up,
//! filters filter, one query downloads little, and the browser gives the server's results, in
//! the server's order, for every evaluation query (issue 15).

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::*;

#[derive(serde::Deserialize)]
struct Judged {
    query: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    q: String,
    expect: Vec<String>,
    kind: String,
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn build_demo(out: &Path) {
    build_ok(&repo().join("lists"), out);
}

/// The engine's answers to `requests` on the static index of `site`.
fn run_engine(site: &Path, requests: &serde_json::Value) -> Vec<serde_json::Value> {
    let mut child = Command::new("node")
        .arg(repo().join("tests/js/static_search.js"))
        .arg(site)
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

#[test]
fn the_static_index_finds_what_citizens_mean() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    build_demo(&site);
    for f in [
        "search/index.html",
        "search/meta.json",
        "search/t/0.bin",
        "search/d/0.json",
    ] {
        assert!(site.join(f).exists(), "missing {f}");
    }
    let judged: Judged =
        toml::from_str(&std::fs::read_to_string(fixture("search_queries.toml")).unwrap()).unwrap();
    let requests: Vec<serde_json::Value> = judged
        .query
        .iter()
        .map(|c| serde_json::json!({"q": c.q}))
        .collect();
    let answers = run_engine(&site, &serde_json::Value::Array(requests));
    assert_eq!(answers.len(), judged.query.len());
    let (mut found, mut rr) = (0usize, 0f64);
    let mut misses = Vec::new();
    let mut bytes: Vec<u64> = Vec::new();
    for (case, a) in judged.query.iter().zip(&answers) {
        let ids: Vec<&str> = a["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["id"].as_str().unwrap())
            .collect();
        bytes.push(a["bytes"].as_u64().unwrap());
        match ids
            .iter()
            .position(|id| case.expect.iter().any(|e| e == id))
        {
            Some(i) => {
                found += 1;
                rr += 1.0 / (i as f64 + 1.0);
            }
            None => misses.push(format!("{} [{}] → {:?}", case.q, case.kind, ids)),
        }
    }
    let n = judged.query.len() as f64;
    let recall = found as f64 / n;
    bytes.sort_unstable();
    eprintln!(
        "static search: {} queries, recall@10 = {recall:.3}, MRR = {:.3}; downloaded per query: median {} bytes, max {}",
        judged.query.len(),
        rr / n,
        bytes[bytes.len() / 2],
        bytes[bytes.len() - 1]
    );
    for m in &misses {
        eprintln!("  miss: {m}");
    }
    assert!(recall >= 0.9, "recall@10 {recall:.3} < 0.9");
    assert!(
        bytes[bytes.len() - 1] < 300_000,
        "a query downloads at most 300 KB"
    );
}

#[test]
fn facets_count_and_filters_filter() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    build_demo(&site);
    let answers = run_engine(
        &site,
        &serde_json::json!([
            {"q": "许可"},
            {"q": "许可", "category": "行政许可"},
            {"q": "许可", "department": "sthjj"},
            {"q": "排污許可證"},
            {"q": "排污许可证", "limit": 5},
            {"q": "\"AND\" (:) 😀"},
            {"q": ""},
            {"q": "排污许"},
        ]),
    );
    let all = &answers[0];
    let total = all["total"].as_u64().unwrap();
    assert!(total > 10);
    for key in ["department", "category"] {
        let sum: u64 = all["facets"][key]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["count"].as_u64().unwrap())
            .sum();
        assert_eq!(sum, total, "{key} counts add up to the total");
    }
    // The JSON of /api/search.
    let hit = &all["hits"][0];
    for field in [
        "id",
        "name",
        "department",
        "department_id",
        "category",
        "url",
        "score",
        "snippet",
    ] {
        assert!(!hit[field].is_null(), "hit has {field}");
    }
    assert!(
        site.join(hit["url"].as_str().unwrap().trim_start_matches('/'))
            .exists(),
        "the hit's url is a page"
    );
    // A category filter keeps that category, and its department counts still add up.
    let cat = &answers[1];
    let licensing = all["facets"]["category"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "行政许可")
        .unwrap()["count"]
        .as_u64()
        .unwrap();
    assert_eq!(cat["total"].as_u64().unwrap(), licensing);
    assert!(
        cat["hits"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["category"] == "行政许可")
    );
    let dept = &answers[2];
    assert!(dept["total"].as_u64().unwrap() >= 1);
    assert!(
        dept["hits"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["department_id"] == "sthjj")
    );
    // Traditional script folds like the server; an exact name comes first.
    let trad = &answers[3];
    assert_eq!(trad["searched"], "排污许可证");
    assert_eq!(trad["hits"][0]["id"], answers[4]["hits"][0]["id"]);
    assert_eq!(answers[4]["hits"].as_array().unwrap().len(), 5);
    // Any text is plain input; nothing to search gives nothing.
    assert!(answers[5]["total"].is_u64());
    assert_eq!(answers[6]["total"], 0);
    // An unfinished last word matches as a prefix.
    let prefix = answers[7]["hits"][0]["name"].as_str().unwrap();
    assert!(prefix.contains("排污许可"), "{prefix}");
}

#[derive(serde::Deserialize)]
struct Blind {
    query: Vec<BlindCase>,
}

#[derive(serde::Deserialize)]
struct BlindCase {
    half: String,
    query: String,
    relevant: Vec<String>,
}

/// One evaluation query: its set, its text, the items that answer it (empty: none judged) and,
/// for an official name, the name an item at rank 1 must have.
struct Eval {
    set: &'static str,
    q: String,
    relevant: Vec<String>,
    name: Option<String>,
}

fn evaluation() -> Vec<Eval> {
    let judged: Judged =
        toml::from_str(&std::fs::read_to_string(fixture("search_queries.toml")).unwrap()).unwrap();
    let blind: Blind =
        toml::from_str(&std::fs::read_to_string(fixture("search_colloquial.toml")).unwrap())
            .unwrap();
    let snap = qingdan::snapshot::Snapshot::load_dir(&repo().join("lists")).unwrap();
    let mut out: Vec<Eval> = judged
        .query
        .into_iter()
        .map(|c| Eval {
            set: "judged 66",
            q: c.q,
            relevant: c.expect,
            name: None,
        })
        .collect();
    out.extend(blind.query.into_iter().map(|c| Eval {
        set: if c.half == "test" {
            "colloquial test"
        } else {
            "colloquial tuning"
        },
        q: c.query,
        relevant: c.relevant,
        name: None,
    }));
    out.extend(snap.items.iter().map(|e| Eval {
        set: "official names",
        q: e.value.name.to_string(),
        relevant: vec![e.value.id.to_string()],
        name: Some(e.value.name.to_string()),
    }));
    out
}

#[derive(Default)]
struct Figures {
    queries: usize,
    judged: usize,
    found: usize,
    rr: f64,
    name_first: usize,
}

impl Figures {
    fn add(&mut self, e: &Eval, ids: &[String], names: &[String]) {
        self.queries += 1;
        if let Some(name) = &e.name {
            self.name_first += usize::from(names.first() == Some(name));
        }
        if e.relevant.is_empty() {
            return;
        }
        self.judged += 1;
        if let Some(i) = ids.iter().position(|id| e.relevant.contains(id)) {
            self.found += 1;
            self.rr += 1.0 / (i as f64 + 1.0);
        }
    }

    fn line(&self) -> String {
        let n = self.judged.max(1) as f64;
        format!(
            "recall@10 {:.3}, MRR {:.3} ({} judged of {}), exact name first {}",
            self.found as f64 / n,
            self.rr / n,
            self.judged,
            self.queries,
            self.name_first
        )
    }
}

/// Issue 15: the server (`index::Searcher`, what `/api/search` answers) and the browser
/// (`search.js` on the static index) rank with one definition (`index::rank`), so they give the
/// same top 10 in the same order for every evaluation query: the 66 judged queries, the 205 blind
/// colloquial ones (both halves) and every item's official name. Prints both engines' recall@10
/// and MRR per set, and what a query downloads.
#[test]
fn server_and_browser_agree_on_every_evaluation_query() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    build_demo(&site);
    let searcher = qingdan::index::Searcher::open(&site.join("_index")).unwrap();
    let evals = evaluation();
    let requests: Vec<serde_json::Value> = evals
        .iter()
        .map(|e| serde_json::json!({"q": e.q}))
        .collect();
    let answers = run_engine(&site, &serde_json::Value::Array(requests));
    assert_eq!(answers.len(), evals.len());
    let mut server_fig: BTreeMap<&str, Figures> = BTreeMap::new();
    let mut browser_fig: BTreeMap<&str, Figures> = BTreeMap::new();
    // Per set: (queries, same top 10 in the same order, same set, sum of overlap shares).
    let mut agree: BTreeMap<&str, (usize, usize, usize, f64)> = BTreeMap::new();
    let mut differ = Vec::new();
    let mut bytes: Vec<u64> = Vec::new();
    for (e, a) in evals.iter().zip(&answers) {
        let r = searcher
            .search(&qingdan::index::Request {
                q: e.q.clone(),
                limit: 10,
                ..Default::default()
            })
            .unwrap();
        let server: Vec<String> = r.hits.iter().map(|h| h.id.clone()).collect();
        let server_names: Vec<String> = r.hits.iter().map(|h| h.name.clone()).collect();
        let hits = a["hits"].as_array().unwrap();
        let browser: Vec<String> = hits
            .iter()
            .map(|h| h["id"].as_str().unwrap().to_string())
            .collect();
        let browser_names: Vec<String> = hits
            .iter()
            .map(|h| h["name"].as_str().unwrap().to_string())
            .collect();
        bytes.push(a["bytes"].as_u64().unwrap());
        server_fig
            .entry(e.set)
            .or_default()
            .add(e, &server, &server_names);
        browser_fig
            .entry(e.set)
            .or_default()
            .add(e, &browser, &browser_names);
        let g = agree.entry(e.set).or_default();
        g.0 += 1;
        let common = server.iter().filter(|id| browser.contains(id)).count();
        g.3 += common as f64 / server.len().max(browser.len()).max(1) as f64;
        let browser_related: Vec<String> = a["related"]
            .as_array()
            .map(|r| {
                r.iter()
                    .filter_map(|w| w.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        if r.related != browser_related {
            differ.push(format!(
                "[{}] {} related words\n    server  {:?}\n    browser {:?}",
                e.set, e.q, r.related, browser_related
            ));
        }
        if server == browser {
            g.1 += 1;
        } else {
            differ.push(format!(
                "[{}] {}\n    server  {:?}\n    browser {:?}",
                e.set, e.q, server, browser
            ));
        }
        let (mut s, mut b) = (server.clone(), browser.clone());
        s.sort();
        b.sort();
        g.2 += usize::from(s == b);
    }
    let total = evals.len();
    let same: usize = agree.values().map(|g| g.1).sum();
    eprintln!(
        "server vs browser: {same} of {total} evaluation queries have the same top 10 in the same order ({:.1} %)",
        100.0 * same as f64 / total as f64
    );
    for (set, (n, same, same_set, overlap)) in &agree {
        eprintln!(
            "  {set}: {same}/{n} same order, {same_set}/{n} same set, mean overlap {:.2}",
            overlap / *n as f64
        );
        eprintln!("    server  {}", server_fig[set].line());
        eprintln!("    browser {}", browser_fig[set].line());
    }
    bytes.sort_unstable();
    eprintln!(
        "  browser download per query: median {} bytes, max {}",
        bytes[bytes.len() / 2],
        bytes[bytes.len() - 1]
    );
    for d in differ.iter().take(15) {
        eprintln!("  differs: {d}");
    }
    assert!(
        bytes[bytes.len() - 1] < 300_000,
        "a query downloads at most 300 KB"
    );
    assert!(
        differ.is_empty(),
        "{} of {total} evaluation queries differ between server and browser",
        differ.len()
    );
}

/// Issue 15: with `thesaurus = true`, a word no name uses (吊车) is searched with the word of
/// the thesaurus's group that names use (起重机), by the server and the browser alike: the same
/// related words and the same top 10 for every blind colloquial query. Without it (the demo
/// lists), no related words.
#[test]
fn the_thesaurus_gives_both_engines_the_lists_word() {
    let dir = tempfile::tempdir().unwrap();
    let lists = dir.path().join("lists");
    copy_tree(&repo().join("lists"), &lists);
    let toml = std::fs::read_to_string(lists.join("synonyms.toml")).unwrap();
    std::fs::write(
        lists.join("synonyms.toml"),
        format!("thesaurus = true\n\n{toml}"),
    )
    .unwrap();
    let site = dir.path().join("site");
    build_ok(&lists, &site);
    let mut queries: Vec<String> = vec!["吊车".into(), "不一样".into(), "起重机".into()];
    queries.extend(
        evaluation()
            .into_iter()
            .filter(|e| e.set.starts_with("colloquial"))
            .map(|e| e.q),
    );
    let answers = |site: &Path| {
        let searcher = qingdan::index::Searcher::open(&site.join("_index")).unwrap();
        let requests: Vec<serde_json::Value> = queries
            .iter()
            .map(|q| serde_json::json!({ "q": q }))
            .collect();
        let browser = run_engine(site, &serde_json::Value::Array(requests));
        queries
            .iter()
            .zip(browser)
            .map(|(q, a)| {
                let r = searcher
                    .search(&qingdan::index::Request {
                        q: q.clone(),
                        limit: 10,
                        ..Default::default()
                    })
                    .unwrap();
                let words = |v: &serde_json::Value| -> Vec<String> {
                    v.as_array()
                        .unwrap()
                        .iter()
                        .map(|w| w.as_str().unwrap().to_string())
                        .collect()
                };
                let names: Vec<String> = a["hits"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|h| h["name"].as_str().unwrap().to_string())
                    .collect();
                assert_eq!(
                    r.related,
                    words(&a["related"]),
                    "{q}: the same related words"
                );
                assert_eq!(
                    r.hits.iter().map(|h| h.name.clone()).collect::<Vec<_>>(),
                    names,
                    "{q}: the same top 10"
                );
                (r.related, names.join(" | "))
            })
            .collect::<Vec<_>>()
    };
    let on = answers(&site);
    let (related, hits) = &on[0];
    assert!(related.contains(&"起重机".to_string()), "{related:?}");
    assert!(
        hits.contains("起重机"),
        "an item about 起重机 found: {hits}"
    );
    assert!(
        on[1].0.is_empty(),
        "after a negation the word is not looked up"
    );
    assert!(on[2].0.is_empty(), "a word the names use is not expanded");
    let expanded = on.iter().filter(|(r, _)| !r.is_empty()).count();
    eprintln!(
        "thesaurus on: {expanded} of {} queries got related words",
        on.len()
    );
    assert!(expanded >= 5, "{expanded} queries with related words");

    // The demo lists do not say `thesaurus = true`: no related words.
    let demo = dir.path().join("demo");
    build_demo(&demo);
    let searcher = qingdan::index::Searcher::open(&demo.join("_index")).unwrap();
    let r = searcher
        .search(&qingdan::index::Request {
            q: "吊车".into(),
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert!(r.related.is_empty(), "{:?}", r.related);
}
