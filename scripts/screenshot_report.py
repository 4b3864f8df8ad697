#!/usr/bin/env python3
"""Open an eval report.html in headless Chromium and save a screenshot.

    .venv/bin/python scripts/screenshot_report.py eval/runs/<run>/report.html [--out report.png] [--expand]

Uses Debian's Chromium (/usr/bin/chromium; `apt-get install chromium` if it is missing)
through Playwright; it never downloads a browser (`playwright install` is not needed).
Prints what the page shows (title, gate, summary rows) so a script or test can check it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--headless=new"]


def chromium_path() -> str:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        raise SystemExit("Chromium not found: install it with `apt-get install chromium` (Debian).")
    return found


def screenshot(report: Path, out: Path, expand: bool = False, width: int = 1280) -> dict[str, Any]:
    """Render ``report`` and write a full-page PNG to ``out``; returns what the page shows."""
    from playwright.sync_api import sync_playwright

    out.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(report.resolve().as_uri(), wait_until="load")
            if expand:
                page.eval_on_selector_all("details", "els => els.forEach(e => e.open = true)")
            page.screenshot(path=str(out), full_page=True)
            info = {
                "title": page.title(),
                "heading": page.inner_text("h1"),
                "gate": page.inner_text("#gate") if page.query_selector("#gate") else None,
                "summary_rows": page.eval_on_selector_all("#summary-table tr", "rows => rows.length"),
                "summary_text": page.inner_text("#summary-table") if page.query_selector("#summary-table") else "",
                "charts": page.eval_on_selector_all("svg", "els => els.length"),
                "failing_cases": page.eval_on_selector_all("details.case", "els => els.length"),
                "visible_summary": page.is_visible("#summary-table"),
                "screenshot": str(out),
            }
        finally:
            browser.close()
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("report", type=Path, help="path to report.html")
    parser.add_argument("--out", type=Path, help="PNG to write (default: next to the report)")
    parser.add_argument("--expand", action="store_true", help="open every failing case before the screenshot")
    parser.add_argument("--width", type=int, default=1280)
    args = parser.parse_args(argv)
    if not args.report.exists():
        print(f"{args.report}: no such file", file=sys.stderr)
        return 2
    out = args.out or args.report.with_suffix(".png")
    info = screenshot(args.report, out, expand=args.expand, width=args.width)
    info.pop("summary_text", None)
    print(json.dumps(info, indent=2))
    return 0 if info["visible_summary"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
