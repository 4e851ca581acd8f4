#!/usr/bin/env python3
"""Accessibility audit and search UI test of the built demo site, in headless Chromium.

Usage: scripts/a11y/run.py QINGDAN_BINARY
Builds the demo lists and serves the site on loopback with a plain static server (no qingdan):
runs axe-core (from npm) on key pages, the search page with results among them, at 1280 and
360 px and fails on any serious or critical violation; then drives search.js as a person would
(search_ui.html: types into the search page and the header box, reads results, facet counts
and the live status, uses a facet and the keyboard) on that static host and again under
`qingdan serve` (where search.js uses /api/search). Prints 'N passed, M failed' at the end.
"""
import html
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import functools
import http.server
import urllib.parse
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PAGES = [
    "/",
    "/departments/swj/",
    "/items/swj-XK-24c671.html",
    "/items/650200207XK01600.html",
    "/boundaries/B001/",
    "/supervision/",
    "/data/",
    "/categories/xk/",
    "/404.html",
    ("/search/?q=%E6%8E%92%E6%B1%A1%E8%AE%B8%E5%8F%AF", "#search-live .results li"),
    # Items an adjustment took out keep their address (cancelled, merged, split, transferred),
    # items moved up or down say so at the top; the adjustment page.
    "/items/ylbzj-CF-b30390.html",
    "/items/fzhggwyh-JC-de99d9.html",
    "/items/zfhcxjsj-QT-618da8.html",
    "/items/zfhcxjsj-CF-7f226b.html",
    "/items/sthjj-XK-6e7d1b.html",
    "/items/zfhcxjsj-XK-f9e0c0.html",
    "/editions/2025/",
    # Multi-level lists: the jurisdictions page with the coverage matrix, a catalogue item with
    # its local versions side by side, a district's home and a claimed item there.
    "/jurisdictions/",
    "/catalogue/SWJ-XK-020/",
    "/j/dszq/",
    "/j/wehq/items/SWJ-XK-020-650205.html",
    # A district's static search page: it says whole-tree search is not there.
    ("/j/dszq/search/?q=%E8%AE%B8%E5%8F%AF", "#search-live .results li"),
]
# Under qingdan serve: a district's search answered by the server, and the whole tree's with
# its scope control and level / jurisdiction facets (search.js's buttons once it has results).
SERVED_SEARCH = [
    "/j/dszq/search/?q=%E8%AE%B8%E5%8F%AF",
    "/search/?q=%E8%AE%B8%E5%8F%AF&scope=all",
    "/j/dszq/search/?q=%E8%AE%B8%E5%8F%AF&scope=all&level=%E5%8E%BF%E7%BA%A7",
]
# The guide printed to PDF: one page, with 其他说明.
PRINTED = "/items/swj-XK-24c671.html"
WIDTHS = ["1280", "360"]


def axe_path():
    prefix = os.path.join(ROOT, "target", "a11y")
    path = os.path.join(prefix, "node_modules", "axe-core", "axe.min.js")
    if not os.path.exists(path):
        subprocess.run(
            ["npm", "install", "--no-save", "--no-audit", "--no-fund", "--prefix", prefix, "axe-core@4"],
            check=True, stdout=subprocess.DEVNULL,
        )
    return path


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    sys.exit("a11y: chromium is not installed (scripts/test installs Debian's chromium)")


def run_axe(browser, work, port, page, width, waitfor=""):
    """axe-core's findings on one page of the site, via the harness and `chromium --dump-dom`."""
    url = (f"http://127.0.0.1:{port}/__axe/?page={urllib.parse.quote(page)}&width={width}"
           f"&waitfor={urllib.parse.quote(waitfor)}")
    return dump(browser, work, url)


def dump(browser, work, url):
    """The JSON a harness page wrote into its #result, read with `chromium --dump-dom`."""
    profile = tempfile.mkdtemp(prefix="chr-", dir=work)
    out = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={profile}", "--virtual-time-budget=30000",
         "--dump-dom", url],
        capture_output=True, text=True, timeout=120,
    ).stdout
    start = out.find('<pre id="result">')
    end = out.find("</pre>", start)
    raw = html.unescape(out[start + len('<pre id="result">'):end]) if start >= 0 else "pending"
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return {"error": f"no result ({raw[:80]})"}


def report(where, width, ok, problems):
    if ok:
        print(f"ok   search UI on a {where} @{width}px")
    else:
        print(f"FAIL search UI on a {where} @{width}px")
        for p in problems:
            print(f"  {p}")


