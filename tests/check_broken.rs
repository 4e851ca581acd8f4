//! `qingdan check` on deliberately broken lists: each case names its rule and the place
//! (file, line, column), exits 1 (or 0 for warnings), and nothing panics.

mod common;

use common::*;

const ITEM_PATH: &str = "departments/tjj/items/tjj-CF-000001.toml";

#[test]
fn the_valid_tree_passes() {
    let dir = valid_tree();
    let (code, report) = check_json(dir.path());
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["ok"], true);
    assert_eq!(report["items"], 2);
    assert!(report["errors"].as_array().unwrap().is_empty());
}

/// Replace the item file with `text` and return the diagnostics.
fn with_item(text: impl AsRef<[u8]>) -> (i32, Vec<Place>, serde_json::Value) {
    let dir = valid_tree();
    write(dir.path(), ITEM_PATH, text);
    let (code, report) = check_json(dir.path());
    (code, diags(&report), report)
}

fn one(rule: &str, line: u64, column: u64) -> Vec<Place> {
    vec![(rule.to_string(), ITEM_PATH.to_string(), line, column)]
}

#[test]
fn syntax_error() {
    let (code, d, report) = with_item(ITEM.replace("name = \"对", "name = 对"));
    assert_eq!(code, 1);
    assert_eq!(d[0].0, "toml-syntax");
    assert_eq!((d[0].2, d[0].3), (2, 8), "{report:#}");
    let msg = report["errors"][0]["message"].as_str().unwrap();
    assert!(msg.contains("TOML 语法错误"), "{msg}");
}

/// A file with three syntax errors reports all three, each at its line, not the first only.
#[test]
fn every_syntax_error_of_a_file_is_reported() {
    let text = ITEM
        .replace("name = \"对", "name = 对")
        .replace("category = \"行政处罚\"", "category = “行政处罚”")
        .replace("[basis]", "[basis");
    let (code, d, report) = with_item(text);
    assert_eq!(code, 1);
    let lines: Vec<u64> = d
        .iter()
        .filter(|p| p.0 == "toml-syntax")
        .map(|p| p.2)
        .collect();
    assert_eq!(lines, vec![2, 3, 6], "{report:#}");
    let help = report["errors"][1]["help"].as_str().unwrap_or("");
    assert!(help.contains("中文引号"), "{report:#}");
}

#[test]
fn duplicate_id_across_departments() {
    let dir = valid_tree();
    write(
        dir.path(),
        "departments/swj/items/tjj-CF-000001.toml",
        ITEM.replace("department = \"tjj\"", "department = \"swj\""),
    );
    let (code, report) = check_json(dir.path());
    assert_eq!(code, 1);
    let d = diags(&report);
    assert_eq!(
        d,
        vec![(
            "duplicate-id".to_string(),
            "departments/tjj/items/tjj-CF-000001.toml".to_string(),
            1,
            6
        )]
    );
    assert!(
        report["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("departments/swj/items")
    );
}

#[test]
fn unknown_category_suggests_the_official_name() {
    let (code, d, report) =
        with_item(ITEM.replace("category = \"行政处罚\"", "category = \"处罚\""));
    assert_eq!(code, 1);
    assert_eq!(d, one("unknown-category", 3, 12));
    assert!(
        report["errors"][0]["help"]
            .as_str()
            .unwrap()
            .contains("行政处罚")
    );
}

#[test]
fn empty_name() {
    let (code, d, _) =
        with_item(ITEM.replace("name = \"对拒绝配合统计调查的处罚\"", "name = \"  \""));
    assert_eq!(code, 1);
    assert_eq!(d, one("empty-name", 2, 8));
}

#[test]
fn unknown_department_in_a_boundary() {
    let dir = valid_tree();
    let b = std::fs::read_to_string(dir.path().join("boundaries/B001.toml")).unwrap();
    write(
        dir.path(),
        "boundaries/B001.toml",
        b.replace("\"swj\"", "\"swjj\""),
    );
    let (code, report) = check_json(dir.path());
    assert_eq!(code, 1);
    assert_eq!(
        diags(&report),
        vec![(
            "boundary-unknown-department".to_string(),
            "boundaries/B001.toml".to_string(),
            9,
            14
        )]
    );
    assert!(
        report["errors"][0]["help"]
            .as_str()
            .unwrap()
            .contains("swj")
    );
}

#[test]
fn invalid_utf8_points_at_the_first_bad_byte() {
    let mut bytes = ITEM.as_bytes().to_vec();
    let at = ITEM.find("统计调查").unwrap();
    bytes[at] = 0xFF;
    let (code, d, _) = with_item(bytes);
    assert_eq!(code, 1);
    // `name = "对拒绝配合` is 13 characters: the bad byte is the 14th column.
    assert_eq!(d, one("encoding", 2, 14));
}

#[test]
fn gbk_text_is_an_encoding_error_not_a_panic() {
    // "行政" in GBK.
    let (code, d, _) = with_item(b"id = \"x\"\nname = \"\xd0\xd0\xd5\xfe\"\n");
    assert_eq!(code, 1);
    assert_eq!(d, one("encoding", 2, 9));
}

#[test]
fn empty_file() {
    let (code, d, _) = with_item("");
    assert_eq!(code, 1);
    assert_eq!(d, one("empty-file", 1, 1));
}

#[test]
fn bom_is_a_warning_and_the_file_still_loads() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(ITEM.as_bytes());
    let (code, d, report) = with_item(bytes);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(d, one("bom", 1, 1));
    assert_eq!(report["items"], 2);
}

