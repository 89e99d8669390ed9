"""MkDocs hooks for the portal (loaded by path from mkdocs.yml; imports nothing from the project).

- on_config: fail the build when jieba is missing (Material would silently stop segmenting
  Chinese), and take the navigation written by the build (docs/.nav.json), grouped by report.
- on_page_markdown: a page's front matter ``lastmod`` (dataset pages: the date of the
  package's version) becomes its <lastmod> in sitemap.xml instead of the build date.
- on_page_content: Markdown tables get data-label cells (cards.py) to become cards on a phone.
- on_page_content / on_post_build: the portal's own search index (search.py, loaded by path),
  built from every page's front matter, title, headings and prose; Material's index file is
  replaced by a stub holding only its search config.
- on_post_page / on_post_template: Material's search UI (box, keyboard, result list,
  highlighting) is kept, but its worker is swapped for the portal's (portal-search.js); and a
  Content-Security-Policy <meta> (see POLICY) whose script-src allows the theme's own inline
  scripts by SHA-256, and nothing from page content.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import importlib.util
import json
import logging
import re
import sys
from pathlib import Path

from mkdocs.exceptions import PluginError

from scripts.portal import settings

NAV_FILE = settings.nav_file()


def on_config(config, **kwargs):
    try:
        import jieba  # noqa: F401
    except ImportError:
        raise PluginError("jieba is not importable: Chinese search would not be segmented. "
                          "Install the pinned requirements.") from None
    try:
        import zhconv  # noqa: F401
    except ImportError:
        raise PluginError("zhconv is not importable: simplified search for traditional pages would stop.") from None
    SEEN_HASHES.clear()
    nav_file = Path(config["docs_dir"]) / NAV_FILE
    if nav_file.exists():
        config["nav"] = json.loads(nav_file.read_text(encoding="utf-8"))
    return config


def on_page_markdown(markdown, page, config, files, **kwargs):
    when = page.meta.get("lastmod")
    if when and re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(when)):
        page.update_date = str(when)
    return markdown


def on_page_content(html_text, page, config, files, **kwargs):
    SEARCH_PAGES.append(search_module().page_from_html(page.url, page.meta, page.title, html_text))
    return cards_module().cards(html_text)   # Markdown tables become cards on a phone (cards.py)


@functools.lru_cache(maxsize=None)
def cards_module():
    spec = importlib.util.spec_from_file_location("portal_cards", Path(__file__).with_name("cards.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SEARCH_PAGES: list = []   # this build's pages, for the search index (reset in on_pre_build)
MATERIAL_WORKER = re.compile(r'("search":\s*"[^"]*?)assets/javascripts/workers/search\.[0-9a-f]+\.min\.js"')
PORTAL_WORKER = "assets/javascripts/portal-search.js"


def on_pre_build(config, **kwargs):
    SEARCH_PAGES.clear()


@functools.lru_cache(maxsize=None)
def search_module():
    spec = importlib.util.spec_from_file_location("portal_search_index", Path(__file__).with_name("search.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # (dataclasses look their module up)
    spec.loader.exec_module(module)
    return module


def use_portal_search(output: str, where: str) -> str:
    """Point Material's search UI at the portal's worker (in the page's __config)."""
    if 'id="__config"' not in output:
        return output
    swapped, n = MATERIAL_WORKER.subn(r'\1' + PORTAL_WORKER + '"', output, count=1)
    if n != 1:
        raise PluginError(f"search: {where}: Material's search worker is not in __config; "
                          "the portal's search would not be used (Material changed?)")
    return swapped


PRE = re.compile(r"(<pre\b.*?</pre>|<textarea\b.*?</textarea>|<script\b.*?</script>)", re.S)


def on_post_page(output, page, config, **kwargs):
    """Drop the indentation and blank lines of Material's templates (about 40% of a page),
    and add the Content-Security-Policy.

    A newline is kept wherever there was whitespace, so rendering is unchanged; <pre>,
    <textarea> and <script> blocks are left exactly as they are.
    """
    parts = PRE.split(output)
    for i in range(0, len(parts), 2):
        parts[i] = re.sub(r"\n\s+", "\n", parts[i])
    return add_csp(defer_scripts(use_portal_search("".join(parts), page.file.src_uri)), config, page.file.src_uri)


EXTERNAL_SCRIPT = re.compile(r"<script\b(?![^>]*\b(?:defer|async|type)\b)([^>]*\bsrc=[^>]*)>", re.I)


def defer_scripts(output: str) -> str:
    """Give every external classic script (Material's bundle, portal.js) `defer`: it runs in the
    same order, after the page is parsed, and no longer holds back the first paint (Lighthouse
    counted the 114 KB bundle at the end of <body> as render-blocking on a slow phone)."""
    return EXTERNAL_SCRIPT.sub(r"<script defer\1>", output)


def on_post_template(output, template_name, config, **kwargs):
    if not template_name.endswith(".html"):  # 404.html; not sitemap.xml
        return output
    return add_csp(defer_scripts(use_portal_search(output, template_name)), config, template_name)


def on_post_build(config, **kwargs):
    """Write the portal's search index (and the stub in place of Material's index), and
    _headers: the same policy as HTTP headers, plus frame-ancestors (which a <meta> cannot
    set), for hosts that read that file (Netlify, Cloudflare Pages; GitHub Pages does not send
    custom headers: there the <meta> policy applies and framing cannot be refused)."""
    search_module().write(Path(config["site_dir"]), SEARCH_PAGES)
    policy = POLICY.format(hashes="".join(" " + h for h in sorted(SEEN_HASHES))) + "; frame-ancestors 'none'"
    (Path(config["site_dir"]) / "_headers").write_text(
        "/*\n"
        f"  Content-Security-Policy: {policy}\n"
        "  X-Content-Type-Options: nosniff\n"
        "  Referrer-Policy: strict-origin-when-cross-origin\n", encoding="utf-8")


# Content-Security-Policy, as a <meta> (a static site sends no headers; frame-ancestors,
# report-uri and sandbox cannot be set this way). Every relaxation of default-src 'self':
# - script-src: the SHA-256 of each inline script of the page that is one of the theme's
#   template scripts (Material's __md_scope, content-tab and anchor scripts); never
#   'unsafe-inline' or 'unsafe-eval' (charts use Vega's expression interpreter, ast: true
#   in portal.js). An inline script that is not in a template (e.g. one built from data)
#   gets no hash, so the browser blocks it, and the build warns (fails under --strict).
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
SEEN_HASHES: set = set()   # every allowed inline-script hash of this build (for _headers)
log = logging.getLogger("mkdocs.hooks.portal")


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


def add_csp(output: str, config, where: str) -> str:
    """Insert the policy right after <meta charset>, before any script."""
    if CHARSET not in output:
        raise PluginError(f'Content-Security-Policy: {where} has no <meta charset="utf-8">')
    allowed = template_scripts(tuple(str(d) for d in config["theme"].dirs))
    hashes = set()
    for attrs, body in SCRIPT.findall(output):
        if not runs_inline(attrs):
            continue
        if not allowed.fullmatch(body):
            log.warning("Content-Security-Policy: %s has an inline script that is not in a theme "
                        "template; it is not allowed and will not run: %.80r", where, body)
            continue
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode("ascii")
        hashes.add(f"'sha256-{digest}'")
    SEEN_HASHES.update(hashes)
    policy = POLICY.format(hashes="".join(" " + h for h in sorted(hashes)))
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
    return output.replace(CHARSET, CHARSET + "\n" + meta, 1)
