#!/usr/bin/env bash
# Runs the AWS simulator's tests (called by .ci/run). Needs Debian's
# python3-botocore, python3-boto3 and python3-yaml under /usr/bin/python3.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
/usr/bin/python3 -c 'import boto3, botocore, yaml' || {
    echo "awssim: needs python3-boto3 python3-botocore python3-yaml (apt-get install)" >&2
    exit 1
}
exec timeout 600 /usr/bin/python3 "$here/run_tests.py" "$@"
