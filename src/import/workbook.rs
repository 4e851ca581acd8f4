//! Reading a spreadsheet file into plain grids of text, one per sheet, with merged regions and
//! hidden rows and columns. The format is sniffed from the bytes, not the extension, because real
//! files lie (an `.xlsx` that is really BIFF8 `.xls`).

use std::collections::HashSet;
use std::io::{Cursor, Read};
use std::path::Path;

use calamine::{Data, Range, Reader, SheetVisible, Xls, Xlsx};

use crate::Error;

/// The real format of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Xls,
    Xlsx,
    Csv,
}

impl Format {
    pub fn sniff(bytes: &[u8]) -> Format {
        if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            Format::Xls
        } else if bytes.starts_with(b"PK\x03\x04") {
            Format::Xlsx
        } else {
            Format::Csv
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Xls => "xls",
            Format::Xlsx => "xlsx",
            Format::Csv => "csv",
        }
    }
}

/// A rectangular merged region, 0-based inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    pub top: usize,
    pub left: usize,
    pub bottom: usize,
    pub right: usize,
}

/// One sheet as text. `cells[r][c]` is row `r + 1` in Excel's numbering.
#[derive(Debug, Default)]
pub struct Sheet {
    pub name: String,
    pub visible: bool,
    pub cells: Vec<Vec<String>>,
    pub merges: Vec<Region>,
    /// For each cell inside a merged region, the index of the region.
    merge_at: Vec<Vec<Option<u32>>>,
    pub hidden_rows: HashSet<usize>,
    pub hidden_cols: HashSet<usize>,
    /// Remarks for the import report (e.g. the encoding was converted).
    pub notes: Vec<String>,
}

impl Sheet {
    pub fn new(name: String, cells: Vec<Vec<String>>, merges: Vec<Region>) -> Sheet {
        let width = cells.iter().map(Vec::len).max().unwrap_or(0);
        let mut cells = cells;
        for row in &mut cells {
            row.resize(width, String::new());
        }
        let mut merge_at = vec![vec![None; width]; cells.len()];
        let mut kept = Vec::new();
        for m in merges {
            if m.top >= cells.len() || m.left >= width {
                continue;
            }
            let index = kept.len() as u32;
            for row in merge_at
                .iter_mut()
                .take(m.bottom.min(cells.len() - 1) + 1)
                .skip(m.top)
            {
                for slot in row.iter_mut().take(m.right.min(width - 1) + 1).skip(m.left) {
                    *slot = Some(index);
                }
            }
            kept.push(m);
        }
        Sheet {
            name,
            visible: true,
            cells,
            merges: kept,
            merge_at,
            hidden_rows: HashSet::new(),
            hidden_cols: HashSet::new(),
            notes: Vec::new(),
        }
    }

    pub fn height(&self) -> usize {
        self.cells.len()
    }

    pub fn width(&self) -> usize {
        self.cells.first().map_or(0, Vec::len)
    }

    /// The cell as written (empty for the non-anchor cells of a merged region).
    pub fn raw(&self, r: usize, c: usize) -> &str {
        self.cells
            .get(r)
            .and_then(|row| row.get(c))
            .map_or("", String::as_str)
    }

    /// The merged region a cell belongs to.
    pub fn region(&self, r: usize, c: usize) -> Option<Region> {
        let i = (*self.merge_at.get(r)?.get(c)?)?;
        self.merges.get(i as usize).copied()
    }

    /// The cell as displayed: a merged region shows its top-left value in every cell.
    pub fn value(&self, r: usize, c: usize) -> &str {
        match self.region(r, c) {
            Some(m) => self.raw(m.top, m.left),
            None => self.raw(r, c),
        }
    }

    /// Is this cell inside a merged region that started on an earlier row?
    pub fn continues_above(&self, r: usize, c: usize) -> bool {
        self.region(r, c).is_some_and(|m| m.top < r)
    }

    /// Does row `r` hold any text of its own (not carried down by a merge from above)?
    pub fn row_has_own_text(&self, r: usize) -> bool {
        (0..self.width())
            .any(|c| !self.continues_above(r, c) && !self.value(r, c).trim().is_empty())
    }
}

