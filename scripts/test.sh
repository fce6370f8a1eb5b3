#!/usr/bin/env bash
# README command 2: installs what is missing, builds, and runs the whole test
# suite with ctest: unit tests, fuzz targets over their seed corpora, the
# AWS simulator's tests, and the integration tests (which start their own
# redis-server, AWS simulator and Kafka mock cluster on loopback ports in
# temporary directories and stop them when done).
#   CELLSCAN_SANITIZE=1          build with ASan+UBSan into build-asan/
#   CELLSCAN_CTEST_ARGS="-L unit"  pass extra arguments to ctest
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
if [ "${CELLSCAN_SANITIZE:-0}" = 1 ]; then
  export CELLSCAN_BUILD_DIR=${CELLSCAN_BUILD_DIR:-build-asan}
  # leak checks on; abort on the first error so ctest sees a failure
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
fi
build_dir=${CELLSCAN_BUILD_DIR:-build}
scripts/build.sh
# shellcheck disable=SC2086
ctest --test-dir "$build_dir" --output-on-failure -j"$(nproc)" ${CELLSCAN_CTEST_ARGS:-}
