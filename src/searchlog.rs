//! The search log: what citizens searched on the site and did not find, so that editors can add
//! synonyms (`lists/synonyms.toml`) from real demand.
//!
//! `qingdan serve` considers every search it answers (`/search/` and `/api/search`, first page,
//! not the requests `search.js` makes while the visitor is still typing) and appends one JSON
//! line for each search with no result (`zero`) or with results of low confidence (`low`, see
//! [`crate::index::Assessment`]). A line holds no personal data: no address, browser, cookie or
//! exact time — the query folded as the search folds it (at most 100 characters), the number of
//! results, the first hit's name and score, the filters (only a department or category the index
//! has) and the hour (UTC). A query with a run of 6 or more digits (telephone, ID or account
//! numbers) or an e-mail address is replaced by [`PERSONAL`].
//!
//! Writing never slows a search: entries go through a bounded queue to a background thread
//! that appends them four times a second; when the queue is full the entry is dropped, not
//! waited for. The file rotates at [`CAP`] bytes to `.1`, `.2`, `.3` (the oldest is deleted),
//! so the log never takes more than four times the cap on disk.
//!
//! `qingdan search-report` reads the log and its rotations and lists the most frequent queries of
//! each kind ([`report`]), with hints for editors.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};

use serde::{Deserialize, Serialize};

use crate::Error;
use crate::index::query;

/// Size at which the log rotates, in bytes.
pub const CAP: u64 = 1 << 20;

/// Rotated files kept (`search-log.jsonl.1` … `.3`).
pub const KEEP: usize = 3;

/// Entries waiting to be written; more are dropped. At `serve`'s 1,300 searches a second on
/// two cores, a tick's searches all fit even if every one were logged.
const QUEUE: usize = 4096;

/// How often the writer writes what was queued.
const TICK: std::time::Duration = std::time::Duration::from_millis(250);

/// Longest filter value kept, in characters.
const MAX_FILTER_CHARS: usize = 50;

/// What a query that looks like personal data is logged as.
pub const PERSONAL: &str = "〔疑似个人信息，已隐去〕";

/// File name of the log in its default folder.
pub const FILE_NAME: &str = "search-log.jsonl";

/// Where `serve` logs by default: `.qingdan/search-log.jsonl` beside the lists folder (in the
/// repository that holds it), never inside the site folder, which `build` replaces whole, nor
/// inside the lists folder, which `serve --watch` watches (`--lists .` is the current folder:
/// the log goes into its parent).
pub fn default_path(lists: &Path) -> PathBuf {
    let full = lists.canonicalize().unwrap_or_else(|_| lists.to_path_buf());
    let beside = match full.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        Some(_) => PathBuf::from("."),
        None => full.clone(),
    };
    beside.join(".qingdan").join(FILE_NAME)
}

/// Why a search was logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// No result.
    Zero,
    /// Results of low confidence.
    Low,
}

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The hour of the search, UTC: `2026-12-06T04`.
    pub hour: String,
    pub kind: Kind,
    /// The query, folded and bounded (`scrub`).
    pub q: String,
    /// Number of results.
    pub total: usize,
    /// The first hit's name and score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f32>,
    /// Share of the query in words of the first hit's name (`Assessment::coverage`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<f32>,
    /// Found only by the loose run (character pairs, common words).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub loose: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

/// The current hour, UTC, as logged.
pub fn hour_now() -> String {
    jiff::Timestamp::now().strftime("%Y-%m-%dT%H").to_string()
}

