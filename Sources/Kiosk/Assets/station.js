// The self-checkout station's screen. Everything it shows comes from the daemon's StationView
// (GET /api/station, then one whole view per WebSocket message on /api/station/events).
// Text from the API (titles, names, messages) was written by strangers: it is only ever set
// through textContent; nothing here builds markup from strings.
"use strict";

(function () {
  const I = window.KioskI18n;
  const $ = (id) => document.getElementById(id);
  const STATES = ["idle", "pin", "identifying", "patron", "working", "receipt"];
  const TERMINAL = new Set(["done", "refused", "cancelled", "needs-staff"]);
  const NOT_DONE = new Set(["refused", "cancelled", "needs-staff"]);
  // Message codes that are prompts or good news; every other code is a problem, said assertively.
  const CALM = new Set(["ask-pin", "welcome", "put-back", "working", "receipt", "goodbye", "printed",
    "checked-out", "renewed", "checked-out-offline", "returned", "returned-not-on-loan", "returned-offline"]);
  const WEDGE_CHAR = /^[0-9A-Za-z._-]$/;

  let view = null;
  let lang = "zh";
  let busy = false;
  let localMessage = null; // {code, text} shown until the next view changes the message
  let printed = false;
  let catalogLoaded = false;
  let idleDeadline = 0;
  let idleTimer = 0;
  let idleShown = -1;

  const t = (key, params) => I.t(lang, key, params);
  const titleOf = (x) => (x.title && x.title.trim() ? x.title : t("untitled", { item: x.item }));

  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  // ---- the live region: one, polite; assertive for problems -------------------------------

  const live = $("live");
  let liveSeq = 0;
  function announce(text, assertive) {
    if (!text) return;
    live.setAttribute("aria-live", assertive ? "assertive" : "polite");
    // A repeated sentence is still a new event: vary it invisibly so it is read again.
    liveSeq += 1;
    live.textContent = text + (liveSeq % 2 ? "" : "\u00a0");
  }

  // ---- talking to the daemon ---------------------------------------------------------------

  async function api(method, path, body) {
    const init = { method, headers: { Accept: "application/json" }, cache: "no-store", credentials: "same-origin" };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const r = await fetch(path, init);
    let data = null;
    try { data = await r.json(); } catch (e) { data = null; }
    if (!r.ok) {
      const err = new Error((data && typeof data.error === "string") ? data.error : "HTTP " + r.status);
      err.status = r.status;
      err.code = data && data.code;
      throw err;
    }
    return data;
  }

  // A patron's step: POST, then show the view the daemon answers with.
  // `free` steps (language, "still here") go through even while another step is in flight.
  async function act(path, body, free) {
    if (busy && !free) return;
    if (!free) setBusy(true);
    try {
      const v = await api("POST", path, body);
      if (v && typeof v.state === "string") apply(v, false);
    } catch (e) {
      showLocalMessage({ code: e.code || "error", text: e.message });
      // The view may have moved on (409: busy, or no session any more): fetch it.
      poll();
    } finally {
      if (!free) setBusy(false);
    }
  }

  function setBusy(b) {
    busy = b;
    for (const id of ["card-submit", "pin-submit", "checkout", "patron-done", "print", "receipt-done", "checkin", "pin-cancel"]) {
      const b2 = $(id);
      if (b) b2.setAttribute("aria-disabled", "true"); else b2.removeAttribute("aria-disabled");
    }
  }

  let socket = null;
  let backoff = 500;
  let pollTimer = 0;
  let reconnectTimer = 0;

  function connect() {
    reconnectTimer = 0;
    const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/api/station/events";
    let s;
    try { s = new WebSocket(url); } catch (e) { scheduleReconnect(); return; }
    socket = s;
    let fresh = true;
    s.onopen = () => { backoff = 500; stopPolling(); setConnected(true); };
    s.onmessage = (ev) => {
      let v;
      try { v = JSON.parse(ev.data); } catch (e) { return; }
      apply(v, fresh); // the first view of a new connection wins even if revisions restarted
      fresh = false;
    };
    s.onclose = () => {
      if (socket === s) socket = null;
      startPolling();
      scheduleReconnect();
    };
    s.onerror = () => { /* onclose follows */ };
  }

  function scheduleReconnect() {
    if (reconnectTimer) return;
    reconnectTimer = setTimeout(connect, backoff + Math.floor(Math.random() * 250));
    backoff = Math.min(backoff * 2, 15000);
  }

  function startPolling() {
    if (pollTimer) return;
    pollTimer = setInterval(poll, 1000);
  }

  function stopPolling() {
    if (pollTimer) clearInterval(pollTimer);
    pollTimer = 0;
  }

  async function poll() {
    try {
      const v = await api("GET", "/api/station");
      apply(v, !socket); // without a socket, the poll is the truth
      setConnected(true);
    } catch (e) {
      setConnected(false);
    }
  }

  function setConnected(ok) { $("conn").hidden = ok; }

  // ---- rendering ----------------------------------------------------------------------------

  function apply(v, force) {
    if (!v || typeof v !== "object" || STATES.indexOf(v.state) < 0) return;
    if (view && !force && typeof v.revision === "number" && v.revision < view.revision) return;
    const prev = view;
    view = v;
    render(prev, v);
  }

  function setLanguage(code) {
    lang = I.lang(code);
    I.apply(lang);
    document.title = t("stationTitle");
    for (const b of document.querySelectorAll("button.lang")) {
      b.setAttribute("aria-pressed", b.dataset.lang === lang ? "true" : "false");
    }
    buildKeypads();
  }

  function render(prev, v) {
    const langChanged = !prev || I.lang(v.language) !== lang || !document.body.dataset.ready;
    if (langChanged) setLanguage(v.language);
    const stateChanged = !prev || prev.state !== v.state;
    const parts = [];
    let assertive = false;

    if (stateChanged) localMessage = null;
    for (const s of STATES) $("screen-" + s).hidden = s !== v.state;
    document.body.dataset.state = v.state;

    renderMessage(v);
    switch (v.state) {
      case "idle": renderIdle(prev, v, stateChanged); break;
      case "pin": renderPin(stateChanged); break;
      case "patron": renderPatron(v); break;
      case "working": renderProgress(v); break;
      case "receipt": renderReceipt(v, stateChanged); break;
      default: break;
    }
    $("sim").hidden = !v.simulated;
    if (v.simulated && !catalogLoaded) loadCatalog();
    syncIdle(v);

    if (stateChanged || langChanged) parts.push(stateSentence(v));
    else if (v.state === "patron" && prev.pad.items.length !== v.pad.items.length) {
      parts.push(t("announcePad", { n: v.pad.items.length }));
    }
    for (const p of newResults(prev, v)) parts.push(p);
    const msgChanged = v.message && (!prev || !prev.message || prev.message.code !== v.message.code ||
      prev.message.text !== v.message.text || stateChanged);
    const bare = (x) => String(x).replace(/[\s。.!！:：]+$/u, "");
    if (msgChanged && !parts.some((p) => bare(p).endsWith(bare(v.message.text)))) {
      parts.push(v.message.text);
    }
    if (msgChanged) {
      assertive = !CALM.has(v.message.code);
    }
    if (parts.length) announce(parts.join(" "), assertive);
    if (stateChanged) moveFocus(v.state);
    document.body.dataset.ready = "1";
  }

  function stateSentence(v) {
    switch (v.state) {
      case "idle": return t("announceIdle");
      case "pin": return t("announcePin");
      case "identifying": return t("announceIdentifying");
      case "patron": return t("announcePatron", { name: v.patron ? v.patron.name : "", n: v.pad.items.length });
      case "working": return t("announceWorking", { n: v.progress.length });
      case "receipt": {
        const c = counts(v);
        return t("announceReceipt", c);
      }
      default: return "";
    }
  }

  // Sentences for items that reached an outcome since the previous view.
  function newResults(prev, v) {
    const before = new Map();
    if (prev && (prev.state === "working" || prev.state === "receipt")) {
      for (const p of prev.progress) before.set(p.item, p.status);
    }
    const out = [];
    if (v.state !== "working" && v.state !== "receipt") return out;
    if (v.state === "receipt" && prev && prev.state === "receipt") return out;
    for (const p of v.progress) {
      if (TERMINAL.has(p.status) && !TERMINAL.has(before.get(p.item))) {
        out.push(t("announceItem", { title: titleOf(p), result: resultText(p) }));
      }
    }
    return out;
  }

  function resultText(p) {
    if (p.message && p.message.text) return p.message.text;
    if (p.routing && p.routing.text) return p.routing.text;
    return t("status_" + p.status);
  }

  function renderMessage(v) {
    const m = localMessage || v.message;
    const box = $("message");
    if (!m || !m.text) {
      box.hidden = true;
      box.textContent = "";
      return;
    }
    box.hidden = false;
    box.textContent = m.text;
    box.classList.toggle("error", !CALM.has(m.code));
  }

  function showLocalMessage(m) {
    localMessage = m;
    if (view) renderMessage(view);
    announce(m.text, !CALM.has(m.code));
  }

  function moveFocus(state) {
    if (document.querySelector("#idle-dialog[open]:modal")) return;
    const target = state === "idle" ? $("card-input") : state === "pin" ? $("pin-input") : $("h-" + state);
    if (target) target.focus({ preventScroll: false });
  }

  // idle ----------------------------------------------------------------------------------
  function renderIdle(prev, v, stateChanged) {
    if (stateChanged) $("card-input").value = "";
    printed = false;
  }

  // pin -----------------------------------------------------------------------------------
  function renderPin(stateChanged) {
    if (stateChanged) $("pin-input").value = "";
    updatePinCount();
  }

  function updatePinCount() {
    const n = $("pin-input").value.length;
    $("pin-count").textContent = n ? t("pinDigits", { n }) : "";
  }

  // patron --------------------------------------------------------------------------------
  function renderPatron(v) {
    const p = v.patron;
    $("h-patron").textContent = t("hello", { name: p ? p.name : "" });
    const facts = $("patron-facts");
    facts.replaceChildren();
    if (p) {
      if (p.blocked) facts.append(el("li", "warning", t("blocked")));
      if (p.holds_ready > 0) facts.append(el("li", "good", t("holdsReady", { n: p.holds_ready })));
      if (p.charged > 0) facts.append(el("li", "", t("charged", { n: p.charged })));
      if (p.fines) facts.append(el("li", "", t("fines", { fines: p.fines })));
      for (const m of p.messages || []) facts.append(el("li", "", m));
    }
    facts.hidden = !facts.childElementCount;

    const list = $("pad-items");
    list.replaceChildren();
    for (const it of v.pad.items) {
      const li = el("li", "row");
      li.dataset.item = it.item;
      li.append(el("span", "row-title", titleOf(it)));
      if (!it.complete) {
        li.classList.add("incomplete");
        li.append(el("span", "row-note warning", t("partsMissing", { total: it.parts_total, present: it.parts_present })));
      }
      if (!it.for_loan) li.append(el("span", "row-note warning", t("notForLoan")));
      list.append(li);
    }
    $("pad-empty").hidden = v.pad.items.length > 0;
    const notes = [];
    if (v.pad.unreadable > 0) notes.push(t("unreadable", { n: v.pad.unreadable }));
    if (v.pad.patron_card) notes.push(t("patronCardOnPad"));
    $("pad-notes").textContent = notes.join(" ");
    $("pad-notes").hidden = !notes.length;
    const n = v.pad.items.length;
    const co = $("checkout");
    co.textContent = n ? t("checkoutN", { n }) : t("checkoutNone");
    co.disabled = n === 0;
  }

  // working -------------------------------------------------------------------------------
  function progressRow(p) {
    const li = el("li", "row status-" + p.status);
    li.dataset.item = p.item;
    li.dataset.status = p.status;
    li.append(el("span", "row-title", titleOf(p)));
    li.append(el("span", "row-status", t("status_" + p.status)));
    if (TERMINAL.has(p.status)) {
      const text = resultText(p);
      if (text && text !== t("status_" + p.status)) li.append(el("span", "row-note", text));
    }
    return li;
  }

  function renderProgress(v) {
    $("progress").replaceChildren(...v.progress.map(progressRow));
  }

  // receipt -------------------------------------------------------------------------------
  function counts(v) {
    const rows = receiptRows(v);
    let done = 0;
    let refused = 0;
    for (const r of rows) if (r.ok) done += 1; else refused += 1;
    return { done, refused };
  }

  // One row per item worked: the receipt's items, completed by the progress rows' routing.
  function receiptRows(v) {
    const byItem = new Map(v.progress.map((p) => [p.item, p]));
    const items = v.receipt && v.receipt.items.length ? v.receipt.items : v.progress;
    return items.map((x) => {
      const p = byItem.get(x.item) || null;
      const status = p ? p.status : (NOT_DONE.has(x.result) ? x.result : "done");
      const ok = !NOT_DONE.has(status) && !NOT_DONE.has(x.result || "");
      return {
        item: x.item, title: titleOf(x.title || !p ? x : p), ok, status: ok ? "done" : (NOT_DONE.has(status) ? status : "refused"),
        text: x.text || (p ? resultText(p) : ""), due: x.due || (p && p.due) || null,
        offline: !!(x.offline || (p && p.offline)), routing: p && p.routing ? p.routing.text : null,
        why: p && !ok && p.message ? p.message.text : null,
      };
    });
  }

  function renderReceipt(v, stateChanged) {
    const mode = (v.receipt && v.receipt.mode) || v.mode || "checkout";
    $("h-receipt").textContent = t(mode === "checkin" ? "receiptHeadingCheckin" : "receiptHeadingCheckout");
    const c = counts(v);
    $("receipt-summary").textContent = t("receiptSummary", c);
    const list = $("receipt-items");
    list.replaceChildren();
    for (const r of receiptRows(v)) {
      const li = el("li", "row result " + (r.ok ? "result-done" : "result-refused"));
      li.dataset.item = r.item;
      li.dataset.result = r.ok ? "done" : "refused";
      li.append(el("span", "row-title", r.title));
      li.append(el("span", "row-status", t(r.ok ? "result_ok" : "result_no")));
      if (r.text) li.append(el("span", "row-note", r.text));
      if (r.why && (!r.text || r.text.indexOf(r.why) < 0)) li.append(el("span", "row-note", r.why));
      if (r.ok && r.due && (!r.text || r.text.indexOf(r.due) < 0)) li.append(el("span", "row-note due", t("due", { due: r.due })));
      if (r.offline) li.append(el("span", "row-note warning", t("offline")));
      if (r.routing && r.routing !== r.text) li.append(el("span", "row-note routing", r.routing));
      list.append(li);
    }
    if (stateChanged) printed = false;
    $("print").hidden = !v.printer || printed;
    $("receipt-done").textContent = t(v.printer && !printed ? "noReceipt" : "done");
  }

  // ---- the idle countdown --------------------------------------------------------------------

  // The countdown is a modal dialog, except on the receipt screen, where it is a line above the
  // receipt's buttons that leaves the receipt readable and usable.
  function syncIdle(v) {
    const dlg = $("idle-dialog");
    const warn = !!(v.idle && v.idle.warning) && v.state !== "idle";
    const inline = warn && v.state === "receipt";
    const modal = warn && !inline;
    const line = $("receipt-countdown");
    if (!modal && dlg.open) {
      const hadFocus = dlg.contains(document.activeElement);
      dlg.close();
      if (hadFocus) moveFocus(v.state);
    }
    if (!warn) {
      line.hidden = true;
      if (idleTimer) clearInterval(idleTimer);
      idleTimer = 0;
      idleShown = -1;
      return;
    }
    idleDeadline = performance.now() + Math.max(0, v.idle.seconds_left) * 1000;
    if (inline && line.hidden) {
      line.hidden = false;
      idleShown = -1;
    }
    if (modal && !dlg.open) {
      dlg.showModal();
      $("still-here").focus();
      idleShown = -1;
      tickIdle();
      announce($("idle-heading").textContent + " " + $("idle-text").textContent, true);
    }
    tickIdle();
    if (!idleTimer) idleTimer = setInterval(tickIdle, 250);
  }

  function tickIdle() {
    const n = Math.max(0, Math.ceil((idleDeadline - performance.now()) / 1000));
    if (n === idleShown) return;
    idleShown = n;
    $("idle-text").textContent = t("idleDialogText", { n });
    $("receipt-countdown-text").textContent = t("idleDialogText", { n });
  }

  // ---- keypads -------------------------------------------------------------------------------

  let letters = false;

  function keyButton(label, aria, onPress, className) {
    const b = el("button", "key" + (className ? " " + className : ""), label);
    b.type = "button";
    if (aria) b.setAttribute("aria-label", aria);
    b.addEventListener("click", onPress);
    return b;
  }

  function fillKeypad(pad, input, withLetters, after) {
    const type = (ch) => () => {
      if (input.value.length < input.maxLength) input.value += ch;
      after();
    };
    pad.replaceChildren();
    const keys = "123456789".split("");
    for (const k of keys) pad.append(keyButton(k, null, type(k)));
    pad.append(keyButton(t("clear"), t("clearLabel"), () => { input.value = ""; after(); }, "fn"));
    pad.append(keyButton("0", null, type("0")));
    pad.append(keyButton("⌫", t("backspaceLabel"), () => { input.value = input.value.slice(0, -1); after(); }, "fn"));
    if (withLetters) {
      const toggle = keyButton(letters ? t("digits") : t("letters"), letters ? t("digitsLabel") : t("lettersLabel"), () => {
        letters = !letters;
        buildKeypads();
        $("card-keypad").querySelector(".toggle").focus();
      }, "fn toggle wide");
      pad.append(toggle);
      if (letters) {
        const row = el("div", "letters");
        for (const k of "ABCDEFGHIJKLMNOPQRSTUVWXYZ") row.append(keyButton(k, null, type(k)));
        pad.append(row);
      }
    }
  }

  function buildKeypads() {
    fillKeypad($("card-keypad"), $("card-input"), true, () => {});
    fillKeypad($("pin-keypad"), $("pin-input"), false, updatePinCount);
  }

  // A barcode scanner is a keyboard: characters typed anywhere on the idle (or PIN) screen go to
  // its field, and the Enter that follows submits it.
  function onKeyDown(e) {
    if (!view || e.ctrlKey || e.altKey || e.metaKey || e.isComposing) return;
    const input = view.state === "idle" ? $("card-input") : view.state === "pin" ? $("pin-input") : null;
    if (!input || e.target === input || $("idle-dialog").open) return;
    const tgt = e.target;
    if (tgt && tgt.matches && tgt.matches("input, textarea, select")) return; // e.g. the simulation's checkboxes
    if (WEDGE_CHAR.test(e.key)) {
      e.preventDefault();
      if (input.value.length < input.maxLength) input.value += e.key;
      input.focus();
      if (view.state === "pin") updatePinCount();
    }
  }

  // ---- simulation ----------------------------------------------------------------------------

  let catalog = [];

  async function loadCatalog() {
    catalogLoaded = true;
    try {
      catalog = await api("GET", "/api/sim/catalog");
    } catch (e) {
      catalogLoaded = false;
      return;
    }
    const list = $("sim-list");
    list.replaceChildren();
    catalog.forEach((c, i) => {
      const li = el("li", "sim-item");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.id = "sim-" + i;
      box.value = String(i);
      const label = document.createElement("label");
      label.htmlFor = box.id;
      label.append(el("span", "row-title", titleOf(c)));
      const meta = [c.item, c.kind];
      if (c.parts > 1) meta.push(t("simParts", { n: c.parts }));
      label.append(el("span", "sim-meta", meta.filter(Boolean).join(" · ")));
      li.append(box, label);
      list.append(li);
    });
  }

  async function simLay(e) {
    e.preventDefault();
    const picked = [...$("sim-list").querySelectorAll("input:checked")].map((b) => catalog[Number(b.value)]).filter(Boolean);
    if (!picked.length) return;
    try {
      await api("POST", "/api/sim/pad", { items: picked.map((c) => ({ item: c.item, parts: Math.max(1, c.parts || 1), patron_card: c.kind === "patron-card" })) });
      for (const b of $("sim-list").querySelectorAll("input:checked")) b.checked = false;
      announce(t("simDone", { n: picked.length }), false);
    } catch (err) {
      announce(t("simFailed") + ": " + err.message, true);
    }
  }

  async function simClear() {
    try {
      await api("DELETE", "/api/sim/pad");
      announce(t("simCleared"), false);
    } catch (err) {
      announce(t("simFailed") + ": " + err.message, true);
    }
  }

  // ---- wiring ----------------------------------------------------------------------------------

  function start() {
    setLanguage(lang);
    $("card-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const card = $("card-input").value.trim();
      $("card-input").value = "";
      if (!card) { $("card-input").focus(); return; }
      act("/api/station/card", { card });
    });
    $("pin-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const pin = $("pin-input").value;
      $("pin-input").value = "";
      updatePinCount();
      if (!pin) { $("pin-input").focus(); return; }
      act("/api/station/pin", { pin });
    });
    $("pin-input").addEventListener("input", updatePinCount);
    $("pin-cancel").addEventListener("click", () => act("/api/station/end"));
    $("checkin").addEventListener("click", () => act("/api/station/checkin"));
    $("checkout").addEventListener("click", () => act("/api/station/checkout"));
    $("patron-done").addEventListener("click", () => act("/api/station/end"));
    $("receipt-done").addEventListener("click", () => act("/api/station/end"));
    $("print").addEventListener("click", async () => {
      if (busy) return;
      setBusy(true);
      try {
        const r = await api("POST", "/api/station/receipt/print");
        printed = !!(r && r.printed);
        if (r && r.message) showLocalMessage(r.message);
        if (view) renderReceipt(view, false);
        $(printed ? "receipt-done" : "print").focus();
      } catch (e) {
        showLocalMessage({ code: e.code || "print-failed", text: e.message });
      } finally {
        setBusy(false);
      }
    });
    const stillHere = () => {
      const dlg = $("idle-dialog");
      if (dlg.open) dlg.close();
      if (idleTimer) clearInterval(idleTimer);
      idleTimer = 0;
      if (view && view.state !== "receipt") moveFocus(view.state);
      act("/api/station/activity", undefined, true);
    };
    $("still-here").addEventListener("click", stillHere);
    $("receipt-still-here").addEventListener("click", stillHere);
    $("idle-dialog").addEventListener("cancel", (e) => e.preventDefault()); // Escape does not dismiss the countdown
    for (const b of document.querySelectorAll("button.lang")) {
      b.addEventListener("click", () => act("/api/station/language", { language: b.dataset.lang }, true));
    }
    $("sim-form").addEventListener("submit", simLay);
    $("sim-clear").addEventListener("click", simClear);
    document.addEventListener("keydown", onKeyDown);
    poll().then(connect);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
