/* Portal page behaviour: charts and sortable tables.
 * Runs on every page through Material's document$ (also after instant navigation).
 *
 * Charts: the first view of a chart is its static SVG (an <img>). The chart runtime (vega,
 * vega-lite, vega-embed, ~900 KB, self-hosted) is loaded only when a reader touches, hovers
 * or focuses a chart, or scrolls a chart into view (an IntersectionObserver started at the
 * reader's first scroll, key or touch): never for a page that is only loaded, so it never
 * competes with first paint. Only charts in view are made interactive. A PNG of any chart
 * is made in the browser from its static SVG on demand (no build-time PNG). */
(function () {
  "use strict";
  var here = document.currentScript && document.currentScript.src;
  var root = new URL("../../", here || location.href);   // this file is assets/javascripts/portal.js
  var runtime = null;
  var observer = null;
  var READER = ["scroll", "wheel", "keydown", "touchstart", "pointerdown"];

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

  function upgrade(fig) {
    if (fig.hasAttribute("data-rendered") || !fig.isConnected) return;
    fig.setAttribute("data-rendered", "pending");
    if (observer) observer.unobserve(fig);
    var url = new URL(fig.getAttribute("data-spec"), location.href).href;
    Promise.all([loadRuntime(), fetch(url).then(function (r) { return r.json(); })]).then(function (got) {
      var vegaEmbed = got[0], spec = got[1];
      // fit the figure's width (phones included): plot width = figure width minus the
      // room taken by the category labels (12px per CJK character, capped like labelLimit).
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
        fig.setAttribute("data-rendered", "yes");
      });
    }).catch(function (err) {
      fig.setAttribute("data-rendered", "failed");
      console.warn("chart kept as static image:", err.message);
    });
  }

  function pngFromSvg(fig, button) {
    var img = fig.querySelector("img");
    var picture = new Image();
    picture.onload = function () {
      var canvas = document.createElement("canvas");
      canvas.width = picture.naturalWidth * 2;
      canvas.height = picture.naturalHeight * 2;
      var g = canvas.getContext("2d");
      g.fillStyle = "#fff";
      g.fillRect(0, 0, canvas.width, canvas.height);
      g.drawImage(picture, 0, 0, canvas.width, canvas.height);
      canvas.toBlob(function (blob) {
        var a = document.createElement("a");
        a.href = URL.createObjectURL(blob);
        a.download = button.getAttribute("data-name");
        document.body.appendChild(a);
        a.click();
        setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
      }, "image/png");
    };
    picture.src = img.currentSrc || img.src;
  }

  function addPngButton(fig) {
    var caption = fig.querySelector("figcaption");
    var svgLink = caption && caption.querySelector('a[href$=".svg"]');
    if (!svgLink || caption.querySelector('a[href$=".png"], .portal-png')) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "portal-png";
    button.textContent = "PNG";
    button.setAttribute("data-name", svgLink.getAttribute("href").split("/").pop().replace(/\.svg$/, ".png"));
    button.title = "由静态图在浏览器中生成 PNG";
    button.addEventListener("click", function () { pngFromSvg(fig, button); });
    svgLink.insertAdjacentText("afterend", " · ");
    svgLink.nextSibling.after(button);
  }

  function watchInView(figures) {
    if (observer) observer.disconnect();
    if (!("IntersectionObserver" in window)) return;
    observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) { if (e.isIntersecting) upgrade(e.target); });
    });
    figures.forEach(function (fig) { if (!fig.hasAttribute("data-rendered")) observer.observe(fig); });
  }

  function setupCharts() {
    var figures = Array.prototype.slice.call(document.querySelectorAll("figure.portal-chart[data-spec]"));
    if (!figures.length) return;
    figures.forEach(function (fig) {
      if (fig.hasAttribute("data-ready")) return;
      fig.setAttribute("data-ready", "1");
      addPngButton(fig);
      ["pointerenter", "focusin", "touchstart"].forEach(function (kind) {
        fig.addEventListener(kind, function () { upgrade(fig); }, { passive: true, once: true });
      });
    });
    if (window.__portalReader) { watchInView(figures); return; }
    var start = function () {
      READER.forEach(function (kind) { window.removeEventListener(kind, start, true); });
      window.__portalReader = true;
      watchInView(Array.prototype.slice.call(document.querySelectorAll("figure.portal-chart[data-spec]")));
    };
    READER.forEach(function (kind) { window.addEventListener(kind, start, { capture: true, passive: true }); });
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
    setupCharts();
    document.querySelectorAll("article table").forEach(makeSortable);
  }

  if (window.document$) window.document$.subscribe(setup);
  else document.addEventListener("DOMContentLoaded", setup);
})();
