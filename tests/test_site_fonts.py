"""The chart font subset (scripts/portal/site/fonts.py): what it holds, and that SVGs
rendered with it are byte-identical to SVGs rendered with the system fonts."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from scripts.portal.model.reader import load_portal
from scripts.portal.site import charts, fonts
from tests.site_build import FIXTURE_PACKAGES

RENDER = """
import json, sys, vl_convert as vlc
for spec in json.load(sys.stdin):
    sys.stdout.write(vlc.vegalite_to_svg(spec, vl_version=sys.argv[1]) + "\\x00")
"""


def render_all(specs: list, conf: str | None) -> list:
    """SVGs of the specs rendered in a fresh process (vl-convert reads the fonts once per process)."""
    env = dict(os.environ)
    env.pop("FONTCONFIG_FILE", None)
    if conf:
        env["FONTCONFIG_FILE"] = conf
    out = subprocess.run([sys.executable, "-c", RENDER, charts.VL_VERSION], input=json.dumps(specs),
                         capture_output=True, text=True, env=env, check=True).stdout
    return out.split("\x00")[:-1]


def test_charset_holds_every_text_and_printable_ascii():
    chars = fonts.charset(["辽宁 2020年", "⁵"])
    assert {"辽", "宁", "年", "⁵", "A", "~", " ", "−", "…"} <= set(chars)
    assert "\n" not in chars and len(chars) == len(set(chars))


def test_subset_svgs_are_the_system_font_svgs(tmp_path):
    if fonts.system_font() is None:
        pytest.skip("no Noto Sans CJK SC on this machine (apt-get install fonts-noto-cjk)")
    portal = load_portal(FIXTURE_PACKAGES)
    label = "10⁵ 个（²）"  # ⁵ is not in Noto Sans CJK: fontconfig's fallback font is subset too
    texts = fonts.chart_texts(portal) + [label]
    conf = fonts.prepare(tmp_path, texts)
    assert conf and os.path.exists(conf)
    files = sorted(os.listdir(os.path.dirname(conf)))
    assert "portal-cjk-subset.otf" in files and "portal-fallback-0.otf" in files
    assert os.path.getsize(os.path.join(os.path.dirname(conf), "portal-cjk-subset.otf")) < 2_000_000
    assert fonts.prepare(tmp_path, texts) == conf  # cached by character set
    specs = [c.spec for p in portal.packages for c in charts.choose(p)]
    specs.append(charts.ranked_bars([{"label": label, "value": 3, "highlight": False, "text": "3"}], "x", "d"))
    assert render_all(specs, conf) == render_all(specs, None)
