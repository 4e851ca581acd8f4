//! Multi-level lists on constructed trees: a city with a guiding catalogue, two districts that
//! claim it (one item not applicable, with a reason; one local item with its basis), and a
//! power the city delegates to both, received by both. The valid tree passes `check`; each
//! deliberate break fails with its rule at the file, line and column of the cause.

mod common;

use std::path::Path;

use common::*;

const CITY: &[(&str, &str)] = &[
    (
        "jurisdiction.toml",
        "name = \"测试市\"\ncode = \"650200\"\nlevel = \"地州市级\"\n",
    ),
    (
        "departments/zjj/department.toml",
        "id = \"zjj\"\nname = \"测试市住房和城乡建设局\"\n",
    ),
    (
        "departments/zjj/items/zjj-XK-1.toml",
        r#"id = "zjj-XK-1"
name = "建设工程消防验收"
category = "行政许可"
department = "zjj"
level = "地州市级"

[basis]
text = "【法律】《中华人民共和国消防法》第十三条"

[delegation]
to_level = "县级"
mode = "委托"
receivers = ["dsz", "650204"]
batch = "第一批"
"#,
    ),
    (
        "catalogue/ZJ-XK-0001.toml",
        r#"code = "ZJ-XK-0001"
name = "建筑工程施工许可证核发"
category = "行政许可"
sector = "住房和城乡建设"

[basis]
text = "【法律】《中华人民共和国建筑法》第七条"

[[levels]]
level = "地州市级"
body = "地州市住房和城乡建设主管部门"

[[levels]]
level = "县（市、区）级"
body = "县（市、区）住房和城乡建设主管部门"
unit = "审批科"
statutory_limit = "15个工作日"
promised_limit = "7个工作日"
"#,
    ),
    (
        "catalogue/ZJ-CF-0002.toml",
        r#"code = "ZJ-CF-0002"
name = "对未取得施工许可证擅自施工的处罚"
category = "行政处罚"

[basis]
text = "【法律】《中华人民共和国建筑法》第六十四条"

[[levels]]
level = "县（市、区）级"
"#,
    ),
];

fn district(folder: &str, name: &str, code: &str) -> Vec<(String, String)> {
    let p = |rel: &str| format!("jurisdictions/{folder}/{rel}");
    vec![
        (
            p("jurisdiction.toml"),
            format!("name = \"{name}\"\ncode = \"{code}\"\nlevel = \"县级\"\n"),
        ),
        (
            p("departments/zjj/department.toml"),
            format!("id = \"zjj\"\nname = \"{name}住房和城乡建设局\"\n"),
        ),
        (
            p("departments/zjj/claims/ZJ-XK-0001.toml"),
            "catalogue = \"ZJ-XK-0001\"\nunit = \"行政审批科\"\n\n[guide]\npromised_limit = \"5个工作日\"\n".into(),
        ),
        (
            p("departments/zjj/claims/ZJ-CF-0002.toml"),
            "catalogue = \"ZJ-CF-0002\"\nnot_applicable = \"本区的施工许可由市局统一办理，处罚随之由市局实施\"\n".into(),
        ),
        (
            p("departments/zjj/items/local-1.toml"),
            r#"id = "local-1"
name = "建设工程消防验收（承接）"
category = "行政许可"
department = "zjj"

[basis]
text = "【法律】《中华人民共和国消防法》第十三条"

[receives]
from = "650200"
item = "zjj-XK-1"
batch = "第一批"
"#
            .into(),
        ),
        (
            p("departments/zjj/items/local-2.toml"),
            r#"id = "local-2"
name = "城镇老旧小区改造项目的组织实施"
category = "其他行政权力"
department = "zjj"

[basis]
text = "【地方性法规】《测试市城市更新条例》第十条"
"#
            .into(),
        ),
    ]
}

fn base() -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = CITY
        .iter()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect();
    v.extend(district("dsz", "独山子区", "650202"));
    v.extend(district("bjt", "白碱滩区", "650204"));
    v
}

