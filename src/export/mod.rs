//! `qingdan export`: open data of one version of the lists, as CSV, JSON and xlsx. One row per
//! list entry (an item without sub-items, or one sub-item of an item), under the standard
//! Chinese column headers, so the xlsx (and CSV) import again with `qingdan import`.

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

pub type Row = [String; 23];

fn responsibilities_text(r: &Responsibilities) -> String {
    if !r.text.trim().is_empty() || r.stages.is_empty() {
        return r.text.clone();
    }
    r.stages
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{}.{}责任：{}", i + 1, s.stage, s.content))
        .collect::<Vec<_>>()
        .join("\n")
}

fn or<'a>(own: &'a str, item: &'a str) -> &'a str {
    if own.trim().is_empty() { item } else { own }
}

/// The rows of some items (an item with sub-items gives one row per sub-item).
pub fn rows<'a>(snap: &Snapshot, items: impl Iterator<Item = &'a Item>) -> Vec<Row> {
    let mut out = Vec::new();
    for (n, item) in items.enumerate() {
        let dept = snap.department_name(&item.department).to_string();
        let guide = item.guide.as_ref().map(|g| &g.value);
        let fees = guide.map_or(String::new(), |g| match (g.charged, g.fees.is_empty()) {
            (Some(false), _) => "无".to_string(),
            (_, false) => g
                .fees
                .iter()
                .map(|f| {
                    [f.name.as_str(), f.amount.as_str(), f.basis.as_str()]
                        .join(" ")
                        .trim()
                        .to_string()
                })
                .collect::<Vec<_>>()
                .join("\n"),
            _ => String::new(),
        });
        let materials = guide.map_or(String::new(), |g| {
            if !g.materials_text.trim().is_empty() || g.materials.is_empty() {
                g.materials_text.clone()
            } else {
                g.materials
                    .iter()
                    .enumerate()
                    .map(|(i, m)| format!("{}.{}", i + 1, m.name.as_str()))
                    .collect::<Vec<_>>()
                    .join("\n")
            }
        });
        let item_resp = responsibilities_text(&item.responsibilities);
        let subs: Vec<Option<&crate::model::SubItem>> = if item.sub_items.is_empty() {
            vec![None]
        } else {
            item.sub_items.iter().map(Some).collect()
        };
        for sub in subs {
            let (sub_name, basis, resp, resp_basis, circ, remarks) = match sub {
                Some(s) => (
                    s.name.value.clone(),
                    or(&s.basis.text, &item.basis.text).to_string(),
                    {
                        let own = responsibilities_text(&s.responsibilities);
                        if own.trim().is_empty() {
                            item_resp.clone()
                        } else {
                            own
                        }
                    },
                    or(&s.responsibilities.basis, &item.responsibilities.basis).to_string(),
                    or(
                        &s.accountability.circumstances,
                        &item.accountability.circumstances,
                    )
                    .to_string(),
                    or(&s.remarks, &item.remarks).to_string(),
                ),
                None => (
                    String::new(),
                    item.basis.text.clone(),
                    item_resp.clone(),
                    item.responsibilities.basis.clone(),
                    item.accountability.circumstances.clone(),
                    item.remarks.clone(),
                ),
            };
            out.push([
                (n + 1).to_string(),
                item.id.value.clone(),
                dept.clone(),
                item.name.value.clone(),
                sub_name,
                item.category.value.clone(),
                basis,
                item.body.clone(),
                item.unit.clone(),
                item.level.value.clone(),
                item.scope.clone(),
                item.duty.clone(),
                resp,
                resp_basis,
                item.accountability.subjects.clone(),
                circ,
                remarks,
                guide.map_or(String::new(), |g| g.audience.clone()),
                guide.map_or(String::new(), |g| g.conditions.clone()),
                materials.clone(),
                guide.map_or(String::new(), |g| g.statutory_limit.value.clone()),
                guide.map_or(String::new(), |g| g.promised_limit.value.clone()),
                fees.clone(),
            ]);
        }
    }
    out
}

/// CSV in UTF-8 with a BOM (so Excel opens it as UTF-8).
pub fn csv(rows: &[Row]) -> Result<Vec<u8>, Error> {
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let io = |e: csv::Error| Error::Usage(format!("无法生成 CSV：{e}"));
    w.write_record(COLUMNS).map_err(io)?;
    for r in rows {
        w.write_record(r).map_err(io)?;
    }
    w.into_inner()
        .map_err(|e| Error::Usage(format!("无法生成 CSV：{e}")))
}

/// An xlsx workbook: a title row naming the list, the header, then the rows.
pub fn xlsx(title: &str, rows: &[Row]) -> Result<Vec<u8>, Error> {
    use rust_xlsxwriter::{Format, FormatAlign, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| Error::Usage(format!("无法生成 xlsx：{e}"));
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
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
    }
    sheet.set_freeze_panes(2, 0).map_err(err)?;
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                sheet
                    .write_string_with_format(r as u32 + 2, c as u16, v, &wrap)
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

/// JSON: the jurisdiction, departments and items as the list files hold them.
pub fn json<'a>(
    snap: &'a Snapshot,
    departments: impl Iterator<Item = &'a Department>,
    items: impl Iterator<Item = &'a Item>,
) -> Result<Vec<u8>, Error> {
    let doc = JsonExport {
        jurisdiction: snap.jurisdiction.as_ref().map(|j| &j.value),
        departments: departments.collect(),
        items: items.collect(),
    };
    Ok(serde_json::to_vec_pretty(&doc)?)
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
}
