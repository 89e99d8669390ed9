"""MkDocs hooks for the portal (loaded by path from mkdocs.yml; imports nothing from the project).

- on_config: fail the build when jieba is missing (Material would silently stop segmenting
  Chinese), and take the navigation written by the build (docs/.nav.json), grouped by report.
- on_page_markdown: a page's front matter ``lastmod`` (dataset pages: the date of the
  package's version) becomes its <lastmod> in sitemap.xml instead of the build date.
- on_page_content: pages holding traditional characters get their simplified form as hidden
  text, so that a search for 沈阳 finds pages written with 瀋陽.
- on_post_page / on_post_template: a Content-Security-Policy <meta> (see POLICY) whose
  script-src allows the theme's own inline scripts by SHA-256, and nothing from page content.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import json
import logging
import re
from pathlib import Path

from mkdocs.exceptions import PluginError

NAV_FILE = ".nav.json"
TAG = re.compile(r"<[^>]+>")


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
    import zhconv

    text = html.unescape(TAG.sub(" ", html_text))
    extra = []
    seen = set()
    for token in text.split():
        simple = zhconv.convert(token, "zh-hans")
        if simple != token and simple not in seen:
            seen.add(simple)
            extra.append(simple)
    if not extra:
        return html_text
    hidden = html.escape(" ".join(extra))
    return (html_text + '\n<div class="portal-simplified" hidden lang="zh-Hans">'
            f"简体：{hidden}</div>\n")


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
    return add_csp("".join(parts), config, page.file.src_uri)


def on_post_template(output, template_name, config, **kwargs):
    if not template_name.endswith(".html"):  # 404.html; not sitemap.xml
        return output
    return add_csp(output, config, template_name)


def on_post_build(config, **kwargs):
    """Rewrite the search index as UTF-8 JSON: Material escapes every CJK character and
    zero-width space as \\uXXXX (6 bytes instead of 3), which nearly doubles its size."""
    index = Path(config["site_dir"]) / "search" / "search_index.json"
    if index.exists():
        data = json.loads(index.read_text(encoding="utf-8"))
        index.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


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
    policy = POLICY.format(hashes="".join(" " + h for h in sorted(hashes)))
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
    return output.replace(CHARSET, CHARSET + "\n" + meta, 1)
