"""The site build's options: command-line arguments, their defaults and what the build needs
from its environment (jieba for the search segmentation)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from scripts.portal import paths, settings
from scripts.portal.errors import PortalError


@dataclass(frozen=True)
class Options:
    packages: Path
    docs: Path
    cache: Path
    site_url: str
    accessed: dt.date
    png: bool
    quiet: bool
    facts: Path          # the indicator fact table package
    recipes: Path        # the directory of indicators.yaml and topics.yaml


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--docs", type=Path, default=None, help="MkDocs docs directory to generate into (default: docs/)")
    parser.add_argument("--site-url", default=None,
                        help=f"absolute URL the site is served from, for catalogues and citations "
                             f"(default: $PORTAL_SITE_URL or {settings.default_site_url()})")
    parser.add_argument("--date", default=None,
                        help="access date printed in citations, YYYY-MM-DD (default: $SOURCE_DATE_EPOCH or today)")
    parser.add_argument("--png", action="store_true",
                        help="also render a PNG of every chart at build time (default: SVG only; the pages "
                             "make a PNG from the SVG in the browser on demand)")
    parser.add_argument("--no-png", action="store_true", help="SVG only (the default; kept for old scripts)")
    parser.add_argument("--cache", type=Path, default=None, help="chart/vendor cache (default: .cache/site)")
    parser.add_argument("--quiet", action="store_true", help="print only the summary")
    parser.add_argument("--facts", type=Path, default=None,
                        help="indicator fact table package (default: <packages>/indicators)")
    parser.add_argument("--recipes", type=Path, default=None,
                        help="directory of indicators.yaml and topics.yaml (default: scripts/portal/recipes)")


def resolve(args, cjk_font: bool) -> Options:
    """The options of a build from parsed arguments, defaults and the environment."""
    packages = Path(args.packages or paths.packages_dir())
    return Options(packages=packages,
                   docs=Path(args.docs or paths.DOCS),
                   cache=Path(args.cache or paths.ROOT / ".cache" / "site"),
                   site_url=site_url_of(args), accessed=access_date(args.date),
                   png=bool(getattr(args, "png", False)) and not args.no_png and cjk_font, quiet=bool(args.quiet),
                   facts=Path(getattr(args, "facts", None) or packages / "indicators"),
                   recipes=Path(getattr(args, "recipes", None) or paths.RECIPES))


def layer_inputs(facts: Path, recipes: Path) -> list:
    """The indicator layer's inputs, by content (not by path, so that a copy of the packages
    builds from the cache): the registry files and the fact table package (b"" when absent)."""
    files = [recipes / "indicators.yaml", recipes / "topics.yaml", facts / "datapackage.json", facts / "data.csv"]
    return [f.read_bytes() if f.is_file() else b"" for f in files]


def require_jieba() -> None:
    try:
        import jieba  # noqa: F401  (Material's search segments Chinese only when jieba imports)
    except ImportError:
        raise PortalError("jieba is not importable: Chinese search segmentation would silently stop. "
                          "Install the pinned requirements (pip install -r requirements.txt).") from None


def site_url_of(args) -> str:
    from scripts.portal.site.catalog import http_iri

    url = args.site_url or os.environ.get("PORTAL_SITE_URL") or settings.default_site_url()
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