fn tree(files: &[(String, String)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (p, t) in files {
        write(dir.path(), p, t);
    }
    dir
}

/// Replace a file's text (or remove it with `None`).
fn with(mut files: Vec<(String, String)>, path: &str, text: Option<&str>) -> Vec<(String, String)> {
    files.retain(|(p, _)| p != path);
    if let Some(t) = text {
        files.push((path.to_string(), t.to_string()));
    }
    files
}

/// The one error of `rule`, and where it is.
fn error(dir: &Path, rule: &str) -> (String, u64, u64, String) {
    let (code, report) = check_json(dir);
    assert_eq!(code, 1, "{report:#}");
    let found: Vec<&serde_json::Value> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["rule"] == rule)
        .collect();
    assert_eq!(found.len(), 1, "one {rule} expected: {report:#}");
    let e = found[0];
    (
        e["file"].as_str().unwrap().to_string(),
        e["line"].as_u64().unwrap(),
        e["column"].as_u64().unwrap(),
        e["message"].as_str().unwrap().to_string(),
    )
}

#[test]
fn a_valid_tree_passes_and_counts_each_jurisdiction() {
    let dir = tree(&base());
    let (code, report) = check_json(dir.path());
    assert_eq!(code, 0, "{report:#}");
    let j = report["jurisdictions"].as_array().unwrap();
    assert_eq!(j.len(), 3);
    let bjt = j.iter().find(|j| j["path"] == "jurisdictions/bjt").unwrap();
    assert_eq!(bjt["parent"], "");
    assert_eq!(bjt["catalogue_items"], 2);
    assert_eq!(bjt["claimed"], 1);
    assert_eq!(bjt["not_applicable"], 1);
    assert_eq!(bjt["missing"], 0);
    assert_eq!(bjt["local"], 2);
    // 1 city item + per district: 1 claimed + 2 local.
    assert_eq!(report["items"], 7);
}

#[test]
fn a_district_checked_alone_has_no_catalogue_to_claim_from() {
    let dir = tree(&base());
    let (code, report) = check_json(&dir.path().join("jurisdictions/dsz"));
    assert_eq!(code, 1, "{report:#}");
    let unknown: Vec<&str> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["rule"] == "claim-unknown")
        .map(|e| e["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        unknown,
        [
            "departments/zjj/claims/ZJ-CF-0002.toml",
            "departments/zjj/claims/ZJ-XK-0001.toml"
        ]
    );
}

#[test]
fn unclaimed_catalogue_item_is_an_error_at_the_jurisdiction() {
    let files = with(
        base(),
        "jurisdictions/bjt/departments/zjj/claims/ZJ-CF-0002.toml",
        None,
    );
    let dir = tree(&files);
    let (file, line, column, message) = error(dir.path(), "unclaimed-catalogue-item");
    assert_eq!(
        (file.as_str(), line, column),
        ("jurisdictions/bjt/jurisdiction.toml", 1, 8)
    );
    assert!(
        message.contains("对未取得施工许可证擅自施工的处罚"),
        "{message}"
    );
    assert!(message.contains("ZJ-CF-0002"), "{message}");
}

/// (file, line, column) of the one error of `rule`.
fn at(dir: &Path, rule: &str) -> (String, u64, u64) {
    let (file, line, column, _) = error(dir, rule);
    (file, line, column)
}

fn place(file: &str, line: u64, column: u64) -> (String, u64, u64) {
    (file.to_string(), line, column)
}

const CLAIM: &str = "jurisdictions/dsz/departments/zjj/claims/ZJ-XK-0001.toml";

#[test]
fn not_applicable_needs_a_reason() {
    let path = "jurisdictions/dsz/departments/zjj/claims/ZJ-CF-0002.toml";
    let files = with(
        base(),
        path,
        Some("catalogue = \"ZJ-CF-0002\"\nnot_applicable = \" \"\n"),
    );
    let dir = tree(&files);
    assert_eq!(at(dir.path(), "not-applicable-reason"), place(path, 2, 18));
}

