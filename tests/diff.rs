//! `qingdan diff` on constructed pairs of trees holding every kind of change: the exact
//! classification, mirror symmetry, a tree against itself, git revisions against folders, and
//! declared vs actual (`check --against`).

mod common;

use std::path::Path;
use std::process::Command as Std;

use common::*;

struct It<'a> {
    id: &'a str,
    dept: &'a str,
    name: &'a str,
    category: &'a str,
    level: &'a str,
    law: &'a str,
    unit: &'a str,
}

const fn it<'a>(id: &'a str, dept: &'a str, name: &'a str, law: &'a str) -> It<'a> {
    It {
        id,
        dept,
        name,
        category: "行政处罚",
        level: "市级",
        law,
        unit: "执法支队",
    }
}

fn item_toml(i: &It) -> String {
    format!(
        "id = \"{}\"\nname = \"{}\"\ncategory = \"{}\"\ndepartment = \"{}\"\nunit = \"{}\"\nlevel = \"{}\"\n\n[basis]\ntext = \"【法律】《{}》第一条\"\n",
        i.id, i.name, i.category, i.dept, i.unit, i.level, i.law
    )
}

fn tree(root: &Path, edition: &str, items: &[It]) {
    if root.exists() {
        std::fs::remove_dir_all(root).unwrap();
    }
    write(
        root,
        "jurisdiction.toml",
        format!("name = \"测试市\"\nedition = \"{edition}\"\n"),
    );
    for (d, name) in [("scj", "测试市市场监督管理局"), ("stj", "测试市生态环境局")]
    {
        write(
            root,
            &format!("departments/{d}/department.toml"),
            format!("id = \"{d}\"\nname = \"{name}\"\n"),
        );
    }
    for i in items {
        write(
            root,
            &format!("departments/{}/items/{}.toml", i.dept, i.id),
            item_toml(i),
        );
    }
}

const FOOD: &str = "中华人民共和国食品安全法";
const AIR: &str = "中华人民共和国大气污染防治法";
const WASTE: &str = "中华人民共和国固体废物污染环境防治法";

fn old_items() -> Vec<It<'static>> {
    vec![
        it("scj-001", "scj", "对生产经营腐败变质食品的处罚", FOOD),
        it(
            "scj-002",
            "scj",
            "对未取得食品生产许可从事食品生产活动的处罚",
            FOOD,
        ),
        It {
            unit: "食品安全监督管理科",
            ..it("scj-003", "scj", "食品经营许可", FOOD)
        },
        it(
            "scj-004",
            "scj",
            "对食品生产企业未建立食品安全管理制度的处罚",
            FOOD,
        ),
        it(
            "scj-005",
            "scj",
            "对餐具饮具集中消毒服务单位违法行为的处罚",
            FOOD,
        ),
        It {
            level: "县级",
            ..it("scj-006", "scj", "对食品摊贩违法行为的处罚", FOOD)
        },
        it("scj-007", "scj", "对超标排放大气污染物的处罚", AIR),
        it(
            "stj-001",
            "stj",
            "对未按规定报送危险废物管理计划的处罚",
            WASTE,
        ),
        it(
            "stj-002",
            "stj",
            "对未按规定申报危险废物产生种类和产生量的处罚",
            WASTE,
        ),
        it(
            "stj-003",
            "stj",
            "对擅自倾倒堆放丢弃遗撒固体废物的处罚",
            WASTE,
        ),
        it(
            "stj-004",
            "stj",
            "对医疗废物集中处置单位违法行为的处罚",
            WASTE,
        ),
        it("scj-010", "scj", "对食品标签不符合规定的处罚", FOOD),
        it(
            "scj-011",
            "scj",
            "对网络食品交易第三方平台违法行为的处罚",
            FOOD,
        ),
    ]
}

