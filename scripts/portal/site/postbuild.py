"""After the engine: what the portal adds to the built HTML, the same for every engine
(engine.py knows where the engine wrote what).

- every page: the theme's template indentation dropped, Material's search worker swapped for
  the portal's (portal-search.js), external scripts deferred, and a Content-Security-Policy
  <meta> (see POLICY) whose script-src allows the theme's own inline scripts by SHA-256 and
  nothing from page content; an inline script that is not the theme's fails the build;
- the portal's search index (search.py) from every page's front matter, title, headings and
  prose, and in place of the engine's index a stub the page script fetches;
- _headers: the policy as HTTP headers for hosts that read that file;
- sitemap.xml: a dataset page's front matter ``lastmod`` (the date of the package's version)
  as its <lastmod>, the build date for the other pages.
"""

from __future__ import annotations

import base64
import datetime
import functools
import gzip
import hashlib
import re
from pathlib import Path

import yaml

from scripts.portal.errors import PortalError
from scripts.portal.site import cards
from scripts.portal.site import engine as engines
from scripts.portal.site import headers


def finish(site: Path, docs: Path, engine: str = engines.DEFAULT) -> dict:
    """Post-process the site `engine` built from `docs` into `site`; returns counts."""
    from scripts.portal.site import search

    check_segmenters()
    allowed = template_scripts(engines.theme_dirs(engine))
    styles = tuple(sha256(css) for css in engines.theme_styles(site, engine))
    seen, refused, found, lastmod = set(), [], [], {}
    for page in engines.pages(docs, site):
        html, markdown = page.html.read_text(encoding="utf-8"), (docs / page.source).read_text(encoding="utf-8")
        meta = front_matter(markdown, docs / page.source)
        lastmod[page.url] = str(meta.get("lastmod") or "")
        if not (meta.get("search") or {}).get("exclude"):   # Material's own switch
            body = mark_excluded(engines.content(html), markdown)
            found.append(search.page_from_html(page.url, meta, engines.title(html, site_name()), body))
        html = cards.cards(html)   # Markdown tables become cards on a phone (issue 20)
        page.html.write_text(finish_page(squeeze(html), page.source, (allowed, styles), seen, refused), "utf-8")
    for name in engines.STATIC_PAGES:
        path = site / name
        if path.exists():
            path.write_text(finish_page(path.read_text(encoding="utf-8"), name, (allowed, styles), seen, refused),
                            "utf-8")
    if refused:
        raise PortalError("Content-Security-Policy: inline scripts that are not in a theme template would not "
                          "run (a page must not carry its own <script>):\n" + "\n".join(refused[:20]))
    index = search.write(site, found)
    engines.write_search_stub(site, engine, index.name, search.documents(found))
    write_headers(site, seen, styles)
    dated = date_sitemap(site, lastmod)
    return {"pages": len(found), "hashes": len(seen), "sitemap": dated}


def finish_page(html: str, where: str, theme: tuple, seen: set, refused: list) -> str:
    """`theme`: the pattern of the theme's inline scripts, the hashes of its inserted styles."""
    out, hashes = add_csp(defer_scripts(use_portal_search(html, where)), theme[0], where, refused, theme[1])
    seen.update(hashes)
    return out


def check_segmenters() -> None:
    for name, why in (("jieba", "Chinese search would not be segmented"),
                      ("zhconv", "simplified search for traditional pages would stop")):
        try:
            __import__(name)
        except ImportError:
            raise PortalError(f"{name} is not importable: {why}. Install the pinned requirements.") from None


