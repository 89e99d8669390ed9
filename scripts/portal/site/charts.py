"""Chart chooser, Vega-Lite specs, and static SVG/PNG rendering with a cache keyed by spec hash.

``choose(pkg)`` picks chart types from the table's shape (x-display, else guessed from
the schema): ranked bars for provinces (辽宁 highlighted), grouped bars for two periods,
share bars for compositions, progress bars for targets, ranked bars otherwise. Totals are
left out of bars. Every chart carries a one-sentence Chinese ``description``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from scripts.portal.model.reader import Package

VL_VERSION = "6.4"
FONT = "Noto Sans CJK SC"
FONT_STACK = f"'{FONT}', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif"
BASE = "#4c78a8"
HIGHLIGHT = "#d9480f"
BAR_STEP = 20
WIDTH = 560
MAX_BARS = 40
HIGHLIGHT_DEFAULT = "辽宁"


@dataclass
class Chart:
    id: str            # file stem under assets/charts/
    title: str
    description: str   # one sentence for screen readers
    spec: dict
    png: bool = False  # set by render() when a PNG was written

    @property
    def hash(self) -> str:
        canon = json.dumps(self.spec, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canon.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- chooser

def shape_of(pkg: Package) -> dict:
    """x-display completed from the schema: shape, category, measures, highlight."""
    disp = dict(pkg.display or {})
    content = pkg.content_fields
    if not disp.get("category"):
        strings = [f.name for f in content if not f.numeric]
        disp["category"] = strings[0] if strings else content[0].name
    if not disp.get("measures"):
        disp["measures"] = [f.name for f in content if f.numeric][:2]
    if not disp.get("shape"):
        labels = [str(r.get(disp["category"]) or "") for r in pkg.data_rows]
        disp["shape"] = "provinces" if any(l.startswith(HIGHLIGHT_DEFAULT) for l in labels) else "categories"
    return disp


def choose(pkg: Package) -> list:
    disp = shape_of(pkg)
    maker = {"provinces": provinces, "periods": periods, "composition": composition,
             "targets": targets, "key-figures": key_figures}.get(disp["shape"], categories)
    charts = maker(pkg, disp)
    if not charts:  # nothing chartable in the preferred form: fall back to ranked bars
        charts = categories(pkg, disp)
    for i, c in enumerate(charts, 1):
        c.id = f"{pkg.name}-{i}"
    return charts


def label_of(row: dict, disp: dict) -> str:
    value = row.get(disp["category"])
    text = "" if value is None else str(value)
    if row.get("row_type") == "subrow" and row.get("parent"):
        text = f"{row['parent']}：{text}"
    return text


def points(pkg: Package, disp: dict, measure: str) -> list:
    """(label, value) for data rows (totals left out) that have a value."""
    out = []
    for r in pkg.data_rows:
        v = r.get(measure)
        if isinstance(v, (int, float)):
            out.append({"label": label_of(r, disp), "value": v})
    return out


def is_highlight(label: str, disp: dict) -> bool:
    target = disp.get("highlight") or ""
    return bool(target) and label.startswith(target)


def fmt(v: float) -> str:
    return f"{v:,.2f}".rstrip("0").rstrip(".") if isinstance(v, float) else f"{v:,}"


def ranked_points(pkg, disp, measure, highlight: bool = True, limit: int | None = None) -> list:
    """The measure's points, largest first, each marked whether it is the highlighted label."""
    pts = sorted(points(pkg, disp, measure), key=lambda p: -p["value"])[:limit]
    for p in pts:
        p["highlight"] = highlight and is_highlight(p["label"], disp)
    return pts


def provinces(pkg, disp):
    disp = {**disp, "highlight": disp.get("highlight") or HIGHLIGHT_DEFAULT}
    charts = []
    for m in disp["measures"][:3]:
        f = pkg.field(m)
        pts = ranked_points(pkg, disp, m)
        if not pts:
            continue
        rank = next((i for i, p in enumerate(pts, 1) if p["highlight"]), None)
        where = (f"{disp['highlight']}排第{rank}位（{fmt(pts[rank - 1]['value'])}{f.unit}）" if rank
                 else f"表中没有{disp['highlight']}")
        desc = (f"条形图：{pkg.title}中各地区的{f.title}（{f.unit or '无单位'}），从高到低排列，"
                f"共{len(pts)}个地区，{where}，最高为{pts[0]['label']}（{fmt(pts[0]['value'])}{f.unit}）。")
        charts.append(Chart("", f"{f.title}：各地区排名", desc, ranked_bars(pts, f.header, desc)))
    return charts


