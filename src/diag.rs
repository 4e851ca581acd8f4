//! Diagnostics: one problem found in a list file, with its rule, place and a message in Chinese
//! that says what to fix. Produced by the loader (syntax, keys, encoding) and by `check` (rules);
//! rendered by `check::report` as rustc-style text or as the JSON of DESIGN.md.

use serde::Serialize;

use crate::model::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem in one file.
#[derive(Clone, Debug, Serialize)]
pub struct Diagnostic {
    /// Stable rule name, e.g. `unknown-category`.
    pub rule: &'static str,
    #[serde(skip)]
    pub severity: Severity,
    /// Path relative to the lists folder, with `/` separators.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
    /// What is wrong, in Chinese.
    pub message: String,
    /// What to do about it, when there is more to say than the message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    #[serde(skip)]
    pub span: Span,
}

/// A source file: its path and, while needed, its text.
///
/// The loader lets go of the text of a file that parsed cleanly and was read from disk (at
/// 100,000 items the texts would double the memory); `text()` reads it again on the rare
/// occasion a later rule reports a problem in it.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Path relative to the lists folder, with `/` separators.
    pub path: String,
    /// The text, when kept in memory.
    pub kept: Option<String>,
    /// Where to read the text again when it was not kept.
    pub origin: Option<std::path::PathBuf>,
    /// XXH3 hash of the text: tells a later build whether the file changed. (FNV-1a, a byte at a
    /// time, took half a second of CPU over 100,000 files.)
    pub hash: u64,
}

impl SourceFile {
    pub fn in_memory(path: String, text: String) -> SourceFile {
        SourceFile {
            path,
            hash: xxhash_rust::xxh3::xxh3_64(text.as_bytes()),
            kept: Some(text),
            origin: None,
        }
    }

    /// The text of the file (read again from disk if it was not kept; empty if that fails).
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        match (&self.kept, &self.origin) {
            (Some(t), _) => std::borrow::Cow::Borrowed(t.as_str()),
            (None, Some(p)) => std::fs::read(p)
                .map(|b| {
                    let b = b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&b).to_vec();
                    std::borrow::Cow::Owned(String::from_utf8_lossy(&b).into_owned())
                })
                .unwrap_or_default(),
            (None, None) => std::borrow::Cow::Borrowed(""),
        }
    }

    /// 1-based line and character column of a byte offset (clamped to the text).
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        line_col(&self.text(), offset)
    }
}

/// 1-based line and character column of `offset` in `text`. A CR before LF is not counted as a
/// column, so CRLF files report the same places as LF files.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count() + 1;
    let column = before[line_start..].trim_end_matches('\r').chars().count() + 1;
    (line, column)
}

impl Diagnostic {
    /// A diagnostic at `span` of `file` (line and column computed from the file's text).
    pub fn at(
        rule: &'static str,
        severity: Severity,
        file: &SourceFile,
        span: Span,
        message: impl Into<String>,
    ) -> Diagnostic {
        let (line, column) = file.line_col(span.start as usize);
        Diagnostic {
            rule,
            severity,
            file: file.path.clone(),
            line,
            column,
            message: message.into(),
            help: None,
            span,
        }
    }

    /// A diagnostic about a whole file whose text could not be read (line 1, column 1).
    pub fn file_level(
        rule: &'static str,
        severity: Severity,
        path: &str,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            rule,
            severity,
            file: path.to_string(),
            line: 1,
            column: 1,
            message: message.into(),
            help: None,
            span: Span::NONE,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Levenshtein distance in characters, for "did you mean" suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    #[test]
    fn edit_distance_counts_characters() {
        use super::edit_distance;
        assert_eq!(edit_distance("rsj", "rsj"), 0);
        assert_eq!(edit_distance("rsj", "rjs"), 2);
        assert_eq!(edit_distance("统计局", "统计"), 1);
        assert_eq!(edit_distance("category", "catgory"), 1);
    }

    use super::*;

    #[test]
    fn columns_count_characters_not_bytes() {
        let text = "name = \"行政\"\nid = 1";
        assert_eq!(line_col(text, 0), (1, 1));
        let at = text.find("1").unwrap();
        assert_eq!(line_col(text, at), (2, 6));
        let han = text.find('政').unwrap();
        assert_eq!(line_col(text, han), (1, 10));
    }

    #[test]
    fn crlf_lines_match_lf_lines() {
        let lf = "a = 1\nb = 2\n";
        let crlf = "a = 1\r\nb = 2\r\n";
        assert_eq!(line_col(lf, lf.find('b').unwrap()), (2, 1));
        assert_eq!(line_col(crlf, crlf.find('b').unwrap()), (2, 1));
        assert_eq!(line_col(crlf, crlf.find('\r').unwrap()), (1, 6));
    }

    #[test]
    fn offsets_inside_a_character_or_past_the_end_are_clamped() {
        let text = "行";
        assert_eq!(line_col(text, 1), (1, 1));
        assert_eq!(line_col(text, 99), (1, 2));
    }
}