fn new_items() -> Vec<It<'static>> {
    vec![
        // scj-001 unchanged
        it("scj-001", "scj", "对生产经营腐败变质食品的处罚", FOOD),
        // scj-002 cancelled (gone)
        // scj-003 modified: the unit changed
        It {
            unit: "行政审批科",
            ..it("scj-003", "scj", "食品经营许可", FOOD)
        },
        // scj-004 renamed, same id
        it(
            "scj-004",
            "scj",
            "对食品生产经营企业未建立健全食品安全管理制度的处罚",
            FOOD,
        ),
        // scj-005 delegated: 市级 → 县级
        It {
            level: "县级",
            ..it(
                "scj-005",
                "scj",
                "对餐具饮具集中消毒服务单位违法行为的处罚",
                FOOD,
            )
        },
        // scj-006 recentralized: 县级 → 市级
        it("scj-006", "scj", "对食品摊贩违法行为的处罚", FOOD),
        // scj-007 transferred to stj, same id
        it("scj-007", "stj", "对超标排放大气污染物的处罚", AIR),
        // stj-001 + stj-002 merged into stj-101
        it(
            "stj-101",
            "stj",
            "对未按规定报送危险废物管理计划、申报危险废物产生种类和产生量的处罚",
            WASTE,
        ),
        // stj-003 split into stj-103a and stj-103b
        it("stj-103a", "stj", "对擅自倾倒堆放固体废物的处罚", WASTE),
        it("stj-103b", "stj", "对丢弃遗撒固体废物的处罚", WASTE),
        // stj-004 unchanged
        it(
            "stj-004",
            "stj",
            "对医疗废物集中处置单位违法行为的处罚",
            WASTE,
        ),
        // scj-010 re-coded: same name, new id → modified, matched by name
        it("scj-210", "scj", "对食品标签不符合规定的处罚", FOOD),
        // scj-011 transferred and re-coded: same name in another department
        it(
            "stj-211",
            "stj",
            "对网络食品交易第三方平台违法行为的处罚",
            FOOD,
        ),
        // added
        it(
            "scj-300",
            "scj",
            "对特殊医学用途配方食品未经注册生产的处罚",
            FOOD,
        ),
    ]
}

type Row = (String, Vec<String>, Vec<String>);

fn rows(d: &serde_json::Value) -> Vec<Row> {
    let strs = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect()
    };
    let mut r: Vec<Row> = d["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap().to_string(),
                strs(&c["old_ids"]),
                strs(&c["new_ids"]),
            )
        })
        .collect();
    r.sort();
    r
}

fn row(kind: &str, old: &[&str], new: &[&str]) -> Row {
    (
        kind.to_string(),
        old.iter().map(|s| s.to_string()).collect(),
        new.iter().map(|s| s.to_string()).collect(),
    )
}

fn pair() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    tree(&a, "2024", &old_items());
    tree(&b, "2025", &new_items());
    (dir, a, b)
}

fn expected() -> Vec<Row> {
    let mut e = vec![
        row("cancelled", &["scj-002"], &[]),
        row("modified", &["scj-003"], &["scj-003"]),
        row("renamed", &["scj-004"], &["scj-004"]),
        row("delegated", &["scj-005"], &["scj-005"]),
        row("recentralized", &["scj-006"], &["scj-006"]),
        row("transferred", &["scj-007"], &["scj-007"]),
        row("merged", &["stj-001", "stj-002"], &["stj-101"]),
        row("split", &["stj-003"], &["stj-103a", "stj-103b"]),
        row("modified", &["scj-010"], &["scj-210"]),
        row("transferred", &["scj-011"], &["stj-211"]),
        row("added", &[], &["scj-300"]),
    ];
    e.sort();
    e
}