def search_ui(browser, work, port, width, api=False):
    """Type into the search page and the header box; check results, facets, focus, status."""
    r = dump(browser, work, f"http://127.0.0.1:{port}/__axe/search_ui.html?width={width}")
    if "error" in r:
        return False, [r["error"], json.dumps(r.get("seen"), ensure_ascii=False)[:400]]
    problems = []
    page, facet, header = r["page"], r["facet"], r["header"]
    want = "排污许可"
    if not page["hits"] or want not in page["hits"][0]:
        problems.append(f"first result should name {want}: {page['hits'][:3]}")
    if page["marked"] < 1:
        problems.append("matched characters are not marked")
    if page["live"] != "polite" or "找到" not in page["status"]:
        problems.append(f"live status: {page['status']!r} ({page['live']})")
    total = int("".join(c for c in page["status"].split("个")[0] if c.isdigit()) or 0)
    counts = [c["count"] for c in page["categories"] if c["value"]]
    if not counts or sum(counts) != total or page["categories"][0]["pressed"] != "true":
        problems.append(f"category counts {page['categories']} should add up to {total}")
    if page["departments"] < 2:
        problems.append("no department facets")
    if not page["filtersHidden"]:
        problems.append("the no-script filters should give way to the facets")
    if "q=" not in page["url"]:
        problems.append(f"the address should keep the query: {page['url']}")
    if f"找到 {facet['count']} 个" not in facet["status"]:
        problems.append(f"after choosing {facet['chosen']}: {facet['status']!r}, want {facet['count']}")
    if not facet["shown"] or not all(facet["chosen"] in s for s in facet["shown"]):
        problems.append(f"results outside {facet['chosen']}: {facet['shown'][:3]}")
    if facet["focused"] != facet["chosen"]:
        problems.append(f"focus should stay on the chosen facet, is on {facet['focused']}")
    if "category=" not in facet["url"]:
        problems.append(f"the address should keep the facet: {facet['url']}")
    if not header["hits"] or len(header["hits"]) > 5 or "找到" not in header["status"]:
        problems.append(f"header box: {header}")
    if not header["all"].startswith("/search/?q="):
        problems.append(f"header box's link to all results: {header['all']}")
    if header["arrowFocus"] != header["hits"][0] if header["hits"] else True:
        problems.append(f"arrow down should reach the first result: {header['arrowFocus']}")
    if not header["hiddenAfterEscape"] or not header["focusAfterEscape"]:
        problems.append("Escape should close the results and return to the box")
    if api and not page["hits"]:
        problems.append("no results through /api/search")
    return not problems, problems


def search_log_counts(browser, work, port, log):
    """search_log.html's searches, each counted once in the search log, prefixes not at all."""
    result = dump(browser, work, f"http://127.0.0.1:{port}/__axe/search_log.html")
    if "error" in result:
        return False, [result["error"]]
    time.sleep(1)  # the log's writer takes its queue four times a second
    try:
        with open(log, encoding="utf-8") as f:
            queries = [json.loads(line)["q"] for line in f if line.strip()]
    except OSError as e:
        return False, [f"no search log: {e}"]
    # 排污许可 (search_ui.html's) finds its item: never logged.
    want = ["qzk", "qzxvw", "qzxvwy"]
    if queries != want:
        return False, [f"search log {queries}, want {want}"]
    return True, []


def said(what, ok, problems):
    print(f"{'ok  ' if ok else 'FAIL'} {what}")
    for p in problems:
        print(f"  {p}")


def search_flash(browser, work, port, width, server_rendered):
    """The search page with a query, watched as it loads: (ok, problems)."""
    q = urllib.parse.quote("/search/?q=" + urllib.parse.quote("排污许可"))
    r = dump(browser, work, f"http://127.0.0.1:{port}/__axe/search_flash.html?page={q}&width={width}")
    if "error" in r:
        return False, [r["error"]]
    problems = []
    if not r.get("scripted"):
        problems.append(f"search.js never showed its results: {r}")
    if r.get("bareDetails") or r.get("english"):
        problems.append(f"a disclosure without its summary was visible: {r}")
    if server_rendered and r.get("first", -1) <= 0:
        problems.append(f"the server's results were not shown first: {r}")
    if r.get("vanished"):
        problems.append(f"the results vanished for {r['vanished']} samples while search.js loaded: {r}")
    return not problems, problems


