"""`make bench`: time every stage of the pipeline on synthetic portals of 30, 300 and 3,000 packages.

The synthetic packages are shaped like the real ones and written with the real
package writer (`package.render`): tables of 5–40 rows and 2–8 content columns
with Chinese labels — province tables (31 provinces, 辽宁 always among them),
period tables (one column per year, growth rate), composition tables (count,
share, 合计 row), plain category tables, plan-target tables — and one
key-figure package per report. A copy of `reports.json` lists synthetic reports
(one per six packages, like the real portal) whose slugs start every package
name. Everything is deterministic for a given `--seed`.

Each size gets its own copy of the project tree (code, mkdocs.yml, the
hand-written docs/, nothing generated, no cache) in a temporary directory, with
PORTAL_PACKAGES pointing to the synthetic packages, so the real docs/, site/
and chart cache are never touched. Stages, each run as a child process whose
wall time and peak memory (resident set of the whole process tree, sampled from
/proc, and the child's ru_maxrss from wait4) are measured:

    generate      write the synthetic packages (not a goal, for reference)
    validate      scripts.portal.validate.validate_all in one process
    build-cold    `python -m scripts.portal build` with an empty chart cache
    mkdocs        `mkdocs build --strict` of the generated site (the project's mkdocs.yml)
                  and the portal's post-build stage (CSP, search index), as `make site`
    mkdocs-bare   `mkdocs build` of the same Markdown without our pipeline: the
                  project's mkdocs.yml without our hooks (their navigation
                  inlined; theme, Material plugins, extensions unchanged): the
                  floor the pipeline adds to
    build-warm    the build again, nothing changed
    build-warm-1  the build again after one package changed

The real portal is timed too: cold and warm `python -m scripts.portal site`
in a copy of the project tree. Results go to bench-results/latest.md and
latest.json.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from scripts.portal import paths

SIZES = (30, 300, 3000)
SEED = 20240601
PER_REPORT = 6
STAGES = ("generate", "validate", "build-cold", "mkdocs", "mkdocs-bare", "build-warm", "build-warm-1")
REAL_STAGES = ("site-cold", "site-warm")
OUT = paths.ROOT / "bench-results"
# What a project-tree copy leaves out (besides git-ignored files): data, tests, results, audit tooling.
SKIP_PREFIXES = ("datapackages/", "tests/", "bench-results/", "scripts/tools/audit/")

PROVINCES = ["北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江",
             "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆",
             "四川", "贵州", "云南", "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆"]
PREFIXES = ["移动", "固定", "宽带", "数字", "智能", "工业", "农村", "城市", "网络", "数据", "云端",
            "物联网", "信息", "电子", "在线", "政务", "卫星", "光纤"]
SUFFIXES = ["用户", "终端", "企业", "服务", "平台", "应用", "支付", "办公", "教育", "医疗", "视频",
            "购物", "新闻", "游戏", "出行", "基站", "网站", "域名", "园区", "音乐"]
TOPICS = ["网民规模", "互联网普及率", "宽带接入用户", "移动电话用户", "域名数量", "网站数量", "网页数量",
          "IPv4地址", "IPv6地址", "数据中心机架", "5G基站", "工业互联网平台", "电子商务交易额",
          "网络零售额", "软件业务收入", "数字经济规模", "政务服务事项", "上云企业"]
COUNT_UNITS = ["万", "个", "万人", "万户", "家", "万个", "亿元"]
SECTIONS = ["第一章 基础资源", "第二章 网民规模与结构", "第三章 互联网应用", "第四章 产业发展",
            "附录 统计数据"]
GEOGRAPHIES = ["辽宁省", "全国", "沈阳市", "大连市"]
QUALIFIERS = ["", "", "", "约", "以上", "近", "超过"]


# ---------------------------------------------------------------- synthetic packages

def synthetic_reports(real: list[dict], count: int) -> list[dict]:
    """`count` reports modelled on the real registry, with slugs valid as package-name prefixes."""
    out = []
    for i in range(1, count + 1):
        base = dict(real[(i - 1) % len(real)])
        title = base.pop("title_simplified", None) or base["title"]
        base.update(slug=f"bench-{i:04d}", code=f"{i:04d}", language="zh-Hans",
                    title=f"{title}（基准测试合成 {i}）",
                    title_en=f"{base['title_en']} (synthetic benchmark copy {i})",
                    source_file=f"bench-{i:04d}.txt", url=None)
        out.append(base)
    return out


def _labels(rng: random.Random, n: int) -> list[str]:
    pool = [p + s for p in PREFIXES for s in SUFFIXES]
    return rng.sample(pool, n)


def _field(name: str, title: str, title_en: str, kind: str, unit: str | None = None,
           description: str = "") -> dict:
    spec = {"name": name, "title": title, "title_en": title_en, "type": kind,
            "description": description or f"{title}（合成数据）。"}
    if unit:
        spec["unit"] = unit
    return spec


def _number(rng: random.Random, decimals: int, low: float, high: float) -> str:
    value = rng.uniform(low, high)
    return f"{value:.{decimals}f}" if decimals else str(int(value))


def _table_provinces(rng):
    provinces = rng.sample([p for p in PROVINCES if p != "辽宁"], rng.randint(4, 30)) + ["辽宁"]
    rng.shuffle(provinces)
    n_measures = rng.randint(1, 6)
    topic = rng.choice(TOPICS)
    fields = [_field("province", "省份", "Province", "string", description="省、自治区、直辖市。")]
    rows = [{"province": p, "row_type": "data", "parent": ""} for p in provinces]
    checks, measures = [], []
    for m in range(1, n_measures + 1):
        name = f"value_{m}"
        unit = rng.choice(COUNT_UNITS)
        fields.append(_field(name, f"{2015 + m}年{topic}", f"{topic} {2015 + m}", "integer", unit))
        for r in rows:
            r[name] = _number(rng, 0, 10, 50000)
        measures.append(name)
    if rng.random() < 0.6:  # a share column with a share_sum check
        total = sum(int(r["value_1"]) for r in rows)
        fields.append(_field("share", "占比", "Share", "number", "%"))
        for r in rows:
            r["share"] = f"{100 * int(r['value_1']) / total:.2f}"
        checks.append({"check": "share_sum", "field": "share"})
        measures.append("share")
    if rng.random() < 0.7:  # a 合计 row with sum checks
        total_row = {"province": "合计", "row_type": "total", "parent": ""}
        for m in measures:
            if m == "share":
                total_row[m] = "100.00"
            else:
                total_row[m] = str(sum(int(r[m]) for r in rows))
                checks.append({"check": "sum", "field": m})
        rows.append(total_row)
    display = {"shape": "provinces", "category": "province", "measures": measures[:3], "highlight": "辽宁"}
    return f"各省{topic}", f"{topic} by province", fields, rows, checks, display, ["分省", "辽宁", topic]


def _table_periods(rng):
    labels = _labels(rng, rng.randint(5, 40))
    n_years = rng.randint(2, 6)
    years = list(range(2021 - n_years, 2021))
    unit = rng.choice(COUNT_UNITS)
    decimals = rng.choice([0, 1])
    fields = [_field("indicator", "指标", "Indicator", "string")]
    rows = [{"indicator": label, "row_type": "data", "parent": ""} for label in labels]
    for y in years:
        fields.append(_field(f"y{y}", f"{y}年", f"{y}", "number" if decimals else "integer", unit))
        for r in rows:
            r[f"y{y}"] = "" if rng.random() < 0.03 else _number(rng, decimals, 100, 90000)
    checks = []
    if n_years < 6 and rng.random() < 0.7:
        old, new = f"y{years[-2]}", f"y{years[-1]}"
        fields.append(_field("growth", "增长率", "Growth rate", "number", "%"))
        for r in rows:
            if r[old] and r[new]:
                r["growth"] = f"{(float(r[new]) - float(r[old])) / float(r[old]) * 100:.1f}"
            else:
                r["growth"] = ""
        checks.append({"check": "growth", "old": old, "new": new, "rate": "growth"})
    topic = rng.choice(TOPICS)
    display = {"shape": "periods", "category": "indicator", "measures": [f"y{y}" for y in years[-2:]]}
    return f"{topic}（{years[0]}—{years[-1]}年）", f"{topic}, {years[0]}–{years[-1]}", fields, rows, checks, \
        display, ["时间序列", topic]


def _table_composition(rng):
    labels = _labels(rng, rng.randint(4, 39))
    unit = rng.choice(["家", "个", "万户", "万人"])
    fields = [_field("category", "类别", "Category", "string"),
              _field("count", "数量", "Count", "integer", unit),
              _field("share", "占比", "Share", "number", "%")]
    rows = [{"category": label, "count": _number(rng, 0, 5, 5000), "row_type": "data", "parent": ""}
            for label in labels]
    total = sum(int(r["count"]) for r in rows)
    for r in rows:
        r["share"] = f"{100 * int(r['count']) / total:.1f}"
    checks = [{"check": "sum", "field": "count"}, {"check": "share_sum", "field": "share"},
              {"check": "share", "count": "count", "share": "share", "base_row": "合计"}]
    extra = rng.randint(0, 5)
    total_row = {"category": "合计", "count": str(total), "share": "100.0", "row_type": "total", "parent": ""}
    for e in range(1, extra + 1):
        name = f"count_{2015 + e}"
        fields.append(_field(name, f"{2015 + e}年数量", f"Count {2015 + e}", "integer", unit))
        for r in rows:
            r[name] = _number(rng, 0, 5, 5000)
        total_row[name] = str(sum(int(r[name]) for r in rows))
        checks.append({"check": "sum", "field": name})
    rows.append(total_row)
    topic = rng.choice(TOPICS)
    display = {"shape": "composition", "category": "category", "measures": ["share", "count"]}
    return f"{topic}构成", f"Composition of {topic}", fields, rows, checks, display, ["构成", topic]


def _table_categories(rng):
    labels = _labels(rng, rng.randint(5, 40))
    n_measures = rng.randint(1, 7)
    fields = [_field("item", "项目", "Item", "string")]
    rows = []
    for i, label in enumerate(labels):
        sub = i > 0 and rng.random() < 0.1 and rows[-1]["row_type"] == "data"
        rows.append({"item": label, "row_type": "subrow" if sub else "data",
                     "parent": rows[-1]["item"] if sub else ""})
    measures = []
    for m in range(1, n_measures + 1):
        decimals = rng.choice([0, 1, 2])
        unit = "%" if decimals == 2 else rng.choice(COUNT_UNITS)
        name = f"measure_{m}"
        fields.append(_field(name, rng.choice(TOPICS), f"Measure {m}", "number" if decimals else "integer", unit))
        for r in rows:
            r[name] = "" if rng.random() < 0.03 else _number(rng, decimals, 1, 99 if decimals == 2 else 20000)
        measures.append(name)
    topic = rng.choice(TOPICS)
    display = {"shape": "categories", "category": "item", "measures": measures[:2]}
    return f"{topic}分类统计", f"{topic} by category", fields, rows, [], display, ["分类", topic]


def _table_targets(rng):
    labels = _labels(rng, rng.randint(5, 25))
    fields = [_field("indicator", "指标", "Indicator", "string"),
              _field("unit", "单位", "Unit", "string"),
              _field("baseline", "2020年基数", "Baseline 2020", "number", "见 unit 列"),
              _field("target", "2025年目标", "Target 2025", "number", "见 unit 列"),
              _field("attribute", "属性", "Attribute", "string", description="预期性或约束性。")]
    rows = []
    for label in labels:
        unit = rng.choice(["%", "万", "个", "亿元"])
        base = float(_number(rng, 1, 1, 900))
        rows.append({"indicator": label, "unit": unit, "baseline": f"{base:.1f}",
                     "target": f"{base * rng.uniform(1.05, 2.5):.1f}", "attribute": rng.choice(["预期性", "约束性"]),
                     "row_type": "data", "parent": ""})
    display = {"shape": "targets", "category": "indicator", "measures": ["baseline", "target"]}
    return "发展主要指标", "Main development indicators", fields, rows, [], display, ["规划目标", "辽宁"]


TABLE_KINDS = (("provinces", _table_provinces, 30), ("periods", _table_periods, 25),
               ("composition", _table_composition, 25), ("categories", _table_categories, 12),
               ("targets", _table_targets, 8))


def _key_figures(rng, report):
    from scripts.portal.extract.keyfigures import FIELDS

    rows = []
    labels = _labels(rng, rng.randint(8, 40))
    for i, label in enumerate(labels, 1):
        unit = rng.choice(["万", "%", "亿元", "个", "百分点", "家"])
        value = _number(rng, rng.choice([0, 1]), 1, 9000)
        period = rng.choice(["2019", "2020", "2020-12", "2025"])
        qualifier = rng.choice(QUALIFIERS)
        rows.append({"id": f"kf-{i:03d}", "indicator": label, "indicator_simplified": label, "value": value,
                     "unit": unit, "period": period, "geography": rng.choice(GEOGRAPHIES),
                     "kind": "target" if period == "2025" else "fact", "qualifier": qualifier,
                     "section": rng.choice(SECTIONS), "figure": rng.choice(["", "", f"图{i}"]),
                     "source_line": str(10 + 3 * i), "source_text": f"{label}{qualifier}{value}{unit}"})
    return FIELDS, rows


def synthetic_package(seed: int, index: int, report: dict, number: int, bump: bool = False) -> tuple[str, dict]:
    """Files of the synthetic package `index` (deterministic); `bump` changes one value."""
    from scripts.portal.model import writer as package

    rng = random.Random(f"{seed}-{index}")
    slug = report["slug"]
    first_line = rng.randint(10, 4000)
    if number == 0:
        fields, rows = _key_figures(rng, report)
        name = f"{slug}-key-figures"
        title, title_en = f"{report['title']}关键数字", f"{report['title_en']} — key figures"
        checks, display, keywords, label, pk = [], {"shape": "key-figures"}, ["关键数字", "辽宁"], "indicator", ["id"]
        table = "key-figures"
    else:
        kind, maker, _ = rng.choices(TABLE_KINDS, weights=[w for *_, w in TABLE_KINDS])[0]
        title, title_en, fields, rows, checks, display, keywords = maker(rng)
        appendix = rng.random() < 0.3
        table = f"{'附表' if appendix else '表'}{number}"
        name = f"{slug}-{'appendix' if appendix else 'table'}-{number}-{kind}"
        label = fields[0]["name"]
        pk = [label]
        for i, r in enumerate(rows):
            r["source_line"] = str(first_line + i)
        fields = fields + package.META_FIELDS
    if bump:  # one changed cell: a new CSV hash, new pages, new charts for this package only
        numeric = [f["name"] for f in fields if f["type"] in ("integer", "number") and f["name"] != "source_line"]
        row = next(r for r in rows if r.get("row_type", "data") == "data" and r.get(numeric[0]))
        row[numeric[0]] = str(int(float(row[numeric[0]])) + 1) if "." not in row[numeric[0]] \
            else f"{float(row[numeric[0]]) + 0.1:.{len(row[numeric[0]].split('.')[1])}f}"
    lines = [int(r["source_line"]) for r in rows]
    meta = {
        "name": name, "title": title, "title_en": title_en,
        "description": f"{title}（基准测试用合成数据，形状仿照真实数据包；数值随机生成，不代表任何统计结果）。",
        "keywords": keywords, "display": display,
        "x-source": {"report": slug, "table": table, "caption": f"{table} {title}" if number else "",
                     "section": rng.choice(SECTIONS), "source_note": "数据来源：基准测试合成数据",
                     "footnotes": [], "notes": [], "file": report["source_file"],
                     "lines": [min(lines), max(lines)]},
    }
    return name, package.render(meta, report, fields, rows, checks, label, pk)


def plan(count: int) -> list[tuple[int, int, int]]:
    """(package index, report index, number within the report) for `count` packages."""
    reports = max(1, math.ceil(count / PER_REPORT))
    return [(i, i // PER_REPORT if reports > 1 else 0, i % PER_REPORT if reports > 1 else i)
            for i in range(count)]


def generate(directory: Path, count: int, seed: int = SEED, real_packages: Path | None = None) -> Path:
    """Write `count` synthetic packages and their reports.json into `directory`; return it."""
    from scripts.portal.model import writer as package

    real = json.loads(((real_packages or paths.ROOT / "datapackages") / "reports.json").read_text("utf-8"))
    layout = plan(count)
    reports = synthetic_reports(real, max(r for _, r, _ in layout) + 1)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "reports.json").write_text(json.dumps(reports, ensure_ascii=False, indent=2) + "\n", "utf-8")
    for index, report, number in layout:
        name, files = synthetic_package(seed, index, reports[report], number)
        package.write(files, directory / name)
    return directory


def change_one(directory: Path, count: int, seed: int = SEED) -> str:
    """Change one value of one package (the middle one) in place; return its name."""
    from scripts.portal.model import writer as package

    reports = json.loads((directory / "reports.json").read_text("utf-8"))
    index, report, number = plan(count)[count // 2]
    name, files = synthetic_package(seed, index, reports[report], number, bump=True)
    package.write(files, directory / name)
    return name


# ---------------------------------------------------------------- measuring child processes

def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(entry.name))
    return kids


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants."""
    kids, total, todo = _children(), 0, [pid]
    page = os.sysconf("SC_PAGE_SIZE")
    while todo:
        p = todo.pop()
        todo.extend(kids.get(p, []))
        try:
            with open(f"/proc/{p}/statm") as fh:
                total += int(fh.read().split()[1]) * page
        except (OSError, IndexError, ValueError):
            pass
    return total


