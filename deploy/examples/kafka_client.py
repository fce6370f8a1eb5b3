"""Kafka client settings shared by the two examples (confluent-kafka, i.e.
librdkafka, the client the cellscan daemons use too).

  KAFKA_BROKERS            bootstrap servers (required)
  KAFKA_USERNAME/PASSWORD  SASL/SCRAM credentials (MSK: port 9096); unset = plaintext
  KAFKA_SASL_MECHANISM     default SCRAM-SHA-512
  CELLSCAN_TOPIC_PREFIX    the fleet's topic prefix, default "cellscan."
"""
import os


def config(**extra):
    conf = {"bootstrap.servers": os.environ["KAFKA_BROKERS"]}
    if os.environ.get("KAFKA_USERNAME"):
        conf.update({
            "security.protocol": "SASL_SSL",
            "sasl.mechanisms": os.environ.get("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512"),
            "sasl.username": os.environ["KAFKA_USERNAME"],
            "sasl.password": os.environ["KAFKA_PASSWORD"],
        })
    conf.update(extra)
    return conf


def topic(suffix):
    return os.environ.get("CELLSCAN_TOPIC_PREFIX", "cellscan.") + suffix
