#!/usr/bin/env bash
# The README's test command: installs what the tests need on a fresh clone, then runs them all.
#  - Debian's chromium for the browser tests (never a downloaded browser build);
#  - node_modules from package-lock.json (npm ci);
#  - then `npm test`: the type check and every *.test.ts.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian's chromium for the browser tests"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "the browser tests need Debian's chromium at /usr/bin/chromium: run 'sudo apt-get install -y chromium'" >&2
    exit 1
  fi
fi

npm ci --no-audit --no-fund
npm test
