"""The report registry: every source document described once (datapackages/reports.json)."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import PortalError

REQUIRED = ("slug", "title", "title_en", "publisher", "published", "language", "source_file")


def load_reports(packages_dir: Path) -> dict[str, dict]:
    path = packages_dir / "reports.json"
    try:
        reports = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PortalError("report registry missing", file=str(path)) from None
    except json.JSONDecodeError as exc:
        raise PortalError(f"invalid JSON: {exc.msg} (line {exc.lineno})", file=str(path)) from None
    out = {}
    for index, report in enumerate(reports, start=1):
        missing = [k for k in REQUIRED if not report.get(k)]
        if missing:
            raise PortalError(f"report entry lacks {', '.join(missing)}", file="reports.json", row=index)
        out[report["slug"]] = report
    return out
