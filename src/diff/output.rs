//! Writing a `Diff` for people: a terminal (with colour when it is one) and Markdown for a
//! pull-request comment. JSON is the serialised `Diff`; HTML is a page rendered by `render`.

use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};

use super::fields::Part;
use super::{Change, Diff, Kind};

/// At most this many changed lines of one field are shown in text and Markdown.
const MAX_LINES: usize = 8;

/// "取消 3、新增 2 …" for the kinds that occur.
pub fn summary_line(d: &Diff) -> String {
    let s = &d.summary;
    let mut parts: Vec<String> = Kind::ALL
        .iter()
        .filter(|k| s.count(**k) > 0)
        .map(|k| format!("{} {}", k.zh(), s.count(*k)))
        .collect();
    if parts.is_empty() {
        parts.push("没有变化".into());
    }
    format!(
        "{}；未变 {}（上一版 {} 项，本版 {} 项）",
        parts.join("、"),
        s.unchanged,
        s.old_items,
        s.new_items
    )
}

fn ids(c: &Change) -> String {
    match (c.old_ids.is_empty(), c.new_ids.is_empty()) {
        (true, _) => c.new_ids.join("、"),
        (_, true) => c.old_ids.join("、"),
        _ if c.old_ids == c.new_ids => c.old_ids.join("、"),
        _ => format!("{} → {}", c.old_ids.join("、"), c.new_ids.join("、")),
    }
}

fn declared_text(c: &Change) -> String {
    if c.declared {
        match &c.basis {
            Some(b) => format!("已声明：{b}"),
            None => "已声明（未写依据）".into(),
        }
    } else if let Some(k) = &c.declared_as {
        format!("未声明为{}（声明为{k}）", c.label)
    } else {
        "未声明".into()
    }
}

/// Lines of one side that hold a change, as (line parts).
fn changed_lines(parts: &[Part]) -> Vec<Vec<Part>> {
    let mut lines: Vec<Vec<Part>> = vec![Vec::new()];
    for p in parts {
        let mut first = true;
        for piece in p.text.split('\n') {
            if !first {
                lines.push(Vec::new());
            }
            first = false;
            if !piece.is_empty()
                && let Some(line) = lines.last_mut()
            {
                line.push(Part {
                    text: piece.to_string(),
                    changed: p.changed,
                });
            }
        }
    }
    let changed: Vec<Vec<Part>> = lines
        .iter()
        .filter(|l| l.iter().any(|p| p.changed))
        .cloned()
        .collect();
    if !changed.is_empty() {
        return changed;
    }
    // This side only lost or gained characters the other side marks (地州市级 → 市级): show it
    // whole, so that both values are there to read.
    lines.into_iter().filter(|l| !l.is_empty()).collect()
}

/// The terminal report.
pub fn text(d: &Diff, color: bool) -> String {
    let paint = |style: Style, s: &str| -> String {
        if color {
            format!("{style}{s}{style:#}")
        } else {
            s.to_string()
        }
    };
    let bold = Style::new().bold();
    let red = Style::new().fg_color(Some(AnsiColor::Red.into()));
    let green = Style::new().fg_color(Some(AnsiColor::Green.into()));
    let red_mark = red.underline().bold();
    let green_mark = green.underline().bold();
    let yellow = Style::new().fg_color(Some(AnsiColor::Yellow.into()));
    let dim = Style::new().dimmed();

    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} → {}",
        paint(bold, &label(&d.old, &d.old_edition)),
        paint(bold, &label(&d.new, &d.new_edition))
    );
    let _ = writeln!(out, "{}", summary_line(d));
    match &d.declarations {
        Some(decl) => {
            let _ = writeln!(
                out,
                "对照调整声明 {}：{} 项变化未声明，{} 项声明未发生",
                decl.file, d.summary.undeclared, d.summary.declared_not_found
            );
        }
        None if !d.changes.is_empty() => {
            let _ = writeln!(
                out,
                "{}",
                paint(
                    yellow,
                    "本版没有调整声明（adjustments/<版本>.toml），所有变化都视为未声明"
                )
            );
        }
        None => {}
    }
    for c in &d.changes {
        out.push('\n');
        let mut head = format!("{}  {}", paint(bold, c.label), paint(bold, &c.name));
        let _ = write!(head, "  [{}]", ids(c));
        match &c.old_department {
            Some(from) => {
                let _ = write!(head, "  {from} → {}", c.department);
            }
            None => {
                let _ = write!(head, "  {}", c.department);
            }
        }
        if !c.also.is_empty() {
            let also: Vec<&str> = c.also.iter().map(|k| k.zh()).collect();
            let _ = write!(head, "  （另有{}）", also.join("、"));
        }
        let _ = writeln!(out, "{head}");
        let decl = declared_text(c);
        let _ = writeln!(
            out,
            "  {}",
            if c.declared {
                paint(green, &decl)
            } else {
                paint(yellow, &decl)
            }
        );
        match c.kind {
            Kind::Merged => {
                for n in &c.old_names {
                    let _ = writeln!(out, "  {} {n}", paint(red, "-"));
                }
            }
            Kind::Split => {
                for n in &c.new_names {
                    let _ = writeln!(out, "  {} {n}", paint(green, "+"));
                }
            }
            _ => {}
        }
        for f in &c.fields {
            let _ = writeln!(out, "  {}", paint(dim, f.label));
            for (sign, parts, plain, mark) in [
                ("-", &f.old_parts, red, red_mark),
                ("+", &f.new_parts, green, green_mark),
            ] {
                let lines = changed_lines(parts);
                if lines.is_empty() {
                    let _ = writeln!(out, "    {} {}", paint(plain, sign), paint(dim, "（空）"));
                }
                for line in lines.iter().take(MAX_LINES) {
                    let mut s = format!("    {} ", paint(plain, sign));
                    for p in line {
                        s.push_str(&paint(if p.changed { mark } else { plain }, &p.text));
                    }
                    let _ = writeln!(out, "{s}");
                }
                if lines.len() > MAX_LINES {
                    let _ = writeln!(out, "    {} ……还有 {} 行", sign, lines.len() - MAX_LINES);
                }
            }
        }
    }
    if !d.declared_not_found.is_empty() {
        let _ = writeln!(out, "\n{}", paint(yellow, "声明了但没有发生的调整："));
        for m in &d.declared_not_found {
            let _ = writeln!(out, "  {}:{}  {}", m.file, m.line, m.problem);
        }
    }
    out
}

