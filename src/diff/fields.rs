//! An item as a fixed list of named text fields, and the character-level difference of one field
//! between two versions.
//!
//! Structured parts (basis entries, stages, materials, steps …) are written out as the lines a
//! reviewer would read, so one comparison of text covers every key of the format. Import
//! provenance (`source`: file, sheet, row) is left out: row numbers shift whenever a department
//! reorders its spreadsheet, which is not a change of the list.

use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;
use similar::{Algorithm, ChangeTag, InlineChangeMode, InlineChangeOptions, TextDiff};

use crate::model::{Guide, Item};

/// Field keys in display order, with their Chinese labels.
pub const LABELS: &[(&str, &str)] = &[
    ("id", "事项编码（文件名）"),
    ("name", "事项名称"),
    ("code", "职权编码"),
    ("category", "职权类别"),
    ("department", "所属部门"),
    ("sub_items", "子项"),
    ("body", "实施主体"),
    ("unit", "承办机构"),
    ("level", "实施层级"),
    ("scope", "行使层级与权限划分"),
    ("duty", "职责"),
    ("basis", "设定依据"),
    ("responsibilities", "责任事项"),
    ("accountability", "追责"),
    ("delegation", "下放"),
    ("supervision", "事中事后监管措施"),
    ("guide.conditions", "受理条件"),
    ("guide.materials", "申请材料"),
    ("guide.steps", "办理流程"),
    ("guide.statutory_limit", "法定办结时限"),
    ("guide.promised_limit", "承诺办结时限"),
    ("guide.fees", "收费"),
    ("guide.place", "办理地点与时间"),
    ("guide.contact", "咨询与投诉"),
    ("guide.online_url", "网上办理"),
    ("guide.other", "办事指南其他内容"),
    ("remarks", "备注"),
    ("extra", "其他栏目"),
];

/// The Chinese label of a field key.
pub fn label(key: &str) -> &'static str {
    LABELS
        .iter()
        .find(|(k, _)| *k == key)
        .map_or("其他", |(_, l)| l)
}

/// The fields of `item`, in the order of `LABELS`; `department` is the department's display name.
pub fn fields(item: &Item, department: &str) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = Vec::with_capacity(LABELS.len());
    out.push(("id", item.id.value.clone()));
    out.push(("name", item.name.value.clone()));
    out.push(("code", item.code.clone()));
    out.push(("category", item.category.value.clone()));
    out.push(("department", department.to_string()));
    out.push(("sub_items", sub_items(item)));
    out.push(("body", item.body.clone()));
    out.push(("unit", item.unit.clone()));
    out.push(("level", item.level.value.clone()));
    out.push(("scope", item.scope.clone()));
    out.push(("duty", item.duty.clone()));
    out.push(("basis", basis(&item.basis)));
    out.push(("responsibilities", responsibilities(&item.responsibilities)));
    out.push(("accountability", accountability(&item.accountability)));
    out.push(("delegation", delegation(item)));
    out.push(("supervision", supervision(item)));
    let g = item.guide.as_ref().map(|g| &g.value);
    out.push((
        "guide.conditions",
        g.map_or(String::new(), |g| g.conditions.clone()),
    ));
    out.push(("guide.materials", g.map_or(String::new(), materials)));
    out.push(("guide.steps", g.map_or(String::new(), steps)));
    out.push((
        "guide.statutory_limit",
        g.map_or(String::new(), |g| g.statutory_limit.value.clone()),
    ));
    out.push((
        "guide.promised_limit",
        g.map_or(String::new(), |g| g.promised_limit.value.clone()),
    ));
    out.push(("guide.fees", g.map_or(String::new(), fees)));
    out.push((
        "guide.place",
        g.map_or(String::new(), |g| {
            joined(&[("地点", &g.place), ("时间", &g.hours)])
        }),
    ));
    out.push((
        "guide.contact",
        g.map_or(String::new(), |g| {
            joined(&[("咨询", &g.consult_phone), ("投诉", &g.complaint_phone)])
        }),
    ));
    out.push((
        "guide.online_url",
        g.map_or(String::new(), |g| g.online_url.clone()),
    ));
    out.push(("guide.other", g.map_or(String::new(), guide_other)));
    out.push(("remarks", item.remarks.clone()));
    let mut extra = String::new();
    for (k, v) in &item.extra {
        let _ = writeln!(extra, "{k}：{v}");
    }
    out.push(("extra", extra.trim_end().to_string()));
    for f in &mut out {
        let t = f.1.trim();
        if t.len() != f.1.len() {
            f.1 = t.to_string();
        }
    }
    out
}

