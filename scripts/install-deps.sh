#!/usr/bin/env bash
# Installs (apt) every package cellscan needs to build and to run its tests.
# Idempotent: installs only what is missing; safe to run any number of times.
#
#   scripts/install-deps.sh            build + test packages
#   scripts/install-deps.sh --build    only what the build needs (Dockerfile)
#   scripts/install-deps.sh --list     print the package list and exit
#
# Must run as root (or with sudo available) on Debian 12.
set -euo pipefail

# What `cmake --build` needs. deploy/Dockerfile installs exactly this list
# (tests/integration/test_deploy.py compares them). libcmocka-dev is here
# because the default configure (CELLSCAN_TESTS=ON) requires it.
BUILD_PACKAGES=(
  build-essential cmake pkg-config git ca-certificates
  librdkafka-dev libprotobuf-c-dev protobuf-c-compiler libhiredis-dev
  libcurl4-openssl-dev libssl-dev libjansson-dev libexpat1-dev
  libmicrohttpd-dev libcmocka-dev
)
# What the test suite, the simulator, fuzzing and the demo need on top.
TEST_PACKAGES=(
  redis-server clang-14 libfuzzer-14-dev libclang-rt-14-dev
  python3 python3-botocore python3-boto3 python3-yaml
  # deploy/ checks (test_deploy.py): compose validation, the simulator's
  # port forwarder, and the scheduler/consumer examples on a mock cluster
  docker-compose socat python3-confluent-kafka python3-protobuf protobuf-compiler
)

mode=all
case "${1:-}" in
  --build) mode=build ;;
  --list) mode=list ;;
  "") ;;
  *) echo "usage: $0 [--build|--list]" >&2; exit 2 ;;
esac

packages=("${BUILD_PACKAGES[@]}")
[ "$mode" = build ] || packages+=("${TEST_PACKAGES[@]}")
if [ "$mode" = list ]; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root (missing: ${missing[*]})" >&2; exit 1; }
  SUDO=sudo
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have no package lists yet; refresh them when an
# install cannot find a package, then try once more.
if ! $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"; then
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
