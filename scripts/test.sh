#!/usr/bin/env bash
# The whole test suite: type-check, lint, formatting, then vitest (unit + integration over real
# sockets, processes, SQLite, redis-server and Chromium). Run through `npm test`,
# which runs scripts/setup.sh first.
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p tsconfig.json --noEmit
if [[ -f tsconfig.electron.json ]]; then npx tsc -p tsconfig.electron.json --noEmit; fi
if [[ -f tsconfig.renderer.json ]]; then npx tsc -p tsconfig.renderer.json --noEmit; fi
npx eslint . --max-warnings=0
npx prettier --check . --log-level warn
npx vitest run "$@"
