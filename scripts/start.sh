#!/usr/bin/env bash
# Installs what is missing, builds, and starts Kino with its embedded defaults:
# SQLite and local storage in ./data, API and workers in this one process, port 8080.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-system-deps.sh ffmpeg
scripts/install-node-deps.sh
npm run build --silent -w @kino/server
exec node packages/server/dist/main.js serve
