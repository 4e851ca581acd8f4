//! The flowchart (运行流程图) of a service guide, laid out here as inline SVG from its steps:
//! a column of steps from 申请 to 办结, each step's branches (不予受理, 补正材料 …) in boxes to
//! its right, and a dashed arrow back to the step a branch returns to. Sized for a 360 px phone:
//! the drawing is 340 units wide and scales with the page. Text is wrapped by character width
//! (a Chinese character is one em, ASCII about half). The same steps are also given as an
//! ordered list in the page for screen readers.

use std::fmt::Write as _;

use super::markdown::escape;
use crate::model::Step;

const VIEW_W: f32 = 340.0;
const MAIN_X: f32 = 6.0;
const MAIN_W: f32 = 184.0;
const BRANCH_X: f32 = 222.0;
const BRANCH_W: f32 = 108.0;
const FONT: f32 = 13.0;
const SMALL: f32 = 11.5;
const LINE: f32 = 17.0;
const PAD: f32 = 8.0;
const GAP: f32 = 26.0;

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
    let mut y = top + PAD + FONT;
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
fn step_lines(step: &Step) -> Vec<(String, f32, bool)> {
    let inner = MAIN_W - 2.0 * PAD;
    let mut lines: Vec<(String, f32, bool)> = wrap(step.name.as_str(), inner, FONT)
        .into_iter()
        .map(|l| (l, FONT, true))
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
            wrap(&d, inner, SMALL)
                .into_iter()
                .map(|l| (l, SMALL, false)),
        );
    }
    lines
}

fn branch_lines(when: &str, outcome: &str) -> Vec<(String, f32, bool)> {
    let inner = BRANCH_W - 2.0 * PAD;
    let mut lines: Vec<(String, f32, bool)> = wrap(when.trim(), inner, SMALL)
        .into_iter()
        .map(|l| (l, SMALL, false))
        .collect();
    lines.extend(
        wrap(outcome.trim(), inner, SMALL)
            .into_iter()
            .map(|l| (l, SMALL, true)),
    );
    lines
}

/// The flowchart of `steps` as an SVG element, or `None` when there are no steps.
pub fn svg(steps: &[Step], title: &str) -> Option<String> {
    if steps.is_empty() {
        return None;
    }
    let mut body = String::new();
    let mut y = 6.0;
    let main_cx = MAIN_X + MAIN_W / 2.0;
    // Start.
    let start_h = 30.0;
    let _ = writeln!(
        body,
        "<rect class=\"qd-end\" x=\"{:.1}\" y=\"{y:.1}\" width=\"120\" height=\"{start_h}\" rx=\"15\"/>",
        main_cx - 60.0
    );
    let _ = writeln!(
        body,
        "<text x=\"{main_cx:.1}\" y=\"{:.1}\" font-size=\"{FONT}\" text-anchor=\"middle\">提出申请</text>",
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
        let lines = step_lines(step);
        let h = block_height(&lines);
        tops.push(y);
        let _ = writeln!(
            body,
            "<rect class=\"qd-step\" x=\"{MAIN_X}\" y=\"{y:.1}\" width=\"{MAIN_W}\" height=\"{h:.1}\" rx=\"4\"/>"
        );
        text_block(&mut body, &lines, main_cx, y);
        // Branches stack to the right, leaving a lane at the top for arrows coming back.
        let mut by = y + 14.0;
        for b in &step.branches {
            let lines = branch_lines(&b.when, &b.outcome);
            let bh = block_height(&lines);
            let mid = by + bh / 2.0;
            let _ = writeln!(
                body,
                "<line class=\"qd-arrow\" x1=\"{:.1}\" y1=\"{mid:.1}\" x2=\"{:.1}\" y2=\"{mid:.1}\"/>",
                MAIN_X + MAIN_W,
                BRANCH_X - 2.0
            );
            let class = if b.back_to.trim().is_empty() {
                "qd-stop"
            } else {
                "qd-branch"
            };
            let _ = writeln!(
                body,
                "<rect class=\"{class}\" x=\"{BRANCH_X}\" y=\"{by:.1}\" width=\"{BRANCH_W}\" height=\"{bh:.1}\" rx=\"4\"/>"
            );
            text_block(&mut body, &lines, BRANCH_X + BRANCH_W / 2.0, by);
            if !b.back_to.trim().is_empty() {
                loops.push((b.back_to.trim().to_string(), mid));
            }
            by += bh + 8.0;
        }
        y = (y + h).max(by - 8.0);
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
            BRANCH_X + BRANCH_W,
            VIEW_W - 3.0,
            MAIN_X + MAIN_W + 2.0
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
        "<text x=\"{main_cx:.1}\" y=\"{:.1}\" font-size=\"{FONT}\" text-anchor=\"middle\">办结</text>",
        y + 20.0
    );
    y += 36.0;
    let names: Vec<&str> = steps.iter().map(|s| s.name.as_str()).collect();
    let mut svg = String::with_capacity(body.len() + 1200);
    let _ = write!(
        svg,
        "<svg class=\"flowchart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {VIEW_W} {y:.0}\" \
         width=\"{VIEW_W}\" height=\"{y:.0}\" role=\"img\" aria-labelledby=\"fc-title fc-desc\" \
         font-family=\"'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',sans-serif\">\n\
         <title id=\"fc-title\">{}运行流程图</title>\n<desc id=\"fc-desc\">办理环节：{}。各环节的说明见流程图下方的列表。</desc>\n\
         <defs><marker id=\"fc-head\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">\
         <path d=\"M0 0 L10 5 L0 10 z\" fill=\"#0b0c0c\"/></marker></defs>\n\
         <style>.qd-step{{fill:#fff;stroke:#0b0c0c;stroke-width:2}}.qd-branch{{fill:#f3f2f1;stroke:#505a5f;stroke-width:1.5}}\
         .qd-stop{{fill:#fff4f4;stroke:#942514;stroke-width:1.5}}.qd-end{{fill:#eaf2ea;stroke:#00703c;stroke-width:2}}\
         .qd-arrow{{stroke:#0b0c0c;stroke-width:1.5;marker-end:url(#fc-head)}}\
         .qd-loop{{fill:none;stroke:#505a5f;stroke-width:1.5;stroke-dasharray:5 3;marker-end:url(#fc-head)}}\
         text{{fill:#0b0c0c}}</style>\n",
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
