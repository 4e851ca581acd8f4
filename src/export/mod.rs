//! `qingdan export`: open data of one version of the lists, as CSV, JSON and xlsx. One row per
//! list entry (an item without sub-items, or one sub-item of an item), under the standard
//! Chinese column headers, so the xlsx (and CSV) import again with `qingdan import`.

use std::borrow::Cow;
use std::io::{Seek, Write};
use std::path::Path;

use crate::Error;
use crate::model::{Department, Item, Responsibilities};
use crate::snapshot::Snapshot;

/// The columns, in order. Every header is one `qingdan import` recognises.
pub const COLUMNS: [&str; 23] = [
    "序号",
    "职权编码",
    "所属部门",
    "事项名称",
    "子项名称",
    "权力类型",
    "实施依据",
    "行使主体",
    "承办机构",
    "实施层级",
    "权限划分",
    "部门职责",
    "责任事项内容",
    "责任事项依据",
    "追责对象范围",
    "追责情形",
    "备注",
    "实施对象",
    "申请条件",
    "申请材料",
    "法定期限",
    "承诺期限",
    "收费（征收）依据和标准",
];

/// One row; most cells borrow the item's text.
pub type Row<'a> = [Cow<'a, str>; 23];

fn responsibilities_text(r: &Responsibilities) -> Cow<'_, str> {
    if !r.text.trim().is_empty() || r.stages.is_empty() {
        return Cow::Borrowed(r.text.as_str());
    }
    Cow::Owned(
        r.stages
            .iter()
            .enumerate()
            .map(|(i, s)| format!("{}.{}责任：{}", i + 1, s.stage, s.content))
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

fn or<'a>(own: &'a str, item: &'a str) -> Cow<'a, str> {
    Cow::Borrowed(if own.trim().is_empty() { item } else { own })
}

/// The rows of some items, numbered from 1 (an item with sub-items gives one row per sub-item),
/// made as they are read.
pub fn rows<'a>(
    snap: &'a Snapshot,
    items: impl Iterator<Item = &'a Item>,
) -> impl Iterator<Item = Row<'a>> {
    items.enumerate().flat_map(move |(n, item)| {
        let mut rows = Vec::with_capacity(1);
        item_rows(snap, n + 1, item, &mut rows);
        rows
    })
}

/// The rows of one item, numbered `n`, pushed onto `out`: one, or one per sub-item.
pub fn item_rows<'a>(snap: &'a Snapshot, n: usize, item: &'a Item, out: &mut Vec<Row<'a>>) {
    let dept: &'a str = snap.department_name(&item.department);
    let guide = item.guide.as_ref().map(|g| &g.value);
    let fees: Cow<'a, str> = match guide {
        None => Cow::Borrowed(""),
        Some(g) => match (g.charged, g.fees.is_empty()) {
            (Some(false), _) => Cow::Borrowed("无"),
            (_, false) => Cow::Owned(
                g.fees
                    .iter()
                    .map(|f| {
                        [f.name.as_str(), f.amount.as_str(), f.basis.as_str()]
                            .join(" ")
                            .trim()
                            .to_string()
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            _ => Cow::Borrowed(""),
        },
    };
    let materials: Cow<'a, str> = match guide {
        None => Cow::Borrowed(""),
        Some(g) if !g.materials_text.trim().is_empty() || g.materials.is_empty() => {
            Cow::Borrowed(g.materials_text.as_str())
        }
        Some(g) => Cow::Owned(
            g.materials
                .iter()
                .enumerate()
                .map(|(i, m)| format!("{}.{}", i + 1, m.name.as_str()))
                .collect::<Vec<_>>()
                .join("\n"),
        ),
    };
    let item_resp = responsibilities_text(&item.responsibilities);
    let guide_field = |f: fn(&'a crate::model::Guide) -> &'a str| -> Cow<'a, str> {
        Cow::Borrowed(guide.map_or("", f))
    };
    let subs: Vec<Option<&'a crate::model::SubItem>> = if item.sub_items.is_empty() {
        vec![None]
    } else {
        item.sub_items.iter().map(Some).collect()
    };
    for sub in subs {
        let (sub_name, basis, resp, resp_basis, circ, remarks) = match sub {
            Some(s) => (
                Cow::Borrowed(s.name.value.as_str()),
                or(&s.basis.text, &item.basis.text),
                {
                    let own = responsibilities_text(&s.responsibilities);
                    if own.trim().is_empty() {
                        item_resp.clone()
                    } else {
                        own
                    }
                },
                or(&s.responsibilities.basis, &item.responsibilities.basis),
                or(
                    &s.accountability.circumstances,
                    &item.accountability.circumstances,
                ),
                or(&s.remarks, &item.remarks),
            ),
            None => (
                Cow::Borrowed(""),
                Cow::Borrowed(item.basis.text.as_str()),
                item_resp.clone(),
                Cow::Borrowed(item.responsibilities.basis.as_str()),
                Cow::Borrowed(item.accountability.circumstances.as_str()),
                Cow::Borrowed(item.remarks.as_str()),
            ),
        };
        out.push([
            Cow::Owned(n.to_string()),
            Cow::Borrowed(item.id.value.as_str()),
            Cow::Borrowed(dept),
            Cow::Borrowed(item.name.value.as_str()),
            sub_name,
            Cow::Borrowed(item.category.value.as_str()),
            basis,
            Cow::Borrowed(item.body.as_str()),
            Cow::Borrowed(item.unit.as_str()),
            Cow::Borrowed(item.level.value.as_str()),
            Cow::Borrowed(item.scope.as_str()),
            Cow::Borrowed(item.duty.as_str()),
            resp,
            resp_basis,
            Cow::Borrowed(item.accountability.subjects.as_str()),
            circ,
            remarks,
            guide_field(|g| g.audience.as_str()),
            guide_field(|g| g.conditions.as_str()),
            materials.clone(),
            guide_field(|g| g.statutory_limit.value.as_str()),
            guide_field(|g| g.promised_limit.value.as_str()),
            fees.clone(),
        ]);
    }
}

