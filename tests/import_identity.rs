//! Department identity across imports: the same department written another way (short form,
//! without the jurisdiction, with its other name in brackets, as its branches, renamed) is the
//! department the lists have, never a second one; a spreadsheet that could be one of several
//! departments writes nothing until `--department` says which.

mod common;

use std::path::{Path, PathBuf};

use common::*;

/// A CSV list: a title row naming `title`, a header, and one row per (name, category).
/// An empty title: no title row.
fn csv(dir: &Path, file: &str, title: &str, body: &str, items: &[(&str, &str)]) -> PathBuf {
    let mut text = String::new();
    if !title.is_empty() {
        text.push_str(&format!("{title}2024年权责清单,,,,\n"));
    }
    text.push_str("序号,事项名称,职权类别,实施依据,行使主体\n");
    for (i, (name, category)) in items.iter().enumerate() {
        text.push_str(&format!(
            "{},{name},{category},【法律】《中华人民共和国测试法》第{}条,{body}\n",
            i + 1,
            i + 1
        ));
    }
    let path = dir.join(file);
    std::fs::write(&path, text).unwrap();
    path
}

fn import(into: &Path, files: &[&Path], extra: &[&str]) -> (i32, serde_json::Value) {
    let out = qingdan()
        .arg("import")
        .args(files)
        .arg("--into")
        .arg(into)
        .args(["--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    (out.status.code().unwrap_or(-1), json(&out))
}

const EMERGENCY: &[(&str, &str)] = &[
    ("对生产经营单位安全生产违法行为的处罚", "行政处罚"),
    ("危险化学品经营许可", "行政许可"),
    ("对安全生产工作的监督检查", "行政检查"),
    ("生产安全事故调查处理", "其他行政权力"),
];

fn first_edition(dir: &Path) -> PathBuf {
    let lists = dir.join("lists");
    let a = csv(
        dir,
        "克拉玛依市应急管理局2024年权责清单.csv",
        "克拉玛依市应急管理局",
        "克拉玛依市应急管理局",
        EMERGENCY,
    );
    let (code, _) = import(&lists, &[&a], &[]);
    assert_eq!(code, 0);
    assert_eq!(folders(&lists), ["yjglj"]);
    lists
}

#[test]
fn the_same_department_written_another_way_is_one_department() {
    const BODY: &str = "克拉玛依市应急管理局";
    for (title, body, how) in [
        ("市应急管理局", BODY, "name"),
        ("应急管理局", BODY, "normalised-name"),
        (
            "新疆维吾尔自治区克拉玛依市应急管理局",
            BODY,
            "normalised-name",
        ),
        ("市应急管理局各区分局", BODY, "normalised-name"),
        ("市委应急委员会（市应急管理局）", BODY, "normalised-name"),
        // No title: the body column names the department.
        ("", BODY, "name"),
        // A new name after a reorganisation: only the items tell.
        ("克拉玛依市应急管理和消防安全局", BODY, "items"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let lists = first_edition(dir.path());
        let before = files_in(&lists);
        let b = csv(dir.path(), "2025年清单.csv", title, body, EMERGENCY);
        let (code, report) = import(&lists, &[&b], &["--update"]);
        assert_eq!(code, 0, "{title}: {report:#}");
        let f = &report["files"][0];
        assert_eq!(f["department_id"], "yjglj", "{title}: {report:#}");
        assert_eq!(f["department_match"], how, "{title}");
        assert_eq!(folders(&lists), ["yjglj"], "{title}: a second department");
        let adjustment = &report["adjustment"];
        assert_eq!(
            adjustment["summary"]["unchanged"], 4,
            "{title}: {adjustment:#}"
        );
        assert_eq!(
            adjustment["changes"].as_array().unwrap().len(),
            0,
            "{title}: {adjustment:#}"
        );
        // No second department file, no item file more or less.
        assert_eq!(files_in(&lists).len(), before.len(), "{title}");
        assert_eq!(body, BODY);
        // Without --update, the items go to the same folder too.
        let (code, report) = import(&lists, &[&b], &["--dry-run"]);
        assert!(code == 0 || code == 1, "{report:#}");
        assert_eq!(report["files"][0]["department_id"], "yjglj", "{title}");
    }
}

#[test]
fn a_new_department_is_added_beside_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let lists = first_edition(dir.path());
    let b = csv(
        dir.path(),
        "克拉玛依市统计局权责清单.csv",
        "克拉玛依市统计局",
        "市统计局",
        &[("对统计违法行为的处罚", "行政处罚")],
    );
    let (code, report) = import(&lists, &[&b], &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(
        report["files"][0]["department_match"],
        serde_json::Value::Null
    );
    assert_eq!(folders(&lists), ["tjj", "yjglj"]);
}

#[test]
fn an_ambiguous_department_writes_nothing_until_chosen() {
    let dir = tempfile::tempdir().unwrap();
    let lists = dir.path().join("lists");
    let city = csv(
        dir.path(),
        "克拉玛依市市场监督管理局权责清单.csv",
        "克拉玛依市市场监督管理局",
        "克拉玛依市市场监督管理局",
        &[
            ("食品经营许可", "行政许可"),
            ("对食品经营的监督检查", "行政检查"),
        ],
    );
    let district = csv(
        dir.path(),
        "克拉玛依区市场监督管理局权责清单.csv",
        "克拉玛依区市场监督管理局",
        "克拉玛依区市场监督管理局",
        &[("个体工商户登记", "行政许可")],
    );
    let (code, _) = import(&lists, &[&city, &district], &[]);
    assert_eq!(code, 0);
    assert_eq!(folders(&lists), ["scjdglj", "scjdglj-2"]);
    let before = files_in(&lists);

    let unclear = csv(
        dir.path(),
        "市场监督管理局权责清单.csv",
        "市场监督管理局",
        "市场监督管理局",
        &[("特种设备使用登记", "行政许可")],
    );
    for extra in [&["--update"][..], &[][..]] {
        let (code, report) = import(&lists, &[&unclear], extra);
        assert_eq!(code, 1, "{report:#}");
        let candidates: Vec<&str> = report["files"][0]["department_candidates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["folder"].as_str().unwrap())
            .collect();
        assert_eq!(candidates, ["scjdglj", "scjdglj-2"]);
        assert!(report["written"].as_array().unwrap().is_empty());
        assert_eq!(files_in(&lists), before, "nothing written");
    }
    // The text report says how to choose.
    let out = qingdan()
        .arg("import")
        .arg(&unclear)
        .arg("--into")
        .arg(&lists)
        .arg("--update")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("--department scjdglj"), "{text}");

    // Chosen: the district's list gains the item (and loses its old one: an update).
    let (code, report) = import(
        &lists,
        &[&unclear],
        &["--update", "--department", "scjdglj-2"],
    );
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["files"][0]["department_match"], "chosen");
    assert_eq!(folders(&lists), ["scjdglj", "scjdglj-2"]);
    let s = &report["adjustment"]["summary"];
    assert_eq!(
        (s["added"].as_u64(), s["cancelled"].as_u64()),
        (Some(1), Some(1)),
        "{s:#}"
    );

    // A folder that does not exist is refused with the ones that do.
    let out = qingdan()
        .arg("import")
        .arg(&unclear)
        .arg("--into")
        .arg(&lists)
        .args(["--update", "--department", "nosuch"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("scjdglj-2"), "{err}");
}

#[test]
fn a_declared_department_code_or_former_name_finds_the_department() {
    let dir = tempfile::tempdir().unwrap();
    let lists = first_edition(dir.path());
    let dept = lists.join("departments/yjglj/department.toml");
    let text = std::fs::read_to_string(&dept).unwrap();
    std::fs::write(
        &dept,
        format!("{text}former_names = [\"克拉玛依市安全生产监督管理局\"]\n"),
    )
    .unwrap();
    let b = csv(
        dir.path(),
        "清单.csv",
        "克拉玛依市安全生产监督管理局",
        "市安监局",
        &[("新的事项", "行政检查")],
    );
    let (code, report) = import(&lists, &[&b], &["--dry-run", "--update"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["files"][0]["department_id"], "yjglj");
    assert_eq!(report["files"][0]["department_match"], "name");
    // The dry run reports the adjustment and writes nothing.
    let s = &report["adjustment"]["summary"];
    assert_eq!(
        (s["added"].as_u64(), s["cancelled"].as_u64()),
        (Some(1), Some(4)),
        "{s:#}"
    );
    assert!(
        !lists
            .join("departments/yjglj/items")
            .read_dir()
            .unwrap()
            .any(|e| {
                std::fs::read_to_string(e.unwrap().path())
                    .unwrap()
                    .contains("新的事项")
            })
    );
}

#[test]
fn the_department_part_of_item_codes_finds_the_department() {
    let dir = tempfile::tempdir().unwrap();
    let lists = dir.path().join("lists");
    let with_codes = |file: &str, title: &str, rows: &[(&str, &str)]| {
        let mut text = format!("{title}权责清单,,,,\n序号,职权编码,事项名称,职权类别,行使主体\n");
        for (i, (code, name)) in rows.iter().enumerate() {
            text.push_str(&format!("{},{code},{name},行政检查,{title}\n", i + 1));
        }
        let path = dir.path().join(file);
        std::fs::write(&path, text).unwrap();
        path
    };
    let a = with_codes(
        "a.csv",
        "克拉玛依市消防救援支队",
        &[
            ("650200207JC00100", "对公众聚集场所的消防监督检查"),
            ("650200207JC00200", "对社会单位的消防监督检查"),
        ],
    );
    let (code, _) = import(&lists, &[&a], &[]);
    assert_eq!(code, 0);
    // Another name and other items, but the codes say whose they are.
    let b = with_codes(
        "b.csv",
        "克拉玛依市消防救援局",
        &[
            ("650200207JC00300", "对大型群众性活动的消防安全检查"),
            ("650200207JC00400", "对高层建筑的消防安全检查"),
            ("650200207JC00500", "对施工现场的消防安全检查"),
        ],
    );
    let (code, report) = import(&lists, &[&b], &["--update"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["files"][0]["department_id"], "xfjyzd");
    assert_eq!(report["files"][0]["department_match"], "code");
    assert_eq!(folders(&lists), ["xfjyzd"]);
    let s = &report["adjustment"]["summary"];
    assert_eq!(
        (s["added"].as_u64(), s["cancelled"].as_u64()),
        (Some(3), Some(2)),
        "{s:#}"
    );
}

#[test]
fn generic_item_names_in_common_make_no_department_another_s() {
    // Two names every department has are no reason to take 财政局's list for 统计局's.
    let dir = tempfile::tempdir().unwrap();
    let lists = dir.path().join("lists");
    let stats = csv(
        dir.path(),
        "克拉玛依市统计局权责清单.csv",
        "克拉玛依市统计局",
        "克拉玛依市统计局",
        &[
            ("表彰奖励", "行政奖励"),
            ("政府信息公开", "其他行政权力"),
            ("对统计违法行为的处罚", "行政处罚"),
            ("统计执法检查", "行政检查"),
        ],
    );
    let finance = csv(
        dir.path(),
        "克拉玛依市财政局权责清单.csv",
        "克拉玛依市财政局",
        "克拉玛依市财政局",
        &[
            ("表彰奖励", "行政奖励"),
            ("政府信息公开", "其他行政权力"),
            ("对财政违法行为的处罚", "行政处罚"),
        ],
    );
    // In one import …
    let (code, report) = import(&lists, &[&stats, &finance], &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(folders(&lists), ["czj", "tjj"]);
    // … and as an update of lists that hold only 统计局.
    let other = dir.path().join("other");
    import(&other, &[&stats], &[]);
    let before = files_in(&other);
    let (code, report) = import(&other, &[&finance], &["--update"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["files"][0]["department_id"], "czj");
    assert_eq!(folders(&other), ["czj", "tjj"]);
    let kept: Vec<_> = before
        .iter()
        .filter(|(p, _)| p.starts_with("departments/tjj"))
        .collect();
    assert!(
        kept.iter().all(|f| files_in(&other).contains(f)),
        "统计局's files untouched"
    );
}

#[test]
fn two_files_of_one_new_department_share_its_folder_by_their_codes() {
    let dir = tempfile::tempdir().unwrap();
    let lists = dir.path().join("lists");
    let file = |name: &str, title: &str, rows: &[(&str, &str)]| {
        let mut text = format!("{title}权责清单,,,,\n序号,职权编码,事项名称,职权类别,行使主体\n");
        for (i, (code, item)) in rows.iter().enumerate() {
            text.push_str(&format!("{},{code},{item},行政检查,{title}\n", i + 1));
        }
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let a = file(
        "a.csv",
        "克拉玛依市消防救援支队",
        &[("650200207JC00100", "对公众聚集场所的消防监督检查")],
    );
    let b = file(
        "b.csv",
        "消防支队",
        &[("650200207JC00200", "对社会单位的消防监督检查")],
    );
    let (code, report) = import(&lists, &[&a, &b], &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(folders(&lists), ["xfjyzd"]);
    assert_eq!(report["files"][1]["department_match"], "code");
}
