//! List text to safe HTML. Long fields are Markdown (pulldown-cmark), but list text is untrusted:
//! raw HTML is shown as text, images become their alt text (no resource from another host),
//! headings become bold paragraphs (page headings stay in order), and the result goes through
//! ammonia, which allows only http, https, mailto and tel links. Plain imported text (no Markdown
//! syntax at all, the common case) skips the parser: it is escaped and split into paragraphs.

use std::sync::LazyLock;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    b.url_schemes(["http", "https", "mailto", "tel"].into_iter().collect())
        .link_rel(Some("noopener noreferrer nofollow"))
        .rm_tags(["img"]);
    b
});

/// Escape text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    escape_into(text, &mut out);
    out
}

/// `escape`, appended to `out`: runs without a special character are copied whole.
fn escape_into(text: &str, out: &mut String) {
    let mut rest = text;
    while let Some(i) = rest.find(['&', '<', '>', '"', '\'']) {
        out.push_str(&rest[..i]);
        out.push_str(match rest.as_bytes()[i] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => "&#39;",
        });
        rest = &rest[i + 1..];
    }
    out.push_str(rest);
}

/// Does the text use any Markdown syntax (or anything that could be HTML)?
fn looks_like_markdown(text: &str) -> bool {
    // All of these are ASCII: one pass over the bytes.
    if text.bytes().any(|b| {
        matches!(
            b,
            b'*' | b'_' | b'`' | b'[' | b']' | b'<' | b'>' | b'#' | b'|' | b'&' | b'\\' | b'~'
        )
    }) {
        return true;
    }
    text.lines().any(|l| {
        let t = l.trim_start();
        t.starts_with("- ")
            || t.starts_with("+ ")
            || t.starts_with("    ")
            || t.split_once(". ")
                .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
    }) || text.contains("\n===")
        || text.contains("\n---")
}

/// Plain text: paragraphs at blank lines, line breaks kept.
fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    for para in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        out.push_str("<p>");
        for (i, line) in para.lines().enumerate() {
            if i > 0 {
                out.push_str("<br>\n");
            }
            escape_into(line.trim_end(), &mut out);
        }
        out.push_str("</p>\n");
    }
    out
}

/// Render list text (Markdown or plain) to sanitised HTML.
pub fn to_html(text: &str) -> String {
    let text = text.trim();
    if text.is_empty() {
        return String::new();
    }
    if !looks_like_markdown(text) {
        return plain(text);
    }
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    // An image keeps only its alt text (the Text events between its start and end).
    let events = Parser::new_ext(text, options).filter_map(|event| match event {
        // Raw HTML from list text is shown, never interpreted.
        Event::Html(h) | Event::InlineHtml(h) => Some(Event::Text(h)),
        Event::Start(Tag::Heading { .. }) => Some(Event::Start(Tag::Strong)),
        Event::End(TagEnd::Heading(_)) => Some(Event::End(TagEnd::Strong)),
        Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => None,
        e => Some(e),
    });
    let mut html = String::with_capacity(text.len() * 2);
    pulldown_cmark::html::push_html(&mut html, events);
    CLEANER.clean(&html).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_becomes_paragraphs() {
        assert_eq!(to_html("甲\n乙\n\n丙"), "<p>甲<br>\n乙</p>\n<p>丙</p>\n");
        assert_eq!(to_html("  "), "");
    }

    #[test]
    fn markdown_renders() {
        let html = to_html("- 一\n- 二\n\n**重要**");
        assert!(html.contains("<li>一</li>"), "{html}");
        assert!(html.contains("<strong>重要</strong>"), "{html}");
    }

    #[test]
    fn nothing_dangerous_survives() {
        for evil in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[点我](javascript:alert(1))",
            "![图](https://evil.example/x.png)",
            "<a href=\"javascript:alert(1)\">x</a>",
            "# 标题\n<iframe src=//evil></iframe>",
        ] {
            let html = to_html(evil);
            assert!(!html.contains("<script"), "{evil} → {html}");
            assert!(!html.contains("<img"), "{evil} → {html}");
            assert!(!html.contains("<iframe"), "{evil} → {html}");
            assert!(!html.contains("<a href=\"javascript"), "{evil} → {html}");
            assert!(!html.contains(" src=\"http"), "{evil} → {html}");
            assert!(!html.contains("<h1"), "{evil} → {html}");
        }
        // Shown as text, not dropped.
        assert!(to_html("<script>alert(1)</script>").contains("&lt;script&gt;"));
    }

    #[test]
    fn escapes_every_special_character() {
        assert_eq!(
            escape("a&b<c>d\"e'f《中》"),
            "a&amp;b&lt;c&gt;d&quot;e&#39;f《中》"
        );
        assert_eq!(escape(""), "");
        assert_eq!(escape("<<"), "&lt;&lt;");
    }

    #[test]
    fn angle_brackets_in_titles_are_text() {
        let html = to_html("《关于修改<全国经济普查条例>的决定》");
        assert!(html.contains("&lt;全国经济普查条例&gt;"), "{html}");
    }

    #[test]
    fn links_get_rel() {
        let html = to_html("[政务服务网](https://example.gov.cn/)");
        assert!(
            html.contains("rel=\"noopener noreferrer nofollow\""),
            "{html}"
        );
    }
}