/// What a workbook says of itself besides its rows: the title row, and the date its document
/// properties give as created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// The title row: "<jurisdiction or department>权责清单".
    pub title: String,
    /// Year, month, day of the list's publication (`published`, else 1 January of its
    /// `edition`), else 1 January 1980 (the zip format's first day): never the time of the
    /// build, so the same lists make the same bytes, and a site uploaded again changes only
    /// where the lists did.
    pub created: (u16, u8, u8),
}

/// The heading of the workbook of a department's (`Some(folder)`) or the whole list's.
pub fn heading(snap: &Snapshot, department: Option<&str>) -> Heading {
    let j = snap.jurisdiction.as_ref().map(|j| &j.value);
    let of = match department {
        Some(folder) => snap.department_name(folder),
        None => j.map_or("", |j| j.name.as_str()),
    };
    let created = j
        .and_then(|j| date(&j.published).or_else(|| year(&j.edition).map(|y| (y, 1, 1))))
        .unwrap_or((1980, 1, 1));
    Heading {
        title: format!("{of}权责清单"),
        created,
    }
}

/// `YYYY-MM-DD` (a valid calendar day from 1900 on) as numbers.
fn date(text: &str) -> Option<(u16, u8, u8)> {
    let d: jiff::civil::Date = text.trim().parse().ok()?;
    (d.year() >= 1900).then(|| (d.year() as u16, d.month() as u8, d.day() as u8))
}

/// The year an edition names ("2024", "2024年", "2024-2"): its first four digits, 1900–9999.
fn year(edition: &str) -> Option<u16> {
    let digits: String = edition.trim().chars().take(4).collect();
    let y: u16 = digits.parse().ok()?;
    (digits.len() == 4 && y >= 1900).then_some(y)
}

