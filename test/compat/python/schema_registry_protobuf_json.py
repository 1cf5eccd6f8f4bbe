"""confluent_kafka.schema_registry's Protobuf and JSON Schema serializers against Kafka Lite's embedded Schema Registry.

Usage: schema_registry_protobuf_json.py <bootstrap> <registry-url> <topic-prefix> <count> [json,protobuf]
(the last argument picks the formats to run, in order; both by default).
Protobuf: the message classes are built at run time from FileDescriptorProtos (descriptor_pb2 + message_factory, so
no protoc is needed): acme/shipment.proto imports acme/kind.proto (its enum Kind) and google/protobuf/timestamp.proto.
ProtobufSerializer registers the file under <prefix>-proto-value as a base64 FileDescriptorProto, with acme/kind.proto
registered as its reference (the well-known timestamp.proto is not), <count> messages go through confluent_kafka.Producer,
are consumed back and decoded by ProtobufDeserializer (which reads the writer schema and its reference with
?format=serialized). An incompatible evolution (parcels int32 -> string) is refused by the registry; a compatible one
(a field added) is registered as version 2 by its serializer, and the old and new records are read by the old and the
new deserializer alike. JSON Schema: JSONSerializer registers its schema under <prefix>-json-value and validates each
object; the same round trip, decoded by JSONDeserializer; a value that breaks the schema is refused by the serializer
before anything is sent; an incompatible schema is refused by the registry, and a compatible evolution's serializer
registers version 2, read by the same deserializer. Prints one JSON object: per format the schema ids in the records,
the decoded objects, the subject's latest version and schema type, and the refusals.
"""
import json
import sys

from confluent_kafka import Consumer, Producer
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer, ProtobufSerializer
from confluent_kafka.serialization import MessageField, SerializationContext
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, timestamp_pb2
from google.protobuf.json_format import MessageToDict

bootstrap, url, prefix, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
formats = sys.argv[5].split(",") if len(sys.argv) > 5 else ["json", "protobuf"]


def shipment_class(parcels_type=descriptor_pb2.FieldDescriptorProto.TYPE_INT32, note=False):
    """acme.Shipment {string tracking = 1; int32 parcels = 2; repeated string tags = 3; acme.Kind kind = 4;
    google.protobuf.Timestamp shipped_at = 5; [string note = 6;]} (proto3) in acme/shipment.proto, which imports
    acme/kind.proto (enum Kind {STANDARD = 0; EXPRESS = 1;}) and google/protobuf/timestamp.proto. Each call builds
    its own pool, so versions of the same message can live side by side."""
    T = descriptor_pb2.FieldDescriptorProto
    k = descriptor_pb2.FileDescriptorProto(name="acme/kind.proto", package="acme", syntax="proto3")
    kind = k.enum_type.add(name="Kind")
    for n, v in (("STANDARD", 0), ("EXPRESS", 1)):
        kind.value.add(name=n, number=v)
    f = descriptor_pb2.FileDescriptorProto(name="acme/shipment.proto", package="acme", syntax="proto3")
    f.dependency.extend(["acme/kind.proto", "google/protobuf/timestamp.proto"])
    m = f.message_type.add(name="Shipment")
    m.field.add(name="tracking", number=1, type=T.TYPE_STRING, label=T.LABEL_OPTIONAL, json_name="tracking")
    m.field.add(name="parcels", number=2, type=parcels_type, label=T.LABEL_OPTIONAL, json_name="parcels")
    m.field.add(name="tags", number=3, type=T.TYPE_STRING, label=T.LABEL_REPEATED, json_name="tags")
    m.field.add(name="kind", number=4, type=T.TYPE_ENUM, type_name=".acme.Kind", label=T.LABEL_OPTIONAL,
                json_name="kind")
    m.field.add(name="shipped_at", number=5, type=T.TYPE_MESSAGE, type_name=".google.protobuf.Timestamp",
                label=T.LABEL_OPTIONAL, json_name="shippedAt")
    if note:
        m.field.add(name="note", number=6, type=T.TYPE_STRING, label=T.LABEL_OPTIONAL, json_name="note")
    pool = descriptor_pool.DescriptorPool()
    pool.AddSerializedFile(timestamp_pb2.DESCRIPTOR.serialized_pb)
    pool.Add(k)
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


def shipment(Cls, i, **extra):
    m = Cls(tracking="TRK-%04d" % i, parcels=i, tags=["t%d" % j for j in range(i % 3)],
            kind=1 if i % 2 else 0, **extra)
    m.shipped_at.FromSeconds(1700000000 + i * 60)
    return m


def as_dict(m):
    return MessageToDict(m, preserving_proto_field_name=True, always_print_fields_with_no_presence=True)


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
    subject = topic + "-value"
    ctx = SerializationContext(topic, MessageField.VALUE)
    ser = ProtobufSerializer(Shipment, client, {"auto.register.schemas": True})
    deser = ProtobufDeserializer(Shipment, {}, client)
    produce(topic, [ser(shipment(Shipment, i), ctx) for i in range(count)])
    values = consume(topic, count)
    decoded = [deser(v, ctx) for v in values]
    first = client.get_latest_version(subject)
    # parcels int32 -> string: the registry refuses it (409) and nothing is produced
    Bad = shipment_class(parcels_type=descriptor_pb2.FieldDescriptorProto.TYPE_STRING)
    try:
        bad = Bad(tracking="bad")
        bad.parcels = "many"
        ProtobufSerializer(Bad, client, {"auto.register.schemas": True})(bad, ctx)
        incompatible = None
    except SchemaRegistryError as e:
        incompatible = e.error_code
    # a field added: version 2; the new and the old deserializer read every record
    V2 = shipment_class(note=True)
    ser2 = ProtobufSerializer(V2, SchemaRegistryClient({"url": url}), {"auto.register.schemas": True})
    produce(topic, [ser2(shipment(V2, count, note="evolved"), ctx)])
    all_values = consume(topic, count + 1, group="py-sr-proto-evolved")
    deser2 = ProtobufDeserializer(V2, {}, SchemaRegistryClient({"url": url}))
    out["protobuf"] = {
        "ids": sorted({schema_id(v) for v in values}),
        "messageIndexes": sorted({v[5] for v in values}),
        "records": [as_dict(d) for d in decoded],
        "types": sorted({type(d).DESCRIPTOR.full_name for d in decoded}),
        "latest": {"version": first.version, "id": first.schema_id, "type": first.schema.schema_type,
                   "schema": first.schema.schema_str,
                   "references": [[r.name, r.subject, r.version] for r in first.schema.references]},
        "incompatibleCode": incompatible,
        "evolved": {
            "ids": [schema_id(v) for v in all_values],
            "byNew": [as_dict(deser2(v, ctx)) for v in all_values],
            "byOld": [as_dict(deser(v, ctx)) for v in all_values],
            "latest": latest(subject, fresh=True),
            "versions": client.get_versions(subject),
        },
        "subjects": client.get_subjects(),
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