fn joined(parts: &[(&str, &str)]) -> String {
    parts
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}：{}", v.trim()))
        .collect::<Vec<_>>()
        .join("\n")
}

fn sub_items(item: &Item) -> String {
    let mut s = String::new();
    for sub in &item.sub_items {
        s.push_str(sub.name.trim());
        if !sub.code.is_empty() {
            let _ = write!(s, "（{}）", sub.code);
        }
        s.push('\n');
        let b = basis(&sub.basis);
        if !b.is_empty() {
            let _ = writeln!(s, "  依据：{b}");
        }
    }
    s
}

fn basis(b: &crate::model::Basis) -> String {
    if !b.text.trim().is_empty() {
        return b.text.clone();
    }
    let mut s = String::new();
    for e in &b.entries {
        if !e.kind.is_empty() {
            let _ = write!(s, "【{}】", e.kind);
        }
        let _ = write!(s, "《{}》{}", e.title, e.article);
        s.push('\n');
        if !e.text.is_empty() {
            s.push_str(&e.text);
            s.push('\n');
        }
    }
    s
}

fn responsibilities(r: &crate::model::Responsibilities) -> String {
    let mut s = r.text.clone();
    // Import keeps the text and also cuts it into stages: compare the stages only when there is
    // no text, or the same change would show twice.
    let stages = if r.text.trim().is_empty() {
        &r.stages[..]
    } else {
        &[]
    };
    for st in stages {
        let _ = write!(s, "\n{}：{}", st.stage, st.content);
        if !st.basis.is_empty() {
            let _ = write!(s, "（依据：{}）", st.basis);
        }
    }
    if !r.basis.is_empty() {
        let _ = write!(s, "\n依据：{}", r.basis);
    }
    s
}

fn accountability(a: &crate::model::Accountability) -> String {
    joined(&[
        ("追责对象", &a.subjects),
        ("追责情形", &a.circumstances),
        ("依据", &a.basis),
    ])
}

fn delegation(item: &Item) -> String {
    item.delegation.as_ref().map_or(String::new(), |d| {
        joined(&[
            ("下放至", &d.to_level),
            ("方式", &d.mode),
            ("承接单位", &d.recipient),
            ("依据", &d.basis),
            ("说明", &d.note),
        ])
    })
}

fn supervision(item: &Item) -> String {
    let mut s = String::new();
    for m in &item.supervision {
        let parts: Vec<&str> = [
            m.method.as_str(),
            &m.object,
            &m.content,
            &m.frequency,
            &m.unit,
            &m.basis,
        ]
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .collect();
        let _ = writeln!(s, "{}", parts.join("；"));
    }
    s
}

fn materials(g: &Guide) -> String {
    let mut s = String::new();
    for m in &g.materials {
        let mut attrs: Vec<String> = Vec::new();
        if !m.form.is_empty() {
            attrs.push(m.form.clone());
        }
        if let Some(n) = m.copies {
            attrs.push(format!("{n}份"));
        }
        attrs.push(if m.required { "必需" } else { "非必需" }.into());
        if !m.note.is_empty() {
            attrs.push(m.note.clone());
        }
        let _ = writeln!(s, "{}（{}）", m.name.as_str(), attrs.join("，"));
    }
    if !g.materials_text.is_empty() {
        s.push_str(&g.materials_text);
    }
    s
}

fn steps(g: &Guide) -> String {
    let mut s = String::new();
    for (i, st) in g.steps.iter().enumerate() {
        let _ = write!(s, "{}. {}", i + 1, st.name.as_str());
        let extra: Vec<&str> = [st.actor.as_str(), st.time_limit.as_str()]
            .into_iter()
            .filter(|x| !x.is_empty())
            .collect();
        if !extra.is_empty() {
            let _ = write!(s, "（{}）", extra.join("，"));
        }
        if !st.description.is_empty() {
            let _ = write!(s, "：{}", st.description);
        }
        s.push('\n');
        for b in &st.branches {
            let _ = write!(s, "   若{}：{}", b.when, b.outcome);
            if !b.back_to.is_empty() {
                let _ = write!(s, "，回到“{}”", b.back_to);
            }
            s.push('\n');
        }
    }
    s
}

fn fees(g: &Guide) -> String {
    let mut s = match g.charged {
        Some(true) => "收费\n".to_string(),
        Some(false) => "不收费\n".to_string(),
        None => String::new(),
    };
    for f in &g.fees {
        let _ = writeln!(s, "{}：{}（依据：{}）", f.name, f.amount, f.basis);
    }
    s
}

