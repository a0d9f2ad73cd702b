#!/usr/bin/env bash
# Installs what is missing, then runs the whole suite: typecheck, lint, format check and every test
# (SQLite and a throwaway PostgreSQL server, real ffmpeg on generated media, playback in headless Chromium,
# a multi-process cluster behind nginx, S3 on a throwaway Ceph cluster).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-system-deps.sh ffmpeg postgres chromium nginx pocketsphinx ceph
scripts/install-node-deps.sh
npm run check
