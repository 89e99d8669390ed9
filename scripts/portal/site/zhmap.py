"""The table filter's character map: traditional -> simplified, for the characters the site uses.

portal.js folds both the query and the table text through this map, so 瀋陽 finds 沈阳 and
沈阳 finds 瀋陽. Only characters that occur in the packages (and their traditional forms) are
mapped, which keeps the file small (a few KB) instead of shipping a whole conversion table.
"""

from __future__ import annotations

import json

PATH = "assets/vendor/zh-t2s.json"


def site_characters(portal) -> set:
    chars = set()
    for pkg in portal.packages:
        chars.update(pkg.title, pkg.description, pkg.report.title)
        chars.update(pkg.csv_bytes.decode("utf-8"))
    return {c for c in chars if "\u3400" <= c <= "\u9fff"}


def t2s_map(chars: set) -> dict:
    """{traditional: simplified} for every character whose two forms differ."""
    import zhconv

    out = {}
    for c in sorted(chars):
        simple, trad = zhconv.convert(c, "zh-hans"), zhconv.convert(c, "zh-hant")
        if len(simple) != 1:
            continue
        if simple != c:
            out[c] = simple
        if len(trad) == 1 and trad != simple:
            out[trad] = simple
    return dict(sorted(out.items()))


def map_bytes(portal) -> bytes:
    return json.dumps(t2s_map(site_characters(portal)), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
