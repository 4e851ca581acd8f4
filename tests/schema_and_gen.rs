//! The committed JSON Schemas match the code, and `qingdan gen` makes trees that `check` accepts.

mod common;

use common::*;

#[test]
fn committed_schemas_are_up_to_date() {
    let dir = tempfile::tempdir().unwrap();
    let out = qingdan()
        .args(["schema", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let committed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    for kind in [
        "item",
        "department",
        "boundary",
        "adjustments",
        "jurisdiction",
    ] {
        let name = format!("{kind}.schema.json");
        let fresh = std::fs::read_to_string(dir.path().join(&name)).unwrap();
        let old = std::fs::read_to_string(committed.join(&name)).unwrap_or_default();
        assert_eq!(
            fresh, old,
            "schemas/{name} is stale: run `qingdan schema --out schemas`"
        );
    }
}

#[test]
fn schema_of_one_kind_and_an_unknown_kind() {
    let out = qingdan().args(["schema", "item"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let s = json(&out);
    assert_eq!(s["type"], "object");
    assert!(s["properties"]["guide"].is_object());
    let out = qingdan().args(["schema", "nope"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn generated_lists_pass_check_and_are_deterministic() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    for d in [&a, &b] {
        let out = qingdan()
            .args([
                "gen",
                "--items",
                "300",
                "--departments",
                "7",
                "--seed",
                "9",
                "--out",
            ])
            .arg(d.path().join("lists"))
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let (code, report) = check_json(&a.path().join("lists"));
    assert_eq!(code, 0, "{:#}", report["errors"]);
    assert_eq!(report["items"], 300);
    assert_eq!(report["stats"]["departments"], 7);
    let file = "departments/d003/department.toml";
    assert_eq!(
        std::fs::read(a.path().join("lists").join(file)).unwrap(),
        std::fs::read(b.path().join("lists").join(file)).unwrap()
    );
    // gen refuses to write into a non-empty folder.
    let out = qingdan()
        .args(["gen", "--items", "1", "--out"])
        .arg(a.path().join("lists"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
