"""The one command-line entry: `python -m scripts.portal <command>`."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from . import paths
from .errors import PortalError, one_line


def cmd_extract(args) -> int:
    from .extract.run import build_all, unacknowledged, write_all
    from .indicators.package import write_facts
    from .indicators.registry import load_registry
    from .model.frames import FACTS_PACKAGE as FACTS

    load_registry(paths.RECIPES)  # a broken registry stops the run before anything is written
    built = build_all(args.sources, paths.RECIPES, args.packages)
    write_all(built, args.packages)
    print(f"extracted {len(built)} packages into {args.packages}")
    for line in unacknowledged(built):
        print(f"WARNING unacknowledged discrepancy, {one_line(line)}: `make validate` will fail until the recipe "
              "is fixed or acknowledges it")
    files = write_facts(args.packages, paths.RECIPES)
    facts = files["data.csv"].count(b"\n") - 1
    print(f"fact table: {facts} facts into {args.packages / FACTS}")
    return 0


def cmd_drift(args) -> int:
    from .extract.run import build_all, drift

    if not args.sources.is_dir():
        print(f"SKIP drift check: source texts not found at {args.sources} (set PORTAL_SOURCES)")
        return 0
    from .indicators.package import facts_drift

    built = build_all(args.sources, paths.RECIPES, args.packages)
    problems = drift(built, args.packages) + facts_drift(built, args.packages, paths.RECIPES)
    for problem in problems:
        print(f"DRIFT {problem}")
    print("no drift: committed packages match a fresh extraction" if not problems
          else f"{len(problems)} difference(s): run `make extract` and review the diff")
    return 1 if problems else 0


def cmd_validate(args) -> int:
    from .validate import summary, validate_all

    start = time.perf_counter()
    results = validate_all(args.packages)
    print(summary(results))
    print(f"validated in {time.perf_counter() - start:.2f} s")
    return 1 if any(r.errors for r in results) else 0


def cmd_review_registry(args) -> int:
    from .indicators.review import report

    print(report(args.packages, paths.RECIPES, args.indicator))
    return 0


def cmd_new_report(args) -> int:
    from .extract.newreport import scaffold

    steps = scaffold(args.source, args.slug, args.packages, paths.RECIPES, paths.sources_dir())
    print(f"registered report {args.slug}; left to do:")
    for number, step in enumerate(steps, start=1):
        print(f"  {number}. {step}")
    return 0


def cmd_build(args) -> int:
    from .site import build

    return build.run(args)


def cmd_site(args) -> int:
    from .publish import publish

    return publish(args)


def cmd_serve(args) -> int:
    from .serve import server

    if not (args.site / "index.html").is_file():
        raise PortalError("no built site here: run `make site` first", file=str(args.site))
    with server(args.site, args.port, args.bind) as httpd:
        print(f"serving {args.site}/ on http://{args.bind}:{httpd.server_address[1]}/ "
              "(gzip, like a static host; Ctrl-C to stop)", flush=True)
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass
    return 0


def parser() -> argparse.ArgumentParser:
    packages_help = "data packages directory (default: datapackages/, or $PORTAL_PACKAGES)"
    p = argparse.ArgumentParser(prog="python -m scripts.portal",
                                description="Liaoning digital-development data portal: extract, validate, build.")
    p.add_argument("--packages", type=Path, default=None, help=packages_help)
    common = argparse.ArgumentParser(add_help=False)  # `--packages` may be given after the command too
    common.add_argument("--packages", type=Path, default=argparse.SUPPRESS, help=packages_help)
    sub = p.add_subparsers(dest="command", required=True)
    for name, func, text in (
        ("extract", cmd_extract, "source texts + recipes -> datapackages/"),
        ("drift", cmd_drift, "fail if a fresh extraction differs from the committed packages"),
        ("validate", cmd_validate, "validate every package (Frictionless + quality checks)"),
    ):
        s = sub.add_parser(name, help=text, description=text, parents=[common])
        s.set_defaults(func=func)
        if name in ("extract", "drift"):
            s.add_argument("--sources", type=Path, default=paths.sources_dir(),
                           help="source texts (default ../shared/sources, or $PORTAL_SOURCES)")
    r = sub.add_parser("review-registry", parents=[common],
                       help="print every wording joined under each indicator (report, place, period, unit, kind)",
                       description="print every wording joined under each indicator (report, place, period, unit, kind)")
    r.set_defaults(func=cmd_review_registry)
    r.add_argument("--indicator", default="", help="only this indicator id")
    n = sub.add_parser("new-report", help="register a new report and write recipe skeletons from its source text",
                       description="register a new report and write recipe skeletons from its source text")
    n.set_defaults(func=cmd_new_report)
    n.add_argument("--source", type=Path, required=True, help="the report's extracted text (NNN_<id>.txt)")
    n.add_argument("--slug", required=True, help="short ASCII name of the report, e.g. cnnic-48")
    b = sub.add_parser("build", help="generate pages, charts and downloads into docs/",
                       description="generate pages, charts and downloads into docs/", parents=[common])
    b.set_defaults(func=cmd_build)
    site = sub.add_parser("site", help="validate, build and mkdocs into site/, replacing it only on success",
                          description="validate, build and mkdocs into site/, replacing it only on success",
                          parents=[common])
    site.set_defaults(func=cmd_site)
    site.add_argument("--site", type=Path, default=paths.ROOT / "site", help="output directory (default site/)")
    site.add_argument("--engine", choices=("mkdocs", "zensical"), default=os.environ.get("PORTAL_ENGINE") or "mkdocs",
                      help="the static site engine (default mkdocs; zensical needs requirements-zensical.txt)")
    site.add_argument("--publish", action="store_true",
                      help="publishing build: requires the public base URL (--site-url or $PORTAL_SITE_URL) "
                           "and refuses localhost, so no generated file links to 127.0.0.1")
    sv = sub.add_parser("serve", help="serve the built site locally as a static host does (gzip, 404 page)",
                        description="serve the built site locally as a static host does (gzip, 404 page)")
    sv.set_defaults(func=cmd_serve)
    sv.add_argument("--site", type=Path, default=paths.ROOT / "site", help="the built site (default site/)")
    sv.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 = any free port)")
    sv.add_argument("--bind", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    from .site import options as site_options

    for s in (b, site):
        site_options.add_arguments(s)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    args.packages = Path(args.packages or paths.packages_dir())
    try:
        return args.func(args)
    except PortalError as exc:
        print(f"ERROR {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a read-only or vanished file or folder: a plain message, not a traceback
        print(f"ERROR {exc.filename or 'file system'}: {exc.strerror or exc}", file=sys.stderr)
        return 1