@functools.lru_cache(maxsize=None)
def site_name() -> str:
    from scripts.portal import paths

    text = (paths.ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    return re.search(r"^site_name:\s*(.+?)\s*$", text, re.M).group(1)


FRONT = re.compile(r"\A---\s*\n(.*?\n)(?:---|\.\.\.)\s*\n", re.S)


def front_matter(markdown: str, md: Path) -> dict:
    """The YAML front matter of `markdown` (the text of the file `md`), as the engines read it."""
    m = FRONT.match(markdown)
    if not m:
        return {}
    try:
        data = yaml.safe_load(m.group(1))
    except yaml.YAMLError as exc:
        raise PortalError(f"{md.name}: front matter is not YAML: {exc}", file=str(md)) from None
    return data if isinstance(data, dict) else {}


EXCLUDED = re.compile(r"\{[^}\n]*#([\w-]+)[^}\n]*\bdata-search-exclude\b[^}\n]*\}|"
                      r"\{[^}\n]*\bdata-search-exclude\b[^}\n]*#([\w-]+)[^}\n]*\}")


def mark_excluded(content: str, markdown: str) -> str:
    """Mark the headings the Markdown marks `{#id data-search-exclude}` (MkDocs keeps the
    attribute in the HTML, Zensical drops it), so that both leave the same sections out of search."""
    for ids in EXCLUDED.findall(markdown):
        hid = ids[0] or ids[1]
        content = re.sub(rf'<(h[1-6])\b(?![^>]*data-search-exclude)([^>]*\bid="{re.escape(hid)}")',
                         r"<\1 data-search-exclude\2", content, count=1)
    return content


PRE = re.compile(r"(<pre\b.*?</pre>|<textarea\b.*?</textarea>|<script\b.*?</script>)", re.S)


def squeeze(output: str) -> str:
    """Drop the indentation and blank lines of the theme's templates (about 40% of a page).

    A newline is kept wherever there was whitespace, so rendering is unchanged; <pre>,
    <textarea> and <script> blocks are left exactly as they are.
    """
    parts = PRE.split(output)
    for i in range(0, len(parts), 2):
        parts[i] = re.sub(r"\n\s+", "\n", parts[i])
    return "".join(parts)


MATERIAL_WORKER = re.compile(r'("search":\s*"[^"]*?)assets/javascripts/workers/search\.[0-9a-f]+\.min\.js"')
PORTAL_WORKER = "assets/javascripts/portal-search.js"


def use_portal_search(output: str, where: str) -> str:
    """Point the theme's search UI at the portal's worker (in the page's __config)."""
    if 'id="__config"' not in output:
        return output
    swapped, n = MATERIAL_WORKER.subn(r'\1' + PORTAL_WORKER + '"', output, count=1)
    if n != 1:
        raise PortalError(f"search: {where}: the theme's search worker is not in __config; "
                          "the portal's search would not be used (the theme changed?)")
    return swapped


EXTERNAL_SCRIPT = re.compile(r"<script\b(?![^>]*\b(?:defer|async|type)\b)([^>]*\bsrc=[^>]*)>", re.I)


def defer_scripts(output: str) -> str:
    """Give every external classic script (the theme's bundle, portal.js) `defer`: it runs in the
    same order, after the page is parsed, and no longer holds back the first paint (Lighthouse
    counted the 114 KB bundle at the end of <body> as render-blocking on a slow phone)."""
    return EXTERNAL_SCRIPT.sub(r"<script defer\1>", output)


# Content-Security-Policy, as a <meta> (a static site sends no headers; frame-ancestors,
# report-uri and sandbox cannot be set this way). Every relaxation of default-src 'self':
# - script-src: the SHA-256 of each inline script of the page that is one of the theme's
#   template scripts (Material's __md_scope, content-tab and anchor scripts); never
#   'unsafe-inline' or 'unsafe-eval' (charts use Vega's expression interpreter, ast: true
#   in portal.js). An inline script that is not in a template (e.g. one built from data)
#   gets no hash, so the browser would block it, and the build fails.
# - img-src data: Material's icons are data: SVG URLs in its stylesheet (mask-image).
# object-src, base-uri and form-action do not fall back to default-src, so they are set.
# style-src is not relaxed: tables use align attributes (mkdocs.yml) instead of style
# attributes, and vega-embed/vega-tooltip styles are in portal.css (no injected <style>).
POLICY = ("default-src 'self'; script-src 'self'{hashes}; img-src 'self' data:; "
          "object-src 'none'; base-uri 'self'; form-action 'self'")
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.S | re.I)
JS_TYPES = ("", "text/javascript", "application/javascript", "module")
JINJA = re.compile(r"({{.*?}}|{%.*?%}|{#.*?#})", re.S)
CHARSET = '<meta charset="utf-8">'


