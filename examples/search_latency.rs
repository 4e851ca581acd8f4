//! Time of `Searcher::search` per query, in one thread, on a built site's index: the CPU cost
//! behind /api/search without HTTP or a concurrent load (which scripts/bench measures with wrk).
//!
//!   cargo run --release --example search_latency -- SITE_DIR [ROUNDS]

use std::time::Instant;

// The allocator of the qingdan binary (and so of `serve`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let site = args
        .next()
        .ok_or("usage: search_latency SITE_DIR [ROUNDS]")?;
    let rounds: usize = args.next().map_or(Ok(100), |r| r.parse())?;
    let searcher =
        qingdan::index::Searcher::open(&std::path::Path::new(&site).join(qingdan::index::DIR))?;
    let queries = [
        "排污许可",
        "危险化学品",
        "道路运输",
        "监督检查",
        "开饭店要办什么证",
        "燃气",
        "药",
        "建筑施工企业资质",
    ];
    let mut all = Vec::new();
    for q in queries {
        let req = qingdan::index::Request {
            q: q.to_string(),
            limit: 10,
            ..Default::default()
        };
        let mut times = Vec::with_capacity(rounds);
        let mut total = 0;
        for _ in 0..rounds {
            let t = Instant::now();
            total = searcher.search_uncached(&req)?.total;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "{q:<12} {total:>6} hits   median {:6.2} ms   p99 {:6.2} ms",
            times[times.len() / 2],
            times[times.len() * 99 / 100]
        );
        all.extend(times);
    }
    all.sort_by(f64::total_cmp);
    println!(
        "all          median {:6.2} ms   p99 {:6.2} ms   mean {:6.2} ms",
        all[all.len() / 2],
        all[all.len() * 99 / 100],
        all.iter().sum::<f64>() / all.len() as f64
    );
    Ok(())
}
