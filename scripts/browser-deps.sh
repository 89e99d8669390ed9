#!/usr/bin/env bash
# Browser tests need Debian's chromium and Noto CJK fonts, the search client's tests Node.
# Install them where we can; elsewhere those tests skip with a visible reason (in CI they
# fail instead).
set -u
have() { command -v chromium >/dev/null 2>&1 && command -v node >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; }
have && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing chromium, fonts-noto-cjk and nodejs for the browser and search tests…"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk nodejs) >/dev/null 2>&1 \
    || echo "could not install chromium: browser tests will be skipped"
else
  echo "chromium not installed and no root: browser tests will be skipped"
fi
exit 0
