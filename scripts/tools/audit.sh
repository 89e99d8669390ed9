#!/usr/bin/env bash
# `make audit`: Lighthouse (mobile profile) on one page of every page type of the built site
# (scripts/tools/audit/pages.yaml: home, report, dataset largest and typical, catalogue,
# comparisons, key figures, about; indicator, topic and plan pages when they exist), served on
# 127.0.0.1; scores and reader-side checks go to bench-results/lighthouse.md (+ .json), with
# the machine's load average. Exits 1 when a goal is missed (performance >= 95,
# accessibility, best practices and SEO 100, chart runtime not loaded by opening a page).
#
# Lighthouse is the npm package pinned in scripts/tools/audit/package-lock.json, installed with
# `npm ci` into scripts/tools/audit/node_modules (git-ignored). Chrome is Debian's chromium.
#
# Environment: SITE_DIR (default site), AUDIT_PORT (default 8765), CHROME_PATH (default
# /usr/bin/chromium), AUDIT_ONLY (comma-separated page type names of pages.yaml), AUDIT_OUT (default bench-results), AUDIT_KEEP=1
# (keep the Lighthouse JSON reports), AUDIT_RUNS (Lighthouse runs per page, default 3: the run
# with the median performance score is reported, as Lighthouse recommends for noisy machines),
# AUDIT_SERVER (host = the server of `make serve`, scripts/portal/serve.py: gzip and revalidation
# headers, as a static host such as GitHub Pages serves the site; the default; plain =
# `python -m http.server`, which sends everything uncompressed).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"  # the repository (this is scripts/tools/audit.sh)
cd "$ROOT"
SITE_DIR="${SITE_DIR:-site}"
PORT="${AUDIT_PORT:-8765}"
OUT="${AUDIT_OUT:-bench-results}"
TOOLS="scripts/tools/audit"
PY="${PY:-$ROOT/.venv/bin/python}"
[ -x "$PY" ] || PY=python3
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"

if [ ! -f "$SITE_DIR/index.html" ]; then
    echo "audit: no built site in $SITE_DIR/ (run make site)" >&2
    exit 1
fi
if [ ! -x "$CHROME_PATH" ]; then
    echo "audit: no Chrome at $CHROME_PATH (make browser-deps, or set CHROME_PATH)" >&2
    exit 1
fi
command -v npm >/dev/null || { echo "audit: npm not found (apt-get install npm)" >&2; exit 1; }

# Pinned Lighthouse: reinstall only when the lock file changed.
STAMP="$TOOLS/node_modules/.package-lock.json"
if [ ! -x "$TOOLS/node_modules/.bin/lighthouse" ] || [ "$TOOLS/package-lock.json" -nt "$STAMP" ]; then
    echo "audit: installing $(grep -m1 -o '"lighthouse": "[^"]*"' "$TOOLS/package.json") (npm ci)"
    (cd "$TOOLS" && npm ci --no-audit --no-fund --loglevel=error)
fi
LIGHTHOUSE="$TOOLS/node_modules/.bin/lighthouse"

# The pages: one of each type in scripts/tools/audit/pages.yaml (AUDIT_ONLY=name,name for some).
PAGES="$("$PY" "$TOOLS/pages.py" "$SITE_DIR" --only "${AUDIT_ONLY:-}")" || exit 1
WORK="$(mktemp -d "${TMPDIR:-/tmp}/portal-audit-XXXXXX")"
if [ "${AUDIT_SERVER:-host}" = host ]; then  # `make serve`: gzip, like a static host
    "$PY" -m scripts.portal serve --site "$SITE_DIR" --port "$PORT" >"$WORK/server.log" 2>&1 &
else  # plain: no compression, no cache headers
    "$PY" -m http.server "$PORT" --bind 127.0.0.1 --directory "$SITE_DIR" >"$WORK/server.log" 2>&1 &
fi
SERVER=$!
cleanup() {
    kill "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
    if [ -n "${AUDIT_KEEP:-}" ]; then echo "audit: Lighthouse JSON kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
for _ in $(seq 50); do
    "$PY" -c "import socket,sys; socket.create_connection(('127.0.0.1', $PORT), 0.2)" 2>/dev/null && break
    sleep 0.1
done

FLAGS="--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update"
FLAGS="$FLAGS --disable-sync --no-first-run"
RUNS="${AUDIT_RUNS:-3}"
LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || true)"
REPORTS=()
ABSENT=()
while IFS=$'\t' read -r kind page; do
    if [ "$page" = "-absent" ]; then ABSENT+=("$kind"); continue; fi
    name="${page%/}"; name="${name//\//_}"; name="${name:-home}"
    url="http://127.0.0.1:$PORT/$page"
    files=""
    for run in $(seq "$RUNS"); do
        echo "audit: lighthouse (mobile) $kind: $url (run $run of $RUNS)"
        # Default form factor and throttling = Lighthouse's mobile profile (Moto G Power, slow 4G).
        "$LIGHTHOUSE" "$url" --quiet --output=json --output-path="$WORK/$name-$run.json" \
            --only-categories=performance,accessibility,best-practices,seo \
            --chrome-flags="$FLAGS" --max-wait-for-load=60000
        files="${files:+$files,}$WORK/$name-$run.json"
    done
    REPORTS+=("$kind|$page=$files")
done <<< "$PAGES"

mkdir -p "$OUT"
"$PY" "$TOOLS/summarise.py" --site "$SITE_DIR" --out "$OUT" --server "${AUDIT_SERVER:-host}" \
    --lighthouse-version "$("$LIGHTHOUSE" --version)" --load-start "$LOAD_START" \
    --absent "$(IFS=,; echo "${ABSENT[*]:-}")" "${REPORTS[@]}"