#[test]
fn a_claim_of_an_unknown_catalogue_item() {
    let path = "jurisdictions/dsz/departments/zjj/claims/ZJ-XX-9999.toml";
    let files = with(base(), path, Some("catalogue = \"ZJ-XX-9999\"\n"));
    let dir = tree(&files);
    assert_eq!(at(dir.path(), "claim-unknown"), place(path, 1, 13));
}

#[test]
fn one_catalogue_item_claimed_twice() {
    let path = "jurisdictions/dsz/departments/fgw/claims/ZJ-XK-0001.toml";
    let mut files = with(base(), path, Some("catalogue = \"ZJ-XK-0001\"\n"));
    files.push((
        "jurisdictions/dsz/departments/fgw/department.toml".into(),
        "id = \"fgw\"\nname = \"独山子区发展和改革委员会\"\n".into(),
    ));
    let dir = tree(&files);
    let (file, line, column, message) = error(dir.path(), "claim-duplicate");
    // The second in path order is reported, naming the first.
    assert_eq!((file.as_str(), line, column), (CLAIM, 1, 13));
    assert!(message.contains("fgw/claims/ZJ-XK-0001.toml"), "{message}");
}

#[test]
fn a_local_promise_longer_than_the_catalogue_s() {
    let files = with(
        base(),
        CLAIM,
        Some("catalogue = \"ZJ-XK-0001\"\n\n[guide]\npromised_limit = \"10个工作日\"\n"),
    );
    let dir = tree(&files);
    assert_eq!(
        at(dir.path(), "claim-contradicts-catalogue"),
        place(CLAIM, 4, 18)
    );
    // The statutory limit is the law's: a local one that differs is wrong too.
    let files = with(
        base(),
        CLAIM,
        Some("catalogue = \"ZJ-XK-0001\"\n\n[guide]\nstatutory_limit = \"20个工作日\"\n"),
    );
    let dir = tree(&files);
    assert_eq!(
        at(dir.path(), "claim-contradicts-catalogue"),
        place(CLAIM, 4, 19)
    );
}

#[test]
fn a_local_item_without_basis() {
    let path = "jurisdictions/bjt/departments/zjj/items/local-2.toml";
    let files = with(
        base(),
        path,
        Some(
            "id = \"local-2\"\nname = \"城镇老旧小区改造项目的组织实施\"\ncategory = \"其他行政权力\"\ndepartment = \"zjj\"\n",
        ),
    );
    let dir = tree(&files);
    assert_eq!(
        at(dir.path(), "local-item-without-basis"),
        place(path, 2, 8)
    );
    // Said once: not also as `missing-basis`.
    let (_, report) = check_json(dir.path());
    assert!(!report.to_string().contains("missing-basis"), "{report:#}");
}

#[test]
fn a_delegation_not_received_names_each_receiver_s_status_and_the_batch() {
    let files = with(
        base(),
        "jurisdictions/bjt/departments/zjj/items/local-1.toml",
        None,
    );
    let dir = tree(&files);
    let (file, line, column, message) = error(dir.path(), "delegation-not-received");
    assert_eq!(
        (file.as_str(), line, column),
        ("departments/zjj/items/zjj-XK-1.toml", 13, 21)
    );
    assert!(message.contains("独山子区：已承接"), "{message}");
    assert!(message.contains("白碱滩区：待承接"), "{message}");
    assert!(message.contains("第一批"), "{message}");
}

