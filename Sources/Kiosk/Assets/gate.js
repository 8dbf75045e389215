// The staff screen beside an exit: the last alarms (newest first), alarms today, visitors this
// hour and today. Driven by the daemon's GateView (GET /api/gate, then one whole view per
// WebSocket message on /api/gate/events; polling while the socket is down). Text from tags and
// the library system is only ever set through textContent.
"use strict";

(function () {
  const I = window.KioskI18n;
  const $ = (id) => document.getElementById(id);
  let view = null;
  let lang = null; // null: follow view.language; set by the page's own switch
  let seen = null; // keys of alarms already shown (null before the first view)

  const cur = () => lang || (view ? I.lang(view.language) : "zh");
  const t = (key, params) => I.t(cur(), key, params);
  const key = (a) => [a.at, a.item, a.reader, a.antenna, a.reason_code].join("\u0001");

  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function applyLanguage() {
    I.apply(cur());
    document.title = t("gateTitle");
    for (const b of document.querySelectorAll("button.lang")) {
      b.setAttribute("aria-pressed", b.dataset.lang === cur() ? "true" : "false");
    }
  }

  function render() {
    if (!view) return;
    applyLanguage();
    $("alarms-today").textContent = String(view.alarms_today);
    $("visitors-hour").textContent = view.visitors_hour.in + " / " + view.visitors_hour.out;
    $("visitors-today").textContent = view.visitors_today.in + " / " + view.visitors_today.out;
    const rows = view.alarms.map((a) => {
      const tr = el("tr");
      tr.dataset.key = key(a);
      tr.append(el("td", "at", a.at));
      const title = el("td", "title", a.title && a.title.trim() ? a.title : a.item);
      if (a.title) title.append(el("span", "sub", a.item));
      tr.append(title);
      const where = el("td", "where", a.call_number || "–");
      if (a.shelf_location) where.append(el("span", "sub", a.shelf_location));
      tr.append(where);
      tr.append(el("td", "reason", a.reason));
      const rd = el("td", "reader", a.reader);
      rd.append(el("span", "sub", t("antenna", { n: a.antenna })));
      tr.append(rd);
      return tr;
    });
    $("alarm-rows").replaceChildren(...rows);
    $("alarms-none").hidden = view.alarms.length > 0;
  }

  function apply(v, force) {
    if (!v || typeof v !== "object" || !Array.isArray(v.alarms)) return;
    if (view && !force && typeof v.revision === "number" && v.revision < view.revision) return;
    view = v;
    render();
    const keys = v.alarms.map(key);
    if (seen) {
      const fresh = v.alarms.filter((a) => !seen.has(key(a)));
      if (fresh.length) {
        const a = fresh[0];
        let text = t("newAlarm", { title: a.title || a.item, reason: a.reason });
        if (fresh.length > 1) text += " (+" + (fresh.length - 1) + ")";
        $("alert").textContent = text;
      }
    }
    seen = new Set(keys);
  }

  async function poll() {
    try {
      const r = await fetch("/api/gate", { cache: "no-store", headers: { Accept: "application/json" } });
      if (!r.ok) throw new Error("HTTP " + r.status);
      apply(await r.json(), !socket);
      $("conn").hidden = true;
    } catch (e) {
      $("conn").hidden = false;
    }
  }

  let socket = null;
  let backoff = 500;
  let pollTimer = 0;
  let reconnectTimer = 0;

  function connect() {
    reconnectTimer = 0;
    let s;
    try {
      s = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/api/gate/events");
    } catch (e) {
      retry();
      return;
    }
    socket = s;
    let fresh = true;
    s.onopen = () => {
      backoff = 500;
      if (pollTimer) clearInterval(pollTimer);
      pollTimer = 0;
      $("conn").hidden = true;
    };
    s.onmessage = (ev) => {
      let v;
      try { v = JSON.parse(ev.data); } catch (e) { return; }
      apply(v, fresh);
      fresh = false;
    };
    s.onclose = () => {
      if (socket === s) socket = null;
      if (!pollTimer) pollTimer = setInterval(poll, 1000);
      retry();
    };
  }

  function retry() {
    if (reconnectTimer) return;
    reconnectTimer = setTimeout(connect, backoff + Math.floor(Math.random() * 250));
    backoff = Math.min(backoff * 2, 15000);
  }

  function start() {
    applyLanguage();
    for (const b of document.querySelectorAll("button.lang")) {
      b.addEventListener("click", () => {
        lang = I.lang(b.dataset.lang);
        applyLanguage();
        render();
      });
    }
    poll().then(() => {
      document.body.dataset.ready = "1";
      connect();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
