"""Chart text as glyph outlines: every <text> of a static chart SVG becomes the outlines of
the chart font's glyphs (Noto Sans CJK SC; its Bold face for bold text), so the picture is
the same on every device and in every viewer.

Why: a static chart is shown through <img>, which cannot use the page's web fonts, so each
device drew the labels with whatever font it had (PingFang, Microsoft YaHei, or a Latin font
whose digits are wider) at widths the layout never measured, and labels came out of the
picture. Here the text is shaped by HarfBuzz with the same font the layout measured it
with (fonts.advance_table), each distinct glyph is written once in <defs> (in font units,
integer coordinates) and placed with <use>: a chart grows by the outlines of its distinct
characters (26 in a median chart, about 8 KB).

The chart's words stay in the picture for search and screen readers: every text group
keeps its ARIA attributes and carries its words in ``data-text``; the page's <img> has the
chart's alt text.
"""

from __future__ import annotations

import functools
import hashlib
import html
import os
import re
import subprocess
from pathlib import Path

try:
    from fontTools.pens.basePen import BasePen
except ImportError:  # without fontTools the text stays text (available() is False)
    BasePen = object

VERSION = 1   # change when the drawing changes (part of the chart cache key)
GRID = 4      # outline coordinates in units of GRID thousandths of an em (Noto Sans CJK's own units)

TEXT = re.compile(r"<text\b([^>]*)>(.*?)</text>", re.S)
TSPAN = re.compile(r"<tspan\b([^>]*)>(.*?)</tspan>", re.S)
ATTR = re.compile(r'([\w:-]+)="([^"]*)"')
SVG_OPEN = re.compile(r"<svg\b[^>]*>")
KEEP = ("transform", "fill", "opacity", "fill-opacity", "role", "aria-label", "aria-roledescription",
        "aria-hidden", "clip-path")


class RelativePen(BasePen):
    """A compact SVG path: relative commands, integer coordinates in units of `grid` font
    units, h/v for straight lines along an axis, a command letter only where it changes.
    Rounding is done on absolute positions, so no error accumulates along a contour."""

    def __init__(self, glyphset, grid: float = 1):
        super().__init__(glyphset)
        self.grid = grid
        self.out, self.last, self.at, self.start = [], "", (0, 0), (0, 0)

    def _put(self, cmd: str, *pts) -> None:
        nums = []
        for x, y in pts:
            nums += [round(x / self.grid) - self.at[0], round(y / self.grid) - self.at[1]]
        end = (round(pts[-1][0] / self.grid), round(pts[-1][1] / self.grid))
        if cmd == "l" and nums[1] == 0:
            cmd, nums = "h", nums[:1]
        elif cmd == "l" and nums[0] == 0:
            cmd, nums = "v", nums[1:]
        text = " ".join(str(n) for n in nums).replace(" -", "-")
        if cmd == self.last and cmd != "m":  # the same command again: its letter may be left out
            self.out.append(text if text.startswith("-") else " " + text)
        else:
            self.out.append(cmd + text)
        self.last, self.at = cmd, end

    def _moveTo(self, pt):
        self._put("m", pt)
        self.start = self.at

    def _lineTo(self, pt):
        self._put("l", pt)

    def _curveToOne(self, p1, p2, p3):
        self._put("c", p1, p2, p3)

    def _qCurveToOne(self, p1, p2):
        self._put("q", p1, p2)

    def _closePath(self):
        self.out.append("z")
        self.last, self.at = "z", self.start   # after "z" an SVG path is back at its subpath's start

    _endPath = _closePath

    def d(self) -> str:
        return "".join(self.out)


class Face:
    """One font face: HarfBuzz for shaping, fontTools for outlines."""

    def __init__(self, file: str, index: int, key: str):
        import uharfbuzz as hb
        from fontTools.ttLib import TTFont

        self.key = key
        self.hb_face = hb.Face(hb.Blob.from_file_path(file), index)
        self.hb_font, self.upem = hb.Font(self.hb_face), self.hb_face.upem
        self.tt = TTFont(file, fontNumber=index, lazy=True)
        self.cmap, self.glyphs = self.tt.getBestCmap(), self.tt.getGlyphSet()
        self.outlines = {}

    def has(self, ch: str) -> bool:
        return ord(ch) in self.cmap

    def shape(self, text: str) -> list:
        """[(glyph id, x advance, x offset, y offset)] in font units."""
        import uharfbuzz as hb

        buf = hb.Buffer()
        buf.add_str(text)
        buf.guess_segment_properties()
        hb.shape(self.hb_font, buf, {})
        return [(i.codepoint, p.x_advance, p.x_offset, p.y_offset)
                for i, p in zip(buf.glyph_infos, buf.glyph_positions)]

    def outline(self, gid: int) -> str:
        """The glyph's outline in units of GRID thousandths of an em, whatever the font's
        units per em (a fallback font's glyphs sit beside the chart font's)."""
        if gid not in self.outlines:
            pen = RelativePen(self.glyphs, self.upem * GRID / 1000)
            self.glyphs[self.tt.getGlyphName(gid)].draw(pen)
            self.outlines[gid] = pen.d()
        return self.outlines[gid]


def match(pattern: str) -> tuple | None:
    """(file, face index) fontconfig gives for a pattern, from the system's fonts (not a
    worker's measuring subset: fonts.use())."""
    env = {k: v for k, v in os.environ.items() if k != "FONTCONFIG_FILE"}
    out = subprocess.run(["fc-match", "-f", "%{file}|%{index}", pattern], capture_output=True, text=True,
                         env=env).stdout
    parts = out.split("|")
    return (parts[0], int(parts[1] or 0)) if len(parts) == 2 and Path(parts[0]).is_file() else None


