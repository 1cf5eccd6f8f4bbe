"""confluent-kafka (librdkafka from Python) against Kafka Lite, driven by test/compat/python.test.ts.

usage: confluent_group.py BOOTSTRAP TOPIC GROUP COUNT
Creates TOPIC (2 partitions) with the AdminClient, starts two consumers of group GROUP and polls both until the
group has settled with one partition each, then produces COUNT records with enable.idempotence=True (even i to
partition 0, odd to 1, a header on each), polls until both consumers have read everything, commits
synchronously and prints one JSON object on stdout: each consumer's assignment and records (bytes as hex), the
delivery reports and the committed offsets. Any client error: message on stderr, exit status 1.
"""
import json
import sys
import time

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic


def record(i):
    return b'ck-%04d' % i, b'confluent value %d ' % i + bytes([i % 256]) * (i % 17), [('n', b'%d' % i)]


def hexb(b):
    return None if b is None else b.hex()


def fail(msg):
    sys.stderr.write(msg + '\n')
    sys.exit(1)


def main():
    bootstrap, topic, group, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    out = {}

    admin = AdminClient({'bootstrap.servers': bootstrap})
    for t, fut in admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)]).items():
        fut.result(timeout=20)  # raises KafkaException on a broker error

    consumers = [
        Consumer({
            'bootstrap.servers': bootstrap,
            'group.id': group,
            'client.id': 'ck-consumer-%d' % n,
            'auto.offset.reset': 'earliest',
            'enable.auto.commit': False,
            'session.timeout.ms': 6000,
            'heartbeat.interval.ms': 500,
            'topic.metadata.refresh.interval.ms': 1000,
        })
        for n in range(2)
    ]
    for c in consumers:
        c.subscribe([topic])

    got = [[] for _ in consumers]

    def poll_all():
        for n, c in enumerate(consumers):
            m = c.poll(0.1)
            if m is None:
                continue
            if m.error():
                fail('consumer %d error: %s' % (n, m.error()))
            got[n].append({
                'partition': m.partition(),
                'offset': m.offset(),
                'key': hexb(m.key()),
                'value': hexb(m.value()),
                'headers': [[h, hexb(v)] for (h, v) in (m.headers() or [])],
            })

    deadline = time.time() + 30
    while True:
        poll_all()
        parts = [sorted(tp.partition for tp in c.assignment()) for c in consumers]
        if sorted(p for ps in parts for p in ps) == [0, 1] and all(len(ps) == 1 for ps in parts):
            break
        if time.time() > deadline:
            fail('group did not settle with one partition per consumer; assignments: %s' % parts)
    out['assignments'] = parts

    producer = Producer({'bootstrap.servers': bootstrap, 'enable.idempotence': True, 'linger.ms': 5})
    reports = []

    def on_delivery(err, msg):
        if err is not None:
            fail('delivery failed: %s' % err)
        reports.append([msg.partition(), msg.offset()])

    for i in range(count):
        key, value, headers = record(i)
        producer.produce(topic, key=key, value=value, headers=headers, partition=i % 2, on_delivery=on_delivery)
    if producer.flush(20) != 0:
        fail('producer did not deliver everything within 20 s')
    out['deliveries'] = reports

    deadline = time.time() + 30
    while sum(len(g) for g in got) < count:
        poll_all()
        if time.time() > deadline:
            fail('consumed only %d of %d records' % (sum(len(g) for g in got), count))
    out['records'] = got

    out['committed'] = []
    for c in consumers:
        offsets = c.commit(asynchronous=False)
        out['committed'].append(sorted([tp.partition, tp.offset] for tp in offsets))
    for c in consumers:
        c.close()
    print(json.dumps(out))


if __name__ == '__main__':
    try:
        main()
    except KafkaException as e:
        fail('KafkaException: %s' % e)
