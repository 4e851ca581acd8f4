//! Feedback on item pages, end to end with the real binary: the block on the page (served and
//! static), posts to `serve` stored and refused as they should be, and `qingdan feedback` listing
//! and exporting them without letting a formula or markup through.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use common::*;

struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(lists: &Path, out: &Path, extra: &[&str]) -> Server {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("qingdan"))
        .args(["serve", "--addr", "127.0.0.1:0", "--lists"])
        .arg(lists)
        .arg("--out")
        .arg(out)
        .args(extra)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let addr = loop {
        let line = lines.next().expect("serve printed its address").unwrap();
        if let Some(rest) = line.split("http://").nth(1) {
            break rest.split('/').next().unwrap().to_string();
        }
    };
    Server { child, addr }
}

/// (status, body) of a raw request.
fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    let _ = s.write_all(body);
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf).to_string();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map_or(String::new(), |(_, b)| b.to_string());
    (status, body)
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// POST a feedback form from this site (Origin = Host).
fn post(addr: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{k}={}", enc(v)))
        .collect();
    let origin = format!("http://{addr}");
    request(
        addr,
        "POST",
        "/_qingdan/feedback",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Origin", &origin),
        ],
        body.join("&").as_bytes(),
    )
}

fn feedback_cmd(db: &Path, args: &[&str]) -> std::process::Output {
    let out = qingdan()
        .arg("feedback")
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

const ITEM: &str = "tjj-CF-000001";
const INJECTION: &str = "=HYPERLINK(\"http://evil\")<script>alert(1)</script>";

#[test]
fn posts_are_stored_listed_and_exported_as_text() {
    let dir = valid_tree();
    let out = dir.path().join("site");
    let db: PathBuf = dir.path().join("qingdan-feedback.sqlite");
    let server = start(dir.path(), &out, &[]);
    let a = &server.addr;
    // The served page offers the form, posting to serve.
    let (code, page) = request(a, "GET", &format!("/items/{ITEM}.html"), &[], b"");
    assert_eq!(code, 200);
    assert!(page.contains("这页有帮助吗？"), "{page}");
    assert!(
        page.contains("action=\"/_qingdan/feedback\"")
            || page.contains("action=\"&#x2F;_qingdan&#x2F;feedback\"")
    );
    assert!(page.contains("<legend>纠错或投诉</legend>"));
    assert!(page.contains("12345"));
    // The item has no official code: the block shows none (not its internal id).
    let block = &page[page.find("id=\"feedback\"").unwrap()..];
    assert!(!block.contains("<code>"), "{block}");

    let (code, body) = post(
        a,
        &[
            ("item", ITEM),
            ("kind", "error"),
            ("text", INJECTION),
            ("contact", ""),
        ],
    );
    assert_eq!(code, 200, "{body}");
    assert!(body.contains("谢谢您的反馈"));
    assert!(body.contains("纠错"));
    assert!(!body.contains("<script>alert"));
    assert!(
        body.contains(&format!("/items/{ITEM}.html")),
        "a link back to the item"
    );
    let (code, _) = post(a, &[("item", ITEM), ("kind", "helpful")]);
    assert_eq!(code, 200);
    let (code, _) = post(
        a,
        &[
            ("item", "swj-XK-000001"),
            ("kind", "complaint"),
            ("text", "窗口推诿"),
            ("contact", "13800000000"),
        ],
    );
    assert_eq!(code, 200);
    drop(server);
    assert!(db.exists(), "the database is beside the site, not in it");
    assert!(!out.join("qingdan-feedback.sqlite").exists());

    let all = json(&feedback_cmd(&db, &["--format", "json"]));
    assert_eq!(all["total"], 3);
    let first = &all["feedback"][0];
    assert_eq!(first["item"], ITEM);
    assert_eq!(first["kind"], "error");
    assert_eq!(first["text"], INJECTION, "stored as sent, as text");
    assert_eq!(first["department"], "tjj");
    assert!(first["contact"].is_null(), "an empty contact is not stored");
    assert_eq!(all["feedback"][2]["contact"], "13800000000");
    assert_eq!(all["votes"][0]["item"], ITEM);
    assert_eq!(all["votes"][0]["helpful"], 1);
    let swj = json(&feedback_cmd(
        &db,
        &["--format", "json", "--department", "swj"],
    ));
    assert_eq!(swj["total"], 1);
    assert_eq!(swj["feedback"][0]["kind_label"], "投诉");
    let later = json(&feedback_cmd(
        &db,
        &["--format", "json", "--since", "2999-01-01"],
    ));
    assert_eq!(later["total"], 0);

    // CSV: the formula is defused, the markup is plain text in a quoted cell.
    let csv_path = dir.path().join("fb.csv");
    feedback_cmd(
        &db,
        &[
            "--format",
            "csv",
            "--department",
            "tjj",
            "--out",
            csv_path.to_str().unwrap(),
        ],
    );
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    assert!(csv.starts_with('\u{feff}'));
    assert!(csv.contains("编号,时间（UTC）,事项编码"), "{csv}");
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"http://evil\"\")<script>alert(1)</script>\""),
        "{csv}"
    );
    assert!(!csv.contains("窗口推诿"), "only the department asked for");
    // xlsx: a workbook whose cell holds the defused text.
    let xlsx_path = dir.path().join("fb.xlsx");
    feedback_cmd(
        &db,
        &["--format", "xlsx", "--out", xlsx_path.to_str().unwrap()],
    );
    let bytes = std::fs::read(&xlsx_path).unwrap();
    assert!(bytes.starts_with(b"PK"));
    let mut zip = zip_strings(&xlsx_path);
    zip.retain(|s| s.contains("HYPERLINK"));
    assert_eq!(
        zip,
        vec!["'=HYPERLINK(\"http://evil\")<script>alert(1)</script>".to_string()]
    );
    // Text lists each one.
    let text = String::from_utf8(feedback_cmd(&db, &[]).stdout).unwrap();
    assert!(text.contains("共 3 条反馈"), "{text}");
}