#[test]
fn a_delegation_to_an_unknown_jurisdiction_and_a_receipt_of_an_unknown_item() {
    let city = "departments/zjj/items/zjj-XK-1.toml";
    let text = CITY.iter().find(|(p, _)| *p == city).unwrap().1;
    let files = with(
        base(),
        city,
        Some(&text.replace("\"650204\"]", "\"650204\", \"wrh\"]")),
    );
    let dir = tree(&files);
    assert_eq!(
        at(dir.path(), "delegation-unknown-receiver"),
        place(city, 13, 31)
    );

    let path = "jurisdictions/dsz/departments/zjj/items/local-1.toml";
    let text = files
        .iter()
        .find(|(p, _)| p == path)
        .unwrap()
        .1
        .replace("item = \"zjj-XK-1\"", "item = \"zjj-XK-9\"");
    let files = with(base(), path, Some(&text));
    let dir = tree(&files);
    let (code, report) = check_json(dir.path());
    assert_eq!(code, 1);
    let rules: Vec<(&str, &str, u64)> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["rule"].as_str().unwrap(),
                e["file"].as_str().unwrap(),
                e["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(rules.contains(&("receives-unknown", path, 11)), "{rules:?}");
    // …and so 独山子区 has not received it.
    assert!(
        rules.iter().any(|r| r.0 == "delegation-not-received"),
        "{rules:?}"
    );
}

#[test]
fn jurisdiction_levels_go_down_the_tree() {
    let path = "jurisdictions/dsz/jurisdiction.toml";
    let files = with(
        base(),
        path,
        Some("name = \"独山子区\"\ncode = \"650202\"\nlevel = \"自治区级\"\n"),
    );
    let dir = tree(&files);
    let (file, line, column, message) = error(dir.path(), "jurisdiction-level");
    assert_eq!((file.as_str(), line, column), (path, 1, 8));
    assert!(message.contains("不低于上级"), "{message}");
    let files = with(
        base(),
        "jurisdictions/dsz/jurisdiction.toml",
        Some("name = \"独山子区\"\ncode = \"650204\"\nlevel = \"县级\"\n"),
    );
    let dir = tree(&files);
    assert_eq!(
        at(dir.path(), "jurisdiction-duplicate-code"),
        place("jurisdictions/dsz/jurisdiction.toml", 1, 8)
    );
}

#[test]
fn a_catalogue_item_without_a_recognisable_level() {
    let path = "catalogue/ZJ-CF-0002.toml";
    let text = CITY.iter().find(|(p, _)| *p == path).unwrap().1;
    let files = with(base(), path, Some(&text.replace("县（市、区）级", "基层")));
    let dir = tree(&files);
    assert_eq!(at(dir.path(), "catalogue-level"), place(path, 9, 9));
}

#[test]
fn a_claim_names_its_catalogue_item_as_its_file_does() {
    let files = with(base(), CLAIM, Some("catalogue = \"ZJ-CF-0002\"\n"));
    let dir = tree(&files);
    let (code, report) = check_json(dir.path());
    assert_eq!(code, 1);
    let e = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["rule"] == "id-mismatch")
        .unwrap_or_else(|| panic!("{report:#}"));
    assert_eq!(e["file"], CLAIM);
}