def feedback_form(browser, work, port, js):
    """The item page's 纠错 form sent with the page's JavaScript on or off: (ok, problems)."""
    page = urllib.parse.quote("/items/swj-XK-24c671.html")
    r = dump(browser, work, f"http://127.0.0.1:{port}/__axe/feedback_form.html?page={page}&js={int(js)}")
    if "error" in r:
        return False, [r["error"]]
    problems = []
    if r.get("scripted") != js:
        problems.append(f"the page's scripts {'did not run' if js else 'ran'}: {r}")
    if not r.get("thanked") or not r.get("back"):
        problems.append(f"no thanks page with a link back: {r}")
    return not problems, problems


def printed(browser, work, port):
    """The guide printed to PDF by Chromium: one page, 其他说明 on it. (ok, line)."""
    pdf = os.path.join(work, "guide.pdf")
    profile = tempfile.mkdtemp(prefix="chr-", dir=work)
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    f"--user-data-dir={profile}", "--no-pdf-header-footer", f"--print-to-pdf={pdf}",
                    f"http://127.0.0.1:{port}{PRINTED}"], capture_output=True, timeout=120)
    try:
        with open(pdf, "rb") as f:
            data = f.read()
    except OSError as e:
        return False, f"FAIL print of {PRINTED}: no PDF ({e})"
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    if not shutil.which("pdftotext"):
        return False, "FAIL print: pdftotext is needed (apt-get install poppler-utils)"
    text = subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True).stdout
    problems = []
    if pages != 1:
        problems.append(f"{pages} pages, want 1")
    for want in ("一次性告知单", "申请材料", "其他说明", "本页网址"):
        if want not in text:
            problems.append(f"no {want}")
    if problems:
        return False, f"FAIL print of {PRINTED} to PDF: " + "; ".join(problems)
    return True, f"ok   print of {PRINTED} to PDF: {pages} page, with 其他说明"


def install_harness(site):
    """The audit's own pages under site/__axe/ (again after a rebuild replaced the site)."""
    os.makedirs(os.path.join(site, "__axe"), exist_ok=True)
    shutil.copy(axe_path(), os.path.join(site, "__axe", "axe.min.js"))
    shutil.copy(os.path.join(ROOT, "scripts", "a11y", "harness.html"), os.path.join(site, "__axe", "index.html"))
    for name in ("search_ui.html", "search_log.html", "search_flash.html", "feedback_form.html"):
        shutil.copy(os.path.join(ROOT, "scripts", "a11y", name), os.path.join(site, "__axe", name))


def audit(browser, work, port, page, width, label=""):
    """axe on one page: (ok, line to print)."""
    result = run_axe(browser, work, port, page, width, "")
    if "error" in result:
        return False, f"FAIL {page}{label} @{width}px: {result['error']}"
    bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    if bad:
        lines = [f"FAIL {page}{label} @{width}px"] + [
            f"  {v['impact']}: {v['id']} – {v['help']} ({v['nodes']}×: {'; '.join(v['targets'])})" for v in bad]
        return False, "\n".join(lines)
    return True, f"ok   {page}{label} @{width}px ({result['passes']} rules passed)"


