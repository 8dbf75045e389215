#!/usr/bin/env python3
"""Drives the station's page in headless Chromium through one whole checkout, the way a patron
would: items laid on the (simulated) pad, card from a keyboard-wedge scanner, PIN if asked,
check out, receipt, done. Checks each screen with axe-core, the live region's announcements,
the per-item results and the text receipt. Exit 0 when everything held; otherwise 1 and why.

  station_browser.py --url http://127.0.0.1:PORT --card P0003 [--pin 0000] \
      --items '[{"item":"39001000000011"}]' --lang en|zh --expect-done N --expect-refused M \
      --artifacts DIR [--keyboard-only]

Run it with .build/kiosk-venv/bin/python (./scripts/setup.sh --tests makes that venv).
"""
import argparse
import json
import sys
import time

sys.path.insert(0, __import__("os").path.dirname(__file__))
from kiosklib import Fail, api, axe_check, browser, console_problems, expect, screenshot, wait  # noqa: E402

from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402

HTML_LANG = {"en": "en", "zh": "zh-Hans"}


class Station:
    def __init__(self, args):
        self.a = args
        self.base = args.url.rstrip("/")
        self.d = None
        self.axe = []
        self.shots = []
        self.live = []  # (step, text)
        self.steps = []

    # -- page helpers ---------------------------------------------------------------------------
    def state(self):
        return self.d.execute_script("return document.body.dataset.state || ''")

    def live_text(self):
        return self.d.execute_script("var e=document.getElementById('live');return e?e.textContent:''")

    def message(self):
        return self.d.execute_script(
            "var m=document.getElementById('message');return m&&!m.hidden?m.textContent:''")

    def wait_state(self, wanted, seconds=None, allow=()):
        """Waits for one of `wanted` states; fails early if an error message shows instead."""
        wanted = (wanted,) if isinstance(wanted, str) else tuple(wanted)

        def cond(d):
            s = self.state()
            if s in wanted:
                return s
            err = d.execute_script(
                "var m=document.getElementById('message');return m&&!m.hidden&&m.classList.contains('error')?m.textContent:''")
            if err and s not in allow:
                raise Fail("the station said %r while waiting for %s (state %s)" % (err, "/".join(wanted), s))
            return False

        try:
            return wait(self.d, seconds or self.a.timeout, "the %s screen" % "/".join(wanted), cond)
        except Fail as e:
            if "timed out" in str(e):
                raise Fail("%s; the page shows state %r, message %r" % (e, self.state(), self.message()))
            raise

    def note_live(self, step):
        """The live region must have said something new since the previous step."""
        prev = self.live[-1][1] if self.live else None
        try:
            text = wait(self.d, 5, "the live region to announce the %s step" % step,
                        lambda d: (lambda t: t if t.strip() and t != prev else False)(self.live_text()))
        except Fail:
            raise Fail("the live region did not change at the %s step (still %r)" % (step, prev))
        self.live.append((step, text.strip()))

    def active(self):
        return self.d.switch_to.active_element

    def press(self, element_id):
        """Activates a button: by mouse, or in --keyboard-only mode by Tab to it and Enter."""
        if not self.a.keyboard_only:
            el = wait(self.d, 10, "#%s to be shown" % element_id,
                      lambda d: (lambda e: e if e.is_displayed() and e.is_enabled() else False)(d.find_element(By.ID, element_id)))
            el.click()
            return
        for _ in range(80):
            if self.active().get_attribute("id") == element_id:
                self.active().send_keys(Keys.ENTER)
                return
            self.active().send_keys(Keys.TAB)
        raise Fail("keyboard: Tab never reached #%s" % element_id)

    def type_keys(self, text):
        """Types like a keyboard-wedge scanner: into whatever has the focus."""
        if self.a.keyboard_only:
            self.active().send_keys(text)
        else:
            ActionChains(self.d).send_keys(text).perform()

    def shot(self, name):
        self.shots.append(screenshot(self.d, self.a.artifacts, "%s-%s.png" % (self.a.lang, name)))

    def check_axe(self, screen):
        axe_check(self.d, screen, self.axe)

    # -- the run --------------------------------------------------------------------------------
    def run(self):
        a = self.a
        try:
            items = json.loads(a.items)
        except ValueError as e:
            raise Fail("--items is not JSON: %s" % e)
        if not isinstance(items, list) or not items or not all(isinstance(x, dict) and "item" in x for x in items):
            raise Fail("--items must be a non-empty JSON list of SimItem objects ({\"item\": ...})")
        on_pad = [x for x in items if not x.get("patron_card")]

        # A clean station: no session left over, the pad holding exactly these items.
        _, view = api(self.base, "GET", "/api/station")
        if not isinstance(view, dict) or "state" not in view:
            raise Fail("GET /api/station did not answer a StationView: %s" % str(view)[:200])
        if not view.get("simulated"):
            raise Fail("the station is not simulated (view.simulated is false): the test lays items through /api/sim")
        if view["state"] != "idle":
            api(self.base, "POST", "/api/station/end")
        expect(self.base, "DELETE", "/api/sim/pad")
        expect(self.base, "POST", "/api/sim/pad", {"items": items})

        self.d = browser(a.width, a.height)
        d = self.d
        d.get(self.base + (a.path or "/"))
        wait(d, a.timeout, "the page to load its first view",
             lambda d: d.execute_script("return document.body.dataset.ready === '1'"))
        self.wait_state("idle")

        # Language, with the switch on the page.
        if d.execute_script("return document.documentElement.lang") != HTML_LANG[a.lang]:
            self.press("lang-" + a.lang)
        wait(d, 10, "<html lang=%s>" % HTML_LANG[a.lang],
             lambda d: d.execute_script("return document.documentElement.lang") == HTML_LANG[a.lang])
        self.note_live("language" if self.live_text() else "idle")
        # The simulation panel is part of the idle screen here: open it, with the catalogue in it.
        if not d.execute_script("return document.getElementById('sim-details').open"):
            self.press("sim-summary")
        wait(d, 10, "the simulation panel's catalogue",
             lambda d: d.find_elements(By.CSS_SELECTOR, "#sim-list input[type=checkbox]"))
        self.check_axe("idle")
        self.shot("1-login")
        self.steps.append("idle")

        # The card, typed fast like a scanner, followed by Enter, anywhere on the idle screen.
        if not a.keyboard_only:
            d.find_element(By.ID, "h-idle").click()  # focus off the card field: the wedge still lands
        self.type_keys(a.card + Keys.ENTER)
        s = self.wait_state(("pin", "patron", "identifying"))
        if s == "identifying":
            s = self.wait_state(("pin", "patron"))
        self.note_live("card")
        self.steps.append("card")

        if s == "pin":
            if a.pin is None:
                raise Fail("the station asks for a PIN for card %s but no --pin was given" % a.card)
            self.check_axe("pin")
            self.shot("1b-pin")
            if a.keyboard_only:
                self.type_keys(a.pin + Keys.ENTER)
            else:
                for ch in a.pin:
                    keys = d.find_elements(By.CSS_SELECTOR, "#pin-keypad button.key")
                    match = [k for k in keys if k.text == ch]
                    if not match:
                        raise Fail("the PIN keypad has no key %r" % ch)
                    match[0].click()
                d.find_element(By.ID, "pin-submit").click()
            self.wait_state("patron")
            self.note_live("pin")
            self.steps.append("pin")
            # The PIN must not stay in the page: its field is emptied, it is never announced.
            left = d.execute_script("return document.getElementById('pin-input').value")
            if left:
                raise Fail("the PIN field still holds %d characters after login" % len(left))
            if any(a.pin in t for _, t in self.live):
                raise Fail("the live region announced the PIN")

        # Every item on the pad listed, by title.
        wait(d, a.timeout, "%d items listed on the pad" % len(on_pad),
             lambda d: len(d.find_elements(By.CSS_SELECTOR, "#pad-items > li")) == len(on_pad))
        titles = [e.text for e in d.find_elements(By.CSS_SELECTOR, "#pad-items > li .row-title")]
        if any(not t.strip() for t in titles):
            raise Fail("an item on the pad is listed without a title: %r" % titles)
        self.check_axe("items")
        self.shot("2-items")
        self.steps.append("items")

        self.press("checkout")
        self.wait_state("receipt", a.timeout + 60, allow=("working", "receipt"))
        self.note_live("receipt")
        # One snapshot of the rows (the page re-renders them on every view).
        rows = d.execute_script(
            "return [...document.querySelectorAll('#receipt-items > li')].map(function (li) {"
            " var t = li.querySelector('.row-title');"
            " return {item: li.dataset.item, result: li.dataset.result, title: t ? t.textContent : '', text: li.textContent}; })")
        done_rows = [r for r in rows if r["result"] == "done"]
        refused_rows = [r for r in rows if r["result"] == "refused"]
        result = {"done": len(done_rows), "refused": len(refused_rows)}
        if a.expect_done is not None and len(done_rows) != a.expect_done:
            raise Fail("receipt shows %d done item(s), expected %d: %s" % (len(done_rows), a.expect_done, [r["text"] for r in rows]))
        if a.expect_refused is not None and len(refused_rows) != a.expect_refused:
            raise Fail("receipt shows %d refused item(s), expected %d: %s"
                       % (len(refused_rows), a.expect_refused, [r["text"] for r in rows]))
        self.check_axe("receipt")
        self.shot("3-receipt")
        self.steps.append("receipt")

        # The text receipt lists every item that was done.
        status, text = api(self.base, "GET", "/api/station/receipt?format=text", accept="text/plain")
        if status != 200 or not isinstance(text, str):
            raise Fail("GET /api/station/receipt?format=text answered %d: %s" % (status, str(text)[:200]))
        for r in done_rows:
            title, item = r["title"].strip(), r["item"]
            if title not in text and (item or "\0") not in text:
                raise Fail("the text receipt does not list done item %r (%s):\n%s" % (title, item, text))

        # Done: back to the welcome screen.
        self.press("receipt-done")
        self.wait_state("idle")
        self.note_live("end")
        self.steps.append("end")
        problems = console_problems(d)
        if problems:
            raise Fail("the browser console reports problems: %s" % problems[:5])
        return result


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url", required=True, help="the daemon's base URL, e.g. http://127.0.0.1:8080")
    p.add_argument("--path", default="", help="page path (default: /, the station's page on a station)")
    p.add_argument("--card", required=True)
    p.add_argument("--pin")
    p.add_argument("--items", required=True, help="JSON list of SimItem objects to lay on the pad")
    p.add_argument("--lang", choices=("en", "zh"), default="en")
    p.add_argument("--expect-done", type=int)
    p.add_argument("--expect-refused", type=int)
    p.add_argument("--artifacts", required=True)
    p.add_argument("--keyboard-only", action="store_true", help="no clicks: Tab, Enter and typing only")
    p.add_argument("--timeout", type=float, default=30)
    p.add_argument("--width", type=int, default=1280)
    p.add_argument("--height", type=int, default=800)
    a = p.parse_args()
    st = Station(a)
    started = time.monotonic()
    summary = {"test": "station_browser", "ok": False, "lang": a.lang, "keyboard_only": a.keyboard_only}
    code = 1
    try:
        summary.update(st.run())
        summary["ok"] = True
        code = 0
    except Fail as e:
        summary["error"] = str(e)
        print("FAIL: %s" % e, file=sys.stderr)
    except Exception as e:  # selenium's own errors: still one clear line
        summary["error"] = "%s: %s" % (type(e).__name__, str(e).splitlines()[0] if str(e) else "")
        print("FAIL: %s" % summary["error"], file=sys.stderr)
    finally:
        if st.d is not None:
            if code != 0:
                try:
                    st.shots.append(screenshot(st.d, a.artifacts, "%s-failure.png" % a.lang))
                    print("page state %r, message %r, live %r" % (st.state(), st.message(), st.live_text()), file=sys.stderr)
                except Exception:
                    pass
            st.d.quit()
        if code == 0 or st.steps:
            api_end = None
            try:
                api_end, _ = api(st.base, "POST", "/api/station/end")
            except Fail:
                pass
            summary["end"] = api_end
    summary.update(steps=st.steps, axe=st.axe, live=[t for _, t in st.live], screenshots=st.shots,
                   seconds=round(time.monotonic() - started, 1))
    print(json.dumps(summary, ensure_ascii=False))
    return code


if __name__ == "__main__":
    sys.exit(main())
