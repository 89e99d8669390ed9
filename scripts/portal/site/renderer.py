"""Static chart SVGs drawn by Vega itself in a V8 engine inside the build process
(mini-racer), with chart text measured from a table of the chart font's glyph advances.

Why: vl-convert measures every text of a chart by writing it into a small SVG document,
parsing and laying it out with the font files (about 0.4 ms a text, 25–30 ms a chart): that
was 85 % of a cold build (bench-results/vl-convert-profile.md). Here the same Vega and
Vega-Lite (the very bundle the site serves to readers, vl-convert's versions) run in V8, and
Vega's canvas text measurement is answered from the advance table (fonts.advance_table), summed
as vl-convert's layout engine (usvg) sums it: glyph by glyph, in single precision, after the
same white-space rules. A chart takes about 11 ms, and the SVG bytes are vl-convert's:
tests/test_site_renderer.py renders every chart of the portal both ways and compares them.

When this cannot be used (mini-racer or the advance table missing), a chart holds text the
table cannot measure, or Vega fails here, the chart is drawn by vl-convert as before
(``charts.render_one``); the bytes are the same either way. Either drawing's text then becomes
the same font's glyph outlines (outlines.py), placed at the advances measured here.
"""

from __future__ import annotations

import functools
import hashlib
import json
import sys
from pathlib import Path

from scripts.portal.errors import PortalError

TIMEOUT_S = 120   # one chart; a chart the build can draw takes milliseconds

# The page Vega runs in: no DOM, a canvas whose 2D context only measures text. Vega asks for
# a canvas when it loads (vega-canvas), finds one, and from then on measures with
# context.measureText (caching widths itself).
PRELUDE = r"""
var window = globalThis, self = globalThis;
if (typeof setTimeout === 'undefined') {
  globalThis.setTimeout = function (f) { Promise.resolve().then(f); return 0; };
  globalThis.clearTimeout = function () {};
}
if (typeof setInterval === 'undefined') {
  globalThis.setInterval = function () { return 0; };
  globalThis.clearInterval = function () {};
}
if (typeof structuredClone === 'undefined') {
  globalThis.structuredClone = function (x) { return x === undefined ? x : JSON.parse(JSON.stringify(x)); };
}
var __portal = {advances: {}, kern: {}, missing: {}};
__portal.script = function (text) {
  // the script HarfBuzz guesses for the text: that of its first letter of a script
  for (var ch of text) {
    if (/\p{Script=Han}/u.test(ch)) return 'Hani';
    if (/\p{Script=Latin}/u.test(ch)) return 'Latn';
    if (!/[\p{Script=Common}\p{Script=Inherited}]/u.test(ch)) return null;
  }
  return 'Zyyy';
};
__portal.width = function (text, size) {
  // usvg's white space in an SVG <text> (xml:space default): newlines removed, tabs as
  // spaces, spaces trimmed at both ends and runs of them collapsed; blank text is 0 wide
  if (/^\s*$/.test(text) || !(size > 0)) return 0;
  text = text.replace(/[\n\r]/g, '').replace(/\t/g, ' ').replace(/^ +| +$/g, '').replace(/ {2,}/g, ' ');
  var script = __portal.script(text), kern = script ? __portal.kern[script] : null;
  if (!kern) { __portal.missing[text] = true; return 0; }
  // glyph by glyph in single precision, as usvg lays out the text at x = 20 of a small SVG
  // and returns the width of its box (kerning moves the pair's second glyph: it is added to
  // the first glyph's advance, as HarfBuzz does)
  var f = Math.fround, w = 0, fsize = f(size), chars = Array.from(text);
  for (var i = 0; i < chars.length; i++) {
    var a = __portal.advances[chars[i]], k = i + 1 < chars.length ? kern[chars[i] + chars[i + 1]] : undefined;
    if (a === undefined || k === null) { __portal.missing[text] = true; return 0; }
    w = f(w + f(f(a[0] + (k || 0)) * f(fsize / f(a[1]))));
  }
  return f(f(20 + w) - 20);
};
__portal.context = {
  font: '10px sans-serif',
  measureText: function (text) {
    var m = /(\d+(?:\.\d+)?(?:e[-+]?\d+)?)px/.exec(this.font);
    return {width: __portal.width(String(text), m ? +m[1] : 10)};
  }
};
var document = {createElement: function () {
  return {getContext: function () { return __portal.context; }};
}};
"""

