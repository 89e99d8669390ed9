"""Generate the site's pages, charts, downloads and catalogues into docs/ from datapackages/.

    python -m scripts.portal build [--packages DIR] [--docs DIR] [--site-url URL]

Then ``mkdocs build --strict`` turns docs/ into the static site.

Incremental and parallel (see cache.py and units.py): when a build of the same inputs (code,
options, every package) is recorded in the cache, its files are linked into docs/ and nothing
else runs. Otherwise each package whose own inputs changed is built again, in worker
processes (one per core) when there are several; the pages and files that look at every
package (home, reports, catalogue, comparisons, catalog.jsonld, api/datasets.json, the
whole-portal ZIP, navigation) are made again from the packages' cached records. Output bytes
do not depend on what came from the cache.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import sys
import time
from pathlib import Path

from scripts.portal import __version__, paths
from scripts.portal.errors import PortalError

GENERATED = ("index.md", "catalog.md", "comparisons.md", "catalog.jsonld", "feed.xml", ".nav.json", "reports", "datasets",
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
    parser.add_argument("--png", action="store_true",
                        help="also render a PNG of every chart at build time (default: SVG only; the pages "
                             "make a PNG from the SVG in the browser on demand)")
    parser.add_argument("--no-png", action="store_true", help="SVG only (the default; kept for old scripts)")
    parser.add_argument("--cache", type=Path, default=None, help="chart/vendor cache (default: .cache/site)")
    parser.add_argument("--quiet", action="store_true", help="print only the summary")


def run(args) -> int:
    started = time.perf_counter()
    say = (lambda *a: None) if args.quiet else (lambda *a: print(*a, flush=True))
    require_jieba()
    from scripts.portal.site import cache as bc
    from scripts.portal.site.charts import cjk_font_available

    packages_dir = Path(args.packages or paths.packages_dir())
    docs = Path(args.docs or paths.DOCS)
    cache = Path(args.cache or paths.ROOT / ".cache" / "site")
    site_url = site_url_of(args)
    accessed = access_date(args.date)
    png = args.png and not args.no_png and cjk_font_available()
    if args.png and not png and not args.no_png:
        say("build: no 'Noto Sans CJK SC' font (apt-get install fonts-noto-cjk): PNG charts skipped")
    store = bc.Store(cache)
    with store.lock():
        code = bc.code_version()
        options = bc.digest(site_url, accessed.isoformat(), png)
        inputs = bc.scan(packages_dir)
        key = bc.digest("build", code, options, inputs[0], *(x for pair in inputs[1] for x in pair)) if inputs else None
        record = store.record("builds", key) if key else None
        if record is not None:
            try:
                written = bc.materialize(store, docs, record["files"])
            except FileNotFoundError:  # a blob went missing: build it all again
                record = None
            else:
                removed = bc.remove_stale(docs, GENERATED, set(record["files"]))
                n = record.get("summary", {})
                say(f"build: nothing changed since a build of the same inputs: {len(record['files'])} files "
                    f"from the cache ({n.get('reports', '?')} reports, {n.get('packages', '?')} packages), "
                    f"{written} written" + (f", removed {removed} stale files" if removed else ""))
        if record is None:
            generate(packages_dir, docs, store, code, options, key, site_url, accessed, png, say,
                     len(inputs[1]) if inputs else 0, args.quiet)
    print(f"build: done in {time.perf_counter() - started:.1f}s -> {docs}", flush=True)
    return 0


PARALLEL_MIN = 4                # packages to generate before worker processes pay for their start-up
LARGE_RASTER = 256 * 2 ** 20    # a chart whose PNG needs more pixel memory is rendered last, alone
SEPARATE_FROM = 1000            # packages from which the pages are made in a child process (see generate)


def generate(packages_dir, docs, store, code, options, key, site_url, accessed, png, say,
             packages: int = 0, quiet: bool = False) -> None:
    """Build what the cache does not have: changed packages (in worker processes when there
    are several), then the pages and files that look at every package, then very large
    charts, alone: after the worker processes have exited and the packages were let go, so
    that their raster (hundreds of MB at thousands of packages) is the only big thing in
    memory. Python does not give the memory of the loaded packages back to the system, so
    for a large portal the packages are loaded in a child process that ends before that."""
    from scripts.portal.site import cache as bc
    from scripts.portal.site import workers as units

    ctx = units.Context(site_url, accessed.isoformat(), png, str(store.root))
    if packages >= SEPARATE_FROM:
        with units.pool(1) as child:
            status, result = child.submit(collect_apart, packages_dir, store.root, code, options, key, ctx,
                                          quiet).result()
        if status == "error":
            raise units.error(result)
        files, key, large, stats, record = result
    else:
        files, key, large, stats, record = collect(packages_dir, store, code, options, key, ctx, say)
    for c in large:
        made, c.png, r, k = units.render_chart(c, ctx)
        files.update(made)
        stats["rendered"], stats["cached"] = stats["rendered"] + r, stats["cached"] + k
    say(f"build: charts {stats['charts']} ({stats['rendered']} files rendered, {stats['cached']} from cache, "
        f"PNG {'yes' if png else 'no'})")
    say(f"build: downloads {stats['downloads']} files ({stats['download_bytes']:,} bytes)")
    written = bc.materialize(store, docs, files)
    removed = bc.remove_stale(docs, GENERATED, set(files))
    say(f"build: pages {stats['pages']} ({record['summary']['packages']} datasets, "
        f"{record['summary']['reports']} reports); {written} of {len(files)} files written"
        + (f", removed {removed} stale files" if removed else ""))
    if key:
        store.put_record("builds", key, {**record, "files": files})
    store.prune()


def collect_apart(packages_dir, root, code, options, key, ctx, quiet) -> tuple:
    """collect() in a child process: ("ok", its result) or ("error", PortalError fields)."""
    from scripts.portal.site import cache as bc

    say = (lambda *a: None) if quiet else (lambda *a: print(*a, flush=True))
    try:
        return "ok", collect(Path(packages_dir), bc.Store(root), code, options, key, ctx, say)
    except PortalError as e:
        return "error", (e.message, e.package, e.file, e.row, e.field)


def collect(packages_dir, store, code, options, key, ctx, say) -> tuple:
    """Every generated file into the store but the large charts: (files {path: blob}, build key
    or None, large charts, stats, build record without its files)."""
    import datetime as dt
    import json
    from concurrent.futures import as_completed

    from scripts.portal.site import cache as bc
    from scripts.portal.site import catalog, charts, citation, compare, downloads, feed, fonts, pages, vendor
    from scripts.portal.site import workers as units
    from scripts.portal.model.reader import REPORT_KEYS, load_portal

    site_url, accessed = ctx.site_url, dt.date.fromisoformat(ctx.accessed)
    portal = load_portal(packages_dir)
    total_rows = sum(len(p.rows) for p in portal.packages)
    say(f"build: {len(portal.reports)} reports, {len(portal.packages)} packages, {total_rows} rows from {packages_dir}")
    records, todo, unit_keys, fingerprints = {}, [], {}, {}
    for pkg in portal.packages:
        report = {k: getattr(pkg.report, k) for k in REPORT_KEYS}
        fingerprints[pkg.name] = fp = bc.package_fingerprint((pkg.path / "datapackage.json").read_bytes(),
                                                             pkg.csv_bytes)
        unit_keys[pkg.name] = ukey = bc.digest("unit", code, options, json.dumps(report, sort_keys=True), pkg.name, fp)
        record = store.record("units", ukey)
        if record is not None and store.has(record["files"].values()):
            records[pkg.name] = record
        else:
            todo.append((pkg, report, ukey))
    if key and key != bc.digest("build", code, options, bc.sha256_file(packages_dir / "reports.json"),
                                *(x for pair in sorted(fingerprints.items()) for x in pair)):
        key = None  # the packages changed since they were scanned: no build record for this run
    bundle = vendor.cached_bundle(store.root)
    workers = min(units.workers(), len(todo)) if len(todo) >= PARALLEL_MIN else 1
    say(f"build: {len(todo)} packages to generate" + (f" ({workers} processes)" if workers > 1 else "")
        + f", {len(records)} unchanged (from the cache)")

    t = time.perf_counter()
    errors, stats, extra_files = {}, {"rendered": 0, "cached": 0}, {}

    def done(name, status, result):
        if status == "error":
            errors[name] = result
            return
        records[name] = result
        stats["rendered"] += result["rendered"]
        stats["cached"] += result["cached"]
        i = len(records) + len(errors) - (len(portal.packages) - len(todo))
        if i == len(todo) or i % 25 == 0:
            say(f"build: packages {i}/{len(todo)} ({time.perf_counter() - t:.1f}s)")

    def chart_done(c, result):
        made, c.png, r, k = result
        extra_files.update(made)
        stats["rendered"], stats["cached"] = stats["rendered"] + r, stats["cached"] + k

    if workers > 1:
        pool = units.pool(workers)
        try:
            bundle_job = None if bundle.exists() else pool.submit(units.bundle, str(store.root))
            for _ in range(workers - (1 if bundle_job else 0)):
                pool.submit(units.warm_up)  # start every worker now
            # while the workers start: the font subset the workers measure chart text with
            # (fonts.py), and the comparisons page's charts
            ctx = dataclasses.replace(ctx, fonts=fonts.prepare(store.root, fonts.chart_texts(portal)))
            cmp, extra_charts = comparisons(portal, compare)
            small = [c for c in extra_charts if charts.raster_bytes(c) <= LARGE_RASTER]
            chart_jobs = [(c, pool.submit(units.render_chart, c, ctx)) for c in small]
            jobs = [pool.submit(units.work, (str(pkg.path), report, ukey, fingerprints[pkg.name], ctx))
                    for pkg, report, ukey in sorted(todo, key=lambda x: -len(x[0].rows) * len(x[0].fields))]
            for job in as_completed(jobs):
                status, name, result = job.result()
                done(name, status, result)
            for c, job in chart_jobs:
                chart_done(c, job.result())
            if bundle_job:
                bundle_job.result()
        finally:  # on an error, do not wait for the packages still queued
            pool.shutdown(wait=True, cancel_futures=True)
    else:
        for pkg, report, ukey in todo:
            try:
                done(pkg.name, "ok", units.build(pkg, ctx, ukey))
            except PortalError as e:
                errors[pkg.name] = (e.message, e.package, e.file, e.row, e.field)
                break
        cmp, extra_charts = comparisons(portal, compare)
        small = [c for c in extra_charts if charts.raster_bytes(c) <= LARGE_RASTER]
        if not errors:
            for c in small:
                chart_done(c, units.render_chart(c, ctx))
    if errors:  # the first broken package in portal order, as a sequential build would report it
        raise units.error(next(errors[p.name] for p in portal.packages if p.name in errors))
    large = [c for c in extra_charts if all(c is not s for s in small)]
    for c in large:
        c.png = ctx.png  # rendered last (see generate); the pages only need to know there is a PNG
    bundle = vendor.bundle_file(store.root)

    # the files that look at every package, from the unit records
    dl = {p.name: [downloads.Download(**d) for d in records[p.name]["downloads"]] for p in portal.packages}
    chart_map = {p.name: [charts.Chart(c["id"], c["title"], c["description"], None, c["png"])
                          for c in records[p.name]["charts"]] for p in portal.packages}
    cites = {}
    for report in portal.reports:
        work = citation.for_report(report, site_url + catalog.report_path(report), __version__)
        cites[f"report:{report.slug}"] = citation.all_formats(work, accessed)
    all_zip, zip_data = downloads.portal_zip_file(portal, packages_dir, portal_readme(portal, site_url))
    data = pages.SiteData(portal=portal, downloads=dl, charts=chart_map, citations=cites, site_url=site_url,
                          accessed=ctx.accessed, portal_zip=all_zip, comparisons=cmp)
    data.total_rows = total_rows
    global_pages = pages.global_pages(pages.env(store.root / "jinja"), data)

    # every file, in the order a build writing them one by one would (later ones win a clash)
    def unit_files(prefix):
        return {rel: sha for p in portal.packages for rel, sha in records[p.name]["files"].items()
                if rel.startswith(prefix)}

    files = {f"assets/vendor/{vendor.BUNDLE}": store.put(bundle.read_bytes(), bundle)}
    files.update(unit_files("assets/charts/"))
    files.update(extra_files)  # (the large charts come last, and win too)
    files.update(unit_files("downloads/"))
    files[all_zip.path] = store.put(zip_data)
    files["catalog.jsonld"] = store.put(catalog.json_bytes_with(
        catalog.dcat_catalog_head(site_url, ctx.accessed), "dcat:dataset",
        [records[p.name]["dcat"] for p in portal.packages]))
    files[feed.FEED] = store.put(feed.atom(portal, site_url, ctx.accessed))
    files["api/datasets.json"] = store.put(catalog.json_bytes_with(
        {"version": __version__, "generated": ctx.accessed}, "datasets",
        [records[p.name]["api"] for p in portal.packages]))
    files.update(unit_files("api/"))
    page_docs = [d for d in global_pages if d not in ("catalog.md", "comparisons.md")]
    files.update({d: store.put(global_pages[d].encode("utf-8")) for d in page_docs})
    own_pages = unit_files("datasets/")
    files.update(own_pages)
    files.update({d: store.put(global_pages[d].encode("utf-8")) for d in ("catalog.md", "comparisons.md")})
    files[pages.NAV_FILE] = store.put(pages.nav_text(portal).encode("utf-8"))

    rebuilt = {pkg.name for pkg, _, _ in todo}
    stats["cached"] += sum(1 for name, rec in records.items() if name not in rebuilt
                           for rel in rec["files"] if rel.startswith("assets/charts/") and rel.endswith((".svg", ".png")))
    stats.update(charts=sum(len(v) for v in chart_map.values()) + len(extra_charts),
                 downloads=sum(len(v) for v in dl.values()) + 1,
                 download_bytes=sum(d.bytes for ds in dl.values() for d in ds) + all_zip.bytes,
                 pages=len(global_pages) + len(own_pages))
    record = {"units": sorted(unit_keys.values()),
              "summary": {"reports": len(portal.reports), "packages": len(portal.packages), "rows": total_rows}}
    return files, key, large, stats, record


def comparisons(portal, compare) -> tuple:
    """The comparisons page's data and its charts (Liaoning vs national, ranks)."""
    cfg = compare.load_config()
    pairings = compare.pairings(portal, cfg)
    ranks = compare.ranks(portal, cfg.get("highlight", "辽宁"))
    rank_chart = compare.rank_chart(ranks, cfg.get("highlight", "辽宁"), cfg.get("short_names"))
    extra = [p.chart for p in pairings] + ([rank_chart] if rank_chart else [])
    return ({"pairings": pairings, "ranks": ranks, "rank_chart": rank_chart, "targets": compare.targets(portal)},
            extra)


def require_jieba() -> None:
    try:
        import jieba  # noqa: F401  (Material's search segments Chinese only when jieba imports)
    except ImportError:
        raise PortalError("jieba is not importable: Chinese search segmentation would silently stop. "
                          "Install the pinned requirements (pip install -r requirements.txt).") from None


def site_url_of(args) -> str:
    from scripts.portal.site.catalog import http_iri

    url = args.site_url or os.environ.get("PORTAL_SITE_URL") or DEFAULT_SITE_URL
    if not http_iri(url):
        raise PortalError(f"the site URL '{url}' is not an http(s) URL (--site-url or PORTAL_SITE_URL)")
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
