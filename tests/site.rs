//! `qingdan build` on the demo lists, crawled: a page per item, no broken internal link or
//! anchor, `lang="zh-CN"` everywhere, no resource from another host, a well-formed flowchart on
//! every item with steps; list text with HTML and javascript: links shows as text; export to
//! xlsx and import again gives the same items; a failed check leaves the old site alone.

mod common;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use common::*;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn build(lists: &Path, out: &Path) -> std::process::Output {
    build_with(lists, out, &[])
}

fn build_with(lists: &Path, out: &Path, extra: &[&std::ffi::OsStr]) -> std::process::Output {
    qingdan()
        .args(["build", "--lists"])
        .arg(lists)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

fn html_files(root: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
        .map(|e| e.into_path())
        .collect()
}

/// Values of `attr="…"` in the HTML.
fn attrs<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    let key = format!(" {attr}=\"");
    html.match_indices(&key)
        .filter_map(|(i, _)| {
            let rest = &html[i + key.len()..];
            rest.find('"').map(|end| &rest[..end])
        })
        .collect()
}

fn ids(html: &str) -> HashSet<String> {
    attrs(html, "id").into_iter().map(str::to_string).collect()
}

/// The file a site URL is served from.
fn target(root: &Path, url: &str) -> PathBuf {
    let path = url.trim_start_matches('/');
    if path.is_empty() || path.ends_with('/') {
        root.join(path).join("index.html")
    } else {
        root.join(path)
    }
}