#[test]
fn crlf_files_load_and_report_the_same_places() {
    let crlf = ITEM.replace('\n', "\r\n");
    let (code, d, _) = with_item(&crlf);
    assert_eq!(code, 0);
    assert!(d.is_empty());
    let broken = crlf.replace("category = \"行政处罚\"", "category = \"行政审批\"");
    let (code, d, _) = with_item(broken);
    assert_eq!(code, 1);
    assert_eq!(d, one("unknown-category", 3, 12));
}

#[test]
fn a_50_mb_file_is_refused_without_reading_it() {
    let mut big = ITEM.to_string();
    big.push_str(&format!(
        "remarks = \"{}\"\n",
        "很长".repeat(50 * 1024 * 1024 / 6)
    ));
    assert!(big.len() > 50 * 1024 * 1024);
    let (code, d, _) = with_item(big);
    assert_eq!(code, 1);
    assert_eq!(d, one("file-too-large", 1, 1));
}

#[test]
fn unknown_and_missing_keys() {
    let (code, d, report) = with_item(format!("{ITEM}nmae = \"x\"\n"));
    assert_eq!(code, 1);
    assert_eq!(d, one("unknown-key", 8, 1));
    assert!(
        report["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nmae")
    );
    let (code, d, report) = with_item(ITEM.replace("category = \"行政处罚\"\n", ""));
    assert_eq!(code, 1);
    assert_eq!(d[0].0, "missing-key");
    assert!(
        report["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("category")
    );
}

#[test]
fn folder_and_id_must_agree_with_the_file() {
    let (code, d, _) = with_item(ITEM.replace("department = \"tjj\"", "department = \"swj\""));
    assert_eq!(code, 1);
    assert_eq!(d, one("department-mismatch", 4, 14));
    let (code, d, _) = with_item(ITEM.replace("id = \"tjj-CF-000001\"", "id = \"tjj-CF-000002\""));
    assert_eq!(code, 1);
    assert_eq!(d, one("id-mismatch", 1, 6));
}

#[test]
fn missing_basis_for_a_power() {
    let text = ITEM.split("\n[basis]").next().unwrap().to_string() + "\n";
    let (code, d, _) = with_item(text);
    assert_eq!(code, 1);
    assert_eq!(d, one("missing-basis", 3, 12));
    // A public service may rest on policy: no basis needed.
    let text = ITEM
        .split("\n[basis]")
        .next()
        .unwrap()
        .replace("行政处罚", "公共服务");
    let (code, _, _) = with_item(text);
    assert_eq!(code, 0);
}

#[test]
fn promised_limit_longer_than_statutory() {
    let text = format!(
        "{ITEM}\n[guide]\nstatutory_limit = \"20个工作日\"\npromised_limit = \"30个工作日\"\n"
    );
    let (code, d, _) = with_item(text);
    assert_eq!(code, 1);
    assert_eq!(d, one("promised-exceeds-statutory", 11, 18));
}

#[test]
fn adjustment_naming_an_unknown_item() {
    let dir = valid_tree();
    write(
        dir.path(),
        "adjustments/2025.toml",
        "edition = \"2025\"\n\n[[changes]]\nkind = \"新增\"\nnew_ids = [\"tjj-CF-999999\"]\nbasis = \"国发〔2024〕1号\"\n",
    );
    let (code, report) = check_json(dir.path());
    assert_eq!(code, 1);
    assert_eq!(
        diags(&report),
        vec![(
            "adjustment-unknown-item".to_string(),
            "adjustments/2025.toml".to_string(),
            5,
            12
        )]
    );
}

#[test]
fn same_name_twice_in_a_department_is_a_warning() {
    let dir = valid_tree();
    write(
        dir.path(),
        "departments/tjj/items/tjj-CF-000002.toml",
        ITEM.replace("000001", "000002"),
    );
    let (code, report) = check_json(dir.path());
    assert_eq!(code, 0);
    assert_eq!(
        diags(&report),
        vec![(
            "duplicate-name".to_string(),
            "departments/tjj/items/tjj-CF-000002.toml".to_string(),
            2,
            8
        )]
    );
}

#[test]
fn misplaced_files_and_missing_department_file() {
    let dir = valid_tree();
    write(dir.path(), "departments/tjj/stray.toml", ITEM);
    write(
        dir.path(),
        "departments/kjj/items/kjj-1.toml",
        ITEM.replace("tjj", "kjj")
            .replace("id = \"kjj-CF-000001\"", "id = \"kjj-1\""),
    );
    let (code, report) = check_json(dir.path());
    assert_eq!(code, 1);
    let rules: Vec<String> = diags(&report).into_iter().map(|d| d.0).collect();
    assert!(rules.contains(&"unexpected-file".to_string()), "{rules:?}");
    assert!(
        rules.contains(&"missing-department-file".to_string()),
        "{rules:?}"
    );
}

#[test]
fn text_output_underlines_the_offending_value_and_ends_with_counts() {
    let dir = valid_tree();
    write(dir.path(), ITEM_PATH, ITEM.replace("行政处罚", "行政审批"));
    let out = qingdan()
        .args(["check", "--lists"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("unknown-category"), "{text}");
    assert!(text.contains(&format!("{ITEM_PATH}:3:12")), "{text}");
    assert!(
        text.contains("category = \"行政审批\""),
        "the line is shown: {text}"
    );
    assert!(text.contains("按职权类别"), "{text}");
    assert!(text.contains("未通过"), "{text}");
}

#[test]
fn missing_lists_folder_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = qingdan()
        .args(["check", "--lists"])
        .arg(dir.path().join("nope"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("找不到清单文件夹"));
}

#[test]
fn the_demo_lists_pass() {
    let out = qingdan()
        .args(["check", "--format", "json", "--lists"])
        .arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("lists"))
        .output()
        .unwrap();
    let report = json(&out);
    assert_eq!(out.status.code(), Some(0), "{:#}", report["errors"]);
    assert!(report["items"].as_u64().unwrap() >= 1600);
}

#[test]
fn chinese_keyboard_slips_get_chinese_help_and_character_columns() {
    let dir = valid_tree();
    write(
        dir.path(),
        ITEM_PATH,
        ITEM.replace(
            "name = \"对拒绝配合统计调查的处罚\"",
            "name = “对拒绝配合统计调查的处罚”",
        ),
    );
    let (code, report) = check_json(dir.path());
    assert_eq!(code, 1);
    let e = &report["errors"][0];
    assert_eq!(e["rule"], "toml-syntax");
    assert!(e["help"].as_str().unwrap().contains("中文引号"), "{e:#}");
    let (line, column) = (e["line"].as_u64().unwrap(), e["column"].as_u64().unwrap());
    // The text report names the same place, counted in characters.
    let out = qingdan()
        .args(["check", "--lists"])
        .arg(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("{ITEM_PATH}:{line}:{column}")),
        "{text}"
    );
    assert!(text.contains("1 个文件因上面的错误未能读取"), "{text}");
}

