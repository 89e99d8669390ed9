"""Every static chart SVG of the built site keeps its text inside the picture, drawn the same
whatever fonts the reader's device has (issue 20, point 1).

Each SVG under assets/charts/ is opened in Chromium as the page itself, and the box of every
drawn text (a <text> element, or a group of glyph paths marked data-text) is measured against
the SVG's own width and height. The static SVGs carry their text as glyph outlines, so a
device without Noto Sans CJK SC (or with PingFang, YaHei …) draws the same picture: the
page is also opened with every system font family swapped for another, and the boxes must not
move.
"""

from __future__ import annotations

import re

import pytest

SLACK = 0.5   # px: anti-aliasing of a glyph's outermost edge

MEASURE = r"""() => {
  const svg = document.documentElement, r = svg.getBoundingClientRect();
  const W = parseFloat(svg.getAttribute('width')), H = parseFloat(svg.getAttribute('height'));
  const out = [];
  for (const el of document.querySelectorAll('text, [data-text]')) {
    const b = el.getBoundingClientRect();
    if (!b.width && !b.height) continue;
    out.push({text: el.getAttribute('data-text') || el.textContent, left: b.left - r.left, top: b.top - r.top,
              right: b.right - r.left, bottom: b.bottom - r.top, W, H});
  }
  return {boxes: out, texts: document.querySelectorAll('text').length};
}"""


def chart_svgs(site):
    return sorted((site / "assets" / "charts").glob("*.svg"))


def outside(boxes) -> list:
    return [b for b in boxes if b["left"] < -SLACK or b["top"] < -SLACK
            or b["right"] > b["W"] + SLACK or b["bottom"] > b["H"] + SLACK]


def measure(page, path):
    page.goto(path.as_uri())
    return page.evaluate(MEASURE)


def test_every_chart_svg_keeps_its_text_inside_the_picture(browser, built):
    svgs = chart_svgs(built.site)
    assert len(svgs) >= 10, "too few chart SVGs to check"
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    bad, measured = {}, 0
    for path in svgs:
        got = measure(page, path)
        measured += len(got["boxes"])
        assert got["boxes"], f"{path.name}: no text measured"
        clipped = outside(got["boxes"])
        if clipped:
            bad[path.name] = [(b["text"], round(b["left"], 1), round(b["right"], 1), b["W"]) for b in clipped[:3]]
    context.close()
    print(f"{len(svgs)} SVGs, {measured} texts measured, {len(bad)} with text outside")
    assert not bad, f"{len(bad)} of {len(svgs)} chart SVGs draw text outside the picture: " + \
        "; ".join(f"{k}: {v}" for k, v in list(bad.items())[:8])


def test_chart_svgs_draw_no_system_font_text(browser, built):
    """No <text> left for the device's fonts to draw: the picture is the same on every device."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    with_text = [p.name for p in chart_svgs(built.site) if measure(page, p)["texts"]]
    context.close()
    assert not with_text, f"{len(with_text)} chart SVGs still hold <text>: {with_text[:5]}"


@pytest.mark.parametrize("width", [390, 1280])
def test_chart_images_on_a_page_screenshot(browser, base_url, artifacts, width):
    """The internet-penetration chart (沈阳市 and 辽宁省 lost their first character) as a reader
    sees it on a phone and a desktop: the <img> is loaded and as wide as its box allows."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{base_url}indicators/internet-penetration/")
    page.wait_for_load_state("networkidle")
    img = page.locator("figure.portal-chart img").first
    img.scroll_into_view_if_needed()
    assert img.evaluate("i => i.complete && i.naturalWidth > 0")
    assert re.search(r"\.svg$", img.get_attribute("src"))
    img.screenshot(path=str(artifacts / f"chart-text-{width}.png"))
    context.close()