#[test]
fn every_kind_is_classified_exactly() {
    let (_dir, a, b) = pair();
    let d = diff_json(&a, &b);
    assert_eq!(rows(&d), expected(), "{d:#}");
    let s = &d["summary"];
    for (k, n) in [
        ("added", 1),
        ("cancelled", 1),
        ("modified", 2),
        ("renamed", 1),
        ("delegated", 1),
        ("recentralized", 1),
        ("transferred", 2),
        ("merged", 1),
        ("split", 1),
        ("unchanged", 2),
    ] {
        assert_eq!(s[k], n, "{k}: {s:#}");
    }
    // Field-level detail with character highlights.
    let renamed = d["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "renamed")
        .unwrap();
    let name = renamed["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "name")
        .unwrap();
    let marked: Vec<&str> = name["new_parts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["changed"] == true)
        .map(|p| p["text"].as_str().unwrap())
        .collect();
    assert_eq!(marked, vec!["经营", "健全"], "{name:#}");
    let transferred = d["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "transferred" && c["old_ids"][0] == "scj-007")
        .unwrap();
    assert_eq!(transferred["old_department"], "测试市市场监督管理局");
    assert_eq!(transferred["department"], "测试市生态环境局");
}

#[test]
fn diff_mirrors() {
    let (_dir, a, b) = pair();
    let forward = rows(&diff_json(&a, &b));
    let backward = rows(&diff_json(&b, &a));
    fn mirror(k: &str) -> &str {
        match k {
            "added" => "cancelled",
            "cancelled" => "added",
            "merged" => "split",
            "split" => "merged",
            "delegated" => "recentralized",
            "recentralized" => "delegated",
            k => k,
        }
    }
    let mut mirrored: Vec<Row> = forward
        .into_iter()
        .map(|(k, o, n)| (mirror(&k).to_string(), n, o))
        .collect();
    mirrored.sort();
    assert_eq!(mirrored, backward);
}

#[test]
fn a_tree_against_itself_is_empty() {
    let (_dir, a, _) = pair();
    let d = diff_json(&a, &a);
    assert!(d["changes"].as_array().unwrap().is_empty());
    assert_eq!(d["summary"]["unchanged"], 13);
    // And the demo lists, with every real-world oddity.
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("lists");
    let d = diff_json(&demo, &demo);
    assert!(d["changes"].as_array().unwrap().is_empty());
}

#[test]
fn text_markdown_and_html() {
    let (_dir, a, b) = pair();
    for (format, needles) in [
        ("text", vec!["合并", "划转", "未声明", "测试市生态环境局"]),
        (
            "markdown",
            vec!["### 合并（1）", "<ins>健全</ins>", "| 类型 | 数量 |"],
        ),
        (
            "html",
            vec!["<html lang=\"zh-CN\">", "<ins>健全</ins>", "合并（1 项）"],
        ),
    ] {
        let out = qingdan()
            .args(["diff", "--format", format])
            .arg(&a)
            .arg(&b)
            .output()
            .unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        for n in needles {
            assert!(text.contains(n), "{format} lacks {n}:\n{text}");
        }
        assert!(!text.contains("\u{1b}["), "no colour when not a terminal");
    }
}

#[test]
fn list_text_is_escaped_in_html_and_markdown() {
    let (_dir, a, b) = pair();
    let path = b.join("departments/scj/items/scj-300.toml");
    let text = std::fs::read_to_string(&path).unwrap().replace(
        "对特殊医学用途配方食品未经注册生产的处罚",
        "<script>alert(1)</script>|*x*",
    );
    std::fs::write(&path, text).unwrap();
    for format in ["html", "markdown"] {
        let out = qingdan()
            .args(["diff", "--format", format])
            .arg(&a)
            .arg(&b)
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(!text.contains("<script>alert"), "{format}");
        assert!(text.contains("&lt;script&gt;"), "{format}");
    }
}

/// Run git in `dir` (it must succeed); its output, trimmed.
fn git(dir: &Path, args: &[&str]) -> String {
    let st = Std::new("git")
        .args(["-c", "user.name=测试", "-c", "user.email=t@example.org"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&st.stderr)
    );
    String::from_utf8_lossy(&st.stdout).trim().to_string()
}

/// A repository whose `lists/` holds the old tree at tag v1 and the new tree at tag v2.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git(root, &["init", "-q", "-b", "main"]);
    tree(&root.join("lists"), "2024", &old_items());
    git(root, &["add", "-A"]);
    git(root, &["commit", "-qm", "2024"]);
    git(root, &["tag", "v1"]);
    tree(&root.join("lists"), "2025", &new_items());
    git(root, &["add", "-A"]);
    git(root, &["commit", "-qm", "2025"]);
    git(root, &["tag", "v2"]);
    dir
}

#[test]
fn git_revisions_equal_folders() {
    let (_d, a, b) = pair();
    let from_dirs = diff_json(&a, &b);
    let r = repo();
    let lists = r.path().join("lists");
    for (old, new) in [("v1", "v2"), ("HEAD~1", "HEAD"), ("v1:lists", "main:lists")] {
        let from_git = diff_json_lists(&lists, old, new);
        assert_eq!(from_git["summary"], from_dirs["summary"], "{old}..{new}");
        assert_eq!(from_git["changes"], from_dirs["changes"], "{old}..{new}");
    }
    // A revision against the working folder; the folder was not touched by reading history.
    let d = diff_json_lists(&lists, "v1", lists.to_str().unwrap());
    assert_eq!(rows(&d), expected());
    // Run from inside the repository with the default --lists.
    let out = qingdan()
        .current_dir(r.path())
        .args(["diff", "--format", "json", "v1", "v2"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(rows(&json(&out)), expected());
}

/// A repository with replacement objects (`git replace`): gix refuses pack locations unless
/// told to ignore them, which made reading any revision of such a repository panic.
#[test]
fn git_revisions_with_replace_refs() {
    let (_d, a, b) = pair();
    let r = repo();
    let blob = |text: &str| {
        std::fs::write(r.path().join("blob.txt"), text).unwrap();
        git(r.path(), &["hash-object", "-w", "blob.txt"])
    };
    let (x, y) = (blob("甲"), blob("乙"));
    git(r.path(), &["replace", &x, &y]);
    git(r.path(), &["gc", "-q"]);
    let lists = r.path().join("lists");
    let from_git = diff_json_lists(&lists, "v1", "v2");
    let from_dirs = diff_json(&a, &b);
    assert_eq!(from_git["summary"], from_dirs["summary"]);
    assert_eq!(from_git["changes"], from_dirs["changes"]);
}

fn diff_json_lists(lists: &Path, old: &str, new: &str) -> serde_json::Value {
    use std::ffi::OsStr;
    diff_json_with([
        OsStr::new("--lists"),
        lists.as_os_str(),
        OsStr::new(old),
        OsStr::new(new),
    ])
}

#[test]
fn bad_revisions_say_what_to_do() {
    let r = repo();
    let lists = r.path().join("lists");
    let out = qingdan()
        .args(["diff", "--lists"])
        .arg(&lists)
        .args(["v9", "v2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("v9") && err.contains("git tag"), "{err}");
    // In Chinese, naming the tags that exist.
    assert!(err.contains("仓库中没有这个版本"), "{err}");
    assert!(err.contains("已有的标签：v1、v2"), "{err}");
    // Not a repository at all.
    let plain = tempfile::tempdir().unwrap();
    tree(&plain.path().join("lists"), "2024", &old_items());
    let out = qingdan()
        .args(["diff", "--lists"])
        .arg(plain.path().join("lists"))
        .args(["HEAD", "HEAD"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("git 仓库"), "{err}");
}

const DECLARED: &str = r#"edition = "2025"
date = "2025-06-30"
document = "测政发〔2025〕1号"

[[changes]]
kind = "取消"
old_ids = ["scj-002"]
basis = "国务院关于取消和调整一批罚款事项的决定"
document = "国发〔2023〕20号"

[[changes]]
kind = "调整"
old_ids = ["scj-003"]
new_ids = ["scj-003"]
reason = "承办机构调整"

[[changes]]
kind = "更名"
new_ids = ["scj-004"]

[[changes]]
kind = "下放"
new_ids = ["scj-005"]

[[changes]]
kind = "上收"
new_ids = ["scj-006"]

[[changes]]
kind = "划转"
old_ids = ["scj-007", "scj-011"]
new_ids = ["scj-007", "stj-211"]

[[changes]]
kind = "合并"
old_ids = ["stj-001", "stj-002"]
new_ids = ["stj-101"]

[[changes]]
kind = "拆分"
old_ids = ["stj-003"]
new_ids = ["stj-103a", "stj-103b"]

[[changes]]
kind = "调整"
old_ids = ["scj-010"]
new_ids = ["scj-210"]
reason = "重新编码"

[[changes]]
kind = "新增"
new_ids = ["scj-300"]
"#;

fn check_against(lists: &Path, rev: &str) -> (i32, serde_json::Value) {
    let out = qingdan()
        .args(["check", "--format", "json", "--lists"])
        .arg(lists)
        .args(["--against", rev])
        .output()
        .unwrap();
    (out.status.code().unwrap_or(-1), json(&out))
}

#[test]
fn declared_vs_actual() {
    let r = repo();
    let lists = r.path().join("lists");
    // Nothing declared: every change is an error of check --against.
    let (code, report) = check_against(&lists, "v1");
    assert_eq!(code, 1);
    let undeclared = diags(&report)
        .iter()
        .filter(|d| d.0 == "undeclared-change")
        .count();
    assert_eq!(undeclared, 11, "{report:#}");
    // Point at the new item's name.
    assert!(diags(&report).contains(&(
        "undeclared-change".to_string(),
        "departments/scj/items/scj-300.toml".to_string(),
        2,
        8
    )));

    // Everything declared: check passes and diff marks every change declared.
    write(&lists, "adjustments/2025.toml", DECLARED);
    let (code, report) = check_against(&lists, "v1");
    assert_eq!(code, 0, "{report:#}");
    let d = diff_json_lists(&lists, "v1", lists.to_str().unwrap());
    assert_eq!(d["summary"]["undeclared"], 0, "{d:#}");
    let cancelled = d["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "cancelled")
        .unwrap();
    assert_eq!(cancelled["declared"], true);
    assert_eq!(
        cancelled["basis"],
        "国务院关于取消和调整一批罚款事项的决定（国发〔2023〕20号）"
    );

    // A wrong kind and a declaration that did not happen are both errors.
    let wrong = DECLARED.replace("kind = \"更名\"", "kind = \"调整\"")
        + "\n[[changes]]\nkind = \"取消\"\nold_ids = [\"scj-001\"]\n";
    write(&lists, "adjustments/2025.toml", &wrong);
    let (code, report) = check_against(&lists, "v1");
    assert_eq!(code, 1);
    let rules: Vec<String> = diags(&report).into_iter().map(|d| d.0).collect();
    assert!(
        rules.contains(&"undeclared-change".to_string()),
        "{report:#}"
    );
    assert_eq!(
        rules
            .iter()
            .filter(|r| *r == "declared-change-not-found")
            .count(),
        2,
        "the 调整 of scj-004 that is a 更名, and the 取消 of scj-001: {report:#}"
    );
    let d = diff_json_lists(&lists, "v1", lists.to_str().unwrap());
    let renamed = d["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "renamed")
        .unwrap();
    assert_eq!(renamed["declared"], false);
    assert_eq!(renamed["declared_as"], "调整");
}

#[test]
fn the_site_shows_editions_history_and_feed() {
    let r = repo();
    let lists = r.path().join("lists");
    write(&lists, "adjustments/2025.toml", DECLARED);
    let j = std::fs::read_to_string(lists.join("jurisdiction.toml")).unwrap()
        + "\n[[editions]]\nrev = \"v1\"\npublished = \"2024-06-30\"\n";
    write(&lists, "jurisdiction.toml", j);
    let out_dir = r.path().join("site");
    let out = qingdan()
        .args(["build", "--lists"])
        .arg(&lists)
        .arg("--out")
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = |rel: &str| std::fs::read_to_string(out_dir.join(rel)).unwrap();
    let editions = page("editions/index.html");
    assert!(
        editions.contains("2024 版") && editions.contains("2025 版"),
        "{editions}"
    );
    assert!(editions.contains("精简比例"));
    let adj = page("editions/2025/index.html");
    for needle in [
        "取消（1 项）",
        "合并（1 项）",
        "国发〔2023〕20号",
        "<ins>健全</ins>",
        "✓ 已声明",
        "data-kind=\"split\"",
    ] {
        assert!(adj.contains(needle), "adjustment page lacks {needle}");
    }
    let item = page("items/scj-004.html");
    assert!(item.contains("历次调整") && item.contains("更名"), "{item}");
    let merged = page("items/stj-101.html");
    assert!(merged.contains("合并而成"));
    let feed = page("editions/feed.xml");
    assert!(feed.starts_with("<?xml") && feed.contains("<entry>"));
    assert_eq!(feed.matches("<entry>").count(), 11);
}

#[test]
fn editions_can_come_from_git_tags() {
    let r = repo();
    let lists = r.path().join("lists");
    write(&lists, "adjustments/2025.toml", DECLARED);
    // v1 is the 2024 edition; v2 is the version being built (the same edition), not repeated.
    let j = std::fs::read_to_string(lists.join("jurisdiction.toml")).unwrap()
        + "edition_tags = \"v*\"\n";
    write(&lists, "jurisdiction.toml", j);
    let out_dir = r.path().join("site");
    let out = qingdan()
        .args(["build", "--format", "json", "--lists"])
        .arg(&lists)
        .arg("--out")
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let built = json(&out);
    assert_eq!(built["editions"], 2, "{built:#}");
    assert!(out_dir.join("editions/2025/index.html").exists());
    // A revision that is not there is a warning, not a failed build.
    let j = std::fs::read_to_string(lists.join("jurisdiction.toml")).unwrap()
        + "\n[[editions]]\nrev = \"no-such-tag\"\n";
    write(&lists, "jurisdiction.toml", j);
    let out = qingdan()
        .args(["build", "--format", "json", "--lists"])
        .arg(&lists)
        .arg("--out")
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(out.status.success());
    let built = json(&out);
    let warnings = built["warnings"].to_string();
    assert!(warnings.contains("no-such-tag"), "{built:#}");
}
