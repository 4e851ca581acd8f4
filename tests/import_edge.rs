//! Import on constructed spreadsheets with what the twelve real files lack: one sheet per
//! category, section-title rows, footer notes, continuation rows, hidden rows, placeholders,
//! serials like "2,3", CSV with a BOM, and files that are not spreadsheets at all.

mod common;

use std::path::Path;

use common::*;
use rust_xlsxwriter::{Format, Workbook};

fn import(files: &[&Path], into: &Path) -> (i32, serde_json::Value) {
    let mut cmd = qingdan();
    cmd.args(["import", "--format", "json", "--into"]).arg(into);
    for f in files {
        cmd.arg(f);
    }
    let out = cmd.output().unwrap();
    (out.status.code().unwrap_or(-1), json(&out))
}

fn item_texts(into: &Path) -> Vec<String> {
    let mut v = Vec::new();
    for dept in std::fs::read_dir(into.join("departments")).unwrap() {
        let items = dept.unwrap().path().join("items");
        for e in std::fs::read_dir(items).unwrap() {
            v.push(std::fs::read_to_string(e.unwrap().path()).unwrap());
        }
    }
    v.sort();
    v
}

#[test]
fn one_sheet_per_category_with_hidden_rows_and_notes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("某市某局权责清单.xlsx");
    let mut book = Workbook::new();
    let merge = Format::new();
    for (sheet, names) in [
        ("行政许可", ["某证核发", "某项审批", "隐藏的事项"]),
        (
            "行政处罚",
            ["对甲行为的处罚", "对乙行为的处罚", "对丙行为的处罚"],
        ),
    ] {
        let ws = book.add_worksheet();
        ws.set_name(sheet).unwrap();
        ws.merge_range(0, 0, 0, 4, "某市某局2024年权责清单", &merge)
            .unwrap();
        for (c, h) in ["序  号", "事项\n名称", "实施依据", "行使主体", "备注"]
            .iter()
            .enumerate()
        {
            ws.write_string(1, c as u16, *h).unwrap();
        }
        ws.write_string(2, 0, "一、市级").unwrap();
        for (i, name) in names.iter().enumerate() {
            let r = 3 + i as u32;
            ws.write_string(r, 0, (i + 1).to_string()).unwrap();
            ws.write_string(r, 1, *name).unwrap();
            ws.write_string(r, 2, "【法律】《某法》第一条：内容。")
                .unwrap();
            ws.write_string(r, 3, "某市某局").unwrap();
            ws.write_string(r, 4, "None").unwrap();
        }
        ws.set_row_hidden(5).unwrap();
        ws.write_string(6, 2, "第二条：续行里的依据。").unwrap();
        ws.write_string(8, 0, "注：本清单由某市某局负责解释。")
            .unwrap();
    }
    book.save(&path).unwrap();
    let into = dir.path().join("lists");
    let (code, report) = import(&[&path], &into);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(
        report["entries"], 4,
        "two visible items per sheet: {report:#}"
    );
    let sheets = report["files"][0]["sheets"].as_array().unwrap();
    for s in sheets {
        let reasons: Vec<(u64, String)> = s["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| {
                (
                    k["row"].as_u64().unwrap(),
                    k["reason"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(reasons.len(), 4, "{reasons:?}");
        assert_eq!(reasons[0], (3, "分级标题行（市级）".to_string()));
        assert_eq!(reasons[1].0, 6);
        assert!(reasons[1].1.contains("隐藏行"), "{reasons:?}");
        assert_eq!(reasons[2], (8, "空行".to_string()));
        assert!(
            reasons[3].1.contains("本清单由某市某局负责解释"),
            "{reasons:?}"
        );
    }
    let texts = item_texts(&into);
    assert_eq!(texts.len(), 4);
    assert_eq!(
        texts
            .iter()
            .filter(|t| t.contains("category = \"行政许可\""))
            .count(),
        2
    );
    assert_eq!(
        texts
            .iter()
            .filter(|t| t.contains("category = \"行政处罚\""))
            .count(),
        2
    );
    assert!(
        texts.iter().all(|t| !t.contains("None")),
        "placeholders dropped"
    );
    assert!(
        texts.iter().all(|t| t.contains("level = \"市级\"")),
        "level from the section row"
    );
    // The continuation row's text belongs to the item above it (row 5, "对乙行为的处罚").
    let second = texts.iter().find(|t| t.contains("对乙行为的处罚")).unwrap();
    assert!(second.contains("第二条：续行里的依据。"), "{second}");
    let (code, check) = check_json(&into);
    assert_eq!(code, 0, "{:#}", check["errors"]);
}

#[test]
fn csv_with_bom_sections_continuations_and_odd_serials() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("测试县统计局权责清单.csv");
    let csv = "\u{feff}测试县统计局2024年权责清单,,,,\n\
               序号,职权名称,职权类别,设定依据,救助渠道\n\
               一、行政处罚,,,,\n\
               1,对虚报统计资料的处罚,,【法律】《中华人民共和国统计法》第三十七条：……,\n\
               ,,,【法规】《统计法实施条例》第四十条：……,\n\
               \"2,3\",对迟报统计资料的处罚,,【法律】《中华人民共和国统计法》第四十二条：……,行政复议\n\
               二、行政检查,,,,\n\
               4,统计执法检查,/,【法律】《中华人民共和国统计法》第三十三条：……,无\n";
    std::fs::write(&path, csv).unwrap();
    let into = dir.path().join("lists");
    let (code, report) = import(&[&path], &into);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["files"][0]["format"], "csv");
    assert_eq!(report["files"][0]["department"], "测试县统计局");
    assert_eq!(report["entries"], 3);
    let texts = item_texts(&into);
    let first = texts
        .iter()
        .find(|t| t.contains("对虚报统计资料的处罚"))
        .unwrap();
    assert!(
        first.contains("category = \"行政处罚\""),
        "category from the section row"
    );
    assert!(
        first.contains("统计法实施条例"),
        "continuation row kept: {first}"
    );
    let odd = texts
        .iter()
        .find(|t| t.contains("对迟报统计资料的处罚"))
        .unwrap();
    assert!(odd.contains("code = \"2,3\""), "{odd}");
    assert!(
        odd.contains("remarks = \"行政复议\""),
        "救助渠道 is the remarks column"
    );
    let check_item = texts.iter().find(|t| t.contains("统计执法检查")).unwrap();
    assert!(
        check_item.contains("category = \"行政检查\""),
        "'/' falls back to the section"
    );
    let (code, check) = check_json(&into);
    assert_eq!(code, 0, "{:#}", check["errors"]);
    let j = std::fs::read_to_string(into.join("jurisdiction.toml")).unwrap();
    assert!(j.contains("name = \"测试县\""), "{j}");
}

