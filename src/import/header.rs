//! Finding the header row of a sheet and mapping its columns to fields, whatever the words,
//! line breaks and order a department used.

use super::text;
use super::workbook::Sheet;

/// What a column holds.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Serial,
    /// The department of each row, in a file that holds several departments.
    Department,
    Code,
    Category,
    Name,
    SubName,
    Basis,
    Body,
    Unit,
    Level,
    Scope,
    Duty,
    RespContent,
    RespBasis,
    AccSubjects,
    AccCircumstances,
    AccBasis,
    Remarks,
    Audience,
    Conditions,
    Materials,
    StatutoryLimit,
    PromisedLimit,
    Fees,
    Place,
    Hours,
    ConsultPhone,
    ComplaintPhone,
    OnlineUrl,
    /// A column kept as it is, under its own header, in the item's `extra` table.
    Extra(String),
}

/// Header words (normalised: no white space, ASCII parentheses) and the field they name.
/// Exact matches first; `recognise` then tries prefixes for headers with notes in parentheses.
const SYNONYMS: &[(&str, Field)] = &[
    ("序号", Field::Serial),
    ("所属部门", Field::Department),
    ("部门", Field::Department),
    ("部门名称", Field::Department),
    ("编号", Field::Serial),
    ("职权编码", Field::Code),
    ("事项编码", Field::Code),
    ("权力编码", Field::Code),
    ("权责事项编码", Field::Code),
    ("基本编码", Field::Code),
    ("编码", Field::Code),
    ("权力类型", Field::Category),
    ("职权类型", Field::Category),
    ("职权类别", Field::Category),
    ("权力类别", Field::Category),
    ("事项类型", Field::Category),
    ("事项类别", Field::Category),
    ("类别", Field::Category),
    ("事项名称", Field::Name),
    ("职权名称", Field::Name),
    ("权力名称", Field::Name),
    ("权力事项名称", Field::Name),
    ("权责事项名称", Field::Name),
    ("主项名称", Field::Name),
    ("项目名称", Field::Name),
    ("项目", Field::Name),
    ("名称", Field::Name),
    ("子项名称", Field::SubName),
    ("子项", Field::SubName),
    ("子项目名称", Field::SubName),
    ("实施依据", Field::Basis),
    ("设定依据", Field::Basis),
    ("设定和实施依据", Field::Basis),
    ("法律依据", Field::Basis),
    ("法定依据", Field::Basis),
    ("依据", Field::Basis),
    ("行使主体", Field::Body),
    ("实施主体", Field::Body),
    ("实施机关", Field::Body),
    ("行使部门", Field::Body),
    ("承办机构", Field::Unit),
    ("承办单位", Field::Unit),
    ("承办科室", Field::Unit),
    ("内设机构", Field::Unit),
    ("实施层级及权限", Field::Level),
    ("实施层级", Field::Level),
    ("权限", Field::Scope),
    ("行使层级", Field::Level),
    ("层级", Field::Level),
    ("权限划分", Field::Scope),
    ("行使权限", Field::Scope),
    ("部门职责", Field::Duty),
    ("对应部门职责", Field::Duty),
    ("责任事项内容", Field::RespContent),
    ("责任事项", Field::RespContent),
    ("责任事项依据", Field::RespBasis),
    ("责任事项的依据", Field::RespBasis),
    ("追责对象范围", Field::AccSubjects),
    ("追责对象", Field::AccSubjects),
    ("追责情形", Field::AccCircumstances),
    ("追责依据", Field::AccBasis),
    ("备注", Field::Remarks),
    ("救助渠道", Field::Remarks),
    ("诉求渠道", Field::Remarks),
    ("实施对象", Field::Audience),
    ("服务对象", Field::Audience),
    ("申请条件", Field::Conditions),
    ("受理条件", Field::Conditions),
    ("办理条件", Field::Conditions),
    ("申请材料", Field::Materials),
    ("申报材料", Field::Materials),
    ("法定期限", Field::StatutoryLimit),
    ("法定办结时限", Field::StatutoryLimit),
    ("法定时限", Field::StatutoryLimit),
    ("承诺期限", Field::PromisedLimit),
    ("承诺办结时限", Field::PromisedLimit),
    ("承诺时限", Field::PromisedLimit),
    ("收费(征收)依据和标准", Field::Fees),
    ("收费依据和标准", Field::Fees),
    ("收费标准", Field::Fees),
    ("收费", Field::Fees),
    ("办理地点", Field::Place),
    ("办理时间", Field::Hours),
    ("咨询电话", Field::ConsultPhone),
    ("监督投诉电话", Field::ComplaintPhone),
    ("投诉电话", Field::ComplaintPhone),
    ("网上办理地址", Field::OnlineUrl),
];

