"""confluent-kafka transactions (librdkafka's transactional producer) against Kafka Lite, driven by
test/compat/python.test.ts.

usage: confluent_transactions.py BOOTSTRAP SCENARIO PREFIX
SCENARIO is one of:
  commit-abort  a transaction of a, b is committed, one of x, y aborted, one of c committed; both isolation
                levels read the topic to its end
  open          a record before, then an open transaction of p1, p2 (flushed, not committed): both isolation
                levels read to the end; then the transaction commits and read_committed reads again
  ctp           consume-transform-produce: a read_committed group member reads three input records, a
                transaction produces them upper-cased and send_offsets_to_transaction commits the input offsets
  fence         producer A opens a transaction; producer B with the same transactional.id calls
                init_transactions, commits its own record; A's next produce/commit fails
Topics are named PREFIX-... and created with the AdminClient (1 partition). Prints one JSON object on stdout
(record values as text). Any unexpected client error: message on stderr, exit status 1.
"""
import json
import sys
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic


def fail(msg):
    sys.stderr.write(msg + '\n')
    sys.exit(1)


def create_topics(bootstrap, names):
    admin = AdminClient({'bootstrap.servers': bootstrap})
    for _, fut in admin.create_topics([NewTopic(n, num_partitions=1, replication_factor=1) for n in names]).items():
        fut.result(timeout=20)


def tx_producer(bootstrap, txn_id):
    return Producer({
        'bootstrap.servers': bootstrap,
        'transactional.id': txn_id,
        'transaction.timeout.ms': 60000,
        'linger.ms': 5,
    })


def read_to_end(bootstrap, topic, isolation, timeout=20):
    """Every record of partition 0 from the beginning to the end librdkafka reports for this isolation level."""
    c = Consumer({
        'bootstrap.servers': bootstrap,
        'group.id': 'py-txn-reader',
        'enable.auto.commit': False,
        'enable.partition.eof': True,
        'isolation.level': isolation,
        'fetch.wait.max.ms': 100,
    })
    try:
        c.assign([TopicPartition(topic, 0, -2)])  # OFFSET_BEGINNING
        out = []
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = c.poll(0.2)
            if m is None:
                continue
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    return out
                fail('%s consumer error: %s' % (isolation, m.error()))
            out.append([m.offset(), m.value().decode()])
        fail('%s consumer did not reach the end of %s; read %s' % (isolation, topic, out))
    finally:
        c.close()


def both(bootstrap, topic):
    return {
        'committed': read_to_end(bootstrap, topic, 'read_committed'),
        'uncommitted': read_to_end(bootstrap, topic, 'read_uncommitted'),
    }


def send(p, topic, values):
    for v in values:
        p.produce(topic, value=v.encode())
    p.flush(10)


def commit_abort(bootstrap, prefix):
    topic = prefix + '-ca'
    create_topics(bootstrap, [topic])
    p = tx_producer(bootstrap, prefix + '-ca-tx')
    p.init_transactions(20)
    p.begin_transaction()
    send(p, topic, ['a', 'b'])
    p.commit_transaction(20)
    p.begin_transaction()
    send(p, topic, ['x', 'y'])
    p.abort_transaction(20)
    p.begin_transaction()
    send(p, topic, ['c'])
    p.commit_transaction(20)
    return both(bootstrap, topic)


def open_txn(bootstrap, prefix):
    topic = prefix + '-open'
    create_topics(bootstrap, [topic])
    plain = Producer({'bootstrap.servers': bootstrap})
    send(plain, topic, ['before'])
    p = tx_producer(bootstrap, prefix + '-open-tx')
    p.init_transactions(20)
    p.begin_transaction()
    send(p, topic, ['p1', 'p2'])
    during = both(bootstrap, topic)
    p.commit_transaction(20)
    return {'during': during, 'after': both(bootstrap, topic)}


def ctp(bootstrap, prefix):
    src, dst, group = prefix + '-in', prefix + '-out', prefix + '-group'
    create_topics(bootstrap, [src, dst])
    plain = Producer({'bootstrap.servers': bootstrap})
    send(plain, src, ['one', 'two', 'three'])
    c = Consumer({
        'bootstrap.servers': bootstrap,
        'group.id': group,
        'enable.auto.commit': False,
        'auto.offset.reset': 'earliest',
        'isolation.level': 'read_committed',
        'session.timeout.ms': 6000,
        'heartbeat.interval.ms': 500,
    })
    c.subscribe([src])
    p = tx_producer(bootstrap, prefix + '-ctp-tx')
    p.init_transactions(20)
    got = []
    deadline = time.time() + 30
    while len(got) < 3:
        if time.time() > deadline:
            fail('the input was not consumed; got %s' % got)
        m = c.poll(0.2)
        if m is None:
            continue
        if m.error():
            fail('consumer error: %s' % m.error())
        got.append(m)
    p.begin_transaction()
    for m in got:
        p.produce(dst, value=m.value().decode().upper().encode())
    p.send_offsets_to_transaction(c.position(c.assignment()), c.consumer_group_metadata(), 20)
    p.commit_transaction(20)
    committed = c.committed([TopicPartition(src, 0)], timeout=10)
    c.close()
    return {
        'input': [m.value().decode() for m in got],
        'committedOffset': committed[0].offset,
        'output': both(bootstrap, dst),
    }


def fence(bootstrap, prefix):
    topic = prefix + '-fence'
    create_topics(bootstrap, [topic])
    txn_id = prefix + '-fence-tx'
    a = tx_producer(bootstrap, txn_id)
    a.init_transactions(20)
    a.begin_transaction()
    send(a, topic, ['zombie'])
    b = tx_producer(bootstrap, txn_id)
    b.init_transactions(20)  # bumps the epoch: A is fenced and its open transaction aborted
    b.begin_transaction()
    send(b, topic, ['winner'])
    b.commit_transaction(20)
    error = None
    try:
        a.produce(topic, value=b'zombie-2')
        a.flush(10)
        a.commit_transaction(20)
    except KafkaException as e:
        err = e.args[0]
        error = {'name': err.name(), 'fatal': err.fatal(), 'abortable': err.txn_requires_abort()}
    return {'error': error, **both(bootstrap, topic)}


def main():
    bootstrap, scenario, prefix = sys.argv[1], sys.argv[2], sys.argv[3]
    run = {'commit-abort': commit_abort, 'open': open_txn, 'ctp': ctp, 'fence': fence}.get(scenario)
    if run is None:
        fail('unknown scenario %s' % scenario)
    try:
        out = run(bootstrap, prefix)
    except KafkaException as e:
        fail('%s: %s' % (scenario, e))
    print(json.dumps(out))


if __name__ == '__main__':
    main()
