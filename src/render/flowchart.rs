//! The flowchart (运行流程图) of a service guide, laid out here as inline SVG from its steps:
//! a column of steps from 申请 to 办结, each step's branches (不予受理, 补正材料 …) in boxes to
//! its right, and a dashed arrow back to the step a branch returns to. Sized for a 360 px phone:
//! the drawing is 340 units wide and scales with the page. Text is wrapped by character width
//! (a Chinese character is one em, ASCII about half). The same steps are also given as an
//! ordered list in the page for screen readers.

use std::fmt::Write as _;

use super::markdown::escape;
use crate::model::Step;

/// The sizes of one drawing: `NARROW` for phones (340 units, drawn about 1:1 at 360 px),
/// `WIDE` for the guide's box on a wider screen (760 units, as wide as the box: about 900 px at 1280). The page
/// carries both and shows one by its width (style.css), so the text stays about 13–16 px.
#[derive(Clone, Copy)]
pub struct Layout {
    view_w: f32,
    main_w: f32,
    branch_x: f32,
    branch_w: f32,
    font: f32,
    small: f32,
    /// Prefix of the drawing's ids (two drawings are on one page).
    id: &'static str,
}

pub const NARROW: Layout = Layout {
    view_w: 340.0,
    main_w: 150.0,
    branch_x: 176.0,
    branch_w: 156.0,
    font: 14.0,
    small: 12.5,
    id: "fc",
};

pub const WIDE: Layout = Layout {
    view_w: 760.0,
    main_w: 330.0,
    branch_x: 384.0,
    branch_w: 360.0,
    font: 15.0,
    small: 13.5,
    id: "fcw",
};

const MAIN_X: f32 = 6.0;
const FONT: f32 = 13.0;
const LINE: f32 = 17.0;
const PAD: f32 = 8.0;
const GAP: f32 = 24.0;

/// Width of text in em (Chinese characters 1, ASCII about 0.55).
fn ems(text: &str) -> f32 {
    text.chars()
        .map(|c| if c.is_ascii() { 0.55 } else { 1.0 })
        .sum()
}

