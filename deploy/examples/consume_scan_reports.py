#!/usr/bin/python3
"""A downstream consumer of cellscan's scan-results topic: decodes each
ScanReport and upserts it by scan_id (delivery is at least once, so the same
report may arrive twice). Here the "upsert" prints one JSON line per report;
replace it with a write to your store. Offsets are committed only after the
report is stored.

  KAFKA_BROKERS=host:9096 KAFKA_USERNAME=... KAFKA_PASSWORD=... \\
    deploy/examples/consume_scan_reports.py --group reporting [--client-id acme] [--max-messages N]
"""
import argparse
import json
import signal
import sys

from confluent_kafka import Consumer
from google.protobuf import json_format

import cellscan_pb2 as pb
import kafka_client


def upsert(report):
    overall = report.overall
    print(json.dumps({
        "scan_id": report.scan_id,
        "client_id": report.client_id,
        "status": pb.ScanStatus.Name(report.status),
        "reason": report.reason,
        "score": overall.score,
        "coverage": overall.coverage,
        "total": overall.total,
        "compliant": overall.compliant,
        "permission_denied": list(report.errors.permission_denied),
        "report": json_format.MessageToDict(report),
    }, sort_keys=True), flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--group", required=True, help="your consumer group")
    p.add_argument("--client-id", help="keep only this tenant's reports")
    p.add_argument("--max-messages", type=int, default=0, help="stop after N reports (0 = run until SIGTERM)")
    args = p.parse_args()
    running = [True]
    signal.signal(signal.SIGTERM, lambda *_: running.clear())
    signal.signal(signal.SIGINT, lambda *_: running.clear())

    consumer = Consumer(kafka_client.config(**{
        "group.id": args.group, "enable.auto.commit": False, "auto.offset.reset": "earliest"}))
    consumer.subscribe([kafka_client.topic("scan-results")])
    seen = 0
    try:
        while running and (args.max_messages == 0 or seen < args.max_messages):
            msg = consumer.poll(1.0)
            if msg is None:
                continue
            if msg.error():
                print(f"kafka: {msg.error()}", file=sys.stderr)
                continue
            report = pb.ScanReport()
            report.ParseFromString(msg.value())
            if args.client_id is None or report.client_id == args.client_id:
                upsert(report)
                seen += 1
            consumer.commit(message=msg, asynchronous=False)
    finally:
        consumer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