/// Does `q` look like personal data: a run of 6 or more digits (spaces and hyphens between
/// them allowed: 138 1234 5678) or an e-mail address?
pub fn personal(q: &str) -> bool {
    let mut digits = 0;
    let mut pending_separator = false;
    for c in q.chars() {
        if c.is_ascii_digit() {
            digits += 1;
            pending_separator = false;
            if digits >= 6 {
                return true;
            }
        } else if matches!(c, ' ' | '-') && digits > 0 && !pending_separator {
            pending_separator = true;
        } else {
            digits = 0;
            pending_separator = false;
        }
    }
    static EMAIL: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)+").ok()
    });
    // Without the pattern (it always compiles), any '@' counts.
    match EMAIL.as_ref() {
        Some(re) => re.is_match(q),
        None => q.contains('@'),
    }
}

/// The query as logged: folded as the search folds it (full width → half width, traditional →
/// simplified, lower case, no control characters), at most `query::MAX_CHARS` characters,
/// spaces collapsed; [`PERSONAL`] when it looks like personal data; `None` when empty.
pub fn scrub(q: &str) -> Option<String> {
    // Folded whole first, so that full-width digits count as digits, then cut.
    let folded = query::fold(q);
    if personal(&folded) {
        return Some(PERSONAL.to_string());
    }
    let q = query::normalize(&folded)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    (!q.is_empty()).then_some(q)
}

/// A filter value as logged: folded, bounded, not personal data.
pub fn scrub_filter(value: &str) -> Option<String> {
    let v: String = query::fold(value)
        .trim()
        .chars()
        .take(MAX_FILTER_CHARS)
        .collect();
    (!v.is_empty() && !personal(&v)).then_some(v)
}

/// The entry to log for a search, if any: `None` for a search with confident results, and for
/// one whose results the filters hid (the query finds items, under other filters).
pub fn entry(
    q: &str,
    department: Option<&str>,
    category: Option<&str>,
    r: &crate::index::Response,
    a: &crate::index::Assessment,
) -> Option<Entry> {
    let kind = if r.total == 0 {
        if !r.facets.department.is_empty() {
            return None;
        }
        Kind::Zero
    } else if a.low() {
        Kind::Low
    } else {
        return None;
    };
    let top = r.hits.first();
    Some(Entry {
        hour: hour_now(),
        kind,
        q: scrub(q)?,
        total: r.total,
        top: top.map(|h| h.name.chars().take(200).collect()),
        score: top.map(|h| (h.score * 100.0).round() / 100.0),
        coverage: a.coverage.map(|c| (c * 100.0).round() / 100.0),
        loose: a.loose,
        department: department.and_then(scrub_filter),
        category: category.and_then(scrub_filter),
    })
}

/// The open log: a queue to the thread that writes it.
pub struct Log {
    tx: SyncSender<Entry>,
    dropped: Arc<AtomicU64>,
    path: PathBuf,
    writer: Option<std::thread::JoinHandle<()>>,
}