#[test]
fn the_demo_site_is_complete_and_self_contained() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let o = build(&repo().join("lists"), &out);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let snap = qingdan::Snapshot::load_dir(&repo().join("lists")).unwrap();

    // A page per item.
    for e in &snap.items {
        let page = out
            .join("items")
            .join(format!("{}.html", e.value.id.as_str()));
        assert!(page.exists(), "no page for {}", e.value.id.as_str());
    }
    for must in [
        "index.html",
        "404.html",
        "sitemap.xml",
        "robots.txt",
        "assets/style.css",
        "data/qingdan.xlsx",
        "data/qingdan.csv",
        "data/qingdan.json",
        "accessibility/index.html",
        "boundaries/index.html",
        "supervision/index.html",
        "data/index.html",
        "departments/index.html",
        "categories/index.html",
        "life/index.html",
    ] {
        assert!(out.join(must).exists(), "missing {must}");
    }

    // The search page of a static host: filled by search.js; without JavaScript it says so and
    // offers browsing instead.
    let search = std::fs::read_to_string(out.join("search/index.html")).unwrap();
    let noscript = &search[search.find("<noscript>").expect("a noscript notice")..];
    assert!(noscript.contains("JavaScript") && noscript.contains("/departments/"));
    assert!(search.contains("action=\"/search/\""));
    for f in ["search/meta.json", "assets/search.js"] {
        assert!(out.join(f).exists(), "missing {f}");
    }

    let files = html_files(&out);
    let mut cache: HashMap<PathBuf, HashSet<String>> = HashMap::new();
    let mut flowcharts = 0;
    for f in &files {
        let html = std::fs::read_to_string(f).unwrap();
        assert!(
            html.contains("<html lang=\"zh-CN\">"),
            "{}: no lang",
            f.display()
        );
        assert!(html.contains("<meta name=\"viewport\""), "{}", f.display());
        // No resource from another host: scripts, images, styles, fonts, frames.
        for src in attrs(&html, "src") {
            assert!(
                !src.contains("//"),
                "{}: external resource {src}",
                f.display()
            );
        }
        // Our own scripts only, deferred; nothing inline (pages work without them): search.js on
        // every page, adjust.js on adjustment pages.
        // A district's pages (multi-level demo) are a site of their own below /j/<folder>.
        let prefix = match f.strip_prefix(&out).ok().and_then(|r| {
            let mut c = r.components();
            (c.next()?.as_os_str() == "j").then(|| c.next())?
        }) {
            Some(d) => format!("/j/{}", d.as_os_str().to_string_lossy()),
            None => String::new(),
        };
        assert!(
            html.contains(&format!(
                "<script src=\"{prefix}/assets/search.js\" data-base=\"{prefix}\" defer></script>"
            )),
            "{}: the search script",
            f.display()
        );
        for (i, _) in html.match_indices("<script") {
            let tag = &html[i..html[i..].find('>').map_or(html.len(), |e| i + e + 1)];
            assert!(
                tag.contains(&format!(" src=\"{prefix}/assets/")) && tag.contains(" defer"),
                "{}: only our own deferred scripts: {tag}",
                f.display()
            );
        }
        for (i, _) in html.match_indices("<link ") {
            let tag = &html[i..i + html[i..].find('>').unwrap()];
            assert!(
                !tag.contains("href=\"http") || tag.contains("rel=\"canonical\""),
                "{}: {tag}",
                f.display()
            );
        }
        // Internal links and anchors resolve.
        for href in attrs(&html, "href") {
            // An empty inline favicon (so browsers ask for no /favicon.ico) is no resource.
            if href == "data:," {
                continue;
            }
            if href.starts_with("http://")
                || href.starts_with("https://")
                || href.starts_with("tel:")
                || href.starts_with("mailto:")
            {
                continue;
            }
            assert!(
                href.starts_with('/') || href.starts_with('#'),
                "{}: odd link {href}",
                f.display()
            );
            let (path, anchor) = href.split_once('#').unwrap_or((href, ""));
            let file = if path.is_empty() {
                f.clone()
            } else {
                target(&out, path)
            };
            assert!(file.exists(), "{}: broken link {href}", f.display());
            if !anchor.is_empty() {
                let ids = cache
                    .entry(file.clone())
                    .or_insert_with(|| ids(&std::fs::read_to_string(&file).unwrap_or_default()));
                assert!(
                    ids.contains(anchor),
                    "{}: broken anchor {href}",
                    f.display()
                );
            }
        }
        // Two drawings of each flowchart (narrow and wide), both well-formed.
        flowcharts += usize::from(html.contains("<svg class=\"flowchart flowchart-fc\""));
        for (start, _) in html.match_indices("<svg class=\"flowchart") {
            let end = html[start..].find("</svg>").unwrap() + start + 6;
            let svg = &html[start..end];
            let mut reader = quick_xml::Reader::from_str(svg);
            loop {
                match reader.read_event() {
                    Ok(quick_xml::events::Event::Eof) => break,
                    Ok(_) => {}
                    Err(e) => panic!("{}: flowchart is not well-formed XML: {e}", f.display()),
                }
            }
        }
    }
    let with_steps = snap
        .items
        .iter()
        .filter(|e| e.value.guide.as_ref().is_some_and(|g| !g.steps.is_empty()))
        .count();
    assert!(with_steps >= 20);
    assert_eq!(flowcharts, with_steps, "one flowchart per item with steps");
    // The root's sitemap and each district's (multi-level demo): every page but the 404s.
    let mut sitemaps = vec![out.join("sitemap.xml")];
    if let Ok(dirs) = std::fs::read_dir(out.join("j")) {
        sitemaps.extend(dirs.map(|d| d.unwrap().path().join("sitemap.xml")));
    }
    let urls: usize = sitemaps
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap().matches("<url>").count())
        .sum();
    assert_eq!(
        urls,
        files.len() - sitemaps.len(),
        "every page but 404 is in the sitemap"
    );
}

/// `qingdan export --to TO --lists LISTS` with `args` after; it must succeed. Its standard output.
fn export(lists: &Path, to: &str, args: &[&std::ffi::OsStr]) -> Vec<u8> {
    let o = qingdan()
        .args(["export", "--to", to, "--lists"])
        .arg(lists)
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    o.stdout
}

/// A department's CSV and JSON under `data/departments/` are cut out of the whole list's files;
/// they must be what `qingdan export --department` makes of that department on its own (the
/// CSV numbered from 1), and the whole list's what `export` makes of all.
#[test]
fn department_data_files_equal_the_export_of_the_department() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let lists = repo().join("lists");
    let o = build(&lists, &out);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let export = |to: &str, department: Option<&str>| match department {
        Some(d) => export(&lists, to, &["--department".as_ref(), d.as_ref()]),
        None => export(&lists, to, &[]),
    };
    let snap = qingdan::Snapshot::load_dir(&lists).unwrap();
    assert!(snap.departments.len() >= 12);
    for to in ["csv", "json"] {
        let whole = std::fs::read(out.join(format!("data/qingdan.{to}"))).unwrap();
        assert!(whole == export(to, None), "data/qingdan.{to}");
        for d in &snap.departments {
            let rel = format!("data/departments/{}.{to}", d.folder);
            let site = std::fs::read(out.join(&rel)).unwrap();
            assert!(
                site == export(to, Some(&d.folder)),
                "{rel} differs from the export"
            );
        }
    }
    // Numbered from 1 in each department, not as in the whole list.
    let last = snap.departments.last().unwrap();
    let csv =
        std::fs::read_to_string(out.join(format!("data/departments/{}.csv", last.folder))).unwrap();
    assert!(csv.lines().nth(1).unwrap().starts_with("1,"), "{csv}");
}

