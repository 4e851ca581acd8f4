//! From item drafts to `model::Item`s: department name and id, item ids, splitting basis and
//! responsibilities, the service-guide columns, and lifting values shared by every sub-item up to
//! the item.

use std::collections::BTreeMap;
use std::hash::Hasher;

use pinyin::ToPinyin;

use super::header::Field;
use super::rows::{ItemDraft, category_in};
use super::split;
use crate::model::{
    Accountability, Basis, Category, Fee, Guide, Item, Located, Responsibilities, SourceRef,
    SubItem,
};

/// Strip what titles and file names add around a department name.
pub fn strip_title(s: &str) -> String {
    let mut t: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    for prefix in ["附件：", "附件:", "附件"] {
        if let Some(rest) = t.strip_prefix(prefix) {
            t = rest
                .trim_start_matches(|c: char| c.is_ascii_digit() || c == '：' || c == ':')
                .to_string();
        }
    }
    // Years ("2024年") anywhere.
    let mut out = String::new();
    let chars: Vec<char> = t.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if i + 4 < chars.len()
            && chars[i..i + 4].iter().all(|c| c.is_ascii_digit())
            && chars[i + 4] == '年'
        {
            i += 5;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    for suffix in ["权责清单", "权力清单", "责任清单", "清单"] {
        if let Some(pos) = out.find(suffix) {
            out.truncate(pos);
        }
    }
    // "（修改稿）" goes; a department's other name in brackets stays: 市委宣传部（市新闻出版局）.
    for (open, close) in [('（', '）'), ('(', ')')] {
        if let Some(pos) = out.find(open) {
            let inner = out[pos + open.len_utf8()..]
                .split(close)
                .next()
                .unwrap_or("");
            let whole = out[pos..].trim_end_matches(close).len() == open.len_utf8() + inner.len();
            if !(whole && looks_like_department(inner)) {
                out.truncate(pos);
            }
        }
    }
    out
}

/// Does this look like the name of a government body?
pub fn looks_like_department(s: &str) -> bool {
    // The name before a bracketed other name: 市委宣传部（市新闻出版局）.
    let s = match s.find(['（', '(']) {
        Some(pos) if pos > 0 && s.ends_with(['）', ')']) => &s[..pos],
        _ => s,
    };
    let n = s.chars().count();
    (3..=40).contains(&n)
        && [
            "局",
            "委员会",
            "委",
            "支队",
            "办公室",
            "办",
            "中心",
            "院",
            "厅",
            "大队",
            "所",
            "站",
            "处",
            "署",
            "部",
            "会",
        ]
        .iter()
        .any(|suf| s.ends_with(suf))
}

/// The jurisdiction at the front of a department name ("克拉玛依市统计局" → "克拉玛依市").
pub fn jurisdiction_prefix(name: &str) -> Option<String> {
    let chars: Vec<char> = name.chars().collect();
    for (i, c) in chars.iter().enumerate().skip(1).take(12) {
        if "省市县区州盟旗".contains(*c) {
            let prefix: String = chars[..=i].iter().collect();
            // "市场监督管理局" has no jurisdiction in front.
            if prefix.chars().count() >= 2 && i + 1 < chars.len() && chars[i + 1] != '场' {
                return Some(prefix);
            }
        }
    }
    None
}

/// A department folder name from its Chinese name: pinyin initials of the name without the
/// jurisdiction ("克拉玛依市人力资源和社会保障局" → "rlzyhshbzj").
pub fn department_id(name: &str) -> String {
    let base = jurisdiction_prefix(name)
        .and_then(|p| name.strip_prefix(&p).map(str::to_string))
        .unwrap_or_else(|| name.to_string());
    let mut id = String::new();
    for (c, py) in base.chars().zip(base.as_str().to_pinyin()) {
        match py {
            Some(p) => id.push_str(p.first_letter()),
            None if c.is_ascii_alphanumeric() => id.push(c.to_ascii_lowercase()),
            None => {}
        }
    }
    if id.is_empty() {
        "dept".to_string()
    } else {
        id
    }
}

fn fnv(text: &str) -> u64 {
    let mut h = fnv::FnvHasher::default();
    h.write(text.as_bytes());
    h.finish()
}

/// Is a sheet's code usable as an item id (file name, URL)?
pub fn usable_code(code: &str) -> bool {
    code.len() >= 4
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !code.starts_with('.')
}

/// Hands out ids: the sheet's code when usable and not taken, else a hash of the department,
/// category and name, so the same item gets the same id every time it is imported.
#[derive(Default)]
pub struct Ids {
    taken: std::collections::HashSet<String>,
}

impl Ids {
    /// An id for an item, and a note when the sheet's code could not be used.
    pub fn assign(
        &mut self,
        dept: &str,
        category: Option<Category>,
        name: &str,
        code: &str,
    ) -> (String, Option<String>) {
        let mut note = None;
        let base = if usable_code(code) && !self.taken.contains(code) {
            code.to_string()
        } else {
            if usable_code(code) {
                note = Some(format!("职权编码 {code} 重复，第二次出现的事项改用新编码"));
            }
            generated(dept, category, name)
        };
        let mut id = base.clone();
        let mut n = 1;
        while self.taken.contains(&id) {
            n += 1;
            id = format!("{base}-{n}");
        }
        self.taken.insert(id.clone());
        (id, note)
    }
}

fn generated(dept: &str, category: Option<Category>, name: &str) -> String {
    let abbrev = category.map_or("QT", Category::abbrev);
    format!("{dept}-{abbrev}-{:06x}", fnv(name) & 0xFF_FFFF)
}

/// Time limit column values: a bare number in a "(天/日)" column means days.
fn limit(value: &str) -> String {
    let v = value.trim();
    if !v.is_empty() && v.chars().all(|c| c.is_ascii_digit()) {
        format!("{v}日")
    } else {
        v.to_string()
    }
}

fn take(map: &mut BTreeMap<Field, String>, f: Field) -> String {
    map.remove(&f).unwrap_or_default()
}

fn basis_of(text: String) -> Basis {
    let entries = split::basis(&text);
    Basis { text, entries }
}

fn responsibilities_of(text: String, basis: String) -> Responsibilities {
    let stages = split::stages(&text);
    Responsibilities {
        text,
        stages,
        basis,
    }
}

pub struct Context<'a> {
    pub dept_id: &'a str,
    pub dept_name: &'a str,
    pub file_name: &'a str,
    pub sheet: &'a str,
}

