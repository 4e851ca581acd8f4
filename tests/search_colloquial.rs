//! Issue 15: colloquial queries written blind (by someone who had not read the lists' names),
//! judged against the demo departments' lists (`tests/fixtures/search_colloquial.toml`), split
//! before any result was seen into a tuning half (odd ids) and a held-back test half (even ids)
//! that nothing is tuned on; and every item's official name, which must find that item first.

mod common;

use std::path::PathBuf;

use common::*;

#[derive(serde::Deserialize)]
struct Judged {
    query: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    id: String,
    half: String,
    query: String,
    relevant: Vec<String>,
}

/// The demo lists built into a temporary folder, and their search index opened.
fn demo_index() -> (tempfile::TempDir, qingdan::index::Searcher) {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let out = qingdan()
        .args(["build", "--lists"])
        .arg(repo.join("lists"))
        .arg("--out")
        .arg(&site)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let searcher = qingdan::index::Searcher::open(&site.join("_index")).unwrap();
    (dir, searcher)
}

fn search(s: &qingdan::index::Searcher, q: &str) -> qingdan::index::Response {
    s.search(&qingdan::index::Request {
        q: q.to_string(),
        limit: 10,
        ..Default::default()
    })
    .unwrap()
}

/// (recall@10, MRR, judged queries) of one half, printing its misses.
fn measure(s: &qingdan::index::Searcher, cases: &[&Case], half: &str) -> (f64, f64, usize) {
    let (mut found, mut rr) = (0usize, 0f64);
    for c in cases {
        let r = search(s, &c.query);
        match r.hits.iter().position(|h| c.relevant.contains(&h.id)) {
            Some(i) => {
                found += 1;
                rr += 1.0 / (i as f64 + 1.0);
            }
            None => eprintln!(
                "  miss [{half}] {} {} → {:?}",
                c.id,
                c.query,
                r.hits
                    .iter()
                    .take(3)
                    .map(|h| h.name.chars().take(24).collect::<String>())
                    .collect::<Vec<_>>()
            ),
        }
    }
    let n = cases.len().max(1) as f64;
    (found as f64 / n, rr / n, cases.len())
}

#[test]
fn blind_colloquial_queries_find_what_the_citizen_needs() {
    let (_dir, searcher) = demo_index();
    let judged: Judged =
        toml::from_str(&std::fs::read_to_string(fixture("search_colloquial.toml")).unwrap())
            .unwrap();
    // q001–q205 (first blind set) and b001–b090 (second blind set, session 10).
    assert_eq!(judged.query.len(), 295);
    for c in &judged.query {
        let n: u32 = c.id[1..].parse().unwrap();
        let half = if n % 2 == 1 { "tuning" } else { "test" };
        assert_eq!(c.half, half, "{}: odd ids tune, even ids test", c.id);
    }
    let half = |h: &str| -> Vec<&Case> {
        judged
            .query
            .iter()
            .filter(|c| c.half == h && !c.relevant.is_empty())
            .collect()
    };
    let (tuning, test) = (half("tuning"), half("test"));
    let (tr, tm, tn) = measure(&searcher, &tuning, "tuning");
    let (er, em, en) = measure(&searcher, &test, "test");
    eprintln!("colloquial (blind), tuning half: {tn} queries, recall@10 = {tr:.3}, MRR = {tm:.3}");
    eprintln!("colloquial (blind), TEST half:   {en} queries, recall@10 = {er:.3}, MRR = {em:.3}");
    // Floors at the figures with the built-in register (src/index/register.toml; docs/search.md,
    // "相关性"), both blind sets (205 + 90 queries, 204 judged): tuning 0.969 / MRR 0.754 (97
    // queries), test 0.841 / MRR 0.654 (107 queries); without it 0.722 / 0.462 and 0.682 /
    // 0.463. The target, 0.95 on the test half, is not reached.
    assert!(tr >= 0.96, "tuning half recall@10 {tr:.3} < 0.96");
    assert!(er >= 0.83, "test half recall@10 {er:.3} < 0.83");
}

/// Every item's name as published finds an item of that name first (several items may share a
/// name), and the item itself in the top 10.
#[test]
fn every_official_name_finds_its_item_first() {
    let (_dir, searcher) = demo_index();
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let snap = qingdan::snapshot::Snapshot::load_dir(&repo.join("lists")).unwrap();
    let (mut first, mut found, mut n) = (0usize, 0usize, 0usize);
    let mut misses = Vec::new();
    for e in &snap.items {
        let item = &e.value;
        n += 1;
        let r = search(&searcher, &item.name);
        if r.hits.first().is_some_and(|h| h.name == item.name.as_str()) {
            first += 1;
        } else {
            misses.push(format!(
                "{} → {:?}",
                item.name,
                r.hits.first().map(|h| h.name.clone())
            ));
        }
        if r.hits.iter().any(|h| h.id == item.id.as_str()) {
            found += 1;
        }
    }
    let recall = found as f64 / n as f64;
    eprintln!("official names: {n} items, exact name at rank 1: {first}, recall@10 = {recall:.4}");
    for m in misses.iter().take(20) {
        eprintln!("  not first: {m}");
    }
    assert_eq!(
        first, n,
        "every exact name ranks an item of that name first"
    );
    assert!(recall >= 0.98, "official-name recall@10 {recall:.4} < 0.98");
}
