"""The site search index: built pages -> one compact JSON file that the browser client
(docs/assets/javascripts/portal-search.js) searches.

What is indexed per page: title, headings, description, the front matter's `search_terms`
(indicator names and aliases, row labels) and `search_facts` ([term, answer] pairs, the
figures a page holds), `search_answer` and `search_kind`, and the page's prose (not its
tables, code or sections marked data-search-exclude).

Text is normalised before it is segmented: NFKC (full-width letters and digits), lower
case, traditional -> simplified (zhconv), thousands separators dropped. Latin letters and
digits form tokens of their own (5G基站 -> 5g, 基站); Chinese runs are segmented by jieba
(precise mode, no HMM, so every token is a dictionary word or a single character) plus the
dictionary sub-words of longer words (互联网络 -> 互联, 联网, 网络, 互联网). The client
segments queries against the vocabulary of this index by longest match, so a query splits
where the text did. The index ships the traditional -> simplified table of the characters
it knows, so that a traditional query is normalised the same way.

Run after the engine by postbuild.py, on the built pages; it imports nothing from the project.
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

WEIGHTS = {"title": 8, "terms": 6, "heading": 3, "description": 2, "body": 1}
KINDS = ("indicator", "key-figures", "dataset", "report", "page")
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
TOKEN = re.compile(rf"[a-z0-9]+(?:\.[0-9]+)*|[{HAN}]+")
THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
EXCERPT = 140


# ---------------------------------------------------------------- text -> tokens

def normalise(text: str) -> str:
    """The one normal form of indexed text and (in the client, with the same character
    table) of queries: NFKC, lower case, traditional -> simplified character by character,
    no thousands separators."""
    text = unicodedata.normalize("NFKC", str(text or "")).lower().translate(t2s_table())
    return THOUSANDS.sub("", text)


@functools.lru_cache(maxsize=1)
def t2s_table() -> dict:
    """zhconv's one-character traditional -> simplified mappings, as a str.translate table."""
    import zhconv.zhconv as zc

    zc.loaddict()
    return {ord(t): s for t, s in zc.zhcdicts["zh2Hans"].items() if len(t) == 1 and len(s) == 1 and t != s}


def _segmenter():
    """jieba's default tokenizer (the dictionary Material's search plugin loads too, once)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.dt.initialize()
    return jieba.dt


def words(text: str) -> list[tuple[str, bool]]:
    """(token, is_sub_word) for normalised text: Latin/digit runs whole, Chinese by jieba
    with the dictionary sub-words (2 and 3 characters) of longer words."""
    seg = _segmenter()
    out = []
    for m in TOKEN.finditer(text):
        run = m.group(0)
        if run[0].isascii():
            out.append((run, False))
            continue
        for w in seg.lcut(run, HMM=False):
            out.append((w, False))
            for n in (2, 3):
                if len(w) > n:
                    out += [(w[i:i + n], True) for i in range(len(w) - n + 1) if seg.FREQ.get(w[i:i + n])]
    return out


# ---------------------------------------------------------------- pages

@dataclass
class Page:
    url: str
    title: str
    kind: str = "page"
    answer: str = ""
    description: str = ""
    terms: list = field(default_factory=list)
    facts: list = field(default_factory=list)        # [[term, answer], ...]
    headings: list = field(default_factory=list)
    body: str = ""


SKIP_BLOCKS = re.compile(r"<(table|pre|script|style|svg|textarea)\b.*?</\1\s*>", re.S | re.I)
HEADING = re.compile(r"<h([1-6])\b([^>]*)>(.*?)</h\1\s*>", re.S | re.I)
TAGS = re.compile(r"<[^>]+>")
PERMALINK = re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.S)


def text_of(fragment: str) -> str:
    return " ".join(html.unescape(TAGS.sub(" ", PERMALINK.sub("", fragment))).split())


def strings(value) -> list:
    if value is None:
        return []
    items = value if isinstance(value, (list, tuple)) else [value]
    return [" ".join(str(v).split()) for v in items if v is not None and str(v).strip()]


def page_from_html(url: str, meta: dict, title: str, content: str) -> Page:
    """A Page from MkDocs' page url, front matter, title and rendered content HTML."""
    meta = meta or {}
    kind = str(meta.get("search_kind") or "page")
    content = SKIP_BLOCKS.sub(" ", content)
    content = drop_excluded_sections(content)
    headings = [text_of(m.group(3)) for m in HEADING.finditer(content)]
    facts = []
    for f in meta.get("search_facts") or []:   # (a figure the report prints twice is shown once)
        if isinstance(f, (list, tuple)) and len(f) == 2 and [str(f[0]), str(f[1])] not in facts:
            facts.append([str(f[0]), str(f[1])])
    return Page(url=url, title=" ".join(str(meta.get("title") or title or "").split()), kind=kind if kind in KINDS else "page",
                answer=" ".join(str(meta.get("search_answer") or "").split()),
                description=" ".join(str(meta.get("description") or "").split()),
                terms=strings(meta.get("search_terms")), facts=facts,
                headings=[h for h in headings if h], body=text_of(HEADING.sub(" ", content)))


