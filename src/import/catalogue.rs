//! `import --catalogue`: a guiding catalogue workbook (权责清单指导目录) into `catalogue/`.
//!
//! Real catalogues cover two or three levels in one workbook — one sheet per level (市级, 县级),
//! or one sheet with a level column — and list the same matter once per level with that level's
//! 行使主体, 承办机构 and 权限. Read as an ordinary list, that would be one department holding
//! each matter twice. Here the rows are read as usual (`import_file`), then rows that are one
//! matter (the same name and category) become one catalogue item with an entry per level; the
//! texts every level shares (basis, responsibilities, accountability) are the first level's.

use std::collections::BTreeMap;

use crate::model::{CatalogueItem, CatalogueLevel, Category, Item, Located, tier};

/// The level a sheet's name gives (“市级”, “县（市、区）级”, “乡镇街道”), canonical.
pub fn sheet_level(name: &str) -> Option<&'static str> {
    let n: String = name.chars().filter(|c| !c.is_whitespace()).collect();
    let r = tier::levels(&n)
        .map(|(hi, lo)| (hi == lo).then_some(hi))
        .unwrap_or_else(|| {
            // “县市区”, “乡镇街道”, “地州市” without 级.
            ["地州市", "县市区", "乡镇", "街道", "省", "自治区"]
                .iter()
                .any(|w| n.contains(w))
                .then(|| tier::rank(&n))
        })?;
    canonical(r)
}

/// The level words a catalogue entry is written with.
pub fn canonical(rank: u8) -> Option<&'static str> {
    match rank {
        4 => Some("省（自治区）级"),
        3 => Some("地州市级"),
        2 => Some("县（市、区）级"),
        1 => Some("乡镇（街道）级"),
        _ => None,
    }
}

/// The levels of one row: the sheet's, else those its level column names.
fn row_levels(sheet: Option<&'static str>, item: &Item) -> Vec<&'static str> {
    if let Some(s) = sheet {
        return vec![s];
    }
    let mut out = Vec::new();
    for word in item
        .level
        .split(['、', '，', ',', '/', '；', ';', ' ', '和', '及'])
        .filter(|w| w.contains('级'))
    {
        if let Some(c) = canonical(tier::rank(word))
            && !out.contains(&c)
        {
            out.push(c);
        }
    }
    out
}

/// A basic code for a matter: its sheet code when every row agrees on a usable one, else one
/// made of the category and the name (stable across imports).
fn code_of(rows: &[&Item], sector: &str) -> String {
    let first = rows[0].code.trim();
    if super::build::usable_code(first) && rows.iter().all(|r| r.code.trim() == first) {
        return first.to_string();
    }
    let abbrev = Category::from_name(rows[0].category.as_str()).map_or("QT", |c| c.abbrev());
    // The sector too: 政府信息公开 of 商务 and of 统计 are two matters.
    let key = format!(
        "{sector}|{}",
        crate::diff::matching::normalize(rows[0].name.as_str())
    );
    let mut h = fnv::FnvHasher::default();
    std::hash::Hasher::write(&mut h, key.as_bytes());
    format!("{abbrev}-{:06x}", std::hash::Hasher::finish(&h) & 0xFF_FFFF)
}

/// What one sheet of the workbook gives: its level (if its name says) and its items.
pub struct Sheet<'a> {
    pub level: Option<&'static str>,
    pub items: Vec<&'a Item>,
}

