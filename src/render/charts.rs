//! Bar charts of the home page (items per category, per department) as inline SVG made at build
//! time: no script, no external resource; the numbers are also in the chart's description.

use std::fmt::Write as _;

use super::markdown::escape;

/// A horizontal bar chart: one row per (label, value), labels left, bars scaled to the largest.
pub fn bars(title: &str, rows: &[(String, usize)], id: &str) -> String {
    const W: f32 = 340.0;
    const LABEL_W: f32 = 118.0;
    const ROW: f32 = 26.0;
    const BAR_H: f32 = 16.0;
    let max = rows.iter().map(|r| r.1).max().unwrap_or(1).max(1) as f32;
    let h = ROW * rows.len() as f32 + 8.0;
    let desc: Vec<String> = rows.iter().map(|(l, v)| format!("{l} {v} 项")).collect();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {h:.0}\" width=\"{W}\" height=\"{h:.0}\" \
         role=\"img\" aria-labelledby=\"{id}-t {id}-d\" font-family=\"'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',sans-serif\">\n\
         <title id=\"{id}-t\">{}</title><desc id=\"{id}-d\">{}</desc>",
        escape(title),
        escape(&desc.join("；"))
    );
    for (i, (label, value)) in rows.iter().enumerate() {
        let y = 4.0 + ROW * i as f32;
        // Long names are shortened in the chart; the description has them whole.
        let shown: String = if label.chars().count() > 9 {
            label.chars().take(8).collect::<String>() + "…"
        } else {
            label.clone()
        };
        let bar = ((W - LABEL_W - 44.0) * (*value as f32) / max).max(1.0);
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12.5\" text-anchor=\"end\" fill=\"#0b0c0c\">{}</text>\
             <rect x=\"{LABEL_W}\" y=\"{:.1}\" width=\"{bar:.1}\" height=\"{BAR_H}\" fill=\"#1d4f91\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12.5\" fill=\"#0b0c0c\">{value}</text>",
            LABEL_W - 6.0,
            y + 13.0,
            escape(&shown),
            y + 2.0,
            LABEL_W + bar + 4.0,
            y + 13.0
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_bar_per_row_scaled_to_the_largest() {
        let svg = bars(
            "t",
            &[("行政许可".into(), 10), ("行政处罚<".into(), 40)],
            "c",
        );
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(svg.contains("行政处罚&lt;"));
        assert!(svg.contains("行政许可 10 项；行政处罚&lt; 40 项"));
    }
}
