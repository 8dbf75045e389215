#!/usr/bin/env python3
"""Runs a third-party SIP2 server (ACS side) on loopback over a small in-memory ILS, for the
RFIDGate integration tests. All SIP2 wire handling is the peer library's own code; this file only
supplies the ILS behind it and a control port for the tests.

    sip2_peer.py invenio PORT CONTROL_PORT     (venv: .build/sip2-venv/invenio, invenio-sip2 1.0.0)
    sip2_peer.py pysip2  PORT CONTROL_PORT     (venv: .build/sip2-venv/pysip2, pysip2 0.1.0)

Environment: SIP2PEER_ERROR_DETECTION=0 turns AY/AZ off in invenio; SIP2PEER_ENCODING sets
pysip2's charset (default utf-8).

Control port (127.0.0.1, one line in, one JSON line out): "STATE" -> items with their loan
counters and the event log; "RESET" -> back to the initial data. The tests check exactly-once
delivery there (a second checkout of a charged item counts as a renewal, as does a renew, 29).

ILS data: patrons P0001 Alice (PIN 1234), P0002 Bob Blocked (charge denied + excessive fines),
P0003 Zoë Ångström (PIN 0000, has I0003), any Q<digits> (PIN 1234, created on first use);
items I0001 The Hobbit, I0002 Les Misérables, I0003 Moby Dick (charged to P0003), I0004 Lost Book
(lost), I0005 三体 (Chinese title), any B<letters/digits/-> (available, created on first use).
Test fixture only.
"""

import json
import os
import re
import socketserver
import sys
import threading
from datetime import datetime, timedelta, timezone

INSTITUTION, SC_LOGIN = "DEMO", "sc_user"
# The secret-grep test sets its own unique password and PIN, so a search for them is meaningful.
SC_PASSWORD = os.environ.get("SIP2PEER_SC_PASSWORD", "sc_pass")
P0001_PIN = os.environ.get("SIP2PEER_P0001_PIN", "1234")
LOCK = threading.RLock()


def initial_patrons():
    return {
        "P0001": {"name": "Alice Example", "pin": P0001_PIN, "blocked": False},
        "P0002": {"name": "Bob Blocked", "pin": "1234", "blocked": True},
        "P0003": {"name": "Zoë Ångström", "pin": "0000", "blocked": False},
    }


def initial_items():
    return {
        "I0001": {"title": "The Hobbit", "status": "available", "patron": None, "due": None},
        "I0002": {"title": "Les Misérables", "status": "available", "patron": None, "due": None},
        "I0003": {"title": "Moby Dick", "status": "charged", "patron": "P0003",
                  "due": datetime(2030, 1, 15, 23, 59, 0)},
        "I0004": {"title": "Lost Book", "status": "lost", "patron": None, "due": None},
        "I0005": {"title": "三体", "status": "available", "patron": None, "due": None},
    }


PATRONS, ITEMS, EVENTS, COUNTS = initial_patrons(), initial_items(), [], {}


def reset():
    global PATRONS, ITEMS, EVENTS, COUNTS
    with LOCK:
        PATRONS, ITEMS, EVENTS, COUNTS = initial_patrons(), initial_items(), [], {}


def patron(pid):
    with LOCK:
        if pid not in PATRONS and re.fullmatch(r"Q\d+", pid or ""):
            PATRONS[pid] = {"name": f"Bulk Patron {pid[1:]}", "pin": "1234", "blocked": False}
        return PATRONS.get(pid)


def item(iid):
    with LOCK:
        if iid not in ITEMS and re.fullmatch(r"B[0-9A-Za-z-]+", iid or ""):
            ITEMS[iid] = {"title": f"Bulk item {iid[1:]}", "status": "available", "patron": None, "due": None}
        return ITEMS.get(iid)


def count(iid, what):
    c = COUNTS.setdefault(iid, {"checkouts": 0, "renewals": 0, "checkins": 0, "refused": 0})
    c[what] += 1


