//! `import --update` with real spreadsheets: a department's edited spreadsheet (rows dropped,
//! added, reworded, level changed, merged, one moved to another department's file — see
//! tests/fixtures/karamay-edited/make.py) updates the lists in place, keeping ids, and `diff`
//! between before and after reads as the adjustment.

mod common;

use std::path::{Path, PathBuf};

use common::*;

const ARCHIVES: &str = "karamay/克拉玛依市档案局2024年权责清单.xlsx";
const STATS: &str = "karamay/2025年克拉玛依市统计局权责清单.xlsx";
const ARCHIVES_EDITED: &str = "karamay-edited/克拉玛依市档案局2025年权责清单（修改稿）.xlsx";
const STATS_EDITED: &str = "karamay-edited/2025年克拉玛依市统计局权责清单（修改稿）.xlsx";

fn import(into: &Path, files: &[&str], extra: &[&str]) -> serde_json::Value {
    let out = qingdan()
        .arg("import")
        .args(files.iter().map(|f| fixture(f)))
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

fn setup() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let lists = dir.path().join("lists");
    import(&lists, &[ARCHIVES, STATS], &[]);
    let before = dir.path().join("before");
    copy_tree(&lists, &before);
    (dir, lists, before)
}

fn item_files(lists: &Path) -> Vec<String> {
    let mut v: Vec<String> = walkdir::WalkDir::new(lists.join("departments"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().parent().is_some_and(|p| p.ends_with("items")))
        .map(|e| e.path().strip_prefix(lists).unwrap().display().to_string())
        .collect();
    v.sort();
    v
}

#[test]
fn a_department_s_edited_spreadsheet_reads_as_its_adjustment() {
    let (_dir, lists, before) = setup();
    let report = import(&lists, &[ARCHIVES_EDITED, STATS_EDITED], &["--update"]);
    let u = &report["update"];
    assert_eq!(u["departments"], serde_json::json!(["daj", "tjj"]));
    assert_eq!(u["unchanged"], 7, "{u:#}");
    assert_eq!(u["changed"].as_array().unwrap().len(), 3, "{u:#}");
    assert_eq!(u["moved"].as_array().unwrap().len(), 1);
    assert_eq!(
        u["added"].as_array().unwrap().len(),
        2,
        "the merged item and the new one"
    );
    assert_eq!(
        u["removed"].as_array().unwrap().len(),
        4,
        "two cancelled, two merged away"
    );

    let (code, check) = check_json(&lists);
    assert_eq!(code, 0, "{check:#}");

    let d = diff_json(&before, &lists);
    let s = &d["summary"];
    for (kind, n) in [
        ("added", 1),
        ("cancelled", 2),
        ("modified", 1),
        ("renamed", 1),
        ("delegated", 1),
        ("recentralized", 0),
        ("transferred", 1),
        ("merged", 1),
        ("split", 0),
        ("unchanged", 7),
    ] {
        assert_eq!(s[kind], n, "{kind}: {s:#}");
    }
    // Matched items kept their ids and files; the moved one kept its id in its new department.
    let moved = &u["moved"][0];
    assert_eq!(moved[0], "departments/daj/items/daj-QT-8d89c3.toml");
    assert_eq!(moved[1], "departments/tjj/items/daj-QT-8d89c3.toml");
    let renamed = d["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "renamed")
        .unwrap();
    assert_eq!(renamed["old_ids"], renamed["new_ids"]);
}

#[test]
fn re_importing_an_unchanged_spreadsheet_changes_nothing() {
    let (_dir, lists, before) = setup();
    let files = item_files(&lists);
    let report = import(&lists, &[ARCHIVES, STATS], &["--update"]);
    assert!(
        report["written"].as_array().unwrap().is_empty(),
        "{report:#}"
    );
    assert!(report["removed"].as_array().unwrap().is_empty());
    assert_eq!(report["update"]["unchanged"], 15);
    assert_eq!(item_files(&lists), files);
    assert!(
        diff_json(&before, &lists)["changes"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn what_editors_added_survives_an_update() {
    let (_dir, lists, _before) = setup();
    let path = lists.join("departments/daj/items/daj-QT-f8a265.toml");
    let text = std::fs::read_to_string(&path).unwrap()
        + "\n[[supervision]]\nmethod = \"双随机一公开\"\nobject = \"档案中介服务机构\"\nfrequency = \"每年一次\"\n";
    std::fs::write(&path, text).unwrap();
    import(&lists, &[ARCHIVES_EDITED, STATS_EDITED], &["--update"]);
    let after = std::fs::read_to_string(&path).unwrap();
    assert!(
        after.contains("对档案中介服务机构及其从业人员的监督管理"),
        "renamed in place"
    );
    assert!(
        after.contains("双随机一公开"),
        "the editor's supervision measure is kept"
    );
}

#[test]
fn dry_run_and_bad_use() {
    let (_dir, lists, before) = setup();
    let report = import(
        &lists,
        &[ARCHIVES_EDITED, STATS_EDITED],
        &["--update", "--dry-run"],
    );
    assert_eq!(report["removed"].as_array().unwrap().len(), 5, "{report:#}");
    assert!(
        diff_json(&before, &lists)["changes"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // --update needs lists to update.
    let empty = tempfile::tempdir().unwrap();
    let out = qingdan()
        .arg("import")
        .arg(fixture(ARCHIVES))
        .arg("--into")
        .arg(empty.path().join("lists"))
        .arg("--update")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("第一次导入请不加 --update"));
}
