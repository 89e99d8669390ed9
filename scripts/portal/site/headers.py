"""The site's `_headers` file (read by Netlify and Cloudflare Pages; GitHub Pages sends no
custom headers): the Content-Security-Policy as an HTTP header, with what a <meta> cannot say.

One rule per top-level entry of the built site, not one `/*` rule, because both hosts merge
the headers of every rule that matches a path, and two policies are both enforced (the
stricter wins): so a rule for /embed/ could never relax a `/*` rule. Then:
- every path: frame-ancestors 'none' (no other site may frame a page), except
- /embed/*: frame-ancestors * (the chart pages made to be embedded, see embed.py);
- /query/*: script-src also 'wasm-unsafe-eval', which the SQL page's worker (query/worker.js,
  served with this header) needs to compile sql.js's WebAssembly; no other path gets it.
"""

from __future__ import annotations

from pathlib import Path

FRAMABLE = "embed"
WASM = "query"
FIXED = ("  X-Content-Type-Options: nosniff\n"
         "  Referrer-Policy: strict-origin-when-cross-origin\n")


def policy_for(top: str, policy: str) -> str:
    """The policy of the paths under the site's top-level entry `top` ("" for the home page)."""
    if top == WASM:
        policy = policy.replace("script-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", 1)
    return policy + ("; frame-ancestors *" if top == FRAMABLE else "; frame-ancestors 'none'")


def text(site_dir: Path, policy: str) -> str:
    """The `_headers` file for the built site in `site_dir`."""
    rules = [("/", "")]
    for entry in sorted(site_dir.iterdir(), key=lambda p: p.name):
        if entry.name == "_headers":
            continue
        rules.append((f"/{entry.name}/*" if entry.is_dir() else f"/{entry.name}", entry.name))
    return "".join(f"{path}\n  Content-Security-Policy: {policy_for(top, policy)}\n{FIXED}" for path, top in rules)