/// Counts the bytes written through it, so that a file's layout is known as it is written.
/// `flush` stops here: the CSV writer flushes after every row to keep the count exact, and
/// the file below is flushed once, at the end.
struct Counted<W> {
    inner: W,
    at: u64,
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.at += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Where a CSV written by `write_csv` put its rows, so that the file of a run of its items can
/// be cut out of it (`cut_csv`) instead of made again.
pub struct CsvLayout {
    /// Byte offset of each row, and of the end of the file.
    row_at: Vec<u64>,
    /// Index of the first row of each item, and the number of rows.
    first_row: Vec<usize>,
}

/// A CSV writer's error: the destination's (`Output`), or one of the CSV itself.
fn csv_error(e: csv::Error) -> Error {
    let message = e.to_string();
    match e.into_kind() {
        csv::ErrorKind::Io(source) => csv_output(source),
        _ => Error::Usage(format!("无法写出 CSV：{message}")),
    }
}

fn csv_output(source: std::io::Error) -> Error {
    Error::Output {
        what: "CSV",
        source,
    }
}

fn json_output(source: std::io::Error) -> Error {
    Error::Output {
        what: "JSON",
        source,
    }
}

/// serde_json's error: the destination's (`Output`), or one of the JSON itself.
fn json_error(e: serde_json::Error) -> Error {
    if e.is_io() {
        json_output(e.into())
    } else {
        Error::Json(e)
    }
}

/// CSV in UTF-8 with a BOM (so Excel opens it as UTF-8) of `items`, numbered from 1, written to
/// `out`; says where each row went.
pub fn write_csv<'a>(
    snap: &'a Snapshot,
    items: impl Iterator<Item = &'a Item>,
    out: impl Write,
) -> Result<CsvLayout, Error> {
    let mut out = Counted { inner: out, at: 0 };
    out.write_all(b"\xEF\xBB\xBF").map_err(csv_output)?;
    let mut w = csv::Writer::from_writer(out);
    w.write_record(COLUMNS).map_err(csv_error)?;
    let mut layout = CsvLayout {
        row_at: Vec::new(),
        first_row: Vec::new(),
    };
    let mut rows = Vec::new();
    for (n, item) in items.enumerate() {
        layout.first_row.push(layout.row_at.len());
        rows.clear();
        item_rows(snap, n + 1, item, &mut rows);
        for r in &rows {
            w.flush().map_err(csv_output)?;
            layout.row_at.push(w.get_ref().at);
            w.write_record(r.iter().map(|c| c.as_bytes()))
                .map_err(csv_error)?;
        }
    }
    w.flush().map_err(csv_output)?;
    layout.row_at.push(w.get_ref().at);
    layout.first_row.push(layout.row_at.len() - 1);
    let mut out = w.into_inner().map_err(|e| csv_output(e.into_error()))?;
    out.inner.flush().map_err(csv_output)?;
    Ok(layout)
}

/// The CSV of the items `items` (indexes into what `whole` was written from), numbered from 1,
/// cut out of the file `whole` that `write_csv` wrote with `layout`: its header and rows are
/// copied, only the numbers in the first column are new. Byte for byte what `write_csv` would
/// write for those items.
pub fn cut_csv(
    whole: &Path,
    layout: &CsvLayout,
    items: std::ops::Range<usize>,
    out: &mut impl Write,
) -> Result<(), Error> {
    let mut from = Whole::open(whole)?;
    let head = layout.row_at.first().copied().unwrap_or(0);
    from.copy(head, out, csv_output)?;
    from.seek(layout.row_at[layout.first_row[items.start]])?;
    let mut number = Vec::with_capacity(24);
    for (k, i) in items.enumerate() {
        // The whole list numbers this item i + 1: that many digits and a comma are replaced.
        let old = digits(i + 1) + 1;
        for r in layout.first_row[i]..layout.first_row[i + 1] {
            let len = layout.row_at[r + 1] - layout.row_at[r];
            from.copy(old as u64, &mut std::io::sink(), csv_output)?;
            number.clear();
            write!(number, "{},", k + 1).map_err(csv_output)?;
            out.write_all(&number).map_err(csv_output)?;
            from.copy(len - old as u64, out, csv_output)?;
        }
    }
    Ok(())
}

fn digits(mut n: usize) -> usize {
    let mut d = 1;
    while n >= 10 {
        n /= 10;
        d += 1;
    }
    d
}

/// A file this build wrote, read back to cut another out of it. An error reading it names it;
/// one writing the output is `Output` (see `Error::written_to`).
struct Whole<'a> {
    path: &'a Path,
    from: std::io::BufReader<std::fs::File>,
}

