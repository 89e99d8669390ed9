"""Draft the meaning file of a report's key figures (recipes/meaning/<slug>.csv) by rules.

Not the product: a maintainer runs it once for a new report (`python -m scripts.tools.draft_meaning
SLUG`), then reviews EVERY row against the source text before committing. The rules only guess
the kind (growth, share, rank from the wording), the sign of a decrease, the reference of a
growth/share/rank and the period type; the build reads the reviewed file, never these rules.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

from scripts.portal import paths
from scripts.portal.model.frames import package_frame
from scripts.portal.model.reader import load_package

COLUMNS = ["id", "wording", "kind", "reference", "sign", "period", "period_type", "indicator_id",
           "breakdown", "unmapped_reason"]
DECREASE = re.compile(r"下降|减少|降低|回落|缩减|下滑|减|降幅|跌")
GROWTH = re.compile(r"增长|增加|提升|提高|新增|增速|增幅|同比|环比|下降|减少|降低|回落|翻番|翻一番|扩大|恢复")
RANK = re.compile(r"排名|位次|排第|排行|名列|第[一二三四五六七八九十\d]+位|居全国|居东北|首位")
SHARE = re.compile(r"占比|比重|份额|占[^领用有据]")
FLOW_UNITS = ("元", "人次", "亿件", "万件", "件", "场", "次")


def guess_kind(wording: str, text: str, unit: str, own: str) -> str:
    if own == "target":
        return "target"
    if RANK.search(wording) or unit in ("位", "名"):
        return "rank"
    if SHARE.search(wording):
        return "share"
    if GROWTH.search(wording) or unit == "个百分点":
        return "growth"
    return "actual"


def guess_reference(kind: str, wording: str, text: str) -> str:
    both = wording + " " + text
    if kind == "rank":
        for word, ref in (("东北", "东北地区"), ("全国", "全国"), ("全省", "全省"), ("全球", "全球"), ("全市", "全市")):
            if word in both:
                return ref
        return ""
    if kind == "share":
        m = re.search(r"占([^，。；,;%\d]{2,24}?)(?:的)?(?:比重|比例|份额|总数|总量|\d)", text)
        return m.group(1) if m else ""
    if kind == "growth":
        m = re.search(r"较(\d{4})年(\d{1,2})月", both)
        if m:
            return f"{m.group(1)}年{m.group(2)}月"
        m = re.search(r"较(\d{4})年(底|末)", both)
        if m:
            return f"{m.group(1)}年底"
        for word, ref in (("同比", "上年同期"), ("环比", "上期"), ("较上年", "上年"), ("比上年", "上年"),
                          ("年均", "年均"), ("全国平均", "全国平均"), ("“十三五”", "“十三五”初")):
            if word in both:
                return ref
    return ""


def guess_period_type(kind: str, wording: str, unit: str, period: str) -> str:
    if "/" in period or "-" in period and len(period) == 9 or "年均" in wording:
        return "duration"
    if any(unit.endswith(u) for u in FLOW_UNITS) and "市值" not in wording and "资产" not in wording:
        return "duration"
    if kind == "growth" and ("同比" in wording or "增速" in wording):
        return "duration" if any(unit.endswith(u) for u in FLOW_UNITS) else "instant"
    return "instant"


def draft(slug: str) -> list[dict]:
    pkg = load_package(paths.packages_dir() / f"{slug}-key-figures")
    out = []
    for r in package_frame(pkg, raw=True).to_dict("records"):
        kind = guess_kind(r["indicator_simplified"], r["source_text"], r["unit"], r["kind"])
        sign = "-" if kind == "growth" and DECREASE.search(r["indicator_simplified"]) else ""
        out.append({"id": r["id"], "wording": r["indicator_simplified"], "kind": kind,
                    "reference": guess_reference(kind, r["indicator_simplified"], r["source_text"]), "sign": sign,
                    "period": "", "period_type": guess_period_type(kind, r["indicator_simplified"], r["unit"], r["period"]),
                    "indicator_id": "", "breakdown": "", "unmapped_reason": ""})
    return out


def main(argv: list[str]) -> int:
    for slug in argv:
        target = paths.RECIPES / "meaning" / f"{slug}.csv"
        target.parent.mkdir(exist_ok=True)
        with target.open("w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, COLUMNS, lineterminator="\n")
            w.writeheader()
            w.writerows(draft(slug))
        print(f"wrote {target} (review every row)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
