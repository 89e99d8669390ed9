"""site/workers.py: the in-process executor behaves like the process pool; a unit whose package
changed under the build is an error, not stale output."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from scripts.portal.errors import PortalError
from scripts.portal.model.reader import REPORT_KEYS, load_portal
from scripts.portal.site import workers

FIXTURE_PACKAGES = Path(__file__).resolve().parent / "fixtures" / "packages"


def boom():
    raise PortalError("broken", package="p")


def test_inline_executor_delivers_results_and_errors_like_a_pool():
    pool = workers.executor(1)
    assert isinstance(pool, workers.Inline)
    assert pool.submit(sum, [1, 2, 3]).result() == 6
    with pytest.raises(PortalError, match="broken"):
        pool.submit(boom).result()
    pool.shutdown(wait=True, cancel_futures=True)


def test_process_pool_hands_back_a_portal_error():
    with workers.pool(1) as pool:
        with pytest.raises(PortalError) as err:
            pool.submit(boom).result()
    assert err.value.package == "p"


def test_work_refuses_a_package_changed_since_it_was_scanned(tmp_path):
    packages = tmp_path / "packages"
    shutil.copytree(FIXTURE_PACKAGES, packages)
    pkg = load_portal(packages).packages[0]
    report = {k: getattr(pkg.report, k) for k in REPORT_KEYS}
    ctx = workers.Context("http://127.0.0.1:8000/", "2026-01-01", False, str(tmp_path / "cache"))
    status, name, result = workers.work((str(pkg.path), report, "key", "not-the-fingerprint", ctx))
    assert (status, name) == ("error", pkg.name)
    assert isinstance(result, PortalError) and "changed" in result.message
    json.dumps(report)  # the task travels to worker processes: plain data only
