//! `import --catalogue` on a two-level guiding catalogue made from the real 商务局 list
//! (tests/fixtures/karamay-catalogue/make.py: a 市级 sheet and a 县级 sheet): each matter is one
//! catalogue item with an entry per level, no department is made, and a district claiming the
//! result is checked against it.

mod common;

use std::path::{Path, PathBuf};

use common::*;

const WORKBOOK: &str = "karamay-catalogue/商务系统地县两级权责清单指导目录.xlsx";

fn import(into: &Path, extra: &[&str]) -> serde_json::Value {
    let out = qingdan()
        .arg("import")
        .arg(fixture(WORKBOOK))
        .args(["--catalogue", "--format", "json", "--into"])
        .arg(into)
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

fn catalogue(into: &Path) -> Vec<toml::Table> {
    let mut files: Vec<_> = std::fs::read_dir(into.join("catalogue"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| toml::from_str(&std::fs::read_to_string(f).unwrap()).unwrap())
        .collect()
}

/// An empty city (its jurisdiction.toml only): (the temporary folder, its lists folder).
fn city() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let lists = dir.path().join("lists");
    write(
        &lists,
        "jurisdiction.toml",
        "name = \"克拉玛依市\"\ncode = \"650200\"\nlevel = \"地州市级\"\n",
    );
    (dir, lists)
}

/// The city with the two-level catalogue imported.
fn city_with_catalogue() -> (tempfile::TempDir, PathBuf) {
    let (dir, lists) = city();
    import(&lists, &[]);
    (dir, lists)
}

#[test]
fn a_two_level_workbook_is_one_catalogue_item_per_matter() {
    let (_dir, lists) = city();
    let report = import(&lists, &[]);
    let sheets: Vec<(&str, &str, u64)> = report["files"][0]["sheets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap(),
                s["level"].as_str().unwrap(),
                s["entries"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        sheets,
        [("市级", "地州市级", 21), ("县级", "县（市、区）级", 16)]
    );
    assert_eq!(report["catalogue_items"], 21);
    let items = catalogue(&lists);
    assert_eq!(items.len(), 21, "one item per matter, not per row");
    let levels = |t: &toml::Table| t["levels"].as_array().unwrap().len();
    assert_eq!(items.iter().filter(|t| levels(t) == 2).count(), 16);
    assert_eq!(items.iter().filter(|t| levels(t) == 1).count(), 5);
    // Each level keeps its own body; the matter's texts are written once.
    let two = items.iter().find(|t| levels(t) == 2).unwrap();
    let bodies: Vec<&str> = two["levels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["body"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(bodies[1], "县（市、区）商务主管部门");
    assert_eq!(two["sector"].as_str(), Some("商务"));
    assert!(two["basis"]["text"].as_str().unwrap().contains('《'));
    // No department is made of a catalogue.
    assert!(!lists.join("departments").exists());

    // Importing it again changes nothing.
    let again = import(&lists, &[]);
    assert!(again["written"].as_array().unwrap().is_empty(), "{again:#}");
    assert_eq!(again["unchanged"], 21);
}

#[test]
fn a_district_claims_the_imported_catalogue() {
    let (_dir, lists) = city_with_catalogue();
    let county: Vec<String> = catalogue(&lists)
        .iter()
        .filter(|t| t["levels"].as_array().unwrap().len() == 2)
        .map(|t| t["code"].as_str().unwrap().to_string())
        .collect();
    let d = "jurisdictions/dszq";
    write(
        &lists,
        &format!("{d}/jurisdiction.toml"),
        "name = \"独山子区\"\ncode = \"650202\"\nlevel = \"县级\"\n",
    );
    write(
        &lists,
        &format!("{d}/departments/swj/department.toml"),
        "id = \"swj\"\nname = \"独山子区商务局\"\n",
    );
    // All but the last claimed.
    for code in &county[..county.len() - 1] {
        write(
            &lists,
            &format!("{d}/departments/swj/claims/{code}.toml"),
            format!("catalogue = \"{code}\"\n"),
        );
    }
    let (code, report) = check_json(&lists);
    assert_eq!(code, 1);
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{report:#}");
    assert_eq!(errors[0]["rule"], "unclaimed-catalogue-item");
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains(county.last().unwrap().as_str())
    );
    let j = &report["jurisdictions"][1];
    assert_eq!(
        (j["claimed"].as_u64(), j["missing"].as_u64()),
        (Some(15), Some(1))
    );
}

#[test]
fn a_district_s_own_spreadsheet_imports_as_claims_of_the_catalogue() {
    let (_dir, lists) = city_with_catalogue();
    let district = lists.join("jurisdictions/dszq");
    write(
        &district,
        "jurisdiction.toml",
        "name = \"独山子区\"\ncode = \"650202\"\nlevel = \"县级\"\n",
    );
    let out = qingdan()
        .arg("import")
        .arg(fixture(
            "karamay-catalogue/独山子区商务局2025年权责清单.xlsx",
        ))
        .args(["--format", "json", "--into"])
        .arg(&district)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(&out);
    let c = &report["claims"];
    assert_eq!(c["catalogue_items"], 16);
    assert_eq!(c["claimed"], 15);
    // The reworded row is found by similarity, the rest by name.
    assert_eq!(
        (c["by_name"].as_u64(), c["by_similarity"].as_u64()),
        (Some(14), Some(1))
    );
    // The row matched by similarity is named with what it was taken for, to review.
    assert_eq!(
        c["similar"][0]["row"]["name"],
        "对商业特许经营违法违规经营行为的处罚"
    );
    assert_eq!(
        c["similar"][0]["catalogue_name"],
        "对商业特许经营违法违规行为的处罚"
    );
    let unmatched: Vec<&str> = c["unmatched"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(unmatched, ["对本区商业网点规划执行情况的监督检查"]);
    let unclaimed: Vec<&str> = c["unclaimed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(unclaimed, ["对洗染业经营者违规行为的处罚"]);
    // Claims hold only what is local: no name, no basis.
    let claims: Vec<_> = std::fs::read_dir(district.join("departments/swj/claims"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert_eq!(claims.len(), 15);
    for text in &claims {
        assert!(!text.contains("name") && !text.contains("basis"), "{text}");
        assert!(text.contains("body = \"独山子区商务局\""), "{text}");
    }
    assert_eq!(
        std::fs::read_dir(district.join("departments/swj/items"))
            .unwrap()
            .count(),
        1
    );
    // check then says exactly what is left: the one unclaimed catalogue item.
    let (code, check) = check_json(&lists);
    assert_eq!(code, 1);
    let rules: Vec<&str> = check["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["unclaimed-catalogue-item"], "{check:#}");
}

#[test]
fn importing_into_a_district_needs_its_level() {
    let (_dir, lists) = city_with_catalogue();
    let district = lists.join("jurisdictions/dszq");
    let run = |extra: &[&str]| {
        qingdan()
            .arg("import")
            .arg(fixture(
                "karamay-catalogue/独山子区商务局2025年权责清单.xlsx",
            ))
            .arg("--into")
            .arg(&district)
            .args(extra)
            .output()
            .unwrap()
    };
    // No jurisdiction.toml yet: nothing written, and it says what to write.
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("level"));
    assert!(!district.join("departments").exists());
    write(
        &district,
        "jurisdiction.toml",
        "name = \"独山子区\"\ncode = \"650202\"\nlevel = \"县级\"\n",
    );
    assert!(run(&[]).status.success());
    // Imported again: the same claims, nothing new.
    let again = run(&["--format", "json"]);
    let report = json(&again);
    assert!(
        report["written"].as_array().unwrap().is_empty(),
        "{report:#}"
    );
}

/// The yearly re-import of a district's list (`import --update`): claims made again keep what
/// the editor added, a claim no row makes any more is removed and its catalogue item listed
/// unclaimed, a claim written not applicable stays, one written not applicable but claimed now
/// becomes a claim, and the local item stays as it was.
#[test]
fn a_district_s_next_year_list_updates_its_claims() {
    let (_dir, lists) = city_with_catalogue();
    let district = lists.join("jurisdictions/dszq");
    write(
        &district,
        "jurisdiction.toml",
        "name = \"独山子区\"\ncode = \"650202\"\nlevel = \"县级\"\n",
    );
    let import = |year: &str, extra: &[&str]| {
        let out = qingdan()
            .arg("import")
            .arg(fixture(&format!(
                "karamay-catalogue/独山子区商务局{year}年权责清单.xlsx"
            )))
            .args(["--format", "json", "--into"])
            .arg(&district)
            .args(extra)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        json(&out)
    };
    import("2025", &[]);
    let claims = district.join("departments/swj/claims");
    let code_of = |name: &str| -> String {
        let cat = catalogue(&lists);
        cat.iter()
            .find(|c| c["name"].as_str() == Some(name))
            .and_then(|c| c["code"].as_str())
            .unwrap_or_else(|| panic!("{name} not in the catalogue"))
            .to_string()
    };
    let changed = code_of("对报废机动车回收企业的监督检查");
    let dropped = code_of("对零售商供应商公平交易违法违规行为的处罚");
    let left_out = code_of("对洗染业经营者违规行为的处罚");
    // The editor adds a complaint phone to one claim and settles the unclaimed item.
    let path = claims.join(format!("{changed}.toml"));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains("[guide]"), "{text}");
    std::fs::write(
        &path,
        format!("{text}\n[guide]\ncomplaint_phone = \"0992-3868123\"\n"),
    )
    .unwrap();
    write(
        &claims,
        &format!("{left_out}.toml"),
        format!("catalogue = \"{left_out}\"\nnot_applicable = \"本区没有洗染业经营者（示例）\"\n"),
    );
    assert_eq!(check_json(&lists).0, 0);
    let local: Vec<_> = std::fs::read_dir(district.join("departments/swj/items"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(local.len(), 1);
    let local_text = std::fs::read_to_string(&local[0]).unwrap();

    // Without --update the changed claim is a conflict, as for items: nothing written.
    let out = qingdan()
        .arg("import")
        .arg(fixture(
            "karamay-catalogue/独山子区商务局2026年权责清单.xlsx",
        ))
        .args(["--format", "json", "--into"])
        .arg(&district)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let report = json(&out);
    assert!(
        !report["conflicts"].as_array().unwrap().is_empty(),
        "{report:#}"
    );

    let report = import("2026", &["--update"]);
    let c = &report["update"]["claims"];
    assert_eq!(
        c["changed"],
        serde_json::json!([format!("departments/swj/claims/{changed}.toml")]),
        "{report:#}"
    );
    assert_eq!(
        c["removed"],
        serde_json::json!([format!("departments/swj/claims/{dropped}.toml")]),
        "{report:#}"
    );
    assert_eq!(c["added"], serde_json::json!([]), "{report:#}");
    assert_eq!(c["unchanged"], 13, "{report:#}");
    assert_eq!(c["not_applicable_kept"], 1, "{report:#}");
    let unclaimed: Vec<&str> = report["claims"]["unclaimed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["code"].as_str().unwrap())
        .collect();
    assert_eq!(unclaimed, [dropped.as_str()], "{report:#}");
    // The local item is matched with itself: no new, no removed item.
    let u = &report["update"];
    assert!(
        u["added"].as_array().unwrap().is_empty() && u["removed"].as_array().unwrap().is_empty(),
        "{report:#}"
    );
    // Only where it was imported from changes.
    assert_eq!(u["source_only"], 1, "{report:#}");
    assert_eq!(
        std::fs::read_to_string(&local[0]).unwrap(),
        local_text.replace("2025年", "2026年")
    );
    // The sheet's new unit, and the editor's phone kept.
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("unit = \"独山子区商务局市场运行科\""),
        "{text}"
    );
    assert!(
        text.contains("complaint_phone = \"0992-3868123\""),
        "{text}"
    );
    assert!(!claims.join(format!("{dropped}.toml")).exists());
    assert!(claims.join(format!("{left_out}.toml")).exists());
    // check says what is left to settle: the dropped matter, nothing else.
    let (code, check) = check_json(&lists);
    assert_eq!(code, 1);
    let rules: Vec<&str> = check["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["unclaimed-catalogue-item"], "{check:#}");
    // Imported again: nothing to do.
    let again = import("2026", &["--update"]);
    assert!(again["written"].as_array().unwrap().is_empty(), "{again:#}");
    assert!(again["removed"].as_array().unwrap().is_empty(), "{again:#}");
}