/// Break text into lines of at most `width` units at `size`.
fn wrap(text: &str, width: f32, size: f32) -> Vec<String> {
    let max = width / size;
    let mut lines = Vec::new();
    let mut line = String::new();
    for c in text.chars() {
        if c == '\n' {
            lines.push(std::mem::take(&mut line));
            continue;
        }
        line.push(c);
        if ems(&line) > max {
            let last = line.pop().unwrap_or(c);
            // Do not start a line with closing punctuation.
            if "，。；：、）》”".contains(last) {
                line.push(last);
                lines.push(std::mem::take(&mut line));
            } else {
                lines.push(std::mem::take(&mut line));
                line.push(last);
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

fn text_block(out: &mut String, lines: &[(String, f32, bool)], cx: f32, top: f32) {
    let mut y = top + PAD + lines.first().map_or(FONT, |l| l.1);
    for (line, size, bold) in lines {
        let weight = if *bold { " font-weight=\"700\"" } else { "" };
        let _ = writeln!(
            out,
            "<text x=\"{cx:.1}\" y=\"{y:.1}\" font-size=\"{size}\" text-anchor=\"middle\"{weight}>{}</text>",
            escape(line)
        );
        y += LINE * size / FONT;
    }
}

fn block_height(lines: &[(String, f32, bool)]) -> f32 {
    let text: f32 = lines.iter().map(|(_, size, _)| LINE * size / FONT).sum();
    text + 2.0 * PAD - (LINE - FONT) + 2.0
}

/// The lines of a step box: name (bold), time limit and actor (small).
fn step_lines(step: &Step, l: &Layout) -> Vec<(String, f32, bool)> {
    let inner = l.main_w - 2.0 * PAD;
    let (font, small) = (l.font, l.small);
    let mut lines: Vec<(String, f32, bool)> = wrap(step.name.as_str(), inner, font)
        .into_iter()
        .map(|l| (l, font, true))
        .collect();
    let mut detail = Vec::new();
    if !step.time_limit.trim().is_empty() {
        detail.push(format!("时限：{}", step.time_limit.trim()));
    }
    if !step.actor.trim().is_empty() {
        detail.push(step.actor.trim().to_string());
    }
    for d in detail {
        lines.extend(
            wrap(&d, inner, small)
                .into_iter()
                .map(|l| (l, small, false)),
        );
    }
    lines
}

fn branch_lines(when: &str, outcome: &str, l: &Layout) -> Vec<(String, f32, bool)> {
    let inner = l.branch_w - 2.0 * PAD;
    let small = l.small;
    // Compact: the condition and its outcome on one line where they fit ("材料不齐全：补正").
    let text = format!("{}：{}", when.trim(), outcome.trim());
    let mut lines: Vec<(String, f32, bool)> = Vec::new();
    if ems(&text) * small <= inner {
        lines.push((text, small, false));
        return lines;
    }
    lines.extend(
        wrap(when.trim(), inner, small)
            .into_iter()
            .map(|l| (l, small, false)),
    );
    lines.extend(
        wrap(outcome.trim(), inner, small)
            .into_iter()
            .map(|l| (l, small, true)),
    );
    lines
}

/// The flowchart of `steps` as an SVG element (the narrow layout), or `None` when there are
/// no steps.
pub fn svg(steps: &[Step], title: &str) -> Option<String> {
    svg_in(steps, title, &NARROW)
}

/// The flowchart of `steps` drawn in layout `l`.
pub fn svg_in(steps: &[Step], title: &str, l: &Layout) -> Option<String> {
    if steps.is_empty() {
        return None;
    }
    let (view_w, main_w, branch_x, branch_w, font) =
        (l.view_w, l.main_w, l.branch_x, l.branch_w, l.font);
    let id = l.id;
    let mut body = String::new();
    let mut y = 6.0;
    let main_cx = MAIN_X + main_w / 2.0;
    // Start.
    let start_h = 30.0;
    let _ = writeln!(
        body,
        "<rect class=\"qd-end\" x=\"{:.1}\" y=\"{y:.1}\" width=\"120\" height=\"{start_h}\" rx=\"15\"/>",
        main_cx - 60.0
    );
    let _ = writeln!(
        body,
        "<text x=\"{main_cx:.1}\" y=\"{:.1}\" font-size=\"{font}\" text-anchor=\"middle\">提出申请</text>",
        y + 20.0
    );
    y += start_h;
    // Top of each step box, for arrows that return to it.
    let mut tops = Vec::with_capacity(steps.len());
    let mut loops = Vec::new();
    for step in steps {
        let _ = writeln!(
            body,
            "<line class=\"qd-arrow\" x1=\"{main_cx:.1}\" y1=\"{y:.1}\" x2=\"{main_cx:.1}\" y2=\"{:.1}\"/>",
            y + GAP - 2.0
        );
        y += GAP;
        let lines = step_lines(step, l);
        let h = block_height(&lines);
        tops.push(y);
        let _ = writeln!(
            body,
            "<rect class=\"qd-step\" x=\"{MAIN_X}\" y=\"{y:.1}\" width=\"{main_w}\" height=\"{h:.1}\" rx=\"4\"/>"
        );
        text_block(&mut body, &lines, main_cx, y);
        // Branches stack to the right, leaving a lane at the top for arrows coming back.
        let mut by = y + 12.0;
        for b in &step.branches {
            let lines = branch_lines(&b.when, &b.outcome, l);
            let bh = block_height(&lines);
            let mid = by + bh / 2.0;
            let _ = writeln!(
                body,
                "<line class=\"qd-arrow\" x1=\"{:.1}\" y1=\"{mid:.1}\" x2=\"{:.1}\" y2=\"{mid:.1}\"/>",
                MAIN_X + main_w,
                branch_x - 2.0
            );
            let class = if b.back_to.trim().is_empty() {
                "qd-stop"
            } else {
                "qd-branch"
            };
            let _ = writeln!(
                body,
                "<rect class=\"{class}\" x=\"{branch_x}\" y=\"{by:.1}\" width=\"{branch_w}\" height=\"{bh:.1}\" rx=\"4\"/>"
            );
            text_block(&mut body, &lines, branch_x + branch_w / 2.0, by);
            if !b.back_to.trim().is_empty() {
                loops.push((b.back_to.trim().to_string(), mid));
            }
            by += bh + 6.0;
        }
        y = (y + h).max(by - 6.0);
    }
    // Arrows back to an earlier (or the same) step, along the right edge.
    for (target, from_y) in loops {
        let Some(i) = steps.iter().position(|s| s.name.trim() == target) else {
            continue;
        };
        let lane = tops[i] + 7.0;
        let _ = writeln!(
            body,
            "<path class=\"qd-loop\" d=\"M{:.1} {from_y:.1} H{:.1} V{lane:.1} H{:.1}\"/>",
            branch_x + branch_w,
            view_w - 3.0,
            MAIN_X + main_w + 2.0
        );
    }
    // End.
    let _ = writeln!(
        body,
        "<line class=\"qd-arrow\" x1=\"{main_cx:.1}\" y1=\"{y:.1}\" x2=\"{main_cx:.1}\" y2=\"{:.1}\"/>",
        y + GAP - 2.0
    );
    y += GAP;
    let _ = writeln!(
        body,
        "<rect class=\"qd-end\" x=\"{:.1}\" y=\"{y:.1}\" width=\"120\" height=\"30\" rx=\"15\"/>",
        main_cx - 60.0
    );
    let _ = writeln!(
        body,
        "<text x=\"{main_cx:.1}\" y=\"{:.1}\" font-size=\"{font}\" text-anchor=\"middle\">办结</text>",
        y + 20.0
    );
    y += 36.0;
    let names: Vec<&str> = steps.iter().map(|s| s.name.as_str()).collect();
    let mut svg = String::with_capacity(body.len() + 1200);
    let _ = write!(
        svg,
        "<svg class=\"flowchart flowchart-{id}\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {view_w} {y:.0}\" \
         width=\"{view_w}\" height=\"{y:.0}\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" \
         font-family=\"'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',sans-serif\">\n\
         <title id=\"{id}-title\">{}运行流程图</title>\n<desc id=\"{id}-desc\">办理环节：{}。各环节的说明见流程图下方的列表。</desc>\n\
         <defs><marker id=\"{id}-head\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">\
         <path d=\"M0 0 L10 5 L0 10 z\" fill=\"#0b0c0c\"/></marker></defs>\n\
         <style>.flowchart-{id} .qd-step{{fill:#fff;stroke:#0b0c0c;stroke-width:2}}.flowchart-{id} .qd-branch{{fill:#f3f2f1;stroke:#505a5f;stroke-width:1.5}}\
         .flowchart-{id} .qd-stop{{fill:#fff4f4;stroke:#942514;stroke-width:1.5}}.flowchart-{id} .qd-end{{fill:#eaf2ea;stroke:#00703c;stroke-width:2}}\
         .flowchart-{id} .qd-arrow{{stroke:#0b0c0c;stroke-width:1.5;marker-end:url(#{id}-head)}}\
         .flowchart-{id} .qd-loop{{fill:none;stroke:#505a5f;stroke-width:1.5;stroke-dasharray:5 3;marker-end:url(#{id}-head)}}\
         .flowchart-{id} text{{fill:#0b0c0c}}</style>\n",
        escape(title),
        escape(&names.join("、"))
    );
    svg.push_str(&body);
    svg.push_str("</svg>");
    Some(svg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Branch;

    fn step(name: &str, branches: Vec<Branch>) -> Step {
        Step {
            name: name.into(),
            time_limit: "1个工作日".into(),
            branches,
            ..Step::default()
        }
    }

    #[test]
    fn wraps_by_character_width() {
        assert_eq!(wrap("一二三四五", 3.0 * FONT, FONT), ["一二三", "四五"]);
        assert_eq!(wrap("一二，三", 2.0 * FONT, FONT), ["一二，", "三"]);
        assert_eq!(wrap("abcd", 2.0 * FONT, FONT), ["abc", "d"]);
    }

    #[test]
    fn draws_steps_branches_and_loops() {
        let steps = vec![
            step(
                "受理",
                vec![
                    Branch {
                        when: "材料不齐全".into(),
                        outcome: "一次性告知补正".into(),
                        back_to: "受理".into(),
                    },
                    Branch {
                        when: "不属于本机关职权".into(),
                        outcome: "不予受理".into(),
                        back_to: String::new(),
                    },
                ],
            ),
            step("审查", vec![]),
            step("决定", vec![]),
        ];
        let svg = svg(&steps, "某<许可>").unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.ends_with("</svg>"));
        assert_eq!(svg.matches("class=\"qd-step\"").count(), 3);
        assert_eq!(svg.matches("class=\"qd-stop\"").count(), 1);
        assert_eq!(svg.matches("class=\"qd-loop\"").count(), 1);
        assert!(svg.contains("某&lt;许可&gt;运行流程图"), "title escaped");
        assert!(svg.contains("viewBox=\"0 0 340 "));
        let wide = svg_in(&steps, "x", &WIDE).unwrap();
        assert!(wide.contains("viewBox=\"0 0 760 ") && wide.contains("fcw-title"));
        assert!(svg::svg_is_balanced(&svg));
    }

    #[test]
    fn no_steps_no_chart() {
        assert!(svg(&[], "x").is_none());
    }

    mod svg {
        /// Every opened element is closed (a cheap well-formedness check for tests).
        pub fn svg_is_balanced(s: &str) -> bool {
            let mut stack = Vec::new();
            let mut rest = s;
            while let Some(i) = rest.find('<') {
                rest = &rest[i + 1..];
                let end = rest.find('>').unwrap_or(rest.len());
                let tag = &rest[..end];
                if let Some(name) = tag.strip_prefix('/') {
                    if stack.pop() != Some(name.trim().to_string()) {
                        return false;
                    }
                } else if !tag.ends_with('/') {
                    let name: String = tag.chars().take_while(|c| c.is_alphanumeric()).collect();
                    stack.push(name);
                }
                rest = &rest[end..];
            }
            stack.is_empty()
        }
    }
}
