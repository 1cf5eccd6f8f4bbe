/**
 * kafkajs transactions against the real broker over the wire: `producer.transaction()` with send, commit and
 * abort; a read_committed consumer (kafkajs' default, `readUncommitted: false`) that sees committed records only,
 * never aborted ones, and waits at the last stable offset while a transaction is open; consume-transform-produce
 * with `sendOffsets`, whose offsets become the group's only on commit; and fencing, where a second producer with
 * the same transactionalId aborts the first one's open transaction and the first one's next call fails.
 */
import * as assert from 'assert';
import type { Consumer, Producer, ProducerConfig } from 'kafkajs';
import { Kafka, logLevel } from 'kafkajs';
import type { Running } from './harness';
import { removeDir, startBroker, waitFor } from './harness';

const GROUP_TIMING = { sessionTimeout: 6000, heartbeatInterval: 500, rebalanceTimeout: 3000 };

describe('kafkajs transactions against Kafka Lite', function () {
  this.timeout(60000);
  let k: Running;
  let kafka: Kafka;
  const toDisconnect: { disconnect(): Promise<void> }[] = [];
  let groups = 0;

  before(async () => {
    k = await startBroker({ defaultPartitions: 1 });
    kafka = new Kafka({
      clientId: 'compat-txn',
      brokers: [k.bootstrap],
      logLevel: logLevel.NOTHING,
      retry: { retries: 5, initialRetryTime: 100 },
    });
  });

  afterEach(async () => {
    for (const c of toDisconnect.splice(0).reverse()) await c.disconnect().catch(() => {});
  });

  after(async () => {
    await k.stop();
    removeDir(k.dir);
  });

  function txProducer(transactionalId: string, opts: Partial<ProducerConfig> = {}): Producer {
    const p = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, ...opts });
    toDisconnect.push(p);
    return p;
  }

  /** A consumer of a fresh group that collects `topic` from the beginning into the returned array. */
  async function collect(
    topic: string,
    readUncommitted: boolean,
  ): Promise<{ values: string[]; offsets: number[]; consumer: Consumer }> {
    const consumer = kafka.consumer({
      groupId: `txn-reader-${++groups}`,
      readUncommitted,
      maxWaitTimeInMs: 200,
      ...GROUP_TIMING,
    });
    toDisconnect.push(consumer);
    const values: string[] = [];
    const offsets: number[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value?.toString() ?? '<null>');
        offsets.push(Number(message.offset));
      },
    });
    return { values, offsets, consumer };
  }

  /** Wait until `got` holds `expected`, then a little longer to make sure nothing else arrives. */
  async function settle(what: string, got: string[], expected: string[]): Promise<void> {
    await waitFor(what, () => got.length >= expected.length);
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepStrictEqual(got, expected, what);
  }

  it('a committed transaction is read by a read_committed consumer, and its commit marker takes one offset', async () => {
    const topic = 'txn-commit';
    await k.broker.createTopic(topic, 1);
    const p = txProducer('kjs-commit');
    await p.connect();
    const tx = await p.transaction();
    await tx.send({ topic, messages: ['a', 'b', 'c'].map((value) => ({ key: 'k', value })) });
    await tx.send({ topic, messages: [{ key: 'k', value: 'd' }] });
    await tx.commit();

    const committed = await collect(topic, false);
    await settle('read_committed sees the committed records', committed.values, ['a', 'b', 'c', 'd']);
    assert.deepStrictEqual(committed.offsets, [0, 1, 2, 3]);
    // The COMMIT control record sits at offset 4: the log ends after it, and no client sees it as a message.
    assert.strictEqual(k.broker.partitionInfo(topic, 0).logEndOffset, 5, 'four records and one marker');
    const stored = k.broker.readRecords(topic, 0, 0, 100);
    assert.ok(
      stored.slice(0, 4).every((r) => r.producerId >= 0),
      'transactional batches carry the producer id',
    );
  });

  it('an aborted transaction is invisible to read_committed and visible to read_uncommitted', async () => {
    const topic = 'txn-abort';
    await k.broker.createTopic(topic, 1);
    const p = txProducer('kjs-abort');
    await p.connect();
    const t1 = await p.transaction();
    await t1.send({ topic, messages: [{ value: 'kept-1' }] });
    await t1.commit();
    const t2 = await p.transaction();
    await t2.send({ topic, messages: [{ value: 'aborted-1' }, { value: 'aborted-2' }] });
    await t2.abort();
    const t3 = await p.transaction();
    await t3.send({ topic, messages: [{ value: 'kept-2' }] });
    await t3.commit();

    const committed = await collect(topic, false);
    const uncommitted = await collect(topic, true);
    await settle('read_committed skips the aborted records', committed.values, ['kept-1', 'kept-2']);
    await settle('read_uncommitted sees every data record', uncommitted.values, [
      'kept-1',
      'aborted-1',
      'aborted-2',
      'kept-2',
    ]);
    // offsets: kept-1 0, COMMIT 1, aborted 2-3, ABORT 4, kept-2 5, COMMIT 6
    assert.deepStrictEqual(committed.offsets, [0, 5]);
    assert.deepStrictEqual(uncommitted.offsets, [0, 2, 3, 5]);
  });

  it('a read_committed consumer waits at the last stable offset while a transaction is open', async () => {
    const topic = 'txn-open';
    await k.broker.createTopic(topic, 1);
    const plain = kafka.producer();
    toDisconnect.push(plain);
    await plain.connect();
    await plain.send({ topic, messages: [{ value: 'before' }] });

    const p = txProducer('kjs-open');
    await p.connect();
    const tx = await p.transaction();
    await tx.send({ topic, messages: [{ value: 'pending-1' }, { value: 'pending-2' }] });
    // A non-transactional record after the open transaction: read_committed may not pass the LSO to reach it.
    await plain.send({ topic, messages: [{ value: 'after' }] });

    const committed = await collect(topic, false);
    const uncommitted = await collect(topic, true);
    await settle('read_uncommitted reads past the open transaction', uncommitted.values, [
      'before',
      'pending-1',
      'pending-2',
      'after',
    ]);
    await settle('read_committed stops at the last stable offset', committed.values, ['before']);

    await tx.commit();
    await settle('after the commit read_committed reads on', committed.values, [
      'before',
      'pending-1',
      'pending-2',
      'after',
    ]);
  });

  it('consume-transform-produce: sendOffsets commits the input offsets with the output, and only on commit', async () => {
    const input = 'ctp-in';
    const output = 'ctp-out';
    const group = 'ctp-group';
    await k.broker.createTopic(input, 1);
    await k.broker.createTopic(output, 1);
    const plain = kafka.producer();
    toDisconnect.push(plain);
    await plain.connect();
    await plain.send({ topic: input, messages: ['one', 'two', 'three'].map((value) => ({ value })) });

    const p = txProducer('kjs-ctp');
    await p.connect();
    // A first attempt that is rolled back: neither its output nor its offsets may count.
    const failed = await p.transaction();
    await failed.send({ topic: output, messages: [{ value: 'ROLLED-BACK' }] });
    await failed.sendOffsets({
      consumerGroupId: group,
      topics: [{ topic: input, partitions: [{ partition: 0, offset: '3' }] }],
    });
    await failed.abort();
    assert.strictEqual(
      k.broker.fetchOffsets(group, [{ topic: input, partitions: [0] }])[0].offset,
      -1,
      'aborted transactional offsets are not committed',
    );

    const consumer = kafka.consumer({ groupId: group, maxWaitTimeInMs: 200, ...GROUP_TIMING });
    toDisconnect.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic: input, fromBeginning: true });
    const seen: string[] = [];
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const tx = await p.transaction();
        await tx.send({
          topic: output,
          messages: batch.messages.map((m) => ({ value: (m.value?.toString() ?? '').toUpperCase() })),
        });
        const next = Number(batch.messages[batch.messages.length - 1].offset) + 1;
        await tx.sendOffsets({
          consumerGroupId: group,
          topics: [{ topic: input, partitions: [{ partition: batch.partition, offset: String(next) }] }],
        });
        await tx.commit();
        seen.push(...batch.messages.map((m) => m.value?.toString() ?? ''));
      },
    });
    await waitFor('the group commits offset 3 on input', () => {
      const c = k.broker.fetchOffsets(group, [{ topic: input, partitions: [0] }]);
      return c[0].offset === 3;
    });
    const out = await collect(output, false);
    await settle('the output holds each transformed record once', out.values, ['ONE', 'TWO', 'THREE']);
    const raw = await collect(output, true);
    await settle('the aborted attempt is in the log, unread by read_committed', raw.values, [
      'ROLLED-BACK',
      'ONE',
      'TWO',
      'THREE',
    ]);
    assert.deepStrictEqual(seen, ['one', 'two', 'three']);
  });

  it('a second producer with the same transactionalId fences the first and aborts its open transaction', async () => {
    const topic = 'txn-fence';
    await k.broker.createTopic(topic, 1);
    const first = txProducer('kjs-fenced', { retry: { retries: 1, initialRetryTime: 50 } });
    await first.connect();
    const old = await first.transaction();
    await old.send({ topic, messages: [{ value: 'zombie' }] });

    const second = txProducer('kjs-fenced');
    await second.connect(); // InitProducerId bumps the epoch and aborts the first producer's transaction
    const fresh = await second.transaction();
    await fresh.send({ topic, messages: [{ value: 'winner' }] });
    await fresh.commit();

    await assert.rejects(
      (async () => {
        await old.send({ topic, messages: [{ value: 'zombie-2' }] });
        await old.commit();
      })(),
      (e: Error & { type?: string }) =>
        ['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED'].includes(e.type ?? '') ||
        assert.fail(`expected a fencing error, got ${e.type ?? ''}: ${e.message}`),
    );

    const committed = await collect(topic, false);
    await settle('read_committed sees only the new producer', committed.values, ['winner']);
    const uncommitted = await collect(topic, true);
    await settle('the zombie record was written, then aborted', uncommitted.values, ['zombie', 'winner']);
  });
});
