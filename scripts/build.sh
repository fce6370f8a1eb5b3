#!/usr/bin/env bash
# Configures and builds cellscan into $CELLSCAN_BUILD_DIR (default build/).
#   CELLSCAN_SANITIZE=1   build with ASan+UBSan
#   CELLSCAN_BUILD_TYPE   CMake build type (default RelWithDebInfo)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${CELLSCAN_BUILD_DIR:-build}
args=(-DCMAKE_BUILD_TYPE="${CELLSCAN_BUILD_TYPE:-RelWithDebInfo}")
if [ "${CELLSCAN_SANITIZE:-0}" = 1 ]; then
  args+=(-DCELLSCAN_SANITIZE=ON)
fi
cmake -S . -B "$build_dir" "${args[@]}" >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
