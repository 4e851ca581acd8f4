//! Cleaning cell text the way real lists need it: hard line breaks inside words (PDF-to-Excel
//! conversions wrap every few characters), placeholders that mean "nothing" (无, /, None),
//! numbering in front of sub-item names.

/// Cell values that mean "nothing here".
pub fn is_placeholder(s: &str) -> bool {
    matches!(
        s.trim(),
        "" | "/"
            | "／"
            | "\\"
            | "无"
            | "None"
            | "none"
            | "NULL"
            | "null"
            | "-"
            | "--"
            | "—"
            | "——"
            | "－"
            | "暂无"
            | "空"
            | "#N/A"
    )
}

fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{3000}' || c == '\u{2003}' || c == '\u{a0}'
}

/// A short field (name, category, body, level …): all white space removed, except a single
/// space between two ASCII letters or digits ("ISO 9001").
pub fn short(s: &str) -> String {
    if is_placeholder(s) {
        return String::new();
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if is_space(c) {
            let start = i;
            while i < chars.len() && is_space(chars[i]) {
                i += 1;
            }
            let before = start.checked_sub(1).map(|j| chars[j]);
            let after = chars.get(i).copied();
            let has_newline = chars[start..i].contains(&'\n');
            if let (Some(b), Some(a)) = (before, after)
                && b.is_ascii_alphanumeric()
                && a.is_ascii_alphanumeric()
                && !has_newline
            {
                out.push(' ');
            }
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// A short field that may hold several values on separate lines (units, bodies, time limits):
/// lines of six characters or more are separate values and are joined with "；"; shorter pieces
/// are hard wraps and are joined directly.
pub fn short_list(s: &str) -> String {
    if is_placeholder(s) {
        return String::new();
    }
    let lines: Vec<String> = s
        .replace("\r\n", "\n")
        .split('\n')
        .map(short)
        .filter(|l| !l.is_empty())
        .collect();
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            let prev = lines[i - 1].chars().count();
            let ends = out.ends_with(['；', ';', '，', ',', '、', '。']);
            if prev >= 6 && line.chars().count() >= 6 && !ends {
                out.push('；');
            }
        }
        out.push_str(line);
    }
    out
}

/// Does a line start a new paragraph (a basis entry, an article, a numbered point)?
fn starts_block(line: &str) -> bool {
    let t = line.trim_start_matches(is_space);
    let mut chars = t.chars();
    let Some(first) = chars.next() else {
        return true;
    };
    if matches!(
        first,
        '【' | '《' | '（' | '(' | '第' | '注' | '附' | '●' | '•' | '·' | '-'
    ) {
        return true;
    }
    let head: String = t.chars().take(5).collect();
    let numbered = head
        .chars()
        .take_while(|c| c.is_ascii_digit() || "一二三四五六七八九十".contains(*c))
        .count();
    numbered > 0
        && head
            .chars()
            .nth(numbered)
            .is_some_and(|c| matches!(c, '.' | '、' | '．' | ')' | '）' | '，'))
}

/// Does a line end a sentence or clause (so the break after it is meant)?
fn ends_block(line: &str) -> bool {
    line.trim_end_matches(is_space)
        .chars()
        .last()
        .is_none_or(|c| {
            matches!(
                c,
                '。' | '；'
                    | ';'
                    | '：'
                    | ':'
                    | '！'
                    | '？'
                    | '!'
                    | '?'
                    | '）'
                    | ')'
                    | '】'
                    | '」'
                    | '”'
            )
        })
}

/// A long field (basis, responsibilities …): lines trimmed, hard wraps inside a sentence joined
/// (no space between Chinese characters), blank lines collapsed.
pub fn long(s: &str) -> String {
    if is_placeholder(s) {
        return String::new();
    }
    let normalized = s.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = String::with_capacity(normalized.len());
    let mut pending_blank = false;
    for line in normalized.split('\n') {
        let line = &squeeze_spaces(line.trim_matches(is_space));
        if line.is_empty() {
            pending_blank = !out.is_empty();
            continue;
        }
        if out.is_empty() {
            out.push_str(line);
        } else if pending_blank || ends_block(&out) || starts_block(line) {
            out.push('\n');
            out.push_str(line);
        } else {
            // A hard wrap inside a sentence: join, with a space only between ASCII words.
            let b = out.chars().last().unwrap_or(' ');
            let a = line.chars().next().unwrap_or(' ');
            if b.is_ascii_alphanumeric() && a.is_ascii_alphanumeric() {
                out.push(' ');
            }
            out.push_str(line);
        }
        pending_blank = false;
    }
    out
}

/// Inside a line: no space next to a Chinese character or punctuation ("国家机关 、企业" →
/// "国家机关、企业"), one space between ASCII words.
fn squeeze_spaces(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while i < chars.len() {
        if is_space(chars[i]) {
            let start = i;
            while i < chars.len() && is_space(chars[i]) {
                i += 1;
            }
            let before = start.checked_sub(1).map(|j| chars[j]);
            let after = chars.get(i).copied();
            if before.is_some_and(|c| c.is_ascii()) && after.is_some_and(|c| c.is_ascii()) {
                out.push(' ');
            }
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// A sub-item name without the numbering in front ("1.房地产估价机构资质核准").
pub fn strip_numbering(s: &str) -> String {
    let t = s.trim();
    let digits: String = t
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, '（' | '('))
        .collect();
    if digits.chars().any(|c| c.is_ascii_digit()) {
        let rest = &t[digits.len()..];
        if let Some(r) = rest
            .strip_prefix('.')
            .or_else(|| rest.strip_prefix('、'))
            .or_else(|| rest.strip_prefix('．'))
            .or_else(|| rest.strip_prefix('）'))
            .or_else(|| rest.strip_prefix(')'))
            && !r.trim().is_empty()
        {
            return r.trim().to_string();
        }
    }
    t.to_string()
}

/// Header text for matching: no white space, ASCII parentheses.
pub fn header(s: &str) -> String {
    s.chars()
        .filter(|c| !is_space(*c))
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_fields_lose_hard_wraps() {
        assert_eq!(short("对拒绝\n配合统\n计调查"), "对拒绝配合统计调查");
        assert_eq!(short(" 行政\n处罚 "), "行政处罚");
        assert_eq!(short("ISO 9001 认证"), "ISO 9001认证");
        assert_eq!(short("/"), "");
        assert_eq!(short("无"), "");
    }

    #[test]
    fn several_values_on_lines_are_kept_apart() {
        assert_eq!(
            short_list("克拉玛依市消防救援支队\n各区消防救援大队"),
            "克拉玛依市消防救援支队；各区消防救援大队"
        );
        assert_eq!(short_list("市统\n计局"), "市统计局");
        assert_eq!(short_list("/"), "");
    }

    #[test]
    fn long_fields_keep_paragraphs_and_join_wraps() {
        let s = "【法律】《统计法》（根据2024\n年修正）\n第四十四条：作为统计调查对象\n的国家机关。\n【规章】《办法》";
        assert_eq!(
            long(s),
            "【法律】《统计法》（根据2024年修正）\n第四十四条：作为统计调查对象的国家机关。\n【规章】《办法》"
        );
        assert_eq!(long("  a\r\n\r\n\r\n  b。 "), "a\nb。");
        assert_eq!(long("None"), "");
        assert_eq!(
            long("国家机关 、企业  事业单位 ISO  9001"),
            "国家机关、企业事业单位ISO 9001"
        );
    }

    #[test]
    fn numbering_is_stripped_from_sub_items() {
        assert_eq!(
            strip_numbering("1.房地产估价机构资质核准"),
            "房地产估价机构资质核准"
        );
        assert_eq!(strip_numbering("（2）分立审批"), "分立审批");
        assert_eq!(strip_numbering("12、合并审批"), "合并审批");
        assert_eq!(strip_numbering("3D打印备案"), "3D打印备案");
    }

    #[test]
    fn headers_normalise() {
        assert_eq!(header("序  号"), "序号");
        assert_eq!(header("法定期限（天/日）"), "法定期限(天/日)");
        assert_eq!(header("事项\n名称"), "事项名称");
    }
}
