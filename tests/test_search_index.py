"""The search index builder (scripts/portal/site/search.py) and its hook wiring, on small pages."""

from __future__ import annotations

import json

import pytest

from scripts.portal.errors import PortalError
from scripts.portal.site import engine, postbuild, search
from scripts.portal.site.search import Page


def test_normalise_full_width_case_traditional_and_thousands():
    assert search.normalise("ＦＴＴＨ／Ｏ") == "ftth/o"
    assert search.normalise("瀋陽網民規模") == "沈阳网民规模"
    assert search.normalise("3,052.1 万，共 11,511,397 Mbps") == "3052.1 万,共 11511397 mbps"
    assert search.normalise("1,2") == "1,2"   # not a thousands separator


@pytest.mark.parametrize("text, expected", [
    ("5G基站", ["5g", "基站"]),
    ("IPv6地址", ["ipv6", "地址"]),
    ("光纤接入（FTTH/O）用户", ["光纤", "接入", "ftth", "o", "用户"]),
    ("4G用户数", ["4g", "用户数"]),             # (jieba knows 用户数; 用户 is its sub-word)
    ("网民规模达 9.89 亿", ["网民", "规模", "达", "9.89", "亿"]),
])
def test_words_split_latin_digits_and_chinese(text, expected):
    assert [w for w, sub in search.words(search.normalise(text)) if not sub] == expected


def test_words_add_dictionary_sub_words_of_long_words():
    found = search.words(search.normalise("中国互联网络发展"))
    assert ("互联网络", False) in found
    assert ("网络", True) in found and ("互联网", True) in found
    assert all(sub for w, sub in found if w == "联网")


PAGE_HTML = """
<h1 id="t">辽宁网民<a class="headerlink" href="#t">¶</a></h1>
<p>正文说到<strong>普及率</strong>。</p>
<div class="portal-table-wrap" data-search-exclude><table><tr><td>表格里的词</td></tr></table></div>
<pre><code>代码里的词</code></pre>
<h2 id="a">说明</h2><p>说明文字</p>
<h2 data-search-exclude id="downloads">下载</h2><p>下载文字</p>
<h3 id="x">下载小节</h3><p>小节文字</p>
<h2 id="cite2">引用</h2><p>引用文字</p>
"""


def test_page_from_html_keeps_prose_and_headings_not_tables_code_or_excluded_sections():
    meta = {"title": "页面标题", "description": "描述", "search_kind": "key-figures",
            "search_terms": ["网民规模", None, " "], "search_answer": "辽宁省 3,052.1 万人（2020）",
            "search_facts": [["网民规模", "3,052.1 万（辽宁省，2020-12）"], ["bad"],
                             ["网民规模", "3,052.1 万（辽宁省，2020-12）"]]}
    p = search.page_from_html("datasets/x/", meta, "导航标题", PAGE_HTML)
    assert p.title == "页面标题" and p.kind == "key-figures" and p.answer.startswith("辽宁省")
    assert p.terms == ["网民规模"] and p.facts == [["网民规模", "3,052.1 万（辽宁省，2020-12）"]]
    assert p.headings == ["辽宁网民", "说明", "引用"]
    assert "普及率" in p.body and "说明文字" in p.body and "引用文字" in p.body
    for gone in ("表格里的词", "代码里的词", "下载文字", "小节文字", "¶"):
        assert gone not in p.body, gone
    assert search.page_from_html("x/", {"search_kind": "<script>"}, "t", "").kind == "page"


def test_build_weights_title_and_names_over_body_and_ships_t2s_of_its_vocabulary():
    pages = [Page(url="b/", title="网民规模", body="互联网普及率"),
             Page(url="a/", title="其他", terms=["瀋陽網民"], body="网民规模"),
             Page(url="c/", title="其他", facts=[["网民规模", "3,052.1 万（辽宁省）"]])]
    index = search.build(pages)
    assert [d["u"] for d in index["docs"]] == ["a/", "b/", "c/"]          # sorted: stable output
    weights = dict(zip(index["tokens"]["规模"][0::2], index["tokens"]["规模"][1::2]))
    assert weights[1] == search.WEIGHTS["title"]                        # b/: in the title
    assert weights[0] == search.WEIGHTS["body"]                         # a/: only in the body
    assert weights[2] == search.WEIGHTS["terms"]                        # c/: a figure's name
    assert index["docs"][0]["s"] == ["瀋陽網民"] and index["docs"][2]["f"][0][1].startswith("3,052.1")
    pairs = index["t2s"]
    assert "瀋沈" in pairs and "陽阳" in pairs and "網网" in pairs
    simplified = set(pairs[1::2])
    assert simplified <= set("".join(index["tokens"]))                  # only what queries can use


def test_write_names_the_index_by_content_and_the_stub_keeps_the_engines_config(tmp_path):
    (tmp_path / "search").mkdir()
    (tmp_path / "search" / "search_index.json").write_text(
        json.dumps({"config": {"separator": "[\\s]+"}, "docs": [{"big": 1}]}), "utf-8")
    (tmp_path / "search" / "portal-index.old.json").write_text("{}", "utf-8")
    path = search.write(tmp_path, [Page(url="", title="首页")])
    engine.write_search_stub(tmp_path, "mkdocs", path.name, [])
    stub = json.loads((tmp_path / "search" / "search_index.json").read_text("utf-8"))
    assert stub == {"config": {"separator": "[\\s]+", "portal_index": path.name}, "docs": []}
    assert search.index_path(tmp_path) == path
    assert sorted(p.name for p in (tmp_path / "search").glob("portal-index.*")) == [path.name]
    again = search.write(tmp_path, [Page(url="", title="首页")])
    assert again.name == path.name                                       # same content, same name
    assert search.write(tmp_path, [Page(url="", title="首页二")]).name != path.name


def test_zensical_stub_lists_the_index_documents_in_order_escaped(tmp_path):
    """Zensical's UI renders a result from the documents of search.json by position."""
    (tmp_path / "search.json").write_text(json.dumps({"config": {"lang": ["zh"]}, "items": [{"big": 1}]}), "utf-8")
    docs = search.documents([Page(url="b/", title="乙 <b>", description="说明"),
                         Page(url="a/", title="甲", kind="indicator", answer="3,052.1 万人")])
    engine.write_search_stub(tmp_path, "zensical", "portal-index.x.json", docs)
    stub = json.loads((tmp_path / "search.json").read_text("utf-8"))
    assert stub["config"] == {"lang": ["zh"], "portal_index": "portal-index.x.json"}
    assert stub["items"] == [{"location": "a/", "title": "甲", "text": "3,052.1 万人", "path": []},
                             {"location": "b/", "title": "乙 &lt;b&gt;", "text": "说明", "path": []}]


CONFIG = ('<script id="__config" type="application/json">{"base": "../..", '
          '"search": "../../assets/javascripts/workers/search.a7633da7.min.js", "tags": null}</script>')


def test_post_build_points_the_themes_search_ui_at_the_portal_worker():
    out = postbuild.use_portal_search(CONFIG, "x.md")
    assert '"search": "../../assets/javascripts/portal-search.js"' in out
    assert postbuild.use_portal_search("<p>no config</p>", "x.md") == "<p>no config</p>"
    with pytest.raises(PortalError, match="search worker"):
        postbuild.use_portal_search(CONFIG.replace("workers/search", "workers/other"), "x.md")
