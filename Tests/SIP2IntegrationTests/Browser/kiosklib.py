"""Shared pieces of the kiosk's browser tests: the daemon's API over urllib, headless Debian
Chromium through chromedriver, axe-core checks, failures with a clear message."""
import json
import os
import sys
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

SETUP_HINT = "run ./scripts/setup.sh --tests (it installs chromium, chromium-driver and .build/kiosk-venv)"


class Fail(Exception):
    """A check that did not hold: the message says which and what was seen."""


def api(base, method, path, body=None, accept="application/json", timeout=30):
    """(status, parsed JSON or text) of one API call; never raises for an HTTP status."""
    data = None
    headers = {"Accept": accept}
    if body is not None:
        data = json.dumps(body).encode("utf-8")
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(base.rstrip("/") + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, raw, ctype = r.status, r.read(), r.headers.get("Content-Type", "")
    except urllib.error.HTTPError as e:
        status, raw, ctype = e.code, e.read(), e.headers.get("Content-Type", "")
    except (urllib.error.URLError, OSError) as e:
        raise Fail("cannot reach %s%s: %s" % (base, path, e))
    text = raw.decode("utf-8", "replace")
    if "json" in ctype:
        try:
            return status, json.loads(text)
        except ValueError:
            raise Fail("%s %s answered %d with invalid JSON: %r" % (method, path, status, text[:200]))
    return status, text


def expect(base, method, path, body=None, status=200, **kw):
    got, data = api(base, method, path, body, **kw)
    if got != status:
        raise Fail("%s %s answered %d (expected %d): %s" % (method, path, got, status, str(data)[:300]))
    return data


def browser(width=1280, height=800, lang="en-US"):
    for path in ("/usr/bin/chromium", "/usr/bin/chromedriver"):
        if not os.access(path, os.X_OK):
            raise Fail("%s is missing: %s" % (path, SETUP_HINT))
    opts = Options()
    opts.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
              "--window-size=%d,%d" % (width, height), "--lang=" + lang, "--no-first-run",
              "--disable-extensions", "--disable-background-networking", "--force-color-profile=srgb"):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    # The page's viewport, not the window, is what a kiosk screen is.
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                      {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
    return d


def wait(driver, seconds, what, cond):
    """Waits until cond(driver) is truthy; fails naming `what`."""
    try:
        return WebDriverWait(driver, seconds, poll_frequency=0.1).until(lambda d: cond(d))
    except Exception as e:  # TimeoutException, or the condition's own error
        raise Fail("timed out after %ss waiting for %s (%s)" % (seconds, what, type(e).__name__))


def axe_check(driver, screen, report):
    """Runs axe-core on the page; fails on any serious or critical violation (printed)."""
    from axe_selenium_python import Axe
    axe = Axe(driver)
    axe.inject()
    results = axe.run()
    bad = [v for v in results.get("violations", []) if v.get("impact") in ("serious", "critical")]
    report.append({"screen": screen, "violations": len(results.get("violations", [])), "serious": len(bad)})
    minor = [v for v in results.get("violations", []) if v not in bad]
    for v in minor:
        print("axe (%s) %s: %s [%s]" % (screen, v.get("impact"), v.get("id"), v.get("help")), file=sys.stderr)
    if bad:
        for v in bad:
            print("axe (%s) %s: %s: %s" % (screen, v.get("impact"), v.get("id"), v.get("help")), file=sys.stderr)
            for n in v.get("nodes", [])[:5]:
                print("    %s  %s" % (n.get("target"), (n.get("failureSummary") or "").replace("\n", " ")), file=sys.stderr)
        raise Fail("axe: %d serious/critical violation(s) on the %s screen: %s"
                   % (len(bad), screen, ", ".join(v["id"] for v in bad)))


def console_problems(driver):
    """Browser console lines that mean the page broke: CSP refusals and uncaught errors."""
    try:
        logs = driver.get_log("browser")
    except Exception:
        return []
    out = []
    for e in logs:
        m = e.get("message", "")
        if "Content Security Policy" in m or "Uncaught" in m or "Refused to" in m:
            out.append(m)
    return out


def screenshot(driver, artifacts, name):
    os.makedirs(artifacts, exist_ok=True)
    path = os.path.join(artifacts, name)
    driver.execute_script("window.scrollTo(0, 0)")
    if not driver.save_screenshot(path):
        raise Fail("could not save screenshot " + path)
    return path
