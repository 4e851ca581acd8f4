//! Feedback on item pages (意见反馈): what a citizen may send about one item (有帮助 / 没帮助,
//! 纠错, 投诉), how it is checked, where it is kept and how it is read back.
//!
//! - [`validate`] turns a posted form into a [`Submission`] or a Chinese message saying what is
//!   wrong (unknown item, kind not offered, text too long …). Nothing personal is required: the
//!   optional contact field is stored only when given, and the sender's address is never stored.
//! - [`Store`] keeps submissions in an embedded SQLite database (WAL, one transaction per post,
//!   so a post that was answered "thank you" survives a killed server) with a bound on rows and
//!   on the file's size: when full it refuses instead of growing.
//! - [`RateLimiter`] is a token bucket per client address (an IPv6 client by its /64), so one
//!   client cannot fill the store.
//! - [`write`] lists or exports what was sent (text, JSON, CSV, xlsx); cells of the CSV and xlsx
//!   that a spreadsheet would take for a formula are prefixed with `'` (OWASP's advice).
//!
//! The site side (the block on every item page, its form's address on a static host) is in
//! `render`; the endpoint is in `serve`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use rusqlite::{Connection, OpenFlags, params};
use serde::{Deserialize, Serialize};

use crate::Error;

/// The kinds of feedback the item page offers, with their labels.
pub const KINDS: [(&str, &str); 4] = [
    ("helpful", "有帮助"),
    ("unhelpful", "没帮助"),
    ("error", "纠错"),
    ("complaint", "投诉"),
];

/// Longest text accepted, in characters.
pub const MAX_TEXT_CHARS: usize = 2000;
/// Longest contact accepted, in characters.
pub const MAX_CONTACT_CHARS: usize = 100;
/// Largest form body accepted, in bytes (the text at 3 bytes a character and the rest, encoded).
pub const MAX_BODY_BYTES: usize = 32 * 1024;
/// The file in the site's `_index/` that lists the items feedback may be about.
pub const ITEMS_FILE: &str = "feedback.json";
/// The file in the root site's `_index/` of a multi-level repository that lists the lower
/// jurisdictions' sites (`j/<path>`), each with its own `_index/feedback.json`.
pub const LOWER_SITES_FILE: &str = "lower-sites.json";

/// The label of a kind ("纠错"), or the kind itself if unknown.
pub fn label(kind: &str) -> &str {
    KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or(kind, |(_, l)| l)
}

/// What the site knows of an item feedback can be about (written by `build` into
/// `_index/feedback.json`, read by `serve`).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ItemInfo {
    pub department: String,
    pub department_name: String,
    /// The official code (the item's `code`, else its id).
    pub code: String,
    pub name: String,
    pub url: String,
}

/// The posted form, every field optional text so that nothing is rejected unread.
#[derive(Debug, Default, Deserialize)]
pub struct Form {
    pub item: Option<String>,
    pub kind: Option<String>,
    pub text: Option<String>,
    pub contact: Option<String>,
}

impl Form {
    /// A form posted as `application/x-www-form-urlencoded` (the first of a repeated field; bytes
    /// that are not UTF-8 become U+FFFD).
    pub fn parse(body: &[u8]) -> Form {
        let mut form = Form::default();
        for (k, v) in form_urlencoded::parse(body) {
            let slot = match &*k {
                "item" => &mut form.item,
                "kind" => &mut form.kind,
                "text" => &mut form.text,
                "contact" => &mut form.contact,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(v.into_owned());
            }
        }
        form
    }
}

/// A checked submission, ready to store.
#[derive(Clone, Debug, PartialEq)]
pub struct Submission {
    pub item: String,
    pub info: ItemInfo,
    pub kind: &'static str,
    pub text: String,
    pub contact: Option<String>,
}

/// Why a form was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Invalid {
    NoItem,
    UnknownItem,
    Kind,
    NoText,
    TextTooLong,
    ContactTooLong,
}

