"""The search client (docs/assets/javascripts/portal-search.js) in Node, on an index built by the
Python builder from small pages: query segmentation agrees with the index's, traditional
queries are normalised, the ranking rules of issue 13 hold, and results are escaped text.

Node is the runtime (no browser needed); without /usr/bin/node the tests skip, except on CI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from scripts.portal.site import search
from scripts.portal.site.search import Page

CLIENT = Path(__file__).resolve().parents[1] / "docs" / "assets" / "javascripts" / "portal-search.js"
NODE = shutil.which("node")

RUNNER = """
const fs = require("fs");
const { Engine } = require(process.argv[1]);
const e = new Engine(JSON.parse(fs.readFileSync(process.argv[2], "utf8")));
const calls = JSON.parse(fs.readFileSync(0, "utf8"));
console.log(JSON.stringify(calls.map(([fn, arg]) => {
  if (fn === "segment") return e.segment(e.normalise(arg));
  if (fn === "rank") return e.answer(arg).items.map(i => i[0].location);
  if (fn === "answer") return e.answer(arg).items;
  throw new Error(fn);
})));
"""

PAGES = [
    Page(url="indicators/netizens/", title="网民规模", kind="indicator", terms=["网民规模", "网民人数", "網民規模"],
         answer="辽宁省 3,052.1 万人（2020-12）", description="网民规模指标"),
    Page(url="datasets/kf/part-4/", title="辽宁关键数字：第 4 部分", kind="key-figures",
         facts=[["网民规模", "3,052.1 万（辽宁省，2020-12）"], ["互联网普及率", "71.7 %（辽宁省，2020-12）"]]),
    Page(url="datasets/kf/part-5/", title="辽宁关键数字：第 5 部分：（三）农村网民规模", kind="key-figures",
         facts=[["农村网民规模", "955.3 万（辽宁省，2020-12）"]]),
    Page(url="datasets/cnnic/part-4/", title="全国关键数字：第 4 部分", kind="key-figures",
         facts=[["网民规模", "9.89 亿（全国，2020-12）"], ["手机网民规模", "9.86 亿（全国，2020-12）"]]),
    Page(url="datasets/enterprises/", title="互联网企业", kind="dataset", terms=["互联网企业", "互联网投资"],
         body="互联网 互联网 互联网 企业 投资 普及"),
    Page(url="datasets/base-stations/", title="5G基站与IPv6地址", kind="dataset", terms=["5G基站", "IPv6地址"],
         body="光纤接入（FTTH/O）用户"),
    Page(url="datasets/body-only/", title="附录", kind="dataset", body="5G基站 IPv6地址 在正文里"),
    Page(url="reports/shenyang/", title="建東北數字第一城——瀋陽", kind="report", body="瀋陽數字經濟"),
    Page(url="datasets/hostile/", title='<script>alert(1)</script>网民\u200b规模', kind="dataset",
         description='<img src=x onerror="alert(1)">'),
]


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    if not NODE:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but node is missing")
        pytest.skip("node not found (apt-get install nodejs)")
    index = tmp_path_factory.mktemp("search") / "index.json"
    index.write_text(json.dumps(search.build(PAGES), ensure_ascii=False), "utf-8")

    def call(*calls):
        out = subprocess.run([NODE, "-e", RUNNER, str(CLIENT), str(index)], input=json.dumps(calls),
                             capture_output=True, text=True, timeout=60, check=True)
        return json.loads(out.stdout)
    return call


def test_query_segmentation_matches_the_index(client):
    """Text the index holds is cut the same way in the browser (longest match against the
    index's vocabulary) as by jieba at build time; a word the index lacks falls apart."""
    texts = ["5G基站与IPv6地址", "光纤接入（FTTH/O）用户", "互联网普及率", "手机网民规模", "建東北數字第一城"]
    got = client(*[("segment", t) for t in texts])
    for text, tokens in zip(texts, got):
        indexed = [w for w, sub in search.words(search.normalise(text)) if not sub]
        assert tokens == indexed, (text, tokens, indexed)
    assert client(("segment", "5G基站建设"))[0] == ["5g", "基站", "建", "设"]


def test_traditional_and_full_width_queries_are_normalised(client):
    assert client(("segment", "網民規模"), ("segment", "ＩＰｖ６地址"), ("segment", "瀋陽")) == [
        ["网民", "规模"], ["ipv6", "地址"], ["沈阳"]]


def test_indicator_page_first_for_its_name_and_alias_in_either_script(client):
    for ranked in client(("rank", "网民规模"), ("rank", "网民人数"), ("rank", "網民規模")):
        assert ranked[0] == "indicators/netizens/", ranked


def test_figure_pages_before_pages_rich_in_one_word_and_liaoning_first(client):
    ranked = client(("rank", "互联网普及率"))[0]
    assert ranked[0] == "datasets/kf/part-4/", ranked          # holds the whole term
    assert ranked.index("datasets/kf/part-4/") < ranked.index("datasets/enterprises/")
    nation, liaoning = client(("rank", "全国网民规模"), ("rank", "手机网民规模"))
    assert nation[0] in ("datasets/cnnic/part-4/", "indicators/netizens/") and \
        nation.index("datasets/cnnic/part-4/") < nation.index("datasets/kf/part-4/")
    assert liaoning[0] == "datasets/cnnic/part-4/"             # the only page with that name


def test_all_words_and_name_matches_beat_body_matches(client):
    ranked = client(("rank", "5G基站"), ("rank", "ipv6 地址"))
    for r in ranked:
        assert r.index("datasets/base-stations/") < r.index("datasets/body-only/"), r


def test_prefix_of_a_word_being_typed_finds_it(client):
    assert "datasets/base-stations/" in client(("rank", "ipv"))[0]


def test_results_show_the_answer_as_escaped_text_without_zero_width_spaces(client):
    items = client(("answer", "网民规模"))[0]
    first = items[0][0]
    assert first["location"] == "indicators/netizens/" and "3,052.1 万人" in first["text"]
    assert {"网民", "规模", "网民规模"} == set(first["terms"]) and all(first["terms"].values())  # to highlight
    kf = next(i[0] for i in items if i[0]["location"] == "datasets/kf/part-4/")
    assert "<mark>网民规模</mark>：<strong>3,052.1 万（辽宁省，2020-12）</strong>" in kf["text"]
    hostile = next(i[0] for i in items if i[0]["location"] == "datasets/hostile/")
    assert "<script" not in hostile["title"] and "&lt;script&gt;" in hostile["title"]
    assert "<img" not in hostile["text"] and "&lt;img" in hostile["text"]
    assert not any("\u200b" in i[0]["title"] + i[0]["text"] for i in items)
    assert [i[0]["score"] for i in items] == sorted((i[0]["score"] for i in items), reverse=True)


def test_empty_and_unknown_queries_give_no_results(client):
    assert client(("rank", ""), ("rank", "   "), ("rank", "量子纠缠")) == [[], [], []]


def test_words_as_printed_are_highlighted_on_the_opened_page(client):
    """A simplified query opening a traditional page highlights what the page prints."""
    report = next(i[0] for i in client(("answer", "沈阳"))[0] if i[0]["location"] == "reports/shenyang/")
    assert "<mark>瀋陽</mark>" in report["title"]
    assert report["terms"] == {"沈阳": True, "瀋陽": True}


def test_questions_drop_question_words_and_the_closest_name_comes_first(client):
    for ranked in client(("rank", "网民"), ("rank", "辽宁有多少网民"), ("rank", "2020年辽宁网民规模")):
        kf = [r for r in ranked if r.startswith("datasets/kf/")]
        assert kf[:2] == ["datasets/kf/part-4/", "datasets/kf/part-5/"], ranked   # 网民规模 before 农村网民规模
    assert client(("rank", "辽宁有多少网民"))[0][0] == "indicators/netizens/"   # its answer names 辽宁
