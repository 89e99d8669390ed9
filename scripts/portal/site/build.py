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

import dataclasses
import datetime as dt
import json
import time
from pathlib import Path
from concurrent.futures import as_completed
from dataclasses import dataclass

from scripts.portal import __version__, settings
from scripts.portal.site import cache as bc
from scripts.portal.site import options, workers

GENERATED = settings.generated()
PARALLEL_MIN = 4                # packages to generate before worker processes pay for their start-up
LARGE_RASTER = 256 * 2 ** 20    # a chart whose PNG needs more pixel memory is rendered last, alone
SEPARATE_FROM = 1000            # packages from which the pages are made in a child process (see generate)


def run(args) -> int:
    """Load the inputs' fingerprints, reuse a recorded build of the same inputs or generate."""
    from scripts.portal.site.charts import cjk_font_available

    started = time.perf_counter()
    options.require_jieba()
    opts = options.resolve(args, cjk_font=args.png and not args.no_png and cjk_font_available())
    say = (lambda *a: None) if opts.quiet else (lambda *a: print(*a, flush=True))
    if args.png and not opts.png and not args.no_png:
        say("build: no 'Noto Sans CJK SC' font (apt-get install fonts-noto-cjk): PNG charts skipped")
    store = bc.Store(opts.cache)
    with store.lock():
        code = bc.code_version()
        digest = bc.digest(opts.site_url, opts.accessed.isoformat(), opts.png,
                           *options.layer_inputs(opts.facts, opts.recipes))
        inputs = bc.scan(opts.packages)
        key = bc.digest("build", code, digest, inputs[0], *(x for pair in inputs[1] for x in pair)) if inputs else None
        if not reuse(store, key, opts.docs, say):
            generate(opts, store, code, digest, key, say, len(inputs[1]) if inputs else 0)
    print(f"build: done in {time.perf_counter() - started:.1f}s -> {opts.docs}", flush=True)
    return 0


def reuse(store, key, docs, say) -> bool:
    """Link the files of a recorded build of the same inputs into docs/ (False: none usable)."""
    record = store.record("builds", key) if key else None
    if record is None:
        return False
    try:
        written = bc.materialize(store, docs, record["files"])
    except FileNotFoundError:  # a blob went missing: build it all again
        return False
    removed = bc.remove_stale(docs, GENERATED, set(record["files"]))
    n = record.get("summary", {})
    say(f"build: nothing changed since a build of the same inputs: {len(record['files'])} files "
        f"from the cache ({n.get('reports', '?')} reports, {n.get('packages', '?')} packages), "
        f"{written} written" + (f", removed {removed} stale files" if removed else ""))
    for line in n.get("notices", []):
        say(line)
    return True


def generate(opts, store, code, digest, key, say, packages: int = 0) -> None:
    """Build what the cache does not have: changed packages (in worker processes when there
    are several), then the pages and files that look at every package, then very large
    charts, alone: after the worker processes have exited and the packages were let go, so
    that their raster (hundreds of MB at thousands of packages) is the only big thing in
    memory. Python does not give the memory of the loaded packages back to the system, so
    for a large portal the packages are loaded in a child process that ends before that."""
    ctx = workers.Context(opts.site_url, opts.accessed.isoformat(), opts.png, str(store.root),
                          str(opts.facts), str(opts.recipes))
    if packages >= SEPARATE_FROM:
        with workers.pool(1) as child:
            files, key, large, stats, record = child.submit(collect_apart, opts.packages, store.root, code, digest,
                                                            key, ctx, opts.quiet).result()
    else:
        files, key, large, stats, record = collect(opts.packages, store, code, digest, key, ctx, say)
    for c in large:
        made, (c.png, c.width, c.height), r, k = workers.render_chart(c, ctx)
        files.update(made)  # its SVG was made (and counted) with the other charts: here it comes from the cache
        stats["rendered"], stats["cached"] = stats["rendered"] + r, stats["cached"] + k - 1
    say(f"build: charts {stats['charts']} ({stats['rendered']} files rendered, {stats['cached']} from cache, "
        f"PNG {'yes' if opts.png else 'no'})")
    say(f"build: downloads {stats['downloads']} files ({stats['download_bytes']:,} bytes)")
    written = bc.materialize(store, opts.docs, files)
    removed = bc.remove_stale(opts.docs, GENERATED, set(files))
    say(f"build: pages {stats['pages']} ({record['summary']['packages']} datasets, "
        f"{record['summary']['reports']} reports); {written} of {len(files)} files written"
        + (f", removed {removed} stale files" if removed else ""))
    if key:
        store.put_record("builds", key, {**record, "files": files})
    store.prune()


