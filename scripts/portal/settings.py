"""Project settings (settings.yaml): portal name, highlighted place, generated paths, pins.

One file that code, docs and tests read, so a fact is written once.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent


@functools.cache
def settings() -> dict:
    return yaml.safe_load((HERE / "settings.yaml").read_text(encoding="utf-8"))


def portal_name() -> str:
    return settings()["portal"]["name"]


def portal_name_en() -> str:
    return settings()["portal"]["name_en"]


def highlight() -> str:
    return settings()["highlight"]


def default_site_url() -> str:
    return settings()["default_site_url"]


def nav_file() -> str:
    return settings()["nav_file"]


def generated() -> tuple[str, ...]:
    return tuple(settings()["generated"])


@functools.cache
def pin(package: str) -> str:
    """The pinned requirement of `package` in requirements.txt, e.g. ``frictionless==5.21.0``."""
    text = (HERE.parents[1] / "requirements.txt").read_text(encoding="utf-8")
    m = re.search(rf"^{re.escape(package)}==\S+", text, flags=re.M | re.I)
    if not m:
        raise KeyError(package)
    return m.group(0)