/// Headers of columns that are not list content and are not imported (reported as skipped).
pub const IGNORED: &[&str] = &["录入人"];

/// The field a header cell names, or `None` for an empty cell.
pub fn recognise(cell: &str) -> Option<Field> {
    let h = text::header(cell);
    if h.is_empty() {
        return None;
    }
    if let Some((_, f)) = SYNONYMS.iter().find(|(k, _)| *k == h) {
        return Some(f.clone());
    }
    // "法定期限(天/日)", "实施依据(法律法规)": match what comes before the parenthesis.
    let base = h.split('(').next().unwrap_or(&h);
    if let Some((_, f)) = SYNONYMS.iter().find(|(k, _)| *k == base) {
        return Some(f.clone());
    }
    Some(Field::Extra(
        cell.split_whitespace().collect::<Vec<_>>().join(""),
    ))
}

/// A sheet's header: where it is, and which field each column holds.
#[derive(Debug)]
pub struct Header {
    /// 0-based row of the header (the last row, for a two-row header).
    pub row: usize,
    /// Field per column (`None`: empty header, ignored, or a hidden or duplicate column).
    pub columns: Vec<Option<Field>>,
    /// Columns not imported, with the reason.
    pub skipped_columns: Vec<(usize, String, String)>,
}

impl Header {
    pub fn col(&self, f: &Field) -> Option<usize> {
        self.columns.iter().position(|c| c.as_ref() == Some(f))
    }
}

fn score(sheet: &Sheet, r: usize) -> usize {
    let mut seen = Vec::new();
    for c in 0..sheet.width() {
        if let Some(f) = recognise(sheet.value(r, c))
            && !matches!(f, Field::Extra(_))
            && !seen.contains(&f)
        {
            seen.push(f);
        }
    }
    if seen.contains(&Field::Name) {
        seen.len()
    } else {
        0
    }
}

/// Find the header in the first rows of a sheet: the row naming the most known fields (at least
/// the item name and two others).
pub fn find(sheet: &Sheet) -> Option<Header> {
    let limit = sheet.height().min(30);
    let (row, best) = (0..limit)
        .map(|r| (r, score(sheet, r)))
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))?;
    if best < 3 {
        return None;
    }
    // The lower row of a two-row header scores well too (merged cells show the upper text).
    if let Some(fields) = row.checked_sub(1).and_then(|up| two_row(sheet, up)) {
        return Some(map_columns(sheet, row, fields));
    }
    if let Some(fields) = two_row(sheet, row) {
        return Some(map_columns(sheet, row + 1, fields));
    }
    Some(map_columns(sheet, row, one_row(sheet, row)))
}

/// Fields of a one-row header.
fn one_row(sheet: &Sheet, row: usize) -> Vec<Option<Field>> {
    let mut previous: Option<Field> = None;
    (0..sheet.width())
        .map(|c| {
            let cell = sheet.raw(row, c);
            let merged_from_left = sheet.region(row, c).is_some_and(|m| m.left < c);
            let field = if merged_from_left || text::header(cell).is_empty() {
                // The second column under a merged "实施层级及权限" header holds the scope.
                match previous {
                    Some(Field::Level) => Some(Field::Scope),
                    _ => None,
                }
            } else {
                recognise(cell)
            };
            previous = field.clone();
            field
        })
        .collect()
}

