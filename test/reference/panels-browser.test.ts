/**
 * Reference tier, the record browser on Apache Kafka: its controller works on a RemoteSource whose WireCluster
 * reaches the tier's Apache Kafka (this window's broker is stopped), and browses a topic a Java-less client
 * (kafkajs) wrote: pages, seek by time, a filter, the polled live tail, and a transaction kafkajs aborted (greyed
 * with its ABORT marker in read_uncommitted, gone in read_committed).
 */
import * as assert from 'assert';
import { Kafka, logLevel } from 'kafkajs';
import { waitFor } from '../compat/harness';
import { WireCluster } from '../../src/extension/clusters/wire';
import { BrowserController } from '../../src/extension/panels/browser-controller';
import type { RemoteSource } from '../../src/extension/panels/panel-source';
import type { BrowserSnapshot, RecordFilter, RecordRow } from '../../src/shared/browser-messages';
import { currentPeers } from './harness';

const noFilter: RecordFilter = { text: '', regex: false, field: 'any' };
const T0 = 1_700_000_000_000;

describe('reference: the record browser on Apache Kafka', function () {
  this.timeout(120_000);
  let bootstrap: string;
  let kafka: Kafka;
  let cluster: WireCluster;
  let ctl: BrowserController;
  let snaps: BrowserSnapshot[];
  let id = 1;
  const topic = `browse-${Date.now()}`;
  const snap = () => snaps[snaps.length - 1];
  const req = async (m: Record<string, unknown>) => {
    const rid = id++;
    await ctl.handle({ ...m, id: rid });
    const reply = replies.get(rid);
    assert.ok(reply, `no reply to ${JSON.stringify(m)}`);
    return reply;
  };
  const replies = new Map<number, { ok: boolean; error?: string }>();
  const open = (partition: number | null, seek: Record<string, unknown>, filter = noFilter, tail = false, t = topic) =>
    req({ type: 'open', topic: t, partition, seek, filter, tail });
  const shown = (rows: RecordRow[]) =>
    rows.map((r) => (r.marker ? r.marker.type : `${r.value}${r.txn ? `(${r.txn.state})` : ''}`));

  before(async () => {
    const kafkaPeer = currentPeers().find((p) => p.name === 'Kafka')!;
    bootstrap = `127.0.0.1:${kafkaPeer.port}`;
    kafka = new Kafka({ clientId: 'browse-maker', brokers: [bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 2 }] });
    await admin.disconnect();
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    // 150 records on partition 0 and 30 on partition 1, one second apart, every 10th with header src=batch
    for (const [partition, count] of [
      [0, 150],
      [1, 30],
    ]) {
      await producer.send({
        topic,
        messages: Array.from({ length: count }, (_, n) => ({
          partition,
          key: `p${partition}-k${n}`,
          value: JSON.stringify({ n, partition }),
          timestamp: String(T0 + n * 1000 + partition * 500),
          headers: { src: n % 10 === 0 ? 'batch' : 'web' },
        })),
      });
    }
    await producer.disconnect();
    cluster = new WireCluster({ name: 'apache-kafka', brokers: [bootstrap] });
    const source: RemoteSource = {
      kind: 'remote',
      name: 'apache-kafka',
      production: false,
      cluster,
      connect: () => {
        throw new Error('the browser opens no connection of its own');
      },
      confirmWrite: async () => false,
    };
    snaps = [];
    ctl = new BrowserController({
      getBroker: () => undefined,
      post: (m) => {
        if (m.type === 'snapshot') snaps.push(m.state);
        if (m.type === 'reply') replies.set(m.id, { ok: m.ok, error: m.ok ? undefined : m.error });
      },
      remotePollMs: 200,
    });
    ctl.setSource(source);
  });

  after(async () => {
    ctl?.dispose();
    await cluster?.close();
  });

  it('pages through a partition, seeks by time, and merges the whole topic in time order', async () => {
    assert.ok((await open(0, { kind: 'beginning' })).ok);
    assert.strictEqual(snap().where, 'apache-kafka');
    assert.strictEqual(snap().remote, true);
    assert.deepStrictEqual(snap().ranges, [{ partition: 0, logStartOffset: 0, logEndOffset: 150 }]);
    assert.strictEqual(snap().rows.length, 100);
    assert.strictEqual(snap().rows[0].key, 'p0-k0');
    assert.deepStrictEqual(snap().rows[0].headers, [{ key: 'src', value: 'batch' }]);
    assert.ok((await req({ type: 'page', direction: 'next' })).ok);
    assert.deepStrictEqual([snap().rows[0].offset, snap().rows.at(-1)?.offset, snap().hasNext], [100, 149, false]);
    assert.ok((await open(0, { kind: 'timestamp', timestamp: T0 + 42_000 - 1 })).ok);
    assert.strictEqual(snap().rows[0].offset, 42);
    assert.strictEqual(snap().rows[0].timestamp, T0 + 42_000);
    assert.ok((await open(null, { kind: 'timestamp', timestamp: T0 + 20_000 })).ok);
    const rows = snap().rows;
    assert.deepStrictEqual(
      rows.slice(0, 3).map((r) => r.key),
      ['p0-k20', 'p1-k20', 'p0-k21'],
    );
    const ts = rows.map((r) => r.timestamp);
    assert.deepStrictEqual(
      ts,
      [...ts].sort((a, b) => a - b),
    );
  });

  it('filters on a header across the whole topic and with a regex on the value', async () => {
    assert.ok((await open(null, { kind: 'beginning' }, { text: 'batch', regex: false, field: 'header' })).ok);
    assert.strictEqual(snap().rows.length, 15 + 3);
    assert.ok(snap().rows.every((r) => r.headers.some((h) => h.value === 'batch')));
    assert.ok((await open(1, { kind: 'beginning' }, { text: '"n":2\\d,', regex: true, field: 'value' })).ok);
    assert.deepStrictEqual(
      snap().rows.map((r) => r.offset),
      [20, 21, 22, 23, 24, 25, 26, 27, 28, 29],
    );
  });

  it('the live tail shows a record kafkajs produces after the panel opened', async () => {
    assert.ok((await open(1, { kind: 'end' }, noFilter, true)).ok);
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await producer.send({ topic, messages: [{ partition: 1, key: 'late', value: 'arrived' }] });
    await producer.disconnect();
    await waitFor('the tail shows the new record', () => snap().rows.some((r) => r.key === 'late'), 15_000);
    assert.strictEqual(snap().rows.at(-1)?.offset, 30);
    assert.ok((await req({ type: 'setTail', tail: false })).ok);
  });

  it('a transaction kafkajs aborted: greyed with its ABORT marker in read_uncommitted, gone in read_committed', async () => {
    const txTopic = `${topic}-txn`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: txTopic, numPartitions: 1 }] });
    await admin.disconnect();
    const producer = kafka.producer({
      transactionalId: `${txTopic}-producer`,
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    const good = await producer.transaction();
    await good.send({ topic: txTopic, messages: [{ partition: 0, value: 'c1' }] });
    await good.commit();
    const bad = await producer.transaction();
    await bad.send({ topic: txTopic, messages: [{ partition: 0, value: 'a1' }] });
    await bad.send({ topic: txTopic, messages: [{ partition: 0, value: 'a2' }] });
    await bad.abort();
    await producer.disconnect();
    assert.ok((await open(0, { kind: 'beginning' }, noFilter, false, txTopic)).ok);
    assert.deepStrictEqual(shown(snap().rows), ['c1', 'COMMIT', 'a1(aborted)', 'a2(aborted)', 'ABORT']);
    assert.ok((await req({ type: 'setIsolation', isolation: 'read_committed' })).ok);
    assert.deepStrictEqual(shown(snap().rows), ['c1']);
    assert.ok((await req({ type: 'setIsolation', isolation: 'read_uncommitted' })).ok);
  });
});
