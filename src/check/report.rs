//! Rendering a check `Report`: rustc-style text with the offending line underlined (miette), or
//! the JSON of DESIGN.md.

use std::fmt::Write as _;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};

use super::Report;
use crate::diag::{Diagnostic, Severity};
use crate::snapshot::Snapshot;

/// A file's text for miette, reporting columns in characters as `check --format json` does
/// (miette counts bytes, and a Chinese character is three).
#[derive(Debug)]
struct Source {
    name: String,
    text: String,
}

impl SourceCode for Source {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self.text.read_span(span, before, after)?;
        let column = if before == 0 {
            crate::diag::line_col(&self.text, span.offset()).1 - 1
        } else {
            inner.column()
        };
        let contents = MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line(),
            column,
            inner.line_count(),
        )
        .with_language("toml");
        Ok(Box::new(contents))
    }
}

/// One diagnostic as a miette report, with its source snippet when the file text is known.
#[derive(Debug)]
struct Shown<'a> {
    d: &'a Diagnostic,
    source: Option<Source>,
}

impl std::fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Without a snippet there is no location header: put the place in the message.
        if self.source.is_none() {
            write!(f, "{}:{}:{}: ", self.d.file, self.d.line, self.d.column)?;
        }
        f.write_str(&self.d.message)
    }
}

impl std::error::Error for Shown<'_> {}

impl miette::Diagnostic for Shown<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        Some(Box::new(self.d.rule))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        self.d
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.source.as_ref()?;
        let span = self.d.span.range();
        let label = match self.d.severity {
            Severity::Error => "这里",
            Severity::Warning => "此处",
        };
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            Some(label.to_string()),
            SourceSpan::new(span.start.into(), span.len()),
        ))))
    }
}

/// Human-readable report. `color` turns on ANSI colours (use it only on a terminal).
pub fn render_text(report: &Report, snap: &Snapshot, color: bool) -> String {
    render_text_files(report, &snap.files, color)
}

/// The same, with the source files of several snapshots (a multi-level repository).
pub fn render_text_files<'a>(
    report: &Report,
    files: impl IntoIterator<Item = &'a crate::diag::SourceFile>,
    color: bool,
) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_width(100);
    let mut out = String::new();
    let by_path: std::collections::HashMap<&str, &crate::diag::SourceFile> =
        files.into_iter().map(|f| (f.path.as_str(), f)).collect();
    for d in report.errors.iter().chain(&report.warnings) {
        let source = by_path.get(d.file.as_str()).map(|f| Source {
            name: d.file.clone(),
            text: f.text().into_owned(),
        });
        let shown = Shown { d, source };
        if handler.render_report(&mut out, &shown).is_err() {
            let _ = writeln!(out, "{}:{}:{}: {}", d.file, d.line, d.column, d.message);
        }
        out.push('\n');
    }
    summary(report, &mut out);
    out
}

/// `s` padded with spaces to `width` terminal columns (a Chinese character takes two).
fn pad(s: &str, width: usize) -> String {
    let w = unicode_width::UnicodeWidthStr::width(s);
    format!("{s}{}", " ".repeat(width.saturating_sub(w)))
}

fn summary(report: &Report, out: &mut String) {
    let s = &report.stats;
    // In a multi-level repository the figures below are the root's; the lower ones are counted
    // first, and each in the table at the end.
    let lower: Vec<&super::tree::Coverage> = report
        .jurisdictions
        .iter()
        .filter(|j| j.parent.is_some())
        .collect();
    let root_name = report
        .jurisdictions
        .iter()
        .find(|j| j.parent.is_none())
        .map(|j| j.name.as_str());
    if let (false, Some(root)) = (lower.is_empty(), root_name) {
        let items: usize = lower.iter().map(|j| j.items).sum();
        let _ = writeln!(
            out,
            "检查了 {} 个区划：{root}和 {} 个下级区划（下级共 {} 个事项：认领 {} 个、自设 {} 个，各区划见文末）",
            lower.len() + 1,
            lower.len(),
            items,
            lower.iter().map(|j| j.claimed).sum::<usize>(),
            lower.iter().map(|j| j.local).sum::<usize>(),
        );
    }
    let lead = match root_name.filter(|_| !lower.is_empty()) {
        Some(root) => format!("{root}："),
        None => "检查了 ".to_string(),
    };
    let _ = writeln!(
        out,
        "{lead}{} 个部门、{} 个事项（{} 个子项，{} 条清单条目）、{} 个边界事项、{} 条调整声明",
        s.departments, s.items, s.sub_items, s.entries, s.boundaries, s.adjustments
    );
    let _ = writeln!(
        out,
        "{} 个事项有办事指南，{} 个事项有事中事后监管措施（共 {} 项）",
        s.items_with_guide, s.items_with_supervision, s.supervision_measures
    );
    if !s.by_category.is_empty() {
        let _ = writeln!(out, "\n按职权类别：");
        for c in &s.by_category {
            let _ = writeln!(out, "  {}{:>7}", pad(&c.name, 14), c.items);
        }
    }
    if !s.by_department.is_empty() {
        let _ = writeln!(out, "\n按部门：");
        for c in &s.by_department {
            let _ = writeln!(out, "  {}{:>7}  {}", pad(&c.key, 14), c.items, c.name);
        }
    }
    if !report.jurisdictions.is_empty() {
        let _ = writeln!(
            out,
            "\n各区划认领指导目录（应认尽认）：认领 / 不适用 / 未认领 / 目录事项，自设事项"
        );
        for j in &report.jurisdictions {
            let depth = j.path.matches("jurisdictions/").count();
            let _ = writeln!(
                out,
                "  {}{}{:>6} / {} / {} / {}，自设 {}",
                "  ".repeat(depth),
                pad(
                    &format!("{}（{}）", j.name, j.level),
                    28usize.saturating_sub(2 * depth)
                ),
                j.claimed,
                j.not_applicable,
                j.missing,
                j.catalogue_items,
                j.local
            );
        }
    }
    if s.unread_files > 0 {
        let _ = writeln!(
            out,
            "\n另有 {} 个文件因上面的错误未能读取，其中的事项未计入以上统计。",
            s.unread_files
        );
    }
    let _ = writeln!(out);
    if report.ok {
        let _ = writeln!(out, "通过：没有错误，{} 个警告。", report.warnings.len());
    } else {
        let _ = writeln!(
            out,
            "未通过：{} 个错误，{} 个警告。逐条按上面的提示修改后再运行 qingdan check。",
            report.errors.len(),
            report.warnings.len()
        );
    }
}

/// The JSON report of DESIGN.md.
pub fn render_json(report: &Report) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(report)
}
