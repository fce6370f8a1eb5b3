#!/usr/bin/env bash
# README command 1: installs what is missing, builds, and runs the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
bin=${CELLSCAN_BUILD_DIR:-build}/bin
for p in cellscan-dispatcher cellscan-worker cellscan-aggregator cellscan; do
  echo "== $p --help"
  "$bin/$p" --help
done
