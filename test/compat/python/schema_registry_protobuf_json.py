"""confluent_kafka.schema_registry's Protobuf and JSON Schema serializers against Kafka Lite's embedded Schema Registry.

Usage: schema_registry_protobuf_json.py <bootstrap> <registry-url> <topic-prefix> <count> [json,protobuf]
(the last argument picks the formats to run, in order; both by default).
Protobuf: the message class is built at run time from a FileDescriptorProto (descriptor_pb2 + message_factory, so no
protoc is needed); ProtobufSerializer registers the file under <prefix>-proto-value, <count> messages go through
confluent_kafka.Producer, are consumed back and decoded by ProtobufDeserializer. JSON Schema: JSONSerializer registers
its schema under <prefix>-json-value and validates each object; the same round trip, decoded by JSONDeserializer; a
value that breaks the schema is refused by the serializer before anything is sent; an incompatible schema is refused
by the registry, and a compatible evolution's serializer registers version 2, read by the same deserializer. Prints
one JSON object: per format the schema ids in the records, the decoded objects, the subject's latest version and
schema type, and the refusals.
Protobuf note: ProtobufSerializer registers the schema as a base64 FileDescriptorProto (not .proto text) and its
deserializer fetches writer schemas with ?format=serialized, so that mode needs a registry that speaks both.
"""
import json
import sys

from confluent_kafka import Consumer, Producer
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer, ProtobufSerializer
from confluent_kafka.serialization import MessageField, SerializationContext
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.json_format import MessageToDict

bootstrap, url, prefix, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
formats = sys.argv[5].split(",") if len(sys.argv) > 5 else ["json", "protobuf"]


def shipment_class():
    """acme.Shipment {string tracking = 1; int32 parcels = 2; repeated string tags = 3; Kind kind = 4;} (proto3)."""
    f = descriptor_pb2.FileDescriptorProto(name="acme/shipment.proto", package="acme", syntax="proto3")
    kind = f.enum_type.add(name="Kind")
    for n, v in (("STANDARD", 0), ("EXPRESS", 1)):
        kind.value.add(name=n, number=v)
    m = f.message_type.add(name="Shipment")
    T = descriptor_pb2.FieldDescriptorProto
    m.field.add(name="tracking", number=1, type=T.TYPE_STRING, label=T.LABEL_OPTIONAL, json_name="tracking")
    m.field.add(name="parcels", number=2, type=T.TYPE_INT32, label=T.LABEL_OPTIONAL, json_name="parcels")
    m.field.add(name="tags", number=3, type=T.TYPE_STRING, label=T.LABEL_REPEATED, json_name="tags")
    m.field.add(name="kind", number=4, type=T.TYPE_ENUM, type_name=".acme.Kind", label=T.LABEL_OPTIONAL,
                json_name="kind")
    pool = descriptor_pool.DescriptorPool()
    pool.Add(f)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("acme.Shipment"))


ORDER_SCHEMA = json.dumps({
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "Order",
    "type": "object",
    "properties": {
        "orderId": {"type": "string"},
        "quantity": {"type": "integer", "minimum": 1},
        "lines": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["orderId", "quantity"],
    "additionalProperties": False,
})


# a BACKWARD-incompatible change (orderId's type) and a compatible one (an optional property added)
ORDER_INCOMPATIBLE = json.dumps(dict(json.loads(ORDER_SCHEMA), properties={
    "orderId": {"type": "integer"}, "quantity": {"type": "integer", "minimum": 1},
    "lines": {"type": "array", "items": {"type": "string"}}}))
ORDER_EVOLVED = json.dumps(dict(json.loads(ORDER_SCHEMA), properties=dict(
    json.loads(ORDER_SCHEMA)["properties"], note={"type": "string"})))


def shipment(i):
    return {"tracking": "TRK-%04d" % i, "parcels": i, "tags": ["t%d" % j for j in range(i % 3)],
            "kind": "EXPRESS" if i % 2 else "STANDARD"}


def order(i):
    return {"orderId": "o-%d" % i, "quantity": i + 1, "lines": ["line %d" % j for j in range(i % 4)]}


client = SchemaRegistryClient({"url": url})
producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True})


