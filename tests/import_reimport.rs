//! The yearly re-import on real files (tests/fixtures/karamay-reimport, made by its make.py):
//! next year's spreadsheets of four departments — one renamed, one without its title row, one
//! with its columns in another order — update the lists with every kind of adjustment, each
//! classified exactly; and every one of the twelve real spreadsheets re-imported as it is, as
//! xlsx, without its title row or with its department in the short form changes nothing.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::*;

fn corpus(rel: &str) -> PathBuf {
    fixture("karamay-reimport").join(rel)
}

fn expected() -> toml::Value {
    let text = std::fs::read_to_string(corpus("expected.toml")).unwrap();
    toml::from_str(&text).unwrap()
}

fn import(into: &Path, files: &[PathBuf], extra: &[&str]) -> serde_json::Value {
    let out = qingdan()
        .arg("import")
        .args(files)
        .arg("--into")
        .arg(into)
        .args(["--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    json(&out)
}

fn names(v: &serde_json::Value) -> BTreeSet<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_string())
        .collect()
}

const KINDS: [&str; 9] = [
    "added",
    "cancelled",
    "modified",
    "renamed",
    "delegated",
    "recentralized",
    "transferred",
    "merged",
    "split",
];

#[test]
fn next_year_s_spreadsheets_update_the_lists_kind_by_kind() {
    let exp = expected();
    let dir = tempfile::tempdir().unwrap();
    let lists = dir.path().join("lists");
    let a: Vec<PathBuf> = [
        "克拉玛依市档案局2024年权责清单.xlsx",
        "2025年克拉玛依市统计局权责清单.xlsx",
        "克拉玛依市商务局2024年权责清单.xlsx",
        "克拉玛依市科学技术局2024年权责清单.xls",
    ]
    .iter()
    .map(|f| fixture("karamay").join(f))
    .collect();
    import(&lists, &a, &[]);
    let departments = folders(&lists);
    assert_eq!(departments, ["daj", "kxjsj", "swj", "tjj"]);
    let before = files_in(&lists);
    let b: Vec<PathBuf> = [
        "克拉玛依市档案局2025年权责清单.xlsx",
        "统计局权责清单2025.xlsx",
        "克拉玛依市商务和经济合作局2025年权责清单.xlsx",
        "克拉玛依市科学技术局2025年权责清单.xlsx",
    ]
    .iter()
    .map(|f| corpus("yearly").join(f))
    .collect();

    // First a dry run: the adjustment, and nothing written.
    let dry = import(&lists, &b, &["--update", "--dry-run"]);
    assert_eq!(files_in(&lists), before, "a dry run writes nothing");
    // Each file found its department: the renamed one by its items, the untitled one by the
    // short name in its body column.
    let matched: Vec<(&str, &str)> = dry["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["department_id"].as_str().unwrap(),
                f["department_match"].as_str().unwrap_or("new"),
            )
        })
        .collect();
    assert_eq!(
        matched,
        [
            ("daj", "name"),
            ("tjj", "name"),
            ("swj", "items"),
            ("kxjsj", "name")
        ]
    );

    let report = import(&lists, &b, &["--update"]);
    assert_eq!(folders(&lists), departments, "no second department");
    assert_eq!(
        report["adjustment"], dry["adjustment"],
        "the dry run showed what was done"
    );

    // The adjustment equals `diff` between before and after.
    let before_dir = dir.path().join("before");
    import(&before_dir, &a, &[]);
    let diff = diff_json(&before_dir, &lists);
    assert_eq!(diff["summary"], report["adjustment"]["summary"]);

    let summary = &diff["summary"];
    for kind in KINDS.iter().chain(&["unchanged"]) {
        assert_eq!(
            summary[kind].as_i64(),
            exp["summary"][kind].as_integer(),
            "{kind}: {summary:#}"
        );
    }
    // Each intended change, with its kind and its items on both sides.
    let changes = diff["changes"].as_array().unwrap();
    let mut found: Vec<(String, BTreeSet<String>, BTreeSet<String>)> = changes
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap().to_string(),
                names(&c["old_names"]),
                names(&c["new_names"]),
            )
        })
        .collect();
    for e in exp["change"].as_array().unwrap() {
        let kind = e["kind"].as_str().unwrap();
        let old: BTreeSet<String> = e["old_names"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap().to_string())
            .collect();
        let new: BTreeSet<String> = e["new_names"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap().to_string())
            .collect();
        let at = found
            .iter()
            .position(|(k, o, n)| k == kind && *o == old && *n == new)
            .unwrap_or_else(|| {
                panic!(
                    "expected {kind} {old:?} → {new:?} ({}); the diff has:\n{found:#?}",
                    e["note"]
                )
            });
        found.remove(at);
    }
    assert!(found.is_empty(), "changes nobody made: {found:#?}");
}

#[test]
fn re_importing_every_spreadsheet_in_any_dress_changes_nothing() {
    let exp = expected();
    let variants = exp["variant"].as_array().unwrap();
    let originals: Vec<PathBuf> = variants
        .iter()
        .map(|v| fixture("karamay").join(v["original"].as_str().unwrap()))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let lists = dir.path().join("lists");
    import(&lists, &originals, &[]);
    let departments = folders(&lists);
    assert_eq!(departments.len(), 12);
    let before = files_in(&lists);
    for dress in ["original", "converted", "notitle", "short"] {
        let files: Vec<PathBuf> = variants
            .iter()
            .map(|v| match dress {
                "original" => fixture("karamay").join(v["original"].as_str().unwrap()),
                _ => corpus(v[dress].as_str().unwrap()),
            })
            .collect();
        let copy = dir.path().join(dress);
        for (rel, bytes) in &before {
            write(&copy, rel, bytes);
        }
        let report = import(&copy, &files, &["--update"]);
        assert_eq!(folders(&copy), departments, "{dress}: a second department");
        for f in report["files"].as_array().unwrap() {
            assert!(
                f["department_match"].is_string(),
                "{dress}: {} not recognised: {f:#}",
                f["path"]
            );
        }
        let adjustment = &report["adjustment"];
        assert!(
            adjustment["changes"].as_array().unwrap().is_empty(),
            "{dress}: {:#}",
            adjustment["changes"]
        );
        assert_eq!(
            adjustment["summary"]["unchanged"], report["items"],
            "{dress}"
        );
        let d = diff_json(&lists, &copy);
        assert!(
            d["changes"].as_array().unwrap().is_empty(),
            "{dress}: {d:#}"
        );
        if dress == "original" {
            assert!(
                report["written"].as_array().unwrap().is_empty(),
                "{report:#}"
            );
            assert_eq!(files_in(&copy), before);
        }
    }
}
