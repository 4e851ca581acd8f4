//! Helpers for integration tests: run the real binary, build temporary list trees.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

pub fn qingdan() -> Command {
    Command::cargo_bin("qingdan").expect("binary built by cargo")
}

/// `qingdan build --lists LISTS --out OUT`; it must succeed (its standard error otherwise).
pub fn build_ok(lists: &Path, out: &Path) -> Output {
    let o = qingdan()
        .args(["build", "--lists"])
        .arg(lists)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// A copy of the folder `from` (files and folders) at `to`.
pub fn copy_tree(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let dest = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

pub fn write(root: &Path, rel: &str, bytes: impl AsRef<[u8]>) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

pub const ITEM: &str = r#"id = "tjj-CF-000001"
name = "对拒绝配合统计调查的处罚"
category = "行政处罚"
department = "tjj"

[basis]
text = "【法律】《中华人民共和国统计法》第四十四条：……"
"#;

/// A small valid tree: jurisdiction, two departments, one item each, one boundary.
pub fn valid_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "jurisdiction.toml", "name = \"测试市\"\n");
    write(
        root,
        "departments/tjj/department.toml",
        "id = \"tjj\"\nname = \"测试市统计局\"\n",
    );
    write(
        root,
        "departments/swj/department.toml",
        "id = \"swj\"\nname = \"测试市商务局\"\n",
    );
    write(root, "departments/tjj/items/tjj-CF-000001.toml", ITEM);
    write(
        root,
        "departments/swj/items/swj-XK-000001.toml",
        r#"id = "swj-XK-000001"
name = "成品油零售经营许可"
category = "行政许可"
department = "swj"

[basis]
text = "【国务院决定】《国务院关于取消和下放一批行政许可事项的决定》"

[guide]
statutory_limit = "20个工作日"
promised_limit = "10个工作日"
"#,
    );
    write(
        root,
        "boundaries/B001.toml",
        r#"id = "B001"
name = "统计与商务数据共享"

[[parties]]
department = "tjj"
duty = "负责统计调查"

[[parties]]
department = "swj"
duty = "负责提供商务数据"
"#,
    );
    dir
}

/// `qingdan check --format json` on `root`: (exit code, report).
pub fn check_json(root: &Path) -> (i32, serde_json::Value) {
    let out = qingdan()
        .args(["check", "--format", "json", "--lists"])
        .arg(root)
        .output()
        .unwrap();
    (out.status.code().unwrap_or(-1), json(&out))
}

/// One diagnostic as (rule, file, line, column).
pub type Place = (String, String, u64, u64);

/// The diagnostics (errors then warnings) as (rule, file, line, column).
pub fn diags(report: &serde_json::Value) -> Vec<Place> {
    ["errors", "warnings"]
        .iter()
        .flat_map(|k| report[*k].as_array().cloned().unwrap_or_default())
        .map(|d| {
            (
                d["rule"].as_str().unwrap_or("").to_string(),
                d["file"].as_str().unwrap_or("").to_string(),
                d["line"].as_u64().unwrap_or(0),
                d["column"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

/// `qingdan diff --format json OLD NEW` (two folders): the report.
pub fn diff_json(old: &Path, new: &Path) -> serde_json::Value {
    diff_json_with([old.as_os_str(), new.as_os_str()])
}

/// `qingdan diff --format json ARGS…`: the report (the command must succeed).
pub fn diff_json_with<S: AsRef<std::ffi::OsStr>>(
    args: impl IntoIterator<Item = S>,
) -> serde_json::Value {
    let out = qingdan()
        .args(["diff", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    json(&out)
}

/// The department folders of a lists folder, sorted.
pub fn folders(lists: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(lists.join("departments"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    v.sort();
    v
}

/// Every file under `dir` with its bytes, sorted by path: what a command left on disk.
pub fn files_in(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().display().to_string(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

/// `qingdan serve` started with `args` after `serve --addr 127.0.0.1:0`, what it says on
/// standard error collected as it goes (`--watch` says its rebuilds there); killed when dropped.
pub struct Serving {
    child: std::process::Child,
    pub addr: String,
    pub log: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn serve_logged(args: &[&std::ffi::OsStr]) -> Serving {
    use std::io::BufRead;
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("qingdan"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .args(args)
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    {
        let log = log.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                if let Some(rest) = line.split("http://").nth(1) {
                    let _ = tx.send(rest.split('/').next().unwrap_or("").to_string());
                }
                log.lock().unwrap().push_str(&(line + "\n"));
            }
        });
    }
    // Kill it even if it never says its address.
    let mut serving = Serving {
        child,
        addr: String::new(),
        log,
    };
    serving.addr = rx
        .recv_timeout(std::time::Duration::from_secs(300))
        .expect("serve printed its address");
    serving
}
