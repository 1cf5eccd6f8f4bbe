"""confluent_kafka.schema_registry's Avro serializer and deserializer against Kafka Lite's embedded Schema Registry.

Usage: schema_registry_avro.py <bootstrap> <registry-url> <topic> <count>
Serializes <count> records with AvroSerializer (which registers the schema under <topic>-value), produces them with
confluent_kafka.Producer, consumes them back and deserializes them with AvroDeserializer, then asks the registry for
the subject's versions. Prints one JSON object: the schema id the serializer used, the decoded records, the
subject's latest version and a refused incompatible registration's error code.
"""
import json
import sys

from confluent_kafka import Consumer, Producer
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.serialization import MessageField, SerializationContext

bootstrap, url, topic, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])

SCHEMA = json.dumps({
    "type": "record",
    "name": "Payment",
    "namespace": "acme",
    "fields": [
        {"name": "id", "type": "long"},
        {"name": "amount", "type": "double"},
        {"name": "note", "type": ["null", "string"], "default": None},
    ],
})


def record(i):
    return {"id": i, "amount": i * 1.5, "note": None if i % 3 == 0 else "payment %d" % i}


client = SchemaRegistryClient({"url": url})
serializer = AvroSerializer(client, SCHEMA)
deserializer = AvroDeserializer(client)
ctx = SerializationContext(topic, MessageField.VALUE)

producer = Producer({"bootstrap.servers": bootstrap})
for i in range(count):
    producer.produce(topic, key=str(i).encode(), value=serializer(record(i), ctx))
producer.flush(30)

consumer = Consumer({
    "bootstrap.servers": bootstrap,
    "group.id": "py-schema-registry",
    "auto.offset.reset": "earliest",
    "enable.auto.commit": False,
})
consumer.subscribe([topic])
decoded = []
ids = set()
while len(decoded) < count:
    m = consumer.poll(20)
    if m is None:
        break
    if m.error():
        raise SystemExit("consume error: %s" % m.error())
    value = m.value()
    ids.add(int.from_bytes(value[1:5], "big"))
    decoded.append(deserializer(value, ctx))
consumer.close()

latest = client.get_latest_version(topic + "-value")
incompatible = json.dumps({
    "type": "record", "name": "Payment", "namespace": "acme",
    "fields": [{"name": "id", "type": "string"}],
})
refused = None
try:
    client.register_schema(topic + "-value", Schema(incompatible, "AVRO"))
except SchemaRegistryError as e:
    refused = e.error_code

print(json.dumps({
    "ids": sorted(ids),
    "records": decoded,
    "latestVersion": latest.version,
    "latestId": latest.schema_id,
    "refusedCode": refused,
}))
