/* The indicator explorer (indicator pages and /embed/indicators/<id>/), loaded by portal.js
 * after the first paint for <div class="portal-explorer" data-portal-script="explorer">.
 *
 * - ?places=辽宁省,全国 (canonical place names, comma-separated) draws exactly those places,
 *   from the indicator's JSON download (the level values in the indicator's unit, as the
 *   build's chart takes them); a place picker (every place with such a value) redraws the
 *   chart and writes the address (history.replaceState, no reload).
 * - ?tab=chart|table|sources shows only that view (tab bar: 全部 图表 表格 来源).
 * - A parameter that names nothing is ignored, with a visible note.
 * The indicator's data is fetched only for ?places= or when the picker is opened; without
 * JavaScript, or before any choice, the page keeps its static chart.
 * The words come from the element's data-msg-* attributes (templates/_explorer.md.j2). */
(function () {
  "use strict";
  window.portalPages = window.portalPages || {};
  var NOT_OBSERVED = ["target", "growth", "rank"];
  var HIGHLIGHT = "#d9480f", LIAONING = "辽宁省", NATION = "全国";
  var PALETTE = ["#4c78a8", "#54a24b", "#b279a2", "#9d755d", "#72b7b2", "#bab0ac", "#e45756", "#79706e"];
  var TABS = { chart: "chart", table: "values", sources: "sources" };   // ?tab= -> section heading id

  function msg(el, key, values) {
    var text = el.getAttribute("data-msg-" + key) || key;
    return text.replace(/\{(\w+)\}/g, function (_, k) { return values && k in values ? values[k] : ""; });
  }

  function periodKey(p) { return p.length === 4 ? p + "-99" : p; }   // a year after its months

  /* Level values in the indicator's unit (else the commonest unit), one per place and period. */
  function levels(records, unit) {
    var lv = records.filter(function (r) {
      return NOT_OBSERVED.indexOf(r.kind) < 0 && !r.repeat_of && r.value !== null && !r.breakdown;
    });
    var same = lv.filter(function (r) { return r.unit === unit; });
    if (!same.length && lv.length) {
      var count = {};
      lv.forEach(function (r) { count[r.unit] = (count[r.unit] || 0) + 1; });
      var top = Object.keys(count).sort(function (a, b) { return count[b] - count[a]; })[0];
      same = lv.filter(function (r) { return r.unit === top; });
    }
    var seen = {};
    return same.filter(function (r) {
      var k = r.geography + "\u0000" + r.period;
      if (seen[k]) return false;
      seen[k] = true;
      return true;
    });
  }

  function placesOf(lv) {
    var out = [];
    lv.forEach(function (r) { if (out.indexOf(r.geography) < 0) out.push(r.geography); });
    var rank = function (g) { return g === LIAONING ? 0 : g === NATION ? 1 : 2; };
    return out.sort(function (a, b) { return rank(a) - rank(b) || a.localeCompare(b, "zh-CN"); });
  }

  function colours(geos) {
    var i = 0;
    return geos.map(function (g) { return g === LIAONING ? HIGHLIGHT : PALETTE[i++ % PALETTE.length]; });
  }

  /* The places the build's chart shows (the default choice). */
  function chartPlaces(spec) {
    var out = [];
    [spec].concat(spec.layer || []).forEach(function (s) {
      ((s.data && s.data.values) || []).forEach(function (d) {
        var g = d.geo || d.label;
        if (g && out.indexOf(g) < 0) out.push(g);
      });
    });
    return out;
  }

  function buildSpec(el, lv, chosen, unit, base, width) {
    var rows = lv.filter(function (r) { return chosen.indexOf(r.geography) >= 0; });
    var per = {};
    rows.forEach(function (r) { per[r.geography] = (per[r.geography] || 0) + 1; });
    var series = Object.keys(per).some(function (g) { return per[g] >= 2; });
    var title = el.getAttribute("data-name") + (unit ? "（" + unit + "）" : "");
    var values = rows.map(function (r) {
      return { geo: r.geography, period: r.period, value: r.value, text: (r.value_printed || r.value) + (r.unit_printed || "") };
    });
    var tip = [{ field: "geo", title: msg(el, "place") }, { field: "period", title: msg(el, "period") },
               { field: "text", title: msg(el, "value") }];
    var spec = { $schema: base.$schema, config: base.config, background: base.background || "white",
                 data: { values: values }, width: Math.max(160, width - 90) };
    if (series) {
      var order = values.map(function (v) { return v.period; }).filter(function (p, i, a) { return a.indexOf(p) === i; })
        .sort(function (a, b) { return periodKey(a) < periodKey(b) ? -1 : 1; });
      spec.height = 260;
      spec.mark = { type: "line", point: { filled: true, size: 60 } };
      spec.encoding = {
        x: { field: "period", type: "ordinal", sort: order, title: msg(el, "period"), axis: { labelAngle: 0 } },
        y: { field: "value", type: "quantitative", title: title },
        color: { field: "geo", type: "nominal", title: null, sort: chosen, scale: { domain: chosen, range: colours(chosen) },
                 legend: { orient: "top", direction: "horizontal" } },
        tooltip: tip };
    } else {
      spec.height = { step: 22 };
      spec.mark = { type: "bar" };
      spec.encoding = {
        y: { field: "geo", type: "nominal", sort: "-x", title: null },
        x: { field: "value", type: "quantitative", title: title },
        color: { field: "geo", type: "nominal", legend: null, scale: { domain: chosen, range: colours(chosen) } },
        tooltip: tip };
    }
    return spec;
  }

  /* The caption's sentence describes the build's chart: say what is drawn now instead. */
  function recaption(el, fig, chosen) {
    var title = fig.querySelector(".portal-chart__title"), node = title && title.nextSibling;
    if (!node || node.nodeType !== 3) return;
    if (!fig.hasAttribute("data-caption")) fig.setAttribute("data-caption", node.textContent);
    var tail = /\s(\S+：)\s*$/.exec(fig.getAttribute("data-caption"));   // the downloads' label stays
    node.textContent = " " + msg(el, "redrawn", { places: chosen.join("、") }) + " " + (tail ? tail[1] : "");
  }

  function parsePlaces(search) {
    var m = /(?:^|[?&])places=([^&]*)/.exec(search);
    if (!m) return null;
    var raw;
    try { raw = decodeURIComponent(m[1].replace(/\+/g, " ")); } catch (e) { raw = m[1]; }
    return raw.split(/[,，、]/).map(function (s) { return s.trim(); }).filter(Boolean);
  }

  function writeAddress(places, tab) {
    var params = new URLSearchParams(location.search);
    params.delete("places");
    params.delete("tab");
    var parts = [];
    params.forEach(function (v, k) { parts.push(encodeURIComponent(k) + "=" + encodeURIComponent(v)); });
    if (places) parts.push("places=" + places.map(encodeURIComponent).join(","));
    if (tab) parts.push("tab=" + tab);
    history.replaceState(history.state, "", location.pathname + (parts.length ? "?" + parts.join("&") : "") + location.hash);
  }

  /* ---------------------------------------------------------------- tabs */

  function sectionOf(id) {
    var h = document.getElementById(id);
    if (!h || h.tagName !== "H2") return [];
    var out = [h];
    for (var n = h.nextElementSibling; n && n.tagName !== "H2"; n = n.nextElementSibling) out.push(n);
    return out;
  }

  /* The tab bar of the page (templates/_explorer.md.j2) shows one view, or all. */
  function setupTabs(el, state, note) {
    var bar = el.querySelector(".portal-tabs"), picker = el.querySelector(".portal-picker");
    if (!bar) return;
    function show(tab, write) {
      state.tab = tab;
      Object.keys(TABS).forEach(function (t) {
        sectionOf(TABS[t]).forEach(function (n) { n.hidden = !!tab && tab !== t; });
      });
      if (picker) picker.hidden = !!tab && tab !== "chart";
      Array.prototype.forEach.call(bar.querySelectorAll("button[data-tab]"), function (b) {
        b.setAttribute("aria-pressed", String((tab || "all") === b.getAttribute("data-tab")));
      });
      if (write) writeAddress(state.places, tab);
    }
    Array.prototype.forEach.call(bar.querySelectorAll("button[data-tab]"), function (b) {
      b.addEventListener("click", function () {
        var tab = b.getAttribute("data-tab");
        show(tab === "all" ? null : tab, true);
      });
    });
    var asked = new URLSearchParams(location.search).get("tab");
    if (asked && !TABS[asked]) { note(msg(el, "bad_tab", { tab: asked })); asked = null; }
    show(asked, false);
    if (asked) el.scrollIntoView({ block: "start" });
  }

  /* ---------------------------------------------------------------- picker */

  /* The place picker of the page: one checkbox per place with a value in the unit. */
  function setupPicker(el, all, chosen, redraw) {
    var box = el.querySelector(".portal-picker");
    if (!box) return;
    var summary = box.querySelector("summary"), list = box.querySelector(".portal-picker__list");
    function count() { summary.textContent = msg(el, "picker", { chosen: chosen.length, all: all.length }); }
    all.forEach(function (g) {
      var label = document.createElement("label"), input = document.createElement("input");
      input.type = "checkbox";
      input.value = g;
      input.checked = chosen.indexOf(g) >= 0;
      input.addEventListener("change", function () {
        var now = Array.prototype.filter.call(list.querySelectorAll("input"), function (i) { return i.checked; })
          .map(function (i) { return i.value; });
        chosen.length = 0;
        Array.prototype.push.apply(chosen, now);
        count();
        redraw(true);
      });
      label.appendChild(input);
      label.appendChild(document.createTextNode(" " + g));
      list.appendChild(label);
    });
    count();
  }

  /* ---------------------------------------------------------------- main */

  window.portalPages.explorer = function (el) {
    var fig = el.parentNode.querySelector("figure.portal-chart[data-spec]");
    var unit = el.getAttribute("data-unit") || "";
    var embed = el.hasAttribute("data-embed");
    var state = { places: null, tab: null };
    var noteBox = document.createElement("p");
    noteBox.className = "portal-note portal-explorer__note";
    noteBox.setAttribute("role", "status");
    noteBox.hidden = true;
    el.appendChild(noteBox);
    function note(text) {
      noteBox.hidden = false;
      noteBox.textContent = (noteBox.textContent ? noteBox.textContent + " " : "") + text;
    }
    if (!embed) setupTabs(el, state, note);
    el.removeAttribute("data-pending");
    if (!fig) return;
    var asked = parsePlaces(location.search), picker = el.querySelector(".portal-picker");
    if (asked) load();
    else if (picker) picker.addEventListener("toggle", function once() {   // the data only when a reader asks
      picker.removeEventListener("toggle", once);
      load();
    });
    function load() {
    Promise.all([
      fetch(el.getAttribute("data-data")).then(function (r) { return r.json(); }),
      fetch(new URL(fig.getAttribute("data-spec"), location.href).href).then(function (r) { return r.json(); })
    ]).then(function (got) {
      var lv = levels(got[0].records || [], unit), base = got[1];
      el.setAttribute("data-name", (got[0].indicator && got[0].indicator.name) || "");
      var all = placesOf(lv), chosen = chartPlaces(base).filter(function (g) { return all.indexOf(g) >= 0; });
      if (asked) {
        var unknown = asked.filter(function (g) { return all.indexOf(g) < 0; });
        var known = asked.filter(function (g, i) { return all.indexOf(g) >= 0 && asked.indexOf(g) === i; });
        if (unknown.length) note(msg(el, "bad_places", { places: unknown.join("、") }));
        if (known.length) { chosen = known; state.places = known; }
        else note(msg(el, "no_places"));
      }
      var drawn = null;
      function redraw(write) {
        if (write) { state.places = chosen.slice(); writeAddress(state.places, state.tab); }
        if (!chosen.length) return;
        fig.setAttribute("data-rendered", "pending");   // portal.js leaves it to the explorer
        window.portalChartRuntime().then(function (vegaEmbed) {
          if (drawn) drawn.finalize();
          var view = fig.querySelector(".portal-chart__view");
          if (!view) {
            view = document.createElement("div");
            view.className = "portal-chart__view";
            fig.insertBefore(view, fig.querySelector("img"));
          }
          var spec = buildSpec(el, lv, chosen, unit, base, fig.clientWidth);
          return vegaEmbed(view, spec, { renderer: "svg", actions: false, ast: true, defaultStyle: false,
                                         tooltip: { disableDefaultStyle: true } }).then(function (res) {
            drawn = res;
            fig.setAttribute("data-rendered", "yes");
            fig.setAttribute("data-places", chosen.join(","));
            recaption(el, fig, chosen);
          });
        }).catch(function (err) {
          fig.removeAttribute("data-rendered");
          console.warn("explorer: chart kept as it was:", err.message);
        });
      }
      if (all.length > 1) setupPicker(el, all, chosen, redraw);
      else if (el.querySelector(".portal-picker")) el.querySelector(".portal-picker").hidden = true;
      if (state.places) redraw(false);
    }).catch(function (err) { console.warn("explorer:", err.message); });
    }
  };
})();
