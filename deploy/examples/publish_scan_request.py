#!/usr/bin/python3
"""What a platform scheduler does at each tick of a schedule: publish one
ScanRequest to cellscan's scan-requests topic (key = client_id).

  protoc -I proto --python_out=deploy/examples proto/cellscan.proto
  KAFKA_BROKERS=host:9096 KAFKA_USERNAME=... KAFKA_PASSWORD=... \\
    deploy/examples/publish_scan_request.py --client-id acme --schedule nightly \\
      --slot 2026-11-25T22:00 --policy policy.json [--accounts 111111111111 ...]

Without --accounts the scan discovers the organization through the fleet's
org-discovery role. The scan id is derived from the client, the schedule and
the slot, so publishing the same tick twice (a scheduler retry) starts one
scan: the dispatcher ignores a scan_id it already knows. Prints the scan id.
"""
import argparse
import sys
import time

from confluent_kafka import Producer

import cellscan_pb2 as pb
import kafka_client


def scan_request(args, policy_json):
    req = pb.ScanRequest(
        schema_version=pb.SCHEMA_VERSION_CURRENT,
        client_id=args.client_id,
        scan_id=f"{args.client_id}.{args.schedule}.{args.slot.replace('-', '').replace(':', '')}",
        requested_at_ms=int(time.time() * 1000),
        plan=args.plan,
    )
    if args.accounts:
        req.scope.accounts.account_ids.extend(args.accounts)
    else:
        req.scope.organization.SetInParent()  # the configured org-discovery role
    req.scope.categories.extend(args.categories)
    req.scope.regions.extend(args.regions)
    req.scope.tag_policy_json = policy_json
    return req


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--client-id", required=True)
    p.add_argument("--schedule", required=True, help="schedule name, e.g. nightly")
    p.add_argument("--slot", required=True, help="the tick, e.g. 2026-11-25T22:00")
    p.add_argument("--policy", required=True, help="tag policy JSON file (docs/policy.md)")
    p.add_argument("--accounts", nargs="*", default=[])
    p.add_argument("--categories", nargs="*",
                   default=["ec2", "s3", "rds", "lambda", "ecs", "eks", "tagging"])
    p.add_argument("--regions", nargs="*", default=["us-east-1"])
    p.add_argument("--plan", default="professional")
    args = p.parse_args()
    with open(args.policy) as f:
        req = scan_request(args, f.read())

    delivered = []
    producer = Producer(kafka_client.config(**{"enable.idempotence": True, "acks": "all"}))
    producer.produce(kafka_client.topic("scan-requests"), key=req.client_id.encode(),
                     value=req.SerializeToString(),
                     on_delivery=lambda err, msg: delivered.append(err))
    producer.flush(30)
    if delivered != [None]:
        print(f"publish failed: {delivered or 'not delivered within 30 s'}", file=sys.stderr)
        return 1
    print(req.scan_id)
    return 0


if __name__ == "__main__":
    sys.exit(main())
