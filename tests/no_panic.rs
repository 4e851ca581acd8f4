//! Property tests: `check` and `import` never panic, whatever bytes they are given, and what
//! `import` writes always loads again.

use proptest::prelude::*;

use qingdan::snapshot::RawFile;
use qingdan::{Snapshot, check, import};

fn check_bytes(path: &str, bytes: Vec<u8>) {
    let snap = Snapshot::from_raw(
        "prop",
        vec![
            RawFile {
                transient: false,
                path: "jurisdiction.toml".into(),
                origin: None,
                bytes: Some(b"name = \"x\"\n".to_vec()),
                problem: None,
            },
            RawFile {
                transient: false,
                path: path.into(),
                origin: None,
                bytes: Some(bytes),
                problem: None,
            },
        ],
    );
    let report = check::check(&snap);
    let _ = check::render_text(&report, &snap, false);
    let _ = check::render_json(&report).unwrap();
    for d in report.errors.iter().chain(&report.warnings) {
        assert!(d.line >= 1 && d.column >= 1, "{d:?}");
    }
}

/// Text that looks like list files: keys, tables, strings, Chinese, broken quoting.
fn tomlish() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("id = ".to_string()),
        Just("name = ".to_string()),
        Just("category = ".to_string()),
        Just("department = ".to_string()),
        Just("\"行政许可\"".to_string()),
        Just("\"x\"".to_string()),
        Just("\"\"\"\n多行\n\"\"\"".to_string()),
        Just("[basis]\n".to_string()),
        Just("[[sub_items]]\n".to_string()),
        Just("[guide]\nstatutory_limit = \"1日\"\npromised_limit = \"三十日\"\n".to_string()),
        Just("[[parties]]\ndepartment = \"d\"\nduty = \"\"\n".to_string()),
        Just("[[changes]]\nkind = \"取消\"\nnew_ids = [\"a\"]\n".to_string()),
        Just("\n".to_string()),
        Just("\r\n".to_string()),
        Just("= ".to_string()),
        Just("[".to_string()),
        Just("1".to_string()),
        Just("\u{feff}".to_string()),
        "[ -~]{0,8}",
        "[\u{4e00}-\u{4e20}]{0,4}",
    ];
    prop::collection::vec(token, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn check_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        check_bytes("departments/d/items/a.toml", bytes.clone());
        check_bytes("boundaries/b.toml", bytes.clone());
        check_bytes("adjustments/2025.toml", bytes);
    }

    #[test]
    fn check_never_panics_on_tomlish_text(text in tomlish()) {
        for path in [
            "departments/d/items/a.toml",
            "departments/d/department.toml",
            "boundaries/b.toml",
            "adjustments/2025.toml",
            "jurisdiction.toml",
        ] {
            check_bytes(path, text.clone().into_bytes());
        }
    }

    #[test]
    fn import_never_panics_on_arbitrary_bytes(
        bytes in prop::collection::vec(any::<u8>(), 0..2000),
        prefix in prop_oneof![
            Just(Vec::new()),
            Just(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec()),
            Just(b"PK\x03\x04".to_vec()),
        ],
        ext in prop_oneof![Just("xls"), Just("xlsx"), Just("csv")],
    ) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(format!("表.{ext}"));
        let mut content = prefix;
        content.extend(bytes);
        std::fs::write(&file, content).unwrap();
        let opts = import::Options { into: dir.path().join("lists"), force: false, update: false, dry_run: false, quiet: true, department: None, catalogue: false };
        let _ = import::run(&[file], &opts);
    }

    #[test]
    fn imported_csv_always_loads_again(rows in prop::collection::vec(
        prop::collection::vec(prop_oneof![
            Just(String::new()),
            Just("序号".to_string()),
            Just("事项名称".to_string()),
            Just("子项名称".to_string()),
            Just("权力类型".to_string()),
            Just("实施依据".to_string()),
            Just("行政许可".to_string()),
            Just("行政处罚".to_string()),
            Just("None".to_string()),
            Just("/".to_string()),
            Just("1".to_string()),
            Just("2,3".to_string()),
            Just("一、行政许可".to_string()),
            Just("【法律】《某法》第一条：内容".to_string()),
            Just("某某事项\n审批".to_string()),
            Just("\"引号\" 和 \\ 反斜杠 ''' \"\"\"".to_string()),
            "[\u{4e00}-\u{4e40}]{1,6}",
        ], 1..7),
        0..14,
    )) {
        let dir = tempfile::tempdir().unwrap();
        let mut csv = String::from("某市某局2024年权责清单\n序号,事项名称,子项名称,权力类型,实施依据,备注\n");
        for row in &rows {
            let cells: Vec<String> = row.iter().map(|c| format!("\"{}\"", c.replace('"', "\"\""))).collect();
            csv.push_str(&cells.join(","));
            csv.push('\n');
        }
        let file = dir.path().join("某局.csv");
        std::fs::write(&file, csv).unwrap();
        let into = dir.path().join("lists");
        let opts = import::Options { into: into.clone(), force: false, update: false, dry_run: false, quiet: true, department: None, catalogue: false };
        let report = import::run(&[file], &opts).unwrap();
        if !report.written.is_empty() {
            let snap = Snapshot::load_dir(&into).unwrap();
            prop_assert!(snap.problems.is_empty(), "{:?}", snap.problems);
            prop_assert_eq!(snap.items.len(), report.items);
        }
    }
}
