"""The SQL page (/query/): read-only SQL over the published portal.sqlite in the reader's
browser. The page (query/index.md) holds the form, the example queries (query_texts.yaml) and
the data dictionary (every table and column of the database, from the same packages the
database is made of); portal-query.js runs the queries in a Web Worker (query/worker.js, hand
written) with sql.js, which sqljs.py copies into query/ at build time. Nothing of this is
loaded by any other page.
"""

from __future__ import annotations

from urllib.parse import quote

from scripts.portal.model.frames import FACTS_PACKAGE
from scripts.portal.texts import Texts
from scripts.portal.site import analysis_downloads as ad
from scripts.portal.site import pages, sqljs

T = Texts.beside(__file__, "query_texts.yaml")
DOC = "query/index.md"
DATABASE = "downloads/portal.sqlite"
WORKER = "query/worker.js"   # committed under docs/ (not generated)


def nav() -> list:
    return [{T("nav"): DOC}]


def dictionary(portal) -> list:
    """[{table, title, report, rows, columns: [{name, type, unit, title, description}]}] in the
    database's order: the packages, then the fact table (as analysis_downloads writes them)."""
    facts = portal.derived.get(FACTS_PACKAGE)
    out = []
    for pkg in portal.packages + ([facts] if facts else []):
        out.append({"table": ad.table_name(pkg), "title": pkg.title, "rows": len(pkg.rows),
                    "report": pkg.report.slug if pkg.report else ",".join(pkg.source.get("reports", [])),
                    "columns": [{"name": f.name, "type": ad.SQL_TYPES.get(f.type, "TEXT"), "unit": f.unit or "",
                                 "title": f.title or "", "description": f.description or ""} for f in pkg.fields]})
    return out


def examples() -> list:
    """[{label, sql, query}]: query is the ?sql= value of the example's link."""
    return [{**e, "query": quote(e["sql"], safe="")} for e in T.data("examples")]


def outputs(e, portal) -> dict[str, bytes]:
    """{docs-relative path: bytes}: the page and the vendored sql.js files."""
    page = pages.render(e, "query.md.j2", DOC, texts=T.all(), tables=dictionary(portal), examples=examples(),
                        database=DATABASE, worker=WORKER,
                        fm=pages.front_matter(title=T("title"), description=T("description")))
    out = {DOC: page.encode("utf-8")}
    out.update({rel: path.read_bytes() for rel, path in sqljs.files().items()})
    return out