def collect_apart(packages_dir, root, code, digest, key, ctx, quiet) -> tuple:
    """collect() in a child process (a PortalError travels back pickled)."""
    say = (lambda *a: None) if quiet else (lambda *a: print(*a, flush=True))
    return collect(packages_dir, bc.Store(root), code, digest, key, ctx, say)


@dataclass
class Plan:
    records: dict        # package name -> unit record (from the cache, then from the workers)
    todo: list           # (package, report fields, unit key) to generate
    unit_keys: dict      # package name -> unit key
    fingerprints: dict   # package name -> fingerprint of its descriptor and data


def collect(packages_dir, store, code, digest, key, ctx, say) -> tuple:
    """Every generated file into the store but the large charts: (files {path: blob}, build key
    or None, large charts, stats, build record without its files)."""
    from scripts.portal.model.reader import load_portal
    from scripts.portal.site import indicator_pages, pages

    # packages whose exact bytes the last build of this code loaded skip the reader's JSON
    # Schema check (every other check runs); the record is rewritten once all packages loaded
    accepted_key = bc.digest("accepted", code)
    known = frozenset((store.record("accepted", accepted_key) or {}).get("fingerprints", []))
    early = early_workers(store)
    try:
        portal = load_portal(packages_dir, accepted=(lambda raw, data: bc.package_fingerprint(raw, data) in known)
                             if known else None)
        total_rows = sum(len(p.rows) for p in portal.packages)
        say(f"build: {len(portal.reports)} reports, {len(portal.packages)} packages, {total_rows} rows "
            f"from {packages_dir}")
        notices = [page_notice(pkg, pages) for pkg in portal.packages if pages.page_rows(pkg) < len(pkg.rows)]
        for line in notices:
            say(line)
        plan = plan_units(portal, store, code, digest)
        store.put_record("accepted", accepted_key, {"fingerprints": sorted(set(plan.fingerprints.values()))})
        if key and key != bc.digest("build", code, digest, bc.sha256_file(packages_dir / "reports.json"),
                                    *(x for pair in sorted(plan.fingerprints.items()) for x in pair)):
            key = None  # the packages changed since they were scanned: no build record for this run
        today = dt.date.fromisoformat(ctx.accessed)
        ind = indicator_pages.prepare(portal, Path(ctx.facts), Path(ctx.recipes), today) if ctx.facts else None
        cmp, extra_charts, extra_files, large, stats = run_units(portal, plan, store, ctx, say, ind, early)
    finally:  # run_units shuts its workers down; these, if it was not reached
        if early:
            early.pool.shutdown(wait=True, cancel_futures=True)
    analysis = analysis_blobs(store, code, portal)
    files, counts = global_files(portal, packages_dir, plan.records, cmp, extra_files, store, ctx, ind, analysis)
    files.update(analysis)
    rebuilt = {pkg.name for pkg, _, _ in plan.todo}
    stats["cached"] += sum(1 for name, rec in plan.records.items() if name not in rebuilt
                           for rel in rec["files"] if rel.startswith("assets/charts/") and rel.endswith((".svg", ".png")))
    stats.update(counts, charts=counts["charts"] + len(extra_charts))
    record = {"units": sorted(plan.unit_keys.values()),
              "summary": {"reports": len(portal.reports), "packages": len(portal.packages), "rows": total_rows,
                          "notices": notices}}
    return files, key, large, stats, record