impl Log {
    /// Open (create) the log at `path` for appending, rotating at `cap` bytes and keeping
    /// `keep` rotations. Fails when the file cannot be written, so `serve` says so at start.
    pub fn open(path: &Path, cap: u64, keep: usize) -> Result<Log, Error> {
        let file = open_append(path)?;
        let (tx, rx) = std::sync::mpsc::sync_channel(QUEUE);
        let dropped = Arc::new(AtomicU64::new(0));
        let writer = Writer {
            path: path.to_path_buf(),
            cap: cap.max(1),
            keep,
            size: file.metadata().map(|m| m.len()).unwrap_or(0),
            out: Some(std::io::BufWriter::new(file)),
            failed: false,
        };
        let writer = std::thread::Builder::new()
            .name("search-log".into())
            .spawn(move || writer.run(rx))
            .map_err(|source| Error::Write {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(Log {
            tx,
            dropped,
            path: path.to_path_buf(),
            writer: Some(writer),
        })
    }

    /// Write what is queued and stop (at the end of `serve`); the number of entries dropped
    /// because the queue was full.
    pub fn close(self) -> u64 {
        let Log {
            tx,
            writer,
            dropped,
            ..
        } = self;
        drop(tx);
        if let Some(w) = writer {
            let _ = w.join();
        }
        dropped.load(Ordering::Relaxed)
    }

    /// Queue `e` for writing; never waits (a full queue drops it).
    pub fn record(&self, e: Entry) {
        match self.tx.try_send(e) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Entries dropped because the queue was full (or the writer had stopped).
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn open_append(path: &Path) -> Result<std::fs::File, Error> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| Error::Write {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|source| Error::Write {
            path: path.to_path_buf(),
            source,
        })
}

/// `path.N`.
fn rotation(path: &Path, n: usize) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(format!(".{n}"));
    PathBuf::from(s)
}

/// `path` → `path.1` → … → `path.keep` (the oldest is replaced); with `keep` 0, `path` is
/// deleted.
fn rotate(path: &Path, keep: usize) -> std::io::Result<()> {
    let ignore_missing = |r: std::io::Result<()>| match r {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        r => r,
    };
    if keep == 0 {
        return ignore_missing(std::fs::remove_file(path));
    }
    for n in (1..keep).rev() {
        ignore_missing(std::fs::rename(rotation(path, n), rotation(path, n + 1)))?;
    }
    ignore_missing(std::fs::rename(path, rotation(path, 1)))
}

/// The background thread's state.
struct Writer {
    path: PathBuf,
    cap: u64,
    keep: usize,
    size: u64,
    out: Option<std::io::BufWriter<std::fs::File>>,
    /// An error was reported (once, until writing works again).
    failed: bool,
}

impl Writer {
    /// Every `TICK`, write what was queued and flush. The thread never waits on the queue
    /// itself: a receiver waiting there would have to be woken by each search that logs (a
    /// system call on the request path, measured at 5–40 µs a search on 2 cores), while a
    /// queue nobody waits on takes an entry with one atomic operation.
    fn run(mut self, rx: Receiver<Entry>) {
        loop {
            std::thread::sleep(TICK);
            let mut open = true;
            loop {
                match rx.try_recv() {
                    Ok(e) => self.write(&e),
                    Err(std::sync::mpsc::TryRecvError::Empty) => break,
                    Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                        open = false;
                        break;
                    }
                }
            }
            if let Some(out) = &mut self.out
                && let Err(e) = out.flush()
            {
                self.fail(&e);
            }
            if !open {
                return;
            }
        }
    }

    fn fail(&mut self, e: &dyn std::fmt::Display) {
        if !self.failed {
            eprintln!(
                "无法写入搜索记录 {}：{e}；搜索照常，这些记录丢弃。检查磁盘空间和写权限，或用 --no-search-log 关闭记录。",
                self.path.display()
            );
            self.failed = true;
        }
        self.out = None;
    }

    fn write(&mut self, e: &Entry) {
        let Ok(mut line) = serde_json::to_string(e) else {
            return;
        };
        line.push('\n');
        let len = line.len() as u64;
        if self.size > 0 && self.size + len > self.cap {
            if let Some(out) = &mut self.out {
                let _ = out.flush();
            }
            self.out = None;
            if let Err(e) = rotate(&self.path, self.keep) {
                self.fail(&e);
            }
            self.size = 0;
        }
        if self.out.is_none() {
            match open_append(&self.path) {
                Ok(f) => {
                    self.size = f.metadata().map(|m| m.len()).unwrap_or(0);
                    self.out = Some(std::io::BufWriter::new(f));
                    self.failed = false;
                }
                Err(e) => return self.fail(&e),
            }
        }
        if let Some(out) = &mut self.out {
            match out.write_all(line.as_bytes()) {
                Ok(()) => self.size += len,
                Err(e) => self.fail(&e),
            }
        }
    }
}

/// The log and its rotations that exist, oldest first.
pub fn files(path: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = (1..=KEEP)
        .rev()
        .map(|n| rotation(path, n))
        .filter(|p| p.is_file())
        .collect();
    if path.is_file() {
        v.push(path.to_path_buf());
    }
    v
}

/// Every entry of the log and its rotations, oldest first, and the number of lines that are
/// not entries (a line cut by a full disk, another program's text).
pub fn read(path: &Path) -> Result<(Vec<Entry>, usize, Vec<PathBuf>), Error> {
    let files = files(path);
    if files.is_empty() {
        return Err(Error::Usage(format!(
            "没有搜索记录 {}：qingdan serve 提供网站、有人搜索后才会写出它（默认在清单文件夹旁的 .qingdan/ 中）；用 --log 指定记录文件，或用 --lists 指定清单文件夹",
            path.display()
        )));
    }
    let mut entries = Vec::new();
    let mut bad = 0;
    for f in &files {
        let bytes = std::fs::read(f).map_err(|source| Error::Read {
            path: f.clone(),
            source,
        })?;
        for line in String::from_utf8_lossy(&bytes).lines() {
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Entry>(line) {
                Ok(e) => entries.push(e),
                Err(_) => bad += 1,
            }
        }
    }
    Ok((entries, bad, files))
}

/// One query of the report, with its searches counted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    pub q: String,
    pub count: usize,
    /// Hours (UTC) of the first and last search.
    pub first_seen: String,
    pub last_seen: String,
    /// Filters used with it, with their counts (`部门`/`类别` as searched), most first.
    pub filters: Vec<FilterCount>,
    /// Of the last search: number of results, first hit's name, share of the query in its
    /// words, found only by the loose run (`low` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coverage: Option<f32>,
    pub loose: bool,
    /// Item names closest to the query (with `--site`).
    pub nearest: Vec<String>,
    /// A line for `lists/synonyms.toml`: the query's words, and what they may mean.
    pub synonym: SynonymHint,
    /// What an editor may do, in Chinese.
    pub hint: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FilterCount {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    pub count: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SynonymHint {
    pub words: Vec<String>,
    /// Empty when nothing close is known: the editor writes the lists' term.
    pub means: Vec<String>,
}

/// What `search-report` prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The files read, oldest first.
    pub files: Vec<String>,
    pub since: Option<String>,
    /// Entries read (after `since`), and lines that were not entries.
    pub entries: usize,
    pub unreadable: usize,
    /// Searches whose query looked like personal data (not listed).
    pub personal: usize,
    /// Hours of the first and last entry read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<String>,
    /// Distinct queries of each kind, before `limit`.
    pub zero_queries: usize,
    pub low_queries: usize,
    /// Most searched first.
    pub zero: Vec<Group>,
    pub low: Vec<Group>,
}

/// Options of `report`.
pub struct ReportOptions<'a> {
    /// Only entries of this day or later (`YYYY-MM-DD`).
    pub since: Option<String>,
    /// Queries listed per kind.
    pub limit: usize,
    /// The built index, for the nearest item names.
    pub searcher: Option<&'a crate::index::Searcher>,
}

