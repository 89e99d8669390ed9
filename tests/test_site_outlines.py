"""Chart text as glyph outlines (scripts/portal/site/outlines.py): no <text> is left for a
device's fonts, every text keeps its words (data-text) and ARIA attributes, glyphs sit where
the chart font's advances put them (the widths the layout measured), anchors and lines are
kept, and the path data is the font's outline."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from scripts.portal.site import charts, fonts, outlines

pytestmark = pytest.mark.skipif(not outlines.available(),
                                reason="no Noto Sans CJK SC or HarfBuzz here (apt-get install fonts-noto-cjk)")

SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="100" height="40" viewBox="0 0 100 40">'
       '<text text-anchor="end" transform="translate(-7,13.5)" font-family="x" font-size="12px" '
       'font-weight="normal" fill="#333" opacity="1">沈阳市</text></svg>')


def groups(svg: str) -> list:
    return re.findall(r'<g data-text="([^"]*)"([^>]*)>(.*?)</g></g>', svg)


def uses(line: str) -> list:
    return [(m[0], int(m[1])) for m in re.findall(r'<use xlink:href="#(\w+)" x="(-?\d+)"', line)]


def test_text_becomes_outlines_placed_at_the_fonts_advances():
    out = outlines.to_paths(SVG)
    assert "<text" not in out and 'xmlns:xlink="http://www.w3.org/1999/xlink"' in out
    [(words, attrs, body)] = groups(out)
    assert words == "沈阳市" and 'transform="translate(-7,13.5)"' in attrs and 'fill="#333"' in attrs
    # three ideographs of 1 em at 12 px, anchored at their end: the line starts 36 px left
    unit = 12 * outlines.GRID / 1000
    assert f'translate(-36,0) scale({outlines.num(unit)},-{outlines.num(unit)})' in body
    assert [x for _, x in uses(body)] == [0, round(12 / unit), round(24 / unit)]
    ids = {i for i, _ in uses(body)}
    assert ids == set(re.findall(r'<path id="(\w+)"', out))


def test_bold_text_is_drawn_with_the_bold_face():
    bold = outlines.to_paths(SVG.replace('font-weight="normal"', 'font-weight="bold"'))
    normal = outlines.to_paths(SVG)
    assert re.findall(r'<path id="(\w)', bold) == ["b"] * 3 and re.findall(r'<path id="(\w)', normal) == ["r"] * 3
    assert re.findall(r'd="([^"]*)"', bold) != re.findall(r'd="([^"]*)"', normal)


def test_middle_anchor_lines_white_space_and_entities():
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"><text text-anchor="middle" '
           'transform="translate(50,10)" font-size="10px" role="graphics-symbol" aria-label="a &amp; b">'
           '<tspan>  甲 \n 乙  </tspan><tspan x="0" dy="14">R&amp;D</tspan></text></svg>')
    out = outlines.to_paths(svg)
    [(words, attrs, body)] = groups(out)
    assert words == "甲 乙 R&amp;D" and 'aria-label="a &amp; b"' in attrs and 'role="graphics-symbol"' in attrs
    lines = re.findall(r'<g transform="translate\(([-\d.]+),([-\d.]+)\)', body)
    assert [float(y) for _, y in lines] == [0, 14]
    face = outlines.face("normal")
    first = sum(a for _, a, _, _ in face.shape("甲 乙")) * 10 / face.upem
    assert float(lines[0][0]) == pytest.approx(-first / 2, abs=0.001)   # centred on the anchor
    assert len(uses(body.split("</g>")[0])) == 2   # the space has an advance but no outline


def test_the_widths_are_the_ones_the_layout_measured(tmp_path):
    """The renderer's layout measures text from fonts.advance_table; the outlines are placed
    with HarfBuzz's advances of the same font: a Latin-and-digit label (kerning included) is as
    wide drawn as measured."""
    import json

    text = "IPv6地址 AV Wi-Fi 2020-12"
    table = json.loads(open(fonts.advance_table(tmp_path, [text]), encoding="utf-8").read())
    size = 12
    measured = 0.0
    kern = table["kern"]["Latn"]
    for i, ch in enumerate(text):
        adv, upem = table["advances"][ch]
        k = kern.get(text[i:i + 2], 0) if i + 1 < len(text) else 0
        measured += (adv + (k or 0)) * size / upem
    _, drawn = outlines.Drawing().line(text, outlines.face("normal"), size, "start", 0, 0)
    assert drawn == pytest.approx(measured, abs=0.01)


ARGS = {"m": 2, "l": 2, "h": 1, "v": 1, "c": 6, "q": 4, "z": 0}


def absolute(d: str) -> list:
    """Points of a relative path (m l h v c q z, a letter left out when repeated, as SVG
    allows) as absolute integers."""
    out, at, start, cmd = [], (0, 0), (0, 0), None
    tokens = re.findall(r"[mlhvcqz]|-?\d+", d)
    i = 0
    while i < len(tokens):
        if tokens[i].isalpha():
            cmd, i = tokens[i], i + 1
            if cmd == "z":
                at = start
                continue
        n = [int(t) for t in tokens[i:i + ARGS[cmd]]]
        i += ARGS[cmd]
        if cmd == "h":
            n = [n[0], 0]
        elif cmd == "v":
            n = [0, n[0]]
        pts = [(at[0] + x, at[1] + y) for x, y in zip(n[::2], n[1::2])]
        out += pts
        at = pts[-1]
        if cmd == "m":
            start = at
    return out


def test_relative_paths_trace_the_fonts_outline():
    """Relative commands after "z" start from the subpath's start (the mistake drew 沈 and % as
    scribbles): the points equal the font's absolute outline, rounded to the grid."""
    from fontTools.pens.recordingPen import DecomposingRecordingPen

    face = outlines.face("normal")
    grid = face.upem * outlines.GRID / 1000
    for ch in "沈%8辽":
        name = face.cmap[ord(ch)]
        rec = DecomposingRecordingPen(face.glyphs)
        face.glyphs[name].draw(rec)
        expected = [(round(x / grid), round(y / grid)) for op, pts in rec.value for x, y in pts]
        assert expected and absolute(face.outline(face.tt.getGlyphID(name))) == expected, ch


def test_same_bytes_in_another_process():
    """Glyph ids and numbers do not depend on the process (hash randomisation): a rebuild of
    a chart is byte for byte the same."""
    spec = charts.ranked_bars([{"label": "辽宁省⁵", "value": 1.5, "highlight": True, "text": "1.5"},
                               {"label": "Wi-Fi 全国", "value": 3, "highlight": False, "text": "3"}], "x (%)", "d")
    code = ("import sys, json, vl_convert as v; from scripts.portal.site import outlines; "
            "sys.stdout.write(outlines.to_paths(v.vegalite_to_svg(json.loads(sys.argv[1]), vl_version='6.4')))")
    import json

    runs = [subprocess.run([sys.executable, "-c", code, json.dumps(spec)], capture_output=True, text=True,
                           env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"}).stdout for seed in ("1", "2")]
    assert runs[0] and runs[0] == runs[1] and "<text" not in runs[0]


def test_an_svg_without_text_is_unchanged():
    svg = '<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>'
    assert outlines.to_paths(svg) == svg


def test_x_y_dx_dy_on_a_text_are_kept():
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"><text x="10" y="20" dx="1" dy="-2" '
           'font-size="10px">甲</text></svg>')
    [(_, _, body)] = groups(outlines.to_paths(svg))
    assert body.startswith('<g transform="translate(11,18) ')