def page_notice(pkg, pages) -> str:
    """What the build says of a table too big for its page (repeated when the build is reused)."""
    return (f"build: {pkg.name}: {len(pkg.rows):,} rows x {len(pkg.content_fields) + 1} columns shown is over a "
            f"page's {pages.PAGE_CELLS:,} cells: its page shows the first {pages.page_rows(pkg)} rows, "
            "the downloads the full table")


def plan_units(portal, store, code, digest) -> Plan:
    """Which packages' units the cache holds and which must be generated."""
    from scripts.portal.model.reader import REPORT_KEYS

    plan = Plan({}, [], {}, {})
    for pkg in portal.packages:
        report = {k: getattr(pkg.report, k) for k in REPORT_KEYS}
        plan.fingerprints[pkg.name] = fp = bc.package_fingerprint((pkg.path / "datapackage.json").read_bytes(),
                                                                  pkg.csv_bytes)
        plan.unit_keys[pkg.name] = ukey = bc.digest("unit", code, digest, json.dumps(report, sort_keys=True),
                                                    pkg.name, fp)
        record = store.record("units", ukey)
        if record is not None and store.has(record["files"].values()):
            plan.records[pkg.name] = record
        else:
            plan.todo.append((pkg, report, ukey))
    for pkg in portal.derived.values():  # the fact table is an input too (see cache.scan)
        plan.fingerprints[pkg.name] = bc.package_fingerprint((pkg.path / "datapackage.json").read_bytes(),
                                                             pkg.csv_bytes)
    return plan


def run_units(portal, plan, store, ctx, say, ind=None, early=None) -> tuple:
    """Generate the packages' units and the charts made outside the packages (comparisons and
    the indicator section's), in worker processes when there are enough: (comparisons data,
    those charts, their files, large charts, stats). `early`: workers started before the
    packages were loaded (see start_workers)."""
    from scripts.portal.site import charts, compare

    started = early or start_workers(store, min(workers.workers(), len(plan.todo))
                                     if len(plan.todo) >= PARALLEL_MIN else 1)
    pool, n, bundle_job = started.pool, started.n, started.bundle_job
    say(f"build: {len(plan.todo)} packages to generate" + (f" ({n} processes)" if n > 1 else "")
        + f", {len(plan.records)} unchanged (from the cache)")
    stats, extra_files, errors = {"rendered": 0, "cached": 0}, {}, {}
    t, done_before = time.perf_counter(), len(plan.records)
    try:
        ctx = chart_fonts(ctx, portal, store, n)  # while the workers start
        cmp, extra_charts = compare.page_data(portal, settings.highlight())
        extra_charts += ind.all_charts if ind else []
        small = {id(c) for c in extra_charts if charts.raster_bytes(c) <= LARGE_RASTER}
        svg_only = dataclasses.replace(ctx, png=False)  # large charts: the SVG now (the pages need its
        chart_jobs = [(c, pool.submit(workers.render_chart, c, ctx if id(c) in small else svg_only))
                      for c in extra_charts]            # size), the PNG at the end (see generate)
        jobs = [pool.submit(workers.work, (str(pkg.path), report, ukey, plan.fingerprints[pkg.name], ctx))
                for pkg, report, ukey in sorted(plan.todo, key=lambda x: -len(x[0].rows) * len(x[0].fields))]
        for job in as_completed(jobs):
            status, name, result = job.result()
            (errors if status == "error" else plan.records)[name] = result
            if status == "ok":
                stats["rendered"], stats["cached"] = stats["rendered"] + result["rendered"], stats["cached"] + result["cached"]
            i = len(plan.records) + len(errors) - done_before
            if i == len(plan.todo) or i % 25 == 0:
                say(f"build: packages {i}/{len(plan.todo)} ({time.perf_counter() - t:.1f}s)")
        for c, job in chart_jobs:
            made, (png, c.width, c.height), r, k = job.result()
            c.png = png or c.png
            extra_files.update(made)
            stats["rendered"], stats["cached"] = stats["rendered"] + r, stats["cached"] + k
        if bundle_job:
            bundle_job.result()
    finally:  # on an error, do not wait for the packages still queued
        pool.shutdown(wait=True, cancel_futures=True)
    if errors:  # the first broken package in portal order, as a sequential build would report it
        raise next(errors[p.name] for p in portal.packages if p.name in errors)
    large = [c for c in extra_charts if id(c) not in small]
    for c in large:
        c.png = ctx.png  # rendered last (see generate); the pages only need to know there is a PNG
    return cmp, extra_charts, extra_files, large, stats


