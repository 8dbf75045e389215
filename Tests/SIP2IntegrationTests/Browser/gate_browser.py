#!/usr/bin/env python3
"""Opens the gate's staff page in headless Chromium, waits for at least one alarm row, checks
the counts are shown, runs axe-core (fails on serious or critical violations) and saves a
screenshot. Exit 0 when everything held; otherwise 1 and why.

  gate_browser.py --url http://127.0.0.1:PORT --artifacts DIR [--path /gate] [--lang zh|en]

Run it with .build/kiosk-venv/bin/python (./scripts/setup.sh --tests makes that venv).
"""
import argparse
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from kiosklib import Fail, api, axe_check, browser, console_problems, screenshot, wait  # noqa: E402

from selenium.webdriver.common.by import By  # noqa: E402

HTML_LANG = {"en": "en", "zh": "zh-Hans"}


def run(a, out):
    status, gv = api(a.url, "GET", "/api/gate")
    if status != 200 or not isinstance(gv, dict) or "alarms" not in gv:
        raise Fail("GET /api/gate answered %d: %s (is this daemon a gate?)" % (status, str(gv)[:200]))
    d = out["driver"] = browser(a.width, a.height)
    d.get(a.url.rstrip("/") + a.path)
    wait(d, a.timeout, "the page to load its first view", lambda d: d.execute_script("return document.body.dataset.ready === '1'"))
    if a.lang:
        if d.execute_script("return document.documentElement.lang") != HTML_LANG[a.lang]:
            d.find_element(By.ID, "lang-" + a.lang).click()
        wait(d, 5, "<html lang=%s>" % HTML_LANG[a.lang],
             lambda d: d.execute_script("return document.documentElement.lang") == HTML_LANG[a.lang])
    wait(d, a.timeout, "at least one alarm row", lambda d: d.find_elements(By.CSS_SELECTOR, "#alarm-rows > tr"))
    counts = d.execute_script(
        "return {today: document.getElementById('alarms-today').textContent,"
        " hour: document.getElementById('visitors-hour').textContent,"
        " day: document.getElementById('visitors-today').textContent}")
    if not re.fullmatch(r"\d+", counts["today"].strip()):
        raise Fail("alarms today is not shown as a number: %r" % counts["today"])
    for k in ("hour", "day"):
        if not re.fullmatch(r"\d+ / \d+", counts[k].strip()):
            raise Fail("visitors (%s) not shown as in / out: %r" % (k, counts[k]))
    if int(counts["today"]) < 1:
        raise Fail("an alarm row is shown but alarms today is %s" % counts["today"])
    rows = d.execute_script(
        "return [...document.querySelectorAll('#alarm-rows > tr')].map(function (tr) {"
        " return [...tr.cells].map(function (c) { return c.textContent; }); })")
    first = rows[0]
    if len(first) != 5 or not all(c.strip() for c in first):
        raise Fail("the newest alarm row is incomplete: %r" % first)
    report = []
    axe_check(d, "gate", report)
    shot = screenshot(d, a.artifacts, "gate-%s.png" % (a.lang or "page"))
    problems = console_problems(d)
    if problems:
        raise Fail("the browser console reports problems: %s" % problems[:5])
    return {"alarm_rows": len(rows), "counts": counts, "newest": first, "axe": report, "screenshots": [shot]}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url", required=True)
    p.add_argument("--path", default="/", help="page path (default /: the gate's page on a gate)")
    p.add_argument("--artifacts", required=True)
    p.add_argument("--lang", choices=("en", "zh"))
    p.add_argument("--timeout", type=float, default=60)
    p.add_argument("--width", type=int, default=1280)
    p.add_argument("--height", type=int, default=800)
    a = p.parse_args()
    started = time.monotonic()
    summary = {"test": "gate_browser", "ok": False}
    out = {}
    code = 1
    try:
        summary.update(run(a, out))
        summary["ok"] = True
        code = 0
    except Fail as e:
        summary["error"] = str(e)
        print("FAIL: %s" % e, file=sys.stderr)
    except Exception as e:
        summary["error"] = "%s: %s" % (type(e).__name__, str(e).splitlines()[0] if str(e) else "")
        print("FAIL: %s" % summary["error"], file=sys.stderr)
    finally:
        d = out.get("driver")
        if d is not None:
            if code != 0:
                try:
                    screenshot(d, a.artifacts, "gate-failure.png")
                except Exception:
                    pass
            d.quit()
    summary["seconds"] = round(time.monotonic() - started, 1)
    print(json.dumps(summary, ensure_ascii=False))
    return code


if __name__ == "__main__":
    sys.exit(main())