fn label(where_: &str, edition: &str) -> String {
    if edition.is_empty() {
        where_.to_string()
    } else {
        format!("{where_}（{edition}版）")
    }
}

/// Escape text for a Markdown table cell that GitHub renders (HTML allowed, so escape it).
fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' => out.push_str("&#124;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '~' => {
                out.push('\\');
                out.push(ch);
            }
            '\n' => out.push_str("<br>"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

fn md_parts(parts: &[Part], tag: &str) -> String {
    let lines = changed_lines(parts);
    if lines.is_empty() {
        return "（空）".into();
    }
    let mut shown: Vec<String> = lines
        .iter()
        .take(MAX_LINES)
        .map(|line| {
            line.iter()
                .map(|p| {
                    if p.changed {
                        format!("<{tag}>{}</{tag}>", md(&p.text))
                    } else {
                        md(&p.text)
                    }
                })
                .collect::<String>()
        })
        .collect();
    if lines.len() > MAX_LINES {
        shown.push(format!("……还有 {} 行", lines.len() - MAX_LINES));
    }
    shown.join("<br>")
}

/// Markdown for a pull-request comment.
pub fn markdown(d: &Diff) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## 清单调整：{} → {}\n",
        md(&label(&d.old, &d.old_edition)),
        md(&label(&d.new, &d.new_edition))
    );
    let _ = writeln!(out, "| 类型 | 数量 |\n|---|---:|");
    for k in Kind::ALL {
        let n = d.summary.count(k);
        if n > 0 {
            let _ = writeln!(out, "| {} | {n} |", k.zh());
        }
    }
    let _ = writeln!(out, "| 未变 | {} |", d.summary.unchanged);
    out.push('\n');
    match &d.declarations {
        Some(decl) => {
            let status = if d.summary.undeclared == 0 && d.summary.declared_not_found == 0 {
                "✅ 每项变化都已声明，每项声明都已发生。"
            } else {
                "⚠️ 变化与声明不一致，见下。"
            };
            let _ = writeln!(
                out,
                "对照 `{}`：{} 项未声明，{} 项声明未发生。{status}\n",
                md(&decl.file),
                d.summary.undeclared,
                d.summary.declared_not_found
            );
        }
        None if !d.changes.is_empty() => {
            out.push_str("⚠️ 本版没有调整声明，所有变化都视为未声明。\n\n");
        }
        None => out.push_str("没有变化。\n"),
    }
    for k in Kind::ALL {
        let list: Vec<&Change> = d.changes.iter().filter(|c| c.kind == k).collect();
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(out, "### {}（{}）\n", k.zh(), list.len());
        for c in list {
            let mark = if c.declared { "✅" } else { "⚠️" };
            let mut line = format!(
                "- {mark} **{}** `{}` {}",
                md(&c.name),
                md(&ids(c)),
                md(&c.department)
            );
            if let Some(from) = &c.old_department {
                line = format!("{line}（由{}划入）", md(from));
            }
            let _ = writeln!(out, "{line} — {}", md(&declared_text(c)));
            if c.kind == Kind::Merged {
                let _ = writeln!(out, "  - 合并自：{}", md(&c.old_names.join("；")));
            }
            if c.kind == Kind::Split {
                let _ = writeln!(out, "  - 拆分为：{}", md(&c.new_names.join("；")));
            }
            if !c.fields.is_empty() {
                out.push_str("\n  | 栏目 | 原 | 现 |\n  |---|---|---|\n");
                for f in &c.fields {
                    let _ = writeln!(
                        out,
                        "  | {} | {} | {} |",
                        f.label,
                        md_parts(&f.old_parts, "del"),
                        md_parts(&f.new_parts, "ins")
                    );
                }
                out.push('\n');
            }
        }
        out.push('\n');
    }
    if !d.declared_not_found.is_empty() {
        out.push_str("### 声明了但没有发生\n\n");
        for m in &d.declared_not_found {
            let _ = writeln!(out, "- `{}:{}` {}", md(&m.file), m.line, md(&m.problem));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_escapes_list_text() {
        assert_eq!(md("<script>|*x*"), "&lt;script&gt;&#124;\\*x\\*");
    }

    #[test]
    fn only_changed_lines() {
        let parts = vec![
            Part {
                text: "甲\n乙".into(),
                changed: false,
            },
            Part {
                text: "丙".into(),
                changed: true,
            },
            Part {
                text: "\n丁".into(),
                changed: false,
            },
        ];
        let lines = changed_lines(&parts);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].len(), 2);
        // A side without marks is shown whole.
        let plain = vec![Part {
            text: "市级".into(),
            changed: false,
        }];
        assert_eq!(changed_lines(&plain).len(), 1);
    }
}