def consume(topic, n, group=None):
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": group or "py-sr-" + topic,
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    })
    consumer.subscribe([topic])
    got = []
    while len(got) < n:
        m = consumer.poll(20)
        if m is None:
            break
        if m.error():
            raise SystemExit("consume error on %s: %s" % (topic, m.error()))
        got.append(m.value())
    consumer.close()
    return got


def produce(topic, values):
    for i, v in enumerate(values):
        producer.produce(topic, key=str(i).encode(), value=v)
    left = producer.flush(30)
    if left:
        raise SystemExit("%d records to %s were not delivered" % (left, topic))


def schema_id(value):
    return int.from_bytes(value[1:5], "big")


def latest(subject, fresh=False):
    # a client caches the latest version it saw: a fresh one asks the registry again
    r = (SchemaRegistryClient({"url": url}) if fresh else client).get_latest_version(subject)
    return {"version": r.version, "id": r.schema_id, "type": r.schema.schema_type, "schema": r.schema.schema_str}


out = {}


def run_protobuf():
    Shipment = shipment_class()
    topic = prefix + "-proto"
    ctx = SerializationContext(topic, MessageField.VALUE)
    ser = ProtobufSerializer(Shipment, client, {"auto.register.schemas": True})
    deser = ProtobufDeserializer(Shipment, {}, client)
    produce(topic, [ser(Shipment(**shipment(i)), ctx) for i in range(count)])
    values = consume(topic, count)
    decoded = [deser(v, ctx) for v in values]
    out["protobuf"] = {
        "ids": sorted({schema_id(v) for v in values}),
        "messageIndexes": sorted({v[5] for v in values}),
        "records": [MessageToDict(d, preserving_proto_field_name=True, always_print_fields_with_no_presence=True)
                    for d in decoded],
        "types": sorted({type(d).DESCRIPTOR.full_name for d in decoded}),
        "latest": latest(topic + "-value"),
    }


def run_json():
    topic = prefix + "-json"
    ctx = SerializationContext(topic, MessageField.VALUE)
    ser = JSONSerializer(ORDER_SCHEMA, client, conf={"auto.register.schemas": True})
    deser = JSONDeserializer(None, schema_registry_client=client)
    produce(topic, [ser(order(i), ctx) for i in range(count)])
    values = consume(topic, count)
    refused = {}
    for name, bad in (("wrong type", {"orderId": 7, "quantity": 1}), ("missing field", {"orderId": "x"}),
                      ("extra field", {"orderId": "x", "quantity": 1, "colour": "red"}),
                      ("below minimum", {"orderId": "x", "quantity": 0})):
        try:
            ser(bad, ctx)
            refused[name] = None
        except Exception as e:  # the serializer's SerializationError, raised before anything is produced
            refused[name] = type(e).__name__
    first = latest(topic + "-value")
    try:
        client.register_schema(topic + "-value", Schema(ORDER_INCOMPATIBLE, "JSON"))
        incompatible = None
    except SchemaRegistryError as e:
        incompatible = e.error_code
    # the evolved schema's serializer registers version 2; one reader reads old and new records alike
    evolved = JSONSerializer(ORDER_EVOLVED, client, conf={"auto.register.schemas": True})
    produce(topic, [evolved(dict(order(count), note="evolved"), ctx)])
    all_values = consume(topic, count + 1, group="py-sr-evolved")
    out["json"] = {
        "ids": sorted({schema_id(v) for v in values}),
        "records": [deser(v, ctx) for v in values],
        "latest": first,
        "refused": refused,
        "incompatibleCode": incompatible,
        "evolved": {
            "ids": [schema_id(v) for v in all_values],
            "records": [deser(v, ctx) for v in all_values],
            "latest": latest(topic + "-value", fresh=True),
            "versions": client.get_versions(topic + "-value"),
        },
    }


for f in formats:
    {"json": run_json, "protobuf": run_protobuf}[f]()
print(json.dumps(out))