def policy(where: str, hashes, styles=()) -> str:
    """The policy text of the page built from `where` (a Markdown path or a theme page), with
    these inline-script hashes, and style-src only when the theme's script inserts styles
    (`styles`: their hashes; Zensical's search dialog)."""
    text = POLICY.format(hashes="".join(" " + h for h in sorted(hashes)))
    return text + ("; style-src 'self'" + "".join(" " + h for h in sorted(styles)) if styles else "")


def sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def runs_inline(attrs: str) -> bool:
    """A <script> with these attributes runs its own text (not src=, not a JSON data block)."""
    kind = re.search(r"""\btype\s*=\s*["']?([^"'\s>]*)""", attrs, re.I)
    return not re.search(r"\bsrc\s*=", attrs, re.I) and (not kind or kind.group(1).lower() in JS_TYPES)


@functools.lru_cache(maxsize=None)
def template_scripts(dirs: tuple):
    """One pattern matching the inline scripts of the theme's templates: literal text, with
    each {{ expression }} standing for a value without quotes, angle brackets or backslashes."""
    patterns = set()
    for d in dirs:
        for f in sorted(Path(d).rglob("*.html")):
            for attrs, body in SCRIPT.findall(f.read_text(encoding="utf-8")):
                if runs_inline(attrs) and "{%" not in body and "{#" not in body:
                    parts = JINJA.split(body)
                    patterns.add("".join(re.escape(p) if i % 2 == 0 else r"""[^"'<>\\`]*"""
                                         for i, p in enumerate(parts)))
    return re.compile("|".join(f"(?:{p})" for p in sorted(patterns)) or r"(?!)", re.S)


def add_csp(output: str, allowed, where: str, refused: list, styles=()) -> tuple:
    """Insert the policy right after <meta charset>, before any script; returns the page and
    the hashes it allows. An inline script `allowed` does not match is named in `refused`."""
    if CHARSET not in output:
        raise PortalError(f'Content-Security-Policy: {where} has no <meta charset="utf-8">')
    hashes = set()
    for attrs, body in SCRIPT.findall(output):
        if not runs_inline(attrs):
            continue
        if not allowed.fullmatch(body):
            refused.append(f"{where}: {body[:80]!r}")
            continue
        hashes.add(sha256(body))
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy(where, hashes, styles)}">'
    return output.replace(CHARSET, CHARSET + "\n" + meta, 1), hashes


def write_headers(site: Path, hashes: set, styles=()) -> None:
    """_headers: the same policy as HTTP headers, plus frame-ancestors (which a <meta> cannot
    set), for hosts that read that file (Netlify, Cloudflare Pages; GitHub Pages does not send
    custom headers: there the <meta> policy applies and framing cannot be refused)."""
    (site / "_headers").write_text(  # one rule per top-level path: /embed/ framable, /query/ WebAssembly
        headers.text(site, policy("_headers", hashes, styles)), encoding="utf-8")


URL_ENTRY = re.compile(r"(<url>\s*<loc>([^<]*)</loc>)(\s*<lastmod>[^<]*</lastmod>)?")
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def date_sitemap(site: Path, lastmod: dict) -> int:
    """Give every sitemap entry its <lastmod>: the page's front matter date when it has one, else
    the build date. Returns how many entries carry a front matter date."""
    path = site / "sitemap.xml"
    if not path.exists():
        return 0
    text = path.read_text(encoding="utf-8")
    locs = URL_ENTRY.findall(text)
    base = min((loc for _, loc, _ in locs), key=len, default="")
    today = build_date()
    dated = 0

    def entry(m):
        nonlocal dated
        when = lastmod.get(m.group(2)[len(base):], "")
        if DAY.fullmatch(when):
            dated += 1
        else:
            when = today
        return f"{m.group(1)}\n         <lastmod>{when}</lastmod>"

    text = URL_ENTRY.sub(entry, text)
    path.write_text(text, encoding="utf-8")
    if (site / "sitemap.xml.gz").exists():
        with gzip.GzipFile(site / "sitemap.xml.gz", "wb", mtime=0) as f:
            f.write(text.encode("utf-8"))
    return dated


def build_date() -> str:
    """Today in UTC, or SOURCE_DATE_EPOCH's day (as MkDocs dates its sitemap)."""
    import os

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = (datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc) if epoch
            else datetime.datetime.now(datetime.timezone.utc))
    return when.strftime("%Y-%m-%d")