def categories(pkg, disp):
    charts = []
    for m in disp["measures"][:2]:
        f = pkg.field(m)
        pts = ranked_points(pkg, disp, m, limit=MAX_BARS)
        if not pts:
            continue
        desc = (f"条形图：{pkg.title}中各项的{f.title}（{f.unit or '无单位'}），从高到低排列，"
                f"共{len(pts)}项，最高为{pts[0]['label']}（{fmt(pts[0]['value'])}{f.unit}）。")
        charts.append(Chart("", f.title, desc, ranked_bars(pts, f.header, desc)))
    return charts


def composition(pkg, disp):
    charts = []
    for m in disp["measures"][:1]:
        f = pkg.field(m)
        pts = ranked_points(pkg, disp, m, highlight=False)
        if not pts:
            continue
        has_total = any(r.get("row_type") == "total" for r in pkg.rows)
        desc = (f"条形图：{pkg.title}的构成，各项{f.title}（{f.unit or '无单位'}）"
                + ("，合计行不计入" if has_total else "")
                + f"，最大的一项是{pts[0]['label']}（{fmt(pts[0]['value'])}{f.unit}）。")
        charts.append(Chart("", f"{f.title}构成", desc, ranked_bars(pts, f.header, desc, labels=True)))
    return charts


def periods(pkg, disp):
    groups = {}
    for m in disp["measures"]:
        groups.setdefault(pkg.field(m).unit, []).append(m)
    charts = []
    for unit, measures in list(groups.items())[:2]:
        if len(measures) < 2:
            continue
        fields = [pkg.field(m) for m in measures]
        last = measures[-1]
        rows = []
        order = [p["label"] for p in sorted(points(pkg, disp, last), key=lambda p: -p["value"])]
        for f in fields:
            for p in points(pkg, disp, f.name):
                rows.append({"label": p["label"], "series": f.title, "value": p["value"]})
        if not rows:
            continue
        top = order[0] if order else rows[0]["label"]
        desc = (f"分组条形图：{pkg.title}，比较{'与'.join(f.title for f in fields)}"
                f"（{unit or '无单位'}），共{len({r['label'] for r in rows})}项，"
                f"按{fields[-1].title}从高到低排列，最高为{top}。")
        charts.append(Chart("", "、".join(f.title for f in fields), desc,
                            grouped_bars(rows, order, [f.title for f in fields], axis_title(fields[-1], unit), desc)))
    return charts or categories(pkg, {**disp, "measures": disp["measures"][-1:]})


def targets(pkg, disp):
    base_m, target_m = disp["measures"][0], disp["measures"][-1]
    unit_field = next((f.name for f in pkg.fields if f.name == "unit"), None)
    rows = []
    for r in pkg.data_rows:
        b, t = r.get(base_m), r.get(target_m)
        if isinstance(b, (int, float)) and isinstance(t, (int, float)) and t:
            unit = (r.get(unit_field) or "") if unit_field else pkg.field(target_m).unit
            rows.append({"label": label_of(r, disp), "value": round(100 * b / t, 1),
                         "baseline": b, "target": t, "unit": unit, "highlight": False})
    if not rows:
        return []
    rows.sort(key=lambda p: -p["value"])
    bf, tf = pkg.field(base_m), pkg.field(target_m)
    desc = (f"进度条形图：{pkg.title}中{len(rows)}项指标的{bf.title}数值占{tf.title}的百分比，"
            f"100%即已达到目标；最接近目标的是{rows[0]['label']}（{fmt(rows[0]['value'])}%），"
            f"最远的是{rows[-1]['label']}（{fmt(rows[-1]['value'])}%）。")
    return [Chart("", f"{bf.title}相对{tf.title}的进度", desc, progress_bars(rows, bf.title, tf.title, desc))]


def key_figures(pkg, disp):
    by_unit = {}
    for r in pkg.data_rows:
        if isinstance(r.get("value"), (int, float)):
            by_unit.setdefault(r.get("unit") or "", []).append(r)
    if not by_unit:
        return []
    unit = "%" if len(by_unit.get("%", [])) >= 2 else max(by_unit, key=lambda u: len(by_unit[u]))
    pts = []
    for r in by_unit[unit][:MAX_BARS]:
        label = str(r.get("indicator_simplified") or r.get("indicator") or r.get("id"))
        if r.get("period"):
            label += f"（{r['period']}）"
        geo = str(r.get("geography") or "")
        pts.append({"label": label, "value": r["value"], "highlight": False, "geo": geo})
    pts.sort(key=lambda p: -p["value"])
    desc = (f"条形图：{pkg.report.title}正文中单位为“{unit or '无'}”的{len(pts)}个关键数字，"
            f"从大到小排列，最大为{pts[0]['label']}（{fmt(pts[0]['value'])}{unit}）。")
    return [Chart("", f"关键数字（单位：{unit or '无'}）", desc,
                  ranked_bars(pts, f"数值 ({unit})" if unit else "数值", desc, labels=True))]


