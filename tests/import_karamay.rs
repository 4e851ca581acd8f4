//! Each of the twelve real Karamay spreadsheets imports to the entry count verified by hand, and
//! the imported tree passes `check`.
//!
//! How the counts were made: every sheet was read row by row (xlrd for .xls with formatting info,
//! openpyxl for .xlsx), independently of qingdan. An item is a block of rows with its own serial
//! and name (an item whose cells are merged over several rows counts once; 住建 repeats the item
//! name on each sub-item row and merges only the serial; 人社's name merge for item 4 is one row
//! shorter than its serial merge). A sub-item is a row naming a 子项 (an item with a single 子项
//! counts one sub-item). entries = items without sub-items + sub-items. Checks: the largest
//! serial equals the item count in every file except 商务局, where row 22 is a complete item
//! without a serial (serials jump 19 → 21), counted as an item; same-named items with different
//! serials and bases (住建 126/137, 市场监管 339/340) count separately; 商务局's hidden columns
//! L:O (stale copies of P:S) and text hidden under merged cells (科技局 M6, N4, N6) are not data.

mod common;

use common::*;

/// (file, entries, items, sub_items)
const COUNTS: &[(&str, u64, u64, u64)] = &[
    ("2025年克拉玛依市统计局权责清单.xlsx", 3, 3, 0),
    ("克拉玛依市2025年消防监督执法权责清单.xlsx", 75, 75, 0),
    (
        "克拉玛依市人力资源和社会保障局2024年权责清单.xls",
        108,
        100,
        12,
    ),
    ("克拉玛依市住房和城乡建设局2024年权责清单.xls", 327, 323, 8),
    ("克拉玛依市医疗保障局2024年权责清单.xls", 17, 17, 0),
    ("克拉玛依市发展和改革委员会2024年权责清单.xls", 57, 57, 0),
    ("克拉玛依市商务局2024年权责清单.xlsx", 21, 21, 0),
    ("克拉玛依市档案局2024年权责清单.xlsx", 12, 12, 0),
    ("克拉玛依市生态环境局2024年权责清单.xls", 217, 217, 0),
    ("克拉玛依市科学技术局2024年权责清单.xls", 4, 4, 0),
    ("附件：克拉玛依市交通运输局2024年权责清单.xlsx", 360, 360, 1),
    (
        "附件：克拉玛依市市场监督管理局2024年权责清单.xls",
        442,
        442,
        0,
    ),
];

