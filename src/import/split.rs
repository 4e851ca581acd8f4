//! Splitting long cells into structure while the original text is kept beside it:
//! 实施依据 into basis entries (【法律】《…》第X条：…), 责任事项 into stages (1.受理责任：…),
//! 申请材料 into materials.

use std::sync::LazyLock;

use regex::Regex;

use crate::model::{BasisEntry, Material, Stage};

static ARTICLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?m)^[ \t　]*((?:附件\s*\d*\s*)?(?:目录)?第[一二三四五六七八九十百千零〇两\d]+[条项章节款目][^：:\n。；]{0,40})[：:]",
    )
    .expect("static regex")
});

static TITLE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"《([^》]{1,120})》").expect("static regex"));

/// A numbered point: "1.", "2、", "三．" at the start of a line or after a sentence.
static POINT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)(?:^|[。；;])[ \t　]*(?:\d{1,2}|[一二三四五六七八九十]{1,3})[.、．][ \t　]*")
        .expect("static regex")
});

/// "受理责任：" at the start of a point.
static STAGE_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([^：:\n。，,；;]{1,14}?)[：:]").expect("static regex"));

/// An unnumbered heading line: "指导监督责任：".
static HEADING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^[ \t　]*([^：:\n。，,；;\d]{1,12}?(?:责任|阶段|环节))[：:]")
        .expect("static regex")
});

/// Split a basis text into entries, one per article of each cited document.
pub fn basis(text: &str) -> Vec<BasisEntry> {
    let mut entries = Vec::new();
    // Each 【kind】 starts a document; text before the first one is a document without a kind.
    let mut docs: Vec<(String, &str)> = Vec::new();
    let mut rest = text;
    if let Some(first) = rest.find('【') {
        if !rest[..first].trim().is_empty() {
            docs.push((String::new(), &rest[..first]));
        }
        rest = &rest[first..];
        while let Some(body) = rest.strip_prefix('【') {
            let Some(close) = body.find('】') else {
                docs.push((String::new(), rest));
                break;
            };
            let kind: String = body[..close]
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            let after = &body[close + '】'.len_utf8()..];
            let end = after.find('【').unwrap_or(after.len());
            docs.push((kind, &after[..end]));
            rest = &after[end..];
        }
    } else if !text.trim().is_empty() {
        docs.push((String::new(), text));
    }
    for (kind, doc) in docs {
        // "1.【法律】…\n2.【行政法规】…": the numbering belongs to the list, not the text.
        let doc = strip_trailing_number(doc);
        if kind.is_empty() && doc.trim().is_empty() {
            continue;
        }
        let title = TITLE
            .captures(doc)
            .and_then(|c| c.get(1))
            .map(|m| m.as_str().trim().to_string())
            .unwrap_or_default();
        let articles: Vec<_> = ARTICLE.captures_iter(doc).collect();
        if articles.is_empty() {
            // "《…》第十五条、第五十八条：…" on one line, or no article at all.
            let after_title = TITLE.find(doc).map_or(doc, |m| &doc[m.end()..]);
            let (article, body) = inline_article(after_title);
            entries.push(BasisEntry {
                kind: kind.clone(),
                title: title.clone(),
                article,
                text: body,
            });
            continue;
        }
        for (i, cap) in articles.iter().enumerate() {
            let (Some(whole), Some(article)) = (cap.get(0), cap.get(1)) else {
                continue;
            };
            let end = articles
                .get(i + 1)
                .and_then(|c| c.get(0))
                .map_or(doc.len(), |m| m.start());
            entries.push(BasisEntry {
                kind: kind.clone(),
                title: title.clone(),
                article: article.as_str().trim().to_string(),
                text: doc[whole.end()..end].trim().to_string(),
            });
        }
    }
    entries
}

/// Text without a list number at its end ("……。\n2." → "……。").
fn strip_trailing_number(s: &str) -> &str {
    let t = s.trim_end();
    let without = t.trim_end_matches(['.', '、', '．', '（', '(']);
    if without.len() == t.len() {
        return s;
    }
    let digits = without.trim_end_matches(|c: char| c.is_ascii_digit());
    if digits.len() == without.len() {
        return s;
    }
    digits.trim_end()
}

/// "（2019年修正）第十五条、第五十八条：内容" → ("第十五条、第五十八条", "内容").
fn inline_article(s: &str) -> (String, String) {
    let s = skip_parenthetical(s.trim_start());
    if s.starts_with('第')
        && let Some(colon) = s.find(['：', ':'])
        && s[..colon].chars().count() <= 60
    {
        let article = s[..colon].trim().to_string();
        let body = s[colon..]
            .trim_start_matches(['：', ':'])
            .trim()
            .to_string();
        return (article, body);
    }
    (String::new(), s.trim().to_string())
}

/// Skip one leading "（…）" (dates of adoption and amendment), nested parentheses included.
fn skip_parenthetical(s: &str) -> &str {
    if !(s.starts_with('（') || s.starts_with('(')) {
        return s;
    }
    let mut depth = 0usize;
    for (i, c) in s.char_indices() {
        match c {
            '（' | '(' => depth += 1,
            '）' | ')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return s[i + c.len_utf8()..].trim_start();
                }
            }
            _ => {}
        }
    }
    s
}

