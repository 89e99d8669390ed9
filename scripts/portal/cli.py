"""The one command-line entry: `python -m scripts.portal <command>`."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import paths
from .errors import PortalError


def cmd_extract(args) -> int:
    from .extract.run import build_all, write_all
    from .indicators.package import write_facts
    from .indicators.registry import load_registry
    from .model.frames import FACTS_PACKAGE as FACTS

    load_registry(paths.RECIPES)  # a broken registry stops the run before anything is written
    built = build_all(args.sources, paths.RECIPES, args.packages)
    write_all(built, args.packages)
    print(f"extracted {len(built)} packages into {args.packages}")
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


def cmd_build(args) -> int:
    from .site import build

    return build.run(args)


def cmd_site(args) -> int:
    from .publish import publish

    return publish(args)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m scripts.portal",
                                description="Liaoning digital-development data portal: extract, validate, build.")
    p.add_argument("--packages", type=Path, default=None,
                   help="data packages directory (default: datapackages/, or $PORTAL_PACKAGES)")
    sub = p.add_subparsers(dest="command", required=True)
    for name, func, text in (
        ("extract", cmd_extract, "source texts + recipes -> datapackages/"),
        ("drift", cmd_drift, "fail if a fresh extraction differs from the committed packages"),
        ("validate", cmd_validate, "validate every package (Frictionless + quality checks)"),
    ):
        s = sub.add_parser(name, help=text, description=text)
        s.set_defaults(func=func)
        if name in ("extract", "drift"):
            s.add_argument("--sources", type=Path, default=paths.sources_dir(),
                           help="source texts (default ../shared/sources, or $PORTAL_SOURCES)")
    b = sub.add_parser("build", help="generate pages, charts and downloads into docs/",
                       description="generate pages, charts and downloads into docs/")
    b.set_defaults(func=cmd_build)
    site = sub.add_parser("site", help="validate, build and mkdocs into site/, replacing it only on success",
                          description="validate, build and mkdocs into site/, replacing it only on success")
    site.set_defaults(func=cmd_site)
    site.add_argument("--site", type=Path, default=paths.ROOT / "site", help="output directory (default site/)")
    try:
        from .site import build as site_build
    except ImportError:  # the site package is optional for the data stages
        site_build = None
    for s in (b, site):
        if site_build is not None:
            site_build.add_arguments(s)
        for action in s._actions:  # `--packages` may be given before or after the command
            if action.dest == "packages":
                action.default = argparse.SUPPRESS
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    args.packages = Path(args.packages or paths.packages_dir())
    try:
        return args.func(args)
    except PortalError as exc:
        print(f"ERROR {exc}", file=sys.stderr)
        return 1