/// A two-row header whose upper row is `row`: group cells merged across columns ("责任事项"
/// over two columns) with sub-headers below ("内容", "依据"), single-level headers merged down
/// over both rows. A column's field is read from "group + sub" ("责任事项依据"), else the
/// sub-header, else the group ("实施层级及权限" over "层级" and "权限" gives level twice, and
/// `map_columns` turns the second into the scope).
fn two_row(sheet: &Sheet, row: usize) -> Option<Vec<Option<Field>>> {
    let below = row + 1;
    if below >= sheet.height() {
        return None;
    }
    // A group spans some columns of one row, never the whole table (that is a title).
    let is_group = |c: usize| {
        sheet.region(row, c).is_some_and(|m| {
            m.top == row
                && m.bottom == row
                && m.right > m.left
                && m.right - m.left + 1 < sheet.width()
        })
    };
    // Single-level headers are merged down over both rows.
    let spans_both = (0..sheet.width()).any(|c| {
        sheet
            .region(row, c)
            .is_some_and(|m| m.top == row && m.bottom == below)
    });
    if !spans_both {
        return None;
    }
    let subs: Vec<usize> = (0..sheet.width())
        .filter(|&c| !sheet.continues_above(below, c) && !sheet.raw(below, c).trim().is_empty())
        .collect();
    let numeric = subs.iter().any(|&c| {
        sheet
            .raw(below, c)
            .trim()
            .chars()
            .all(|ch| ch.is_ascii_digit())
    });
    if subs.len() < 2 || numeric || !subs.iter().all(|&c| is_group(c)) {
        return None;
    }
    let known = |h: &str| recognise(h).filter(|f| !matches!(f, Field::Extra(_)));
    Some(
        (0..sheet.width())
            .map(|c| {
                let group = text::header(sheet.value(row, c));
                if !subs.contains(&c) {
                    return recognise(&group);
                }
                let sub = text::header(sheet.raw(below, c));
                known(&format!("{group}{sub}"))
                    .or_else(|| known(&sub))
                    .or_else(|| known(&group))
                    .or_else(|| recognise(&format!("{group}{sub}")))
            })
            .collect(),
    )
}