impl<'a> Whole<'a> {
    fn open(path: &'a Path) -> Result<Self, Error> {
        match std::fs::File::open(path) {
            Ok(file) => Ok(Whole {
                path,
                from: std::io::BufReader::with_capacity(1 << 20, file),
            }),
            Err(source) => Err(Error::Read {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    fn read_error(&self) -> impl Fn(std::io::Error) -> Error + 'a {
        let path = self.path;
        move |source| Error::Read {
            path: path.to_path_buf(),
            source,
        }
    }

    fn seek(&mut self, at: u64) -> Result<(), Error> {
        self.from
            .seek(std::io::SeekFrom::Start(at))
            .map_err(self.read_error())?;
        Ok(())
    }

    /// Copy exactly `len` bytes to `to`; a shorter file is an error (it changed under us).
    /// Straight from the reader's buffer: `std::io::copy` between files flushes the writer and
    /// asks the kernel about both files on every call, once per row here. `output` makes the
    /// error of a failed write.
    fn copy(
        &mut self,
        mut len: u64,
        to: &mut (impl Write + ?Sized),
        output: fn(std::io::Error) -> Error,
    ) -> Result<(), Error> {
        use std::io::BufRead;
        let read_error = self.read_error();
        while len > 0 {
            let buf = self.from.fill_buf().map_err(&read_error)?;
            if buf.is_empty() {
                return Err(read_error(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "the file ended early",
                )));
            }
            let n = buf.len().min(usize::try_from(len).unwrap_or(usize::MAX));
            to.write_all(&buf[..n]).map_err(output)?;
            self.from.consume(n);
            len -= n as u64;
        }
        Ok(())
    }
}

/// CSV in memory.
pub fn csv<'a>(
    snap: &'a Snapshot,
    items: impl Iterator<Item = &'a Item>,
) -> Result<Vec<u8>, Error> {
    let mut buf = Vec::new();
    write_csv(snap, items, &mut buf)?;
    Ok(buf)
}

/// An xlsx workbook in memory (see `write_xlsx`).
pub fn xlsx<'a>(heading: &Heading, rows: impl Iterator<Item = Row<'a>>) -> Result<Vec<u8>, Error> {
    let mut out = std::io::Cursor::new(Vec::new());
    write_xlsx(heading, rows, &mut out)?;
    Ok(out.into_inner())
}

/// Rows up to which a sheet is made in memory rather than in constant-memory mode.
const SMALL_SHEET: usize = 1_000;

/// An xlsx workbook written to `out`: a title row naming the list, the header, then the rows.
///
/// rust_xlsxwriter panics when it cannot write its constant-memory temporary file (a full disk
/// under TMPDIR): that panic becomes an error here, so a build or export stops with a message
/// instead of a crash.
pub fn write_xlsx<'a, W: Write + Seek + Send>(
    heading: &Heading,
    rows: impl Iterator<Item = Row<'a>>,
    out: W,
) -> Result<(), Error> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        xlsx_into(heading, rows, out, SMALL_SHEET, ram_folder())
    }))
        .unwrap_or_else(|panic| {
            let why = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .filter(|why| is_xlsx_write_panic(why));
            // Any other panic is a bug, here or there: it goes on as one.
            let Some(why) = why else {
                std::panic::resume_unwind(panic)
            };
            Err(Error::Usage(format!(
                "无法生成 xlsx：写临时文件时出错（{why}）；检查临时文件夹（TMPDIR，默认 /tmp）所在磁盘的空间"
            )))
        })
}

/// Whether a panic's message is rust_xlsxwriter's when it cannot write its temporary file
/// (`expect(XML_WRITE_ERROR)` in its xmlwriter, 0.102).
pub fn is_xlsx_write_panic(message: &str) -> bool {
    message.starts_with("Couldn't write to xml file")
}

/// A folder for temporary files that lives in memory (`/dev/shm` on Linux), if there is one
/// (looked for once) and it has room to spare now: a container's is often 64 MB, and a sheet
/// that cannot be written there would stop the build. Whether this process may write there,
/// `Workbook::set_tempdir` finds out for each workbook (making a file), and the sheet is made
/// in memory when it may not.
fn ram_folder() -> Option<&'static Path> {
    /// Free space below which the folder is left alone (a small sheet's file is a few MB).
    const ROOM: u64 = 256 << 20;
    static FOLDER: std::sync::OnceLock<Option<&'static Path>> = std::sync::OnceLock::new();
    let dir = (*FOLDER.get_or_init(|| {
        let dir = Path::new("/dev/shm");
        (cfg!(target_os = "linux") && dir.is_dir()).then_some(dir)
    }))?;
    #[cfg(unix)]
    {
        let free = rustix::fs::statvfs(dir).map_or(0, |s| s.f_bavail.saturating_mul(s.f_frsize));
        (free >= ROOM).then_some(dir)
    }
    #[cfg(not(unix))]
    {
        let _ = ROOM;
        Some(dir)
    }
}

