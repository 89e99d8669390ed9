/* The /query/ page's SQL worker (started by assets/javascripts/portal-query.js).
 * Loads sql.js (SQLite compiled to WebAssembly, self-hosted beside this file, pinned in
 * scripts/portal/site/npm/) and the site's portal.sqlite once, then answers each message
 * {id, db, sql, cap} with {id, columns, rows (at most cap), total, ms} or {id, error}.
 * The database is opened read-only (PRAGMA query_only): a statement that writes fails.
 * It runs off the page's thread, so a long query never freezes the page; the page stops
 * one by terminating this worker. */
"use strict";
importScripts("sql-wasm-browser.js");   /* defines initSqlJs */

var opening = null;

function open(dbUrl) {
  if (!opening) {
    opening = Promise.all([
      initSqlJs({ locateFile: function (name) { return name; } }),   // beside this file
      fetch(dbUrl).then(function (r) {
        if (!r.ok) throw new Error(r.status + " " + dbUrl);
        return r.arrayBuffer();
      })
    ]).then(function (got) {
      var db = new got[0].Database(new Uint8Array(got[1]));
      db.exec("PRAGMA query_only = ON");
      return db;
    });
    opening.catch(function () { opening = null; });
  }
  return opening;
}

/* Run every statement; the result is that of the last one returning columns. */
function run(db, sql, cap) {
  var started = performance.now();
  var result = { columns: [], rows: [], total: 0, statements: 0 };
  var it = db.iterateStatements(sql);
  for (var stmt = it.next(); !stmt.done; stmt = it.next()) {
    var s = stmt.value, columns = s.getColumnNames(), rows = [], total = 0;
    result.statements += 1;
    while (s.step()) {
      total += 1;
      if (rows.length < cap) rows.push(s.get());
    }
    s.free();
    if (columns.length) result = { columns: columns, rows: rows, total: total, statements: result.statements };
  }
  result.ms = Math.round(performance.now() - started);
  return result;
}

self.onmessage = function (ev) {
  var m = ev.data;
  open(m.db).then(function (db) {
    var out;
    try {
      out = run(db, m.sql, m.cap);
    } catch (err) {
      self.postMessage({ id: m.id, error: String(err && err.message || err) });
      return;
    }
    out.id = m.id;
    self.postMessage(out);
  }, function (err) {
    self.postMessage({ id: m.id, failed: String(err && err.message || err) });
  });
};