/// Check a `--since` value: a date `YYYY-MM-DD`.
pub fn parse_since(s: &str) -> Result<String, Error> {
    s.trim()
        .parse::<jiff::civil::Date>()
        .map(|d| d.to_string())
        .map_err(|_| {
            Error::Usage(format!(
                "--since {s} 不是日期；写成 年-月-日，如 2026-12-01"
            ))
        })
}

/// Aggregate `entries` (oldest first): each kind's queries, most searched first.
pub fn report(
    entries: &[Entry],
    unreadable: usize,
    files: &[PathBuf],
    o: &ReportOptions,
) -> Report {
    let kept: Vec<&Entry> = entries
        .iter()
        .filter(|e| o.since.as_deref().is_none_or(|s| e.hour.as_str() >= s))
        .collect();
    let personal = kept.iter().filter(|e| e.q == PERSONAL).count();
    let mut groups: BTreeMap<(Kind, &str), Vec<&Entry>> = BTreeMap::new();
    for e in kept.iter().filter(|e| e.q != PERSONAL) {
        groups.entry((e.kind, e.q.as_str())).or_default().push(e);
    }
    let mut zero = Vec::new();
    let mut low = Vec::new();
    for ((kind, q), es) in groups {
        let group = group(kind, q, &es, o.searcher);
        match kind {
            Kind::Zero => zero.push(group),
            Kind::Low => low.push(group),
        }
    }
    let order = |a: &Group, b: &Group| {
        b.count
            .cmp(&a.count)
            .then_with(|| b.last_seen.cmp(&a.last_seen))
            .then_with(|| a.q.cmp(&b.q))
    };
    zero.sort_by(order);
    low.sort_by(order);
    let (zero_queries, low_queries) = (zero.len(), low.len());
    zero.truncate(o.limit);
    low.truncate(o.limit);
    // The nearest names are looked up for the listed queries only.
    if let Some(s) = o.searcher {
        for g in zero.iter_mut().chain(low.iter_mut()) {
            g.nearest = s.nearest(&g.q, 3);
            g.hint = hint(g);
            if g.synonym.means.is_empty() {
                g.synonym.means = g.nearest.iter().take(1).cloned().collect();
            }
        }
    }
    Report {
        files: files.iter().map(|f| f.display().to_string()).collect(),
        since: o.since.clone(),
        entries: kept.len(),
        unreadable,
        personal,
        first_seen: kept.iter().map(|e| e.hour.clone()).min(),
        last_seen: kept.iter().map(|e| e.hour.clone()).max(),
        zero_queries,
        low_queries,
        zero,
        low,
    }
}