/// Read every sheet of a file.
pub fn read(path: &Path) -> Result<(Format, Vec<Sheet>), Error> {
    let bytes = std::fs::read(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let format = Format::sniff(&bytes);
    // The spreadsheet parsers are third-party code fed untrusted bytes: a panic inside them on a
    // damaged file becomes an error for that file, not a crash of the whole import.
    let parsed = std::panic::catch_unwind(|| match format {
        Format::Xls => read_xls(path, bytes),
        Format::Xlsx => read_xlsx(path, bytes),
        Format::Csv => read_csv(path, &bytes).map(|s| vec![s]),
    });
    match parsed {
        Ok(sheets) => Ok((format, sheets?)),
        Err(_) => Err(spreadsheet_error(
            path,
            format!("{} 文件已损坏，无法解析", format.name()),
        )),
    }
}

fn spreadsheet_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Spreadsheet {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Text of a cell as a person reads it: integral numbers without ".0".
fn text(d: &Data) -> String {
    match d {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        Data::DateTime(dt) => dt.to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
    }
}

/// A grid from row 1, column A, whatever the used range starts at.
fn grid(range: &Range<Data>) -> Vec<Vec<String>> {
    let Some((top, left)) = range.start() else {
        return Vec::new();
    };
    let (height, width) = range.get_size();
    let mut cells = vec![vec![String::new(); left as usize + width]; top as usize + height];
    for (r, row) in range.rows().enumerate() {
        for (c, d) in row.iter().enumerate() {
            cells[top as usize + r][left as usize + c] = text(d);
        }
    }
    cells
}

fn region(d: &calamine::Dimensions) -> Region {
    Region {
        top: d.start.0 as usize,
        left: d.start.1 as usize,
        bottom: d.end.0 as usize,
        right: d.end.1 as usize,
    }
}

/// Every sheet of an opened workbook: values, merged regions (from `merges`), visibility, and the
/// hidden rows and columns where known (`hidden`, by sheet index).
fn read_book<RS, R>(
    path: &Path,
    book: &mut R,
    merges: impl Fn(&mut R, &str) -> Vec<calamine::Dimensions>,
    hidden: &[Hidden],
) -> Result<Vec<Sheet>, Error>
where
    RS: std::io::Read + std::io::Seek,
    R: Reader<RS>,
    R::Error: std::fmt::Display,
{
    let metas: Vec<(String, bool)> = book
        .sheets_metadata()
        .iter()
        .map(|s| (s.name.clone(), s.visible == SheetVisible::Visible))
        .collect();
    let mut sheets = Vec::new();
    for (index, (name, visible)) in metas.into_iter().enumerate() {
        let range = book
            .worksheet_range(&name)
            .map_err(|e| spreadsheet_error(path, e))?;
        let regions = merges(book, &name).iter().map(region).collect();
        let mut sheet = Sheet::new(name, grid(&range), regions);
        sheet.visible = visible;
        if let Some((rows, cols)) = hidden.get(index) {
            sheet.hidden_rows = rows.clone();
            sheet.hidden_cols = cols.clone();
        }
        sheets.push(sheet);
    }
    Ok(sheets)
}

/// BIFF8 `.xls`. Its hidden-row and hidden-column flags are not read (calamine does not expose
/// them); no published list seen so far hides anything in an `.xls`.
fn read_xls(path: &Path, bytes: Vec<u8>) -> Result<Vec<Sheet>, Error> {
    let mut book: Xls<_> = Xls::new(Cursor::new(bytes)).map_err(|e| spreadsheet_error(path, e))?;
    read_book(
        path,
        &mut book,
        |b, name| b.merge_cells_by_sheet_name(name).unwrap_or_default(),
        &[],
    )
}

fn read_xlsx(path: &Path, bytes: Vec<u8>) -> Result<Vec<Sheet>, Error> {
    let hidden = xlsx_hidden(&bytes).unwrap_or_default();
    let mut book: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| spreadsheet_error(path, e))?;
    read_book(
        path,
        &mut book,
        |b, name| b.merge_cells_by_sheet_name(name).unwrap_or_default(),
        &hidden,
    )
}

type Hidden = (HashSet<usize>, HashSet<usize>);

/// Hidden rows and columns of each sheet, in workbook order, read from the sheet XML
/// (`<row r=".." hidden="1">`, `<col min max hidden="1">`), which calamine does not expose.
fn xlsx_hidden(bytes: &[u8]) -> Option<Vec<Hidden>> {
    use quick_xml::events::Event;
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let read = |zip: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str| -> Option<String> {
        let mut s = String::new();
        zip.by_name(name).ok()?.read_to_string(&mut s).ok()?;
        Some(s)
    };
    let workbook = read(&mut zip, "xl/workbook.xml")?;
    let rels = read(&mut zip, "xl/_rels/workbook.xml.rels")?;
    let attr = |e: &quick_xml::events::BytesStart, key: &str| -> Option<String> {
        e.attributes()
            .flatten()
            .find(|a| a.key.as_ref() == key || a.key.local_name().as_ref() == key)
            .map(|a| {
                quick_xml::escape::unescape(&a.value)
                    .map(|v| v.to_string())
                    .unwrap_or_else(|_| a.value.to_string())
            })
    };
    let mut targets = std::collections::HashMap::new();
    let mut reader = quick_xml::Reader::from_str(&rels);
    loop {
        match reader.read_event() {
            Ok(Event::Empty(e)) | Ok(Event::Start(e))
                if e.local_name().as_ref() == "Relationship" =>
            {
                if let (Some(id), Some(target)) = (attr(&e, "Id"), attr(&e, "Target")) {
                    targets.insert(id, target);
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    let mut sheet_paths = Vec::new();
    let mut reader = quick_xml::Reader::from_str(&workbook);
    loop {
        match reader.read_event() {
            Ok(Event::Empty(e)) | Ok(Event::Start(e)) if e.local_name().as_ref() == "sheet" => {
                let target = attr(&e, "id").and_then(|id| targets.get(&id).cloned());
                sheet_paths.push(target.map(|t| {
                    let t = t.trim_start_matches('/');
                    if t.starts_with("xl/") {
                        t.to_string()
                    } else {
                        format!("xl/{t}")
                    }
                }));
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    let mut out = Vec::new();
    for p in sheet_paths {
        let mut rows = HashSet::new();
        let mut cols = HashSet::new();
        if let Some(xml) = p.and_then(|p| read(&mut zip, &p)) {
            let mut reader = quick_xml::Reader::from_str(&xml);
            loop {
                match reader.read_event() {
                    Ok(Event::Empty(e)) | Ok(Event::Start(e)) => {
                        let hidden = attr(&e, "hidden").is_some_and(|v| v == "1" || v == "true");
                        if !hidden {
                            continue;
                        }
                        match e.local_name().as_ref() {
                            "row" => {
                                if let Some(r) = attr(&e, "r").and_then(|r| r.parse::<usize>().ok())
                                {
                                    rows.insert(r.saturating_sub(1));
                                }
                            }
                            "col" => {
                                let min = attr(&e, "min").and_then(|v| v.parse::<usize>().ok());
                                let max = attr(&e, "max").and_then(|v| v.parse::<usize>().ok());
                                if let (Some(min), Some(max)) = (min, max) {
                                    // A hidden range to the last column (16384) marks unused columns.
                                    for c in min..=max.min(min + 256) {
                                        cols.insert(c.saturating_sub(1));
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                    Ok(Event::Eof) | Err(_) => break,
                    _ => {}
                }
            }
        }
        out.push((rows, cols));
    }
    Some(out)
}

/// A CSV file: UTF-8 (with or without BOM), or GBK/GB18030 as older Chinese Excel saves it.
fn read_csv(path: &Path, bytes: &[u8]) -> Result<Sheet, Error> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut notes = Vec::new();
    let text: std::borrow::Cow<str> = match std::str::from_utf8(bytes) {
        Ok(t) => t.into(),
        Err(e) => {
            match encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes) {
                Some(t) if !t.contains('\0') => {
                    notes.push("CSV 为 GBK（GB18030）编码，已自动转换为 UTF-8".to_string());
                    t
                }
                _ => {
                    return Err(Error::Spreadsheet {
                        path: path.to_path_buf(),
                        message: format!(
                            "既不是 xls/xlsx，也不是 UTF-8 或 GBK 编码的 CSV（第 {} 字节处编码无效）",
                            e.valid_up_to() + 1
                        ),
                    });
                }
            }
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut cells = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| Error::Spreadsheet {
            path: path.to_path_buf(),
            message: format!("CSV 第 {} 行无法解析：{e}", i + 1),
        })?;
        cells.push(record.iter().map(str::to_string).collect());
    }
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    let mut sheet = Sheet::new(name, cells, Vec::new());
    sheet.notes = notes;
    Ok(sheet)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_content() {
        assert_eq!(
            Format::sniff(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest"),
            Format::Xls
        );
        assert_eq!(Format::sniff(b"PK\x03\x04rest"), Format::Xlsx);
        assert_eq!(Format::sniff("序号,事项名称".as_bytes()), Format::Csv);
    }

    #[test]
    fn merged_cells_show_their_anchor() {
        let cells = vec![
            vec!["1".into(), "名称".into()],
            vec![String::new(), String::new()],
        ];
        let sheet = Sheet::new(
            "s".into(),
            cells,
            vec![Region {
                top: 0,
                left: 1,
                bottom: 1,
                right: 1,
            }],
        );
        assert_eq!(sheet.value(1, 1), "名称");
        assert_eq!(sheet.raw(1, 1), "");
        assert!(sheet.continues_above(1, 1));
        assert!(!sheet.continues_above(0, 1));
        assert!(!sheet.row_has_own_text(1));
    }
}
