"""Hostile data packages for the defence-in-depth tests (not a test module).

``make(target)`` copies the fixture packages (tests/fixtures/packages) and puts markup,
script, ``javascript:`` links and spreadsheet formulas into every text the site shows:
report titles, publishers and URLs; package titles, descriptions, keywords, source notes,
footnotes, quality details, licence titles; field titles, units and descriptions; and every
non-empty text cell of every CSV (category labels included, so they reach charts and
tooltips). Hashes are recomputed, so the site generator loads them; the CSV and JSON are
written as the product's writer writes them (scripts/portal/model/writer.py).

Validation (scripts/portal/validate.py) refuses such packages (markup, formulas); the tests give
them to the generator directly, to show that escaping and the Content-Security-Policy hold on
their own. The texts stay within what the package reader's JSON Schemas allow (lengths, http(s)
URLs, no control characters), since the reader refuses anything else even for the generator.
Every payload calls ``__pwn(...)`` (or creates an element of class ``pwn``) when it runs.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import zlib
from pathlib import Path

from scripts.portal.model import writer
from tests.site_build import FIXTURE_PACKAGES

PAYLOADS = (
    '<script>__pwn("script")</script>',
    '<img class="pwn" src="x" onerror="__pwn(\'img\')">',
    '"><svg class="pwn" onload="__pwn(\'svg\')"></svg>',
    "'><iframe class=\"pwn\" srcdoc=\"<script>parent.__pwn('iframe')</script>\"></iframe>",
    '[点我](javascript:__pwn("md-link"))',
    '<a class="pwn" href="javascript:__pwn(\'a\')">链接</a>',
    '</script><script>__pwn("breakout")</script>',
    '&lt;img class="pwn" src=x onerror=__pwn("entity")&gt;',
    '{: .pwn onclick="__pwn(\'attr-list\')" }',
    '<style class="pwn">body{display:none}</style>',
    '=HYPERLINK("http://evil.example","点我")',
    "<details class=pwn open ontoggle=__pwn('toggle')>",
)
ALL = " ".join(PAYLOADS)
# URLs must be http(s) (the registry schema refuses javascript:/data:, see tests/fixtures/broken);
# these valid ones carry characters that would break out of an unescaped attribute or JSON string.
REPORT_URLS = ("https://evil.example/x?a=1&b=%22%3E%3Cscript%3E__pwn(1)%3C/script%3E",
               "http://evil.example/[x](javascript:__pwn)?q=@__pwn&x=1",
               "HTTPS://evil.example:8443/#__pwn(report-url)")
KEEP = {"id", "kind", "row_type", "parent", "source_line"}  # bookkeeping and enumerations


def two(text: str) -> str:
    """Two payloads, for titles (whose length is bounded: all payloads would not fit)."""
    if text in ("", None):
        return text
    first = zlib.crc32(text.encode("utf-8")) % len(PAYLOADS)
    return f"{text} {PAYLOADS[first]} {PAYLOADS[(first + 5) % len(PAYLOADS)]}"


def tag(text: str) -> str:
    """The text followed by one payload (chosen by the text, so equal labels stay equal)."""
    if text in ("", None):
        return text
    return f"{text} {PAYLOADS[zlib.crc32(text.encode('utf-8')) % len(PAYLOADS)]}"


def make(target: Path) -> Path:
    target = Path(target)
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(FIXTURE_PACKAGES, target)
    reports = json.loads((target / "reports.json").read_text("utf-8"))
    for i, r in enumerate(reports):
        r["title"] = two(r["title"])
        r["title_en"] = tag(r["title_en"])
        r["publisher"] = tag(r["publisher"])
        if i < len(REPORT_URLS):
            r["url"] = REPORT_URLS[i]
    (target / "reports.json").write_bytes(writer.json_bytes(reports))
    for desc_path in sorted(target.glob("*/datapackage.json")):
        rewrite(desc_path)
    return target


def rewrite(desc_path: Path) -> None:
    desc = json.loads(desc_path.read_text("utf-8"))
    desc["title"] = two(desc["title"])
    desc["title_en"] = tag(desc.get("title_en", ""))
    desc["description"] = f"{desc.get('description', '')} {ALL}"
    desc["keywords"] = [tag(k) for k in desc.get("keywords", [])] + [PAYLOADS[0]]
    for lic in desc.get("licenses", []):
        lic["title"] = tag(lic.get("title") or lic.get("name", ""))
    src = desc["x-source"]
    for key in ("caption", "section", "source_note"):
        src[key] = tag(src.get(key) or "x")
    src["footnotes"] = [tag(n) for n in src.get("footnotes", [])] + [ALL]
    src["notes"] = [tag(n) for n in src.get("notes", [])] + ['=== "注" 内容页签 ~~~ fence']
    if src.get("table") != "key-figures":
        src["table"] = tag(src["table"])
    quality = desc.get("x-quality", [])
    for q in quality:
        q["detail"] = tag(q.get("detail") or "x")
    if quality:
        quality[0]["status"] = "discrepancy"  # shown above the table
        quality[0]["reason"] = ALL             # with its acknowledged reason
        quality[0]["row"] = tag(str(quality[0].get("row") or "x"))
    res = desc["resources"][0]
    fields = res["schema"]["fields"]
    text_fields = [f["name"] for f in fields if f.get("type", "string") == "string" and f["name"] not in KEEP]
    for f in fields:
        f["title"] = tag(f.get("title", f["name"]))
        f["description"] = tag(f.get("description") or "x")
        if f.get("unit"):
            f["unit"] = tag(f["unit"])
    csv_path = desc_path.parent / res.get("path", "data.csv")
    raw = csv_path.read_bytes()
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))
    header = list(rows[0].keys()) if rows else []
    for row in rows:
        for name in text_fields:
            row[name] = tag(row[name])
        if row.get("parent"):
            row["parent"] = tag(row["parent"])  # same payload as the parent's own label
    data = writer.csv_bytes([{"name": name} for name in header], rows)
    csv_path.write_bytes(data)
    res["bytes"] = len(data)
    res["hash"] = "sha256:" + hashlib.sha256(data).hexdigest()
    desc_path.write_bytes(writer.json_bytes(desc))