def axis_title(f, unit):
    return f"{re.sub(r'^[0-9.年月-]+', '', f.title) or f.title} ({unit})" if unit else f.title


# ---------------------------------------------------------------- Vega-Lite specs
# Written as plain dicts: building them through Altair cost about as much CPU as rendering
# them (Altair validates every channel). tests/test_site_charts.py checks that each builder
# gives exactly the spec Altair gives for the same chart, and that every spec is valid.

def nominal(field: str, **extra) -> dict:
    return {"field": field, **extra, "type": "nominal"}


def quantitative(field: str, **extra) -> dict:
    return {"field": field, **extra, "type": "quantitative"}


def top_level(spec: dict, description: str, height_step: int) -> dict:
    """The chart-wide parts (Altair's properties(width, description).configure(...))."""
    return {
        "config": {"view": {"continuousWidth": 300, "continuousHeight": 300, "stroke": None},
                   "axis": {"labelFontSize": 12, "labelLimit": 260, "titleFontSize": 12},
                   "background": "white", "font": FONT_STACK},
        **spec,
        "description": description,
        "height": {"step": height_step},
        "width": WIDTH,
        "$schema": f"https://vega.github.io/schema/vega-lite/v{VL_VERSION.split('.')[0]}.json",
    }


def text_mark(**extra) -> dict:
    return {"type": "text", "align": "left", "color": "#333", "dx": 3, "fontSize": 11, **extra}


def ranked_bars(pts, x_title, description, labels=False) -> dict:
    enc = {"tooltip": [nominal("label", title="项目"), quantitative("value", title=x_title)],
           "x": quantitative("value", title=x_title),
           "y": nominal("label", sort=[p["label"] for p in pts], title=None)}
    layers = [{"mark": {"type": "bar"},
               "encoding": {"color": {"condition": {"test": "datum.highlight", "value": HIGHLIGHT}, "value": BASE},
                            **enc}}]
    if labels or len(pts) <= 12:
        layers.append({"mark": text_mark(), "encoding": {"text": quantitative("value", format=","), **enc}})
    return top_level({"layer": layers, "data": {"values": pts}}, description, BAR_STEP)


def grouped_bars(rows, order, series, x_title, description) -> dict:
    spec = {"data": {"values": rows}, "mark": {"type": "bar"}, "encoding": {
        "color": nominal("series", legend={"direction": "vertical", "orient": "top"},
                         scale={"range": ["#9ecae9", BASE, "#f58518", "#54a24b"]}, sort=series, title=None),
        "tooltip": [nominal("label", title="项目"), nominal("series", title="系列"),
                    quantitative("value", title=x_title)],
        "x": quantitative("value", title=x_title),
        "y": nominal("label", sort=order, title=None),
        "yOffset": nominal("series", sort=series)}}
    return top_level(spec, description, 12 * len(series))


def progress_bars(rows, base_title, target_title, description) -> dict:
    data = {"values": rows}
    enc = {"tooltip": [nominal("label", title="指标"), quantitative("baseline", title=base_title),
                       quantitative("target", title=target_title), nominal("unit", title="单位"),
                       quantitative("value", title="进度 (%)")],
           "x": quantitative("value", scale={"domainMax": max(100, max(r["value"] for r in rows)), "domainMin": 0},
                             title=f"{base_title}占{target_title}的比例 (%)"),
           "y": nominal("label", sort=[r["label"] for r in rows], title=None)}
    layers = [{"data": data, "mark": {"type": "bar", "color": BASE}, "encoding": enc},
              {"data": data, "mark": text_mark(), "encoding": {"text": quantitative("value"), **enc}},
              {"data": {"values": [{"x": 100}]}, "mark": {"type": "rule", "color": HIGHLIGHT, "strokeDash": [4, 3]},
               "encoding": {"x": quantitative("x")}}]
    return top_level({"layer": layers}, description, BAR_STEP)