fn group(kind: Kind, q: &str, es: &[&Entry], searcher: Option<&crate::index::Searcher>) -> Group {
    let mut filters: BTreeMap<(Option<String>, Option<String>), usize> = BTreeMap::new();
    for e in es {
        if e.department.is_some() || e.category.is_some() {
            *filters
                .entry((e.department.clone(), e.category.clone()))
                .or_default() += 1;
        }
    }
    let mut filters: Vec<FilterCount> = filters
        .into_iter()
        .map(|((department, category), count)| FilterCount {
            department,
            category,
            count,
        })
        .collect();
    filters.sort_by_key(|f| std::cmp::Reverse(f.count));
    let last = es.iter().max_by(|a, b| a.hour.cmp(&b.hour));
    let words = query::strip(q);
    let mut g = Group {
        q: q.to_string(),
        count: es.len(),
        first_seen: es.iter().map(|e| e.hour.clone()).min().unwrap_or_default(),
        last_seen: es.iter().map(|e| e.hour.clone()).max().unwrap_or_default(),
        filters,
        total: None,
        top: None,
        coverage: None,
        loose: false,
        nearest: Vec::new(),
        synonym: SynonymHint {
            words: vec![words],
            means: Vec::new(),
        },
        hint: String::new(),
    };
    if kind == Kind::Low
        && let Some(last) = last
    {
        g.total = Some(last.total);
        g.top = last.top.clone();
        g.coverage = last.coverage;
        g.loose = last.loose;
    }
    if searcher.is_none() {
        g.hint = hint(&g);
    }
    g
}

/// What an editor may do about a group, in Chinese.
fn hint(g: &Group) -> String {
    let words = g.synonym.words.join("、");
    let mut s = String::new();
    if g.total.is_some() {
        if g.loose {
            s.push_str("查询中的词都没有作为词找到事项，结果只靠单字、字对匹配。");
        } else if let Some(c) = g.coverage {
            s.push_str(&format!(
                "查询中只有 {:.0}% 的字作为词出现在首条结果的名称里。",
                f64::from(c) * 100.0
            ));
        }
    }
    if !g.nearest.is_empty() {
        s.push_str(&format!("名称最接近的事项：{}。", g.nearest.join("、")));
    }
    s.push_str(&format!(
        "若群众说的“{words}”就是清单中的某个事项，在 lists/synonyms.toml 中加一条 [[synonym]]：words 写“{words}”，means 写清单中的用语（如事项名称中的关键词）；若清单中确实没有这项职权，不必处理。"
    ));
    s
}

