#!/usr/bin/env bash
# Builds the web console and the player (Vite) when their output is missing or older than their
# sources. Kino serves them at / and /player/kino-player.js.
set -euo pipefail
cd "$(dirname "$0")/.."

# True when $1 is missing or any later path holds a newer file.
stale() {
  local out=$1
  shift
  [ ! -f "$out" ] || [ -n "$(find "$@" -newer "$out" -print -quit 2>/dev/null)" ]
}

player=(packages/player/src packages/player/vite.config.ts packages/player/package.json package-lock.json)
console=(packages/console/src packages/console/index.html packages/console/public packages/console/vite.config.ts
  packages/console/package.json "${player[@]}")
if stale packages/player/dist/kino-player.js "${player[@]}" || stale packages/console/dist/index.html "${console[@]}"; then
  echo "Building the web console and the player" >&2
  npm run --silent build:ui
fi