def main():
    binary = sys.argv[1]
    work = tempfile.mkdtemp(prefix="qingdan-a11y-")
    site = os.path.join(work, "site")
    subprocess.run([binary, "build", "--lists", os.path.join(ROOT, "lists"), "--out", site],
                   check=True, stdout=subprocess.DEVNULL)
    os.makedirs(os.path.join(site, "__axe"))
    shutil.copy(axe_path(), os.path.join(site, "__axe", "axe.min.js"))
    shutil.copy(os.path.join(ROOT, "scripts", "a11y", "harness.html"), os.path.join(site, "__axe", "index.html"))

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=site)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]

    # A control page with known violations: if axe finds nothing there, the audit is broken.
    with open(os.path.join(site, "__axe", "bad.html"), "w", encoding="utf-8") as f:
        f.write('<!DOCTYPE html><html><head><title>x</title></head><body>'
                '<p style="color:#ccc;background:#fff">对比度太低</p><img src="x.png">'
                '<input type="text"></body></html>')
    browser = chromium()
    passed = failed = 0
    control = run_axe(browser, work, port, "/__axe/bad.html", "1280")
    serious = [v for v in control.get("violations", []) if v["impact"] in ("serious", "critical")]
    if len(serious) < 2:
        print(f"FAIL control page: axe should report violations there, got {control}")
        failed += 1
    for page in PAGES:
        page, waitfor = page if isinstance(page, tuple) else (page, "")
        for width in WIDTHS:
            result = run_axe(browser, work, port, page, width, waitfor)
            if "error" in result:
                failed += 1
                print(f"FAIL {page} @{width}px: {result['error']}")
                continue
            bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
            minor = [v for v in result["violations"] if v not in bad]
            if bad:
                failed += 1
                print(f"FAIL {page} @{width}px")
                for v in bad:
                    print(f"  {v['impact']}: {v['id']} – {v['help']} ({v['nodes']}×: {'; '.join(v['targets'])})")
            else:
                passed += 1
                note = f", {len(minor)} minor/moderate: " + ", ".join(v["id"] for v in minor) if minor else ""
                print(f"ok   {page} @{width}px ({result['passes']} rules passed{note})")
    shutil.copy(os.path.join(ROOT, "scripts", "a11y", "search_ui.html"),
                os.path.join(site, "__axe", "search_ui.html"))
    for width in WIDTHS:
        ok, problems = search_ui(browser, work, port, width)
        report("static host", width, ok, problems)
        passed, failed = (passed + 1, failed) if ok else (passed, failed + 1)
    install_harness(site)
    for width in WIDTHS:
        ok, problems = search_flash(browser, work, port, width, server_rendered=False)
        said(f"search page on a static host @{width}px: no empty or English disclosure while search.js loads", ok, problems)
        passed, failed = (passed + 1, failed) if ok else (passed, failed + 1)
    ok, line = printed(browser, work, port)
    print(line)
    passed, failed = (passed + 1, failed) if ok else (passed, failed + 1)
    server.shutdown()
    # The same under `qingdan serve`, where search.js asks /api/search.
    search_log = os.path.join(work, "search-log.jsonl")
    serve = subprocess.Popen([binary, "serve", "--lists", os.path.join(ROOT, "lists"), "--out", site,
                              "--addr", "127.0.0.1:0", "--search-log", search_log],
                             stderr=subprocess.PIPE, text=True)
    try:
        served = None
        for line in serve.stderr:
            if "http://" in line:
                served = int(line.split("http://")[1].split("/")[0].rsplit(":", 1)[1])
                break
        if served is None:
            failed += 1
            print("FAIL qingdan serve did not start")
        else:
            threading.Thread(target=serve.stderr.read, daemon=True).start()
            # serve rebuilt the site for itself (its pages carry the feedback form): the
            # audit's pages go back in.
            install_harness(site)
            # The item page as serve builds it, with the feedback form.
            for width in WIDTHS:
                ok, line = audit(browser, work, served, "/items/swj-XK-24c671.html", width, " (serve, feedback form)")
                print(line)
                passed, failed = (passed + 1, failed) if ok else (passed, failed + 1)
            for page in SERVED_SEARCH:
                for width in WIDTHS:
                    result = run_axe(browser, work, served, page, width, "#search-live .results li")
                    bad = result.get("violations") and [
                        v for v in result["violations"] if v["impact"] in ("serious", "critical")]
                    if "error" in result or bad:
                        failed += 1
                        print(f"FAIL {page} (serve) @{width}px: {result.get('error', '')}")
                        for v in bad or []:
                            print(f"  {v['impact']}: {v['id']} – {v['help']} ({v['nodes']}×: {'; '.join(v['targets'])})")
                    else:
                        passed += 1
                        print(f"ok   {page} (serve) @{width}px ({result['passes']} rules passed)")
            for js in (True, False):
                ok, problems = feedback_form(browser, work, served, js)
                said(f"feedback form under qingdan serve, sent with JavaScript {'on' if js else 'off'}: thanked", ok, problems)
                passed, failed = (passed + 1, failed) if ok else (passed, failed + 1)
            for width in WIDTHS:
                ok, problems = search_flash(browser, work, served, width, server_rendered=True)
                said(f"search page under qingdan serve @{width}px: the server's results stay until search.js has its own, no flash", ok, problems)
                passed, failed = (passed + 1, failed) if ok else (passed, failed + 1)
            ok, problems = search_ui(browser, work, served, "1280", api=True)
            report("qingdan serve", "1280", ok, problems)
            passed, failed = (passed + 1, failed) if ok else (passed, failed + 1)
            ok, problems = search_log_counts(browser, work, served, search_log)
            report("qingdan serve, counted in the search log,", "1280", ok, problems)
            passed, failed = (passed + 1, failed) if ok else (passed, failed + 1)
    finally:
        serve.terminate()
        serve.wait(timeout=30)
    shutil.rmtree(work, ignore_errors=True)
    print(f"a11y: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
