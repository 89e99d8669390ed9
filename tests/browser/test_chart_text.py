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

from scripts.portal.site.charts import FONT_STACK

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


def measure_all(browser, svgs) -> dict:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    got = {p.name: measure(page, p) for p in svgs}
    context.close()
    return got


@pytest.fixture(scope="module")
def system_boxes(browser, built):
    svgs = chart_svgs(built.site)
    assert len(svgs) >= 10, "too few chart SVGs to check"
    return measure_all(browser, svgs)


def test_every_chart_svg_keeps_its_text_inside_the_picture(system_boxes):
    bad, measured = {}, 0
    for name, got in system_boxes.items():
        measured += len(got["boxes"])
        assert got["boxes"] or name.startswith("spark-"), f"{name}: no text measured"  # sparklines: no axes
        clipped = outside(got["boxes"])
        if clipped:
            bad[name] = [(b["text"], round(b["left"], 1), round(b["right"], 1), b["W"]) for b in clipped[:3]]
    print(f"{len(system_boxes)} SVGs, {measured} texts measured, {len(bad)} with text outside")
    assert not bad, f"{len(bad)} of {len(system_boxes)} chart SVGs draw text outside the picture: " + \
        "; ".join(f"{k}: {v}" for k, v in list(bad.items())[:8])


def test_chart_svgs_draw_no_system_font_text(system_boxes):
    """No <text> left for the device's fonts to draw."""
    with_text = [name for name, got in system_boxes.items() if got["texts"]]
    assert not with_text, f"{len(with_text)} chart SVGs still hold <text>: {with_text[:5]}"


FOREIGN = ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
           "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"]
FOREIGN_CONF = """<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>{dir}</dir><cachedir>{dir}/cache</cachedir>
<alias><family>sans-serif</family><prefer><family>DejaVu Sans</family><family>Noto Serif CJK SC</family></prefer></alias>
</fontconfig>"""


def probe(browser) -> float:
    """How wide this browser draws "2020-12" in the charts' font stack at 12 px."""
    page = browser.new_page()
    width = page.evaluate("() => { const c = document.createElement('canvas').getContext('2d');"
                          f"c.font = \"12px {FONT_STACK}\"; return c.measureText('2020-12').width; }}")
    page.close()
    return width


def test_a_device_with_other_fonts_draws_the_same_boxes(browser, system_boxes, built, tmp_path_factory):
    """Chromium on a 'device' without Noto Sans CJK SC (Latin from DejaVu Sans, whose digits
    are wider, Chinese from Noto Serif CJK): every text box is where it is with the chart font."""
    import os

    from tests.browser.conftest import ARGS, CHROMIUM

    folder = tmp_path_factory.mktemp("foreign-fonts")
    for f in FOREIGN:
        assert os.path.exists(f), f"{f} missing: apt-get install fonts-dejavu-core fonts-noto-cjk"
        os.symlink(f, folder / os.path.basename(f))
    (folder / "fonts.conf").write_text(FOREIGN_CONF.format(dir=folder), "utf-8")
    env = {**os.environ, "FONTCONFIG_FILE": str(folder / "fonts.conf")}
    other = browser.browser_type.launch(executable_path=str(CHROMIUM), args=ARGS, env=env)
    try:
        foreign_width = probe(other)
        foreign = measure_all(other, chart_svgs(built.site))
    finally:
        other.close()
    system_width = probe(browser)
    assert foreign_width - system_width > 3, f"the other fonts were not used ({foreign_width} vs {system_width} px)"
    moved = [name for name, got in foreign.items()
             if [(round(b["left"], 1), round(b["right"], 1), round(b["top"], 1)) for b in got["boxes"]] !=
             [(round(b["left"], 1), round(b["right"], 1), round(b["top"], 1)) for b in system_boxes[name]["boxes"]]]
    assert not moved, f"{len(moved)} charts drawn differently with other fonts: {moved[:5]}"
    assert not [n for n, got in foreign.items() if outside(got["boxes"])]


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
