//! Turning the data rows of one sheet into item drafts: where an item starts and ends (merged
//! serial and name cells, names repeated on sub-item rows), which rows are sub-items, which are
//! continuations whose text belongs to the entry above, and which are skipped and why.

use std::collections::BTreeMap;

use super::header::{Field, Header};
use super::text;
use super::workbook::Sheet;
use crate::model::Category;

/// Fields that may differ between the sub-items of one item.
fn per_sub_item(f: &Field) -> bool {
    matches!(
        f,
        Field::Basis
            | Field::RespContent
            | Field::RespBasis
            | Field::AccCircumstances
            | Field::AccBasis
            | Field::Remarks
    )
}

/// Short fields lose all white space; long ones keep paragraphs.
fn is_short(f: &Field) -> bool {
    matches!(
        f,
        Field::Serial
            | Field::Department
            | Field::Code
            | Field::Category
            | Field::Name
            | Field::SubName
            | Field::Body
            | Field::Unit
            | Field::Level
            | Field::StatutoryLimit
            | Field::PromisedLimit
            | Field::ConsultPhone
            | Field::ComplaintPhone
            | Field::OnlineUrl
    )
}

pub fn clean(f: &Field, raw: &str) -> String {
    match f {
        // "无" in the fee column means "no fee", which is information: keep it.
        Field::Fees => raw.trim().to_string(),
        Field::Unit
        | Field::Body
        | Field::Level
        | Field::StatutoryLimit
        | Field::PromisedLimit
        | Field::ConsultPhone
        | Field::ComplaintPhone => text::short_list(raw),
        f if is_short(f) => text::short(raw),
        _ => text::long(raw),
    }
}

/// One sub-item (or, for an item without sub-items, the item's own row values).
#[derive(Debug, Default)]
pub struct SubDraft {
    pub name: String,
    pub row: usize,
    pub fields: BTreeMap<Field, String>,
}

/// One item as read from the rows, before it becomes a `model::Item`.
#[derive(Debug, Default)]
pub struct ItemDraft {
    /// 1-based Excel row where the item starts.
    pub row: usize,
    pub serial: String,
    pub name: String,
    pub category_hint: Option<Category>,
    /// Level named by a section row or the sheet name ("市级", "县级").
    pub level_hint: Option<&'static str>,
    pub fields: BTreeMap<Field, String>,
    /// The first element is unnamed when the item has no sub-items.
    pub subs: Vec<SubDraft>,
}

/// A row that was not imported, and why.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Skipped {
    /// 1-based Excel row.
    pub row: usize,
    pub reason: String,
}

fn append(map: &mut BTreeMap<Field, String>, f: Field, value: String) {
    if value.is_empty() {
        return;
    }
    match map.get_mut(&f) {
        Some(existing) if existing.contains(&value) => {}
        Some(existing) => {
            existing.push('\n');
            existing.push_str(&value);
        }
        None => {
            map.insert(f, value);
        }
    }
}

/// Category named by a section row ("一、行政许可（12项）") or a sheet name.
pub fn category_in(text: &str) -> Option<Category> {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    Category::ALL
        .into_iter()
        .find(|c| t.contains(c.name()))
        .or_else(|| Category::recognise(&t))
}

/// Level named by a section row or a sheet name ("二、县级权责事项", sheet "市级").
pub fn level_in(text: &str) -> Option<&'static str> {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if t.chars().count() > 20 {
        return None;
    }
    [
        "自治区级",
        "省级",
        "地州市级",
        "市级",
        "县级",
        "区级",
        "乡镇级",
        "街道级",
    ]
    .into_iter()
    .find(|l| t.contains(l))
}