fn guide_other(g: &Guide) -> String {
    let visits = g.visits.map(|v| v.to_string()).unwrap_or_default();
    joined(&[
        ("服务对象", &g.audience),
        ("办理结果", &g.result),
        ("办理渠道", &g.channels),
        ("到现场次数", &visits),
        ("说明", &g.notes),
    ])
}

/// A run of text in one version, marked when it differs from the other version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Part {
    pub text: String,
    pub changed: bool,
}

/// Character-level difference of two texts: the old text and the new text, each cut into runs
/// that are the same in both or changed. Lines are compared first; a changed line is refined
/// character by character (Chinese has no spaces between words, so whitespace "words" would mark
/// whole sentences).
pub fn char_diff(old: &str, new: &str) -> (Vec<Part>, Vec<Part>) {
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Patience)
        .timeout(Duration::from_millis(200))
        .diff_lines(old, new);
    let mut opts = InlineChangeOptions::new();
    opts.mode(InlineChangeMode::Chars)
        .semantic_cleanup(true)
        .min_ratio(0.5);
    let mut olds: Vec<Part> = Vec::new();
    let mut news: Vec<Part> = Vec::new();
    for op in diff.ops() {
        let changes: Vec<_> = diff.iter_inline_changes_with_options(op, opts).collect();
        // Lines deleted or inserted whole, or replaced by lines too different to refine, carry
        // no emphasis: then every character of them is a change.
        let whole = changes
            .iter()
            .all(|c| c.iter_strings_lossy().all(|(emph, _)| !emph));
        for change in changes {
            let side = match change.tag() {
                ChangeTag::Equal => None,
                ChangeTag::Delete => Some(&mut olds),
                ChangeTag::Insert => Some(&mut news),
            };
            match side {
                None => {
                    for (_, text) in change.iter_strings_lossy() {
                        push(&mut olds, &text, false);
                        push(&mut news, &text, false);
                    }
                }
                Some(parts) => {
                    for (emph, text) in change.iter_strings_lossy() {
                        // Line breaks are layout, not content worth a highlight.
                        let changed = (emph || whole) && !text.trim().is_empty();
                        push(parts, &text, changed);
                    }
                }
            }
        }
    }
    trim_last_newline(&mut olds, old);
    trim_last_newline(&mut news, new);
    (olds, news)
}

fn push(parts: &mut Vec<Part>, text: &str, changed: bool) {
    if text.is_empty() {
        return;
    }
    match parts.last_mut() {
        Some(last) if last.changed == changed => last.text.push_str(text),
        _ => parts.push(Part {
            text: text.to_string(),
            changed,
        }),
    }
}

/// The line diff may add a newline the text did not end with; keep the parts equal to the text.
fn trim_last_newline(parts: &mut Vec<Part>, text: &str) {
    let joined: usize = parts.iter().map(|p| p.text.len()).sum();
    if joined == text.len() + 1
        && let Some(last) = parts.last_mut()
        && last.text.ends_with('\n')
    {
        last.text.pop();
        if last.text.is_empty() {
            parts.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(parts: &[Part]) -> String {
        parts
            .iter()
            .map(|p| {
                if p.changed {
                    format!("[{}]", p.text)
                } else {
                    p.text.clone()
                }
            })
            .collect()
    }

    #[test]
    fn chinese_changes_are_marked_by_character() {
        let (o, n) = char_diff(
            "对未取得排污许可证排放污染物的处罚",
            "对未依法取得排污许可证排放污染物的处罚",
        );
        assert_eq!(render(&o), "对未取得排污许可证排放污染物的处罚");
        assert_eq!(render(&n), "对未[依法]取得排污许可证排放污染物的处罚");
    }

    #[test]
    fn parts_join_to_the_texts() {
        let old = "第一条：甲。\n第二条：乙。\n第三条：丙。";
        let new = "第一条：甲。\n第二条：乙乙。\n第四条：丁。\n";
        let (o, n) = char_diff(old, new);
        assert_eq!(o.iter().map(|p| p.text.as_str()).collect::<String>(), old);
        assert_eq!(n.iter().map(|p| p.text.as_str()).collect::<String>(), new);
        assert!(o.iter().any(|p| p.changed) && n.iter().any(|p| p.changed));
        assert!(!o[0].changed, "the unchanged first line is not marked");
    }

    #[test]
    fn empty_sides() {
        let (o, n) = char_diff("", "新内容");
        assert!(o.is_empty());
        assert_eq!(render(&n), "[新内容]");
    }

    #[test]
    fn every_label_is_known() {
        let item = Item::default();
        for (key, _) in fields(&item, "") {
            assert_ne!(label(key), "其他", "{key}");
        }
    }
}
