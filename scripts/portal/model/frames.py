"""Data packages as pandas DataFrames (the one place the model meets pandas).

Built on `reader.load_portal` / `reader.load_package`, so a frame holds exactly what the
reader accepted: hash checked, cells parsed as their declared type. `validate` never
imports this module (pandas is not in its hot path).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .reader import Package, load_package

FACTS_PACKAGE = "indicators"


def package_frame(pkg: Package, raw: bool = False) -> pd.DataFrame:
    """One row per CSV row, one column per schema field, in schema order.

    Typed (integers as nullable Int64, numbers as float64, text as str, empty cells as NA);
    with ``raw=True`` every cell is the text exactly as in data.csv (empty cell = "").
    ``df.attrs`` carries the package name, the fields and the primary key."""
    names = [f.name for f in pkg.fields]
    if raw:
        df = pd.DataFrame(pkg.raw_rows, columns=names, dtype=str)
    else:
        df = pd.DataFrame(pkg.rows, columns=names)
        for f in pkg.fields:
            if f.type == "integer":
                df[f.name] = df[f.name].astype("Int64")
            elif f.type == "number":
                df[f.name] = df[f.name].astype("float64")
            else:
                df[f.name] = df[f.name].astype("object")
    df.attrs.update({"package": pkg.name, "fields": {f.name: f for f in pkg.fields},
                     "primary_key": pkg.resource.get("schema", {}).get("primaryKey") or []})
    return df


def load_facts(packages_dir: Path, raw: bool = False) -> pd.DataFrame:
    """The fact table (`datapackages/indicators/`) as a DataFrame, one row per published value."""
    return package_frame(load_package(Path(packages_dir) / FACTS_PACKAGE), raw=raw)
