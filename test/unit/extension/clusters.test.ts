// The Cluster contract, one suite run against both backends: EmbeddedCluster over the in-process engine and
// WireCluster over the Kafka protocol against a real Kafka Lite broker on a loopback port. Each case asserts
// what a user of the trees or of the copy command relies on, and the two backends must agree.
import * as assert from 'assert';
import { Kafka, logLevel } from 'kafkajs';
import type { Running } from '../../compat/harness';
import { removeDir, startBroker, waitFor } from '../../compat/harness';
import type { Cluster } from '../../../src/extension/clusters/cluster';
import { EmbeddedCluster } from '../../../src/extension/clusters/embedded';
import { WireCluster } from '../../../src/extension/clusters/wire';
import { choosePartition } from '../../../src/broker/partitioner';

export const BACKENDS: { name: string; make(r: Running): Cluster }[] = [
  {
    name: 'embedded',
    make: (r) => new EmbeddedCluster(r.broker, { address: () => ({ host: '127.0.0.1', port: r.server.port }) }),
  },
  { name: 'wire', make: (r) => new WireCluster({ name: 'loopback', brokers: [r.bootstrap] }) },
];

const buf = (s: string) => Buffer.from(s);

for (const backend of BACKENDS) {
  describe(`Cluster contract (${backend.name} backend)`, function () {
    this.timeout(30_000);
    let running: Running;
    let cluster: Cluster;

    beforeEach(async () => {
      running = await startBroker();
      cluster = backend.make(running);
    });
    afterEach(async () => {
      await cluster.close();
      await running.stop();
      removeDir(running.dir);
    });

    it('describes the cluster: its brokers and its controller', async () => {
      const d = await cluster.describeCluster();
      assert.deepStrictEqual(
        d.brokers.map((b) => [b.host, b.port]),
        [['127.0.0.1', running.server.port]],
      );
      assert.strictEqual(d.controllerId, d.brokers[0].nodeId);
    });

    it('lists topics sorted, filtered and paged, without internal topics unless asked', async () => {
      for (const n of ['b-orders', 'a-audit', 'c-orders-dlq', '__internal'])
        await running.broker.createTopic(n, n === 'b-orders' ? 3 : 1);
      const all = await cluster.listTopics();
      assert.deepStrictEqual(
        all.topics.map((t) => [t.name, t.partitions]),
        [
          ['a-audit', 1],
          ['b-orders', 3],
          ['c-orders-dlq', 1],
        ],
      );
      assert.strictEqual(all.total, 3);
      const page = await cluster.listTopics({ filter: 'ORDERS', offset: 1, limit: 1 });
      assert.deepStrictEqual(
        page.topics.map((t) => t.name),
        ['c-orders-dlq'],
      );
      assert.strictEqual(page.total, 2);
      assert.ok((await cluster.listTopics({ internal: true })).topics.some((t) => t.name === '__internal'));
    });

    it('creates a topic, grows it, and deletes it', async () => {
      await cluster.createTopic('grow', 2, { 'retention.ms': '3600000' });
      assert.strictEqual(running.broker.getTopic('grow')?.partitions, 2);
      assert.strictEqual(running.broker.getTopic('grow')?.configs['retention.ms'], '3600000');
      await cluster.addPartitions('grow', 5);
      assert.strictEqual(running.broker.getTopic('grow')?.partitions, 5);
      assert.strictEqual((await cluster.partitionsOf(['grow'])).get('grow')?.length, 5);
      await cluster.deleteTopic('grow');
      assert.strictEqual(running.broker.getTopic('grow'), undefined);
      assert.strictEqual((await cluster.partitionsOf(['grow'])).has('grow'), false);
    });

    it("refuses what the cluster refuses with the cluster's own error", async () => {
      await cluster.createTopic('dup', 1);
      await assert.rejects(cluster.createTopic('dup', 1), (e: Error) =>
        /TOPIC_ALREADY_EXISTS/.test(`${e.name} ${e.message}`),
      );
      await assert.rejects(cluster.deleteGroup('no-such-group'), (e: Error) =>
        /GROUP_ID_NOT_FOUND/.test(`${e.name} ${e.message}`),
      );
    });

    it('alters one topic config and keeps the others; null resets to the default', async () => {
      await cluster.createTopic('cfg', 1, { 'retention.ms': '60000', 'cleanup.policy': 'compact' });
      await cluster.alterTopicConfigs('cfg', { 'retention.ms': '120000' });
      let configs = await cluster.topicConfigs('cfg');
      const value = (n: string) => configs.find((c) => c.name === n);
      assert.strictEqual(value('retention.ms')?.value, '120000');
      assert.strictEqual(value('cleanup.policy')?.value, 'compact', 'an untouched override stays');
      await cluster.alterTopicConfigs('cfg', { 'cleanup.policy': null });
      configs = await cluster.topicConfigs('cfg');
      assert.strictEqual(value('cleanup.policy')?.value, 'delete');
      assert.strictEqual(value('cleanup.policy')?.isDefault, true);
      assert.strictEqual(value('retention.ms')?.value, '120000');
    });

    it('produces records with keys, headers (order, duplicates, null values) and timestamps, and fetches them back', async () => {
      await running.broker.createTopic('rec', 2);
      const sent = [
        {
          partition: 1,
          key: buf('k1'),
          value: buf('v1'),
          headers: [
            { key: 'b', value: buf('1') },
            { key: '7', value: null },
            { key: 'b', value: buf('2') },
          ],
          timestamp: 1_700_000_000_000,
        },
        { partition: 1, key: null, value: null, headers: [], timestamp: 1_700_000_000_500 },
        { partition: 1, key: buf('k3'), value: buf('v3'), headers: [], timestamp: 1_700_000_001_000 },
      ];
      const produced = await cluster.produce('rec', sent);
      assert.deepStrictEqual(produced, [{ partition: 1, baseOffset: 0, count: 3 }]);
      const got = await cluster.fetch('rec', 1, 0);
      assert.deepStrictEqual(
        got.map((r) => ({
          partition: r.partition,
          key: r.key,
          value: r.value,
          headers: r.headers,
          timestamp: r.timestamp,
        })),
        sent,
      );
      assert.deepStrictEqual(
        got.map((r) => r.offset),
        [0, 1, 2],
      );
      // From an offset, at most N.
      assert.deepStrictEqual(
        (await cluster.fetch('rec', 1, 1, { maxRecords: 1 })).map((r) => r.offset),
        [1],
      );
      assert.deepStrictEqual(await cluster.fetch('rec', 0, 0), []);
      // By timestamp: the first offset at or after it, -1 past the newest.
      assert.strictEqual(await cluster.offsetForTimestamp('rec', 1, 1_700_000_000_400), 1);
      assert.strictEqual(await cluster.offsetForTimestamp('rec', 1, 1_800_000_000_000), -1);
      const parts = (await cluster.partitionsOf(['rec'])).get('rec')!;
      assert.deepStrictEqual(
        parts.map((p) => [p.partition, p.logStartOffset, p.logEndOffset]),
        [
          [0, 0, 0],
          [1, 0, 3],
        ],
      );
    });

    it('a fetch below the log start reads from the log start', async () => {
      await running.broker.createTopic('trim', 1);
      await cluster.produce(
        'trim',
        Array.from({ length: 5 }, (_, i) => ({ partition: 0, key: null, value: buf(`v${i}`) })),
      );
      running.broker.deleteRecords('trim', 0, 3);
      assert.deepStrictEqual(
        (await cluster.fetch('trim', 0, 0)).map((r) => r.value?.toString()),
        ['v3', 'v4'],
      );
    });

    it('read_committed hides markers and aborted records; read_uncommitted shows COMMIT/ABORT markers and flags the aborted records, also when a marker lies beyond one answer', async () => {
      const b = running.broker;
      await b.createTopic('txn', 1);
      // One transaction of `id`: `batches` produce calls of the given values, then COMMIT (true) or ABORT (false).
      const txn = async (id: string, batches: string[][], commit: boolean) => {
        const p = await b.initProducerId(id, undefined, 60_000);
        await b.addPartitionsToTxn(id, p.producerId, p.producerEpoch, [{ topic: 'txn', partition: 0 }]);
        let seq = 0;
        for (const values of batches) {
          await b.produce(
            'txn',
            values.map((v) => ({ value: v })),
            {
              partition: 0,
              producer: { producerId: p.producerId, producerEpoch: p.producerEpoch, baseSequence: seq },
              transactionalId: id,
            },
          );
          seq += values.length;
        }
        await b.endTxn(id, p.producerId, p.producerEpoch, commit);
        return p.producerId;
      };
      const good = await txn('good', [['c1', 'c2']], true); // offsets 0-1, COMMIT at 2
      const bad = await txn('bad', [['a1'], ['a2']], false); // offsets 3, 4, ABORT at 5
      await b.produce('txn', [{ value: 'plain' }], { partition: 0 }); // offset 6
      const shown = (rs: Awaited<ReturnType<Cluster['fetch']>>) =>
        rs.map((r) => `${r.offset}:${r.control ?? r.value?.toString()}${r.aborted ? '(aborted)' : ''}`);
      assert.deepStrictEqual(shown(await cluster.fetch('txn', 0, 0)), ['0:c1', '1:c2', '6:plain']);
      const all = await cluster.fetch('txn', 0, 0, { isolationLevel: 'read_uncommitted' });
      assert.deepStrictEqual(shown(all), [
        '0:c1',
        '1:c2',
        '2:COMMIT',
        '3:a1(aborted)',
        '4:a2(aborted)',
        '5:ABORT',
        '6:plain',
      ]);
      assert.deepStrictEqual(
        all.map((r) => r.producerId),
        [good, good, good, bad, bad, bad, -1],
      );
      assert.strictEqual(all[3].isTransactional, true);
      assert.strictEqual(all[6].isTransactional, false);
      // One batch per answer: the answer holding a2 does not hold the ABORT marker, yet a2 is known aborted.
      const small = await cluster.fetch('txn', 0, 3, {
        isolationLevel: 'read_uncommitted',
        maxBytes: 1,
        maxRecords: 1,
      });
      assert.deepStrictEqual(shown(small), ['3:a1(aborted)']);
      const beyond = await cluster.fetch('txn', 0, 4, {
        isolationLevel: 'read_uncommitted',
        maxBytes: 1,
        maxRecords: 1,
      });
      assert.deepStrictEqual(shown(beyond), ['4:a2(aborted)']);
    });

    it('a fetch at the log end with maxWaitMs answers as soon as a record arrives', async () => {
      await running.broker.createTopic('wait', 1);
      assert.deepStrictEqual(await cluster.fetch('wait', 0, 0), [], 'without a wait: an empty answer at once');
      const started = Date.now();
      const fetching = cluster.fetch('wait', 0, 0, { maxWaitMs: 5000, isolationLevel: 'read_uncommitted' });
      await new Promise((r) => setTimeout(r, 150));
      await running.broker.produce('wait', [{ value: 'news' }], { partition: 0 });
      const got = await fetching;
      assert.deepStrictEqual(
        got.map((r) => r.value?.toString()),
        ['news'],
      );
      assert.ok(Date.now() - started < 4000, `answered after ${Date.now() - started} ms`);
    });

    it('records without a partition go where the key hashes, the same partition for the same key', async () => {
      await running.broker.createTopic('keyed', 4);
      const r = await cluster.produce('keyed', [
        { key: buf('alice'), value: buf('1') },
        { key: buf('alice'), value: buf('2') },
      ]);
      assert.strictEqual(
        r.reduce((s, x) => s + x.count, 0),
        2,
      );
      assert.strictEqual(new Set(r.map((x) => x.partition)).size, 1);
      // Different keys go where each one hashes (Kafka's murmur2 partitioner), not all with the first.
      const keys = Array.from({ length: 40 }, (_, i) => `user-${i}`);
      await cluster.produce(
        'keyed',
        keys.map((k) => ({ key: buf(k), value: buf(k) })),
      );
      const where = new Map<string, number>();
      for (let p = 0; p < 4; p++)
        for (const rec of await cluster.fetch('keyed', p, 0)) where.set(rec.key!.toString(), p);
      for (const k of keys)
        assert.strictEqual(
          where.get(k),
          choosePartition(k, 4, () => 0),
          k,
        );
      assert.strictEqual(new Set(where.values()).size, 4);
    });

    it('a produce larger than a broker accepts in one batch is split: 3,000 records of 1 KB all stored in order', async () => {
      await running.broker.createTopic('big', 1);
      const value = Buffer.alloc(1024, 120);
      const r = await cluster.produce(
        'big',
        Array.from({ length: 3000 }, (_, i) => ({ partition: 0, key: buf(String(i)), value })),
      );
      assert.ok(r.length >= 3, `${r.length} batches`);
      assert.strictEqual(
        r.reduce((s, x) => s + x.count, 0),
        3000,
      );
      assert.strictEqual(running.broker.partitions('big')[0].logEndOffset, 3000);
      const tail = await cluster.fetch('big', 0, 2998);
      assert.deepStrictEqual(
        tail.map((x) => x.key?.toString()),
        ['2998', '2999'],
      );
    });

    it('groups: members with their assignment, committed offsets and lag as the engine computes it', async () => {
      const b = running.broker;
      await b.createTopic('orders', 2);
      await b.produce('orders', [{ value: 'a' }, { value: 'b' }, { value: 'c' }], { partition: 0 });
      await b.produce('orders', [{ value: 'd' }], { partition: 1 });
      await b.commitOffsets('billing', '', -1, [{ topic: 'orders', partition: 0, offset: 1, metadata: null }]);
      const kafka = new Kafka({ clientId: 'shop', brokers: [running.bootstrap], logLevel: logLevel.NOTHING });
      const consumer = kafka.consumer({ groupId: 'shipping', sessionTimeout: 10_000, heartbeatInterval: 500 });
      await consumer.connect();
      await consumer.subscribe({ topic: 'orders', fromBeginning: true });
      let seen = 0;
      await consumer.run({ autoCommitInterval: 50, eachMessage: async () => void seen++ });
      try {
        await waitFor('the consumer to read and commit', () => seen === 4 && b.groupLag('shipping').totalLag === 0);
        assert.deepStrictEqual(
          (await cluster.listGroups()).map((g) => [g.groupId, g.state]),
          [
            ['billing', 'Empty'],
            ['shipping', 'Stable'],
          ],
        );
        const [shipping] = await cluster.describeGroups(['shipping']);
        assert.strictEqual(shipping.members.length, 1);
        assert.strictEqual(shipping.members[0].clientId, 'shop');
        assert.deepStrictEqual(shipping.members[0].assignedPartitions, [{ topic: 'orders', partitions: [0, 1] }]);
        assert.deepStrictEqual(await cluster.committedOffsets('billing'), [
          { topic: 'orders', partition: 0, offset: 1 },
        ]);
        assert.deepStrictEqual(await cluster.groupLag('billing'), b.groupLag('billing'));
        assert.strictEqual((await cluster.groupLag('billing')).totalLag, 2);
        assert.deepStrictEqual(await cluster.groupLag('shipping'), b.groupLag('shipping'));
        // A group with members refuses a reset and a delete with the cluster's own error.
        await assert.rejects(
          cluster.resetOffsets('shipping', 'orders', { kind: 'earliest' }),
          /NON_EMPTY_GROUP|active member/,
        );
        await assert.rejects(cluster.deleteGroup('shipping'), /NON_EMPTY_GROUP|active members/);
      } finally {
        await consumer.disconnect();
      }
    });

    it('resets offsets (earliest, latest, timestamp, shift, one partition), clamped into the log, and deletes a group', async () => {
      const b = running.broker;
      await b.createTopic('ledger', 2);
      for (let p = 0; p < 2; p++)
        await b.produce(
          'ledger',
          Array.from({ length: 4 }, (_, i) => ({ value: `r${i}`, timestamp: 1000 + i * 100 })),
          { partition: p },
        );
      await b.commitOffsets('g', '', -1, [{ topic: 'ledger', partition: 0, offset: 2, metadata: null }]);
      assert.deepStrictEqual(await cluster.resetOffsets('g', 'ledger', { kind: 'shift', by: -5 }), [
        { topic: 'ledger', partition: 0, offset: 0 },
        { topic: 'ledger', partition: 1, offset: 0 },
      ]);
      assert.deepStrictEqual(await cluster.resetOffsets('g', 'ledger', { kind: 'latest' }, 1), [
        { topic: 'ledger', partition: 1, offset: 4 },
      ]);
      assert.deepStrictEqual(await cluster.resetOffsets('g', 'ledger', { kind: 'timestamp', timestamp: 1150 }), [
        { topic: 'ledger', partition: 0, offset: 2 },
        { topic: 'ledger', partition: 1, offset: 2 },
      ]);
      assert.deepStrictEqual(await cluster.resetOffsets('g', 'ledger', { kind: 'offset', offset: 99 }, 0), [
        { topic: 'ledger', partition: 0, offset: 4 },
      ]);
      assert.deepStrictEqual(
        b.fetchOffsets('g', null).map((c) => [c.partition, c.offset]),
        [
          [0, 4],
          [1, 2],
        ],
      );
      await cluster.deleteGroup('g');
      assert.strictEqual(b.groupExists('g'), false);
    });

    it('says "unknown" (undefined) for what it cannot tell, never a wrong number', async () => {
      await running.broker.createTopic('sized', 1);
      await running.broker.produce('sized', [{ value: 'x', timestamp: 5000 }], { partition: 0 });
      const [p] = (await cluster.partitionsOf(['sized'])).get('sized')!;
      if (cluster.kind === 'embedded') {
        assert.ok((p.sizeBytes ?? 0) > 0);
        assert.strictEqual(p.lastTimestamp, 5000);
      } else {
        assert.strictEqual(p.sizeBytes, undefined);
        assert.strictEqual(p.lastTimestamp, undefined);
      }
    });
  });
}