/// The `[[synonym]]` table of `hint` as it would be written in `lists/synonyms.toml`, when it
/// says what the words may mean.
fn synonym_toml(hint: &SynonymHint) -> Option<String> {
    #[derive(Serialize)]
    struct File<'a> {
        synonym: [&'a SynonymHint; 1],
    }
    if hint.means.is_empty() {
        return None;
    }
    toml::to_string(&File { synonym: [hint] }).ok()
}

/// The report as text, in Chinese.
pub fn render_text(r: &Report) -> String {
    let mut s = String::new();
    s.push_str(&format!("搜索记录：{}\n", r.files.join("、")));
    match (&r.first_seen, &r.last_seen) {
        (Some(a), Some(b)) => {
            s.push_str(&format!("共 {} 次搜索，{a} 时至 {b} 时（UTC）", r.entries))
        }
        _ => s.push_str("没有记录"),
    }
    if let Some(since) = &r.since {
        s.push_str(&format!("，{since} 起"));
    }
    s.push_str("。\n");
    if r.personal > 0 {
        s.push_str(&format!(
            "另有 {} 次搜索的查询疑似个人信息（电话、证件号、邮箱），记录时已隐去，不列出。\n",
            r.personal
        ));
    }
    if r.unreadable > 0 {
        s.push_str(&format!("有 {} 行不是搜索记录，已跳过。\n", r.unreadable));
    }
    let section = |s: &mut String, title: &str, groups: &[Group], all: usize| {
        s.push_str(&format!("\n{title}（{all} 个不同的查询",));
        if groups.len() < all {
            s.push_str(&format!("，列出前 {} 个", groups.len()));
        }
        s.push_str("）：\n");
        if groups.is_empty() {
            s.push_str("  没有。\n");
        }
        for (i, g) in groups.iter().enumerate() {
            s.push_str(&format!(
                "{:>3}. {}　{} 次　{} 时至 {} 时\n",
                i + 1,
                g.q,
                g.count,
                g.first_seen,
                g.last_seen
            ));
            if !g.filters.is_empty() {
                let f: Vec<String> = g
                    .filters
                    .iter()
                    .map(|f| {
                        let parts: Vec<&str> = [f.department.as_deref(), f.category.as_deref()]
                            .into_iter()
                            .flatten()
                            .collect();
                        format!("{} {} 次", parts.join(" · "), f.count)
                    })
                    .collect();
                s.push_str(&format!("     筛选：{}\n", f.join("；")));
            }
            if let (Some(total), Some(top)) = (g.total, &g.top) {
                s.push_str(&format!("     {total} 条结果，第一条：{top}\n"));
            }
            s.push_str(&format!("     {}\n", g.hint));
            if let Some(toml) = synonym_toml(&g.synonym) {
                s.push_str("     可以这样写（means 按清单的用语改）：\n");
                for line in toml.lines() {
                    s.push_str(&format!("       {line}\n"));
                }
            }
        }
    };
    section(&mut s, "没有结果的查询", &r.zero, r.zero_queries);
    section(&mut s, "结果可能不对的查询", &r.low, r.low_queries);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(kind: Kind, q: &str, hour: &str) -> Entry {
        Entry {
            hour: hour.into(),
            kind,
            q: q.into(),
            total: if kind == Kind::Zero { 0 } else { 3 },
            top: (kind == Kind::Low).then(|| "某事项".to_string()),
            score: None,
            coverage: (kind == Kind::Low).then_some(0.25),
            loose: false,
            department: None,
            category: None,
        }
    }

    #[test]
    fn the_default_log_is_beside_the_lists() {
        let dir = tempfile::tempdir().unwrap();
        let lists = dir.path().join("repo/lists");
        std::fs::create_dir_all(&lists).unwrap();
        let root = dir.path().join("repo").canonicalize().unwrap();
        assert_eq!(default_path(&lists), root.join(".qingdan/search-log.jsonl"));
        assert_eq!(
            default_path(&lists.join(".")),
            root.join(".qingdan/search-log.jsonl"),
            "lists/. is the lists folder"
        );
        assert_eq!(
            default_path(Path::new("no-such-lists")),
            Path::new("./.qingdan/search-log.jsonl")
        );
    }

    #[test]
    fn personal_data_is_replaced() {
        for q in [
            "13812345678",
            "138 1234 5678",
            "138-1234-5678",
            "身份证 65020019900101123X 补办",
            "１３８１２３４５６７８", // full width
            "联系 zhang.san@example.com",
            "卡号 6222 0212 3456",
        ] {
            assert_eq!(scrub(q).as_deref(), Some(PERSONAL), "{q}");
        }
        for q in [
            "2024年 排污许可",
            "第12条",
            "12345 个体户",
            "a@b",
            "门牌 10-12 号",
        ] {
            assert_ne!(scrub(q).as_deref(), Some(PERSONAL), "{q}");
        }
    }

    #[test]
    fn queries_are_folded_bounded_and_cleaned() {
        assert_eq!(scrub("  營業執照　\t ").as_deref(), Some("营业执照"));
        assert_eq!(scrub("ＡＢＣ 许可").as_deref(), Some("abc 许可"));
        assert_eq!(scrub("排污\u{0}\u{7}许可\r\n").as_deref(), Some("排污许可"));
        assert_eq!(
            scrub(&"很".repeat(10_000)).map(|q| q.chars().count()),
            Some(100)
        );
        assert_eq!(scrub(" \t\u{1}"), None);
        assert_eq!(
            scrub_filter(&"部".repeat(500)).map(|f| f.chars().count()),
            Some(50)
        );
    }

    #[test]
    fn the_log_rotates_at_the_cap_and_keeps_three() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("logs/search-log.jsonl");
        let cap = 1000;
        let log = Log::open(&path, cap, KEEP).unwrap();
        let n = 200;
        for i in 0..n {
            log.record(e(Kind::Zero, &format!("查询{i}"), "2026-12-06T04"));
        }
        assert_eq!(log.close(), 0, "{n} entries fit in the queue");
        assert!(rotation(&path, 3).exists(), "rotated three times at least");
        assert!(!rotation(&path, 4).exists(), "only three rotations kept");
        let mut total = 0;
        for f in files(&path) {
            let len = std::fs::metadata(&f).unwrap().len();
            assert!(len <= cap, "{} is {len} bytes", f.display());
            total += len;
        }
        assert!(total <= cap * (KEEP as u64 + 1));
        let (entries, bad, read_from) = read(&path).unwrap();
        assert_eq!(bad, 0);
        assert_eq!(read_from.len(), KEEP + 1);
        // The newest entries are the ones kept, in order.
        let last = entries.last().unwrap();
        assert_eq!(last.q, format!("查询{}", n - 1));
        let numbers: Vec<usize> = entries
            .iter()
            .map(|e| e.q.trim_start_matches("查询").parse().unwrap())
            .collect();
        assert!(numbers.windows(2).all(|w| w[0] < w[1]), "{numbers:?}");
    }

    /// A queue that nobody reads (a writer stuck on a slow disk) drops entries at once: if
    /// `record` waited, this test would never end.
    #[test]
    fn a_full_queue_drops_instead_of_waiting() {
        let (tx, rx) = std::sync::mpsc::sync_channel(2);
        let log = Log {
            tx,
            dropped: Arc::new(AtomicU64::new(0)),
            path: PathBuf::from("unused"),
            writer: None,
        };
        for i in 0..10 {
            log.record(e(Kind::Zero, &format!("q{i}"), "2026-12-06T04"));
        }
        assert_eq!(log.dropped(), 8);
        assert_eq!(rx.try_iter().count(), 2);
        drop(rx);
        log.record(e(Kind::Zero, "q", "2026-12-06T04"));
        assert_eq!(log.dropped(), 9, "a stopped writer drops too");
    }

    #[test]
    fn reading_skips_broken_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.jsonl");
        let good = serde_json::to_string(&e(Kind::Zero, "开干洗店", "2026-12-06T04")).unwrap();
        std::fs::write(
            &path,
            format!("{good}\n{{\"hour\":\"20\n\nnot json\n{good}\n"),
        )
        .unwrap();
        std::fs::write(rotation(&path, 1), format!("{good}\n")).unwrap();
        let (entries, bad, files) = read(&path).unwrap();
        assert_eq!((entries.len(), bad, files.len()), (3, 2, 2));
        assert!(read(&dir.path().join("none.jsonl")).is_err());
    }

    #[test]
    fn the_report_counts_each_query_most_first() {
        let mut es = vec![
            e(Kind::Zero, "开干洗店", "2026-12-01T08"),
            e(Kind::Zero, "开干洗店", "2026-12-03T09"),
            e(Kind::Zero, "开干洗店", "2026-12-02T10"),
            e(Kind::Zero, "宠物医院", "2026-12-04T10"),
            e(Kind::Low, "开干洗店", "2026-12-04T11"),
            e(Kind::Low, "噪音", "2026-11-20T11"),
            e(Kind::Zero, PERSONAL, "2026-12-04T11"),
        ];
        es[3].department = Some("swj".into());
        let all = report(
            &es,
            1,
            &[],
            &ReportOptions {
                since: None,
                limit: 10,
                searcher: None,
            },
        );
        assert_eq!((all.entries, all.personal, all.unreadable), (7, 1, 1));
        let zero: Vec<(&str, usize)> = all.zero.iter().map(|g| (g.q.as_str(), g.count)).collect();
        assert_eq!(zero, [("开干洗店", 3), ("宠物医院", 1)]);
        let g = &all.zero[0];
        assert_eq!(
            (g.first_seen.as_str(), g.last_seen.as_str()),
            ("2026-12-01T08", "2026-12-03T09")
        );
        assert!(g.hint.contains("synonyms.toml"), "{}", g.hint);
        assert_eq!(g.synonym.words, ["开干洗店"]);
        assert_eq!(all.zero[1].filters[0].department.as_deref(), Some("swj"));
        assert_eq!(all.low.len(), 2);
        assert_eq!(all.low[0].coverage, Some(0.25));
        assert_eq!(all.low[0].top.as_deref(), Some("某事项"));
        let since = report(
            &es,
            0,
            &[],
            &ReportOptions {
                since: Some(parse_since("2026-12-02").unwrap()),
                limit: 1,
                searcher: None,
            },
        );
        assert_eq!(since.zero.len(), 1);
        assert_eq!(since.zero_queries, 2);
        assert_eq!(
            since.zero[0].count, 2,
            "the search of 12-01 is before --since"
        );
        assert_eq!(since.low.len(), 1);
        assert_eq!(since.low[0].q, "开干洗店");
        assert!(parse_since("12/02").is_err());
        let mut with_means = all.zero[0].clone();
        with_means.synonym.means = vec!["洗染业备案".into()];
        assert_eq!(
            synonym_toml(&with_means.synonym).as_deref(),
            Some("[[synonym]]\nwords = [\"开干洗店\"]\nmeans = [\"洗染业备案\"]\n")
        );
        assert_eq!(synonym_toml(&all.zero[0].synonym), None);
        let text = render_text(&all);
        assert!(
            text.contains("没有结果的查询") && text.contains("开干洗店　3 次"),
            "{text}"
        );
    }
}