@functools.lru_cache(maxsize=None)
def face(weight: str) -> Face | None:
    """The chart font's face for a weight ("normal" or "bold"), or None without it."""
    from scripts.portal.site import fonts

    source = fonts.system_font() if weight == "normal" else bold_font()
    return Face(source[0], source[1], "r" if weight == "normal" else "b") if source else None


def bold_font() -> tuple | None:
    from scripts.portal.site import fonts

    regular = fonts.system_font()
    found = match(f"{fonts.FAMILY}:bold")
    return found if found and regular and found != regular else regular


@functools.lru_cache(maxsize=None)
def fallback(ch: str) -> Face | None:
    """The face fontconfig falls back to for a character the chart font lacks (⁵ …)."""
    found = match(f":charset={ord(ch):x}")
    return _face_for(found) if found else None


@functools.lru_cache(maxsize=None)
def _face_for(found: tuple) -> Face:
    return Face(found[0], found[1], "f" + hashlib.sha256(repr(found).encode()).hexdigest()[:4] + "x")


def available() -> bool:
    try:
        import fontTools  # noqa: F401
        import uharfbuzz  # noqa: F401
        return face("normal") is not None
    except Exception:  # no HarfBuzz, or a font it cannot read: the text stays text
        return False


def white_space(text: str) -> str:
    """An SVG <text>'s white space as browsers and usvg draw it (xml:space default)."""
    text = re.sub(r"[\n\r]", "", text).replace("\t", " ")
    return re.sub(r" {2,}", " ", text).strip(" ")


def runs(text: str, main: Face) -> list:
    """The text cut into (face, text) runs: the chart font where it has the character, the
    fallback font elsewhere (a character no font has is drawn by the chart font: .notdef)."""
    out = []
    for ch in text:
        f = main if main.has(ch) else (fallback(ch) or main)
        if out and out[-1][0] is f:
            out[-1][1] += ch
        else:
            out.append([f, ch])
    return out


def num(v: float) -> str:
    return f"{v:.3f}".rstrip("0").rstrip(".") if v else "0"


class Drawing:
    """The glyphs one SVG uses, written once into its <defs>."""

    def __init__(self):
        self.defs = {}

    def line(self, text: str, main: Face, size: float, anchor: str, x: float, y: float) -> str:
        glyphs, pen = [], 0.0
        for f, part in runs(text, main):
            scale = size / f.upem
            for gid, adv, dx, dy in f.shape(part):
                ident = f"{f.key}{gid}"
                if ident not in self.defs:
                    self.defs[ident] = f.outline(gid)
                if self.defs[ident]:  # a space has no outline, only its advance
                    glyphs.append((ident, pen + dx * scale, dy * scale))
                pen += adv * scale
        start = x - (pen if anchor == "end" else pen / 2 if anchor == "middle" else 0)
        unit = size * GRID / 1000   # px per outline unit
        uses = "".join(f'<use xlink:href="#{i}" x="{round(gx / unit)}"' + (f' y="{round(-gy / unit)}"' if gy else "")
                       + "/>" for i, gx, gy in glyphs)
        return f'<g transform="translate({num(start)},{num(y)}) scale({num(unit)},-{num(unit)})">{uses}</g>', pen

    def text(self, attrs: str, body: str) -> str:
        a = dict(ATTR.findall(attrs))
        size = float(re.match(r"[\d.]+", a.get("font-size", "11")).group(0))
        weight = "bold" if a.get("font-weight") in ("bold", "bolder", "600", "700", "800", "900") else "normal"
        main = face(weight)
        anchor = a.get("text-anchor", "start")
        lines = [(dict(ATTR.findall(t[0])), t[1]) for t in TSPAN.findall(body)] or [({}, body)]
        out, words = [], []
        x = float(a.get("x", 0)) + float(a.get("dx", 0))   # Vega positions text by its transform;
        y = float(a.get("y", 0)) + float(a.get("dy", 0))   # x, y, dx, dy are read all the same
        for attr, raw in lines:
            x = float(attr.get("x", x))
            y += float(attr.get("dy", 0))
            text = white_space(html.unescape(raw))
            words.append(text)
            if text:
                out.append(self.line(text, main, size, anchor, x, y)[0])
        keep = "".join(f' {k}="{a[k]}"' for k in KEEP if k in a)
        said = html.escape(" ".join(words), quote=True)
        return f'<g data-text="{said}"{keep}>{"".join(out)}</g>'

    def defs_block(self) -> str:
        return "<defs>" + "".join(f'<path id="{i}" d="{d}"/>' for i, d in sorted(self.defs.items()) if d) + "</defs>"


def to_paths(svg: str) -> str:
    """The SVG with every <text> drawn as glyph outlines (unchanged when it has none)."""
    if "<text" not in svg:
        return svg
    drawing = Drawing()
    body = TEXT.sub(lambda m: drawing.text(m.group(1), m.group(2)), svg)
    opening = SVG_OPEN.search(body)
    if 'xmlns:xlink=' not in opening.group(0):
        body = body[:opening.end() - 1] + ' xmlns:xlink="http://www.w3.org/1999/xlink">' + body[opening.end():]
        opening = SVG_OPEN.search(body)
    return body[:opening.end()] + drawing.defs_block() + body[opening.end():]