/// The first item file an import report says it wrote.
fn first_item(report: &serde_json::Value) -> String {
    report["written"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .find(|p| p.contains("/items/"))
        .unwrap()
}

fn import_one(file: &str) -> (tempfile::TempDir, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let out = qingdan()
        .args(["import", "--format", "json", "--into"])
        .arg(dir.path())
        .arg(fixture(&format!("karamay/{file}")))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let report = json(&out);
    (dir, report)
}

#[test]
fn every_spreadsheet_imports_to_its_hand_counted_entries_and_checks() {
    for (file, entries, items, subs) in COUNTS {
        let (dir, report) = import_one(file);
        assert_eq!(report["entries"], *entries, "{file} entries");
        assert_eq!(report["items"], *items, "{file} items");
        assert_eq!(report["sub_items"], *subs, "{file} sub-items");
        let sheet_sum: u64 = report["files"][0]["sheets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["entries"].as_u64().unwrap())
            .sum();
        assert_eq!(sheet_sum, *entries, "{file}: sheets add up");
        let (code, check) = check_json(dir.path());
        assert_eq!(code, 0, "{file}: check fails: {:#}", check["errors"]);
        assert_eq!(check["items"], *items, "{file}: check sees every item");
    }
}

#[test]
fn all_twelve_together_make_one_valid_tree() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = qingdan();
    cmd.args(["import", "--format", "json", "--into"])
        .arg(dir.path());
    for (file, ..) in COUNTS {
        cmd.arg(fixture(&format!("karamay/{file}")));
    }
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let report = json(&out);
    assert_eq!(report["entries"], 1643);
    assert_eq!(report["items"], 1631);
    let (code, check) = check_json(dir.path());
    assert_eq!(code, 0, "{:#}", check["errors"]);
    assert_eq!(check["stats"]["departments"], 12);
    assert_eq!(check["stats"]["entries"], 1643);
}

#[test]
fn the_file_that_lies_about_its_extension_is_read_as_xls_with_its_guide_columns() {
    let (dir, report) = import_one("克拉玛依市2025年消防监督执法权责清单.xlsx");
    let f = &report["files"][0];
    assert_eq!(f["format"], "xls");
    assert_eq!(f["department"], "克拉玛依市消防救援支队");
    assert_eq!(f["sheets"][0]["header_row"], 3);
    // The one licensing item keeps its real 职权编码 as id and its service-guide columns.
    let item = std::fs::read_to_string(
        dir.path()
            .join("departments/xfjyzd/items/650200207XK01600.toml"),
    )
    .unwrap();
    assert!(item.contains("name = \"公众聚集场所投入使用营业前消防安全检查\""));
    assert!(item.contains("[guide]"));
    assert!(item.contains("statutory_limit"));
    assert!(item.contains("告知承诺书"), "materials kept");
    assert!(
        item.contains("charged = false"),
        "无 in the fee column means no fee"
    );
    assert!(
        !item.contains("录入人"),
        "a clerk's name is not list content"
    );
    // A duplicated 职权编码 is reported and the second item gets another id.
    let notes = f["sheets"][0]["notes"].to_string();
    assert!(notes.contains("650200207CF49000"), "{notes}");
}

#[test]
fn hidden_columns_are_skipped_and_visible_duplicates_used() {
    let (_dir, report) = import_one("克拉玛依市商务局2024年权责清单.xlsx");
    let cols: Vec<String> = report["files"][0]["sheets"][0]["skipped_columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["column"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(cols, ["L", "M", "N", "O"]);
}

#[test]
fn sub_items_merged_or_repeated_are_grouped_under_one_item() {
    // 人社: item name merged over its sub-item rows.
    let (dir, _) = import_one("克拉玛依市人力资源和社会保障局2024年权责清单.xls");
    let items = dir.path().join("departments/rlzyhshbzj/items");
    let texts: Vec<String> = std::fs::read_dir(&items)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    let school = texts
        .iter()
        .find(|t| t.contains("name = \"民办职业培训学校设立、分立、合并、变更及终止审批\""))
        .expect("item 3 present");
    assert_eq!(school.matches("[[sub_items]]").count(), 5, "{school}");
    assert!(
        school.contains("name = \"民办职业培训学校分立审批\""),
        "numbering stripped"
    );
    // 住建: item name repeated on every sub-item row, serial merged.
    let (dir, _) = import_one("克拉玛依市住房和城乡建设局2024年权责清单.xls");
    let found = std::fs::read_dir(dir.path().join("departments/zfhcxjsj/items"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .find(|t| t.contains("name = \"建设类企业资质审核审批\""))
        .expect("item 1 present");
    assert_eq!(found.matches("[[sub_items]]").count(), 3);
}

#[test]
fn hard_wrapped_cells_are_joined_and_the_title_names_the_department() {
    let (dir, report) = import_one("2025年克拉玛依市统计局权责清单.xlsx");
    assert_eq!(report["files"][0]["department"], "克拉玛依市统计局");
    let dept = std::fs::read_to_string(dir.path().join("departments/tjj/department.toml")).unwrap();
    assert!(dept.contains("name = \"克拉玛依市统计局\""));
    let any = std::fs::read_dir(dir.path().join("departments/tjj/items"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .find(|t| t.contains("对拒绝配合统计调查、农业普查"))
        .expect("name joined across the hard line breaks");
    assert!(any.contains("category = \"行政处罚\""));
    assert!(
        any.contains("title = \"中华人民共和国统计法\""),
        "basis split into entries"
    );
}

#[test]
fn reimporting_the_same_file_changes_nothing() {
    let file = "克拉玛依市档案局2024年权责清单.xlsx";
    let (dir, first) = import_one(file);
    let written = first["written"].as_array().unwrap().len();
    assert!(written > 12);
    let out = qingdan()
        .args(["import", "--format", "json", "--into"])
        .arg(dir.path())
        .arg(fixture(&format!("karamay/{file}")))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let again = json(&out);
    assert_eq!(again["written"].as_array().unwrap().len(), 0);
    // Everything but jurisdiction.toml (written once, then the editor's) is compared again.
    assert_eq!(again["unchanged"], (written - 1) as u64);
    assert!(again["conflicts"].as_array().unwrap().is_empty());
}

#[test]
fn an_edited_file_is_never_overwritten_without_force() {
    let file = "克拉玛依市科学技术局2024年权责清单.xls";
    let (dir, first) = import_one(file);
    let rel = first_item(&first);
    let path = dir.path().join(&rel);
    let edited = std::fs::read_to_string(&path).unwrap() + "remarks = \"编辑加的备注\"\n";
    std::fs::write(&path, &edited).unwrap();
    let run = |force: bool| {
        let mut cmd = qingdan();
        cmd.args(["import", "--format", "json", "--into"])
            .arg(dir.path())
            .arg(fixture(&format!("karamay/{file}")));
        if force {
            cmd.arg("--force");
        }
        cmd.output().unwrap()
    };
    let out = run(false);
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    assert_eq!(report["conflicts"][0], rel.as_str());
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        edited,
        "not overwritten"
    );
    // The text report says what to do.
    let text = qingdan()
        .args(["import", "--into"])
        .arg(dir.path())
        .arg(fixture(&format!("karamay/{file}")))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&text.stdout).contains("--force"));
    let out = run(true);
    assert_eq!(out.status.code(), Some(0));
    assert_ne!(std::fs::read_to_string(&path).unwrap(), edited);
}

#[test]
fn dry_run_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = qingdan()
        .args(["import", "--dry-run", "--format", "json", "--into"])
        .arg(dir.path().join("lists"))
        .arg(fixture("karamay/克拉玛依市医疗保障局2024年权责清单.xls"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json(&out)["entries"], 17);
    assert!(!dir.path().join("lists").exists());
}

#[test]
fn force_keeps_what_an_editor_added_that_no_spreadsheet_holds() {
    let file = "克拉玛依市科学技术局2024年权责清单.xls";
    let (dir, first) = import_one(file);
    let rel = first_item(&first);
    let path = dir.path().join(&rel);
    let added = "\n[[supervision]]\nmethod = \"双随机一公开\"\nobject = \"科技计划项目承担单位\"\nsample = true\n";
    let edited = std::fs::read_to_string(&path).unwrap() + added;
    std::fs::write(&path, &edited).unwrap();
    // The spreadsheet has no supervision column: the addition is not a conflict.
    let out = qingdan()
        .args(["import", "--format", "json", "--into"])
        .arg(dir.path())
        .arg(fixture(&format!("karamay/{file}")))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(json(&out)["conflicts"].as_array().unwrap().is_empty());
    // A changed spreadsheet value is a conflict; with --force it is written and the
    // supervision measure stays.
    let changed = edited.replacen("name = \"", "name = \"改过的", 1);
    std::fs::write(&path, &changed).unwrap();
    let out = qingdan()
        .args(["import", "--force", "--format", "json", "--into"])
        .arg(dir.path())
        .arg(fixture(&format!("karamay/{file}")))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let now = std::fs::read_to_string(&path).unwrap();
    assert!(!now.contains("改过的"), "the spreadsheet's name is back");
    assert!(
        now.contains("科技计划项目承担单位"),
        "the editor's supervision measure is kept"
    );
}
