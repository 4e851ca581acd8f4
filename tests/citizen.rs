//! The site as a service for citizens (issue 17), checked in the HTML `build` writes: the home
//! page opens on what a citizen wants to do, no developer text on a public page, every item an
//! adjustment took out keeps its address with a page saying what became of it, a moved item
//! says so at its top, the guide shows the official code, a plain history, 在线办理, and keeps
//! 其他说明 and the page's address in print; the jurisdiction's logo, colours and base_url.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::*;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The demo site, built once for the tests of this file.
fn demo() -> &'static Path {
    static SITE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &SITE
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let out = dir.path().join("site");
            build_ok(&repo().join("lists"), &out);
            (dir, out)
        })
        .1
}

fn page(rel: &str) -> String {
    std::fs::read_to_string(demo().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The text of `html` without tags (enough to look for words a visitor reads).
fn text(html: &str) -> String {
    let mut out = String::new();
    let mut tag = false;
    for c in html.chars() {
        match c {
            '<' => tag = true,
            '>' => tag = false,
            c if !tag => out.push(c),
            _ => {}
        }
    }
    out
}

#[test]
fn home_opens_on_what_a_citizen_wants_to_do() {
    let home = page("index.html");
    let at = |s: &str| home.find(s).unwrap_or_else(|| panic!("home has no {s}"));
    // The search box, then life events, then the common services; the counts and charts last.
    assert!(at("id=\"q-home\"") < at("id=\"by-life\""));
    assert!(at("id=\"by-life\"") < at("id=\"services\""));
    assert!(at("id=\"services\"") < at("id=\"by-dept\""));
    assert!(at("id=\"by-dept\"") < at("id=\"about\""));
    assert!(at("id=\"about\"") < at("chart-cat"));
    // The common services are items with a guide, marked 示例 where they are sample content.
    let services = &home[at("id=\"services\"")..at("id=\"by-dept\"")];
    assert!(services.matches("<li>").count() >= 5, "{services}");
    assert!(services.contains("/items/") && services.contains("示例"));
}

#[test]
fn no_developer_text_on_any_public_page() {
    for e in walkdir::WalkDir::new(demo())
        .into_iter()
        .filter_map(Result::ok)
    {
        let p = e.path();
        if p.extension().is_none_or(|x| x != "html") || p.starts_with(demo().join("_index")) {
            continue;
        }
        let t = text(&std::fs::read_to_string(p).unwrap());
        for dev in [
            "qingdan import",
            "qingdan diff",
            "sample = true",
            "sample=true",
            ".toml",
            "docs/",
            "本站由 qingdan",
        ] {
            assert!(!t.contains(dev), "{}: says “{dev}”", p.display());
        }
    }
    // Sample content is still marked, in words a citizen understands.
    assert!(page("index.html").contains("标有“示例”的内容为演示用的示例，不是官方公布的内容"));
}

#[test]
fn items_taken_out_keep_their_address_with_what_became_of_them() {
    // (old id, kind, words of what happened, where the power went)
    let cases: [(&str, &str, &str, &[&str]); 5] = [
        ("ylbzj-CF-b30390", "已取消", "取消，不再列入权责清单", &[]),
        (
            "fzhggwyh-JC-de99d9",
            "已合并",
            "合并为“对实行粮食收购入库、销售出库质量安全检验制度的检查”",
            &["fzhggwyh-JC-76c0c5"],
        ),
        (
            "fzhggwyh-JC-93decb",
            "已合并",
            "合并为",
            &["fzhggwyh-JC-76c0c5"],
        ),
        (
            "zfhcxjsj-QT-618da8",
            "已拆分",
            "拆分为 2 个事项",
            &["zfhcxjsj-QT-b71f89", "zfhcxjsj-QT-24b406"],
        ),
        (
            "zfhcxjsj-CF-7f226b",
            "已划转",
            "划转至克拉玛依市交通运输局",
            &["jtysj-CF-7f226b"],
        ),
    ];
    for (id, label, says, to) in cases {
        let html = page(&format!("items/{id}.html"));
        let t = text(&html);
        assert!(t.contains(label), "{id}: {label}");
        assert!(t.contains(says), "{id}: should say {says}");
        assert!(t.contains("2025 版清单"), "{id}: when");
        assert!(t.contains("依据"), "{id}: on what basis");
        assert!(
            html.contains("/editions/2025/#c-"),
            "{id}: link to the adjustment"
        );
        for new in to {
            let href = format!("href=\"/items/{new}.html\"");
            assert!(html.contains(&href), "{id}: link to {new}");
            assert!(demo().join(format!("items/{new}.html")).exists());
        }
    }
    // The adjustment page links the items taken out to their pages.
    let adjustment = page("editions/2025/index.html");
    for id in [
        "ylbzj-CF-b30390",
        "fzhggwyh-JC-de99d9",
        "fzhggwyh-JC-93decb",
    ] {
        assert!(
            adjustment.contains(&format!("href=\"/items/{id}.html\"")),
            "{id}"
        );
    }
    // The sitemap keeps them.
    let sitemap = page("sitemap.xml");
    assert!(sitemap.contains("/items/ylbzj-CF-b30390.html"));
    // An item whose code did not change on its transfer is the item page itself.
    let same = page("items/zfhcxjsj-CF-b43a28.html");
    assert!(!same.contains("本事项已不在现行清单中"));
}

#[test]
fn an_item_moved_up_or_down_says_so_at_its_top() {
    for (id, says) in [
        ("sthjj-XK-6e7d1b", "本事项已上收到上级办理"),
        ("zfhcxjsj-XK-f9e0c0", "本事项已下放到下级办理"),
        ("jtysj-QT-b64a16", "本事项已下放到下级办理"),
    ] {
        let html = page(&format!("items/{id}.html"));
        let banner = html
            .find("class=\"moved-banner\"")
            .unwrap_or_else(|| panic!("{id}"));
        assert!(banner < html.find("<h1>").unwrap(), "{id}: at the top");
        assert!(html[banner..].contains(says), "{id}");
        assert!(html[banner..].contains("实施层级由“"), "{id}: from and to");
    }
    // Not on an item that did not move.
    assert!(!page("items/swj-XK-24c671.html").contains("moved-banner"));
}

#[test]
fn the_guide_shows_the_official_code_a_plain_history_and_keeps_notes_in_print() {
    let html = page("items/swj-XK-24c671.html");
    let head = &html[html.find("<h1>").unwrap()..html.find("id=\"guide\"").unwrap()];
    // Its code is a row number of the spreadsheet: no code, and never the internal id.
    assert!(!head.contains("swj-XK-24c671"), "{head}");
    let official = page("items/650200207XK01600.html");
    assert!(official.contains("实施编码 <code>650200207XK01600</code>"));
    // The feedback block likewise: the official code with its name, no row number.
    let block = |h: &str| h[h.find("id=\"feedback\"").unwrap()..].to_string();
    assert!(
        block(&official).contains("<dt>实施编码</dt><dd><code>650200207XK01600</code>"),
        "{}",
        block(&official)
    );
    assert!(!block(&html).contains("<code>"), "{}", block(&html));
    // 在线办理 where the guide has an online address.
    assert!(head.contains("class=\"button-cta\" href=\"https://zwfw.xinjiang.gov.cn/\""));
    // History in plain Chinese.
    let history = text(&html[html.find("id=\"history\"").unwrap()..]);
    assert!(history.contains("2024 版　列入清单"), "{history}");
    assert!(!history.contains("版清单已列入"));
    // 其他说明 is printed (not in a no-print block), and the page's address.
    let notes = html.find("id=\"notes\"").unwrap();
    let before = &html[..notes];
    let open = before.rfind("<div class=\"").unwrap();
    assert!(before[open..].starts_with("<div class=\"guide-notes\""));
    assert!(html.contains("class=\"print-only print-url\""));
    // Both drawings of the flowchart, with their own ids.
    assert!(html.contains("aria-labelledby=\"fc-title fc-desc\""));
    assert!(html.contains("aria-labelledby=\"fcw-title fcw-desc\""));
}

#[test]
fn the_jurisdictions_logo_and_colours() {
    let home = page("index.html");
    assert!(home.contains("<style>:root{--brand:#8a1c1c;--brand-dark:"));
    assert!(home.contains("--link:#1d4f91}</style>"));
    assert!(home.contains("<img class=\"site-logo\" src=\"/assets/logo.svg\" alt=\"\""));
    assert!(demo().join("assets/logo.svg").exists());
}

/// A small list of one item, with `jurisdiction` as its jurisdiction.toml.
fn small(dir: &Path, jurisdiction: &str) -> PathBuf {
    let lists = dir.join("lists");
    write(&lists, "jurisdiction.toml", jurisdiction);
    write(
        &lists,
        "departments/tjj/department.toml",
        "id = \"tjj\"\nname = \"某市统计局\"\n",
    );
    write(&lists, "departments/tjj/items/tjj-CF-000001.toml", ITEM);
    lists
}

#[test]
fn base_url_of_jurisdiction_toml_when_no_base_url_is_given() {
    let dir = tempfile::tempdir().unwrap();
    let lists = small(
        dir.path(),
        "name = \"某市\"\nbase_url = \"https://qingdan.example.gov.cn\"\n\
         logo = \"../outside.svg\"\ncolors = { primary = \"#ffdd00\", accent = \"#1d4f91\" }\n",
    );
    let out = dir.path().join("site");
    let o = build_ok(&lists, &out);
    let stderr = String::from_utf8_lossy(&o.stderr);
    // A colour that does not read against white, and a logo outside the lists, are not used.
    assert!(
        stderr.contains("colors.primary \"#ffdd00\" 与白色的对比度"),
        "{stderr}"
    );
    assert!(stderr.contains("logo \"../outside.svg\""), "{stderr}");
    let item = std::fs::read_to_string(out.join("items/tjj-CF-000001.html")).unwrap();
    assert!(item.contains("<style>:root{--link:#1d4f91}</style>"));
    assert!(!item.contains("site-logo"));
    // The printed page and the sitemap carry the absolute address.
    assert!(item.contains("本页网址：https://qingdan.example.gov.cn/items/tjj-CF-000001.html"));
    let sitemap = std::fs::read_to_string(out.join("sitemap.xml")).unwrap();
    assert!(sitemap.contains("<loc>https://qingdan.example.gov.cn/items/tjj-CF-000001.html</loc>"));
    // --base-url wins.
    let o = qingdan()
        .args(["build", "--lists"])
        .arg(&lists)
        .arg("--out")
        .arg(&out)
        .args(["--base-url", "https://other.example.org"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let sitemap = std::fs::read_to_string(out.join("sitemap.xml")).unwrap();
    assert!(sitemap.contains("<loc>https://other.example.org/items/"));
}

#[test]
fn a_colour_that_is_not_a_colour_never_reaches_a_page() {
    let dir = tempfile::tempdir().unwrap();
    let lists = small(
        dir.path(),
        "name = \"某市\"\ncolors = { primary = \"red;}body{display:none\" }\n",
    );
    let out = dir.path().join("site");
    let o = build_ok(&lists, &out);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("不是 #rrggbb 形式的颜色"), "{stderr}");
    let item = std::fs::read_to_string(out.join("items/tjj-CF-000001.html")).unwrap();
    assert!(!item.contains("display:none") && !item.contains("<style>"));
}