#[test]
fn not_a_spreadsheet_is_a_clear_error_for_that_file() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("坏文件.xlsx");
    std::fs::write(&bad, [0xFFu8, 0xFE, 0x00, 0x81, 0x20]).unwrap();
    let zip = dir.path().join("假的.xlsx");
    std::fs::write(&zip, b"PK\x03\x04not really a zip").unwrap();
    let empty = dir.path().join("空.csv");
    std::fs::write(&empty, "").unwrap();
    let into = dir.path().join("lists");
    let (code, report) = import(&[&bad, &zip, &empty], &into);
    assert_eq!(code, 1);
    for f in report["files"].as_array().unwrap() {
        assert!(f["error"].is_string(), "{f:#}");
    }
    assert!(
        report["files"][0]["error"]
            .as_str()
            .unwrap()
            .contains("UTF-8")
    );
    assert!(!into.join("departments").exists(), "nothing written");
    // The text report says what went wrong for each file.
    let out = qingdan()
        .args(["import", "--into"])
        .arg(&into)
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("错误"));
}

#[test]
fn gbk_csv_is_converted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("测试县林业局权责清单.csv");
    let text = "序号,事项名称,权力类型,实施依据\n1,林木采伐许可证核发,行政许可,【法律】《中华人民共和国森林法》第五十六条：……\n";
    let (gbk, _, bad) = encoding_rs::GB18030.encode(text);
    assert!(!bad);
    std::fs::write(&path, &gbk).unwrap();
    let into = dir.path().join("lists");
    let (code, report) = import(&[&path], &into);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["entries"], 1);
    assert!(
        report["files"][0]["sheets"][0]["notes"][0]
            .as_str()
            .unwrap()
            .contains("GBK")
    );
    assert!(item_texts(&into)[0].contains("林木采伐许可证核发"));
}

#[test]
fn departments_with_the_same_initials_get_their_own_folders() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("甲市商务局权责清单.csv");
    let b = dir.path().join("甲市水务局权责清单.csv");
    std::fs::write(&a, "序号,事项名称,权力类型,实施依据\n1,对外贸易经营者备案,其他行政权力,【法律】《对外贸易法》\n").unwrap();
    std::fs::write(&b, "序号,事项名称,权力类型,实施依据\n1,取水许可,行政许可,【法律】《水法》\n2,同上事项,同上,同上\n").unwrap();
    let into = dir.path().join("lists");
    let (code, report) = import(&[&a, &b], &into);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["files"][0]["department_id"], "swj");
    assert_eq!(report["files"][1]["department_id"], "swj-2");
    let (code, check) = check_json(&into);
    assert_eq!(code, 0, "{:#}", check["errors"]);
    assert_eq!(check["stats"]["departments"], 2);
    // "同上" repeats the value of the row above.
    let texts = item_texts(&into);
    let same = texts.iter().find(|t| t.contains("同上事项")).unwrap();
    assert!(same.contains("category = \"行政许可\""), "{same}");
    assert!(same.contains("《水法》"), "{same}");
    // Importing 商务局 again into the same lists keeps its folder.
    let (code, again) = import(&[&a], &into);
    assert_eq!(code, 0);
    assert_eq!(again["files"][0]["department_id"], "swj");
}

#[test]
fn a_missing_input_file_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = qingdan()
        .args(["import", "--into"])
        .arg(dir.path())
        .arg(dir.path().join("不存在.xlsx"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("不存在.xlsx"));
}
