//! Chinese search over the demo lists: citizen queries (colloquial, partial, official,
//! traditional script, one-character typos) with judged answers in
//! `tests/fixtures/search_queries.toml`. Reports recall@10 and MRR; recall@10 must be ≥ 0.9.

mod common;

use std::path::PathBuf;

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

#[test]
fn citizen_queries_find_the_item_they_mean() {
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
    let judged: Judged =
        toml::from_str(&std::fs::read_to_string(fixture("search_queries.toml")).unwrap()).unwrap();
    assert!(judged.query.len() >= 40);
    let mut found = 0usize;
    let mut rr = 0f64;
    let mut by_kind: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    let mut misses = Vec::new();
    for case in &judged.query {
        let r = searcher
            .search(&qingdan::index::Request {
                q: case.q.clone(),
                limit: 10,
                ..Default::default()
            })
            .unwrap();
        let rank = r.hits.iter().position(|h| case.expect.contains(&h.id));
        let k = by_kind.entry(case.kind.clone()).or_default();
        k.1 += 1;
        match rank {
            Some(i) => {
                found += 1;
                k.0 += 1;
                rr += 1.0 / (i as f64 + 1.0);
            }
            None => misses.push(format!(
                "{} [{}] → {:?}",
                case.q,
                case.kind,
                r.hits
                    .iter()
                    .take(3)
                    .map(|h| h.name.as_str())
                    .collect::<Vec<_>>()
            )),
        }
    }
    let n = judged.query.len() as f64;
    let recall = found as f64 / n;
    let mrr = rr / n;
    eprintln!(
        "search relevance: {} queries, recall@10 = {recall:.3}, MRR = {mrr:.3}",
        judged.query.len()
    );
    for (kind, (f, t)) in &by_kind {
        eprintln!("  {kind}: {f}/{t}");
    }
    for m in &misses {
        eprintln!("  miss: {m}");
    }
    assert!(recall >= 0.9, "recall@10 {recall:.3} < 0.9");
}
