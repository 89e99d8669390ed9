"""One package's outputs, built from that package alone: its charts (spec, SVG, PNG), its
downloads, its API record and its pages. A unit is what the build caches and what it hands
to worker processes, so a cold build uses every core and a warm one rebuilds only the
packages that changed.

The record a unit leaves in the cache (see cache.py) names its files by blob hash and keeps
what the global pages need: the downloads (format, path, size, sha256) and the charts (id,
title, description, PNG or not).
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
from pathlib import Path

from scripts.portal.errors import PortalError


@dataclasses.dataclass(frozen=True)
class Context:
    site_url: str
    accessed: str        # YYYY-MM-DD
    png: bool
    cache: str           # the cache directory
    facts: str = ""      # the indicator fact table package ("" = none)
    recipes: str = ""    # the directory of indicators.yaml and topics.yaml
    fonts: str = ""      # fontconfig file of the chart font subset (see fonts.py), "" for the system fonts
    advances: str = ""   # advance table of the chart font (fonts.advance_table), "" to draw with vl-convert


_env = None


def jinja_env(ctx: Context):
    global _env
    if _env is None:
        from scripts.portal.site import pages
        _env = pages.env(Path(ctx.cache) / "jinja")
    return _env


def build(pkg, ctx: Context, key: str) -> dict:
    """Generate one package's files into the store and record them under `key`."""
    import datetime as dt

    from scripts.portal.site import catalog, charts, citation, downloads, pages
    from scripts.portal.site.cache import Store

    store = Store(Path(ctx.cache))
    files, rendered, cached = {}, 0, 0
    chosen = charts.choose(pkg)
    for c in chosen:
        made, (c.png, c.width, c.height), r, k = render_chart(c, ctx)
        files.update(made)
        rendered, cached = rendered + r, cached + k
    accessed = dt.date.fromisoformat(ctx.accessed)
    cite = citation.all_formats(citation.for_package(pkg, ctx.site_url + catalog.page_path(pkg)), accessed)
    dls = []
    for d, data in downloads.package_files(pkg, pages.package_readme(jinja_env(ctx), pkg, ctx.site_url),
                                           cite["gbt7714"] + "\n\n" + cite["apa"] + "\n", cite["bibtex"]):
        files[d.path] = store.put(data)
        dls.append(d)
    files[f"api/{pkg.name}.json"] = store.put(catalog.json_bytes(catalog.api_detail(pkg, dls, ctx.site_url, cite)))
    for doc, text in pages.package_pages(jinja_env(ctx), pkg, dls, chosen, cite, ctx.site_url, ctx.accessed).items():
        files[doc] = store.put(text.encode("utf-8"))
    record = {"files": files, "downloads": [dataclasses.asdict(d) for d in dls],
              "charts": [{"id": c.id, "title": c.title, "description": c.description, "png": c.png,
                          "width": c.width, "height": c.height}
                         for c in chosen],
              "rendered": rendered, "cached": cached,
              # this package's elements of catalog.jsonld and api/datasets.json
              "dcat": catalog.item_json(catalog.dcat_dataset(pkg, dls, ctx.site_url)),
              "api": catalog.item_json(catalog.api_entry(pkg, dls, ctx.site_url))}
    store.put_record("units", key, record)
    return record


def work(task: tuple):
    """Worker entry: (package directory, report fields, key, fingerprint, Context)
    -> ("ok"|"error", name, record or PortalError)."""
    from scripts.portal.site.cache import package_fingerprint
    from scripts.portal.model.reader import Report, load_package

    pkg_dir, report, key, fingerprint, ctx = task
    name = Path(pkg_dir).name
    try:
        pkg = load_package(Path(pkg_dir))
        if package_fingerprint((pkg.path / "datapackage.json").read_bytes(), pkg.csv_bytes) != fingerprint:
            raise PortalError("the package changed while the site was being built: build again", package=name)
        pkg.report = Report(**report)
        return "ok", name, build(pkg, ctx, key)
    except PortalError as e:
        return "error", name, e


def render_chart(c, ctx: Context) -> tuple:
    """One chart into the store (also a worker entry): ({path: blob}, (PNG made, SVG width,
    SVG height), rendered, cached)."""
    from scripts.portal.site import charts, fonts, renderer
    from scripts.portal.site.cache import Store

    if multiprocessing.parent_process() is not None:  # a worker: never a process that starts a browser
        fonts.use(ctx.fonts)
    store = Store(Path(ctx.cache))
    files = {f"assets/charts/{c.id}.vl.json": store.put(charts.spec_bytes(c))}
    made, rendered, cached = charts.render_one(c, Path(ctx.cache) / "charts", ctx.png, renderer.drawing_identity(),
                                               lambda: renderer.for_build(ctx.advances, ctx.cache))
    for ext, (data, source) in made.items():
        files[f"assets/charts/{c.id}.{ext}"] = store.put(data, source)
    return files, ("png" in made, *charts.svg_size(made["svg"][0])), rendered, cached


def warm_up() -> None:
    """Worker entry: import what rendering needs (no conversion yet: the fonts are chosen at
    the first one)."""
    import vl_convert  # noqa: F401


def bundle(cache_dir: str) -> str:
    """Worker entry: the vendored chart runtime in the cache (made if missing)."""
    from scripts.portal.site import vendor
    return str(vendor.bundle_file(Path(cache_dir)))


def workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


class Inline:
    """An executor running each task when it is submitted, in this process (no start-up cost:
    for builds with only a few packages to generate)."""

    def submit(self, fn, *args):
        from concurrent.futures import Future

        future = Future()
        try:
            future.set_result(fn(*args))
        except BaseException as exc:  # delivered by future.result(), as a pool would
            future.set_exception(exc)
        return future

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        pass


def executor(n: int):
    """`n` worker processes, or this process when n is 1."""
    return pool(n) if n > 1 else Inline()


def pool(n: int):
    """Worker processes, started fresh (spawn: never a fork of a process that may already run
    vl-convert's JavaScript engine). Workers live for the whole build: their memory stays flat
    (about 160 MB each after hundreds of charts), so they are not recycled (and Python 3.11's
    max_tasks_per_child can hang the pool)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn"),
                               initializer=watch_parent, initargs=(os.getpid(),))


def watch_parent(parent: int) -> None:
    """In a worker: exit when the build process is gone (killed), instead of waiting forever
    for work that will not come."""
    import threading
    import time

    def watch():
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="watch-parent").start()
