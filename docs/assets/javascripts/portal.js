/* Portal page behaviour: interactive charts and sortable tables.
 * Runs on every page through Material's document$ (also after instant navigation).
 * The chart runtime (vega, vega-lite, vega-embed; self-hosted) is loaded only on pages
 * that have a chart, as a module script, so it never blocks rendering. */
(function () {
  "use strict";
  var here = document.currentScript && document.currentScript.src;
  var root = new URL("../../", here || location.href);   // this file is assets/javascripts/portal.js
  var runtime = null;

  function loadRuntime() {
    if (window.vegaEmbed) return Promise.resolve(window.vegaEmbed);
    if (!runtime) {
      runtime = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.type = "module";
        s.src = new URL("assets/vendor/vega-bundle.js", root).href;
        s.onload = function () { window.vegaEmbed ? resolve(window.vegaEmbed) : reject(new Error("vegaEmbed missing")); };
        s.onerror = function () { runtime = null; reject(new Error("chart runtime failed to load")); };
        document.head.appendChild(s);
      });
    }
    return runtime;
  }

  function labelRoom(spec) {
    var longest = 0;
    [spec].concat(spec.layer || []).forEach(function (s) {
      ((s.data && s.data.values) || []).forEach(function (d) {
        longest = Math.max(longest, String(d.label || "").length);
      });
    });
    return Math.min(260, longest * 12 + 10);
  }

  function renderCharts() {
    var figures = document.querySelectorAll("figure.portal-chart[data-spec]:not([data-rendered])");
    if (!figures.length) return;
    loadRuntime().then(function (vegaEmbed) {
      figures.forEach(function (fig) {
        fig.setAttribute("data-rendered", "pending");
        var url = new URL(fig.getAttribute("data-spec"), location.href).href;
        fetch(url).then(function (r) { return r.json(); }).then(function (spec) {
          // fit the figure's width (phones included): plot width = figure width minus the
          // room taken by the category labels (12px per CJK character, capped like labelLimit).
          // (autosize "fit-x" would do this but logs a warning with step heights.)
          spec.width = Math.max(160, Math.floor(fig.clientWidth) - labelRoom(spec) - 60);
          var box = document.createElement("div");
          box.className = "portal-chart__view";
          var img = fig.querySelector("img");
          fig.insertBefore(box, img);
          return vegaEmbed(box, spec, {
            renderer: "svg",
            actions: false,  // downloads are links in the caption
            // Content-Security-Policy: no 'unsafe-eval' (ast: expressions run in Vega's
            // interpreter, not new Function) and no inline styles (their CSS is in portal.css)
            ast: true,
            defaultStyle: false,
            tooltip: { disableDefaultStyle: true }
          }).then(function () {
            if (img) img.style.display = "none";
            fig.setAttribute("data-rendered", "yes");
          });
        }).catch(function (err) {
          fig.setAttribute("data-rendered", "failed");
          console.warn("chart kept as static image:", err.message);
        });
      });
    }).catch(function (err) { console.warn(err.message); });
  }

  function cellValue(cell) {
    var v = cell.getAttribute("data-value");
    if (v === null) v = cell.textContent.trim();
    var n = Number(String(v).replace(/,/g, ""));
    return v !== "" && !isNaN(n) ? n : v;
  }

  function makeSortable(table) {
    if (table.dataset.sortReady || !table.tHead || !table.tBodies.length) return;
    table.dataset.sortReady = "1";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
      var btn = document.createElement("button");
      btn.type = "button";
      btn.className = "portal-sort";
      btn.title = "点击排序";
      while (th.firstChild) btn.appendChild(th.firstChild);
      th.appendChild(btn);
      btn.addEventListener("click", function () {
        var dir = th.getAttribute("aria-sort") === "descending" ? 1 : -1;
        Array.prototype.forEach.call(th.parentNode.cells, function (c) { c.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var totals = rows.filter(function (r) { return r.classList.contains("row-total"); });
        rows = rows.filter(function (r) { return !r.classList.contains("row-total"); });
        rows.sort(function (a, b) {
          var x = cellValue(a.cells[col]), y = cellValue(b.cells[col]);
          if (x === "" || x === undefined) return 1;
          if (y === "" || y === undefined) return -1;
          if (typeof x === "number" && typeof y === "number") return dir * (x - y);
          return dir * String(x).localeCompare(String(y), "zh");
        });
        rows.concat(totals).forEach(function (r) { body.appendChild(r); });
      });
    });
  }

  function labelSearch() {
    // Material's search overlay is a role="dialog" without an accessible name
    var dialog = document.querySelector('.md-search[role="dialog"]');
    if (dialog && !dialog.hasAttribute("aria-label")) dialog.setAttribute("aria-label", "搜索本站");
  }

  function setup() {
    labelSearch();
    renderCharts();
    document.querySelectorAll("article table").forEach(makeSortable);
  }

  if (window.document$) window.document$.subscribe(setup);
  else document.addEventListener("DOMContentLoaded", setup);
})();