impl Invalid {
    /// What to tell the sender.
    pub fn message(&self) -> String {
        match self {
            Invalid::NoItem => "没有说明是哪个事项的反馈；请从事项页面上的表单提交。".into(),
            Invalid::UnknownItem => {
                "没有这个事项（可能已被取消或更名）；请回到网站搜索该事项后，在事项页面上提交。"
                    .into()
            }
            Invalid::Kind => "反馈类型不对：只能是 有帮助、没帮助、纠错 或 投诉。".into(),
            Invalid::NoText => "请写明纠错或投诉的内容后再提交。".into(),
            Invalid::TextTooLong => {
                format!("内容太长：最多 {MAX_TEXT_CHARS} 个字；请删减后再提交。")
            }
            Invalid::ContactTooLong => {
                format!("联系方式太长：最多 {MAX_CONTACT_CHARS} 个字（联系方式可以不填）。")
            }
        }
    }
}

/// Trimmed, with control characters other than line breaks and tabs removed, line breaks as
/// `\n`.
fn clean(s: &str) -> String {
    s.replace("\r\n", "\n")
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .collect::<String>()
        .trim()
        .to_string()
}

/// Check a posted form against the items of the site.
pub fn validate<'a>(
    form: &Form,
    items: impl Fn(&str) -> Option<&'a ItemInfo>,
) -> Result<Submission, Invalid> {
    let item = form.item.as_deref().map(str::trim).unwrap_or("");
    if item.is_empty() {
        return Err(Invalid::NoItem);
    }
    let info = items(item).ok_or(Invalid::UnknownItem)?;
    let kind = form.kind.as_deref().map(str::trim).unwrap_or("");
    let kind = KINDS
        .iter()
        .map(|(k, _)| *k)
        .find(|k| *k == kind)
        .ok_or(Invalid::Kind)?;
    let text = clean(form.text.as_deref().unwrap_or(""));
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(Invalid::TextTooLong);
    }
    if matches!(kind, "error" | "complaint") && text.is_empty() {
        return Err(Invalid::NoText);
    }
    let contact = clean(form.contact.as_deref().unwrap_or(""));
    if contact.chars().count() > MAX_CONTACT_CHARS {
        return Err(Invalid::ContactTooLong);
    }
    Ok(Submission {
        item: item.to_string(),
        info: info.clone(),
        kind,
        text,
        contact: (!contact.is_empty()).then_some(contact),
    })
}

/// Bounds of the store.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_rows: u64,
    /// Largest database file, in bytes (the write-ahead log aside).
    pub max_bytes: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_rows: 200_000,
            max_bytes: 256 << 20,
        }
    }
}

/// Why a submission was not stored.
#[derive(Debug)]
pub enum StoreError {
    /// The store reached its bound.
    Full,
    Db(rusqlite::Error),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Full => write!(f, "反馈数据库已满"),
            StoreError::Db(e) => write!(f, "反馈数据库出错：{e}"),
        }
    }
}

fn full_or_db(e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DiskFull) => StoreError::Full,
        _ => StoreError::Db(e),
    }
}

/// One stored submission.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Record {
    pub id: i64,
    /// When it arrived, UTC (`2026-01-31T08:00:00Z`).
    pub created: String,
    pub item: String,
    pub code: String,
    pub name: String,
    pub department: String,
    pub department_name: String,
    pub kind: String,
    pub kind_label: String,
    pub text: String,
    pub contact: Option<String>,
}

/// Which records to list.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub department: Option<String>,
    pub item: Option<String>,
    /// `YYYY-MM-DD` (UTC): records from that day on.
    pub since: Option<String>,
}

/// The feedback database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    rows: u64,
    limits: Limits,
    page_size: u64,
}