/// `write_xlsx`: up to `small_sheet` rows in memory, or through a temporary file in `ram`.
fn xlsx_into<'a, W: Write + Seek + Send>(
    heading: &Heading,
    rows: impl Iterator<Item = Row<'a>>,
    out: W,
    small_sheet: usize,
    ram: Option<&Path>,
) -> Result<(), Error> {
    use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatAlign, Workbook, XlsxError};
    let err = |e: XlsxError| match e {
        XlsxError::IoError(source) | XlsxError::ZipError(zip::result::ZipError::Io(source)) => {
            Error::Output {
                what: "xlsx",
                source,
            }
        }
        e => Error::Usage(format!("无法生成 xlsx：{e}")),
    };
    let mut book = Workbook::new();
    let (y, m, d) = heading.created;
    let created = ExcelDateTime::from_ymd(y, m, d).map_err(err)?;
    book.set_properties(
        &DocProperties::new()
            .set_title(&heading.title)
            .set_creation_datetime(&created),
    );
    // Fast compression: the whole list at 100,000 items is millions of cells, and deflate's
    // best effort costs far more time than the few percent of size it saves.
    book.set_zip_compression_level(1);
    // A large sheet in constant-memory mode: each row goes out as soon as it is complete, with
    // its strings inline instead of in a shared-string table (which hashes every cell; the
    // whole list at 100,000 items took seconds for it). Rows are written in order, as this mode
    // requires. It needs a temporary file; where none can be made (TMPDIR not writable), the
    // ordinary in-memory worksheet does the same job more slowly. A small sheet (a department's,
    // a township's: tens of rows, thousands of such files in a province) is kept in memory
    // unless its temporary file can be in memory too: one on disk, made and removed for each,
    // cost more than its table.
    let mut rows = rows.peekable();
    let mut first: Vec<Row<'a>> = Vec::new();
    while first.len() < small_sheet {
        match rows.next() {
            Some(row) => first.push(row),
            None => break,
        }
    }
    let small = rows.peek().is_none();
    // A small sheet in constant-memory mode too where its temporary file is in memory: an
    // in-memory sheet is put together on a thread rust_xlsxwriter starts for it, and with the
    // build's threads busy the one waiting for it waited for a core (0.7 ms of work took
    // 1.4–2.8 ms; a province has 12,000 department workbooks).
    let in_ram = small && ram.is_some_and(|dir| book.set_tempdir(dir).is_ok());
    let sheet = if (!small || in_ram) && book.add_worksheet_with_constant_memory().is_ok() {
        book.worksheet_from_index(0).map_err(err)?
    } else {
        book.add_worksheet()
    };
    sheet.set_name("权责清单").map_err(err)?;
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    sheet
        .write_string_with_format(0, 0, &heading.title, &bold)
        .map_err(err)?;
    for (c, h) in COLUMNS.iter().enumerate() {
        sheet
            .write_string_with_format(1, c as u16, *h, &bold)
            .map_err(err)?;
        let width = match *h {
            "事项名称" | "子项名称" => 30.0,
            "实施依据" | "责任事项内容" | "追责情形" | "申请条件" | "申请材料" => {
                50.0
            }
            _ => 14.0,
        };
        sheet.set_column_width(c as u16, width).map_err(err)?;
        // Data cells written without a format take their column's (as Excel does): giving each
        // of millions of cells the format hashed the whole format every time.
        sheet.set_column_format(c as u16, &wrap).map_err(err)?;
    }
    sheet.set_freeze_panes(2, 0).map_err(err)?;
    for (r, row) in first.into_iter().chain(rows).enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                sheet
                    .write_string(r as u32 + 2, c as u16, v.as_ref())
                    .map_err(err)?;
            }
        }
    }
    book.save_to_writer(out).map_err(err)
}

/// Where a JSON file written by `write_json` put each item, so that the file of a run of its
/// items can be cut out of it (`cut_json`) instead of made again.
pub struct JsonLayout {
    /// Byte offset of each item's first byte, and of the end of the last item.
    item_at: Vec<u64>,
}

