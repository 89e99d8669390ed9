/* Portal page behaviour: interactive charts, sortable and filterable tables.
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

  window.portalChartRuntime = loadRuntime;   // for the indicator explorer (portal-explorer.js)

  function longestLabel(spec) {
    var longest = 0;
    [spec].concat(spec.layer || []).forEach(function (s) {
      ((s.data && s.data.values) || []).forEach(function (d) {
        longest = Math.max(longest, String(d.label || "").length);
      });
    });
    return longest;
  }

  // Fit the figure's width (phones included): category labels take at most ~40% of it and
  // wrap onto more lines (the spec's `wrap` parameter) instead of being cut off; the rows
  // grow to hold the extra lines. Small-multiple (facet) charts keep their own layout.
  function fitToFigure(spec, figWidth) {
    if (spec.facet) { spec.spec.width = Math.max(140, figWidth - 60); return; }
    var longest = longestLabel(spec);
    var chars = Math.max(4, Math.floor((figWidth * 0.4 - 10) / 12));
    var lines = Math.ceil(longest / chars) || 1;
    (spec.params || []).forEach(function (p) { if (p.name === "wrap") p.value = chars; });
    if (lines > 1 && spec.height && spec.height.step) spec.height.step = Math.max(spec.height.step, 14 * lines + 4);
    var room = Math.min(longest, chars) * 12 + 10;
    spec.width = Math.max(120, Math.floor(figWidth) - room - 50);
  }

  function upgrade(fig) {
    if (fig.hasAttribute("data-rendered") || !fig.isConnected) return;
    fig.setAttribute("data-rendered", "pending");
    if (observer) observer.unobserve(fig);
    var url = new URL(fig.getAttribute("data-spec"), location.href).href;
    Promise.all([loadRuntime(), fetch(url).then(function (r) { return r.json(); })]).then(function (got) {
      var vegaEmbed = got[0], spec = got[1];
      fitToFigure(spec, fig.clientWidth);
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

  function pngFromSvg(fig, button, src) {   // src: the SVG download (an indicator's carries its source)
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
    picture.src = src || img.currentSrc || img.src;
  }

  function addPngButton(fig) {
    var caption = fig.querySelector("figcaption");
    var svgLink = caption && caption.querySelector('a[href$=".svg"]');
    if (!svgLink || caption.querySelector('a[href$=".png"], .portal-png')) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "portal-png";
    button.textContent = "PNG";
    button.setAttribute("data-name", svgLink.getAttribute("href").split("/").pop().replace(/(\.export)?\.svg$/, ".png"));
    button.title = "由静态图在浏览器中生成 PNG";
    button.addEventListener("click", function () { pngFromSvg(fig, button, svgLink.href); });
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
      btn.title = "按此列排序";
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

  /* Filter by typing: any element with data-filter (a table, or a block holding tables).
   * Simplified and traditional characters match each other (assets/vendor/zh-t2s.json, made
   * at build time from the characters on the site); every word typed must occur in the row.
   * The query is kept in the URL (?q=) so that a filtered view can be shared. */
  var t2s = null, t2sLoad = null;

  function loadT2s() {
    if (!t2sLoad) {
      t2sLoad = fetch(new URL("assets/vendor/zh-t2s.json", root).href)
        .then(function (r) { return r.ok ? r.json() : {}; })
        .catch(function () { return {}; })
        .then(function (m) { t2s = m; return m; });
    }
    return t2sLoad;
  }

  function fold(text) {
    var out = "", s = String(text).toLowerCase();
    for (var i = 0; i < s.length; i++) out += (t2s && t2s[s[i]]) || s[i];
    return out;
  }

  function queryFromUrl() {
    return new URLSearchParams(location.search).get("q") || "";
  }

  function setUrlQuery(q) {
    var url = new URL(location.href);
    if (q) url.searchParams.set("q", q); else url.searchParams.delete("q");
    history.replaceState(history.state, "", url.pathname + url.search + url.hash);
  }

  function applyFilter(ctl) {
    var words = fold(ctl.input.value).split(/\s+/).filter(Boolean), shown = 0;
    ctl.rows.forEach(function (r) {
      if (r.folded === undefined) r.folded = fold(r.el.textContent);
      var ok = words.every(function (w) { return r.folded.indexOf(w) >= 0; });
      r.el.hidden = !ok;
      if (ok) shown++;
    });
    ctl.count.textContent = "显示 " + shown + " / " + ctl.rows.length + " 行";
  }

  // One filter per page, before the first filterable table; it filters every table marked
  // data-filter on the page (e.g. the sections of a key-figures page) and counts their rows.
  function makeFilter(boxes) {
    var tables = [];
    boxes.forEach(function (box) {
      if (box.dataset.filterReady) return;
      box.dataset.filterReady = "1";
      var found = box.tagName === "TABLE" ? [box] : Array.prototype.slice.call(box.querySelectorAll("table"));
      found.forEach(function (t) { if (t.tBodies.length) tables.push(t); });
    });
    if (!tables.length) return null;
    // The bar is in the page (kept room, no layout shift); made here only if a page lacks it.
    var bar = document.querySelector("article [data-filter-bar]");
    if (!bar) {
      bar = document.createElement("div");
      bar.className = "portal-filter";
      var text = document.createElement("label");
      text.setAttribute("for", "portal-filter");
      text.textContent = tables.length > 1 ? "筛选本页各表" : "筛选";
      var box = document.createElement("input");
      box.type = "search";
      box.id = "portal-filter";
      box.placeholder = "输入文字，简繁皆可";
      box.setAttribute("autocomplete", "off");
      var out = document.createElement("output");
      out.setAttribute("aria-live", "polite");
      out.setAttribute("for", "portal-filter");
      bar.appendChild(text);
      bar.appendChild(box);
      bar.appendChild(out);
      var first = tables[0].closest(".portal-table-wrap") || tables[0];
      first.parentNode.insertBefore(bar, first);
    }
    bar.removeAttribute("data-pending");
    var input = bar.querySelector("input"), count = bar.querySelector("output");
    var rows = [];
    tables.forEach(function (t) {
      Array.prototype.forEach.call(t.tBodies[0].rows, function (el) { rows.push({ el: el }); });
    });
    var ctl = { input: input, count: count, rows: rows };
    input.value = queryFromUrl();
    input.addEventListener("input", function () {
      setUrlQuery(input.value.trim());
      applyFilter(ctl);
    });
    applyFilter(ctl);
    return ctl;
  }

  function setupTables() {
    document.querySelectorAll("article table").forEach(makeSortable);
    var boxes = Array.prototype.slice.call(document.querySelectorAll("article [data-filter]"));
    var ctl = boxes.length ? makeFilter(boxes) : null;
    if (!ctl) return;
    loadT2s().then(function () {
      ctl.rows.forEach(function (r) { r.folded = undefined; });
      applyFilter(ctl);
    });
  }

  function labelSearch() {
    // Material's search overlay is a role="dialog" without an accessible name
    var dialog = document.querySelector('.md-search[role="dialog"]');
    if (dialog && !dialog.hasAttribute("aria-label")) dialog.setAttribute("aria-label", "搜索本站");
  }

  /* Search: the worker (portal-search.js) fetches its index only when asked here: on the
   * reader's first move towards search (focusing or touching the search box, or opening it:
   * header button, keyboard shortcut), or once the page has loaded and the browser is idle
   * (IDLE_SEARCH ms after the load event), so that the index never competes with the page's
   * first paint and is usually there before a reader types. Set up once: these listeners are
   * on the document and window, which instant navigation keeps. */
  var IDLE_SEARCH = 2000;
  var searchChannel = typeof BroadcastChannel === "function" ? new BroadcastChannel("portal-search") : null;
  var searchWanted = false;

  function wantSearch() {
    if (searchWanted || !searchChannel) return;
    searchWanted = true;
    searchChannel.postMessage("load");
  }

  function inSearch(target) {
    return !!(target && target.closest && target.closest('.md-search, label[for="__search"]'));
  }

  if (searchChannel) {
    searchChannel.onmessage = function (ev) { if (ev.data === "hello" && searchWanted) searchChannel.postMessage("load"); };
    document.addEventListener("focusin", function (ev) { if (inSearch(ev.target)) wantSearch(); });
    document.addEventListener("pointerdown", function (ev) { if (inSearch(ev.target)) wantSearch(); }, true);
    document.addEventListener("change", function (ev) {
      if (ev.target && ev.target.id === "__search" && ev.target.checked) wantSearch();
    });
    var whenIdle = window.requestIdleCallback || function (fn) { return setTimeout(fn, 0); };
    var afterLoad = function () { setTimeout(function () { whenIdle(wantSearch); }, IDLE_SEARCH); };
    if (document.readyState === "complete") afterLoad(); else window.addEventListener("load", afterLoad);
  }

  // Page scripts (the SQL page, the indicator explorer): an element with
  // data-portal-script="name" makes this load assets/javascripts/portal-<name>.js once, after
  // the page has been painted; that script sets window.portalPages[name](element), called for
  // each such element of every page shown (also after instant navigation).
  var pageScripts = {};
  function setupPageScripts() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-portal-script]"), function (el) {
      var name = el.getAttribute("data-portal-script");
      if (!/^[a-z]+$/.test(name) || el.hasAttribute("data-portal-started")) return;
      el.setAttribute("data-portal-started", "");
      pageScripts[name] = pageScripts[name] || new Promise(function (resolve, reject) {
        requestAnimationFrame(function () { setTimeout(function () {   // after the first paint
          var s = document.createElement("script");
          s.src = new URL("assets/javascripts/portal-" + name + ".js", root).href;
          s.onload = resolve;
          s.onerror = function () { delete pageScripts[name]; reject(new Error(s.src)); };
          document.head.appendChild(s);
        }, 0); });
      });
      pageScripts[name].then(function () { if (el.isConnected) window.portalPages[name](el); },
                             function (err) { console.warn("page script failed to load:", err.message); });
    });
  }

  /* The row a link points to gets .portal-target (portal.css highlights it as :target): instant
   * navigation changes the address with pushState, which never updates :target. */
  function markTarget() {
    var old = document.querySelectorAll(".portal-target");
    for (var i = 0; i < old.length; i++) old[i].classList.remove("portal-target");
    var id = decodeURIComponent((location.hash || "").slice(1));
    var el = id && document.getElementById(id);
    if (el) el.classList.add("portal-target");
  }

  window.addEventListener("hashchange", markTarget);

  function setup() {
    markTarget();
    labelSearch();
    setupCharts();
    setupTables();
    setupPageScripts();
  }

  if (window.document$) window.document$.subscribe(setup);
  else document.addEventListener("DOMContentLoaded", setup);
})();