#[test]
fn the_text_report_shows_coverage_per_jurisdiction() {
    let files = with(
        base(),
        "jurisdictions/bjt/departments/zjj/claims/ZJ-CF-0002.toml",
        None,
    );
    let dir = tree(&files);
    let out = qingdan()
        .args(["check", "--lists"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("应认尽认"), "{text}");
    assert!(text.contains("白碱滩区（县级）"), "{text}");
    // The summary counts the lower jurisdictions too, not the root only.
    assert!(text.contains("个下级区划（下级共"), "{text}");
    assert!(
        text.contains("jurisdictions/bjt/jurisdiction.toml:1:8"),
        "{text}"
    );
}

#[test]
fn the_demo_city_and_its_four_districts_pass() {
    let lists = Path::new(env!("CARGO_MANIFEST_DIR")).join("lists");
    let (code, report) = check_json(&lists);
    assert_eq!(code, 0, "{:#}", report["errors"]);
    let j = report["jurisdictions"].as_array().unwrap();
    let names: Vec<&str> = j.iter().map(|j| j["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "克拉玛依市",
            "白碱滩区",
            "独山子区",
            "克拉玛依区",
            "乌尔禾区"
        ]
    );
    for d in &j[1..] {
        assert_eq!(d["missing"], 0, "{d:#}");
        assert!(d["claimed"].as_u64().unwrap() > 30, "{d:#}");
        assert!(d["not_applicable"].as_u64().unwrap() > 0, "{d:#}");
        assert_eq!(d["local"], 2, "{d:#}");
    }
}

#[test]
fn a_district_s_claims_against_its_catalogue() {
    let files = with(
        base(),
        "jurisdictions/bjt/departments/zjj/claims/ZJ-CF-0002.toml",
        None,
    );
    let dir = tree(&files);
    let out = qingdan()
        .args(["claims", "bjt", "dsz", "--format", "json", "--lists"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(&out);
    let j = report["jurisdictions"].as_array().unwrap();
    let (bjt, dsz) = (&j[0], &j[1]);
    assert_eq!(bjt["name"], "白碱滩区");
    let status = |r: &serde_json::Value, code: &str| {
        r["catalogue"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["code"] == code)
            .map(|e| e["status"].as_str().unwrap().to_string())
    };
    assert_eq!(status(bjt, "ZJ-CF-0002").as_deref(), Some("missing"));
    assert_eq!(status(dsz, "ZJ-CF-0002").as_deref(), Some("not_applicable"));
    assert_eq!(status(dsz, "ZJ-XK-0001").as_deref(), Some("claimed"));
    let claimed = dsz["catalogue"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["code"] == "ZJ-XK-0001")
        .unwrap();
    assert_eq!(claimed["item_id"], "ZJ-XK-0001-650202");
    // What the district states differently: its unit and a shorter promise.
    let local: Vec<(&str, &str, &str)> = claimed["local"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["field"].as_str().unwrap(),
                f["catalogue"].as_str().unwrap(),
                f["local"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        local,
        [
            ("unit", "审批科", "行政审批科"),
            ("promised_limit", "7个工作日", "5个工作日")
        ]
    );
    assert_eq!(dsz["summary"]["changed_locally"], 1);
    assert_eq!(dsz["summary"]["local"], 2);
    assert_eq!(bjt["summary"]["missing"], 1);
    // Not a diff of editions: nothing is called added or delegated.
    let text = report.to_string();
    assert!(
        !text.contains("added") && !text.contains("delegated"),
        "{text}"
    );

    // The text report, and an unknown jurisdiction.
    let out = qingdan()
        .args(["claims", "dsz", "--lists"])
        .arg(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("承办机构 “审批科” → “行政审批科”"), "{text}");
    let out = qingdan()
        .args(["claims", "nowhere", "--lists"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("独山子区"));
}

#[test]
fn a_generated_province_tree_passes_check() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p");
    let made = qingdan()
        .args([
            "gen",
            "--tree",
            "--items",
            "2000",
            "--prefectures",
            "2",
            "--counties",
            "2",
        ])
        .args(["--townships", "2", "--departments", "4", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let (code, report) = check_json(&out);
    assert_eq!(code, 0, "{:#}", report["errors"]);
    let j = report["jurisdictions"].as_array().unwrap();
    assert_eq!(j.len(), 1 + 2 + 4 + 8);
    let items: u64 = j.iter().map(|j| j["items"].as_u64().unwrap()).sum();
    assert!((1500..3000).contains(&items), "{items} items");
    assert!(
        j[1..]
            .iter()
            .all(|j| j["missing"] == 0 && j["claimed"].as_u64().unwrap() > 0)
    );
}

#[test]
fn editions_of_a_district_diff_with_its_claims_expanded() {
    let old = tree(&base());
    let claim = "jurisdictions/dsz/departments/zjj/claims/ZJ-CF-0002.toml";
    let files = with(
        base(),
        claim,
        Some("catalogue = \"ZJ-CF-0002\"\nunit = \"执法大队\"\n"),
    );
    let files = with(
        files,
        CLAIM,
        Some("catalogue = \"ZJ-XK-0001\"\nunit = \"政务服务科\"\n"),
    );
    let new = tree(&files);
    let diff = |a: &Path, b: &Path, extra: &[&str]| {
        let out = qingdan()
            .arg("diff")
            .arg(a)
            .arg(b)
            .args(["--format", "json", "--jurisdiction", "dsz"])
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
    let d = diff(old.path(), new.path(), &[]);
    let kinds: Vec<(&str, &str)> = d["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["kind"].as_str().unwrap(), c["name"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("added", "对未取得施工许可证擅自施工的处罚"),
            ("modified", "建筑工程施工许可证核发")
        ],
        "{d:#}"
    );
    assert_eq!(d["changes"][1]["new_ids"][0], "ZJ-XK-0001-650202");

    // The same from git: the old edition committed, the new one in the work tree.
    let repo = old.path();
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.org"])
            .args(args)
            .current_dir(repo)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "e1"]);
    let d2 = diff(
        Path::new("HEAD"),
        new.path(),
        &["--lists", repo.to_str().unwrap()],
    );
    assert_eq!(d2["summary"], d["summary"]);
    // An unknown jurisdiction is a usage error.
    let out = qingdan()
        .arg("diff")
        .arg(old.path())
        .arg(new.path())
        .args(["--jurisdiction", "nowhere"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_catalogue_code_that_cannot_be_a_file_name() {
    let files = with(
        base(),
        "catalogue/ZJ 许可.toml",
        Some(
            "code = \"ZJ 许可\"\nname = \"某项许可\"\ncategory = \"行政许可\"\n\n[basis]\ntext = \"【法律】《某法》第一条\"\n\n[[levels]]\nlevel = \"地州市级\"\n",
        ),
    );
    let dir = tree(&files);
    assert_eq!(
        at(dir.path(), "invalid-id"),
        place("catalogue/ZJ 许可.toml", 1, 8)
    );
}

#[test]
fn a_name_two_townships_share_means_the_one_below_the_delegating_county() {
    let mut files = base();
    for (county, code) in [("dsz", "650202001"), ("bjt", "650204001")] {
        files.push((
            format!("jurisdictions/{county}/jurisdictions/cgz/jurisdiction.toml"),
            format!("name = \"城关镇\"\ncode = \"{code}\"\nlevel = \"乡镇级\"\n"),
        ));
    }
    files.push((
        "jurisdictions/dsz/departments/zjj/items/d-1.toml".into(),
        "id = \"d-1\"\nname = \"农村住房建设管理\"\ncategory = \"其他行政权力\"\ndepartment = \"zjj\"\n\n[basis]\ntext = \"【法规】《村庄和集镇规划建设管理条例》第二十八条\"\n\n[delegation]\nto_level = \"乡镇级\"\nmode = \"委托\"\nreceivers = [\"城关镇\"]\n".into(),
    ));
    files.push((
        "jurisdictions/dsz/jurisdictions/cgz/departments/zhb/department.toml".into(),
        "id = \"zhb\"\nname = \"城关镇综合办\"\n".into(),
    ));
    files.push((
        "jurisdictions/dsz/jurisdictions/cgz/departments/zhb/items/r-1.toml".into(),
        "id = \"r-1\"\nname = \"农村住房建设管理（受委托）\"\ncategory = \"其他行政权力\"\ndepartment = \"zhb\"\n\n[basis]\ntext = \"【法规】《村庄和集镇规划建设管理条例》第二十八条\"\n\n[receives]\nfrom = \"650202\"\nitem = \"d-1\"\n".into(),
    ));
    let dir = tree(&files);
    let (code, report) = check_json(dir.path());
    assert_eq!(code, 0, "{report:#}");
    assert!(
        report["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["rule"] != "receives-unknown"),
        "{report:#}"
    );
}

#[test]
fn what_claims_inherit_is_checked_once_at_the_catalogue() {
    let path = "catalogue/ZJ-CF-0002.toml";
    let text = CITY.iter().find(|(p, _)| *p == path).unwrap().1;
    let files = with(
        base(),
        path,
        Some(&text.replace("category = \"行政处罚\"", "category = \"处罚\"")),
    );
    let dir = tree(&files);
    let (code, report) = check_json(dir.path());
    assert_eq!(code, 1);
    let errors: Vec<(&str, &str)> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["rule"].as_str().unwrap(), e["file"].as_str().unwrap()))
        .collect();
    assert_eq!(errors, [("unknown-category", path)], "{report:#}");
}

/// `qingdan build` of a tree: (exit code, the site folder).
fn build_tree(lists: &Path) -> (i32, std::path::PathBuf) {
    let out = lists.join("_site");
    let o = qingdan()
        .args(["build", "--lists"])
        .arg(lists)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    (o.status.code().unwrap_or(-1), out)
}

fn page(site: &Path, rel: &str) -> String {
    std::fs::read_to_string(site.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn the_whole_tree_is_built_as_one_site() {
    let dir = tree(&base());
    let (code, site) = build_tree(dir.path());
    assert_eq!(code, 0);
    // A site per jurisdiction, each with its own items and its own search index.
    for d in ["dsz", "bjt"] {
        let home = page(&site, &format!("j/{d}/index.html"));
        assert!(home.contains("class=\"switcher\""), "{home}");
        assert!(site.join(format!("j/{d}/search/index.html")).is_file());
        assert!(site.join(format!("j/{d}/items/local-2.html")).is_file());
    }
    // The switcher says where the reader is, on the root's pages and the districts'.
    let dsz = page(&site, "j/dsz/index.html");
    assert!(
        dsz.contains("<a href=\"/j/dsz/\" aria-current=\"true\">独山子区</a>"),
        "{dsz}"
    );
    assert!(dsz.contains("<a href=\"/\">测试市</a>"), "{dsz}");
    let root = page(&site, "index.html");
    assert!(
        root.contains("<a href=\"/\" aria-current=\"true\">测试市</a>"),
        "{root}"
    );
    // A claimed item is an ordinary page of its district, with its implementation code, and
    // leads to the catalogue item's page.
    let claimed = page(&site, "j/dsz/items/ZJ-XK-0001-650202.html");
    assert!(claimed.contains("建筑工程施工许可证核发"));
    assert!(
        claimed.contains("href=\"/catalogue/ZJ-XK-0001/\""),
        "{claimed}"
    );
    // The jurisdictions page: each district's coverage and the matrix, a cell per district.
    let j = page(&site, "jurisdictions/index.html");
    assert!(j.contains("href=\"/j/dsz/\">独山子区</a>"));
    assert_eq!(j.matches("<td class=\"cov cov-claimed\"").count(), 2, "{j}");
    assert_eq!(j.matches("<td class=\"cov cov-na\"").count(), 2, "{j}");
    assert!(
        j.contains("独山子区：不适用（本区的施工许可由市局统一办理，处罚随之由市局实施）"),
        "{j}"
    );
    assert!(
        j.contains("href=\"/j/dsz/items/ZJ-XK-0001-650202.html\""),
        "{j}"
    );
    // The catalogue item's page: the local versions side by side.
    let cat = page(&site, "catalogue/ZJ-XK-0001/index.html");
    assert!(cat.contains("ZJ-XK-0001-650202") && cat.contains("ZJ-XK-0001-650204"));
    assert_eq!(cat.matches("<td>5个工作日</td>").count(), 2, "{cat}");
    assert!(cat.contains("各地已认领的内容一致"), "{cat}");
    // Every page of the tree is in the root's sitemap or a district's.
    assert!(page(&site, "sitemap.xml").contains("/catalogue/ZJ-XK-0001/"));
    assert!(page(&site, "j/bjt/sitemap.xml").contains("/j/bjt/items/local-2.html"));
}

#[test]
fn a_local_version_unlike_most_is_marked_on_the_catalogue_item_s_page() {
    let mut files = base();
    files.extend(district("wrh", "乌尔禾区", "650205"));
    let files = with(
        files,
        "jurisdictions/bjt/departments/zjj/claims/ZJ-XK-0001.toml",
        Some(
            "catalogue = \"ZJ-XK-0001\"\nunit = \"行政审批科\"\n\n[guide]\npromised_limit = \"3个工作日\"\n",
        ),
    );
    let dir = tree(&files);
    let (code, site) = build_tree(dir.path());
    assert_eq!(code, 0);
    let cat = page(&site, "catalogue/ZJ-XK-0001/index.html");
    assert!(
        cat.contains("<td class=\"differs\">3个工作日 <span class=\"differs-note\">（与多数不同）</span></td>"),
        "{cat}"
    );
    assert_eq!(cat.matches("（与多数不同）</span>").count(), 1, "{cat}");
    assert!(
        cat.contains("<strong>1 地</strong>有与多数地方不同的内容"),
        "{cat}"
    );
}

#[test]
fn a_tree_that_fails_check_is_not_built() {
    // 白碱滩区 neither claims the penalty nor says why not.
    let files = with(
        base(),
        "jurisdictions/bjt/departments/zjj/claims/ZJ-CF-0002.toml",
        None,
    );
    let dir = tree(&files);
    let (code, site) = build_tree(dir.path());
    assert_eq!(code, 1);
    assert!(!site.exists());
}

#[test]
fn a_single_jurisdiction_site_has_no_switcher() {
    let dir = valid_tree();
    let (code, site) = build_tree(dir.path());
    assert_eq!(code, 0);
    assert!(!page(&site, "index.html").contains("switcher"));
    assert!(!site.join("j").exists() && !site.join("jurisdictions").exists());
}

/// A claim of a catalogue item that has no entry for the district's level is a warning at the
/// claim, and it does not count as claimed: claimed + not applicable + missing stays the number
/// of catalogue items of the level.
#[test]
fn a_claim_off_its_level_is_a_warning_and_not_counted() {
    let files = with(
        base(),
        "catalogue/ZJ-XK-0003.toml",
        Some(
            "code = \"ZJ-XK-0003\"\nname = \"超限高层建筑抗震设防审批\"\ncategory = \"行政许可\"\n\n[basis]\ntext = \"【行政法规】《建设工程抗震管理条例》第十三条\"\n\n[[levels]]\nlevel = \"地州市级\"\n",
        ),
    );
    let files = with(
        files,
        "jurisdictions/bjt/departments/zjj/claims/ZJ-XK-0003.toml",
        Some("catalogue = \"ZJ-XK-0003\"\n"),
    );
    let dir = tree(&files);
    let (code, report) = check_json(dir.path());
    assert_eq!(code, 0, "a warning only: {report:#}");
    let w: Vec<&serde_json::Value> = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["rule"] == "claim-not-for-level")
        .collect();
    assert_eq!(w.len(), 1, "{report:#}");
    assert_eq!(
        w[0]["file"],
        "jurisdictions/bjt/departments/zjj/claims/ZJ-XK-0003.toml"
    );
    assert_eq!(
        (w[0]["line"].as_u64(), w[0]["column"].as_u64()),
        (Some(1), Some(13))
    );
    let bjt = report["jurisdictions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["path"] == "jurisdictions/bjt")
        .unwrap()
        .clone();
    assert_eq!(
        (
            bjt["catalogue_items"].as_u64(),
            bjt["claimed"].as_u64(),
            bjt["not_applicable"].as_u64()
        ),
        (Some(2), Some(1), Some(1)),
        "{bjt:#}"
    );
}
