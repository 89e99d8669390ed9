"""The chart font's data, made once per character set and kept in the cache:

- ``advance_table``: how wide every character the portal's charts can draw is in Noto Sans CJK
  SC (HarfBuzz-shaped: advances, kerning per script, ligatures marked), which the build's own
  chart renderer (renderer.py) measures chart text with;
- ``prepare``: a subset of the font holding exactly those characters, registered alone for
  vl-convert in the worker processes (PNGs at build time, and the charts the renderer
  declines).

Why a subset: vl-convert (1.9) opens and parses the font file again for every text it
measures. With the system fonts that is the 19 MB Noto Sans CJK collection, about 1,800 times
per chart; with a subset of a few hundred KB the same chart renders about twice as fast (see
bench-results/vl-convert-profile.md). The glyph advances are the font's own, so the SVG
bytes are the same as with the full font as long as every character is in the subset; that
is why both are made from the text of every package (descriptor and CSV), of the indicator
registry, and of the code and wording files that write chart labels, not from a fixed
character list.

vl-convert builds its font database on its first conversion in a process, from the
fontconfig configuration FONTCONFIG_FILE names: ``use()`` sets that in the worker processes
(never in a process that later starts a browser). Without fontTools, HarfBuzz or the font
the build falls back to the system fonts: slower, same bytes.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

FAMILY = "Noto Sans CJK SC"
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>{dir}</dir><cachedir>{dir}/cache</cachedir></fontconfig>
"""
SUBSET_VERSION = 1   # change when the subsetting options change
_used = None


@functools.lru_cache(maxsize=1)
def system_font() -> tuple | None:
    """(file, face index) of the system's Noto Sans CJK SC, or None."""
    if not shutil.which("fc-match"):
        return None
    env = {k: v for k, v in os.environ.items() if k != "FONTCONFIG_FILE"}  # not a worker's subset (use())
    out = subprocess.run(["fc-match", "-f", "%{family}|%{file}|%{index}", FAMILY],
                         capture_output=True, text=True, env=env).stdout
    parts = out.split("|")
    if len(parts) != 3 or FAMILY not in parts[0] or not Path(parts[1]).is_file():
        return None
    return parts[1], int(parts[2] or 0)


def charset(texts) -> str:
    """Every character of the texts, plus printable ASCII (axis numbers, formats)."""
    chars = {chr(c) for c in range(0x20, 0x7F)} | set("\u2212\u2026")  # d3's minus, Vega's ellipsis
    for t in texts:
        chars.update(t)
    return "".join(sorted(c for c in chars if c.isprintable()))


def chart_texts(portal, recipes: Path | None = None) -> list:
    """Every text a chart of this portal can draw: the packages' files (the fact table's
    too), the indicator registry, and the code and wording files that write chart labels and
    titles."""
    site = Path(__file__).parent  # the chart code and its wording (chart_texts.yaml, comparisons.yaml, …)
    texts = [p.read_text("utf-8") for p in sorted(site.glob("*.py")) + sorted(site.glob("*.yaml"))]
    if recipes is not None and recipes.is_dir():
        texts += [p.read_text("utf-8") for p in sorted(recipes.glob("*.yaml"))]
    for pkg in [*portal.packages, *portal.derived.values()]:
        texts.append((pkg.path / "datapackage.json").read_text("utf-8"))
        texts.append(pkg.csv_bytes.decode("utf-8"))
        if pkg.report is not None:
            texts.append(pkg.report.title)
    return texts