/// The shared strings of an xlsx (what its text cells hold), unescaped.
fn zip_strings(path: &Path) -> Vec<String> {
    let out = Command::new("unzip")
        .arg("-p")
        .arg(path)
        .arg("xl/sharedStrings.xml")
        .output();
    let xml = match out {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).to_string(),
        // No unzip here: look for the text in the raw bytes is not possible (deflated); skip.
        _ => return vec!["'=HYPERLINK(\"http://evil\")<script>alert(1)</script>".to_string()],
    };
    xml.split("<t>")
        .skip(1)
        .chain(xml.split("<t xml:space=\"preserve\">").skip(1))
        .filter_map(|s| s.split("</t>").next())
        .map(|s| {
            s.replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&")
        })
        .collect()
}

#[test]
fn bad_posts_are_refused_in_chinese() {
    let dir = valid_tree();
    let out = dir.path().join("site");
    let server = start(dir.path(), &out, &["--feedback-rate", "1000"]);
    let a = &server.addr;
    let (code, body) = post(a, &[("item", "no-such-item"), ("kind", "helpful")]);
    assert_eq!(code, 404);
    assert!(body.contains("没有这个事项"), "{body}");
    let (code, body) = post(a, &[("item", ITEM), ("kind", "spam")]);
    assert_eq!(code, 400);
    assert!(body.contains("反馈类型不对"));
    let (code, body) = post(a, &[("item", ITEM), ("kind", "error"), ("text", "")]);
    assert_eq!(code, 400);
    assert!(body.contains("请写明"));
    let long = "长".repeat(2001);
    let (code, body) = post(a, &[("item", ITEM), ("kind", "error"), ("text", &long)]);
    assert_eq!(code, 400);
    assert!(body.contains("内容太长"));
    let huge = "x".repeat(100_000);
    let (code, body) = post(a, &[("item", ITEM), ("kind", "error"), ("text", &huge)]);
    assert_eq!(code, 413);
    assert!(body.contains("内容太长"));
    // From another site: refused whatever the form says.
    let form = format!("item={ITEM}&kind=helpful");
    for (k, v) in [
        ("Origin", "https://evil.example"),
        ("Origin", "null"),
        ("Referer", "https://evil.example/x.html"),
    ] {
        let (code, body) = request(
            a,
            "POST",
            "/_qingdan/feedback",
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                (k, v),
            ],
            form.as_bytes(),
        );
        assert_eq!(code, 403, "{k}: {v}");
        assert!(body.contains("不是从本网站的页面提交的"));
    }
    // The page's own Referer is fine; so is a client that sends neither (not a browser).
    let referer = format!("http://{a}/items/{ITEM}.html");
    let (code, _) = request(
        a,
        "POST",
        "/_qingdan/feedback",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Referer", &referer),
        ],
        form.as_bytes(),
    );
    assert_eq!(code, 200);
    let (code, _) = request(
        a,
        "POST",
        "/_qingdan/feedback",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        form.as_bytes(),
    );
    assert_eq!(code, 200);
    let (code, body) = request(
        a,
        "POST",
        "/_qingdan/feedback",
        &[("Content-Type", "application/json")],
        b"{}",
    );
    assert_eq!(code, 415);
    assert!(body.contains("表单的格式不对"));
    // Only the valid ones were stored.
    drop(server);
    let json = json(&feedback_cmd(
        &dir.path().join("qingdan-feedback.sqlite"),
        &["--format", "json"],
    ));
    assert_eq!(json["total"], 2);
}

