"""The build's own chart renderer (scripts/portal/site/renderer.py): Vega in V8 with text
measured from the font's advance table. Its drawings must be vl-convert's, byte for byte (before
their text becomes glyph outlines: outlines.py, tests/test_site_outlines.py), for
every chart of the real portal (package charts, comparisons, indicator charts) and for
awkward text; a chart with a character the table lacks goes to vl-convert; the build uses
the renderer when it can and vl-convert when it cannot."""

from __future__ import annotations

import functools
import os
import re
import sys

import pytest

from scripts.portal import paths
from scripts.portal.model.reader import load_portal
from scripts.portal.errors import PortalError
from scripts.portal.site import charts, compare, fonts, indicator_pages, renderer, vendor, workers
from tests.site_build import FIXTURE_PACKAGES
from tests.test_site_fonts import render_all

pytestmark = pytest.mark.skipif(fonts.system_font() is None,
                                reason="no Noto Sans CJK SC on this machine (apt-get install fonts-noto-cjk)")

AWKWARD = ["  两端有空格  ", "中间  两个空格", "10⁵ 个（²）", "FTTH/O端口", ".COM.CN", "Wi-Fi", "“.CN”域名", "a&b<c>'d\"",
           "辽宁省（第1名）", "−12.5%", "…", "Ｗｉ-Ｆｉ"]


@functools.lru_cache(maxsize=None)
def real_portal_charts() -> tuple:
    portal = load_portal(paths.packages_dir())
    found = [c for p in portal.packages for c in charts.choose(p)]
    found += compare.page_data(portal, charts.HIGHLIGHT_DEFAULT)[1]
    ind = indicator_pages.prepare(portal, paths.packages_dir() / "indicators", paths.ROOT / "scripts/portal/recipes")
    found += ind.all_charts
    return portal, found


def make_renderer(tmp_path, texts) -> renderer.Renderer:
    table = fonts.advance_table(tmp_path, texts)
    assert table and os.path.exists(table)
    made = renderer.for_build(table, str(tmp_path))
    assert made is not None
    return made


def test_every_chart_of_the_real_portal_is_vl_converts_svg(tmp_path):
    portal, found = real_portal_charts()
    assert len(found) > 100 and len({c.id for c in found}) == len(found)
    texts = fonts.chart_texts(portal, paths.ROOT / "scripts/portal/recipes")
    draw = make_renderer(tmp_path, texts)
    mine = [draw.svg(c.spec) for c in found]
    assert all(m is not None for m in mine), [c.id for c, m in zip(found, mine) if m is None]
    theirs = render_all([c.spec for c in found], fonts.prepare(tmp_path, texts))
    differ = [c.id for c, a, b in zip(found, mine, theirs) if a != b]
    assert not differ, f"{len(differ)} of {len(found)} charts differ from vl-convert's: {differ[:5]}"
    # what readers would see of a field a chart forgot (the place charts once wrote "undefined")
    broken = [c.id for c, svg in zip(found, mine) if re.search(r"\bundefined\b|\bNaN\b|>null<", svg)]
    assert not broken, broken


def test_awkward_text_measures_as_vl_convert_does(tmp_path):
    specs = [charts.ranked_bars([{"label": t, "value": 3 + i, "highlight": i == 0, "text": t}
                                 for i, t in enumerate(AWKWARD)], "数值（万）", "说明", labels=True),
             charts.ranked_bars([{"label": "", "value": 1, "highlight": False, "text": "   "},
                                 {"label": "   ", "value": 2, "highlight": True, "text": ""}], "x", "d", labels=True)]
    texts = AWKWARD + ["数值（万）说明"]
    draw = make_renderer(tmp_path, texts)
    mine = [draw.svg(s) for s in specs]
    assert None not in mine, draw.missing
    assert mine == render_all(specs, fonts.prepare(tmp_path, texts))  # vl-convert as the build runs it


@pytest.mark.parametrize("text", ["全角\u3000空格", "file", "Ελλάδα"], ids=["ideographic-space", "ligature", "greek"])
def test_text_the_table_cannot_measure_is_left_to_vl_convert(tmp_path, text):
    """A character outside the table (U+3000 is not in it), a ligature (fi), a script other
    than Han or Latin: the renderer declines the chart, and the next chart is not measured
    with what it declined (Vega caches widths)."""
    spec = charts.ranked_bars([{"label": text, "value": 1, "highlight": False, "text": "1"}], "x", "d")
    draw = make_renderer(tmp_path, [text, "甲乙1"])
    assert draw.svg(spec) is None and draw.missing == [text]
    assert draw.svg(spec) is None  # not measured from Vega's cache the second time
    ok = charts.ranked_bars([{"label": "甲乙", "value": 1, "highlight": False, "text": "1"}], "x", "d")
    assert draw.svg(ok) == render_all([ok], None)[0]


def test_a_character_the_table_lacks_sends_the_chart_to_vl_convert(tmp_path):
    spec = charts.ranked_bars([{"label": "甲乙", "value": 1, "highlight": False, "text": "1"}], "x", "d")
    draw = make_renderer(tmp_path, ["甲1"])  # 乙 is not in the table
    assert draw.svg(spec) is None
    made, rendered, cached = charts.render_one(charts.Chart("c", "t", "d", spec), tmp_path / "charts", False,
                                               renderer.drawing_identity(), lambda: draw)
    assert (rendered, cached) == (1, 0)
    # vl-convert's drawing, its text then drawn as glyph outlines like every static chart's
    assert made["svg"][0].decode("utf-8") == charts.outlined(render_all([spec], None)[0])
    assert "<text" not in made["svg"][0].decode("utf-8")


