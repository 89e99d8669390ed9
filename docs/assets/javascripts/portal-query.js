/* The SQL page (/query/): runs the reader's SQL in a Web Worker (query/worker.js, sql.js over
 * the site's portal.sqlite) and shows the result as a table with a CSV download.
 * Loaded by portal.js only on a page with <form data-portal-script="query">; nothing here
 * (nor the WebAssembly) is loaded by any other page. The worker and the database are fetched
 * when a query is first run (a ?sql= address runs at once). The query is kept in the address
 * (?sql=, history.replaceState). Messages come from the form's data-msg-* attributes. */
(function () {
  "use strict";
  window.portalPages = window.portalPages || {};

  function say(form, key, values) {
    var text = form.getAttribute("data-msg-" + key) || key;
    return text.replace(/\{(\w+)\}/g, function (_, k) { return values && k in values ? values[k] : ""; });
  }

  function fmt(n) { return Number(n).toLocaleString("zh-CN"); }

  function csvCell(v) {
    if (v === null || v === undefined) return "";
    var s = String(v);
    return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  function table(result) {
    var t = document.createElement("table"), head = t.createTHead().insertRow(), body = t.createTBody();
    result.columns.forEach(function (c) {
      var th = document.createElement("th");
      th.scope = "col";
      th.textContent = c;
      head.appendChild(th);
    });
    result.rows.forEach(function (row) {
      var tr = body.insertRow();
      row.forEach(function (v) {
        var td = tr.insertCell();
        if (v === null) { td.className = "portal-null"; td.textContent = "NULL"; }
        else { td.textContent = String(v); if (typeof v === "number") td.setAttribute("align", "right"); }
      });
    });
    var box = document.createElement("div");
    box.className = "md-typeset__table";
    box.appendChild(t);
    return box;
  }

  window.portalPages.query = function (form) {
    var text = form.querySelector("textarea");
    var status = form.querySelector("[role=status]");
    var error = form.querySelector("[role=alert]");
    var results = form.querySelector("[data-results]");
    var stop = form.querySelector("[data-stop]"), csv = form.querySelector("[data-csv]");
    var cap = parseInt(form.getAttribute("data-cap"), 10) || 1000;
    var db = new URL(form.getAttribute("data-db"), location.href).href;
    var workerUrl = new URL(form.getAttribute("data-worker"), location.href).href;
    var worker = null, loaded = false, pending = 0, last = null;

    function start() {
      if (!worker) { worker = new Worker(workerUrl); worker.onmessage = receive; }
      return worker;
    }

    function busy(on) {
      stop.hidden = !on;
      form.querySelector("[type=submit]").disabled = on;
    }

    function showError(message) {
      error.textContent = message;
      error.hidden = !message;
    }

    function receive(ev) {
      var r = ev.data;
      if (r.id !== pending) return;
      busy(false);
      if (r.failed) { worker.terminate(); worker = null; status.textContent = ""; showError(say(form, "failed", { message: r.failed })); return; }
      loaded = true;
      if (r.error) { status.textContent = ""; showError(say(form, "error", { message: r.error })); return; }
      last = r;
      results.textContent = "";
      csv.hidden = !r.columns.length;
      if (!r.columns.length) { status.textContent = say(form, "no_rows"); return; }
      var values = { total: fmt(r.total), cap: fmt(cap), ms: fmt(r.ms), rows: fmt(r.rows.length) };
      status.textContent = say(form, r.total > r.rows.length ? "capped" : (r.total ? "done" : "empty"), values);
      if (r.total) results.appendChild(table(r));
    }

    function run() {
      var sql = text.value.trim();
      showError("");
      if (!sql) { status.textContent = say(form, "blank"); return; }
      var url = new URL(location.href);
      url.searchParams.set("sql", sql);
      history.replaceState(history.state, "", url.href);
      pending += 1;
      busy(true);
      status.textContent = say(form, loaded ? "running" : "loading");
      start().postMessage({ id: pending, db: db, sql: sql, cap: cap });
    }

    form.addEventListener("submit", function (ev) { ev.preventDefault(); run(); });
    text.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); run(); }
    });
    stop.addEventListener("click", function () {
      if (worker) worker.terminate();
      worker = null; loaded = false; pending += 1;
      busy(false);
      status.textContent = say(form, "stopped");
    });
    csv.addEventListener("click", function () {
      if (!last) return;
      var lines = [last.columns.map(csvCell).join(",")].concat(last.rows.map(function (row) {
        return row.map(csvCell).join(",");
      }));
      var a = document.createElement("a");
      a.href = URL.createObjectURL(new Blob(["\ufeff" + lines.join("\r\n") + "\r\n"], { type: "text/csv;charset=utf-8" }));
      a.download = "query.csv";
      document.body.appendChild(a);
      a.click();
      setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    });
    Array.prototype.forEach.call(document.querySelectorAll("a[data-example]"), function (a) {
      a.addEventListener("click", function (ev) {
        ev.preventDefault();
        ev.stopPropagation();   // not Material's instant navigation: the page stays
        text.value = new URL(a.href).searchParams.get("sql");
        run();
        form.scrollIntoView({ block: "start" });
      });
    });
    var asked = new URLSearchParams(location.search).get("sql");
    if (asked) { text.value = asked; run(); }
  };
})();