/// Parse the rows below the header.
pub fn parse(sheet: &Sheet, header: &Header) -> (Vec<ItemDraft>, Vec<Skipped>) {
    let mut items: Vec<ItemDraft> = Vec::new();
    let mut skipped = Vec::new();
    let col = |f: &Field| header.col(f);
    let serial_col = col(&Field::Serial);
    let name_col = col(&Field::Name);
    let sub_col = col(&Field::SubName);
    let header_cells: Vec<String> = (0..sheet.width())
        .map(|c| text::header(sheet.value(header.row, c)))
        .collect();
    let mut section: Option<Category> = category_in(&sheet.name);
    let mut level: Option<&'static str> = level_in(&sheet.name);
    let last = (0..sheet.height())
        .rev()
        .find(|&r| sheet.row_has_own_text(r))
        .unwrap_or(0);
    for r in header.row + 1..=last {
        let excel_row = r + 1;
        if !sheet.row_has_own_text(r) {
            let inside_merge = (0..sheet.width()).any(|c| sheet.continues_above(r, c));
            if !inside_merge {
                skipped.push(Skipped {
                    row: excel_row,
                    reason: "空行".into(),
                });
            }
            continue;
        }
        if sheet.hidden_rows.contains(&r) {
            skipped.push(Skipped {
                row: excel_row,
                reason: "隐藏行（表格中不显示），未导入；如需导入请在表格中取消隐藏".into(),
            });
            continue;
        }
        // Distinct texts this row shows in the mapped columns.
        let own: Vec<(usize, String)> = (0..sheet.width())
            .filter(|&c| !sheet.continues_above(r, c))
            .filter_map(|c| {
                let v = sheet.value(r, c).trim();
                (!v.is_empty()).then(|| (c, v.to_string()))
            })
            .collect();
        // A repeated header row (tables printed over several pages repeat it).
        let header_like = own
            .iter()
            .filter(|(c, v)| {
                header_cells
                    .get(*c)
                    .is_some_and(|h| !h.is_empty() && *h == text::header(v))
            })
            .count();
        if header_like >= 3 && header_like * 2 >= own.len() {
            skipped.push(Skipped {
                row: excel_row,
                reason: "重复的表头行".into(),
            });
            continue;
        }
        let serial_raw = serial_col.map_or("", |c| sheet.raw(r, c)).trim();
        let serial_cont = serial_col.is_some_and(|c| sheet.continues_above(r, c));
        let name_cont = name_col.is_some_and(|c| sheet.continues_above(r, c));
        let name = name_col.map_or(String::new(), |c| {
            if name_cont {
                String::new()
            } else {
                text::short(sheet.value(r, c))
            }
        });
        // A row with one text spread over the table, or alone in the first column: a section
        // title ("一、行政许可（12项）") or a note. Text alone in a content column is a
        // continuation of the entry above and is handled below.
        let distinct: std::collections::BTreeSet<&str> =
            own.iter().map(|(_, v)| v.as_str()).collect();
        if let (1, Some((c0, only))) = (distinct.len(), own.first()) {
            let wide = sheet
                .region(r, *c0)
                .is_some_and(|m| m.top == r && m.right - m.left >= 2);
            let first_col = *c0 == 0 || Some(*c0) == serial_col;
            let number = only
                .chars()
                .all(|c| c.is_ascii_digit() || c == ',' || c == '，');
            if wide || (own.len() == 1 && first_col && !number) {
                let shown: String = only.chars().take(30).collect();
                let cat = category_in(only).filter(|_| only.chars().count() <= 30);
                match (cat, level_in(only)) {
                    (Some(cat), _) => {
                        section = Some(cat);
                        skipped.push(Skipped {
                            row: excel_row,
                            reason: format!("分类标题行（{}）", cat.name()),
                        });
                    }
                    (None, Some(l)) => {
                        level = Some(l);
                        skipped.push(Skipped {
                            row: excel_row,
                            reason: format!("分级标题行（{l}）"),
                        });
                    }
                    (None, None) => skipped.push(Skipped {
                        row: excel_row,
                        reason: format!("说明行，非清单条目：{shown}"),
                    }),
                }
                continue;
            }
        }
        let current_name = items.last().map(|i| i.name.clone());
        // A serial repeated on the next row with the same (or no) name: the same item, as a
        // flat sheet (or our own export) writes each sub-item.
        let repeats_current = !serial_raw.is_empty()
            && items.last().is_some_and(|it| {
                it.serial == text::short(serial_raw) && (name.is_empty() || it.name == name)
            });
        let starts_item = if serial_cont || repeats_current {
            false
        } else if !serial_raw.is_empty() && !text::is_placeholder(serial_raw) {
            true
        } else if !name.is_empty() {
            current_name.as_deref() != Some(name.as_str())
        } else {
            false
        };
        if starts_item && name.is_empty() {
            skipped.push(Skipped {
                row: excel_row,
                reason: format!("有序号 {serial_raw} 但事项名称为空，未导入"),
            });
            continue;
        }
        if !starts_item && items.is_empty() {
            skipped.push(Skipped {
                row: excel_row,
                reason: "表头下方第一个事项之前的行，无所属事项".into(),
            });
            continue;
        }
        if starts_item {
            items.push(ItemDraft {
                row: excel_row,
                serial: text::short(serial_raw),
                name: name.clone(),
                category_hint: section,
                level_hint: level,
                ..ItemDraft::default()
            });
        }
        let Some(item) = items.last_mut() else {
            continue;
        };
        // Sub-item: a sub-item cell of its own starts one.
        let sub_name = sub_col
            .filter(|&c| !sheet.continues_above(r, c))
            .map(|c| text::strip_numbering(&text::short(sheet.value(r, c))))
            .unwrap_or_default();
        let new_sub = starts_item
            || (!sub_name.is_empty() && item.subs.last().is_none_or(|s| s.name != sub_name));
        if new_sub {
            item.subs.push(SubDraft {
                name: sub_name,
                row: excel_row,
                fields: BTreeMap::new(),
            });
        }
        let mut values = Vec::new();
        for (c, field) in header.columns.iter().enumerate() {
            let Some(field) = field else {
                continue;
            };
            if matches!(field, Field::Name | Field::SubName | Field::Serial) {
                continue;
            }
            // A new entry reads what it shows (merged cells included); a continuation row adds
            // only text of its own, never a merged value it shares with the row above.
            let continues = sheet.continues_above(r, c);
            if continues && !(new_sub && per_sub_item(field)) && !starts_item {
                continue;
            }
            let value = clean(field, sheet.value(r, c));
            if !value.is_empty() {
                values.push((field.clone(), value));
            }
        }
        // "同上" (same as above) repeats the previous entry's value.
        for (field, value) in values.iter_mut() {
            if value != "同上" {
                continue;
            }
            let before = if starts_item {
                items.len().checked_sub(2).map(|i| &items[i])
            } else {
                items.last()
            };
            let previous = before.and_then(|item| {
                item.subs
                    .iter()
                    .rev()
                    .skip(usize::from(!starts_item && new_sub))
                    .find_map(|s| s.fields.get(field))
                    .or_else(|| item.fields.get(field))
            });
            if let Some(p) = previous {
                *value = p.clone();
            }
        }
        let Some(item) = items.last_mut() else {
            continue;
        };
        for (field, value) in values {
            if per_sub_item(&field) {
                if let Some(sub) = item.subs.last_mut() {
                    append(&mut sub.fields, field, value);
                }
            } else {
                append(&mut item.fields, field, value);
            }
        }
    }
    (items, skipped)
}