@dataclass
class Started:
    pool: object         # workers.executor
    n: int               # its processes (1: this one)
    bundle_job: object   # the future of the chart runtime bundle, None when the cache had it


def start_workers(store, n: int) -> Started:
    """`n` worker processes (this process when n is 1), started now: one makes the chart
    runtime bundle when the cache lacks it (the charts are drawn with it), the others import
    what rendering needs."""
    from scripts.portal.site import vendor

    pool = workers.executor(n)
    bundle_job = None if vendor.cached_bundle(store.root).exists() else pool.submit(workers.bundle, str(store.root))
    if n > 1:
        for _ in range(n - (1 if bundle_job else 0)):
            pool.submit(workers.warm_up)
    return Started(pool, n, bundle_job)


def early_workers(store):
    """On a cold cache (no chart runtime bundle yet: everything is to be made) the workers
    start before the packages are loaded, so that their start-up and the bundle overlap the
    loading; otherwise None (a warm build may have nothing to generate)."""
    from scripts.portal.site import vendor

    n = workers.workers()
    return start_workers(store, n) if n > 1 and not vendor.cached_bundle(store.root).exists() else None


def chart_fonts(ctx, portal, store, n: int):
    """The context with the chart font data: the advance table the build's Vega measures
    text with (renderer.py), and, for vl-convert in worker processes (PNGs, or no renderer),
    the font subset (fonts.py)."""
    from scripts.portal.site import fonts, renderer

    texts = fonts.chart_texts(portal, Path(ctx.recipes) if ctx.recipes else None)
    ctx = dataclasses.replace(ctx, advances=fonts.advance_table(store.root, texts) if renderer.available() else "")
    if n > 1 and (ctx.png or not ctx.advances):
        ctx = dataclasses.replace(ctx, fonts=fonts.prepare(store.root, texts))
    return ctx


