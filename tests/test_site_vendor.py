"""site/vendor.py: the chart runtime is self-hosted, made once and kept in the cache."""

from __future__ import annotations

from scripts.portal.site import vendor


def test_bundle_is_self_contained_and_cached(tmp_path):
    path = vendor.bundle_file(tmp_path)
    text = path.read_text("utf-8")
    assert path == vendor.cached_bundle(tmp_path)
    assert "vegaEmbed" in text and len(text) > 500_000
    assert "cdn.jsdelivr" not in text.split("*/", 1)[0]  # the header names no CDN to load from
    mtime = path.stat().st_mtime_ns
    assert vendor.bundle_file(tmp_path) == path and path.stat().st_mtime_ns == mtime  # not made again
