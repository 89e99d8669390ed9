"""Generate the site's pages, charts, downloads and catalogues into docs/ from datapackages/.

    python -m scripts.portal.site.build [--packages DIR] [--docs DIR] [--site-url URL]

Then ``mkdocs build --strict`` turns docs/ into the static site.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

from scripts.portal import __version__, paths
from scripts.portal.errors import PortalError

GENERATED = ("index.md", "catalog.md", "comparisons.md", "catalog.jsonld", ".nav.json", "reports", "datasets",
             "downloads", "api", "assets/charts", "assets/vendor")
DEFAULT_SITE_URL = "http://127.0.0.1:8000/"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--packages", type=Path, default=None,
                        help="data packages directory (default: datapackages/ or $PORTAL_PACKAGES)")
    parser.add_argument("--docs", type=Path, default=None, help="MkDocs docs directory to generate into (default: docs/)")
    parser.add_argument("--site-url", default=None,
                        help=f"absolute URL the site is served from, for catalogues and citations "
                             f"(default: $PORTAL_SITE_URL or {DEFAULT_SITE_URL})")
    parser.add_argument("--date", default=None,
                        help="access date printed in citations, YYYY-MM-DD (default: $SOURCE_DATE_EPOCH or today)")
    parser.add_argument("--no-png", action="store_true", help="skip PNG charts (SVG only)")
    parser.add_argument("--cache", type=Path, default=None, help="chart/vendor cache (default: .cache/site)")
    parser.add_argument("--quiet", action="store_true", help="print only the summary")


def run(args) -> int:
    started = time.perf_counter()
    say = (lambda *a: None) if args.quiet else (lambda *a: print(*a, flush=True))
    require_jieba()
    from scripts.portal.site import catalog, charts, citation, compare, downloads, pages, vendor
    from scripts.portal.site.load import load_portal

    packages_dir = Path(args.packages or paths.packages_dir())
    docs = Path(args.docs or paths.DOCS)
    cache = Path(args.cache or paths.ROOT / ".cache" / "site")
    site_url = site_url_of(args)
    accessed = access_date(args.date)

    portal = load_portal(packages_dir)
    total_rows = sum(len(p.rows) for p in portal.packages)
    say(f"build: {len(portal.reports)} reports, {len(portal.packages)} packages, {total_rows} rows from {packages_dir}")
    written = set()

    bundle = vendor.vendor(docs / "assets" / "vendor", cache)
    written.add(bundle)

    # charts: one or more per package, plus the comparisons page
    chart_map = {pkg.name: charts.choose(pkg) for pkg in portal.packages}
    cfg = compare.load_config()
    pairings = compare.pairings(portal, cfg)
    ranks = compare.ranks(portal, cfg.get("highlight", "辽宁"))
    rank_chart = compare.rank_chart(ranks, cfg.get("highlight", "辽宁"), cfg.get("short_names"))
    extra = [p.chart for p in pairings] + ([rank_chart] if rank_chart else [])
    all_charts = [c for cs in chart_map.values() for c in cs] + extra
    png = not args.no_png and charts.cjk_font_available()
    if not png and not args.no_png:
        say("build: no 'Noto Sans CJK SC' font (apt-get install fonts-noto-cjk): PNG charts skipped")
    t = time.perf_counter()

    def progress(i, n, name):
        if i == n or i % 10 == 0:
            say(f"build: charts {i}/{n} ({time.perf_counter() - t:.1f}s)")

    stats = charts.render(all_charts, docs / "assets" / "charts", cache / "charts", png=png, progress=progress)
    for c in all_charts:
        written |= {docs / "assets" / "charts" / f"{c.id}.{ext}" for ext in ("vl.json", "svg", "png")}
    say(f"build: charts {stats['charts']} ({stats['rendered']} files rendered, {stats['cached']} from cache, "
        f"PNG {'yes' if png else 'no'})")

    # citations, downloads, catalogues
    cites = {}
    for pkg in portal.packages:
        cites[pkg.name] = citation.all_formats(citation.for_package(pkg, site_url + catalog.page_path(pkg)), accessed)
    for report in portal.reports:
        work = citation.for_report(report, site_url + catalog.report_path(report), __version__)
        cites[f"report:{report.slug}"] = citation.all_formats(work, accessed)
    dl = {}
    for pkg in portal.packages:
        c = cites[pkg.name]
        dl[pkg.name] = downloads.package_downloads(pkg, docs, package_readme(pkg, site_url),
                                                   c["gbt7714"] + "\n\n" + c["apa"] + "\n", c["bibtex"])
    all_zip = downloads.portal_zip(portal, packages_dir, docs, portal_readme(portal, site_url))
    written |= {docs / d.path for ds in dl.values() for d in ds} | {docs / all_zip.path}
    say(f"build: downloads {sum(len(v) for v in dl.values()) + 1} files "
        f"({sum(d.bytes for ds in dl.values() for d in ds) + all_zip.bytes:,} bytes)")

    catalog.write_json(docs / "catalog.jsonld", catalog.dcat_catalog(portal, dl, site_url, accessed.isoformat()))
    catalog.write_json(docs / "api" / "datasets.json",
                       {"version": __version__, "generated": accessed.isoformat(),
                        "datasets": [catalog.api_entry(p, dl[p.name], site_url) for p in portal.packages]})
    written |= {docs / "catalog.jsonld", docs / "api" / "datasets.json"}
    for pkg in portal.packages:
        catalog.write_json(docs / "api" / f"{pkg.name}.json", catalog.api_detail(pkg, dl[pkg.name], site_url, cites[pkg.name]))
        written.add(docs / "api" / f"{pkg.name}.json")

    # pages
    data = pages.SiteData(portal=portal, downloads=dl, charts=chart_map, citations=cites, site_url=site_url,
                          accessed=accessed.isoformat(), portal_zip=all_zip,
                          comparisons={"pairings": pairings, "ranks": ranks, "rank_chart": rank_chart,
                                       "targets": compare.targets(portal)})
    data.total_rows = total_rows
    docs_written = pages.write_pages(data, docs)
    written |= {docs / d for d in docs_written} | {docs / pages.NAV_FILE}
    removed = remove_stale(docs, written)
    say(f"build: pages {len(docs_written)} ({len(portal.packages)} datasets, {len(portal.reports)} reports)"
        + (f", removed {removed} stale files" if removed else ""))
    print(f"build: done in {time.perf_counter() - started:.1f}s -> {docs}", flush=True)
    return 0


def require_jieba() -> None:
    try:
        import jieba  # noqa: F401  (Material's search segments Chinese only when jieba imports)
    except ImportError:
        raise PortalError("jieba is not importable: Chinese search segmentation would silently stop. "
                          "Install the pinned requirements (pip install -r requirements.txt).") from None


def site_url_of(args) -> str:
    url = args.site_url or os.environ.get("PORTAL_SITE_URL") or DEFAULT_SITE_URL
    return url if url.endswith("/") else url + "/"


def access_date(text: str | None) -> dt.date:
    if text:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise PortalError(f"--date '{text}' is not YYYY-MM-DD") from None
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date()
    return dt.date.today()


def remove_stale(docs: Path, written: set) -> int:
    """Delete generated files that this build did not write (e.g. a removed package)."""
    keep = {p.resolve() for p in written}
    removed = 0
    for name in GENERATED:
        base = docs / name
        files = [base] if base.is_file() else (p for p in base.rglob("*") if p.is_file()) if base.is_dir() else []
        for p in list(files):
            if p.resolve() not in keep:
                p.unlink()
                removed += 1
    return removed


def package_readme(pkg, site_url: str) -> str:
    src = pkg.source
    return (f"# {pkg.title}\n\n{pkg.title_en}\n\n{pkg.description}\n\n"
            f"- 数据集 / dataset: {pkg.name} (version {pkg.version})\n"
            f"- 报告 / report: {pkg.report.title} ({pkg.report.publisher}, {pkg.report.published})\n"
            f"- 表号 / table: {src.get('table', '')} — {src.get('caption', '')}\n"
            f"- 页面 / page: {site_url}datasets/{pkg.name}/\n"
            f"- 许可 / licence: {', '.join(l.get('name', '') for l in pkg.licenses)}\n\n"
            "文件 / files: datapackage.json (Data Package v2), data.csv (UTF-8), CITATION.txt, CITATION.bib\n\n"
            "校验 / validate: pip install frictionless==5.21.0 && frictionless validate datapackage.json\n")


def portal_readme(portal, site_url: str) -> str:
    lines = [f"# 辽宁数字发展开放数据门户 — all data packages\n", f"{site_url}\n",
             f"{len(portal.packages)} packages from {len(portal.reports)} reports; reports.json is the report registry.\n"]
    lines += [f"- {p.name}: {p.title}" for p in portal.packages]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.portal.site.build", description=__doc__.splitlines()[0])
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except PortalError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