def test_the_build_draws_with_the_renderer_and_without_it(tmp_path, monkeypatch):
    """A build of the fixtures in this process draws every chart with the renderer (vl-convert
    is not called); without mini-racer, vl-convert draws the same bytes."""
    import vl_convert

    portal = load_portal(FIXTURE_PACKAGES)
    chosen = [c for p in portal.packages for c in charts.choose(p)]
    table = fonts.advance_table(tmp_path, fonts.chart_texts(portal))
    ctx = workers.Context("http://127.0.0.1:8000/", "2026-01-15", False, str(tmp_path / "a"), advances=table)

    def refuse(*a, **k):
        raise AssertionError("vl-convert drew a chart the renderer should have drawn")

    monkeypatch.setattr(vl_convert, "vegalite_to_svg", refuse)
    with_renderer = {c.id: workers.render_chart(c, ctx)[0] for c in chosen}
    monkeypatch.undo()
    monkeypatch.setattr(renderer, "available", lambda: False)
    ctx = workers.Context("http://127.0.0.1:8000/", "2026-01-15", False, str(tmp_path / "b"), advances=table)
    without = {c.id: workers.render_chart(c, ctx)[0] for c in chosen}
    assert with_renderer == without and len(without) == len(chosen) > 5


def test_a_spec_vega_cannot_draw_goes_to_vl_convert(tmp_path):
    """Vega failing in the renderer is not the build's answer: vl-convert draws the chart or
    says what is wrong with it, and the engine is fresh for the next chart."""
    draw = make_renderer(tmp_path, ["甲乙1"])
    broken = {"$schema": "https://vega.github.io/schema/vega-lite/v6.json", "mark": "bar",
              "data": {"values": [{"a": 1}]}, "encoding": {"x": {"field": "a", "type": "quantitative"}},
              "transform": [{"calculate": "nosuchfunction(datum.a)", "as": "b"}]}
    assert draw.svg(broken) is None and draw.missing[0].startswith("error: ")
    ok = charts.ranked_bars([{"label": "甲乙", "value": 1, "highlight": False, "text": "1"}], "x", "d")
    assert draw.svg(ok) == render_all([ok], None)[0]


def test_the_chart_cache_knows_the_renderer_and_the_font(tmp_path, monkeypatch):
    """A cached drawing is not reused once the renderer's code or the chart font changed; the
    font is the system's even in a worker that measures with the subset (FONTCONFIG_FILE)."""
    system = fonts.system_font()
    renderer.drawing_identity.cache_clear()
    before = renderer.drawing_identity()
    conf = fonts.prepare(tmp_path, ["甲乙"])
    monkeypatch.setenv("FONTCONFIG_FILE", conf)
    fonts.system_font.cache_clear()
    renderer.drawing_identity.cache_clear()
    assert fonts.system_font() == system and renderer.drawing_identity() == before
    monkeypatch.setattr(renderer, "PRELUDE", renderer.PRELUDE + "\n// changed")
    renderer.drawing_identity.cache_clear()
    assert renderer.drawing_identity() != before
    monkeypatch.undo()
    other = tmp_path / "other.otf"
    other.write_bytes(b"not the same font")
    monkeypatch.setattr(fonts, "system_font", lambda: (str(other), 0))
    renderer.drawing_identity.cache_clear()
    assert renderer.drawing_identity() != before
    monkeypatch.undo()
    fonts.system_font.cache_clear()
    renderer.drawing_identity.cache_clear()
    assert renderer.drawing_identity() == before


def test_a_bundle_without_vega_is_a_clear_error(tmp_path, monkeypatch, capsys):
    """A chart runtime laid out otherwise (another vl-convert) is named, and the build goes on
    with vl-convert drawing the charts."""
    with pytest.raises(PortalError) as err:
        renderer.Renderer("var mod1 = {};", {"advances": {}, "kern": {}})
    assert "expected one Vega and one Vega-Lite" in err.value.message
    table = fonts.advance_table(tmp_path, ["甲乙1"])
    (tmp_path / "odd").mkdir()
    monkeypatch.setattr(vendor, "cached_bundle", lambda cache_dir: tmp_path / "odd" / "bundle.js")
    (tmp_path / "odd" / "bundle.js").write_text("var mod1 = {};", "utf-8")
    assert renderer.for_build(table, str(tmp_path / "odd")) is None
    assert "expected one Vega and one Vega-Lite" in capsys.readouterr().err
    spec = charts.ranked_bars([{"label": "甲乙", "value": 1, "highlight": False, "text": "1"}], "x", "d")
    made, rendered, _ = charts.render_one(charts.Chart("c", "t", "d", spec), tmp_path / "charts", False,
                                          renderer.drawing_identity(), lambda: renderer.for_build(table, str(tmp_path)))
    assert rendered == 1 and made["svg"][0].decode("utf-8") == charts.outlined(render_all([spec], None)[0])


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
