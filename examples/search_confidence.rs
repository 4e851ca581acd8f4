//! How the search log's low-confidence signal (`index::Assessment`) fares on the judged citizen
//! queries of `tests/fixtures/search_queries.toml`: of the queries whose first hit is right, how
//! many it would log as low confidence (false alarms), and of those whose first hit is wrong,
//! how many it catches. `cargo run --example search_confidence -- SITE` (a built demo site).

fn main() {
    let site = std::env::args().nth(1).unwrap_or_else(|| "site".into());
    let searcher = match qingdan::index::Searcher::open(&std::path::Path::new(&site).join("_index"))
    {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let text = std::fs::read_to_string("tests/fixtures/search_queries.toml").unwrap_or_default();
    let judged: toml::Value = toml::from_str(&text).unwrap_or(toml::Value::Integer(0));
    let (mut right, mut right_low, mut wrong, mut wrong_low) = (0, 0, 0, 0);
    for case in judged
        .get("query")
        .and_then(|q| q.as_array())
        .into_iter()
        .flatten()
    {
        let q = case.get("q").and_then(|v| v.as_str()).unwrap_or("");
        let expect: Vec<&str> = case
            .get("expect")
            .and_then(|v| v.as_array())
            .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        let Ok(r) = searcher.search(&qingdan::index::Request {
            q: q.to_string(),
            limit: 10,
            ..Default::default()
        }) else {
            continue;
        };
        let a = searcher.assess(&r);
        let top_right = r
            .hits
            .first()
            .is_some_and(|h| expect.contains(&h.id.as_str()));
        if top_right {
            right += 1;
            right_low += usize::from(a.low());
        } else {
            wrong += 1;
            wrong_low += usize::from(a.low());
        }
        println!(
            "{}\t{}\t{:?}\t{}\t{q}\t{}",
            if top_right { "right" } else { "WRONG" },
            if a.low() { "low" } else { "-" },
            a.coverage,
            a.loose,
            r.hits.first().map_or("", |h| h.name.as_str())
        );
    }
    println!("first hit right: {right}, logged as low: {right_low}");
    println!("first hit wrong: {wrong}, logged as low: {wrong_low}");
}