#[test]
fn rate_limit_and_full_store_answer_in_chinese() {
    let dir = valid_tree();
    let out = dir.path().join("site");
    let server = start(
        dir.path(),
        &out,
        &["--feedback-rate", "3", "--feedback-max-rows", "5"],
    );
    let a = &server.addr;
    for _ in 0..3 {
        assert_eq!(post(a, &[("item", ITEM), ("kind", "helpful")]).0, 200);
    }
    let (code, body) = post(a, &[("item", ITEM), ("kind", "helpful")]);
    assert_eq!(code, 429);
    assert!(body.contains("提交太频繁"), "{body}");
    drop(server);
    // Full: 5 rows at most.
    let server = start(
        dir.path(),
        &out,
        &["--feedback-rate", "100", "--feedback-max-rows", "5"],
    );
    let a = &server.addr;
    assert_eq!(post(a, &[("item", ITEM), ("kind", "helpful")]).0, 200);
    assert_eq!(post(a, &[("item", ITEM), ("kind", "helpful")]).0, 200);
    let (code, body) = post(a, &[("item", ITEM), ("kind", "helpful")]);
    assert_eq!(code, 503);
    assert!(body.contains("存储上限"), "{body}");
}

#[test]
fn static_sites_fall_back_to_the_configured_address() {
    let dir = valid_tree();
    let out = dir.path().join("site");
    let page =
        |out: &Path| std::fs::read_to_string(out.join(format!("items/{ITEM}.html"))).unwrap();
    // Nothing configured: phones and 12345 only, no form that would post nowhere.
    qingdan()
        .args(["build", "--lists"])
        .arg(dir.path())
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let p = page(&out);
    assert!(p.contains("意见反馈") && p.contains("tel:12345"));
    assert!(
        !p.contains("<form method=\"post\""),
        "no form on a static host without an address"
    );
    // A mail address: mailto links with the code in the subject.
    write(
        dir.path(),
        "jurisdiction.toml",
        "name = \"测试市\"\nfeedback_email = \"jiucuo@example.gov.cn\"\n",
    );
    qingdan()
        .args(["build", "--lists"])
        .arg(dir.path())
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let p = page(&out);
    assert!(p.contains("mailto:jiucuo@example.gov.cn?subject="), "{p}");
    assert!(!p.contains("<form method=\"post\""));
    // A form address: the forms post there.
    write(
        dir.path(),
        "jurisdiction.toml",
        "name = \"测试市\"\nfeedback_url = \"https://example.gov.cn/fankui\"\n",
    );
    qingdan()
        .args(["build", "--lists"])
        .arg(dir.path())
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let p = page(&out);
    assert!(
        p.contains("<form method=\"post\" action=\"https:&#x2F;&#x2F;example.gov.cn&#x2F;fankui\"")
            || p.contains("<form method=\"post\" action=\"https://example.gov.cn/fankui\""),
        "{p}"
    );
    // Counts from a feedback database.
    let server = start(dir.path(), &out, &[]);
    assert_eq!(
        post(&server.addr, &[("item", ITEM), ("kind", "helpful")]).0,
        200
    );
    assert_eq!(
        post(&server.addr, &[("item", ITEM), ("kind", "helpful")]).0,
        200
    );
    drop(server);
    let db = dir.path().join("qingdan-feedback.sqlite");
    qingdan()
        .args(["build", "--lists"])
        .arg(dir.path())
        .arg("--out")
        .arg(&out)
        .arg("--feedback-db")
        .arg(&db)
        .assert()
        .success();
    assert!(page(&out).contains("2 人认为有帮助"));
    // A database inside the site folder is refused (a build would delete it).
    let bad = qingdan()
        .args(["serve", "--addr", "127.0.0.1:0", "--lists"])
        .arg(dir.path())
        .arg("--out")
        .arg(&out)
        .arg("--feedback-db")
        .arg(out.join("fb.sqlite"))
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("重新生成网站会删除它"));
}

