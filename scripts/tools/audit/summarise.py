"""Summarise Lighthouse JSON reports and the reader-side size checks into lighthouse.md / .json.

    python scripts/tools/audit/summarise.py --site site --out bench-results PAGE=report.json ...

Goals (issue 9): performance >= 95, accessibility, best practices and SEO 100 on every audited
page (the median of the runs); opening a page does not load the chart runtime (it loads when a
reader reaches or touches a chart); a dataset page's own HTML stays under 60 KB; the search
index stays under 1 MB. Exit status 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

CATEGORIES = (("performance", "performance", 95), ("accessibility", "accessibility", 100),
              ("best-practices", "best practices", 100), ("seo", "SEO", 100))
METRICS = (("first-contentful-paint", "FCP"), ("largest-contentful-paint", "LCP"),
           ("total-blocking-time", "TBT"), ("cumulative-layout-shift", "CLS"), ("speed-index", "SI"))
DATASET_HTML_LIMIT = 60 * 1024
SEARCH_INDEX_LIMIT = 1024 * 1024
RUNTIME = re.compile(r"vega[^\"'/]*\.js")
CHART = re.compile(r"\.vl\.json")


def failing_audits(lhr: dict, category: str) -> list[dict]:
    out = []
    for ref in lhr["categories"][category]["auditRefs"]:
        audit = lhr["audits"][ref["id"]]
        if ref.get("weight", 0) == 0 and category != "performance":
            continue
        if category == "performance" and not ref.get("weight") and \
                not ((audit.get("details") or {}).get("overallSavingsMs") or 0) >= 100:
            continue  # only scored metrics and opportunities worth 100 ms or more
        if audit.get("scoreDisplayMode") in ("notApplicable", "manual", "informative") or audit.get("score") is None:
            continue
        if audit["score"] >= 1 or (category == "performance" and audit["score"] >= 0.9):
            continue
        items = (audit.get("details") or {}).get("items") or []
        items = [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []
        where = []
        for item in items[:3]:
            node = item.get("node") or {}
            source = item.get("source") if isinstance(item.get("source"), dict) else {}
            where.append(node.get("snippet") or node.get("selector") or item.get("url") or source.get("url")
                         or item.get("description") or json.dumps(item, ensure_ascii=False)[:120])
        out.append({"id": ref["id"], "title": audit["title"], "score": audit["score"],
                    "display": audit.get("displayValue", ""), "items": len(items),
                    "examples": [str(w)[:160] for w in where if w]})
    return out


def runtime_requests(lhr: dict) -> dict:
    items = ((lhr["audits"].get("network-requests") or {}).get("details") or {}).get("items") or []
    runtime = [i for i in items if RUNTIME.search(i.get("url", "").rsplit("/", 1)[-1])]
    blocking = ((lhr["audits"].get("render-blocking-resources") or {}).get("details") or {}).get("items") or []
    blocking_runtime = [b["url"] for b in blocking if RUNTIME.search(b.get("url", "").rsplit("/", 1)[-1])]
    charts = [i for i in items if CHART.search(i.get("url", ""))]
    return {"runtime_requested": bool(runtime), "runtime_blocking": blocking_runtime, "chart_specs": len(charts),
            "requests": len(items), "transfer_kb": round(sum(i.get("transferSize", 0) for i in items) / 1024, 1)}


def static_checks(site: Path) -> dict:
    datasets = sorted(site.glob("datasets/*/index.html"))
    sizes = {p.parent.name: p.stat().st_size for p in datasets}
    biggest = max(sizes.items(), key=lambda kv: kv[1]) if sizes else ("", 0)
    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
    from scripts.portal.site.search import shipped_bytes

    runtime_without_chart, chart_pages = [], 0
    for page in site.rglob("*.html"):
        text = page.read_text("utf-8", errors="replace")
        has_chart = bool(CHART.search(text))
        chart_pages += has_chart
        if not has_chart and re.search(r"<script[^>]+src=[\"'][^\"']*vega[^\"'/]*\.js", text):
            runtime_without_chart.append(str(page.relative_to(site)))
    return {"dataset_pages": len(sizes), "dataset_html_max": biggest[1], "dataset_html_max_page": biggest[0],
            "dataset_pages_over_limit": sorted(n for n, s in sizes.items() if s >= DATASET_HTML_LIMIT),
            "search_index_bytes": shipped_bytes(site),   # the portal's index + its client
            "pages_with_chart": chart_pages, "runtime_script_without_chart": sorted(runtime_without_chart)}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--site", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--lighthouse-version", default="")
    p.add_argument("--server", default="host", choices=("plain", "host"))
    p.add_argument("--load-start", default="", help="load averages (1, 5, 15 min) when the audit started")
    p.add_argument("--absent", default="", help="comma-separated optional page types the site does not have")
    p.add_argument("reports", nargs="+", help="TYPE|PAGE=run1.json,run2.json,...")
    args = p.parse_args(argv)

    pages, goals = [], []
    for spec in args.reports:
        page, paths = spec.split("=", 1)
        kind, page = page.split("|", 1) if "|" in page else ("", page)
        runs = [json.loads(Path(path).read_text("utf-8")) for path in paths.split(",")]
        runs.sort(key=lambda r: r["categories"]["performance"]["score"] or 0)
        lhr = runs[len(runs) // 2]  # the median run by performance score
        performance_runs = [round(100 * (r["categories"]["performance"]["score"] or 0)) for r in runs]
        scores = {key: round(100 * (lhr["categories"][key]["score"] or 0)) for key, _, _ in CATEGORIES}
        metrics = {label: lhr["audits"][mid].get("displayValue", "") for mid, label in METRICS if mid in lhr["audits"]}
        entry = {"type": kind, "page": "/" + page, "scores": scores, "performance_runs": performance_runs, "metrics": metrics, "runtime": runtime_requests(lhr),
                 "failing": {key: failing_audits(lhr, key) for key, _, _ in CATEGORIES},
                 "warnings": lhr.get("runWarnings", []), "chrome": lhr.get("environment", {}).get("hostUserAgent", "")}
        pages.append(entry)
        for key, label, limit in CATEGORIES:
            goals.append({"goal": f"{label} {'=' if limit == 100 else '≥'} {limit} on /{page}",
                          "measured": str(scores[key]), "met": scores[key] >= limit})
        rt = entry["runtime"]
        goals.append({"goal": f"opening /{page} does not load the chart runtime",
                      "measured": ("loaded" + (", render-blocking" if rt["runtime_blocking"] else ""))
                      if rt["runtime_requested"] else "not loaded", "met": not rt["runtime_requested"]})

    static = static_checks(args.site)
    goals.append({"goal": "a dataset page's own HTML < 60 KB",
                  "measured": f"largest {static['dataset_html_max'] / 1024:.1f} KB ({static['dataset_html_max_page']}), "
                              f"{len(static['dataset_pages_over_limit'])} of {static['dataset_pages']} over",
                  "met": not static["dataset_pages_over_limit"]})
    if static["search_index_bytes"] is not None:
        goals.append({"goal": "search index + client < 1 MB", "measured": f"{static['search_index_bytes'] / 1024:.0f} KB",
                      "met": static["search_index_bytes"] < SEARCH_INDEX_LIMIT})
    goals.append({"goal": "chart runtime <script> only on pages with a chart",
                  "measured": f"{len(static['runtime_script_without_chart'])} page(s) without a chart load it",
                  "met": not static["runtime_script_without_chart"]})

    chromium = subprocess.run(["sh", "-c", "${CHROME_PATH:-/usr/bin/chromium} --version"], capture_output=True,
                              text=True).stdout.strip()
    load_end = " ".join(f"{x:.2f}" for x in os.getloadavg())
    absent = [a for a in args.absent.split(",") if a]
    result = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
              "load": {"start": args.load_start, "end": load_end, "cores": os.cpu_count()}, "absent": absent,
              "lighthouse": args.lighthouse_version, "chrome": chromium, "server": args.server, "profile": "mobile (Lighthouse default)",
              "machine": {"platform": platform.platform(), "python": platform.python_version()},
              "pages": pages, "static": static, "goals": goals}
    lines = ["# Lighthouse audit (make audit)", "",
             f"{result['date']}; Lighthouse {result['lighthouse']} (mobile profile: emulated Moto G Power, "
             f"simulated slow 4G, 4× CPU slowdown), {chromium or 'chromium'} headless; site served on 127.0.0.1 by "
             + ("`python -m http.server` (no compression: not how a static host serves the site)."
                if args.server == "plain" else
                "`make serve`'s server, scripts/portal/serve.py (gzip, like GitHub Pages and other static hosts)."), "",
             f"Machine: {os.cpu_count()} cores, shared; load average (1, 5, 15 min) {args.load_start or '?'} "
             f"when the audit started, {load_end} when it ended. Lighthouse simulates a slow phone, but a "
             "loaded machine still lowers the performance scores.", "",
             f"Each page was audited {len(pages[0]['performance_runs'])} time(s); the run with the median "
             "performance score is reported (all performance scores in brackets). Page types are those of "
             "scripts/tools/audit/pages.yaml"
             + (f"; not in this site: {', '.join(absent)}." if absent else "."), "",
             "| type | page | performance | accessibility | best practices | SEO | FCP | LCP | TBT | CLS |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for e in pages:
        s, m = e["scores"], e["metrics"]
        runs = "/".join(map(str, e["performance_runs"]))
        lines.append(f"| {e['type']} | `{e['page']}` | {s['performance']} ({runs}) | {s['accessibility']} | {s['best-practices']} | "
                     f"{s['seo']} | {m.get('FCP', '')} | {m.get('LCP', '')} | {m.get('TBT', '')} | {m.get('CLS', '')} |")
    lines += ["", "## Goals", "", "| goal | measured | met |", "|---|---|---|"]
    lines += [f"| {g['goal']} | {g['measured']} | {'yes' if g['met'] else '**no**'} |" for g in goals]
    lines += ["", "## What loses points", ""]
    for e in pages:
        fails = [(cat, f) for cat, fs in e["failing"].items() for f in fs]
        lines.append(f"### `{e['page']}`")
        lines.append("")
        rt = e["runtime"]
        lines.append(f"{rt['requests']} requests, {rt['transfer_kb']} KB transferred; chart runtime "
                     f"{'requested' if rt['runtime_requested'] else 'not requested'}, {rt['chart_specs']} chart spec(s).")
        lines.append("")
        if not fails:
            lines.append("Nothing.")
        for cat, f in fails:
            ex = "; ".join(f"`{x}`" for x in (s.replace("`", "'").replace("|", "/").replace("\n", " ")
                                              for s in f["examples"]))
            lines.append(f"- {cat}: **{f['title']}** (score {f['score']}{', ' + f['display'] if f['display'] else ''})"
                         + (f" — {f['items']} item(s), e.g. {ex}" if ex else ""))
        for w in e["warnings"]:
            lines.append(f"- warning: {w}")
        lines.append("")
    text = "\n".join(lines).rstrip() + "\n"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "lighthouse.md").write_text(text, "utf-8")
    (args.out / "lighthouse.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", "utf-8")
    print(text)
    print(f"written {args.out / 'lighthouse.md'} and {args.out / 'lighthouse.json'}")
    missed = [g for g in goals if not g["met"]]
    if missed:
        print(f"audit: {len(missed)} goal(s) missed", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