def drop_excluded_sections(content: str) -> str:
    """Remove each heading marked data-search-exclude and what follows it up to the next
    heading of the same or a higher level (Material's convention)."""
    out, pos, skip = [], 0, None
    for m in HEADING.finditer(content):
        level = int(m.group(1))
        if skip is not None and level > skip:
            continue  # inside an excluded section
        if skip is None:
            out.append(content[pos:m.start()])
        skip = level if "data-search-exclude" in m.group(2) else None
        pos = m.start() if skip is None else m.end()
    if skip is None:
        out.append(content[pos:])
    return "".join(out)


# ---------------------------------------------------------------- index

def page_fields(page: Page) -> dict:
    return {"title": [page.title], "terms": page.terms + [f[0] for f in page.facts],
            "heading": page.headings, "description": [page.description],
            "body": [page.body, page.answer] + [f[1] for f in page.facts]}


def token_weights(page: Page) -> dict:
    """token -> weight for one page: the sum over fields of the field's weight (half for a
    token that occurs in a field only as a sub-word of a longer word)."""
    weights = {}
    for name, texts in page_fields(page).items():
        full, sub = set(), set()
        for text in texts:
            for w, is_sub in words(normalise(text)):
                (sub if is_sub else full).add(w)
        for w in full:
            weights[w] = weights.get(w, 0) + WEIGHTS[name]
        for w in sub - full:
            weights[w] = weights.get(w, 0) + max(1, WEIGHTS[name] // 2)
    return weights


def excerpt(page: Page) -> str:
    text = page.description or page.body
    return text if len(text) <= EXCERPT else text[:EXCERPT].rstrip() + "…"


def build(pages: list) -> dict:
    """The index: docs (what a result shows), tokens ({token: [doc, weight, doc, weight...]}),
    t2s (pairs of traditional and simplified characters the vocabulary uses)."""
    pages = sorted(pages, key=lambda p: p.url)
    postings: dict = {}
    for i, page in enumerate(pages):
        for w, weight in sorted(token_weights(page).items()):
            postings.setdefault(w, []).extend((i, weight))
    return {"version": 1, "weights": WEIGHTS, "docs": documents(pages),
            "tokens": dict(sorted(postings.items())), "t2s": t2s_pairs("".join(postings))}


def documents(pages: list) -> list:
    """What a result shows, per page, in the index's order (by URL)."""
    docs = []
    for p in sorted(pages, key=lambda p: p.url):
        doc = {"u": p.url, "t": p.title, "k": p.kind, "d": excerpt(p)}
        if p.answer:
            doc["a"] = p.answer
        if p.terms:
            doc["s"] = unique_by_normal_form(p.terms)
        if p.facts:
            doc["f"] = p.facts
        docs.append(doc)
    return docs


def unique_by_normal_form(terms: list) -> list:
    seen, out = set(), []
    for t in terms:
        n = normalise(t)
        if n not in seen:
            seen.add(n)
            out.append(t)
    return out


def t2s_pairs(vocabulary_chars: str) -> str:
    """"瀋沈陽阳...": each traditional character followed by its simplified form, for the
    simplified characters the vocabulary uses (what the client needs to normalise a query)."""
    wanted = set(vocabulary_chars)
    return "".join(chr(t) + s for t, s in sorted(t2s_table().items()) if s in wanted)


def write(site_dir: Path, pages: list) -> Path:
    """Write the index as search/portal-index.<hash>.json (so a new index is never taken from a
    stale cache); the engine's stub names it (engine.write_search_stub). Returns the index path."""
    site_dir = Path(site_dir)
    data = json.dumps(build(pages), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    name = f"portal-index.{hashlib.sha256(data).hexdigest()[:12]}.json"
    folder = site_dir / "search"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("portal-index.*.json"):
        old.unlink()
    (folder / name).write_bytes(data)
    return folder / name


def index_path(site_dir: Path) -> Path:
    """The index file of a built site."""
    found = sorted((Path(site_dir) / "search").glob("portal-index.*.json"))
    if len(found) != 1:
        raise FileNotFoundError(f"{site_dir}: no portal search index")
    return found[0]


CLIENT_FILE = "assets/javascripts/portal-search.js"


def shipped_bytes(site_dir: Path) -> int | None:
    """What a reader's browser downloads for search: the index plus the client (None when
    the site has no portal index)."""
    try:
        index = index_path(site_dir)
    except (FileNotFoundError, KeyError, ValueError):
        return None
    client = Path(site_dir) / CLIENT_FILE
    return index.stat().st_size + (client.stat().st_size if client.exists() else 0)