def do_checkout(pid, iid, no_block=None, txn_date=None, nb_due=None):
    """Returns (ok, renewal, message, item, due datetime)."""
    with LOCK:
        p, i = patron(pid), item(iid)
        msg = None
        if p is None:
            msg = "Unknown patron"
        elif i is None:
            msg = "Unknown item"
        elif p["blocked"]:
            msg = "Patron blocked: please see staff"
        elif i["status"] == "lost":
            msg = "Item cannot be checked out"
        elif i["status"] == "charged" and i["patron"] != pid:
            msg = "Item is checked out to another patron"
        EVENTS.append({"op": "checkout", "item": iid, "patron": pid, "ok": msg is None,
                       "no_block": no_block, "transaction_date": txn_date, "nb_due_date": nb_due})
        if msg:
            count(iid, "refused")
            return False, False, msg, i, None
        renewal = i["status"] == "charged"
        count(iid, "renewals" if renewal else "checkouts")
        due = datetime.now().replace(hour=23, minute=59, second=0, microsecond=0) + timedelta(days=14)
        i.update(status="charged", patron=pid, due=due)
        return True, renewal, "Renewed" if renewal else "Checked out", i, due


def do_checkin(iid, no_block=None, txn_date=None):
    with LOCK:
        i = item(iid)
        EVENTS.append({"op": "checkin", "item": iid, "ok": i is not None, "no_block": no_block,
                       "transaction_date": txn_date})
        if i is None:
            return False, "Unknown item", None, None
        was = i["status"] == "charged"
        prev = i["patron"]
        count(iid, "checkins")
        i.update(status="available", patron=None, due=None)
        return True, "Checked in" if was else "Item was not checked out", i, prev


def state():
    with LOCK:
        return {"items": {k: {"status": v["status"], "patron": v["patron"], **COUNTS.get(k, {})}
                          for k, v in ITEMS.items()},
                "events": EVENTS}