def measure(cmd: list[str], cwd: Path, env: dict, log: Path) -> dict:
    """Run `cmd`; return wall seconds, CPU seconds (user + system of the process and the children
    it waited for: on a shared machine the steadier figure), peak MB (process tree, sampled; or
    wait4 ru_maxrss), exit code and the 1-minute load average when it started."""
    load = os.getloadavg()[0]
    with open(log, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        peak = [0]
        done = threading.Event()

        def sample():
            while not done.wait(0.05):
                peak[0] = max(peak[0], tree_rss(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
    maxrss = usage.ru_maxrss * 1024  # kB on Linux: the child or its largest reaped descendant
    return {"seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime, "load": load,
            "peak_mb": max(peak[0], maxrss) / 2 ** 20, "rc": proc.returncode,
            "log": log.read_text("utf-8", errors="replace")}


def copy_tree(target: Path, with_packages: Path | None = None) -> Path:
    """A copy of the project (tracked and untracked, not ignored) without data, tests and outputs."""
    listing = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=paths.ROOT,
                             capture_output=True, check=True).stdout.decode("utf-8").split("\0")
    for rel in filter(None, listing):
        src = paths.ROOT / rel
        if rel.startswith(SKIP_PREFIXES) or not src.is_file():
            continue
        dst = target / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)
    if with_packages is not None:
        shutil.copytree(with_packages, target / "datapackages",
                        ignore=shutil.ignore_patterns("__pycache__"))
    return target


# ---------------------------------------------------------------- the bare mkdocs config

NAV_FILE = ".nav.json"  # written by the site build, put into the engine's config by engine.py
# The site stage of `make site`: the engine (strict) and the post-build stage (publish.render).
RENDER = ("import sys; from pathlib import Path; from scripts.portal import publish; "
          "publish.render(Path(sys.argv[1]).resolve(), Path(sys.argv[2]), 'mkdocs')")


class _Tagged:
    def __init__(self, tag, value):
        self.tag, self.value = tag, value


def bare_config(config: Path, target: Path) -> Path:
    """The project's mkdocs.yml without our stages (the nav the build wrote into docs/ inlined);
    theme, Material plugins and Markdown extensions unchanged."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def construct(loader, suffix, node):
        tag = node.tag
        if isinstance(node, yaml.ScalarNode):
            return _Tagged(tag, loader.construct_scalar(node))
        if isinstance(node, yaml.SequenceNode):
            return _Tagged(tag, loader.construct_sequence(node))
        return _Tagged(tag, loader.construct_mapping(node))

    Loader.add_multi_constructor("!", construct)
    Loader.add_multi_constructor("tag:yaml.org,2002:python/", construct)

    class Dumper(yaml.SafeDumper):
        pass

    def represent(dumper, data):
        if isinstance(data.value, list):
            return dumper.represent_sequence(data.tag, data.value)
        if isinstance(data.value, dict):
            return dumper.represent_mapping(data.tag, data.value)
        return dumper.represent_scalar(data.tag, data.value)

    Dumper.add_representer(_Tagged, represent)
    cfg = yaml.load(config.read_text("utf-8"), Loader=Loader) or {}
    cfg.pop("hooks", None)
    nav = config.parent / cfg.get("docs_dir", "docs") / NAV_FILE
    if "nav" not in cfg and nav.exists():  # the navigation engine.py would have set, inlined
        cfg["nav"] = json.loads(nav.read_text("utf-8"))
    target.write_text(yaml.dump(cfg, Dumper=Dumper, allow_unicode=True, sort_keys=False), "utf-8")
    return target


# ---------------------------------------------------------------- running one size

def _env(packages: Path) -> dict:
    env = dict(os.environ, PORTAL_PACKAGES=str(packages), NO_MKDOCS_2_WARNING="1", PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTHONPATH", None)
    return env


VALIDATE = ("import json, sys, time; t = time.perf_counter(); "
            "from scripts.portal.validate import validate_all; from pathlib import Path; "
            "r = validate_all(Path(sys.argv[1])); "
            "print('BENCH', json.dumps({'work_seconds': time.perf_counter() - t, 'packages': len(r), "
            "'errors': [str(e) for x in r for e in x.errors][:20], 'error_count': sum(len(x.errors) for x in r)}))")
GENERATE = ("import json, sys, time; t = time.perf_counter(); from pathlib import Path; "
            "from scripts.tools.bench import generate; "
            "generate(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])); "
            "print('BENCH', json.dumps({'work_seconds': time.perf_counter() - t}))")


def _bench_line(log: str) -> dict:
    for line in reversed(log.splitlines()):
        if line.startswith("BENCH "):
            return json.loads(line[6:])
    return {}


def site_builder_available(tree: Path) -> bool:
    return (tree / "scripts" / "portal" / "site" / "build.py").exists() and (tree / "mkdocs.yml").exists()


def run_size(count: int, work: Path, seed: int = SEED, real_packages: Path | None = None,
             echo=print) -> list[dict]:
    """Every stage at one size; returns one row per stage (in STAGES order)."""
    py = sys.executable
    tree = copy_tree(work / "tree")
    packages = work / "packages"
    env = _env(packages)
    rows: list[dict] = []
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)

    def stage(name: str, cmd: list[str], note: str = "") -> dict:
        echo(f"  {count:>5} packages  {name:13} …", end="", flush=True)
        m = measure(cmd, tree, env, logs / f"{name}.log")
        extra = _bench_line(m["log"])
        row = {"size": count, "stage": name, "seconds": round(m["seconds"], 3),
               "cpu_seconds": round(m["cpu_seconds"], 3), "load": round(m["load"], 2),
               "ms_per_package": round(1000 * m["seconds"] / count, 2), "peak_mb": round(m["peak_mb"], 1),
               "ok": m["rc"] == 0, "note": note}
        row.update({k: v for k, v in extra.items() if k in ("work_seconds", "error_count", "errors", "packages")})
        if "work_seconds" in row:
            row["work_seconds"] = round(row["work_seconds"], 3)
        if m["rc"] != 0:
            row["note"] = (note + "; " if note else "") + f"exit {m['rc']}: " + \
                " | ".join(m["log"].strip().splitlines()[-3:])[-300:]
        rows.append(row)
        echo(f" {row['seconds']:8.2f} s {row['peak_mb']:7.0f} MB{'' if row['ok'] else '  FAILED'}")
        return row

    def skipped(name: str, why: str) -> None:
        rows.append({"size": count, "stage": name, "seconds": None, "ms_per_package": None, "peak_mb": None,
                     "ok": None, "note": f"skipped: {why}"})

    stage("generate", [py, "-c", GENERATE, str(packages), str(count), str(seed),
                       str(real_packages or paths.packages_dir())])
    stage("validate", [py, "-c", VALIDATE, str(packages)], "validate_all in one process")
    if not site_builder_available(tree):
        for name in STAGES[2:]:
            skipped(name, "scripts/portal/site/build.py or mkdocs.yml not present")
        return rows
    build = [py, "-m", "scripts.portal", "build"]
    mkdocs = [py, "-m", "mkdocs", "build", "--quiet", "-f"]
    cold = stage("build-cold", build, "empty chart cache")
    if not cold["ok"]:
        for name in STAGES[3:]:
            skipped(name, "build-cold failed")
        return rows
    full = stage("mkdocs", [py, "-c", RENDER, "docs", str(work / "site")], "--strict, with the post-build stage")
    if not full["ok"]:  # time it anyway, without --strict
        rows.pop()
        (logs / "mkdocs.log").replace(logs / "mkdocs-strict.log")
        stage("mkdocs", mkdocs + ["mkdocs.yml", "-d", str(work / "site")],
              "--strict failed: " + full["note"].split(": ", 1)[-1] + "; timed without --strict")
    sizes = site_sizes(work / "site")
    if sizes:
        rows[-1]["site"] = sizes
        rows[-1]["note"] += (f"; dataset page HTML median {sizes['dataset_html_median_kb']} KB, "
                             f"max {sizes['dataset_html_max_kb']} KB; search index + client {sizes['search_index_kb']} KB")
    bare = bare_config(tree / "mkdocs.yml", tree / "mkdocs-bare.yml")
    stage("mkdocs-bare", mkdocs + [bare.name, "-d", str(work / "site-bare")],
          "mkdocs.yml without our hooks (nav inlined)")
    stage("build-warm", build, "nothing changed")
    changed = change_one(packages, count, seed)
    stage("build-warm-1", build, f"one package changed ({changed})")
    return rows


def site_sizes(site: Path) -> dict:
    """Sizes a reader pays for: a dataset page's own HTML, the search index and client."""
    from scripts.portal.site.search import shipped_bytes

    pages = sorted(p.stat().st_size for p in site.glob("datasets/*/index.html"))
    search_bytes = shipped_bytes(site)
    if not pages:
        return {}
    return {"dataset_pages": len(pages), "dataset_html_median_kb": round(pages[len(pages) // 2] / 1024, 1),
            "dataset_html_max_kb": round(pages[-1] / 1024, 1),
            "search_index_kb": round(search_bytes / 1024) if search_bytes is not None else None}


def run_real(work: Path, real_packages: Path, echo=print) -> list[dict]:
    """Cold and warm `python -m scripts.portal site` of the real portal in a copy of the tree."""
    tree = copy_tree(work / "tree", with_packages=real_packages)
    env = _env(tree / "datapackages")
    count = len(list((tree / "datapackages").glob("*/datapackage.json")))
    rows = []
    for name in REAL_STAGES:
        if not site_builder_available(tree):
            rows.append({"size": count, "stage": name, "seconds": None, "ms_per_package": None,
                         "peak_mb": None, "ok": None, "note": "skipped: site builder not present"})
            continue
        echo(f"  real portal ({count} packages)  {name:10} …", end="", flush=True)
        cmd = [sys.executable, "-m", "scripts.portal", "site", "--packages", str(tree / "datapackages")]
        m = measure(cmd, tree, env, work / f"{name}.log")
        row = {"size": count, "stage": name, "seconds": round(m["seconds"], 3),
               "cpu_seconds": round(m["cpu_seconds"], 3), "load": round(m["load"], 2),
               "ms_per_package": round(1000 * m["seconds"] / count, 2), "peak_mb": round(m["peak_mb"], 1),
               "ok": m["rc"] == 0, "note": "empty chart cache" if name == "site-cold" else "nothing changed"}
        if m["rc"]:
            row["note"] += f"; exit {m['rc']}: " + " | ".join(m["log"].strip().splitlines()[-3:])[-300:]
        rows.append(row)
        echo(f" {row['seconds']:8.2f} s {row['peak_mb']:7.0f} MB{'' if row['ok'] else '  FAILED'}")
    return rows


# ---------------------------------------------------------------- report

def machine() -> dict:
    from importlib import metadata

    def version(name):
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    cpu = ""
    try:
        cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "")
        mem_kb = next(int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal"))
    except (OSError, StopIteration):
        mem_kb = 0
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=paths.ROOT, capture_output=True,
                            text=True).stdout.strip()
    return {"nproc": len(os.sched_getaffinity(0)), "cpu": cpu, "memory_gb": round(mem_kb / 2 ** 20, 1),
            "python": platform.python_version(), "platform": platform.platform(), "commit": commit,
            "packages": {n: version(n) for n in ("mkdocs", "mkdocs-material", "frictionless", "altair",
                                                 "vl-convert-python", "jieba")}}


def _get(rows, size, stage):
    return next((r for r in rows if r["size"] == size and r["stage"] == stage and r["seconds"] is not None), None)


def linearity(rows: list[dict], sizes: list[int]) -> list[dict]:
    """Per-package cost across sizes; marginal cost of the last step against the one before."""
    out = []
    if len(sizes) < 2:
        return out
    for stage in STAGES:
        points = [(s, _get(rows, s, stage)) for s in sizes]
        points = [(s, r["seconds"]) for s, r in points if r]
        if len(points) < 2:
            continue
        per = {s: 1000 * t / s for s, t in points}
        (s1, t1), (s2, t2) = points[-2], points[-1]
        marginal = 1000 * (t2 - t1) / (s2 - s1)
        ratio = per[s2] / per[s1] if per[s1] else float("inf")
        if ratio <= 1.25:
            verdict = "linear (per-package cost flat or falling)"
        elif ratio <= 2:
            verdict = f"slightly super-linear (per-package cost ×{ratio:.2f} from {s1} to {s2})"
        else:
            verdict = f"super-linear (per-package cost ×{ratio:.1f} from {s1} to {s2})"
        out.append({"stage": stage, "ms_per_package": {str(s): round(v, 2) for s, v in per.items()},
                    "marginal_ms_per_package": round(marginal, 2), "verdict": verdict})
    return out


def goals(rows: list[dict], real: list[dict], sizes: list[int]) -> list[dict]:
    out = []

    def goal(text, measured, ok):
        out.append({"goal": text, "measured": measured, "met": ok})

    for s in sizes:
        v = _get(rows, s, "validate")
        if v:
            work = v.get("work_seconds", v["seconds"])
            goal(f"validation < 15 ms/package ({s} packages)",
                 f"{1000 * work / s:.1f} ms/package in process ({1000 * v['seconds'] / s:.1f} with interpreter start)"
                 f"; {v.get('error_count', '?')} errors", 1000 * work / s < 15 and not v.get("error_count"))
    ref = 300 if 300 in sizes else (max(sizes) if sizes else None)
    cold, bare = _get(rows, ref, "build-cold"), _get(rows, ref, "mkdocs-bare")
    warm, warm1 = _get(rows, ref, "build-warm"), _get(rows, ref, "build-warm-1")
    full = _get(rows, ref, "mkdocs")
    if cold and bare:
        cpu = (f"; CPU {cold['cpu_seconds']:.1f} s vs {bare['cpu_seconds']:.1f} s"
               if cold.get("cpu_seconds") is not None and bare.get("cpu_seconds") is not None else "")
        goal(f"generation cold ≤ bare mkdocs build ({ref} packages)",
             f"{cold['seconds']:.1f} s vs {bare['seconds']:.1f} s (×{cold['seconds'] / bare['seconds']:.2f}){cpu}",
             cold["seconds"] <= bare["seconds"])
    if warm and bare:
        goal(f"generation warm, nothing changed < 1/10 of bare mkdocs ({ref} packages)",
             f"{warm['seconds']:.2f} s vs {bare['seconds'] / 10:.2f} s", warm["seconds"] < bare["seconds"] / 10)
    if warm1:
        extra = f" (+ mkdocs {full['seconds']:.1f} s)" if full else ""
        goal(f"generation warm, one package changed < 2 s plus mkdocs ({ref} packages)",
             f"{warm1['seconds']:.2f} s{extra}", warm1["seconds"] < 2)
    for r in real:
        if r["seconds"] is None:
            continue
        limit = 30 if r["stage"] == "site-cold" else 15
        goal(f"real portal, {'cold' if r['stage'] == 'site-cold' else 'warm'} `make site` < {limit} s",
             f"{r['seconds']:.1f} s ({r['size']} packages)", r["seconds"] < limit and r["ok"])
    big = max(sizes) if sizes else None
    peaks = [r["peak_mb"] for r in rows if r["size"] == big and r["peak_mb"] is not None]
    if peaks:
        goal(f"peak memory < 1 GB ({big} packages)", f"{max(peaks):.0f} MB", max(peaks) < 1024)
    return out


def _fmt(v, spec):
    return "—" if v is None else format(v, spec)


def markdown(result: dict) -> str:
    m = result["machine"]
    lines = ["# Benchmark: latest figures", "",
             f"`make bench` ({result['command']}), {result['date']}, commit `{m['commit']}`, "
             f"seed {result['seed']}, {result['total_seconds']:.0f} s in all.", "",
             f"Machine: {m['nproc']} cores ({m['cpu'] or 'unknown CPU'}), {m['memory_gb']} GB RAM, "
             f"Python {m['python']}, {m['platform']}; "
             + ", ".join(f"{k} {v}" for k, v in m["packages"].items() if v) + ".", "",
             "Seconds are wall time of each stage's process (interpreter start included); peak MB is the "
             "resident memory of the stage's whole process tree (sampled every 50 ms, at least the largest "
             "single process's ru_maxrss). CPU s is user + system time of the stage's process and the "
             "children it waited for; load is the 1-minute load average when the stage started (the "
             "machine is shared: wall seconds grow with it, CPU seconds much less).", "",
             "| packages | stage | seconds | CPU s | load | ms / package | peak MB | note |",
             "|---:|---|---:|---:|---:|---:|---:|---|"]
    for r in result["stages"] + result["real"]:
        note = r["note"]
        if r.get("work_seconds") is not None:
            note = f"{note}; {r['work_seconds']:.2f} s inside the process".lstrip("; ")
        lines.append(f"| {r['size']} | {r['stage']} | {_fmt(r['seconds'], '.2f')} | "
                     f"{_fmt(r.get('cpu_seconds'), '.2f')} | {_fmt(r.get('load'), '.1f')} | "
                     f"{_fmt(r['ms_per_package'], '.1f')} | {_fmt(r['peak_mb'], '.0f')} | "
                     f"{note.replace('|', '/')} |")
    if result["linearity"]:
        sizes = result["sizes"]
        lines += ["", "## Does cost grow linearly?", "",
                  "| stage | " + " | ".join(f"ms/pkg @ {s}" for s in sizes) + " | marginal ms/pkg | verdict |",
                  "|---|" + "---:|" * len(sizes) + "---:|---|"]
        for l in result["linearity"]:
            lines.append(f"| {l['stage']} | " + " | ".join(_fmt(l['ms_per_package'].get(str(s)), '.1f')
                                                           for s in sizes)
                         + f" | {l['marginal_ms_per_package']:.1f} | {l['verdict']} |")
        linear = [l["stage"] for l in result["linearity"] if l["verdict"].startswith("linear")]
        other = [l["stage"] for l in result["linearity"] if not l["verdict"].startswith("linear")]
        lines += ["", f"Per-package cost from {sizes[-2]} to {sizes[-1]} packages: "
                  + (f"flat or falling (linear growth) for {', '.join(linear)}" if linear else "")
                  + ("; " if linear and other else "")
                  + (f"rising (super-linear growth) for {', '.join(other)}" if other else "") + "."]
    lines += ["", "## Goals", "", "| goal | measured | met |", "|---|---|---|"]
    for g in result["goals"]:
        lines.append(f"| {g['goal']} | {g['measured']} | {'yes' if g['met'] else '**no**'} |")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- command line

def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sizes", default=",".join(map(str, SIZES)),
                   help="comma-separated portal sizes in packages (default 30,300,3000; 30,300 for a quick run)")
    p.add_argument("--seed", type=int, default=SEED, help="random seed of the synthetic packages")
    p.add_argument("--out", type=Path, default=OUT, help="where latest.md and latest.json go (default bench-results/)")
    p.add_argument("--workdir", type=Path, default=None, help="temporary directory (default: a new one in $TMPDIR)")
    p.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, trees, sites)")
    p.add_argument("--no-real", action="store_true", help="skip timing the real portal")


