// copyRecords between two real Kafka Lite brokers, each side through a different backend (embedded → wire and
// wire → embedded), so both implementations are read from and written to: what a person copies arrives with
// its keys, headers and timestamps, in its partition, and the counts at the end are the records moved.
import * as assert from 'assert';
import type { Running } from '../../compat/harness';
import { removeDir, startBroker } from '../../compat/harness';
import type { Cluster } from '../../../src/extension/clusters/cluster';
import { copyRecords } from '../../../src/extension/clusters/copy';
import { EmbeddedCluster } from '../../../src/extension/clusters/embedded';
import { WireCluster } from '../../../src/extension/clusters/wire';

const embedded = (r: Running): Cluster => new EmbeddedCluster(r.broker);
const wire = (r: Running): Cluster => new WireCluster({ name: 'remote', brokers: [r.bootstrap] });

for (const [label, makeSource, makeTarget] of [
  ['embedded → wire', embedded, wire],
  ['wire → embedded', wire, embedded],
] as const) {
  describe(`copy records (${label})`, function () {
    this.timeout(30_000);
    let a: Running;
    let b: Running;
    let source: Cluster;
    let target: Cluster;

    beforeEach(async () => {
      [a, b] = await Promise.all([startBroker(), startBroker()]);
      source = makeSource(a);
      target = makeTarget(b);
      await a.broker.createTopic('orders', 3);
      for (let p = 0; p < 3; p++) {
        await a.broker.produce(
          'orders',
          Array.from({ length: 10 }, (_, i) => ({
            key: `k${p}-${i}`,
            value: `v${p}-${i}`,
            headers: [
              { key: 'trace', value: Buffer.from(`t${i}`) },
              { key: 'trace', value: null },
            ],
            timestamp: 1_000_000 + i * 1000,
          })),
          { partition: p },
        );
      }
    });
    afterEach(async () => {
      await Promise.all([source.close(), target.close()]);
      await Promise.all([a.stop(), b.stop()]);
      removeDir(a.dir);
      removeDir(b.dir);
    });

    it('copies the last N of each partition into a new topic with the same partitions, keys, headers and timestamps', async () => {
      const seen: number[] = [];
      const r = await copyRecords(
        source,
        target,
        { sourceTopic: 'orders', targetTopic: 'orders-copy', selection: { kind: 'lastN', perPartition: 4 } },
        { onProgress: (p) => seen.push(p.copied) },
      );
      assert.strictEqual(r.copied, 12);
      assert.strictEqual(r.targetCreated, true);
      assert.strictEqual(r.cancelled, false);
      assert.deepStrictEqual(
        r.partitions.map((p) => [p.partition, p.from, p.to, p.copied]),
        [
          [0, 6, 10, 4],
          [1, 6, 10, 4],
          [2, 6, 10, 4],
        ],
      );
      assert.strictEqual(seen[seen.length - 1], 12);
      assert.strictEqual(b.broker.getTopic('orders-copy')?.partitions, 3);
      for (let p = 0; p < 3; p++) {
        const want = (await new EmbeddedCluster(a.broker).fetch('orders', p, 6)).map(
          ({ key, value, headers, timestamp }) => ({ key, value, headers, timestamp }),
        );
        const got = (await new EmbeddedCluster(b.broker).fetch('orders-copy', p, 0)).map(
          ({ key, value, headers, timestamp }) => ({ key, value, headers, timestamp }),
        );
        assert.deepStrictEqual(got, want, `partition ${p}`);
      }
    });

    it('copies a time range [from, to) of record timestamps into an existing topic', async () => {
      await b.broker.createTopic('window', 3);
      const r = await copyRecords(source, target, {
        sourceTopic: 'orders',
        targetTopic: 'window',
        selection: { kind: 'timeRange', from: 1_002_000, to: 1_005_000 },
      });
      assert.strictEqual(r.targetCreated, false);
      assert.strictEqual(r.copied, 9);
      const got = await new EmbeddedCluster(b.broker).fetch('window', 1, 0);
      assert.deepStrictEqual(
        got.map((x) => [x.value?.toString(), x.timestamp]),
        [
          ['v1-2', 1_002_000],
          ['v1-3', 1_003_000],
          ['v1-4', 1_004_000],
        ],
      );
    });

    it('a target with fewer partitions gets the records placed by key, none lost', async () => {
      await b.broker.createTopic('narrow', 1);
      const r = await copyRecords(source, target, {
        sourceTopic: 'orders',
        targetTopic: 'narrow',
        selection: { kind: 'all' },
      });
      assert.strictEqual(r.copied, 30);
      assert.strictEqual(b.broker.partitions('narrow')[0].logEndOffset, 30);
    });

    it('cancelling stops between batches and says how many were copied', async () => {
      const ac = new AbortController();
      const r = await copyRecords(
        source,
        target,
        { sourceTopic: 'orders', targetTopic: 'partial', selection: { kind: 'all' }, pageRecords: 5 },
        { signal: ac.signal, onProgress: (p) => p.copied >= 5 && ac.abort() },
      );
      assert.strictEqual(r.cancelled, true);
      assert.strictEqual(r.copied, 5);
      const ends = b.broker.partitions('partial').map((p) => p.logEndOffset);
      assert.strictEqual(
        ends.reduce((s, x) => s + x, 0),
        5,
      );
    });

    it('a missing source topic is an error naming the cluster and the topic', async () => {
      await assert.rejects(
        copyRecords(source, target, { sourceTopic: 'nope', targetTopic: 'x', selection: { kind: 'all' } }),
        /has no topic "nope"/,
      );
    });
  });
}

describe('copy time range input', () => {
  it('reads "now", relative times before now and ISO dates; anything else is undefined', async () => {
    const { parseWhen } = await import('../../../src/extension/clusters/copy');
    const now = Date.UTC(2026, 11, 1, 12, 0, 0);
    assert.strictEqual(parseWhen('now', now), now);
    assert.strictEqual(parseWhen('-15m', now), now - 15 * 60_000);
    assert.strictEqual(parseWhen('-2h', now), now - 2 * 3_600_000);
    assert.strictEqual(parseWhen('-1d', now), now - 86_400_000);
    assert.strictEqual(parseWhen('2026-12-01T10:00:00Z', now), Date.UTC(2026, 11, 1, 10));
    assert.strictEqual(parseWhen('yesterday', now), undefined);
    assert.strictEqual(parseWhen('15m', now), undefined);
  });
});
