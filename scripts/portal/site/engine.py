"""The site engine: the only code that knows MkDocs or Zensical (how to run it, where it writes,
what its pages look like). Everything else of the portal's site happens before the engine
(the generated docs, and the nav and paths written into the engine's config here) or after it
(postbuild.py, on the built HTML), so both engines build the same pages.

- mkdocs (the default): `mkdocs build --strict` with Material for MkDocs (end of life May 2027).
- zensical (requirements-zensical.txt): `zensical build --strict`, Material's successor. It reads
  mkdocs.yml, but wants its docs, output and theme overrides inside the config's folder, given
  as relative paths, so its config is written into the build's work folder with a copy of the
  overrides beside it.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from scripts.portal import paths, settings
from scripts.portal.errors import PortalError

ENGINES = ("mkdocs", "zensical")
DEFAULT = "mkdocs"
REQUIREMENTS = {"zensical": "requirements-zensical.txt"}   # beyond requirements.txt
STATIC_PAGES = ("404.html",)   # the theme's pages that no Markdown file makes
SEARCH_STUB = {"mkdocs": "search/search_index.json", "zensical": "search.json"}   # what the page script fetches
SITEMAPS = ("sitemap.xml", "sitemap.xml.gz")
PROBLEM = re.compile(r"\s*(WARNING|ERROR|Warning|Error)\b")


def check(engine: str) -> str:
    if engine not in ENGINES:
        raise PortalError(f"unknown site engine {engine!r}: use one of {', '.join(ENGINES)}")
    return engine


def config_settings(docs: Path, engine: str) -> dict:
    """The engine's config (inheriting mkdocs.yml): the generated docs, the theme overrides and
    the nav the build wrote (docs/.nav.json, by report), which neither engine reads itself."""
    if engine == "zensical":
        overrides = docs.parent / "overrides"
        shutil.rmtree(overrides, ignore_errors=True)
        shutil.copytree(paths.ROOT / "overrides", overrides, symlinks=True)   # (publish refuses links there)
        out = {"INHERIT": str(paths.ROOT / "mkdocs.yml"), "docs_dir": docs.name, "site_dir": "site-out",
               "theme": {"custom_dir": overrides.name, "variant": "classic"}}   # Material's look
    else:
        out = {"INHERIT": str(paths.ROOT / "mkdocs.yml"), "docs_dir": str(docs),
               "theme": {"custom_dir": str(paths.ROOT / "overrides")}}
    nav = docs / settings.nav_file()
    if nav.exists():
        out["nav"] = json.loads(nav.read_text(encoding="utf-8"))
    return out


def write_config(docs: Path, engine: str) -> Path:
    """A config beside `docs` (never in the repository)."""
    config = docs.parent / f"{engine}-build.yml"
    text = "".join(f"{k}: {json.dumps(v, ensure_ascii=False)}\n" for k, v in config_settings(docs, engine).items())
    config.write_text(text, "utf-8")
    return config


def command(engine: str, config: Path, target: Path) -> list:
    if engine == "zensical":
        return [str(Path(sys.executable).with_name("zensical")), "build", "--strict", "-f", str(config)]
    return [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(target)]


def run(docs: Path, target: Path, engine: str = DEFAULT) -> None:
    """Build the generated `docs` into `target` with `engine`, strictly: any warning fails it."""
    check(engine)
    if engine == "zensical" and not Path(sys.executable).with_name("zensical").exists():
        raise PortalError("the zensical engine is not installed: `make site ENGINE=zensical` installs "
                          f"{REQUIREMENTS['zensical']}")
    config = write_config(docs, engine)
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    proc = subprocess.run(command(engine, config, target), env=env, cwd=config.parent, capture_output=True, text=True)
    output = (proc.stderr or "") + (proc.stdout or "")
    problems = [line for line in output.splitlines() if PROBLEM.match(line)]
    if proc.returncode != 0 or problems:
        shown = "\n".join(problems) or output.strip()[-4000:]
        raise PortalError(f"{engine} build --strict failed:\n" + shown[-4000:], lines=True)
    if engine == "zensical":   # (MkDocs, too, replaces what its output folder held)
        shutil.rmtree(target, ignore_errors=True)
        shutil.move(str(config.parent / "site-out"), str(target))


# ---------------------------------------------------------------- what the engine wrote

@dataclass
class Page:
    source: str     # the Markdown file, relative to docs/
    url: str        # as the theme links it ("" for the home page, "datasets/x/")
    html: Path      # the built file


def page_url(source: str) -> str:
    """The page URL of a Markdown file (use_directory_urls: true, as mkdocs.yml sets)."""
    stem = source[:-len(".md")]
    if stem == "index" or stem.endswith("/index"):
        return stem[:-len("index")]
    return stem + "/"


def pages(docs: Path, site: Path) -> list:
    """Every page the engine made from a Markdown file of `docs`."""
    out = []
    for md in sorted(docs.rglob("*.md")):
        source = md.relative_to(docs).as_posix()
        url = page_url(source)
        html = site / url / "index.html"
        if html.exists():
            out.append(Page(source, url, html))
    return out


def theme_dirs(engine: str) -> tuple:
    """The template folders of the theme as the engine uses it (overrides first)."""
    if engine == "zensical":
        import zensical

        return (str(paths.ROOT / "overrides"), str(Path(zensical.__file__).parent / "templates"))
    import material
    import mkdocs

    return (str(paths.ROOT / "overrides"), str(Path(material.__file__).parent / "templates"),
            str(Path(mkdocs.__file__).parent / "templates"))


ARTICLE = re.compile(r'<article class="md-content__inner md-typeset">(.*?)</article>', re.S)
TAGS = re.compile(r'<nav class="md-tags"[^>]*>.*?</nav>', re.S)
THEME_H1 = re.compile(r"^\s*<h1>[^<]*</h1>\s*")   # the theme's title for a page without an h1 of its own
TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def content(html_text: str) -> str:
    """The page's own content HTML (what the Markdown rendered to), out of a built page: the
    theme's article without its tags and the title it adds when the content has no <h1>
    (a Markdown heading always has an id, the theme's never)."""
    m = ARTICLE.search(html_text)
    if not m:
        return ""
    return THEME_H1.sub("", TAGS.sub("", m.group(1)).strip(), count=1).strip()


def title(html_text: str, site_name: str) -> str:
    """The page title the theme printed in <title> ("title - site name")."""
    m = TITLE.search(html_text)
    text = html.unescape(m.group(1)).strip() if m else ""
    return text[:-len(" - " + site_name)] if text.endswith(" - " + site_name) else text


def write_search_stub(site: Path, engine: str, index_name: str, docs: list) -> Path:
    """In place of the engine's own search index, what its page script fetches and hands to the
    worker (portal-search.js): the engine's search config plus the portal index's file name.
    Material's UI renders what the worker sends, so its stub holds nothing else; Zensical's
    renders each result from the documents it fetched itself (by position), so its stub lists
    the portal index's documents (location, title, the answer or excerpt as text)."""
    stub = site / SEARCH_STUB[engine]
    config = json.loads(stub.read_text(encoding="utf-8")).get("config", {}) if stub.exists() else {}
    config["portal_index"] = index_name
    if engine == "zensical":
        items = [{"location": d["u"], "title": html.escape(d["t"]),
                  "text": html.escape(d.get("a") or d.get("d") or ""), "path": []} for d in docs]
        data = {"config": config, "items": items}
    else:
        data = {"config": config, "docs": []}
    stub.parent.mkdir(parents=True, exist_ok=True)
    stub.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    return stub


SHADOW_STYLE = re.compile(r'attachShadow\(\{mode:"open"\}\);\w+\.appendChild\(\w+\("style",\{\},(\w+)\.toString\(\)\)\)')
JS_ESCAPE = re.compile(r"\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)", re.S)


def theme_styles(site: Path, engine: str) -> list:
    """The <style> texts the theme's own script inserts (their hashes go into style-src):
    none for Material; Zensical's search dialog puts its stylesheet, a string in its bundle,
    into a shadow root."""
    if engine != "zensical":
        return []
    bundles = sorted((site / "assets" / "javascripts").glob("bundle.*.min.js"))
    if len(bundles) != 1:
        raise PortalError(f"zensical: expected one assets/javascripts/bundle.*.min.js, found {len(bundles)}")
    js = bundles[0].read_text(encoding="utf-8")
    m = SHADOW_STYLE.search(js)
    literal = m and re.search(r"\b" + m.group(1) + r"""=(['"])((?:[^'"\\]|\\.|(?!\1)['"])*)\1""", js)
    if not literal:
        raise PortalError("zensical: the search dialog's stylesheet is not where this portal looks for it in "
                          f"{bundles[0].name} (Zensical changed?): the dialog would be unstyled under the CSP")
    return [JS_ESCAPE.sub(unescape_js, literal.group(2))]


def unescape_js(m) -> str:
    code = m.group(1)
    if code[0] in "ux" and len(code) > 1:
        return chr(int(code.strip("u{}x"), 16))
    return {"n": "\n", "t": "\t", "r": "\r"}.get(code, code)