def run(args) -> int:
    sizes = [int(s) for s in str(args.sizes).split(",") if s.strip()]
    start = time.perf_counter()
    info = machine()  # before the runs: the commit whose code is copied and timed
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", "scripts", "mkdocs.yml",
                            "overrides", "docs"], cwd=paths.ROOT, capture_output=True, text=True).stdout.strip()
    info["commit"] += " (with uncommitted changes)" if dirty else ""
    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="portal-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    real_packages = Path(args.packages)
    print(f"benchmark in {work} (sizes {', '.join(map(str, sizes))}, seed {args.seed})")
    try:
        rows = []
        for size in sizes:
            rows += run_size(size, work / f"n{size}", args.seed, real_packages)
        real = [] if args.no_real else run_real(work / "real", real_packages)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    result = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "seed": args.seed,
              "command": "python -m scripts.tools.bench --sizes " + ",".join(map(str, sizes))
              + (" --no-real" if args.no_real else ""),
              "sizes": sizes, "machine": info, "stages": rows, "real": real,
              "total_seconds": round(time.perf_counter() - start, 1)}
    result["linearity"] = linearity(rows, sizes)
    result["goals"] = goals(rows, real, sizes)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    text = markdown(result)
    (out / "latest.md").write_text(text, "utf-8")
    (out / "latest.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", "utf-8")
    print()
    print(text)
    print(f"written {out / 'latest.md'} and {out / 'latest.json'}")
    failed = [r for r in rows + real if r["ok"] is False]
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m scripts.tools.bench", description=__doc__.splitlines()[0])
    p.add_argument("--packages", type=Path, default=None,
                   help="the real data packages (default: datapackages/, or $PORTAL_PACKAGES)")
    add_arguments(p)
    args = p.parse_args(argv)
    args.packages = Path(args.packages or paths.packages_dir())
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
