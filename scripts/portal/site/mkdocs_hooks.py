"""MkDocs hooks for the portal (loaded by path from mkdocs.yml; imports nothing from the project).

- on_config: fail the build when jieba is missing (Material would silently stop segmenting
  Chinese), and take the navigation written by the build (docs/.nav.json), grouped by report.
- on_page_content: pages holding traditional characters get their simplified form as hidden
  text, so that a search for 沈阳 finds pages written with 瀋陽.
"""

from __future__ import annotations

import html
import json
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
    """Drop the indentation and blank lines of Material's templates (about 40% of a page).

    A newline is kept wherever there was whitespace, so rendering is unchanged; <pre>,
    <textarea> and <script> blocks are left exactly as they are.
    """
    parts = PRE.split(output)
    for i in range(0, len(parts), 2):
        parts[i] = re.sub(r"\n\s+", "\n", parts[i])
    return "".join(parts)


def on_post_build(config, **kwargs):
    """Rewrite the search index as UTF-8 JSON: Material escapes every CJK character and
    zero-width space as \\uXXXX (6 bytes instead of 3), which nearly doubles its size."""
    index = Path(config["site_dir"]) / "search" / "search_index.json"
    if index.exists():
        data = json.loads(index.read_text(encoding="utf-8"))
        index.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