fn db_error(path: &Path, e: rusqlite::Error) -> Error {
    Error::Database {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY,
    created TEXT NOT NULL,
    item TEXT NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    department TEXT NOT NULL,
    department_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    contact TEXT
);
CREATE INDEX IF NOT EXISTS feedback_item ON feedback (item);
CREATE INDEX IF NOT EXISTS feedback_department ON feedback (department, created);";

impl Store {
    /// Open the database at `path`, creating it (and its folder) when `create`.
    pub fn open(path: &Path, limits: Limits, create: bool) -> Result<Store, Error> {
        if create {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|source| Error::Write {
                    path: dir.to_path_buf(),
                    source,
                })?;
            }
        } else if !path.exists() {
            return Err(Error::Usage(format!(
                "没有找到反馈数据库 {}；用 --db 指定 qingdan serve 使用的数据库（serve 的 --feedback-db，默认在网站文件夹旁的 qingdan-feedback.sqlite）",
                path.display()
            )));
        }
        let flags = if create {
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE
        } else {
            OpenFlags::SQLITE_OPEN_READ_WRITE
        } | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let err = |e| db_error(path, e);
        let conn = Connection::open_with_flags(path, flags).map_err(err)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(err)?;
        // WAL: readers (`qingdan feedback`) do not block the server; NORMAL: each commit is in
        // the log before the answer, which a killed process does not lose (a power cut may
        // lose the last commits, not corrupt the file).
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(err)?;
        // The log is emptied into the database every 1000 pages; this keeps the file it
        // leaves behind small too.
        conn.pragma_update(None, "journal_size_limit", 16i64 << 20)
            .map_err(err)?;
        conn.execute_batch(SCHEMA).map_err(err)?;
        let page_size: u64 = conn
            .pragma_query_value(None, "page_size", |r| r.get::<_, i64>(0))
            .map_err(err)?
            .max(512) as u64;
        // The hard bound: SQLite refuses (SQLITE_FULL) to grow the file past it, whatever a
        // single insert holds. The soft bound in `insert` refuses before that.
        let max_pages = limits.max_bytes / page_size + 64;
        conn.pragma_update(None, "max_page_count", max_pages as i64)
            .map_err(err)?;
        let rows: i64 = conn
            .query_row("SELECT count(*) FROM feedback", [], |r| r.get(0))
            .map_err(err)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            rows: rows.max(0) as u64,
            limits,
            page_size,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn rows(&self) -> u64 {
        self.rows
    }

    fn bytes(&self) -> Result<u64, rusqlite::Error> {
        let pages: i64 = self
            .conn
            .pragma_query_value(None, "page_count", |r| r.get(0))?;
        Ok(pages.max(0) as u64 * self.page_size)
    }

    /// Store a submission (committed when this returns Ok), at `created`.
    pub fn insert(&mut self, s: &Submission, created: &str) -> Result<i64, StoreError> {
        if self.rows >= self.limits.max_rows
            || self.bytes().map_err(StoreError::Db)? >= self.limits.max_bytes
        {
            return Err(StoreError::Full);
        }
        self.conn
            .execute(
                "INSERT INTO feedback (created, item, code, name, department, department_name, kind, text, contact)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    created,
                    s.item,
                    s.info.code,
                    s.info.name,
                    s.info.department,
                    s.info.department_name,
                    s.kind,
                    s.text,
                    s.contact
                ],
            )
            .map_err(full_or_db)?;
        self.rows += 1;
        Ok(self.conn.last_insert_rowid())
    }

    /// The records matching `filter`, oldest first.
    pub fn list(&self, filter: &Filter) -> Result<Vec<Record>, Error> {
        let err = |e| db_error(&self.path, e);
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, created, item, code, name, department, department_name, kind, text, contact
                 FROM feedback
                 WHERE (?1 IS NULL OR department = ?1) AND (?2 IS NULL OR item = ?2) AND (?3 IS NULL OR created >= ?3)
                 ORDER BY id",
            )
            .map_err(err)?;
        let rows = stmt
            .query_map(params![filter.department, filter.item, filter.since], |r| {
                let kind: String = r.get(7)?;
                Ok(Record {
                    id: r.get(0)?,
                    created: r.get(1)?,
                    item: r.get(2)?,
                    code: r.get(3)?,
                    name: r.get(4)?,
                    department: r.get(5)?,
                    department_name: r.get(6)?,
                    kind_label: label(&kind).to_string(),
                    kind,
                    text: r.get(8)?,
                    contact: r.get(9)?,
                })
            })
            .map_err(err)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(err)
    }

    /// "有帮助" and "没帮助" counts of every item that has any.
    pub fn votes(&self) -> Result<HashMap<String, Votes>, Error> {
        let err = |e| db_error(&self.path, e);
        let mut stmt = self
            .conn
            .prepare(
                "SELECT item, sum(kind = 'helpful'), sum(kind = 'unhelpful') FROM feedback
                 WHERE kind IN ('helpful', 'unhelpful') GROUP BY item",
            )
            .map_err(err)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    Votes {
                        helpful: r.get::<_, i64>(1)?.max(0) as u64,
                        unhelpful: r.get::<_, i64>(2)?.max(0) as u64,
                    },
                ))
            })
            .map_err(err)?;
        rows.collect::<Result<HashMap<_, _>, _>>().map_err(err)
    }
}

/// How many found an item's page helpful or not.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Votes {
    pub helpful: u64,
    pub unhelpful: u64,
}

