"""Pick the pages `make audit` audits: one per page type of scripts/tools/audit/pages.yaml.

    python scripts/tools/audit/pages.py SITE_DIR [--only NAME,NAME]

Prints one line per page type: ``name<TAB>path`` (path relative to the site root, "" for
the home page), or ``name<TAB>-absent`` for an optional type without a page. Exits 1 naming
a required type that has no page.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

CONFIG = Path(__file__).with_name("pages.yaml")


def pick(site: Path, entry: dict) -> str | None:
    """The page of one type, as a path relative to the site ("" = home), or None."""
    if "path" in entry:
        path = entry["path"]
        return path if (site / path / "index.html").is_file() else None
    found = sorted(site.glob(entry["glob"]))
    if not found:
        return None
    how = entry.get("pick", "first")
    if how == "largest":
        page = max(found, key=lambda p: (p.stat().st_size, str(p)))
    elif how == "median":
        page = sorted(found, key=lambda p: (p.stat().st_size, str(p)))[len(found) // 2]
    else:
        page = found[0]
    rel = page.parent.relative_to(site).as_posix()
    return "" if rel == "." else rel + "/"


def select(site: Path, config: Path = CONFIG, only: set | None = None) -> tuple[list, list]:
    """([(name, path or None)], [required types without a page])."""
    entries = yaml.safe_load(config.read_text("utf-8"))["pages"]
    chosen, missing = [], []
    for entry in entries:
        if only and entry["name"] not in only:
            continue
        page = pick(site, entry)
        if page is None and not entry.get("optional"):
            missing.append(entry["name"])
        chosen.append((entry["name"], page))
    return chosen, missing


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("site", type=Path)
    p.add_argument("--config", type=Path, default=CONFIG)
    p.add_argument("--only", default="", help="comma-separated page type names (default: all)")
    args = p.parse_args(argv)
    only = {n.strip() for n in args.only.split(",") if n.strip()} or None
    chosen, missing = select(args.site, args.config, only)
    for name, page in chosen:
        print(f"{name}\t{page if page is not None else '-absent'}")
    if missing:
        print(f"audit: no page of type {', '.join(missing)} in {args.site}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
