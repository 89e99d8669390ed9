"""Reference strings for a dataset or a report: GB/T 7714-2015, APA (7th ed.) and BibTeX.

Each names the original publisher and the portal, with the access date and the version.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from scripts.portal import settings
from scripts.portal.texts import Texts

T = Texts.beside(__file__, "meta_texts.yaml")
PORTAL_NAME = settings.portal_name()
PORTAL_NAME_EN = settings.portal_name_en()


@dataclass
class Work:
    """What is cited: a dataset ([DS/OL]) or a report page ([R])."""
    key: str            # BibTeX key, ASCII
    authors: str        # original publisher(s), comma-separated as in reports.json
    title: str
    title_en: str
    kind: str           # "dataset" | "report"
    version: str
    year: str           # year of the original publication
    url: str            # where the portal publishes it
    source_title: str   # the original report


def year_of(published: str) -> str:
    m = re.search(r"(19|20)\d\d", published or "")
    return m.group(0) if m else "n.d."


def authors_list(authors: str) -> list:
    return [a.strip() for a in re.split(T("citation.author_separators"), authors) if a.strip()]


def gbt7714(w: Work, accessed: dt.date) -> str:
    kind = "DS/OL" if w.kind == "dataset" else "R/OL"
    names = authors_list(w.authors)
    author = ", ".join(names[:3]) + (T("citation.et_al") if len(names) > 3 else "")
    return T("citation.gbt7714", author=author, title=w.title, kind=kind, version=w.version, portal=PORTAL_NAME,
             year=w.year, accessed=accessed.isoformat(), url=w.url)


def apa(w: Work, accessed: dt.date) -> str:
    names = authors_list(w.authors)
    if len(names) > 1:
        author = ", ".join(names[:-1]) + ", & " + names[-1]
    else:
        author = names[0] if names else PORTAL_NAME
    kind = "Data set" if w.kind == "dataset" else "Report"
    title = w.title + (f" [{w.title_en}]" if w.title_en else "")
    when = f"{accessed.strftime('%B')} {accessed.day}, {accessed.year}"
    return (f"{author}. ({w.year}). {title} (Version {w.version}) [{kind}]. "
            f"{PORTAL_NAME_EN} ({PORTAL_NAME}). Retrieved {when}, from {w.url}")


BIB_SPECIAL = re.compile(r"([\\{}%&$#_^~])")


def bib_escape(text: str) -> str:
    def repl(m):
        c = m.group(1)
        return {"\\": r"\textbackslash{}", "^": r"\^{}", "~": r"\~{}"}.get(c, "\\" + c)
    return BIB_SPECIAL.sub(repl, text)


def bibtex(w: Work, accessed: dt.date) -> str:
    names = authors_list(w.authors)
    author = "{" + (" and ".join("{" + bib_escape(n) + "}" for n in names) or "{" + PORTAL_NAME + "}") + "}"
    entry = "dataset" if w.kind == "dataset" else "techreport"
    fields = [
        ("author", author),
        ("title", "{" + bib_escape(w.title) + "}"),
        ("year", "{" + bib_escape(w.year) + "}"),
        ("version", "{" + bib_escape(w.version) + "}"),
        ("publisher", "{" + PORTAL_NAME + " (" + PORTAL_NAME_EN + ")}"),
        ("url", "{" + w.url.replace("}", "%7D").replace("{", "%7B") + "}"),
        ("urldate", "{" + accessed.isoformat() + "}"),
        ("note", "{" + bib_escape(T("citation.source_note", title=w.source_title)) + "}"),
    ]
    if entry == "techreport":
        fields.insert(4, ("institution", "{" + bib_escape(", ".join(names)) + "}"))
    key = re.sub(r"[^A-Za-z0-9_-]", "", w.key) or "portal"
    body = ",\n".join(f"  {k} = {v}" for k, v in fields)
    return f"@{entry}{{{key},\n{body}\n}}\n"


def all_formats(w: Work, accessed: dt.date) -> dict:
    return {"gbt7714": gbt7714(w, accessed), "apa": apa(w, accessed), "bibtex": bibtex(w, accessed)}


def for_package(pkg, url: str) -> Work:
    return Work(key=pkg.name, authors=pkg.report.publisher, title=pkg.title, title_en=pkg.title_en,
                kind="dataset", version=pkg.version, year=year_of(pkg.report.published), url=url,
                source_title=pkg.report.title)


def for_report(report, url: str, version: str) -> Work:
    return Work(key=report.slug, authors=report.publisher, title=report.title, title_en=report.title_en,
                kind="report", version=version, year=year_of(report.published), url=url,
                source_title=report.title)