/// The catalogue items of the sheets, with notes for the report (rows without a level, texts
/// that differ between the levels of one matter).
/// `taken`: the codes given out so far in this import (several files), which no item takes again.
pub fn build(
    sheets: &[Sheet],
    sector: &str,
    taken: &mut std::collections::HashSet<String>,
) -> (Vec<CatalogueItem>, Vec<String>) {
    let mut notes = Vec::new();
    // Matters in the order they first appear, with (level, row) pairs.
    let mut order: Vec<(String, String)> = Vec::new();
    let mut rows: BTreeMap<(String, String), Vec<(&'static str, &Item)>> = BTreeMap::new();
    for s in sheets {
        for &item in &s.items {
            let levels = row_levels(s.level, item);
            let row = item.source.as_ref().and_then(|r| r.row).unwrap_or(0);
            if levels.is_empty() {
                notes.push(format!(
                    "第 {row} 行“{}”：认不出实施层级（工作表名称和层级栏都没有写“市级”“县级”这样的层级），未列入目录",
                    item.name.as_str()
                ));
                continue;
            }
            let key = (
                crate::diff::matching::normalize(item.name.as_str()),
                item.category.value.clone(),
            );
            if !rows.contains_key(&key) {
                order.push(key.clone());
            }
            let list = rows.entry(key).or_default();
            for l in levels {
                if list.iter().any(|(x, _)| *x == l) {
                    notes.push(format!(
                        "第 {row} 行“{}”：{l}已有同名事项，重复的一行未列入目录",
                        item.name.as_str()
                    ));
                    continue;
                }
                list.push((l, item));
            }
        }
    }
    let mut out = Vec::new();
    for key in order {
        let Some(list) = rows.get(&key) else {
            continue;
        };
        // The highest level's row gives the matter's texts.
        let mut list = list.clone();
        list.sort_by_key(|(l, _)| std::cmp::Reverse(tier::rank(l)));
        let items: Vec<&Item> = list.iter().map(|(_, i)| *i).collect();
        let first = items[0];
        for (l, other) in &list[1..] {
            if other.basis.text.trim() != first.basis.text.trim() {
                notes.push(format!(
                    "“{}”{l}的实施依据与{}的不同，目录按{}的写",
                    first.name.as_str(),
                    list[0].0,
                    list[0].0
                ));
            }
        }
        let base = code_of(&items, sector);
        let mut code = base.clone();
        let mut n = 1;
        while taken.contains(&code) {
            n += 1;
            code = format!("{base}-{n}");
        }
        if n > 1 {
            notes.push(format!(
                "“{}”的基本编码 {base} 已被另一事项使用，改用 {code}",
                first.name.as_str()
            ));
        }
        taken.insert(code.clone());
        let mut levels: Vec<CatalogueLevel> = list
            .iter()
            .map(|(l, i)| {
                let g = i.guide.as_ref().map(|g| &g.value);
                CatalogueLevel {
                    level: Located::new(l.to_string()),
                    body: i.body.clone(),
                    unit: i.unit.clone(),
                    scope: i.scope.clone(),
                    statutory_limit: g
                        .map(|g| g.statutory_limit.value.clone())
                        .unwrap_or_default(),
                    promised_limit: g
                        .map(|g| g.promised_limit.value.clone())
                        .unwrap_or_default(),
                }
            })
            .collect();
        // Higher levels first.
        levels.sort_by_key(|l| std::cmp::Reverse(tier::rank(&l.level)));
        out.push(CatalogueItem {
            code: Located::new(code),
            name: first.name.clone(),
            category: first.category.clone(),
            sector: sector.to_string(),
            sub_items: first.sub_items.clone(),
            basis: first.basis.clone(),
            duty: first.duty.clone(),
            responsibilities: first.responsibilities.clone(),
            accountability: first.accountability.clone(),
            remarks: first.remarks.clone(),
            levels,
            sample: false,
        });
    }
    (out, notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_of_sheet_names() {
        assert_eq!(sheet_level("市级"), Some("地州市级"));
        assert_eq!(sheet_level("地州市级权责清单"), Some("地州市级"));
        assert_eq!(sheet_level("县（市、区）级"), Some("县（市、区）级"));
        assert_eq!(sheet_level("县市区"), Some("县（市、区）级"));
        assert_eq!(sheet_level("乡镇（街道）"), Some("乡镇（街道）级"));
        assert_eq!(sheet_level("Sheet1"), None);
        assert_eq!(sheet_level("行政许可"), None);
        assert_eq!(sheet_level("市级、县级"), None);
    }

    fn item(name: &str, level: &str, body: &str, basis: &str) -> Item {
        Item {
            name: Located::new(name.into()),
            category: Located::new("行政许可".into()),
            level: Located::new(level.into()),
            body: body.into(),
            basis: crate::model::Basis {
                text: basis.into(),
                ..Default::default()
            },
            ..Item::default()
        }
    }

    #[test]
    fn one_matter_on_two_sheets_is_one_item_with_two_levels() {
        let city = item("建筑工程施工许可证核发", "", "市住建局", "《建筑法》第七条");
        let county = item("建筑工程施工许可证核发", "", "县住建局", "《建筑法》第七条");
        let only_city = item("勘察设计资质核准", "", "市住建局", "《建筑法》第十三条");
        let sheets = [
            Sheet {
                level: Some("地州市级"),
                items: vec![&city, &only_city],
            },
            Sheet {
                level: Some("县（市、区）级"),
                items: vec![&county],
            },
        ];
        let (cat, notes) = build(&sheets, "住房和城乡建设", &mut Default::default());
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(cat.len(), 2);
        let levels: Vec<(&str, &str)> = cat[0]
            .levels
            .iter()
            .map(|l| (l.level.as_str(), l.body.as_str()))
            .collect();
        assert_eq!(
            levels,
            [("地州市级", "市住建局"), ("县（市、区）级", "县住建局")]
        );
        assert_eq!(cat[1].levels.len(), 1);
        // A level column names both levels of one row.
        let both = item(
            "燃气经营许可",
            "市级、县级",
            "住建部门",
            "《城镇燃气管理条例》",
        );
        let (cat, _) = build(
            &[Sheet {
                level: None,
                items: vec![&both],
            }],
            "",
            &mut Default::default(),
        );
        assert_eq!(cat[0].levels.len(), 2);
        // The code is stable: made of the category and the name.
        assert!(
            cat[0].code.as_str().starts_with("XK-"),
            "{}",
            cat[0].code.as_str()
        );
    }
}