/// `export --out FILE` streams into a temporary file and puts it in place when complete: the
/// same bytes as to standard output, an existing file replaced, no temporary left behind.
#[test]
fn export_into_a_file_equals_export_to_standard_output() {
    let dir = tempfile::tempdir().unwrap();
    let lists = repo().join("lists");
    for to in ["csv", "json"] {
        let path = dir.path().join(format!("清单.{to}"));
        std::fs::write(&path, "an older export").unwrap();
        let run = |out: Option<&Path>| match out {
            Some(out) => export(&lists, to, &["--out".as_ref(), out.as_ref()]),
            None => export(&lists, to, &[]),
        };
        let stdout = run(None);
        assert!(stdout.len() > 10_000);
        assert!(run(Some(&path)).is_empty());
        assert!(std::fs::read(&path).unwrap() == stdout, "{to}");
        assert!(
            run(Some(Path::new("-"))) == stdout,
            "--out - is standard output"
        );
    }
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

/// Run `script` in `sh` in `dir`, with `$Q` the qingdan binary and `$L` the demo lists; its
/// exit code and standard error.
#[cfg(unix)]
fn sh(dir: &Path, script: &str) -> (Option<i32>, String) {
    let o = std::process::Command::new("sh")
        .current_dir(dir)
        .env("Q", env!("CARGO_BIN_EXE_qingdan"))
        .env("L", repo().join("lists"))
        .args(["-c", script])
        .output()
        .unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// What an exported file's permissions are: a new file's as any new file's (0666 less the
/// umask, not a temporary file's 0600), a replaced file's as they were.
#[cfg(unix)]
#[test]
fn an_exported_file_has_ordinary_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let mode = |name: &str| {
        std::fs::metadata(dir.path().join(name))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    let (code, err) = sh(
        dir.path(),
        r#"umask 022 && "$Q" export --to csv --lists "$L" --out new.csv"#,
    );
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(mode("new.csv"), 0o644);
    std::fs::write(dir.path().join("old.csv"), "").unwrap();
    std::fs::set_permissions(
        dir.path().join("old.csv"),
        std::fs::Permissions::from_mode(0o640),
    )
    .unwrap();
    let (code, err) = sh(
        dir.path(),
        r#"umask 022 && "$Q" export --to csv --lists "$L" --out old.csv"#,
    );
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(mode("old.csv"), 0o640);
}

/// `--out /dev/stdout` is standard output, not a file to truncate or replace: what the shell
/// wrote before and after stays.
#[cfg(target_os = "linux")]
#[test]
fn export_to_dev_stdout_keeps_what_came_before() {
    let dir = tempfile::tempdir().unwrap();
    let (code, err) = sh(
        dir.path(),
        r#"{ echo 表头; "$Q" export --to json --lists "$L" --out /dev/stdout; echo; echo 表尾; } > f.txt"#,
    );
    assert_eq!(code, Some(0), "{err}");
    let text = std::fs::read_to_string(dir.path().join("f.txt")).unwrap();
    assert!(
        text.starts_with("表头\n{\"jurisdiction\""),
        "{}",
        &text[..80]
    );
    assert!(text.ends_with("]}\n表尾\n"));
}

/// As another user (root runs this test through `setpriv`; others skip it): a file one may not
/// write is refused as a shell's `>` refuses it, and a writable file of someone else's in a
/// sticky folder (/tmp-like, where renaming over it is not allowed) is written, keeping its
/// owner.
#[cfg(target_os = "linux")]
#[test]
fn another_users_files_are_written_as_a_shell_would() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let root = std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false);
    let setpriv = std::process::Command::new("setpriv")
        .arg("--help")
        .output()
        .is_ok();
    if !root || !setpriv {
        eprintln!("skipped: needs root and setpriv");
        return;
    }
    let dir = tempfile::Builder::new().tempdir().unwrap();
    let d = dir.path();
    std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o1777)).unwrap();
    // Someone else's (root's) writable file in the sticky folder.
    std::fs::write(d.join("shared.csv"), "old").unwrap();
    std::fs::set_permissions(d.join("shared.csv"), std::fs::Permissions::from_mode(0o666)).unwrap();
    // nobody's own file, write-protected.
    std::fs::write(d.join("mine.csv"), "old").unwrap();
    std::os::unix::fs::chown(d.join("mine.csv"), Some(65534), Some(65534)).unwrap();
    std::fs::set_permissions(d.join("mine.csv"), std::fs::Permissions::from_mode(0o444)).unwrap();
    // The binary and the lists must be readable by nobody: copied into the folder.
    std::fs::copy(env!("CARGO_BIN_EXE_qingdan"), d.join("q")).unwrap();
    write(d, "lists/departments/tjj/items/tjj-CF-000001.toml", ITEM);
    write(
        d,
        "lists/departments/tjj/department.toml",
        "id = \"tjj\"\nname = \"测试市统计局\"\n",
    );
    write(d, "lists/jurisdiction.toml", "name = \"测试市\"\n");
    for (rel, mode) in [
        ("q", 0o755),
        ("lists", 0o755),
        ("lists/departments", 0o755),
        ("lists/departments/tjj", 0o755),
        ("lists/departments/tjj/items", 0o755),
        ("lists/departments/tjj/items/tjj-CF-000001.toml", 0o644),
        ("lists/departments/tjj/department.toml", 0o644),
        ("lists/jurisdiction.toml", 0o644),
    ] {
        std::fs::set_permissions(d.join(rel), std::fs::Permissions::from_mode(mode)).unwrap();
    }
    let as_nobody = |out: &str| {
        std::process::Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(d.join("q"))
            .args(["export", "--to", "csv", "--lists"])
            .arg(d.join("lists"))
            .arg("--out")
            .arg(d.join(out))
            .current_dir(d)
            .output()
            .unwrap()
    };
    let o = as_nobody("shared.csv");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let m = std::fs::metadata(d.join("shared.csv")).unwrap();
    assert_eq!(m.uid(), 0, "still root's");
    assert!(std::fs::read_to_string(d.join("shared.csv")).unwrap().len() > 3);
    let o = as_nobody("mine.csv");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("mine.csv"), "{err}");
    assert_eq!(std::fs::read_to_string(d.join("mine.csv")).unwrap(), "old");
    let left = std::fs::read_dir(d).unwrap().count();
    assert_eq!(left, 4, "no temporary left (q, lists and the two files)");
}

