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

#[test]
fn citizen_queries_find_the_item_they_mean() {
    let (_dir, searcher) = demo_index();
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

/// Filters narrow the results and keep their order; the facets still count every match (each
/// facet without its own filter); total is what the filters leave; pages past the end are empty.
#[test]
fn filters_narrow_results_in_the_same_order_and_facets_count_all() {
    let (_dir, searcher) = demo_index();
    let search = |department: Option<&str>, category: Option<&str>, limit, offset| {
        searcher
            .search(&qingdan::index::Request {
                q: "许可".into(),
                department: department.map(Into::into),
                category: category.map(Into::into),
                limit,
                offset,
                ..Default::default()
            })
            .unwrap()
    };
    let all = search(None, None, 100, 0);
    assert!(all.total > 20, "许可 matches many items: {}", all.total);
    let dept_sum: usize = all.facets.department.iter().map(|f| f.count).sum();
    let cat_sum: usize = all.facets.category.iter().map(|f| f.count).sum();
    assert_eq!((dept_sum, cat_sum), (all.total, all.total));
    let dept = &all.facets.department[0];
    let d = dept.id.as_deref().unwrap();
    let by_dept = search(Some(d), None, 100, 0);
    assert_eq!(by_dept.total, dept.count);
    assert!(by_dept.hits.iter().all(|h| h.department_id == d));
    assert_eq!(
        by_dept.facets.department, all.facets.department,
        "the department facet ignores the department filter"
    );
    // Same order as unfiltered (where the unfiltered top 100 reaches).
    let in_all: Vec<&str> = all
        .hits
        .iter()
        .filter(|h| h.department_id == d)
        .map(|h| h.id.as_str())
        .collect();
    let filtered: Vec<&str> = by_dept.hits.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(&filtered[..in_all.len().min(filtered.len())], &in_all[..]);
    let cat = &by_dept.facets.category[0];
    let both = search(Some(d), Some(&cat.name), 100, 0);
    assert_eq!(both.total, cat.count);
    assert!(
        both.hits
            .iter()
            .all(|h| h.department_id == d && h.category == cat.name)
    );
    let past = search(Some(d), None, 10, by_dept.total + 5);
    assert!(past.hits.is_empty());
    assert_eq!(past.total, by_dept.total);
    let nowhere = search(Some("no-such-department"), None, 10, 0);
    assert_eq!(nowhere.total, 0);
    assert!(nowhere.hits.is_empty());
    assert_eq!(nowhere.facets.department, all.facets.department);
}

/// The search log's low-confidence signal (`Assessment::low`) on the judged queries: it seldom
/// flags a query whose first hit is right (false alarms would bury the real gaps in
/// `search-report`), and it flags the query whose first hit shares one word with it.
#[test]
fn low_confidence_seldom_flags_a_right_first_hit() {
    let (_dir, searcher) = demo_index();
    let judged: Judged =
        toml::from_str(&std::fs::read_to_string(fixture("search_queries.toml")).unwrap()).unwrap();
    let (mut right, mut right_low, mut wrong, mut wrong_low) = (0, 0, 0, 0);
    for case in &judged.query {
        let r = searcher
            .search(&qingdan::index::Request {
                q: case.q.clone(),
                limit: 10,
                ..Default::default()
            })
            .unwrap();
        let a = searcher.assess(&r);
        let top = r.hits.first().map_or("", |h| h.name.as_str());
        if r.hits.first().is_some_and(|h| case.expect.contains(&h.id)) {
            right += 1;
            if a.low() {
                right_low += 1;
                eprintln!("  flagged, first hit right: {} → {top} {a:?}", case.q);
            }
        } else {
            wrong += 1;
            if a.low() {
                wrong_low += 1;
                eprintln!("  flagged, first hit wrong: {} → {top} {a:?}", case.q);
            }
        }
    }
    eprintln!(
        "low confidence: {right_low} of {right} right first hits, {wrong_low} of {wrong} wrong ones"
    );
    assert!(
        right_low * 10 <= right,
        "{right_low} of {right} right first hits flagged"
    );
    let r = searcher
        .search(&qingdan::index::Request {
            // No item of the demo lists is about pet shops: the first hit (招投标项目备案) shares
            // only 备案 with it. (开干洗店要备案吗 was this example until the built-in register
            // took 干洗店 to 洗染业经营者, whose 备案 is now its first hit.)
            q: "开宠物店要备案吗".into(),
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert!(searcher.assess(&r).low(), "{:?}", searcher.assess(&r));
    let r = searcher
        .search(&qingdan::index::Request {
            q: "排污许可".into(),
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(searcher.assess(&r).coverage, Some(1.0));
}
