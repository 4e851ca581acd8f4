//! `qingdan export`: open data of one version of the lists, as CSV, JSON and xlsx. One row per
//! list entry (an item without sub-items, or one sub-item of an item), under the standard
//! Chinese column headers, so the xlsx (and CSV) import again with `qingdan import`.

use std::borrow::Cow;
use std::io::Write;

use serde::Serialize;

use crate::Error;
use crate::model::{Department, Item, Jurisdiction, Responsibilities};
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

/// The rows of some items (an item with sub-items gives one row per sub-item).
pub fn rows<'a>(snap: &'a Snapshot, items: impl Iterator<Item = &'a Item>) -> Vec<Row<'a>> {
    let mut out = Vec::new();
    for (n, item) in items.enumerate() {
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
                Cow::Owned((n + 1).to_string()),
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
    out
}

/// CSV in UTF-8 with a BOM (so Excel opens it as UTF-8), written to `out`.
pub fn write_csv(rows: &[Row], out: impl Write) -> Result<(), Error> {
    let io = |e: csv::Error| Error::Usage(format!("无法写出 CSV：{e}"));
    let mut out = out;
    out.write_all(b"\xEF\xBB\xBF")
        .map_err(|e| Error::Usage(format!("无法写出 CSV：{e}")))?;
    let mut w = csv::Writer::from_writer(out);
    w.write_record(COLUMNS).map_err(io)?;
    for r in rows {
        w.write_record(r.iter().map(|c| c.as_bytes())).map_err(io)?;
    }
    w.flush()
        .map_err(|e| Error::Usage(format!("无法写出 CSV：{e}")))
}

/// CSV in memory.
pub fn csv(rows: &[Row]) -> Result<Vec<u8>, Error> {
    let mut buf = Vec::new();
    write_csv(rows, &mut buf)?;
    Ok(buf)
}

/// An xlsx workbook: a title row naming the list, the header, then the rows.
pub fn xlsx(title: &str, rows: &[Row]) -> Result<Vec<u8>, Error> {
    use rust_xlsxwriter::{Format, FormatAlign, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| Error::Usage(format!("无法生成 xlsx：{e}"));
    let mut book = Workbook::new();
    // Fast compression: the whole list at 100,000 items is millions of cells, and deflate's
    // best effort costs far more time than the few percent of size it saves.
    book.set_zip_compression_level(1);
    // Constant-memory mode: each row goes out as soon as it is complete, with its strings inline
    // instead of in a shared-string table (which hashes every cell; the whole list at 100,000
    // items took seconds for it). Rows are written in order, as this mode requires.
    // It needs a temporary file; where none can be made (TMPDIR not writable), the ordinary
    // in-memory worksheet does the same job more slowly.
    let sheet = if book.add_worksheet_with_constant_memory().is_ok() {
        book.worksheet_from_index(0).map_err(err)?
    } else {
        book.add_worksheet()
    };
    sheet.set_name("权责清单").map_err(err)?;
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    sheet
        .write_string_with_format(0, 0, title, &bold)
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
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                sheet
                    .write_string(r as u32 + 2, c as u16, v.as_ref())
                    .map_err(err)?;
            }
        }
    }
    book.save_to_buffer().map_err(err)
}

#[derive(Serialize)]
struct JsonExport<'a> {
    jurisdiction: Option<&'a Jurisdiction>,
    departments: Vec<&'a Department>,
    items: Vec<&'a Item>,
}

/// JSON: the jurisdiction, departments and items as the list files hold them, written to `out`.
pub fn write_json<'a>(
    snap: &'a Snapshot,
    departments: impl Iterator<Item = &'a Department>,
    items: impl Iterator<Item = &'a Item>,
    out: impl Write,
) -> Result<(), Error> {
    let doc = JsonExport {
        jurisdiction: snap.jurisdiction.as_ref().map(|j| &j.value),
        departments: departments.collect(),
        items: items.collect(),
    };
    let mut out = out;
    serde_json::to_writer(&mut out, &doc)?;
    out.flush()
        .map_err(|e| Error::Usage(format!("无法写出 JSON：{e}")))
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
        let bytes = xlsx("测试清单", &[row]).unwrap();
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
}