def global_files(portal, packages_dir, records, cmp, extra_files, store, ctx, ind=None, analysis=None) -> tuple:
    """The files that look at every package, made from the unit records, and every other
    file, in the order a build writing them one by one would (later ones win a clash):
    ({path: blob}, counts)."""
    from scripts.portal.site import (catalog, charts, citation, downloads, facts_dataset, feed, indicator_pages, pages,
                                     vendor, zhmap)

    site_url = ctx.site_url
    dl = {p.name: [downloads.Download(**d) for d in records[p.name]["downloads"]] for p in portal.packages}
    chart_map = {p.name: [charts.Chart(c["id"], c["title"], c["description"], None, c["png"],
                                       c.get("width", 0), c.get("height", 0))
                          for c in records[p.name]["charts"]] for p in portal.packages}
    cites = {f"report:{r.slug}": citation.all_formats(citation.for_report(r, site_url + catalog.report_path(r),
                                                                          __version__),
                                                       dt.date.fromisoformat(ctx.accessed))
             for r in portal.reports}
    e = pages.env(store.root / "jinja")
    all_zip, zip_data = downloads.portal_zip_file(portal, packages_dir, pages.portal_readme(e, portal, site_url))
    data = pages.SiteData(portal=portal, downloads=dl, charts=chart_map, citations=cites, site_url=site_url,
                          accessed=ctx.accessed, portal_zip=all_zip, comparisons=cmp)
    data.total_rows = sum(len(p.rows) for p in portal.packages)
    data.headline = indicator_pages.headline(ind)   # the home page's figures, from the indicator layer
    data.facts = fd = facts_dataset.dataset(e, portal, store, ctx, analysis or {}, ind is not None)
    global_pages = pages.global_pages(e, data)
    layer_files, layer_nav = layer_outputs(e, ind, portal, site_url, store, extra_files)

    def unit_files(prefix):
        return {rel: sha for p in portal.packages for rel, sha in records[p.name]["files"].items()
                if rel.startswith(prefix)}

    def items(kind):
        return [records[p.name][kind] for p in portal.packages]

    bundle = vendor.bundle_file(store.root)
    files = {f"assets/vendor/{vendor.BUNDLE}": store.put(bundle.read_bytes(), bundle),
             zhmap.PATH: store.put(zhmap.map_bytes(portal))}
    files.update(unit_files("assets/charts/"))
    files.update(extra_files)  # (the large charts come last, and win too)
    files.update(ind.exports if ind else {})
    files.update(unit_files("downloads/"))
    files[all_zip.path] = store.put(zip_data)
    files["catalog.jsonld"] = store.put(catalog.json_bytes_with(
        catalog.dcat_catalog_head(site_url, ctx.accessed), "dcat:dataset", items("dcat") + fd.dcat))
    files[feed.FEED] = store.put(feed.atom(portal, site_url, ctx.accessed, fd.feed))
    files["api/datasets.json"] = store.put(catalog.json_bytes_with(
        {"version": __version__, "generated": ctx.accessed}, "datasets", items("api") + fd.api))
    files.update(unit_files("api/"))
    page_docs = [d for d in global_pages if d not in ("catalog.md", "comparisons.md")]
    files.update({d: store.put(global_pages[d].encode("utf-8")) for d in page_docs})
    own_pages = unit_files("datasets/")
    files.update(own_pages)
    files.update({d: store.put(global_pages[d].encode("utf-8")) for d in ("catalog.md", "comparisons.md")})
    files.update({d: store.put(b) for d, b in layer_files.items()})
    files.update(fd.files)
    files[pages.NAV_FILE] = store.put(pages.nav_text(portal, layer_nav + fd.nav).encode("utf-8"))
    counts = {"charts": sum(len(v) for v in chart_map.values()),
              "downloads": sum(len(v) for v in dl.values()) + 1,
              "download_bytes": sum(d.bytes for ds in dl.values() for d in ds) + all_zip.bytes,
              "pages": len(global_pages) + len(own_pages) + sum(1 for d in layer_files if d.endswith(".md"))}
    return files, counts


def layer_outputs(e, ind, portal, site_url, store, rendered) -> tuple:
    """({path: bytes} of the indicator pages, the embeddable charts and the SQL page, their menu
    entries); first the indicator charts' SVG downloads (title, unit, 来源, licence, address:
    in ind.exports)."""
    from scripts.portal.site import embed, indicator_pages, query_page

    if ind:
        ind.exports = embed.export_files(store, rendered, ind, site_url)
    out = indicator_pages.outputs(e, ind, site_url)
    out.update(query_page.outputs(e, portal))   # /query/: the page and the vendored sql.js
    out.update(embed.outputs(e, ind, site_url))   # /embed/indicators/<id>/
    return out, indicator_pages.nav(ind) + query_page.nav()


def analysis_blobs(store, code, portal) -> dict:
    """{path: blob} of the analysts' downloads, each made again only when its inputs changed."""
    from scripts.portal.site import analysis_downloads

    out = {}
    for rel, (key, make) in analysis_downloads.analysis_sources(portal).items():
        record_key = bc.digest("analysis", code, rel, key)
        record = store.record("analysis", record_key)
        if record is None or not store.has([record["sha"]]):
            record = {"sha": store.put(make())}
            store.put_record("analysis", record_key, record)
        out[rel] = record["sha"]
    return out
