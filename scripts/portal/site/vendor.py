"""Self-hosted chart runtime: vega, vega-lite and vega-embed in one bundle taken from the
vl-convert package at build time (no CDN). Cached by vl-convert and Vega-Lite version.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from scripts.portal.site.charts import VL_VERSION

BUNDLE = "vega-bundle.js"


def cached_bundle(cache_dir: Path) -> Path:
    import vl_convert as vlc

    return cache_dir / f"vega-bundle-{vlc.__version__}-vl{VL_VERSION}.js"


def bundle_file(cache_dir: Path) -> Path:
    """The bundle in the cache, made first if needed (a few seconds: vl-convert bundles it)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    cached = cached_bundle(cache_dir)
    if cached.exists():
        return cached
    with exclusive(cache_dir / ".vega-bundle.lock"):  # the workers' renderers wait for one bundle
        return make_bundle(cached)


def make_bundle(cached: Path) -> Path:
    import vl_convert as vlc

    if not cached.exists():
        # The default snippet assigns vegaEmbed to window (what portal.js uses; window.vega and
        # window.vegaLite come out null: renderer.py finds those modules in the bundle itself).
        text = vlc.javascript_bundle(vl_version=VL_VERSION)
        header = (f"/* vega {vlc.get_vega_version()}, vega-lite {VL_VERSION}, vega-embed "
                  f"{vlc.get_vega_embed_version()}; bundled by vl-convert {vlc.__version__}. "
                  "BSD-3-Clause licences: https://github.com/vega */\n")
        tmp = cached.with_name(f".{cached.name}.{os.getpid()}.tmp")
        tmp.write_text(header + text, encoding="utf-8")
        tmp.replace(cached)
    return cached


@contextlib.contextmanager
def exclusive(lock: Path):
    """Hold an exclusive lock on the file (another process waits); no lock without fcntl."""
    try:
        import fcntl
    except ImportError:  # not a POSIX system
        yield
        return
    with open(lock, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