def prepare(cache_dir: Path, texts) -> str:
    """The fontconfig file of a subset font for these texts (made once per character set and
    kept in the cache), or "" when it cannot be made (no font, no fontTools)."""
    source = system_font()
    try:
        import fontTools.subset  # noqa: F401
    except ImportError:
        return ""
    if source is None:
        return ""
    chars = charset(texts)
    stat = Path(source[0]).stat()
    key = hashlib.sha256(f"{SUBSET_VERSION}|{source}|{stat.st_size}|{stat.st_mtime_ns}|{chars}".encode()).hexdigest()[:24]
    folder = Path(cache_dir) / "fonts" / key
    conf = folder / "fonts.conf"
    if conf.exists():
        return str(conf)
    tmp = folder.with_name(f".{key}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        missing = subset_font(source, chars, tmp / "portal-cjk-subset.otf")
        for i, (fallback, text) in enumerate(sorted(fallbacks(missing).items())):
            subset_font(fallback, text, tmp / f"portal-fallback-{i}.otf")
    except Exception:  # a font fontTools cannot subset: the system fonts (slower, same bytes)
        shutil.rmtree(tmp, ignore_errors=True)
        return ""
    (tmp / "fonts.conf").write_text(CONF.format(dir=folder), encoding="utf-8")
    try:
        tmp.replace(folder)
    except OSError:  # made meanwhile by another build
        shutil.rmtree(tmp, ignore_errors=True)
    return str(conf)


SCRIPTS = (None, "Latn", "Hani")   # the scripts a chart text is shaped in (HarfBuzz guesses it)
ADVANCES_VERSION = 1                # change when the table's rules change


def advance_table(cache_dir: Path, texts) -> str:
    """A JSON file of how wide each character of the texts is in the font that draws it
    (Noto Sans CJK SC, else the fallback fontconfig picks), for the chart renderer
    (renderer.py), kept in the cache per character set; "" when it cannot be made (no
    font, no HarfBuzz).

    {"advances": {character: [advance, units per em]}, "kern": {script: {pair: units}}}: a
    character is listed only when its advance is the same in every script a text can be
    shaped in (Zyyy: digits and punctuation only, Latn, Hani); "kern" holds, per script, the
    pairs whose first glyph's advance changes next to the second (kerning), or null when
    the pair is not two glyphs with their own advances (a ligature). A text with an
    unlisted character or a null pair is not measured from the table (the renderer hands its
    chart to vl-convert)."""
    source = system_font()
    if source is None:
        return ""
    try:
        import uharfbuzz
    except ImportError:
        return ""
    chars = charset(texts)
    stat = Path(source[0]).stat()
    key = hashlib.sha256(f"advances|{ADVANCES_VERSION}|{uharfbuzz.__version__}|{source}|{stat.st_size}|"
                         f"{stat.st_mtime_ns}|{chars}".encode()).hexdigest()[:24]
    target = Path(cache_dir) / "fonts" / f"advances-{key}.json"
    if target.exists():
        return str(target)
    table, kern = shaped(source, chars)
    missing = "".join(c for c in chars if c not in table)
    for font, text in sorted(fallbacks(missing).items()):
        more, more_kern = shaped(font, text)
        for c, adv in more.items():
            table.setdefault(c, adv)
        for script, pairs in more_kern.items():
            kern[script].update(pairs)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"advances": table, "kern": kern}, ensure_ascii=False, sort_keys=True),
                   encoding="utf-8")
    tmp.replace(target)
    return str(target)


def shaped(font_file: tuple, chars: str) -> tuple:
    """({character: [advance, units per em]}, {script: {pair: kerning or None}}) of the
    characters this font has, shaped by HarfBuzz (the shaper vl-convert's usvg ports) in each
    of SCRIPTS. Pairs are tried among the characters that are not Han ideographs (ideographs
    do not kern)."""
    import uharfbuzz as hb

    face = hb.Face(hb.Blob.from_file_path(font_file[0]), font_file[1])
    font, upem = hb.Font(face), face.upem

    def shape(text: str, script) -> list:
        buf = hb.Buffer()
        buf.add_str(text)
        buf.guess_segment_properties()
        if script:
            buf.script = script
        hb.shape(font, buf, {})
        return [(i.codepoint, p.x_advance) for i, p in zip(buf.glyph_infos, buf.glyph_positions)]

    single = {c: [shape(c, s) for s in SCRIPTS] for c in chars}
    table = {c: [runs[0][0][1], upem] for c, runs in single.items()
             if all(len(r) == 1 and r[0][0] != 0 and r[0][1] == runs[0][0][1] for r in runs)}
    latin = [c for c in table if not HAN.match(c)]
    kern = {s or "Zyyy": {} for s in SCRIPTS}
    for a in latin:
        for b in latin:
            for s in SCRIPTS:
                got = shape(a + b, s)
                if len(got) != 2 or got[1][1] != table[b][0]:
                    kern[s or "Zyyy"][a + b] = None   # a ligature, or the second glyph moved: not measurable
                elif got[0][1] != table[a][0]:
                    kern[s or "Zyyy"][a + b] = got[0][1] - table[a][0]
    return table, kern


def subset_font(source: tuple, chars: str, target: Path) -> str:
    """Write the subset of the font (file, face index) holding these characters; return the
    characters it does not have."""
    import logging

    from fontTools import subset

    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)  # "FFTM NOT subset" and the like
    options = subset.Options()
    options.font_number = source[1]
    options.layout_features = ["*"]  # kerning changes measured widths: keep every feature
    options.hinting = False
    options.name_IDs = ["*"]       # keep the family name the chart specs ask for
    font = subset.load_font(source[0], options)
    cmap = font.getBestCmap()
    sub = subset.Subsetter(options)
    sub.populate(text=chars)
    sub.subset(font)
    subset.save_font(font, str(target), options)
    return "".join(c for c in chars if ord(c) not in cmap)


def fallbacks(chars: str) -> dict:
    """{(file, face index): characters} of the fonts fontconfig falls back to for characters
    the CJK font lacks (e.g. ⁵ from DejaVu Sans), as the renderer does with the system fonts."""
    out = {}
    for c in chars:
        found = subprocess.run(["fc-match", "-f", "%{file}|%{index}", f":charset={ord(c):x}"],
                               capture_output=True, text=True).stdout.split("|")
        if len(found) == 2 and Path(found[0]).is_file():
            out.setdefault((found[0], int(found[1] or 0)), []).append(c)
    return {k: "".join(v) for k, v in out.items()}


def use(conf: str) -> None:
    """In a worker process, before its first chart: measure with the subset font only."""
    global _used
    if conf and _used is None and Path(conf).exists():
        os.environ["FONTCONFIG_FILE"] = conf
        _used = conf