def dumbbell(rows, series, x_title, description) -> dict:
    """Two values per label (e.g. 辽宁 vs 全国) as dots joined by a line."""
    order = sorted({r["label"] for r in rows},
                   key=lambda l: -max(r["value"] for r in rows if r["label"] == l))
    y = nominal("label", sort=order, title=None)
    line = {"mark": {"type": "line", "color": "#bbb"},
            "encoding": {"detail": nominal("label"), "x": quantitative("value"), "y": y}}
    dots = {"mark": {"type": "point", "filled": True, "size": 80}, "encoding": {
        "color": nominal("series", legend={"direction": "vertical", "orient": "top"},
                         scale={"range": [HIGHLIGHT, BASE]}, sort=series, title=None),
        "tooltip": [nominal("label", title="项目"), nominal("series", title="系列"),
                    quantitative("value", title=x_title)],
        "x": quantitative("value", title=x_title), "y": y}}
    return top_level({"layer": [line, dots], "data": {"values": rows}}, description, BAR_STEP)


def rank_dots(rows, description) -> dict:
    """Liaoning's rank in each province table: rank on x (1 = first), table on y."""
    enc = {"tooltip": [nominal("label", title="指标"), quantitative("rank", title="位次"),
                       quantitative("of", title="地区数")],
           "x": quantitative("rank", scale={"domainMin": 0}, title="辽宁位次（1 = 最高）"),
           "y": nominal("label", sort=None, title=None)}
    layers = [{"mark": {"type": "bar", "color": HIGHLIGHT}, "encoding": enc},
              {"mark": text_mark(), "encoding": {"text": nominal("text"), **enc}}]
    return top_level({"layer": layers, "data": {"values": rows}}, description, BAR_STEP)


# ---------------------------------------------------------------- rendering

def cjk_font_available() -> bool:
    if not shutil.which("fc-list"):
        return False
    out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout
    return FONT in out


def raster_bytes(c: Chart) -> int:
    """Rough size of the pixel buffer its PNG needs (RGBA at scale 2): a band of BAR_STEP per
    data row. vl-convert holds the whole raster in memory while it encodes the PNG."""
    rows = len((c.spec.get("data") or {}).get("values") or [])
    return (rows * BAR_STEP + 200) * 2 * (WIDTH + 300) * 2 * 4


def spec_bytes(c: Chart) -> bytes:
    """<id>.vl.json: the spec as published."""
    return json.dumps(c.spec, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def cache_key(c: Chart) -> str:
    import vl_convert as vlc
    return hashlib.sha256(f"{c.hash}|{vlc.__version__}|{VL_VERSION}".encode()).hexdigest()[:32]


def render_one(c: Chart, cache_dir: Path, png: bool) -> tuple:
    """({ext: (bytes, cache file)} for svg (and png), files rendered, files from cache).

    Vega-Lite is compiled to Vega once; the SVG is rendered from it and the PNG rasterised
    from that SVG (the bytes vl-convert's vegalite_to_svg / vegalite_to_png give, without
    compiling and rendering twice). Renders are cached by spec hash and vl-convert version.
    """
    import vl_convert as vlc

    key = cache_key(c)
    out, rendered, cached = {}, 0, 0
    svg_path = cache_dir / f"{key}.svg"
    try:
        svg = svg_path.read_bytes()
        cached += 1
    except FileNotFoundError:
        vega = vlc.vegalite_to_vega(c.spec, vl_version=VL_VERSION)
        svg = vlc.vega_to_svg(vega).encode("utf-8")
        _store(svg_path, svg)
        rendered += 1
    out["svg"] = (svg, svg_path)
    if png:
        png_path = cache_dir / f"{key}.png"
        try:
            data = png_path.read_bytes()
            cached += 1
        except FileNotFoundError:
            data = vlc.svg_to_png(svg.decode("utf-8"), scale=2)
            _store(png_path, data)
            rendered += 1
        out["png"] = (data, png_path)
    return out, rendered, cached


def _store(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def render(charts: list, out_dir: Path, cache_dir: Path, png: bool, progress=None) -> dict:
    """Write <id>.vl.json, <id>.svg (and <id>.png) for each chart; reuse cached renders."""
    out_dir.mkdir(parents=True, exist_ok=True)
    cache_dir.mkdir(parents=True, exist_ok=True)
    stats = {"charts": len(charts), "rendered": 0, "cached": 0, "png": 0}
    for i, c in enumerate(charts, 1):
        (out_dir / f"{c.id}.vl.json").write_bytes(spec_bytes(c))
        files, rendered, cached = render_one(c, cache_dir, png)
        stats["rendered"] += rendered
        stats["cached"] += cached
        for ext, (data, _) in files.items():
            (out_dir / f"{c.id}.{ext}").write_bytes(data)
        if "png" in files:
            stats["png"] += 1
            c.png = True
        if progress:
            progress(i, len(charts), c.id)
    return stats