/// A write that fails half way (here a file size limit, as a full disk would) stops `export`
/// and `build` with an error naming the file, keeps what was there (no half file, no stray
/// temporary, no `site/`), and does not crash (rust_xlsxwriter panics on its temporary file).
#[cfg(target_os = "linux")]
#[test]
fn a_write_that_fails_half_way_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // SIGXFSZ ignored, so that writing past the limit fails with EFBIG instead of killing.
    let limited = || {
        let mut c = std::process::Command::new("sh");
        c.current_dir(dir.path())
            .env("TMPDIR", dir.path())
            .env("RUST_BACKTRACE", "0")
            .arg("-c")
            .arg(r#"trap "" XFSZ; ulimit -f 200; exec "$0" "$@""#)
            .arg(env!("CARGO_BIN_EXE_qingdan"));
        c
    };
    let lists = repo().join("lists");
    for to in ["csv", "json", "xlsx"] {
        let name = format!("out.{to}");
        std::fs::write(dir.path().join(&name), "an older export").unwrap();
        let o = limited()
            .args(["export", "--to", to, "--lists"])
            .arg(&lists)
            .args(["--out", &name])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{to}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        if to == "xlsx" {
            assert!(err.contains("临时文件"), "{err}");
        } else {
            assert!(err.contains(&format!("无法写入 {name}")), "{err}");
        }
        assert_eq!(
            std::fs::read_to_string(dir.path().join(&name)).unwrap(),
            "an older export"
        );
    }
    let o = limited()
        .args(["build", "--lists"])
        .arg(&lists)
        .args(["--out", "site"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let mut left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["out.csv", "out.json", "out.xlsx"]);
}

#[test]
fn list_text_cannot_inject_html_or_scripts() {
    let dir = valid_tree();
    write(
        dir.path(),
        "departments/tjj/items/tjj-CF-000001.toml",
        r#"id = "tjj-CF-000001"
name = "<script>alert('名称')</script>"
category = "行政处罚"
department = "tjj"
remarks = "[点我](javascript:alert(1)) 和 <a href=\"javascript:alert(2)\">链接</a>"
body = "<img src=x onerror=alert(3)>"

[basis]
text = "<script>alert(4)</script>【法律】《某法》第一条：<b onmouseover=alert(5)>粗</b>"

[guide]
conditions = "![图](https://evil.example/x.png) <iframe src=\"https://evil.example\"></iframe>"
online_url = "javascript:alert(6)"

[[guide.steps]]
name = "受理<script>"
"#,
    );
    let out = dir.path().join("out");
    let o = build(dir.path(), &out);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let html = std::fs::read_to_string(out.join("items/tjj-CF-000001.html")).unwrap();
    assert!(html.contains("&lt;script&gt;alert("), "shown as text");
    assert!(!html.contains("<script>"), "{html}");
    assert_eq!(html.matches("<script").count(), 1, "only our own: {html}");
    assert!(!html.contains("<img"), "{html}");
    assert!(!html.contains("<iframe"), "{html}");
    assert!(!html.contains("<b onmouseover"), "{html}");
    assert!(!html.contains("<a href=\"javascript"), "{html}");
    // The image became its alt text; the iframe is text (no <img>, no <iframe> above).
    assert!(html.contains("<p>图 &lt;iframe"), "{html}");
    assert!(
        html.contains("&lt;a href=\"javascript:alert(2)\"&gt;"),
        "raw HTML shown as text"
    );
    for f in html_files(&out) {
        let page = std::fs::read_to_string(&f).unwrap();
        assert!(!page.contains("<script>"), "{}", f.display());
        assert_eq!(page.matches("<script").count(), 1, "{}", f.display());
    }
}

/// The xlsx is written in constant-memory mode, through a temporary file: without a writable
/// temporary folder it is still written (in memory).
#[test]
fn export_to_xlsx_without_a_temporary_folder() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("清单.xlsx");
    export_demo_xlsx(&xlsx, &dir.path().join("no-such-folder"));
    assert!(std::fs::metadata(&xlsx).unwrap().len() > 10_000);
}

