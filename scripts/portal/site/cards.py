"""Tables that turn into cards on a phone (issue 20): every table of a page's content that
Markdown wrote (no attribute of its own) gets ``data-cards`` and, on each body cell,
``data-label`` = its column's header, so that portal.css can show each row as a small card
(label: value) below 45em, as the indicator and key-figure tables already are. No class is
added: on wider screens the theme styles the table as any other. Plain HTML in, HTML out (no
theme or engine involved); run by postbuild.py on each built page. Themes' own markup holds no
bare <table>.
"""

from __future__ import annotations

import html
import re

TABLE = re.compile(r"<table>(.*?)</table>", re.S)          # Markdown's tables carry no attribute
HEAD_CELL = re.compile(r"<th\b[^>]*>(.*?)</th>", re.S)
ROW = re.compile(r"<tr\b[^>]*>(.*?)</tr>", re.S)
BODY_CELL = re.compile(r"<(td|th)\b")
TAG = re.compile(r"<[^>]+>")


def header_labels(thead: str) -> list:
    """The header cells' text (markup dropped, entities kept escaped for an attribute)."""
    return [html.escape(html.unescape(TAG.sub("", cell)).strip(), quote=True) for cell in HEAD_CELL.findall(thead)]


def label_row(row: str, labels: list) -> str:
    count = iter(range(len(labels) + 10**6))

    def add(m):
        i = next(count)
        label = labels[i] if i < len(labels) else ""
        return f'<{m.group(1)} data-label="{label}"' if label else m.group(0)
    return BODY_CELL.sub(add, row)


def card_table(m: re.Match) -> str:
    inner = m.group(1)
    head_end = inner.find("</thead>")
    if head_end < 0:
        return m.group(0)
    labels = header_labels(inner[:head_end])
    body = ROW.sub(lambda r: r.group(0).replace(r.group(1), label_row(r.group(1), labels), 1), inner[head_end:])
    return f'<table data-cards>{inner[:head_end]}{body}</table>'


def cards(page_html: str) -> str:
    """Every Markdown table of a page, labelled for cards."""
    return TABLE.sub(card_table, page_html)
