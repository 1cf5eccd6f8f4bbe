"""kafka-python 3.x (pure-Python client) against Kafka Lite, driven by test/compat/python.test.ts.

usage: kafka_python_roundtrip.py BOOTSTRAP TOPIC GROUP COUNT
Creates TOPIC (1 partition) with KafkaAdminClient, produces COUNT keyed records with headers (acks='all', and
idempotent as kafka-python 3 is by default), consumes them from the beginning in consumer group GROUP, commits,
and prints one JSON object on stdout: the broker version kafka-python auto-detected, whether the producer ran
idempotent, the produce acks, every consumed record (bytes as hex) and the committed offset the client reads
back. Any client error propagates (create_topics raises on a topic error): traceback on stderr, exit status 1.
"""
import json
import sys
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient


def record(i):
    """The i-th record: binary key and value (every byte value shows up), two headers; record 7 is a tombstone."""
    key = b'key-%03d' % i
    value = None if i == 7 else bytes([i % 256, 0, 255]) + b'value-%d' % i
    headers = [('idx', b'%d' % i), ('bin', bytes([255 - (i % 256), 0]))]
    return key, value, headers


def hexb(b):
    return None if b is None else b.hex()


def main():
    bootstrap, topic, group, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    out = {}

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id='kp-admin')
    # kafka-python 3 takes {name: options} (a list of NewTopic is deprecated) and answers with the response as a dict
    res = admin.create_topics({topic: {'num_partitions': 1, 'replication_factor': 1}})
    out['createTopicErrors'] = [[t['name'], t['error_code']] for t in res['topics']]
    admin.close()

    producer = KafkaProducer(bootstrap_servers=bootstrap, acks='all', client_id='kp-producer', linger_ms=5)
    # the broker version detected from our ApiVersions answer (kafka-python 3 records it in the producer's config)
    out['apiVersion'] = list(producer.config['api_version'])
    out['idempotent'] = bool(producer.config['enable_idempotence'])
    futures = []
    for i in range(count):
        key, value, headers = record(i)
        futures.append(producer.send(topic, key=key, value=value, headers=headers))
    producer.flush(timeout=20)
    out['acks'] = [[m.partition, m.offset] for m in (f.get(timeout=20) for f in futures)]
    producer.close(timeout=10)

    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        client_id='kp-consumer',
        auto_offset_reset='earliest',
        enable_auto_commit=False,
        session_timeout_ms=10000,
        heartbeat_interval_ms=1000,
    )
    got = []
    deadline = time.time() + 30
    while len(got) < count and time.time() < deadline:
        for _tp, msgs in consumer.poll(timeout_ms=500).items():
            for m in msgs:
                got.append({
                    'partition': m.partition,
                    'offset': m.offset,
                    'key': hexb(m.key),
                    'value': hexb(m.value),
                    'headers': [[h, hexb(v)] for (h, v) in m.headers],
                })
    consumer.commit()
    out['records'] = got
    out['committed'] = consumer.committed(TopicPartition(topic, 0))
    consumer.close()
    print(json.dumps(out))


if __name__ == '__main__':
    main()
