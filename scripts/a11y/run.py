#!/usr/bin/env python3
"""Accessibility audit of the built demo site: axe-core (from npm) in headless Chromium.

Usage: scripts/a11y/run.py QINGDAN_BINARY
Builds the demo lists, serves the site on loopback, runs axe-core on key pages at 1280 and
360 px and fails on any serious or critical violation. Prints 'N passed, M failed' at the end.
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
import functools
import http.server

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
]
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


def run_axe(browser, work, port, page, width):
    """axe-core's findings on one page of the site, via the harness and `chromium --dump-dom`."""
    url = f"http://127.0.0.1:{port}/__axe/?page={page}&width={width}"
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
        for width in WIDTHS:
            result = run_axe(browser, work, port, page, width)
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
    server.shutdown()
    shutil.rmtree(work, ignore_errors=True)
    print(f"a11y: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