/// Split 责任事项 text into stages: each point with a heading ("1.受理责任：…", "指导监督责任：…",
/// "2.调查取证阶段：…") starts a stage; numbered points without one are details of the stage
/// above, except a closing "其他……" point, which is a stage of its own. Fewer than two headings:
/// no stages (the text stays as it is).
pub fn stages(text: &str) -> Vec<Stage> {
    // (start of marker, end of marker, heading)
    let mut marks: Vec<(usize, usize, Option<String>)> = Vec::new();
    for m in POINT.find_iter(text) {
        let lead = m.as_str().len() - m.as_str().trim_start_matches(['。', '；', ';']).len();
        let heading = STAGE_NAME.captures(&text[m.end()..]).and_then(|c| {
            let all = c.get(0)?;
            let name = c.get(1)?.as_str().trim().to_string();
            Some((m.end() + all.end(), name))
        });
        match heading {
            Some((end, name)) => marks.push((m.start() + lead, end, Some(name))),
            None => marks.push((m.start() + lead, m.end(), None)),
        }
    }
    for c in HEADING.captures_iter(text) {
        let (Some(all), Some(name)) = (c.get(0), c.get(1)) else {
            continue;
        };
        if !marks
            .iter()
            .any(|(s, e, _)| all.start() < *e && *s < all.end())
        {
            marks.push((
                all.start(),
                all.end(),
                Some(name.as_str().trim().to_string()),
            ));
        }
    }
    marks.sort_by_key(|m| m.0);
    if marks.iter().filter(|m| m.2.is_some()).count() < 2 {
        return Vec::new();
    }
    let mut out: Vec<Stage> = Vec::new();
    for (i, (start, end, heading)) in marks.iter().enumerate() {
        let next = marks.get(i + 1).map_or(text.len(), |m| m.0);
        let body = text[*end..next].trim();
        let last = i + 1 == marks.len();
        match heading {
            Some(name) => out.push(Stage {
                stage: name
                    .trim_end_matches("责任")
                    .trim_end_matches("阶段")
                    .trim_end_matches("环节")
                    .to_string(),
                content: body.to_string(),
                basis: String::new(),
            }),
            None if (last && body.starts_with("其他")) || out.is_empty() => out.push(Stage {
                stage: "其他".to_string(),
                content: body.to_string(),
                basis: String::new(),
            }),
            None => {
                // A detail of the stage above, with its own numbering.
                if let Some(stage) = out.last_mut() {
                    if !stage.content.is_empty() {
                        stage.content.push('\n');
                    }
                    stage.content.push_str(text[*start..next].trim());
                }
            }
        }
    }
    out
}

/// Split 申请材料 text into materials, one per numbered line.
pub fn materials(text: &str) -> Vec<Material> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let name = super::text::strip_numbering(line)
            .trim_end_matches(['；', ';', '。'])
            .to_string();
        if name.is_empty() {
            continue;
        }
        let form = if name.contains("原件") && name.contains("复印件") {
            "原件和复印件"
        } else if name.contains("复印件") {
            "复印件"
        } else if name.contains("原件") {
            "原件"
        } else {
            ""
        };
        out.push(Material {
            name: name.into(),
            form: form.into(),
            copies: None,
            required: true,
            note: String::new(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_documents_and_articles() {
        let text = "【法律】《中华人民共和国就业促进法》（2007年通过，2015年修正）\n    第四十条第二款：设立职业中介机构应当办理登记。\n【国务院决定】《国务院对确需保留的行政审批项目设定行政许可的决定》（国务院令第412号）\n    第87项：设立技工学校审批。\n    第88项：另一项。";
        let e = basis(text);
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].kind, "法律");
        assert_eq!(e[0].title, "中华人民共和国就业促进法");
        assert_eq!(e[0].article, "第四十条第二款");
        assert_eq!(e[0].text, "设立职业中介机构应当办理登记。");
        assert_eq!(e[1].kind, "国务院决定");
        assert_eq!(e[1].article, "第87项");
        assert_eq!(e[2].article, "第88项");
        assert_eq!(e[2].text, "另一项。");
    }

    #[test]
    fn numbered_documents_lose_their_numbers() {
        let e = basis(
            "1.【法律】《土地管理法》第二条：甲。\n2.【行政法规】《土地管理法实施条例》第三条：乙。",
        );
        assert_eq!(e.len(), 2, "{e:?}");
        assert_eq!(e[0].text, "甲。");
        assert_eq!(e[1].title, "土地管理法实施条例");
        assert_eq!(e[1].text, "乙。");
    }

    #[test]
    fn inline_articles_and_plain_text() {
        let e = basis(
            "【法律】《中华人民共和国消防法》（2021年第三次修正）第十五条、第五十八条第一款：公众聚集场所……",
        );
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].article, "第十五条、第五十八条第一款");
        assert_eq!(e[0].text, "公众聚集场所……");
        let plain = basis("依据有关规定办理");
        assert_eq!(plain.len(), 1);
        assert_eq!(plain[0].title, "");
        assert!(basis("").is_empty());
    }

    #[test]
    fn splits_stages() {
        let s = stages("1.受理责任：依法受理。2.审查责任：审查材料。\n3.决定责任：作出决定。");
        let names: Vec<_> = s.iter().map(|s| s.stage.as_str()).collect();
        assert_eq!(names, ["受理", "审查", "决定"]);
        assert_eq!(s[1].content, "审查材料。");
        assert!(stages("依法履行职责").is_empty());
        let s =
            stages("1.受理责任：受理。\n2.事后监管责任：监管。\n3.其他法律法规规定应履行的责任。");
        let names: Vec<_> = s.iter().map(|s| s.stage.as_str()).collect();
        assert_eq!(names, ["受理", "事后监管", "其他"]);
        assert_eq!(s[1].content, "监管。");
        assert_eq!(s[2].content, "其他法律法规规定应履行的责任。");
    }

    #[test]
    fn splits_materials() {
        let m = materials("1、申请书原件；\n2、营业执照复印件。");
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].name.as_str(), "申请书原件");
        assert_eq!(m[1].form, "复印件");
    }
}