class Control(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            cmd = line.decode().strip()
            if cmd == "STATE":
                out = state()
            elif cmd == "RESET":
                reset()
                out = {"ok": True}
            else:
                out = {"error": f"unknown command {cmd!r}"}
            self.wfile.write((json.dumps(out, default=str) + "\n").encode())
            self.wfile.flush()


def start_control(port):
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    srv = socketserver.ThreadingTCPServer(("127.0.0.1", port), Control)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()


# ----------------------------------------------------------------------------------------------
# invenio-sip2 1.0.0 host: Flask app + fakeredis datastore + remote action handlers.
# ----------------------------------------------------------------------------------------------
def run_invenio(port):
    from flask import Flask
    from invenio_i18n import Babel
    from invenio_sip2 import InvenioSIP2
    from invenio_sip2.datastore import Sip2RedisDatastore
    from invenio_sip2.models import (
        PatronStatus, PatronStatusTypes, SelfcheckCheckin, SelfcheckCheckout,
        SelfcheckCirculationStatus, SelfcheckFeeType, SelfcheckItemInformation,
        SelfcheckPatronInformation, SelfcheckPatronStatus, SelfcheckRenew, SelfcheckHold,
        SelfcheckSecurityMarkerType, SelfcheckFeePaid,
    )
    from invenio_sip2.server import SocketServer

    class FakeRedis(Sip2RedisDatastore):
        def __init__(self, app=None, **kwargs):
            import fakeredis
            self.datastore = fakeredis.FakeStrictRedis()

    def pstatus(pid):
        s = PatronStatus()
        p = patron(pid)
        if p and p["blocked"]:
            s.add_patron_status_type(PatronStatusTypes.CHARGE_PRIVILEGES_DENIED)
            s.add_patron_status_type(PatronStatusTypes.EXCESSIVE_OUTSTANDING_FINES)
        return s

    # invenio wants attribute *names* ("AVAILABLE"), not codes: "03" silently becomes 01.
    circ = {"available": "AVAILABLE", "charged": "CHARGED", "lost": "LOST"}

    def login_handler(login, password, **kw):
        return {"authenticated": login == SC_LOGIN and password == SC_PASSWORD,
                "terminal": "sc-test", "transaction_user_id": "sc_user_1",
                "institution_id": INSTITUTION, "library_name": "Demo Library", "library_language": "eng"}

    def patron_status_handler(patron_id, **kw):
        pid = patron_id
        p = patron(pid)
        r = SelfcheckPatronStatus(patron_id=pid, institution_id=INSTITUTION, patron_name=p["name"] if p else "",
                                  patron_status=pstatus(pid), language="eng")
        r["valid_patron"] = p is not None
        if p is None:
            r["screen_messages"] = ["Unknown patron"]
        return r

    def account_handler(patron_id, **kw):
        pid = patron_id
        p = patron(pid)
        r = SelfcheckPatronInformation(patron_status=pstatus(pid), patron_id=pid, patron_name=p["name"] if p else "",
                                       institution_id=INSTITUTION, language="eng", currency_type="EUR")
        r["valid_patron"] = p is not None
        with LOCK:
            for k, v in ITEMS.items():
                if v["patron"] == pid and v["status"] == "charged":
                    r["charged_items"].append(k)
        if p is None:
            r["screen_messages"] = ["Unknown patron"]
        return r

    def item_handler(item_id, **kw):
        iid = item_id
        i = item(iid)
        if i is None:
            r = SelfcheckItemInformation(item_id=iid, title_id="", circulation_status=SelfcheckCirculationStatus.OTHER,
                                         fee_type=SelfcheckFeeType.OTHER, security_marker=SelfcheckSecurityMarkerType.OTHER)
            r["screen_messages"] = ["Unknown item"]
            return r
        r = SelfcheckItemInformation(item_id=iid, title_id=i["title"], circulation_status=circ.get(i["status"], "OTHER"),
                                     fee_type=SelfcheckFeeType.OTHER, security_marker="TATTLE_TAPE_SECURITY_STRIP")
        r["media_type"] = "BOOK"
        r["permanent_location"] = r["current_location"] = "Main stacks"
        if i["status"] == "charged" and i["due"]:
            r["due_date"] = i["due"].replace(tzinfo=timezone.utc)
        return r

    def checkout_handler(user_id, item_id, patron_id, **kw):
        ok, renewal, msg, i, due = do_checkout(patron_id, item_id)
        r = SelfcheckCheckout(title_id=i["title"] if i else "")
        r["screen_messages"] = [msg]
        if ok:
            r.update(checkout=True, renewal=renewal, desensitize=True, magnetic_media=False,
                     due_date=due.replace(tzinfo=timezone.utc), media_type="BOOK")
        return r

    def checkin_handler(user_id, item_id, **kw):
        ok, msg, i, prev = do_checkin(item_id)
        r = SelfcheckCheckin(permanent_location="Main stacks" if i else "")
        r["screen_messages"] = [msg]
        if not ok:
            r["alert"] = True
            return r
        r.update(checkin=True, resensitize=True, magnetic_media=False, title_id=i["title"], media_type="BOOK")
        if prev:
            r["patron_id"] = prev
        return r

    def renew_handler(user_id, item_id, **kw):
        i = item(item_id)
        r = SelfcheckRenew(title_id=i["title"] if i else "")
        with LOCK:
            ok = bool(i and i["status"] == "charged")
            EVENTS.append({"op": "renew", "item": item_id, "patron": kw.get("patron_id"), "ok": ok})
            if ok:
                count(item_id, "renewals")
                i["due"] = i["due"] + timedelta(days=14)
                r.update(success=True, renewal=True, due_date=i["due"].replace(tzinfo=timezone.utc))
        return r

    app = Flask("sip2peer")
    app.config.update(
        SECRET_KEY="test-fixture",
        SIP2_DATASTORE_HANDLER=FakeRedis,
        SIP2_ERROR_DETECTION=os.environ.get("SIP2PEER_ERROR_DETECTION", "1") == "1",
        SIP2_LOGGING_CONSOLE=True,
        SIP2_LOGGING_CONSOLE_LEVEL=os.environ.get("SIP2PEER_LOG_LEVEL", "WARNING"),
        SIP2_REMOTE_ACTION_HANDLERS={"demo_ils": {
            "login_handler": login_handler,
            "logout_handler": lambda *a, **k: True,
            "system_status_handler": lambda login, **k: {"institution_id": INSTITUTION},
            "patron_handlers": {
                "validate_patron": lambda patron_id, **k: patron(patron_id) is not None,
                "authorize_patron": lambda patron_id, patron_password, **k: bool(patron(patron_id) and patron(patron_id)["pin"] == patron_password),
                "enable_patron": lambda patron_id, **k: {"patron_status": pstatus(patron_id), "language": "eng",
                                                         "institution_id": INSTITUTION, "patron_id": patron_id,
                                                         "patron_name": (patron(patron_id) or {}).get("name", "")},
                "patron_status": patron_status_handler,
                "account": account_handler,
            },
            "item_handlers": {"item": item_handler},
            "circulation_handlers": {"checkout": checkout_handler, "checkin": checkin_handler,
                                     "hold": lambda user_id, item_id, **k: SelfcheckHold(hold=False, available=False),
                                     "renew": renew_handler},
            "fee_paid_handler": lambda *a, **k: SelfcheckFeePaid(accepted=True),
        }},
    )
    Babel(app)
    InvenioSIP2(app)
    with app.app_context():
        SocketServer(name="peer", host="127.0.0.1", port=port, remote="demo_ils", process_id=os.getpid()).run()


# ----------------------------------------------------------------------------------------------
# pysip2 0.1.0 server: strict codec, handlers over the same ILS.
# ----------------------------------------------------------------------------------------------
def run_pysip2(port):
    import anyio
    from pysip2 import (CHECKIN, CHECKOUT, END_PATRON_SESSION, ITEM_INFORMATION, LOGIN, PATRON_INFORMATION,
                        PATRON_STATUS, CheckinResponse, CheckoutResponse, EndSessionResponse,
                        ItemInformationResponse, LoginResponse, PatronInformationResponse,
                        PatronStatusResponse, SIP2Server)

    def sip(dt):
        return dt.strftime("%Y%m%d    %H%M%S") if dt else None

    def pstatus(pid):
        p = patron(pid)
        return ("Y" + " " * 9 + "Y" + " " * 3) if p and p["blocked"] else " " * 14

    codes = {"available": "03", "charged": "04", "lost": "12"}
    app = SIP2Server(institution_id=INSTITUTION, library_name="Demo Library",
                     encoding=os.environ.get("SIP2PEER_ENCODING", "utf-8"), login_required=True,
                     error_detection="auto", timeout_period="030", retries_allowed="003")

    @app.route(LOGIN)
    def login(req, ctx):
        return LoginResponse(ok="1" if req.login_user_id == SC_LOGIN and req.login_password == SC_PASSWORD else "0")

    @app.route(PATRON_STATUS)
    def patron_status(req, ctx):
        p = patron(req.patron_identifier)
        return PatronStatusResponse(
            patron_status=pstatus(req.patron_identifier), language=req.language, transaction_date=ctx.now_18(),
            institution_id=INSTITUTION, patron_identifier=req.patron_identifier, personal_name=p["name"] if p else "",
            valid_patron="Y" if p else "N",
            valid_patron_password=("Y" if p and p["pin"] == req.patron_password else "N") if req.patron_password else None,
            screen_message=() if p else ("Unknown patron",))

    @app.route(PATRON_INFORMATION)
    def patron_information(req, ctx):
        pid = req.patron_identifier
        p = patron(pid)
        with LOCK:
            charged = tuple(k for k, v in ITEMS.items() if v["patron"] == pid and v["status"] == "charged")
        return PatronInformationResponse(
            patron_status=pstatus(pid), language=req.language, transaction_date=ctx.now_18(),
            hold_items_count="0000", overdue_items_count="0000", charged_items_count=f"{len(charged):04d}",
            fine_items_count="0000", recall_items_count="0000", unavailable_holds_count="0000",
            institution_id=INSTITUTION, patron_identifier=pid, personal_name=p["name"] if p else "",
            valid_patron="Y" if p else "N",
            valid_patron_password=("Y" if p and p["pin"] == req.patron_password else "N") if req.patron_password else None,
            charged_items=charged if req.summary[2:3] == "Y" else (),
            screen_message=() if p else ("Unknown patron",))

    @app.route(ITEM_INFORMATION)
    def item_information(req, ctx):
        i = item(req.item_identifier)
        return ItemInformationResponse(
            circulation_status=codes.get(i["status"], "01") if i else "01", security_marker="02", fee_type="01",
            transaction_date=ctx.now_18(), item_identifier=req.item_identifier,
            title_identifier=i["title"] if i else "", due_date=sip(i["due"]) if i else None,
            media_type="001" if i else None, permanent_location="Main stacks" if i else None,
            screen_message=() if i else ("Unknown item",))

    @app.route(CHECKOUT)
    def checkout(req, ctx):
        ok, renewal, msg, i, due = do_checkout(req.patron_identifier, req.item_identifier, req.no_block,
                                               req.transaction_date, req.nb_due_date)
        if not ok:
            return CheckoutResponse(ok="0", renewal_ok="N", magnetic_media="U", desensitize="N",
                                    transaction_date=ctx.now_18(), institution_id=INSTITUTION,
                                    patron_identifier=req.patron_identifier, item_identifier=req.item_identifier,
                                    title_identifier=i["title"] if i else "", due_date="", screen_message=(msg,))
        due18 = req.nb_due_date if req.no_block == "Y" and req.nb_due_date.strip() else sip(due)
        return CheckoutResponse(ok="1", renewal_ok="Y" if renewal else "N", magnetic_media="N", desensitize="Y",
                                transaction_date=ctx.now_18(), institution_id=INSTITUTION,
                                patron_identifier=req.patron_identifier, item_identifier=req.item_identifier,
                                title_identifier=i["title"], due_date=due18, media_type="001", screen_message=(msg,))

    @app.route(CHECKIN)
    def checkin(req, ctx):
        ok, msg, i, prev = do_checkin(req.item_identifier, req.no_block, req.transaction_date)
        if not ok:
            return CheckinResponse(ok="0", resensitize="N", magnetic_media="U", alert="Y", transaction_date=ctx.now_18(),
                                   institution_id=INSTITUTION, item_identifier=req.item_identifier,
                                   permanent_location="", screen_message=(msg,))
        return CheckinResponse(ok="1", resensitize="Y", magnetic_media="N", alert="N", transaction_date=ctx.now_18(),
                               institution_id=INSTITUTION, item_identifier=req.item_identifier,
                               permanent_location="Main stacks", title_identifier=i["title"], patron_identifier=prev,
                               media_type="001", screen_message=(msg,))

    @app.route(END_PATRON_SESSION)
    def end_session(req, ctx):
        return EndSessionResponse(end_session="Y", transaction_date=ctx.now_18(), institution_id=INSTITUTION,
                                  patron_identifier=req.patron_identifier)

    anyio.run(app.serve, "127.0.0.1", port)


def exit_with_parent():
    """The test process starts peers and may exit without stopping them (shared peers live as
    long as the process): leave when the parent is gone, so no server outlives its tests."""
    parent = os.getppid()

    def watch():
        import time
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


if __name__ == "__main__":
    kind, port, control = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    exit_with_parent()
    start_control(control)
    print(f"sip2_peer {kind} listening on 127.0.0.1:{port}, control {control}", flush=True)
    {"invenio": run_invenio, "pysip2": run_pysip2}[kind](port)
