"""Search speed on a phone-class CPU: the built site in Chromium with the CPU throttled 4x
(CDP Emulation.setCPUThrottlingRate), reader queries typed into the header search box.

    python -m scripts.tools.search_bench [--site site] [--rate 4] [--runs 5]

Measured in the page (performance.now()): from the query's keyup to the first result in the
list (Material's UI -> the portal's worker -> rendered results), for each query of
tests/browser/search_queries.yaml, `--runs` times; and once, from navigation start to the
search being ready (the worker has fetched and parsed the index). Also the bytes of the index
and the client. Writes bench-results/search.md. Needs a built site (`make site`) and chromium.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

# resolves with the ms from keyup to the first result item of this query in the list
TIME_QUERY = """async (q) => {
  const box = document.querySelector("input[data-md-component=search-query]");
  const list = document.querySelector(".md-search-result__list");
  box.value = ""; box.dispatchEvent(new KeyboardEvent("keyup"));
  await new Promise(r => { const t = () => list.children.length ? requestAnimationFrame(t) : r(); t(); });
  return await new Promise(resolve => {
    const start = performance.now();
    const obs = new MutationObserver(() => {
      if (list.querySelector(".md-search-result__item")) { obs.disconnect(); resolve(performance.now() - start); }
    });
    obs.observe(list, { childList: true, subtree: true });
    box.value = q; box.dispatchEvent(new KeyboardEvent("keyup"));
  });
}"""


def measure(site: Path, rate: float, runs: int) -> dict:
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT))
    from scripts.portal.site import search
    from tests.browser.server import serve

    queries = [q["query"] for q in yaml.safe_load((ROOT / "tests/browser/search_queries.yaml").read_text("utf-8"))]
    server, url = serve(site, "/portal/")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 375, "height": 800})
            cdp = page.context.new_cdp_session(page)
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
            started = time.perf_counter()
            seen = {}
            page.context.on("request", lambda r: seen.setdefault(
                "index" if "/portal-index." in r.url else r.url, (time.perf_counter() - started) * 1000))
            page.on("domcontentloaded", lambda: seen.setdefault("dcl", (time.perf_counter() - started) * 1000))
            page.goto(url)
            page.locator("label[for=__search]").first.click()
            first = page.evaluate(TIME_QUERY, queries[0])  # includes waiting for the index
            ready_ms = (time.perf_counter() - started) * 1000
            times = {q: [page.evaluate(TIME_QUERY, q) for _ in range(runs)] for q in queries}
            interactive = page.evaluate("performance.timing.domInteractive - performance.timing.navigationStart")
            browser.close()
    finally:
        server.shutdown()
    flat = sorted(t for ts in times.values() for t in ts)
    return {"load": os.getloadavg()[0], "best_median_ms": statistics.median(min(v) for v in times.values()),
            "rate": rate, "runs": runs, "queries": len(queries), "first_query_ms": first,
            "ready_ms": ready_ms, "dom_interactive_ms": interactive,
            "index_requested_ms": seen.get("index"), "dcl_ms": seen.get("dcl"),
            "median_ms": statistics.median(flat), "p90_ms": flat[int(0.9 * (len(flat) - 1))], "max_ms": flat[-1],
            "slowest": sorted(((max(v), q) for q, v in times.items()), reverse=True)[:3],
            "index_bytes": search.index_path(site).stat().st_size,
            "client_bytes": (site / "assets/javascripts/portal-search.js").stat().st_size}


def report(r: dict) -> str:
    slow = ", ".join(f"{q} {ms:.0f} ms" for ms, q in r["slowest"])
    return (f"# Search speed\n\nChromium, CPU throttled {r['rate']:g}x (CDP Emulation.setCPUThrottlingRate), "
            f"viewport 375 px; {r['queries']} reader queries x {r['runs']} runs; machine load average "
            f"{r['load']:.1f} when measured (2 shared cores: the spread is mostly other processes) "
            f"(`python -m scripts.tools.search_bench`).\n\n"
            f"| measure | value |\n|---|---|\n"
            f"| keyup -> first result, median | {r['median_ms']:.1f} ms |\n"
            f"| keyup -> first result, median over queries of each query's best run | {r['best_median_ms']:.1f} ms |\n"
            f"| keyup -> first result, 90th percentile | {r['p90_ms']:.1f} ms |\n"
            f"| keyup -> first result, max | {r['max_ms']:.1f} ms |\n"
            f"| slowest queries | {slow} |\n"
            f"| page DOM interactive | {r['dom_interactive_ms']:.0f} ms |\n"
            f"| DOMContentLoaded / index requested by the worker (wall clock from navigation) | "
            f"{r['dcl_ms']:.0f} ms / {r['index_requested_ms']:.0f} ms |\n"
            f"| navigation -> first query answered (index fetched and parsed by the worker) | {r['ready_ms']:.0f} ms |\n"
            f"| index + client | {r['index_bytes']:,} + {r['client_bytes']:,} = "
            f"{r['index_bytes'] + r['client_bytes']:,} bytes |\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=ROOT / "site")
    parser.add_argument("--rate", type=float, default=4.0)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    if not (args.site / "search" / "search_index.json").exists():
        print(f"search_bench: no built site in {args.site} (run make site)", file=sys.stderr)
        return 1
    text = report(measure(args.site, args.rate, args.runs))
    out = ROOT / "bench-results" / "search.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(text, "utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