/// Turn one draft into an item. Returns the item and notes for the report.
pub fn item(cx: &Context, ids: &mut Ids, mut draft: ItemDraft) -> (Item, Vec<String>) {
    let mut notes = Vec::new();
    let mut fields = std::mem::take(&mut draft.fields);
    // Values of the unnamed first row belong to the item itself.
    let mut own = BTreeMap::new();
    if draft.subs.first().is_some_and(|s| s.name.is_empty()) {
        own = draft.subs.remove(0).fields;
    }
    // Values every named sub-item shares are the item's.
    let named = &mut draft.subs;
    if !named.is_empty() {
        let keys: Vec<Field> = named[0].fields.keys().cloned().collect();
        for k in keys {
            let first = named[0].fields.get(&k).cloned();
            if named.iter().all(|s| s.fields.get(&k) == first.as_ref()) && !own.contains_key(&k) {
                if let Some(v) = first {
                    own.insert(k.clone(), v);
                }
                for s in named.iter_mut() {
                    s.fields.remove(&k);
                }
            }
        }
    }
    fields.extend(own);
    let category_text = take(&mut fields, Field::Category);
    let category = Category::recognise(&category_text)
        .or_else(|| category_in(&category_text))
        .or(draft.category_hint);
    let category_name = match category {
        Some(c) => c.name().to_string(),
        None => {
            notes.push(format!(
                "第 {} 行：无法识别职权类别“{category_text}”，原样保留，请修正",
                draft.row
            ));
            category_text.clone()
        }
    };
    let code_col = take(&mut fields, Field::Code);
    let code = if code_col.is_empty() {
        draft.serial.clone()
    } else {
        code_col.clone()
    };
    let (id, note) = ids.assign(cx.dept_id, category, &draft.name, &code_col);
    if let Some(n) = note {
        notes.push(format!("第 {} 行：{n}（{id}）", draft.row));
    }
    let statutory = limit(&take(&mut fields, Field::StatutoryLimit));
    let promised = limit(&take(&mut fields, Field::PromisedLimit));
    let fees_text = take(&mut fields, Field::Fees);
    let (charged, fees) = match fees_text.trim() {
        "" => (None, Vec::new()),
        t if ["无", "否", "不收费", "免费", "/", "0"].contains(&t) => {
            (Some(false), Vec::new())
        }
        t => (
            Some(true),
            vec![Fee {
                name: "收费（征收）依据和标准".into(),
                amount: String::new(),
                basis: t.to_string(),
            }],
        ),
    };
    let materials_text = take(&mut fields, Field::Materials);
    let guide = Guide {
        audience: take(&mut fields, Field::Audience),
        conditions: take(&mut fields, Field::Conditions),
        materials: split::materials(&materials_text),
        materials_text,
        statutory_limit: Located::new(statutory),
        promised_limit: Located::new(promised),
        charged,
        fees,
        place: take(&mut fields, Field::Place),
        hours: take(&mut fields, Field::Hours),
        consult_phone: take(&mut fields, Field::ConsultPhone),
        complaint_phone: take(&mut fields, Field::ComplaintPhone),
        online_url: take(&mut fields, Field::OnlineUrl),
        ..Guide::default()
    };
    let has_guide = guide
        != Guide {
            charged: guide.charged,
            ..Guide::default()
        }
        || guide.charged == Some(true);
    let body = take(&mut fields, Field::Body);
    let mut item = Item {
        id: Located::new(id),
        name: Located::new(draft.name.clone()),
        category: Located::new(category_name),
        department: Located::new(cx.dept_id.to_string()),
        code,
        basis: basis_of(take(&mut fields, Field::Basis)),
        body: if body.is_empty() {
            cx.dept_name.to_string()
        } else {
            body
        },
        unit: take(&mut fields, Field::Unit),
        level: Located::new({
            let level = take(&mut fields, Field::Level);
            match draft.level_hint {
                Some(hint) if level.is_empty() => hint.to_string(),
                _ => level,
            }
        }),
        scope: take(&mut fields, Field::Scope),
        duty: take(&mut fields, Field::Duty),
        responsibilities: {
            let text = take(&mut fields, Field::RespContent);
            let basis = take(&mut fields, Field::RespBasis);
            responsibilities_of(text, basis)
        },
        accountability: Accountability {
            subjects: take(&mut fields, Field::AccSubjects),
            circumstances: take(&mut fields, Field::AccCircumstances),
            basis: take(&mut fields, Field::AccBasis),
        },
        remarks: take(&mut fields, Field::Remarks),
        guide: has_guide.then(|| Box::new(Located::new(guide))),
        source: Some(SourceRef {
            file: cx.file_name.to_string(),
            sheet: cx.sheet.to_string(),
            row: u32::try_from(draft.row).ok(),
        }),
        ..Item::default()
    };
    for (k, v) in fields {
        if let Field::Extra(name) = k {
            item.extra.insert(name, v);
        }
    }
    let mut seen = std::collections::HashSet::new();
    for mut s in draft.subs {
        if !seen.insert(s.name.clone()) {
            notes.push(format!("第 {} 行：子项“{}”重复", s.row, s.name));
        }
        item.sub_items.push(SubItem {
            name: Located::new(s.name),
            code: String::new(),
            basis: basis_of(take(&mut s.fields, Field::Basis)),
            responsibilities: {
                let text = take(&mut s.fields, Field::RespContent);
                let basis = take(&mut s.fields, Field::RespBasis);
                responsibilities_of(text, basis)
            },
            accountability: Accountability {
                subjects: String::new(),
                circumstances: take(&mut s.fields, Field::AccCircumstances),
                basis: take(&mut s.fields, Field::AccBasis),
            },
            remarks: take(&mut s.fields, Field::Remarks),
            row: u32::try_from(s.row).ok(),
        });
    }
    (item, notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn department_names_from_titles_and_files() {
        assert_eq!(
            strip_title("2025年克拉玛依市统计局权责清单"),
            "克拉玛依市统计局"
        );
        assert_eq!(
            strip_title("附件：克拉玛依市交通运输局2024年权责清单"),
            "克拉玛依市交通运输局"
        );
        assert_eq!(
            strip_title("  克拉玛依市商务局2024年权责清单"),
            "克拉玛依市商务局"
        );
        assert_eq!(
            strip_title("市委宣传部（市新闻出版局）2024年权责清单"),
            "市委宣传部（市新闻出版局）"
        );
        assert_eq!(
            strip_title("克拉玛依市统计局2025年权责清单（修改稿）"),
            "克拉玛依市统计局"
        );
        assert_eq!(
            strip_title("克拉玛依市统计局（修改稿）权责清单"),
            "克拉玛依市统计局"
        );
        assert!(looks_like_department("克拉玛依市消防救援支队"));
        assert!(!looks_like_department(&strip_title(
            "住房和城乡建设系统区地县三级权责清单指导目录"
        )));
    }

    #[test]
    fn department_ids_are_pinyin_initials() {
        assert_eq!(department_id("克拉玛依市统计局"), "tjj");
        assert_eq!(department_id("克拉玛依市市场监督管理局"), "scjdglj");
        assert_eq!(department_id("市场监督管理局"), "scjdglj");
        assert_eq!(
            jurisdiction_prefix("克拉玛依市统计局").as_deref(),
            Some("克拉玛依市")
        );
    }

    #[test]
    fn ids_are_stable_and_unique() {
        let mut a = Ids::default();
        let mut b = Ids::default();
        let x = a
            .assign("tjj", Some(Category::Penalty), "对统计违法行为的处罚", "")
            .0;
        let y = b
            .assign("tjj", Some(Category::Penalty), "对统计违法行为的处罚", "")
            .0;
        assert_eq!(x, y);
        assert!(x.starts_with("tjj-CF-"));
        let z = a
            .assign("tjj", Some(Category::Penalty), "对统计违法行为的处罚", "")
            .0;
        assert_eq!(z, format!("{x}-2"));
        let c = a
            .assign("xf", Some(Category::Penalty), "n", "650200207CF49000")
            .0;
        assert_eq!(c, "650200207CF49000");
        let (d, note) = a.assign("xf", Some(Category::Penalty), "m", "650200207CF49000");
        assert_ne!(d, c);
        assert!(note.is_some());
    }
}