# After the bundle: find the Vega and Vega-Lite module namespaces (the bundle keeps them in
# top-level constants named mod<N>; its window.vega / window.vegaLite are null).
FIND = r"""
(function () {
  var found = {vega: [], vegaLite: []};
  for (var k = 0; k < 1000; k++) {
    var m;
    try { m = (0, eval)('typeof mod' + k + ' === "undefined" ? undefined : mod' + k); } catch (e) { m = undefined; }
    if (!m || typeof m !== 'object') continue;
    if (typeof m.View === 'function' && typeof m.parse === 'function' && m.textMetrics && m.version) found.vega.push(m);
    else if (typeof m.compile === 'function' && typeof m.version === 'string' && !m.View) found.vegaLite.push(m);
  }
  if (found.vega.length !== 1 || found.vegaLite.length !== 1) {
    return 'expected one Vega and one Vega-Lite in the bundle, found ' + found.vega.length + ' and ' + found.vegaLite.length;
  }
  __portal.vega = found.vega[0];
  __portal.vegaLite = found.vegaLite[0];
  __portal.render = function (spec) {
    __portal.missing = {};
    var vg = __portal.vegaLite.compile(JSON.parse(spec)).spec;
    var view = new __portal.vega.View(__portal.vega.parse(vg), {renderer: 'none'});
    return view.toSVG().then(function (svg) {
      view.finalize();
      return JSON.stringify([svg, Object.keys(__portal.missing)]);
    });
  };
  return 'ok ' + __portal.vega.version + ' ' + __portal.vegaLite.version;
})()
"""


class Renderer:
    """One V8 context with Vega loaded; ``svg(spec)`` draws a Vega-Lite spec."""

    def __init__(self, bundle: str, table: dict):
        self.bundle, self.table, self.ctx, self.missing = bundle, table, None, []
        self.start()

    def start(self) -> None:
        from py_mini_racer import MiniRacer

        self.ctx = MiniRacer()
        self.ctx.eval(PRELUDE)
        self.ctx.eval(self.bundle)
        found = self.ctx.eval(FIND)
        if not str(found).startswith("ok "):
            raise PortalError(f"chart renderer: {found}")
        self.versions = str(found)[3:]
        self.ctx.eval(f"__portal.advances = {json.dumps(self.table['advances'], ensure_ascii=False)};")
        self.ctx.eval(f"__portal.kern = {json.dumps(self.table['kern'], ensure_ascii=False)};")
        self.render = self.ctx.eval("__portal.render")

    def svg(self, spec: dict) -> str | None:
        """The SVG, or None when a text holds a character, a pair or a script the advance
        table cannot measure (see fonts.advance_table), or when Vega failed here: vl-convert
        then draws the chart (or says what is wrong with it)."""
        from py_mini_racer import JSEvalException, JSPromiseError, JSTimeoutException

        try:
            promise = self.render(json.dumps(spec, ensure_ascii=False), timeout_sec=TIMEOUT_S)
            svg, self.missing = json.loads(promise.get(timeout=TIMEOUT_S))
        except (JSEvalException, JSPromiseError, JSTimeoutException) as exc:
            svg, self.missing = None, [f"error: {str(exc)[:200]}"]
        if self.missing:  # Vega keeps the widths it was given: a fresh engine, so no later chart uses them
            self.start()
            return None
        return svg


_renderers: dict = {}


@functools.lru_cache(maxsize=1)
def drawing_identity() -> str:
    """What decides a chart's SVG bytes besides its spec, for the chart cache: vl-convert's and
    Vega-Lite's versions, this renderer's code, the outline drawing's code (outlines.py) and
    the chart font's faces (file, size, time)."""
    import vl_convert as vlc

    from scripts.portal.site import fonts, outlines
    from scripts.portal.site.charts import VL_VERSION

    font, bold = fonts.system_font(), outlines.bold_font()
    stat = [Path(f[0]).stat() for f in (font, bold) if f]
    drawn = Path(outlines.__file__).read_bytes() if outlines.available() else b"text"
    return hashlib.sha256(f"{vlc.__version__}|{VL_VERSION}|{PRELUDE}|{FIND}|{fonts.ADVANCES_VERSION}|{font}|{bold}|"
                          f"{[(s.st_size, s.st_mtime_ns) for s in stat]}|".encode() + drawn).hexdigest()


def available() -> bool:
    try:
        import py_mini_racer  # noqa: F401
    except ImportError:
        return False
    return True


def for_build(advances: str, cache_dir: str) -> Renderer | None:
    """This process's renderer for the advance table at `advances` (made on first use), or
    None when there is no table or no mini-racer."""
    if not advances or not available():
        return None
    if advances not in _renderers:
        from scripts.portal.site import vendor

        bundle = vendor.bundle_file(Path(cache_dir)).read_text("utf-8")
        _renderers.clear()  # one engine per process (a build has one table)
        try:
            _renderers[advances] = Renderer(bundle, json.loads(Path(advances).read_text("utf-8")))
        except PortalError as exc:  # e.g. a vl-convert whose bundle is laid out otherwise: slower, same bytes
            print(f"build: {exc.message}; the charts are drawn by vl-convert", file=sys.stderr, flush=True)
            _renderers[advances] = None
    return _renderers[advances]