/// Is `date` a `YYYY-MM-DD` date? Returns it as the start of `created` values to compare with.
pub fn since(date: &str) -> Result<String, Error> {
    date.parse::<jiff::civil::Date>()
        .map(|d| d.to_string())
        .map_err(|_| {
            Error::Usage(format!(
                "日期 {date} 不对，应写成 YYYY-MM-DD，如 2026-01-31"
            ))
        })
}

/// Now, as stored in `created`.
pub fn now() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// A token bucket per client: `burst` posts at once, then `per_minute` a minute. IPv6 clients
/// are counted by their /64 (one household or host has a whole /64 to pick addresses from).
pub struct RateLimiter {
    burst: f64,
    per_sec: f64,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

/// Clients remembered at most; past it, those whose bucket is full again are forgotten first.
const MAX_CLIENTS: usize = 100_000;

impl RateLimiter {
    pub fn new(per_minute: u32, burst: u32) -> RateLimiter {
        RateLimiter {
            burst: f64::from(burst.max(1)),
            per_sec: f64::from(per_minute) / 60.0,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn key(ip: IpAddr) -> IpAddr {
        match ip {
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => {
                    let s = v6.segments();
                    IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
                }
            },
            v4 => v4,
        }
    }

    /// May `ip` post now? Takes a token when it may.
    pub fn allow(&self, ip: IpAddr, now: Instant) -> bool {
        let Ok(mut buckets) = self.buckets.lock() else {
            return true;
        };
        if buckets.len() >= MAX_CLIENTS {
            let (burst, per_sec) = (self.burst, self.per_sec);
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.saturating_duration_since(*at).as_secs_f64() * per_sec < burst
            });
            if buckets.len() >= MAX_CLIENTS {
                // Still full of clients that are all posting: start afresh rather than grow.
                buckets.clear();
            }
        }
        let (tokens, at) = buckets.entry(Self::key(ip)).or_insert((self.burst, now));
        let refilled = (*tokens + now.saturating_duration_since(*at).as_secs_f64() * self.per_sec)
            .min(self.burst);
        *at = now;
        if refilled >= 1.0 {
            *tokens = refilled - 1.0;
            true
        } else {
            *tokens = refilled;
            false
        }
    }
}

/// Output formats of `qingdan feedback`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Csv,
    Xlsx,
}

/// A cell a spreadsheet would read as a formula gets a `'` in front (OWASP, "CSV Injection").
pub fn defuse(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '＝' | '＋' | '－' | '＠') => {
            format!("'{cell}").into()
        }
        _ => cell.into(),
    }
}

const HEADERS: [&str; 10] = [
    "编号",
    "时间（UTC）",
    "事项编码",
    "事项名称",
    "部门",
    "部门名称",
    "类型",
    "内容",
    "联系方式",
    "事项标识",
];

fn cells(r: &Record) -> [String; 10] {
    [
        r.id.to_string(),
        r.created.clone(),
        r.code.clone(),
        r.name.clone(),
        r.department.clone(),
        r.department_name.clone(),
        r.kind_label.clone(),
        r.text.clone(),
        r.contact.clone().unwrap_or_default(),
        r.item.clone(),
    ]
}

