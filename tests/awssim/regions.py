"""The commercial AWS partition's regions, taken from botocore's endpoints.json.

Regions launched before March 2019 are enabled in every account; the rest
are opt-in regions that an account has to enable first (AWS's rule).
"""
import json
import os

import botocore

PARTITION = "aws"

# Enabled by default in every account ("opt-in-not-required").
DEFAULT_REGIONS = (
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1",
    "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1",
    "ap-south-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
    "ap-southeast-1", "ap-southeast-2", "sa-east-1",
)


def _partition_regions():
    path = os.path.join(os.path.dirname(botocore.__file__), "data", "endpoints.json")
    with open(path) as f:
        data = json.load(f)
    for part in data["partitions"]:
        if part["partition"] == PARTITION:
            return tuple(sorted(part["regions"]))
    raise RuntimeError("botocore endpoints.json has no aws partition")


ALL_REGIONS = _partition_regions()
OPT_IN_REGIONS = tuple(r for r in ALL_REGIONS if r not in DEFAULT_REGIONS)


def is_region(name):
    return name in ALL_REGIONS


def is_opt_in(name):
    return name in OPT_IN_REGIONS


def enabled_regions(opted_in):
    """Regions usable by an account that opted into `opted_in`."""
    opted = set(opted_in or ())
    return tuple(r for r in ALL_REGIONS if r in DEFAULT_REGIONS or r in opted)


def opt_in_status(region, opted_in):
    if region in DEFAULT_REGIONS:
        return "opt-in-not-required"
    return "opted-in" if region in set(opted_in or ()) else "not-opted-in"


def endpoint_host(service, region):
    """The host name AWS uses for a regional endpoint (shown in DescribeRegions)."""
    return f"{service}.{region}.amazonaws.com"