/// `{"jurisdiction":…,"departments":[…],"items":[`: what comes before the items.
fn json_head<'a>(
    snap: &'a Snapshot,
    departments: impl Iterator<Item = &'a Department>,
    out: &mut impl Write,
) -> Result<(), Error> {
    let io = json_output;
    out.write_all(b"{\"jurisdiction\":").map_err(io)?;
    serde_json::to_writer(&mut *out, &snap.jurisdiction.as_ref().map(|j| &j.value))
        .map_err(json_error)?;
    out.write_all(b",\"departments\":[").map_err(io)?;
    for (n, d) in departments.enumerate() {
        if n > 0 {
            out.write_all(b",").map_err(io)?;
        }
        serde_json::to_writer(&mut *out, d).map_err(json_error)?;
    }
    out.write_all(b"],\"items\":[").map_err(io)
}

/// JSON: the jurisdiction, departments and items as the list files hold them, written to `out`;
/// says where each item went.
pub fn write_json<'a>(
    snap: &'a Snapshot,
    departments: impl Iterator<Item = &'a Department>,
    items: impl Iterator<Item = &'a Item>,
    out: impl Write,
) -> Result<JsonLayout, Error> {
    let io = json_output;
    let mut out = Counted { inner: out, at: 0 };
    json_head(snap, departments, &mut out)?;
    let mut layout = JsonLayout {
        item_at: Vec::new(),
    };
    for (n, item) in items.enumerate() {
        if n > 0 {
            out.write_all(b",").map_err(io)?;
        }
        layout.item_at.push(out.at);
        serde_json::to_writer(&mut out, item).map_err(json_error)?;
    }
    layout.item_at.push(out.at);
    out.write_all(b"]}").map_err(io)?;
    out.inner.flush().map_err(io)?;
    Ok(layout)
}

/// The JSON of one department and the items `items` (indexes into what `whole` was written
/// from), the items cut out of the file `whole` that `write_json` wrote with `layout`. Byte for
/// byte what `write_json` would write for them.
pub fn cut_json(
    snap: &Snapshot,
    department: &Department,
    whole: &Path,
    layout: &JsonLayout,
    items: std::ops::Range<usize>,
    out: &mut impl Write,
) -> Result<(), Error> {
    json_head(snap, std::iter::once(department), out)?;
    if !items.is_empty() {
        let mut from = Whole::open(whole)?;
        let start = layout.item_at[items.start];
        // Up to the end of the last item, without the comma after it.
        let end = if items.end < layout.item_at.len() - 1 {
            layout.item_at[items.end] - 1
        } else {
            layout.item_at[items.end]
        };
        from.seek(start)?;
        from.copy(end - start, out, json_output)?;
    }
    out.write_all(b"]}").map_err(json_output)
}