/// The records in `format`, with the votes per item (JSON only).
pub fn write(
    records: &[Record],
    votes: &HashMap<String, Votes>,
    format: Format,
) -> Result<Vec<u8>, Error> {
    match format {
        Format::Text => {
            let mut s = String::new();
            for r in records {
                // The item's id only when it is not its code.
                let id = if r.item == r.code {
                    String::new()
                } else {
                    format!(" {}", r.item)
                };
                s.push_str(&format!(
                    "#{} {} {} {}（{}）{id} [{}]\n",
                    r.id, r.created, r.code, r.name, r.department_name, r.kind_label
                ));
                if !r.text.is_empty() {
                    for line in r.text.lines() {
                        s.push_str(&format!("    {line}\n"));
                    }
                }
                if let Some(c) = &r.contact {
                    s.push_str(&format!("    联系方式：{c}\n"));
                }
            }
            s.push_str(&format!("共 {} 条反馈。\n", records.len()));
            Ok(s.into_bytes())
        }
        Format::Json => {
            let mut items: Vec<_> = votes
                .iter()
                .map(|(id, v)| serde_json::json!({"item": id, "helpful": v.helpful, "unhelpful": v.unhelpful}))
                .collect();
            items.sort_by(|a, b| a["item"].as_str().cmp(&b["item"].as_str()));
            let mut bytes = serde_json::to_vec_pretty(&serde_json::json!({
                "total": records.len(),
                "feedback": records,
                "votes": items,
            }))?;
            bytes.push(b'\n');
            Ok(bytes)
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            let csv_err = |e: csv::Error| Error::Usage(format!("无法生成 CSV：{e}"));
            w.write_record(HEADERS).map_err(csv_err)?;
            for r in records {
                w.write_record(cells(r).iter().map(|c| defuse(c).into_owned()))
                    .map_err(csv_err)?;
            }
            let mut bytes = "\u{feff}".as_bytes().to_vec();
            bytes.extend(
                w.into_inner()
                    .map_err(|e| Error::Usage(format!("无法生成 CSV：{e}")))?,
            );
            Ok(bytes)
        }
        Format::Xlsx => {
            let xerr = |e: rust_xlsxwriter::XlsxError| Error::Usage(format!("无法生成 xlsx：{e}"));
            let mut book = rust_xlsxwriter::Workbook::new();
            let sheet = book.add_worksheet();
            sheet.set_name("意见反馈").map_err(xerr)?;
            let bold = rust_xlsxwriter::Format::new().set_bold();
            for (c, h) in HEADERS.iter().enumerate() {
                sheet
                    .write_string_with_format(0, c as u16, *h, &bold)
                    .map_err(xerr)?;
            }
            for (n, r) in records.iter().enumerate() {
                for (c, cell) in cells(r).iter().enumerate() {
                    sheet
                        .write_string(n as u32 + 1, c as u16, defuse(cell))
                        .map_err(xerr)?;
                }
            }
            book.save_to_buffer().map_err(xerr)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items() -> HashMap<String, ItemInfo> {
        HashMap::from([(
            "a1".to_string(),
            ItemInfo {
                department: "d".into(),
                department_name: "某局".into(),
                code: "650200207XK01600".into(),
                name: "某许可".into(),
                url: "/items/a1.html".into(),
            },
        )])
    }

    fn form(item: &str, kind: &str, text: &str) -> Form {
        Form {
            item: Some(item.into()),
            kind: Some(kind.into()),
            text: Some(text.into()),
            contact: None,
        }
    }

    #[test]
    fn validation() {
        let items = items();
        let ok = validate(
            &form("a1", "error", " 电话写错了\r\n第二行 "),
            |i| items.get(i),
        )
        .unwrap();
        assert_eq!(ok.text, "电话写错了\n第二行");
        assert_eq!(ok.kind, "error");
        assert_eq!(ok.contact, None);
        assert!(validate(&form("a1", "helpful", ""), |i| items.get(i)).is_ok());
        assert_eq!(
            validate(&form("", "helpful", ""), |i| items.get(i)),
            Err(Invalid::NoItem)
        );
        assert_eq!(
            validate(&form("nope", "helpful", ""), |i| items.get(i)),
            Err(Invalid::UnknownItem)
        );
        assert_eq!(
            validate(&form("a1", "spam", ""), |i| items.get(i)),
            Err(Invalid::Kind)
        );
        assert_eq!(
            validate(&form("a1", "complaint", "  "), |i| items.get(i)),
            Err(Invalid::NoText)
        );
        let long = "字".repeat(MAX_TEXT_CHARS + 1);
        assert_eq!(
            validate(&form("a1", "error", &long), |i| items.get(i)),
            Err(Invalid::TextTooLong)
        );
        assert!(validate(&form("a1", "error", &long[3..]), |i| items.get(i)).is_ok());
        let mut f = form("a1", "error", "x");
        f.contact = Some("c".repeat(MAX_CONTACT_CHARS + 1));
        assert_eq!(validate(&f, |i| items.get(i)), Err(Invalid::ContactTooLong));
        f.contact = Some(" 13800000000 ".into());
        assert_eq!(
            validate(&f, |i| items.get(i)).unwrap().contact.as_deref(),
            Some("13800000000")
        );
        for e in [Invalid::NoItem, Invalid::TextTooLong] {
            assert!(e.message().contains('；') || e.message().contains('。'));
        }
    }

    #[test]
    fn parses_forms() {
        let f = Form::parse(b"item=a1&kind=error&text=%E7%94%B5%E8%AF%9D+%3Cb%3E&text=second&x=1");
        assert_eq!(f.item.as_deref(), Some("a1"));
        assert_eq!(f.text.as_deref(), Some("电话 <b>"));
        assert_eq!(f.contact, None);
        let f = Form::parse(b"item=%FF%FE&kind");
        assert_eq!(f.item.as_deref(), Some("\u{fffd}\u{fffd}"));
        assert_eq!(f.kind.as_deref(), Some(""));
    }

    #[test]
    fn rate_limiter_refills_and_keys_ipv6_by_64() {
        let rl = RateLimiter::new(60, 3);
        let t = Instant::now();
        let a: IpAddr = "127.0.0.2".parse().unwrap();
        let b: IpAddr = "127.0.0.3".parse().unwrap();
        assert!((0..3).all(|_| rl.allow(a, t)));
        assert!(!rl.allow(a, t), "burst used up");
        assert!(rl.allow(b, t), "another client has its own bucket");
        assert!(!rl.allow(a, t + std::time::Duration::from_millis(500)));
        assert!(rl.allow(a, t + std::time::Duration::from_millis(1600)));
        let v6a: IpAddr = "2001:db8::1".parse().unwrap();
        let v6b: IpAddr = "2001:db8::ffff:2".parse().unwrap();
        assert!((0..3).all(|_| rl.allow(v6a, t)));
        assert!(!rl.allow(v6b, t), "same /64, same bucket");
    }

    #[test]
    fn store_bounds_rows_and_bytes() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("sub/fb.sqlite");
        let items = items();
        let s = validate(&form("a1", "error", "<b>x</b>"), |i| items.get(i)).unwrap();
        let mut store = Store::open(
            &path,
            Limits {
                max_rows: 2,
                max_bytes: 1 << 20,
            },
            true,
        )
        .unwrap();
        store.insert(&s, &now()).unwrap();
        store.insert(&s, &now()).unwrap();
        assert!(matches!(store.insert(&s, &now()), Err(StoreError::Full)));
        drop(store);
        // Reopened, it still counts what it holds.
        let mut store = Store::open(
            &path,
            Limits {
                max_rows: 2,
                max_bytes: 1 << 20,
            },
            false,
        )
        .unwrap();
        assert!(matches!(store.insert(&s, &now()), Err(StoreError::Full)));
        let listed = store.list(&Filter::default()).unwrap();
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[0].text, "<b>x</b>");
        // A byte bound far below one row's worth of pages.
        let path2 = tmp.path().join("small.sqlite");
        let mut small = Store::open(
            &path2,
            Limits {
                max_rows: 1_000_000,
                max_bytes: 64 << 10,
            },
            true,
        )
        .unwrap();
        let big = validate(&form("a1", "error", &"长".repeat(MAX_TEXT_CHARS)), |i| {
            items.get(i)
        })
        .unwrap();
        let mut stored = 0;
        for _ in 0..1000 {
            match small.insert(&big, &now()) {
                Ok(_) => stored += 1,
                Err(StoreError::Full) => break,
                Err(e) => panic!("{e}"),
            }
        }
        assert!(stored > 3 && stored < 1000, "{stored}");
        let size = std::fs::metadata(&path2).unwrap().len();
        assert!(size < (64 << 10) + 64 * 4096, "{size}");
        assert!(Store::open(&tmp.path().join("none.sqlite"), Limits::default(), false).is_err());
    }

    #[test]
    fn exports_defuse_formulas() {
        assert_eq!(defuse("=1+1"), "'=1+1");
        assert_eq!(defuse("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(defuse("-2"), "'-2");
        assert_eq!(defuse("正常"), "正常");
        let r = Record {
            id: 1,
            created: "2026-01-01T00:00:00Z".into(),
            item: "a1".into(),
            code: "c".into(),
            name: "n".into(),
            department: "d".into(),
            department_name: "某局".into(),
            kind: "error".into(),
            kind_label: "纠错".into(),
            text: "=HYPERLINK(\"http://x\")".into(),
            contact: None,
        };
        let csv = String::from_utf8(write(&[r], &HashMap::new(), Format::Csv).unwrap()).unwrap();
        assert!(csv.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{csv}");
        assert!(since("2026-13-01").is_err());
        assert_eq!(since("2026-01-31").unwrap(), "2026-01-31");
    }
}
