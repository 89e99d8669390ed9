"""The Atom feed of datasets (feed.xml): one entry per package and version, with the date
that version was published, linked from every page's head (overrides/main.html).

A version's date is the descriptor's ``created`` (Data Package v2; set it in the recipe
when a new version is published), else the report's publication date (YYYY or YYYY-MM
completed to the first day). The same date is the dataset page's ``lastmod`` in the
sitemap (front matter ``lastmod``, applied after the engine by postbuild.py).
"""

from __future__ import annotations

import datetime as dt
import re
from xml.sax.saxutils import escape as _escape, quoteattr as _quoteattr

from scripts.portal.site.catalog import http_iri, page_path
from scripts.portal.texts import Texts
from scripts.portal.site.citation import PORTAL_NAME

T = Texts.beside(__file__, "meta_texts.yaml")

FEED = "feed.xml"
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def escape(text) -> str:
    """Text for XML content: escaped, characters XML 1.0 does not allow dropped."""
    return _escape(NOT_XML.sub("", str(text)))


def quoteattr(text) -> str:
    return _quoteattr(NOT_XML.sub("", str(text)))


DATE = re.compile(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?")


def updated(pkg) -> str:
    """RFC 3339 date-time of the package's current version ("" when nothing gives one)."""
    for text in (pkg.descriptor.get("created"), pkg.report.published):
        m = DATE.match(str(text or "").strip())
        if m:
            y, mo, d, h, mi, s = (int(g) if g else None for g in m.groups())
            try:
                when = dt.datetime(y, mo or 1, d or 1, h or 0, mi or 0, s or 0, tzinfo=dt.timezone.utc)
            except ValueError:
                continue
            return when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return ""


def lastmod(pkg) -> str:
    """The sitemap date (YYYY-MM-DD) of the package's page."""
    return updated(pkg)[:10]


def entry(pkg, site_url: str) -> str:
    url = site_url + page_path(pkg)
    when = updated(pkg) or "1970-01-01T00:00:00Z"
    source = http_iri(pkg.report.url)
    lines = [
        "<entry>",
        f"<id>{escape(url)}#version-{escape(pkg.version)}</id>",
        f"<title>{T('feed.entry_title', title=escape(pkg.title), version=escape(pkg.version))}</title>",
        f"<link rel=\"alternate\" type=\"text/html\" href={quoteattr(url)}/>",
        f"<updated>{when}</updated>",
        f"<author><name>{escape(pkg.report.publisher or PORTAL_NAME)}</name></author>",
        f"<summary>{escape(pkg.description or pkg.title)}</summary>",
        *(f"<category term={quoteattr(k)}/>" for k in pkg.keywords),
        *([f"<link rel=\"related\" href={quoteattr(source)}/>"] if source else []),
        "</entry>",
    ]
    return "\n".join(lines)


def atom(portal, site_url: str, generated: str, extra: list = ()) -> bytes:
    """The feed, newest entries first (ties in portal order, then `extra`: (updated, entry) of
    datasets that are not report packages, e.g. the fact table's, facts_dataset.py)."""
    entries = sorted([(updated(p), entry(p, site_url)) for p in portal.packages] + [tuple(x) for x in extra],
                     key=lambda x: x[0], reverse=True)
    newest = max((when for when, _ in entries), default="") or f"{generated}T00:00:00Z"
    head = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN">',
        f"<id>{escape(site_url + FEED)}</id>",
        f"<title>{T('feed.title', portal=escape(PORTAL_NAME))}</title>",
        f"<link rel=\"self\" type=\"application/atom+xml\" href={quoteattr(site_url + FEED)}/>",
        f"<link rel=\"alternate\" type=\"text/html\" href={quoteattr(site_url + 'catalog/')}/>",
        f"<updated>{newest}</updated>",
        f"<author><name>{escape(PORTAL_NAME)}</name></author>",
    ]
    body = [text for _, text in entries]
    return ("\n".join(head + body + ["</feed>"]) + "\n").encode("utf-8")
