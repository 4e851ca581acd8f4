//! What the search log adds to a search in `serve`: `Searcher::assess` (one jieba pass over the
//! query), `searchlog::entry` (folding, the personal-data check) and `Log::record` (a queue
//! push), against `Searcher::search` itself, in one thread.
//!
//!   cargo run --release --example searchlog_cost -- SITE_DIR [ROUNDS]

use std::time::{Duration, Instant};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let site = args
        .next()
        .ok_or("usage: searchlog_cost SITE_DIR [ROUNDS]")?;
    let rounds: usize = args.next().map_or(Ok(200), |r| r.parse())?;
    let searcher =
        qingdan::index::Searcher::open(&std::path::Path::new(&site).join(qingdan::index::DIR))?;
    let dir = tempfile::tempdir()?;
    let log = qingdan::searchlog::Log::open(
        &dir.path().join("search-log.jsonl"),
        qingdan::searchlog::CAP,
        qingdan::searchlog::KEEP,
    )?;
    let queries = [
        "排污许可",
        "开饭店要办什么证",
        "宠物美容店",
        "开干洗店要备案吗",
        "统计 宠物 美容",
        "施公许可",
        "13812345678",
        "危险化学品",
    ];
    let (mut search, mut extra, mut assess) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let mut entry = Duration::ZERO;
    let mut logged = 0;
    for _ in 0..rounds {
        for q in queries {
            let req = qingdan::index::Request {
                q: q.to_string(),
                limit: 10,
                ..Default::default()
            };
            let t = Instant::now();
            let r = searcher.search_uncached(&req)?;
            let t2 = Instant::now();
            let a = searcher.assess(&r);
            assess += t2.elapsed();
            let t3 = Instant::now();
            let e = qingdan::searchlog::entry(q, None, None, &r, &a);
            entry += t3.elapsed();
            if let Some(e) = e {
                log.record(e);
                logged += 1;
            }
            extra += t2.elapsed();
            search += t2 - t;
        }
    }
    let n = (rounds * queries.len()) as f64;
    println!(
        "{n} searches, {logged} logged, {} dropped: search {:.1} µs, log {:.2} µs per search (assess {:.2} µs, entry {:.2} µs)",
        log.dropped(),
        search.as_secs_f64() * 1e6 / n,
        extra.as_secs_f64() * 1e6 / n,
        assess.as_secs_f64() * 1e6 / n,
        entry.as_secs_f64() * 1e6 / n
    );
    log.close();
    Ok(())
}
