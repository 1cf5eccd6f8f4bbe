// RemoteClusterSnapshot against a real broker + wire server in this process: after a refresh, the views'
// ClusterReader answers what the broker itself reports (topics, partition offsets, groups, members, lag).
import * as assert from 'assert';
import * as net from 'net';
import { Kafka, logLevel } from 'kafkajs';
import type { Running } from '../../compat/harness';
import { startBroker, removeDir, waitFor } from '../../compat/harness';
import { RemoteClusterSnapshot } from '../../../src/extension/remote-cluster';
import type { TopicNode } from '../../../src/extension/model/tree-model';
import { groupNodes, partitionNodes, topicNodes } from '../../../src/extension/model/tree-model';

describe('remote cluster snapshot (the views of a window that does not own the broker)', function () {
  this.timeout(30_000);
  let running: Running;
  let remote: RemoteClusterSnapshot | undefined;
  let serverClosed = false;

  beforeEach(async () => {
    running = await startBroker();
    serverClosed = false;
  });
  afterEach(async () => {
    await remote?.close();
    remote = undefined;
    if (!serverClosed) await running.server.close();
    await running.broker.close();
    removeDir(running.dir);
  });

  it('topics, partition offsets, groups, members and lag match what the owning broker reports', async () => {
    const b = running.broker;
    await b.createTopic('orders', 3);
    await b.createTopic('audit', 1);
    for (let p = 0; p < 3; p++) {
      await b.produce(
        'orders',
        Array.from({ length: 4 + p }, (_, i) => ({ value: `o${p}-${i}` })),
        { partition: p },
      );
    }
    await b.produce('audit', [{ value: 'a' }, { value: 'b' }], { partition: 0 });
    b.deleteRecords('orders', 2, 2);
    // A group known only from its committed offsets.
    const commit = await b.commitOffsets('billing', '', -1, [
      { topic: 'orders', partition: 0, offset: 1, metadata: null },
    ]);
    assert.deepStrictEqual(
      commit.map((c) => c.errorCode),
      [0],
    );
    // A live group: a kafkajs consumer with its assignment.
    const kafka = new Kafka({ clientId: 'shop', brokers: [running.bootstrap], logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: 'shipping', sessionTimeout: 10_000, heartbeatInterval: 500 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'audit', fromBeginning: true });
    let seen = 0;
    await consumer.run({ autoCommitInterval: 50, eachMessage: async () => void seen++ });
    try {
      await waitFor(
        'the consumer to read and commit',
        () => seen === 2 && b.groupLag('shipping').partitions.some((p) => p.committedOffset === 2),
      );

      remote = new RemoteClusterSnapshot('127.0.0.1', running.server.port);
      assert.strictEqual(await remote.refresh(), true, 'the first snapshot is a change');

      assert.deepStrictEqual(
        remote.listTopics().map((t) => [t.name, t.partitions]),
        b
          .listTopics()
          .map((t) => [t.name, t.partitions])
          .sort(),
      );
      for (const t of ['orders', 'audit']) {
        assert.deepStrictEqual(
          remote.partitions(t).map((p) => [p.partition, p.logStartOffset, p.logEndOffset]),
          b.partitions(t).map((p) => [p.partition, p.logStartOffset, p.logEndOffset]),
          `offsets of ${t}`,
        );
      }
      assert.deepStrictEqual(
        remote.partitions('orders')[2].logStartOffset,
        2,
        'a deleted prefix shows as the log start',
      );
      assert.deepStrictEqual(remote.listGroups(), b.listGroups());
      for (const g of ['billing', 'shipping']) {
        assert.deepStrictEqual(remote.groupLag(g), b.groupLag(g), `lag of ${g}`);
      }
      assert.strictEqual(remote.groupLag('billing').totalLag, 3);
      const live = remote.describeGroup('shipping');
      assert.strictEqual(live.state, 'Stable');
      assert.deepStrictEqual(
        live.members.map((m) => [m.clientId, m.assignedPartitions]),
        b.describeGroup('shipping').members.map((m) => [m.clientId, m.assignedPartitions]),
      );
      assert.deepStrictEqual(live.members[0].assignedPartitions, [{ topic: 'audit', partitions: [0] }]);

      // The tree renders the same topic and group rows as for the local broker, minus what the wire cannot tell.
      assert.deepStrictEqual(
        topicNodes(remote).map((n) => n.description),
        topicNodes(b).map((n) => n.description),
      );
      assert.deepStrictEqual(
        groupNodes(remote).map((n) => [n.label, n.description]),
        groupNodes(b).map((n) => [n.label, n.description]),
      );
      const orders = topicNodes(remote).find((n) => n.label === 'orders') as TopicNode;
      const row = partitionNodes(remote, orders)[0];
      assert.match(row.description ?? '', /^\[0 … 4\) · size unknown · last record unknown$/);
      assert.doesNotMatch(row.tooltip ?? '', /1970/);

      // New records are seen on the next refresh; an unchanged broker is not a change.
      await b.produce('audit', [{ value: 'c' }], { partition: 0 });
      await waitFor('the consumer to commit the new record', () => b.groupLag('shipping').totalLag === 0 && seen === 3);
      assert.strictEqual(await remote.refresh(), true);
      assert.strictEqual(remote.partitions('audit')[0].logEndOffset, 3);
      assert.strictEqual(await remote.refresh(), false, 'nothing changed since');
    } finally {
      await consumer.disconnect();
    }
  });

  it('a broker that went away fails the refresh fast and the last snapshot stays readable', async () => {
    await running.broker.createTopic('orders', 2);
    remote = new RemoteClusterSnapshot('127.0.0.1', running.server.port);
    await remote.refresh();
    await running.server.close();
    serverClosed = true;
    const t0 = Date.now();
    await assert.rejects(remote.refresh());
    assert.ok(Date.now() - t0 < 10_000, `failed in ${Date.now() - t0} ms`);
    assert.deepStrictEqual(
      remote.listTopics().map((t) => t.name),
      ['orders'],
    );
  });

  it('nothing listening: the first refresh rejects and the reader says there is no data yet', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    remote = new RemoteClusterSnapshot('127.0.0.1', port);
    await assert.rejects(remote.refresh());
    assert.throws(() => remote!.listTopics(), /no data from 127\.0\.0\.1:\d+ yet/);
    assert.deepStrictEqual(
      topicNodes(remote).map((n) => n.label),
      ['Could not list topics'],
    );
  });
});
