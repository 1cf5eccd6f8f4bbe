/**
 * Transactional data meets the log cleaner and DeleteRecords, through kafkajs (a client no one here wrote):
 * committed and aborted kafkajs transactions on a compacted topic, compacted by the broker; a read_committed
 * consumer must then see exactly the latest committed value of each key (an aborted value never counts as a
 * key's latest), the aborted records are gone for every reader, and the COMMIT/ABORT markers stay in the log
 * until delete.retention.ms has passed (then a marker whose transaction has no record left goes, unless it is
 * its segment's last batch). DeleteRecords
 * (kafkajs admin) past the start of an aborted transaction must leave read_committed correct: the aborted
 * records that remain are still skipped.
 */
import * as assert from 'assert';
import type { Consumer, Producer } from 'kafkajs';
import { Kafka, logLevel } from 'kafkajs';
import { decodeRecordBatches } from '../../src/broker/storage/record-batch';
import type { Running } from './harness';
import { removeDir, startBroker, waitFor } from './harness';

const GROUP_TIMING = { sessionTimeout: 6000, heartbeatInterval: 500, rebalanceTimeout: 3000 };
const DELETE_RETENTION_MS = 1500;

describe('transactions with compaction and DeleteRecords through kafkajs', function () {
  this.timeout(90000);
  let k: Running;
  let kafka: Kafka;
  const toDisconnect: { disconnect(): Promise<void> }[] = [];
  let groups = 0;

  before(async () => {
    k = await startBroker({ defaultPartitions: 1 });
    kafka = new Kafka({
      clientId: 'compat-txn-compaction',
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

  async function txProducer(transactionalId: string): Promise<Producer> {
    const p = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
    toDisconnect.push(p);
    await p.connect();
    return p;
  }

  /** One kafkajs transaction of `messages` on `topic`, committed or aborted; the offset of each record. */
  async function transaction(
    p: Producer,
    topic: string,
    messages: { key: string; value: string }[],
    commit: boolean,
  ): Promise<number[]> {
    const tx = await p.transaction();
    const offsets: number[] = [];
    for (const m of messages) {
      const [meta] = await tx.send({ topic, messages: [m] });
      offsets.push(Number(meta.baseOffset));
    }
    if (commit) await tx.commit();
    else await tx.abort();
    return offsets;
  }

  /** "key=value" of every record a fresh consumer group reads from the beginning, once `count` have come. */
  async function read(topic: string, readUncommitted: boolean, count: number): Promise<string[]> {
    const consumer: Consumer = kafka.consumer({
      groupId: `txn-compaction-${++groups}`,
      readUncommitted,
      maxWaitTimeInMs: 200,
      ...GROUP_TIMING,
    });
    toDisconnect.push(consumer);
    const seen: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(`${message.key?.toString() ?? ''}=${message.value?.toString() ?? '<null>'}`);
      },
    });
    await waitFor(`${count} record(s) of ${topic}`, () => seen.length >= count);
    await new Promise((r) => setTimeout(r, 1000)); // nothing else arrives
    await consumer.disconnect();
    return seen;
  }

  /** The control batches (markers) in the partition: [commit?, producer id]. */
  function markers(topic: string): [boolean, number][] {
    const info = k.broker.partitionInfo(topic, 0);
    const r = k.broker.fetch(topic, 0, info.logStartOffset, 64 << 20);
    return decodeRecordBatches(r.records)
      .filter((b) => b.isControl)
      .map((b): [boolean, number] => [b.records[0].key![3] === 1, b.producerId]);
  }

  describe('a compacted topic', () => {
    const topic = 'txn-compacted';

    it('after compaction a read_committed consumer sees only the latest committed value of each key; aborted records are gone and the markers stay', async () => {
      const admin = kafka.admin();
      toDisconnect.push(admin);
      await admin.connect();
      await admin.createTopics({
        topics: [
          {
            topic,
            numPartitions: 1,
            configEntries: [
              { name: 'cleanup.policy', value: 'compact' },
              { name: 'delete.retention.ms', value: String(DELETE_RETENTION_MS) },
            ],
          },
        ],
      });
      const p = await txProducer('compacted-writer');
      await transaction(
        p,
        topic,
        [
          { key: 'k1', value: 'v1' },
          { key: 'k2', value: 'v1' },
        ],
        true,
      );
      await transaction(
        p,
        topic,
        [
          { key: 'k1', value: 'aborted' },
          { key: 'k3', value: 'aborted' },
        ],
        false,
      );
      await transaction(
        p,
        topic,
        [
          { key: 'k2', value: 'v2' },
          { key: 'k4', value: 'v4' },
        ],
        true,
      );
      await transaction(p, topic, [{ key: 'k4', value: 'aborted' }], false);
      assert.deepStrictEqual(
        markers(topic).map(([commit]) => commit),
        [true, false, true, false],
      );

      await k.broker.compactTopic(topic);

      const want = ['k1=v1', 'k2=v2', 'k4=v4'];
      assert.deepStrictEqual(await read(topic, false, want.length), want, 'read_committed after compaction');
      assert.deepStrictEqual(
        await read(topic, true, want.length),
        want,
        'read_uncommitted too: the cleaner removed the aborted records and the superseded ones',
      );
      assert.deepStrictEqual(
        markers(topic).map(([commit]) => commit),
        [true, false, true, false],
        'every marker is kept before delete.retention.ms has passed',
      );
    });

    it('once delete.retention.ms has passed, a compaction removes the markers whose transaction has no record left; read_committed is unchanged', async () => {
      await new Promise((r) => setTimeout(r, DELETE_RETENTION_MS + 200));
      const p = await txProducer('compacted-writer-2');
      // A new committed value of k1, so the cleaner has something to clean.
      await transaction(p, topic, [{ key: 'k1', value: 'v3' }], true);
      await k.broker.compactTopic(topic);
      // Before: COMMIT t1, ABORT t2, COMMIT t3, ABORT t4, COMMIT t5. t1 has no record left (k1 and k2 have later
      // values) and t2 none (aborted): their markers go. t4's ABORT stays: it is the last batch of its segment,
      // which the cleaner never drops (it carries the segment's next offset).
      assert.deepStrictEqual(
        markers(topic).map(([commit]) => commit),
        [true, false, true],
        'the markers of t1 and t2 are removed',
      );
      const want = ['k2=v2', 'k4=v4', 'k1=v3'];
      assert.deepStrictEqual(await read(topic, false, want.length), want);
    });
  });

  it('DeleteRecords past the start of an aborted transaction: read_committed still skips what is left of it', async () => {
    const topic = 'txn-delete-records';
    await k.broker.createTopic(topic, 1);
    const p = await txProducer('delete-records-writer');
    await transaction(
      p,
      topic,
      [
        { key: 'a', value: 'c1' },
        { key: 'a', value: 'c2' },
      ],
      true,
    );
    const aborted = await transaction(
      p,
      topic,
      [
        { key: 'x', value: 'x1' },
        { key: 'x', value: 'x2' },
        { key: 'x', value: 'x3' },
      ],
      false,
    );
    await transaction(p, topic, [{ key: 'a', value: 'c3' }], true);

    // Delete up to the middle of the aborted transaction: its first record is gone, two are left.
    const admin = kafka.admin();
    toDisconnect.push(admin);
    await admin.connect();
    await admin.fetchTopicMetadata({ topics: [topic] });
    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: String(aborted[1]) }] });
    assert.strictEqual(k.broker.partitionInfo(topic, 0).logStartOffset, aborted[1]);

    assert.deepStrictEqual(await read(topic, false, 1), ['a=c3'], 'read_committed: nothing of the aborted transaction');
    assert.deepStrictEqual(
      await read(topic, true, 3),
      ['x=x2', 'x=x3', 'a=c3'],
      'read_uncommitted sees the aborted records that are left',
    );
  });
});