/// `qingdan export --to xlsx` of the demo lists into `xlsx`, with `tmp` as the temporary
/// folder (it must succeed).
fn export_demo_xlsx(xlsx: &Path, tmp: &Path) {
    let o = qingdan()
        .env("TMPDIR", tmp)
        .args(["export", "--to", "xlsx", "--lists"])
        .arg(repo().join("lists"))
        .arg("--out")
        .arg(xlsx)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn export_to_xlsx_and_import_again_gives_the_same_items() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("清单.xlsx");
    export_demo_xlsx(&xlsx, &std::env::temp_dir());
    let again = dir.path().join("lists");
    let o = qingdan()
        .args(["import", "--format", "json", "--into"])
        .arg(&again)
        .arg(&xlsx)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let (code, report) = check_json(&again);
    assert_eq!(code, 0, "{:#}", report["errors"]);
    let a = qingdan::Snapshot::load_dir(&repo().join("lists")).unwrap();
    let b = qingdan::Snapshot::load_dir(&again).unwrap();
    assert_eq!(a.items.len(), b.items.len());
    let by_id: HashMap<&str, &qingdan::model::Item> = b
        .items
        .iter()
        .map(|e| (e.value.id.as_str(), &*e.value))
        .collect();
    for e in &a.items {
        let x = &e.value;
        let y = by_id
            .get(x.id.as_str())
            .unwrap_or_else(|| panic!("{} missing after the round trip", x.id.as_str()));
        assert_eq!(x.name, y.name);
        assert_eq!(x.category, y.category);
        assert_eq!(x.department, y.department, "{}", x.id.as_str());
        let subs = |i: &qingdan::model::Item| {
            i.sub_items
                .iter()
                .map(|s| s.name.value.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(subs(x), subs(y), "{}", x.id.as_str());
        assert_eq!(x.basis.text, y.basis.text, "{}", x.id.as_str());
    }
    // And the site builds from it.
    let o = build(&again, &dir.path().join("site"));
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn a_failed_check_leaves_the_old_site_alone_and_foreign_folders_are_refused() {
    let dir = valid_tree();
    let out = dir.path().join("public");
    assert_eq!(build(dir.path(), &out).status.code(), Some(0));
    let before = std::fs::read_to_string(out.join("index.html")).unwrap();
    write(
        dir.path(),
        "departments/tjj/items/tjj-CF-000001.toml",
        ITEM.replace("行政处罚", "行政审批"),
    );
    let o = build(dir.path(), &out);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(out.join("index.html")).unwrap(),
        before
    );
    // A folder qingdan did not make is never replaced.
    let foreign = dir.path().join("mine");
    write(&foreign, "notes.txt", "keep me");
    write(dir.path(), "departments/tjj/items/tjj-CF-000001.toml", ITEM);
    let o = build(dir.path(), &foreign);
    assert_eq!(o.status.code(), Some(2));
    assert!(foreign.join("notes.txt").exists());
    // Nor one that holds the lists.
    let o = build(dir.path(), dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(dir.path().join("jurisdiction.toml").exists());
}

/// A build stopped half-way (Ctrl-C, a crash) leaves its folder beside the site under its
/// process number: the next build removes it, but not a folder of a build still running nor
/// folders it did not make.
#[test]
fn folders_of_an_interrupted_build_are_removed_by_the_next() {
    let dir = valid_tree();
    let out = dir.path().join("public");
    // Process numbers no process has (above any pid_max).
    let dead = dir.path().join(".public.building-4000000000");
    let dead_old = dir.path().join(".public.old-4000000001");
    let running = dir
        .path()
        .join(format!(".public.building-{}", std::process::id()));
    let other = dir.path().join(".public.notes-4000000000");
    for d in [&dead, &dead_old, &running, &other] {
        std::fs::create_dir_all(d.join("items")).unwrap();
        std::fs::write(d.join("items/a.html"), "<p>半个网站</p>").unwrap();
    }
    let o = build(dir.path(), &out);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        !dead.exists() && !dead_old.exists(),
        "stale folders removed"
    );
    assert!(running.exists() && other.exists(), "others left alone");
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(said.contains("已删除中断的构建留下的临时文件夹"), "{said}");
    assert!(said.contains(".public.building-4000000000"), "{said}");
}

#[test]
fn templates_can_be_overridden() {
    let dir = valid_tree();
    let templates = dir.path().join("my-templates");
    write(
        &templates,
        "404.html",
        "{% extends \"base.html\" %}{% block content %}<h1>自定义的 404</h1>{% endblock content %}",
    );
    let out = dir.path().join("out");
    let o = build_with(
        dir.path(),
        &out,
        &["--templates".as_ref(), templates.as_os_str()],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        std::fs::read_to_string(out.join("404.html"))
            .unwrap()
            .contains("自定义的 404")
    );
    // A broken template is a clear error, and nothing is replaced.
    write(&templates, "404.html", "{% block content %}");
    let o = build_with(
        dir.path(),
        &out,
        &["--templates".as_ref(), templates.as_os_str()],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("模板"));
    assert!(
        std::fs::read_to_string(out.join("404.html"))
            .unwrap()
            .contains("自定义的 404")
    );
}

/// A build reuses the pages of the previous one whose inputs did not change, and only those.
#[test]
fn unchanged_pages_are_reused_and_changed_ones_rendered() {
    let dir = tempfile::tempdir().unwrap();
    let lists = dir.path().join("lists");
    let out = dir.path().join("site");
    // A small copy of the demo: two departments.
    for e in walkdir::WalkDir::new(repo().join("lists")) {
        let e = e.unwrap();
        let rel = e.path().strip_prefix(repo().join("lists")).unwrap();
        let s = rel.to_string_lossy();
        if s.starts_with("departments/")
            && !(s.starts_with("departments/tjj") || s.starts_with("departments/kxjsj"))
        {
            continue;
        }
        // One jurisdiction: the catalogue and the districts claim departments left out here.
        if s.starts_with("boundaries")
            || s.starts_with("adjustments")
            || s.starts_with("catalogue")
            || s.starts_with("jurisdictions")
        {
            continue;
        }
        let dest = lists.join(rel);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else if s == "jurisdiction.toml" {
            // No editions: the history would need the repository's git objects.
            let text = std::fs::read_to_string(e.path()).unwrap();
            let cut = text.find("[[editions]]").unwrap_or(text.len());
            std::fs::write(&dest, &text[..cut]).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
    let run = |extra: &[&std::ffi::OsStr]| -> serde_json::Value {
        let mut args: Vec<&std::ffi::OsStr> = vec!["--format".as_ref(), "json".as_ref()];
        args.extend_from_slice(extra);
        let out = build_with(&lists, &out, &args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        json(&out)
    };
    let first = run(&[]);
    assert_eq!(first["reused"], 0);
    let items = std::fs::read_dir(lists.join("departments/tjj/items"))
        .unwrap()
        .count()
        + std::fs::read_dir(lists.join("departments/kxjsj/items"))
            .unwrap()
            .count();
    let page = out.join("items/tjj-CF-c8bcc7.html");
    let before = std::fs::read_to_string(&page).unwrap();
    let second = run(&[]);
    assert_eq!(second["reused"], items as u64);
    assert_eq!(std::fs::read_to_string(&page).unwrap(), before);

    // One item changes: its page is rendered again, the others are reused.
    let file = lists.join("departments/tjj/items/tjj-CF-c8bcc7.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let renamed = text.replacen("name = \"", "name = \"（新）", 1);
    std::fs::write(&file, renamed).unwrap();
    let third = run(&[]);
    assert_eq!(third["reused"], items as u64 - 1);
    assert!(std::fs::read_to_string(&page).unwrap().contains("（新）"));
    // The open data and the search index follow the change too.
    let csv = std::fs::read_to_string(out.join("data/qingdan.csv")).unwrap();
    assert!(csv.contains("（新）"));

    // Another stylesheet changes every page.
    let templates = dir.path().join("templates");
    std::fs::create_dir_all(templates.join("assets")).unwrap();
    std::fs::write(templates.join("assets/style.css"), "body { color: #000; }").unwrap();
    let fourth = run(&["--templates".as_ref(), templates.as_os_str()]);
    assert_eq!(fourth["reused"], 0);
}

/// The same lists build the same site, byte for byte, whenever built (workbooks dated by the
/// list, manifests in order): a site uploaded again (rsync, a git-backed host) changes only
/// where the lists did. Only the server's tantivy index differs (its segments are named at
/// random); no static host serves it.
#[test]
fn the_same_lists_build_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    build_ok(&repo().join("lists"), &a);
    // Past the second, so that a time of the build would show.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    build_ok(&repo().join("lists"), &b);
    let tantivy = |path: &str| {
        let name = path.rsplit('/').next().unwrap_or(path);
        path.contains("_index/")
            && (name == "meta.json"
                || name == ".managed.json"
                || name.starts_with(".tantivy")
                || [
                    ".fast",
                    ".fieldnorm",
                    ".idx",
                    ".pos",
                    ".store",
                    ".term",
                    ".del",
                ]
                .iter()
                .any(|ext| name.ends_with(ext)))
    };
    let files = |site: &Path| -> Vec<(String, Vec<u8>)> {
        files_in(site)
            .into_iter()
            .filter(|(path, _)| !tantivy(path))
            .collect()
    };
    let (a, b) = (files(&a), files(&b));
    assert!(a.iter().any(|(p, _)| p.ends_with(".xlsx")));
    assert!(a.iter().any(|(p, _)| p.ends_with("_index/build.json")));
    let names = |v: &[(String, Vec<u8>)]| v.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>();
    assert_eq!(names(&a), names(&b));
    let differ: Vec<&String> = a
        .iter()
        .zip(&b)
        .filter(|(x, y)| x.1 != y.1)
        .map(|(x, _)| &x.0)
        .collect();
    assert!(
        differ.is_empty(),
        "built twice, these files differ: {differ:?}"
    );
}