/// The header of a sheet from the fields its header cells name: columns not to import (a
/// clerk's name, hidden columns) are reported, and a field named twice becomes the scope
/// ("实施层级及权限" written over two columns) or an extra column.
fn map_columns(sheet: &Sheet, row: usize, fields: Vec<Option<Field>>) -> Header {
    let mut columns: Vec<Option<Field>> = vec![None; sheet.width()];
    let mut skipped_columns = Vec::new();
    let name_of = |c: usize| {
        let lower = sheet.value(row, c).split_whitespace().collect::<String>();
        if lower.is_empty() && row > 0 {
            sheet.value(row - 1, c).split_whitespace().collect()
        } else {
            lower
        }
    };
    for (c, field) in fields.into_iter().enumerate().take(sheet.width()) {
        let Some(field) = field else {
            continue;
        };
        let name = name_of(c);
        if IGNORED.contains(&name.as_str()) {
            let reason = "与清单内容无关（录入人员姓名），不导入".to_string();
            skipped_columns.push((c, name, reason));
            continue;
        }
        if sheet.hidden_cols.contains(&c) {
            skipped_columns.push((c, name, "隐藏列（表格中不显示），不导入".to_string()));
            continue;
        }
        let taken = columns.contains(&Some(field.clone()));
        columns[c] = Some(match field {
            Field::Extra(_) => field,
            Field::Level if taken && !columns.contains(&Some(Field::Scope)) => Field::Scope,
            _ if taken => Field::Extra(format!("{name}（第{}列）", c + 1)),
            f => f,
        });
    }
    Header {
        row,
        columns,
        skipped_columns,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::workbook::Region;

    /// A sheet from rows of cells and merged regions given as (top, left, bottom, right).
    fn sheet(rows: &[&[&str]], merges: &[(usize, usize, usize, usize)]) -> Sheet {
        let cells = rows
            .iter()
            .map(|r| r.iter().map(|s| s.to_string()).collect())
            .collect();
        let merges = merges
            .iter()
            .map(|&(top, left, bottom, right)| Region {
                top,
                left,
                bottom,
                right,
            })
            .collect();
        Sheet::new("s".into(), cells, merges)
    }

    #[test]
    fn recognises_synonyms_and_variants() {
        assert_eq!(recognise("事项\n名称"), Some(Field::Name));
        assert_eq!(recognise("项目"), Some(Field::Name));
        assert_eq!(recognise("职权类型"), Some(Field::Category));
        assert_eq!(recognise("序  号"), Some(Field::Serial));
        assert_eq!(recognise("法定期限（天/日）"), Some(Field::StatutoryLimit));
        assert_eq!(recognise("救助渠道"), Some(Field::Remarks));
        assert_eq!(recognise("公开类型"), Some(Field::Extra("公开类型".into())));
        assert_eq!(recognise("  "), None);
    }

    #[test]
    fn finds_a_header_below_a_title_and_maps_the_scope_column() {
        let row = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let cells = vec![
            row(&["某局2024年权责清单", "", "", "", "", ""]),
            row(&[
                "序号",
                "事项名称",
                "权力类型",
                "实施依据",
                "实施层级及权限",
                "",
            ]),
            row(&["1", "某许可", "行政许可", "【法律】", "市级", "负责审批"]),
        ];
        let sheet = Sheet::new("s".into(), cells, Vec::new());
        let h = find(&sheet).unwrap();
        assert_eq!(h.row, 1);
        assert_eq!(h.col(&Field::Name), Some(1));
        assert_eq!(h.col(&Field::Level), Some(4));
        assert_eq!(h.col(&Field::Scope), Some(5));
    }

    #[test]
    fn two_row_header_found_from_its_lower_row_with_level_and_scope() {
        let sheet = sheet(
            &[
                &["某局权责清单", "", "", "", "", "", ""],
                &[
                    "序号",
                    "权力名称",
                    "权力类别",
                    "实施层级及权限",
                    "",
                    "责任事项",
                    "",
                ],
                &["", "", "", "层级", "权限", "责任事项内容", "责任事项依据"],
                &[
                    "1",
                    "某许可",
                    "行政许可",
                    "市级",
                    "负责本级",
                    "受理",
                    "某法",
                ],
            ],
            &[
                (0, 0, 0, 6),
                (1, 0, 2, 0),
                (1, 1, 2, 1),
                (1, 2, 2, 2),
                (1, 3, 1, 4),
                (1, 5, 1, 6),
            ],
        );
        let h = find(&sheet).unwrap();
        assert_eq!(h.row, 2);
        assert_eq!(h.col(&Field::Serial), Some(0));
        assert_eq!(h.col(&Field::Name), Some(1));
        assert_eq!(h.col(&Field::Level), Some(3));
        assert_eq!(h.col(&Field::Scope), Some(4));
        assert_eq!(h.col(&Field::RespContent), Some(5));
        assert_eq!(h.col(&Field::RespBasis), Some(6));
    }

    #[test]
    fn two_row_headers_combine_group_and_sub_header() {
        let sheet = sheet(
            &[
                &["序号", "事项名称", "权力类型", "责任事项", "", "追责", ""],
                &["", "", "", "内容", "依据", "对象范围", "情形"],
                &[
                    "1",
                    "某许可",
                    "行政许可",
                    "受理",
                    "某法",
                    "承办人",
                    "未按规定",
                ],
            ],
            &[
                (0, 0, 1, 0),
                (0, 1, 1, 1),
                (0, 2, 1, 2),
                (0, 3, 0, 4),
                (0, 5, 0, 6),
            ],
        );
        let h = find(&sheet).unwrap();
        assert_eq!(h.row, 1);
        assert_eq!(h.col(&Field::RespContent), Some(3));
        assert_eq!(h.col(&Field::RespBasis), Some(4));
        assert_eq!(h.col(&Field::AccSubjects), Some(5));
        assert_eq!(h.col(&Field::AccCircumstances), Some(6));
        assert_eq!(h.col(&Field::Name), Some(1));
    }
}
