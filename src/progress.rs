//! Progress bars for long work (importing many files, generating large lists). Shown only on a
//! terminal and never with `--format json`, so scripts and CI logs stay clean.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

/// A progress bar over `len` steps, or a hidden one when output is not for a person.
pub fn bar(len: u64, what: &str, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    let style = ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} {elapsed}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    bar.set_message(what.to_string());
    bar
}

/// Prints how long a named phase took, on stderr, when `QINGDAN_TIMINGS` is set: for finding
/// where a slow command spends its time (`QINGDAN_TIMINGS=1 qingdan diff …`).
pub fn phase(name: &str, since: std::time::Instant) {
    if timings() {
        eprintln!("{name:<28} {:>8.3} s", since.elapsed().as_secs_f64());
    }
}

/// Is `QINGDAN_TIMINGS` set (print phases' times and other figures of a command's work)?
pub fn timings() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("QINGDAN_TIMINGS").is_some())
}

/// `f()`, its time printed as `phase` prints it.
pub fn timed<T>(name: &str, f: impl FnOnce() -> T) -> T {
    let since = std::time::Instant::now();
    let out = f();
    phase(name, since);
    out
}