/// JSON in memory.
pub fn json<'a>(
    snap: &'a Snapshot,
    departments: impl Iterator<Item = &'a Department>,
    items: impl Iterator<Item = &'a Item>,
) -> Result<Vec<u8>, Error> {
    let mut buf = Vec::new();
    write_json(snap, departments, items, &mut buf)?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_is_a_header_import_recognises() {
        for h in COLUMNS {
            let f = crate::import::recognise_header(h);
            assert!(f, "{h} is not recognised by import");
        }
    }

    /// Data cells are written without a format of their own and must still wrap (the column's
    /// format, which rust_xlsxwriter gives an unformatted cell); the header stays bold.
    #[test]
    fn data_cells_take_the_wrapping_column_format() {
        use std::io::Read;
        let mut row: Row = std::array::from_fn(|_| Cow::Borrowed(""));
        row[0] = Cow::Borrowed("1");
        row[3] = Cow::Borrowed("对违法行为的处罚");
        let heading = Heading {
            title: "测试清单".into(),
            created: (2024, 3, 1),
        };
        let bytes = xlsx(&heading, std::iter::once(row)).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut sheet = String::new();
        zip.by_name("xl/worksheets/sheet1.xml")
            .unwrap()
            .read_to_string(&mut sheet)
            .unwrap();
        let mut styles = String::new();
        zip.by_name("xl/styles.xml")
            .unwrap()
            .read_to_string(&mut styles)
            .unwrap();
        let style_of = |cell: &str| {
            let at = sheet.find(&format!("<c r=\"{cell}\"")).unwrap();
            let rest = &sheet[at..];
            let s = rest.find(" s=\"").unwrap() + 4;
            rest[s..s + rest[s..].find('"').unwrap()]
                .parse::<usize>()
                .unwrap()
        };
        let xfs = &styles[styles.find("<cellXfs").unwrap()..];
        let xf = |i: usize| xfs.split("<xf ").nth(i + 1).unwrap().to_string();
        assert!(xf(style_of("D3")).contains("wrapText=\"1\""), "{sheet}");
        assert!(xf(style_of("A3")).contains("wrapText=\"1\""));
        assert!(!xf(style_of("A2")).contains("wrapText"));
        assert!(styles.contains("<b/>"));
    }

    /// A small sheet is made in memory (or through a temporary file in memory), a large one in
    /// constant-memory mode: the cells read back the same every way.
    #[test]
    fn small_and_large_sheets_hold_the_same_cells() {
        use calamine::Reader;
        let snap = crate::Snapshot::load_dir(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("lists"),
        )
        .unwrap();
        let items = || snap.items.iter().take(60).map(|e| &*e.value);
        let cells = |small_sheet: usize, ram: Option<&Path>| {
            let mut out = std::io::Cursor::new(Vec::new());
            let heading = heading(&snap, None);
            xlsx_into(&heading, rows(&snap, items()), &mut out, small_sheet, ram).unwrap();
            let mut book =
                calamine::open_workbook_auto_from_rs(std::io::Cursor::new(out.into_inner()))
                    .unwrap();
            let range = book.worksheet_range("权责清单").unwrap();
            range
                .rows()
                .map(|r| r.iter().map(|c| c.to_string()).collect::<Vec<_>>())
                .collect::<Vec<_>>()
        };
        let (in_memory, constant) = (cells(1_000, None), cells(0, None));
        assert_eq!(in_memory.len(), rows(&snap, items()).count() + 2);
        assert!(in_memory[3].iter().any(|c| c.chars().count() > 10));
        assert_eq!(in_memory, constant);
        let tmp = tempfile::tempdir().unwrap();
        assert_eq!(in_memory, cells(1_000, Some(tmp.path())));
    }

    /// The same rows make the same bytes, whenever made: the document properties carry the
    /// list's publication date, not the time of the build.
    #[test]
    fn a_workbook_is_the_same_bytes_each_time_and_dated_by_the_list() {
        use std::io::Read;
        let snap = crate::Snapshot::load_dir(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("lists"),
        )
        .unwrap();
        let h = heading(&snap, None);
        // The demo's root list gives its edition, 2025, and no publication date.
        assert_eq!(h.created, (2025, 1, 1));
        let make = || {
            xlsx(
                &h,
                rows(&snap, snap.items.iter().take(5).map(|e| &*e.value)),
            )
            .unwrap()
        };
        let first = make();
        std::thread::sleep(std::time::Duration::from_millis(1100));
        assert!(first == make(), "two workbooks of the same rows differ");
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(first)).unwrap();
        let mut core = String::new();
        zip.by_name("docProps/core.xml")
            .unwrap()
            .read_to_string(&mut core)
            .unwrap();
        assert!(core.contains(">2025-01-01T00:00:00Z<"), "{core}");
        assert!(core.contains(&h.title), "{core}");
    }

    fn entry(
        value: crate::model::Jurisdiction,
    ) -> crate::snapshot::Entry<crate::model::Jurisdiction> {
        crate::snapshot::Entry {
            file: 0,
            folder: String::new(),
            stem: String::new(),
            value,
        }
    }

    #[test]
    fn a_heading_is_dated_by_publication_then_edition() {
        let mut snap = crate::Snapshot::default();
        assert_eq!(heading(&snap, None).created, (1980, 1, 1));
        let mut j = crate::model::Jurisdiction {
            name: "某县".into(),
            edition: "2023年".into(),
            ..Default::default()
        };
        snap.jurisdiction = Some(entry(j.clone()));
        assert_eq!(heading(&snap, None).created, (2023, 1, 1));
        assert_eq!(heading(&snap, None).title, "某县权责清单");
        j.published = "2024-02-30".into();
        snap.jurisdiction = Some(entry(j.clone()));
        assert_eq!(heading(&snap, None).created, (2023, 1, 1), "no such day");
        j.published = "2024-02-29".into();
        snap.jurisdiction = Some(entry(j));
        assert_eq!(heading(&snap, None).created, (2024, 2, 29));
    }
}