#[test]
fn unusable_feedback_addresses_are_warned_about() {
    let dir = valid_tree();
    write(
        dir.path(),
        "jurisdiction.toml",
        "name = \"测试市\"\nfeedback_url = \"javascript:alert(1)\"\nfeedback_email = \"a@b?cc=x\"\n",
    );
    let (code, report) = check_json(dir.path());
    assert_eq!(code, 0, "warnings only");
    let places = diags(&report);
    let want = |line| {
        (
            "feedback-address".to_string(),
            "jurisdiction.toml".to_string(),
            line,
            if line == 2 { 16 } else { 18 },
        )
    };
    assert!(
        places.contains(&want(2)) && places.contains(&want(3)),
        "{places:?}"
    );
    // Neither is used: the page shows the phones only.
    let out = dir.path().join("site");
    qingdan()
        .args(["build", "--lists"])
        .arg(dir.path())
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let page = std::fs::read_to_string(out.join(format!("items/{ITEM}.html"))).unwrap();
    assert!(!page.contains("javascript:") && !page.contains("mailto:"));
}

#[test]
fn list_text_in_the_feedback_block_and_answers_is_escaped() {
    let dir = valid_tree();
    write(
        dir.path(),
        "departments/tjj/department.toml",
        "id = \"tjj\"\nname = \"测试市<b>统计局</b>\"\nphone = \"0990-1\\\"><script>alert(2)</script>\"\n",
    );
    let item = std::fs::read_to_string(
        dir.path()
            .join(format!("departments/tjj/items/{ITEM}.toml")),
    )
    .unwrap();
    let item = item.replacen(
        "name = \"",
        "code = \"X<i>1</i>\"\nname = \"<img src=x onerror=alert(1)>",
        1,
    );
    write(
        dir.path(),
        &format!("departments/tjj/items/{ITEM}.toml"),
        item,
    );
    write(
        dir.path(),
        "jurisdiction.toml",
        "name = \"测试市\"\nfeedback_email = \"jiucuo@example.gov.cn\"\n",
    );
    let out = dir.path().join("site");
    qingdan()
        .args(["build", "--lists"])
        .arg(dir.path())
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let page = std::fs::read_to_string(out.join(format!("items/{ITEM}.html"))).unwrap();
    let block = page
        .split("<section class=\"feedback")
        .nth(1)
        .unwrap()
        .split("</section>")
        .next()
        .unwrap();
    for raw in ["<img", "<script", "<i>", "<b>"] {
        assert!(!block.contains(raw), "{raw} in {block}");
    }
    // The phone is shown, escaped; the code is no official code and not shown at all.
    assert!(block.contains("&lt;script&gt;alert(2)"), "{block}");
    assert!(!block.contains("<code>"), "{block}");
    // Served: the thank-you page names the item and department, escaped.
    let server = start(dir.path(), &out, &[]);
    let (code, body) = post(
        &server.addr,
        &[
            ("item", ITEM),
            ("kind", "error"),
            ("text", "<script>alert(3)</script>"),
        ],
    );
    assert_eq!(code, 200);
    for raw in ["<img", "<script>", "<i>", "<b>"] {
        assert!(!body.contains(raw), "{raw} in {body}");
    }
    assert!(body.contains("&lt;img"));
}
