//! Finding the header row of a sheet and mapping its columns to fields, whatever the words,
//! line breaks and order a department used.

use super::text;
use super::workbook::Sheet;

/// What a column holds.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Serial,
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
    if let Some(h) = two_row(sheet, row) {
        return Some(h);
    }
    let mut columns: Vec<Option<Field>> = vec![None; sheet.width()];
    let mut skipped_columns = Vec::new();
    let mut previous: Option<Field> = None;
    for (c, slot) in columns.iter_mut().enumerate() {
        let cell = sheet.raw(row, c);
        let merged_from_left = sheet.region(row, c).is_some_and(|m| m.left < c);
        let field = if merged_from_left || text::header(cell).is_empty() {
            // The second column under a merged "实施层级及权限" header holds the scope.
            match previous {
                Some(Field::Level) if merged_from_left || c > 0 => Some(Field::Scope),
                _ => None,
            }
        } else {
            recognise(cell)
        };
        let Some(field) = field else {
            previous = None;
            continue;
        };
        previous = Some(field.clone());
        let name = sheet.value(row, c).split_whitespace().collect::<String>();
        if IGNORED.contains(&name.as_str()) {
            skipped_columns.push((
                c,
                name,
                "与清单内容无关（录入人员姓名），不导入".to_string(),
            ));
            continue;
        }
        if sheet.hidden_cols.contains(&c) {
            skipped_columns.push((c, name, "隐藏列（表格中不显示），不导入".to_string()));
            continue;
        }
        *slot = Some(field);
    }
    // A second column with the same field: "实施层级及权限" written twice means level + scope;
    // otherwise the first visible one wins and the other is kept as an extra column.
    for c in 0..columns.len() {
        let Some(f) = columns[c].clone() else {
            continue;
        };
        if matches!(f, Field::Extra(_)) {
            continue;
        }
        if columns[..c].contains(&Some(f.clone())) {
            let name = sheet.value(row, c).split_whitespace().collect::<String>();
            columns[c] = if f == Field::Level && !columns.contains(&Some(Field::Scope)) {
                Some(Field::Scope)
            } else {
                Some(Field::Extra(format!("{name}（第{}列）", c + 1)))
            };
        }
    }
    Some(Header {
        row,
        columns,
        skipped_columns,
    })
}

/// A two-row header: group cells merged across columns in `row` ("责任事项" over two columns),
/// with sub-headers below ("内容", "依据"); single-level headers merged down over both rows.
/// Each column's field is read from "group + sub" ("责任事项依据"), else the sub-header, else the
/// group.
fn two_row(sheet: &Sheet, row: usize) -> Option<Header> {
    let below = row + 1;
    if below >= sheet.height() {
        return None;
    }
    let has_group = (0..sheet.width()).any(|c| {
        sheet
            .region(row, c)
            .is_some_and(|m| m.top == row && m.bottom == row && m.right > m.left)
    });
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
    if !has_group || subs.len() < 2 || numeric {
        return None;
    }
    // Every sub-header must sit under a group cell.
    let under_group = subs.iter().all(|&c| {
        sheet
            .region(row, c)
            .is_some_and(|m| m.top == row && m.bottom == row && m.right > m.left)
    });
    if !under_group {
        return None;
    }
    let mut columns = vec![None; sheet.width()];
    let mut skipped_columns = Vec::new();
    for (c, slot) in columns.iter_mut().enumerate() {
        let group = text::header(sheet.value(row, c));
        let sub = if subs.contains(&c) {
            text::header(sheet.raw(below, c))
        } else {
            String::new()
        };
        let known = |h: &str| recognise(h).filter(|f| !matches!(f, Field::Extra(_)));
        let field = if sub.is_empty() {
            recognise(&group)
        } else {
            known(&format!("{group}{sub}"))
                .or_else(|| known(&sub))
                .or_else(|| known(&group))
                .or_else(|| recognise(&format!("{group}{sub}")))
        };
        if sheet.hidden_cols.contains(&c) {
            if field.is_some() {
                skipped_columns.push((c, group, "隐藏列（表格中不显示），不导入".to_string()));
            }
            continue;
        }
        *slot = field;
    }
    Some(Header {
        row: below,
        columns,
        skipped_columns,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn two_row_headers_combine_group_and_sub_header() {
        use super::super::workbook::Region;
        let row = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let cells = vec![
            row(&["序号", "事项名称", "权力类型", "责任事项", "", "追责", ""]),
            row(&["", "", "", "内容", "依据", "对象范围", "情形"]),
            row(&[
                "1",
                "某许可",
                "行政许可",
                "受理",
                "某法",
                "承办人",
                "未按规定",
            ]),
        ];
        let r = |top, left, bottom, right| Region {
            top,
            left,
            bottom,
            right,
        };
        let merges = vec![
            r(0, 0, 1, 0),
            r(0, 1, 1, 1),
            r(0, 2, 1, 2),
            r(0, 3, 0, 4),
            r(0, 5, 0, 6),
        ];
        let sheet = Sheet::new("s".into(), cells, merges);
        let h = find(&sheet).unwrap();
        assert_eq!(h.row, 1);
        assert_eq!(h.col(&Field::RespContent), Some(3));
        assert_eq!(h.col(&Field::RespBasis), Some(4));
        assert_eq!(h.col(&Field::AccSubjects), Some(5));
        assert_eq!(h.col(&Field::AccCircumstances), Some(6));
        assert_eq!(h.col(&Field::Name), Some(1));
    }
}