#[test]
fn a_mistyped_key_gets_a_suggestion_and_a_duplicate_key_is_named() {
    let (code, _, report) = with_item(ITEM.replace("category =", "catgory ="));
    assert_eq!(code, 1);
    assert_eq!(report["errors"][0]["rule"], "unknown-key");
    assert!(
        report["errors"][0]["help"]
            .as_str()
            .unwrap()
            .contains("是否应为 category")
    );
    let (code, d, report) = with_item(ITEM.replace(
        "department = \"tjj\"",
        "department = \"tjj\"\nname = \"又一个\"",
    ));
    assert_eq!(code, 1);
    assert_eq!(d, one("duplicate-key", 5, 1));
    assert!(
        report["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("name")
    );
}

#[test]
fn category_with_stray_spaces_or_extra_words() {
    let (code, d, report) = with_item(ITEM.replace("\"行政处罚\"", "\"行政处罚 \""));
    assert_eq!(code, 1);
    assert_eq!(d, one("unknown-category", 3, 12));
    assert!(
        report["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("空格")
    );
    let (_, _, report) = with_item(ITEM.replace("\"行政处罚\"", "\"行政处罚决定\""));
    assert!(
        report["errors"][0]["help"]
            .as_str()
            .unwrap()
            .contains("是否应为 \"行政处罚\"")
    );
}

#[test]
fn time_limits_in_hundreds_and_several_stages() {
    let ok =
        format!("{ITEM}\n[guide]\nstatutory_limit = \"一百二十日\"\npromised_limit = \"30日\"\n");
    let (code, d, _) = with_item(ok);
    assert_eq!(code, 0, "{d:?}");
    let ok = format!(
        "{ITEM}\n[guide]\nstatutory_limit = \"1日内受理，20个工作日内办结\"\npromised_limit = \"10个工作日\"\n"
    );
    let (code, d, _) = with_item(ok);
    assert_eq!(code, 0, "{d:?}");
}

#[test]
fn every_key_problem_of_a_file_is_reported_at_once() {
    let text = ITEM.replace("category =", "catgory =")
        + "\n[guide]\npromised_limit = 5\nplce = \"窗口\"\n\n[[supervision]]\nobject = \"统计调查对象\"\n";
    let (code, d, report) = with_item(text);
    assert_eq!(code, 1);
    let rules: Vec<(&str, u64)> = d.iter().map(|p| (p.0.as_str(), p.2)).collect();
    assert_eq!(
        rules,
        [
            ("unknown-key", 3),
            ("wrong-type", 10),
            ("unknown-key", 11),
            ("missing-key", 13)
        ],
        "{report:#}"
    );
    let messages: Vec<&str> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert!(messages[2].contains("位于 [guide] 表中"), "{messages:?}");
    assert!(messages[3].contains("method"), "{messages:?}");
    // The mistyped key is said once, with its suggestion, not also as a missing key.
    assert!(!messages.iter().any(|m| m.contains("缺少必填的键 category")));
}

#[test]
fn toml_syntax_errors_are_said_in_chinese() {
    for (broken, said) in [
        (
            ITEM.replace("\"对拒绝配合统计调查的处罚\"", "\"对拒绝配合统计调查的处罚"),
            "文字的写法不对",
        ),
        (ITEM.replace("category = ", "category "), "缺少 = 和值"),
        (ITEM.to_string() + "\n[guide\n", "表头"),
    ] {
        let (code, _, report) = with_item(broken);
        assert_eq!(code, 1);
        let e = &report["errors"][0];
        assert_eq!(e["rule"], "toml-syntax", "{report:#}");
        let message = e["message"].as_str().unwrap();
        assert!(message.contains(said), "{message}");
    }
}

/// `site-look`: colours the site cannot use and a logo that is not there are said by `check`
/// (not only by `build`), at the key; a logo that is there is no `unexpected-file`.
#[test]
fn colours_and_logo_the_site_cannot_use() {
    let dir = valid_tree();
    write(
        dir.path(),
        "jurisdiction.toml",
        "name = \"测试市\"\nlogo = \"img/emblem.svg\"\ncolors = { primary = \"#ffff00\", accent = \"blue\" }\n",
    );
    let (code, report) = check_json(dir.path());
    assert_eq!(code, 0, "warnings only: {report:#}");
    let looks: Vec<(u64, u64)> = diags(&report)
        .into_iter()
        .filter(|d| d.0 == "site-look" && d.1 == "jurisdiction.toml")
        .map(|d| (d.2, d.3))
        .collect();
    assert_eq!(looks, vec![(2, 8), (3, 22), (3, 42)], "{report:#}");
    let text = report.to_string();
    assert!(text.contains("对比度只有 1.1:1"), "{report:#}");
    assert!(text.contains("不是 #rrggbb"), "{report:#}");

    // With the image in place and dark colours: nothing to say, and the image is no stray file.
    write(
        dir.path(),
        "img/emblem.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    );
    write(
        dir.path(),
        "jurisdiction.toml",
        "name = \"测试市\"\nlogo = \"img/emblem.svg\"\ncolors = { primary = \"#8a1c1c\", accent = \"#1d4f91\" }\n",
    );
    let (code, report) = check_json(dir.path());
    assert_eq!(code, 0);
    assert!(
        report["warnings"].as_array().unwrap().is_empty(),
        "{report:#}"
    );
}

/// A command line qingdan cannot take is said in Chinese, with a suggestion and the usage, and
/// exits 2; `--version` and `--help` still print as usual.
#[test]
fn command_line_mistakes_are_said_in_chinese() {
    let run = |args: &[&str]| {
        let out = qingdan().args(args).output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (code, _, err) = run(&["chek"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("没有 chek 这个命令"), "{err}");
    assert!(err.contains("check"), "{err}");
    let (code, _, err) = run(&["check", "--format", "xml"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("的值“xml”不对") && err.contains("json"),
        "{err}"
    );
    let (_, _, err) = run(&["serve", "--port", "8080"]);
    assert!(err.contains("不认识的参数 --port"), "{err}");
    assert!(err.contains("用法："), "{err}");
    let (_, _, err) = run(&["diff"]);
    assert!(err.contains("缺少必填的参数"), "{err}");
    assert!(!err.contains("error:"), "{err}");
    let (code, out, _) = run(&["--version"]);
    assert_eq!(code, Some(0));
    assert!(out.starts_with("qingdan "), "{out}");
    let (code, out, _) = run(&["check", "--help"]);
    assert_eq!(code, Some(0));
    assert!(out.contains("--lists"), "{out}");
}
