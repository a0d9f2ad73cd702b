#!/usr/bin/env bash
# Runs Kino as a multi-process deployment on this machine, without Docker: PostgreSQL, an
# S3-compatible server, two API processes behind nginx and two worker processes, on free ports.
# Prints the URL and the operator key; Ctrl-C stops everything. Options: --help.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-system-deps.sh ffmpeg postgres nginx
scripts/install-node-deps.sh
exec node --import tsx packages/testkit/src/cluster/cli.ts "$@"
