/**
 * The record browser on a remote cluster: the controller works on a RemoteSource whose WireCluster reaches a real
 * Kafka Lite broker over the Kafka protocol on loopback, while this window's broker is stopped (getBroker answers
 * undefined), so every record shown came over the wire. Paging, seeks by offset and by time, the whole-topic merged
 * view, filters, the polled live tail, both isolation levels, export, and a panel restored after a reload.
 */
import * as assert from 'assert';
import * as avsc from 'avsc';
import * as fs from 'fs';
import * as path from 'path';
import type { Running } from '../../../compat/harness';
import { removeDir, startBroker, waitFor } from '../../../compat/harness';
import type { Broker } from '../../../../src/broker/broker';
import { WireCluster } from '../../../../src/extension/clusters/wire';
import type { ExportSink, SaveExport } from '../../../../src/extension/panels/browser-controller';
import { BrowserController, restoredRemoteText } from '../../../../src/extension/panels/browser-controller';
import type { RemoteSource } from '../../../../src/extension/panels/panel-source';
import { EMBEDDED_SOURCE } from '../../../../src/extension/panels/panel-source';
import type { BrowserSnapshot, RecordFilter, RecordRow } from '../../../../src/shared/browser-messages';
import { SchemaDecoder } from '../../../../src/schema-registry/decode';
import { brokerSchemaLog } from '../../../../src/schema-registry/log';
import { SchemaRegistry } from '../../../../src/schema-registry/registry';
import { Posted } from './helpers';

const noFilter: RecordFilter = { text: '', regex: false, field: 'any' };

/** One transaction of `id` on partition 0 of `topic`: its values, then COMMIT (true) or ABORT (false). */
async function transaction(broker: Broker, id: string, topic: string, values: string[], commit: boolean) {
  const p = await broker.initProducerId(id, undefined, 60_000);
  await broker.addPartitionsToTxn(id, p.producerId, p.producerEpoch, [{ topic, partition: 0 }]);
  await broker.produce(
    topic,
    values.map((v) => ({ key: `k-${v}`, value: v })),
    {
      partition: 0,
      producer: { producerId: p.producerId, producerEpoch: p.producerEpoch, baseSequence: 0 },
      transactionalId: id,
    },
  );
  await broker.endTxn(id, p.producerId, p.producerEpoch, commit);
  return p;
}

const shown = (rows: RecordRow[]) =>
  rows.map((r) =>
    r.marker ? `${r.offset}:${r.marker.type}` : `${r.offset}:${r.value}${r.txn ? `(${r.txn.state})` : ''}`,
  );

describe('record browser on a remote cluster (over the Kafka protocol)', function () {
  this.timeout(30_000);
  let running: Running;
  let cluster: WireCluster;
  let source: RemoteSource;
  let posted: Posted<BrowserSnapshot>;
  let ctl: BrowserController;
  let files: string[];
  let id = 1;

  const req = async (m: Record<string, unknown>) => {
    const rid = id++;
    await ctl.handle({ ...m, id: rid });
    return posted.reply(rid);
  };
  const open = (
    partition: number | null,
    seek: Record<string, unknown>,
    filter: RecordFilter = noFilter,
    tail = false,
    topic = 'events',
  ) => req({ type: 'open', topic, partition, seek, filter, tail });
  const offsets = () => posted.snapshot().rows.map((r) => r.offset);

  const saveExport: SaveExport = async (target, write) => {
    let text = '';
    const sink: ExportSink = { write: (t) => void (text += t) };
    await write(sink);
    files.push(text);
    return { path: `/exports/${target.suggestedName}`, cancelled: false };
  };

  beforeEach(async () => {
    running = await startBroker();
    const b = running.broker;
    await b.createTopic('events', 2);
    // 250 records on partition 0 in batches of 50, timestamps 1000 ms apart; 10 on partition 1 in between
    for (let k = 0; k < 5; k++) {
      await b.produce(
        'events',
        Array.from({ length: 50 }, (_, i) => {
          const n = k * 50 + i;
          return {
            key: `k${n}`,
            value: JSON.stringify({ n, even: n % 2 === 0 }),
            timestamp: 1_000_000 + n * 1000,
            headers: [{ key: 'src', value: Buffer.from(n % 10 === 0 ? 'batch' : 'web') }],
          };
        }),
        { partition: 0 },
      );
    }
    await b.produce(
      'events',
      Array.from({ length: 10 }, (_, i) => ({ key: `p1-${i}`, value: `one-${i}`, timestamp: 1_000_500 + i * 1000 })),
      { partition: 1 },
    );
    cluster = new WireCluster({ name: 'team-kafka', brokers: [running.bootstrap] });
    source = {
      kind: 'remote',
      name: 'team-kafka',
      production: true,
      cluster,
      connect: () => {
        throw new Error('the browser opens no connection of its own');
      },
      confirmWrite: async () => false,
    };
    posted = new Posted();
    files = [];
    ctl = new BrowserController({
      getBroker: () => undefined, // this window's broker is stopped: nothing may come from it
      post: posted.post,
      saveExport,
      remotePollMs: 100,
    });
    ctl.setSource(source);
  });
  afterEach(async () => {
    ctl.dispose();
    await cluster.close();
    await running.stop();
    removeDir(running.dir);
  });

  it('says where it works, pages forward and back, and seeks to the end, all over the wire', async () => {
    assert.ok((await open(0, { kind: 'beginning' })).ok);
    let s = posted.snapshot();
    assert.strictEqual(s.where, 'team-kafka (production)');
    assert.strictEqual(s.remote, true);
    assert.strictEqual(s.brokerRunning, true);
    assert.deepStrictEqual(
      s.topics.map((t) => [t.name, t.partitions]),
      [['events', 2]],
    );
    assert.deepStrictEqual(s.ranges, [{ partition: 0, logStartOffset: 0, logEndOffset: 250 }]);
    assert.deepStrictEqual(
      offsets(),
      Array.from({ length: 100 }, (_, i) => i),
    );
    assert.strictEqual(s.rows[0].key, 'k0');
    assert.deepStrictEqual(s.rows[0].headers, [{ key: 'src', value: 'batch' }]);
    assert.strictEqual(s.hasPrev, false);
    assert.strictEqual(s.hasNext, true);
    assert.ok((await req({ type: 'page', direction: 'next' })).ok);
    assert.deepStrictEqual(offsets().slice(0, 2), [100, 101]);
    assert.ok((await req({ type: 'page', direction: 'prev' })).ok);
    assert.deepStrictEqual(offsets().slice(0, 2), [0, 1]);
    assert.ok((await open(0, { kind: 'end' })).ok);
    s = posted.snapshot();
    assert.deepStrictEqual([s.rows[0].offset, s.rows[99].offset], [150, 249]);
    assert.strictEqual(s.hasNext, false);
    assert.ok((await req({ type: 'page', direction: 'prev' })).ok, 'back from the end page');
    assert.deepStrictEqual([offsets()[0], offsets()[99]], [50, 149]);
    // Compact now is this window's broker's alone
    const compact = await req({ type: 'compact' });
    assert.match(compact.error ?? '', /Kafka protocol has no request to compact a topic on team-kafka/);
  });

  it('seeks by offset and by time, and says where the records are when none is at the position', async () => {
    assert.ok((await open(0, { kind: 'offset', offset: 120 })).ok);
    assert.strictEqual(offsets()[0], 120);
    assert.ok((await open(0, { kind: 'timestamp', timestamp: 1_000_000 + 42 * 1000 - 1 })).ok);
    assert.strictEqual(offsets()[0], 42);
    assert.ok((await open(0, { kind: 'timestamp', timestamp: 9_000_000_000 })).ok);
    assert.deepStrictEqual(offsets(), []);
    assert.match(posted.snapshot().note ?? '', /partition 0 holds offsets 0–249 \(its next record gets 250\)/);
  });

  it('merges a whole topic in timestamp order across partitions', async () => {
    assert.ok((await open(null, { kind: 'beginning' })).ok);
    const rows = posted.snapshot().rows;
    assert.strictEqual(rows.length, 100);
    const ts = rows.map((r) => r.timestamp);
    assert.deepStrictEqual(
      ts,
      [...ts].sort((a, b) => a - b),
    );
    assert.deepStrictEqual(
      rows.slice(0, 4).map((r) => `${r.partition}:${r.key}`),
      ['0:k0', '1:p1-0', '0:k1', '1:p1-1'],
    );
    assert.strictEqual(rows.filter((r) => r.partition === 1).length, 10);
    assert.deepStrictEqual(
      posted.snapshot().ranges.map((r) => [r.partition, r.logEndOffset]),
      [
        [0, 250],
        [1, 10],
      ],
    );
  });

  it('filters on a header and with a regex on the key, and reports an invalid regex', async () => {
    assert.ok((await open(0, { kind: 'beginning' }, { text: 'BATCH', regex: false, field: 'header' })).ok);
    assert.deepStrictEqual(
      offsets(),
      Array.from({ length: 25 }, (_, i) => i * 10),
    );
    assert.match(posted.snapshot().note ?? '', /25 matching record\(s\) among 250 read/);
    assert.ok((await open(0, { kind: 'beginning' }, { text: '^k1\\d$', regex: true, field: 'key' })).ok);
    assert.deepStrictEqual(offsets(), [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    const bad = await open(0, { kind: 'beginning' }, { text: '(unclosed', regex: true, field: 'value' });
    assert.strictEqual(bad.ok, false);
    assert.match(bad.error ?? '', /Invalid regular expression/);
    assert.match(posted.snapshot().error ?? '', /Invalid regular expression/);
  });

  it('the live tail polls the cluster and shows a record produced after the panel opened', async () => {
    assert.ok((await open(0, { kind: 'end' }, noFilter, true)).ok);
    assert.strictEqual(offsets().at(-1), 249);
    await running.broker.produce('events', [{ key: 'late', value: 'arrived', timestamp: 2_000_000 }], {
      partition: 0,
    });
    // no flush: the poll (every 100 ms here, about once a second in the panel) finds it by itself
    await waitFor('the tail shows the new record', () => posted.snapshot().rows.some((r) => r.key === 'late'), 5000);
    const s = posted.snapshot();
    assert.strictEqual(s.rows.at(-1)?.offset, 250);
    assert.match(s.note ?? '', /Live tail/);
    // tail off: the polling stops, a later record is not added
    assert.ok((await req({ type: 'setTail', tail: false })).ok);
    const before = posted.messages.length;
    await running.broker.produce('events', [{ key: 'later', value: 'x' }], { partition: 0 });
    await new Promise((r) => setTimeout(r, 400));
    assert.strictEqual(posted.messages.length, before, 'nothing is read while the tail is off');
  });

  it('read_uncommitted shows COMMIT / ABORT markers and greys aborted records; read_committed hides both', async () => {
    await running.broker.createTopic('pay', 1);
    const good = await transaction(running.broker, 'good', 'pay', ['c1', 'c2'], true);
    const bad = await transaction(running.broker, 'bad', 'pay', ['a1'], false);
    await running.broker.produce('pay', [{ value: 'plain' }], { partition: 0 });
    assert.ok((await open(0, { kind: 'beginning' }, noFilter, false, 'pay')).ok);
    let s = posted.snapshot();
    assert.deepStrictEqual(shown(s.rows), ['0:c1', '1:c2', '2:COMMIT', '3:a1(aborted)', '4:ABORT', '5:plain']);
    assert.deepStrictEqual(s.rows[2].marker, {
      type: 'COMMIT',
      producerId: good.producerId,
      producerEpoch: good.producerEpoch,
    });
    assert.strictEqual(s.rows[3].txn?.caption, `aborted by producer ${bad.producerId}, epoch ${bad.producerEpoch}`);
    assert.ok((await req({ type: 'setIsolation', isolation: 'read_committed' })).ok);
    s = posted.snapshot();
    assert.strictEqual(s.isolation, 'read_committed');
    assert.deepStrictEqual(shown(s.rows), ['0:c1', '1:c2', '5:plain']);
  });

  it('read_committed stops at the last stable offset of an open transaction, and says whose transaction that is: unknown', async () => {
    await running.broker.createTopic('pay', 1);
    await running.broker.produce('pay', [{ value: 'before' }], { partition: 0 });
    const p = await running.broker.initProducerId('slow', undefined, 60_000);
    await running.broker.addPartitionsToTxn('slow', p.producerId, p.producerEpoch, [{ topic: 'pay', partition: 0 }]);
    await running.broker.produce(
      'pay',
      ['o1', 'o2'].map((v) => ({ value: v })),
      {
        partition: 0,
        producer: { producerId: p.producerId, producerEpoch: p.producerEpoch, baseSequence: 0 },
        transactionalId: 'slow',
      },
    );
    assert.ok((await open(0, { kind: 'beginning' }, noFilter, false, 'pay')).ok);
    let s = posted.snapshot();
    assert.deepStrictEqual(shown(s.rows), ['0:before', '1:o1', '2:o2']);
    assert.strictEqual(
      s.stableNote,
      '2 records from offset 1 on are after the last stable offset, held back by an open transaction (whose: unknown on a remote cluster); read_committed stops at 1',
    );
    assert.ok((await req({ type: 'setIsolation', isolation: 'read_committed' })).ok);
    s = posted.snapshot();
    assert.deepStrictEqual(shown(s.rows), ['0:before']);
    assert.match(s.stableNote ?? '', /^showing up to the last stable offset 1; 2 records after it are held back/);
    assert.strictEqual(s.hasNext, false);
  });

  it('exports every record of the topic that the filter matches', async () => {
    assert.ok((await open(null, { kind: 'beginning' })).ok);
    assert.ok((await req({ type: 'exportRecords', format: 'jsonl', scope: 'all', selection: [] })).ok);
    const lines = files[0].trim().split('\n');
    assert.strictEqual(lines.length, 260);
    const keys = new Set(lines.map((l) => (JSON.parse(l) as { key: string }).key));
    assert.ok(keys.has('k0') && keys.has('k249') && keys.has('p1-9'));
    assert.match(posted.snapshot().note ?? '', /Exported 260 record\(s\) of "events"/);
    assert.ok((await open(0, { kind: 'beginning' }, { text: 'batch', regex: false, field: 'header' })).ok);
    assert.ok((await req({ type: 'exportRecords', format: 'jsonl', scope: 'all', selection: [] })).ok);
    assert.strictEqual(files[1].trim().split('\n').length, 25);
  });

  it("decodes with a local schema file as on this window's broker, and with this window's registry saying so", async () => {
    const payment = avsc.Type.forSchema({
      type: 'record',
      name: 'Payment',
      fields: [{ name: 'customer_id', type: 'long' }],
    } as avsc.Schema);
    const workspace = path.join(running.dir, 'workspace');
    fs.mkdirSync(path.join(workspace, 'schemas'), { recursive: true });
    fs.writeFileSync(path.join(workspace, 'schemas', 'payment.avsc'), JSON.stringify(payment.schema()));
    const registry = await SchemaRegistry.open(brokerSchemaLog(running.broker));
    const { id: schemaId } = await registry.register('framed-value', { schema: JSON.stringify(payment.schema()) });
    const frame = Buffer.alloc(5);
    frame.writeInt32BE(schemaId, 1);
    await running.broker.createTopic('payments', 1);
    await running.broker.createTopic('framed', 1);
    await running.broker.produce('payments', [{ key: 'a', value: payment.toBuffer({ customer_id: 42 }) }], {
      partition: 0,
    });
    await running.broker.produce(
      'framed',
      [{ key: 'b', value: Buffer.concat([frame, payment.toBuffer({ customer_id: 7 })]) }],
      { partition: 0 },
    );
    const decoding = new BrowserController({
      getBroker: () => undefined,
      post: posted.post,
      getSchemaDecoder: () => new SchemaDecoder(registry),
      localSchemas: () => ({ root: workspace, mapping: { payments: 'schemas/payment.avsc' } }),
    });
    try {
      decoding.setSource(source);
      const at = async (topic: string, filter = noFilter) => {
        const rid = id++;
        await decoding.handle({
          type: 'open',
          id: rid,
          topic,
          partition: 0,
          seek: { kind: 'beginning' },
          filter,
          tail: false,
        });
        assert.ok(posted.reply(rid).ok, JSON.stringify(posted.reply(rid)));
        return posted.snapshot().rows;
      };
      let rows = await at('payments', { text: '"customer_id":42', regex: false, field: 'value' });
      assert.deepStrictEqual(JSON.parse(rows[0].value!), { customer_id: 42 });
      assert.strictEqual(rows[0].valueSchema, 'Avro · local schemas/payment.avsc');
      rows = await at('framed');
      assert.deepStrictEqual(JSON.parse(rows[0].value!), { customer_id: 7 });
      assert.match(rows[0].valueSchema ?? '', /schema from this window's Schema Registry/);
    } finally {
      decoding.dispose();
      await registry.idle();
    }
  });

  it('a panel restored on a remote cluster reads nothing until opened there again, then opens its saved position', async () => {
    const restoredPosted = new Posted<BrowserSnapshot>();
    // this window's broker runs and holds the same topic: the restored panel must not fall back to it
    const restored = new BrowserController({ getBroker: () => running.broker, post: restoredPosted.post });
    try {
      restored.restore('events', 0, { kind: 'offset', offset: 200 }, noFilter, false, 'team-kafka (production)');
      let s = restoredPosted.snapshot();
      assert.strictEqual(s.error, restoredRemoteText('team-kafka (production)'));
      assert.match(
        s.error ?? '',
        /^This panel was working on team-kafka \(production\); open it again from that cluster's Topics view\.$/,
      );
      assert.deepStrictEqual(s.rows, []);
      assert.deepStrictEqual(s.topics, []);
      assert.strictEqual(s.remote, true);
      restored.brokerChanged(); // this window's broker restarting changes nothing
      assert.deepStrictEqual(restoredPosted.snapshot().rows, []);
      restored.setSource(source);
      await restored.flushTail();
      s = restoredPosted.snapshot();
      assert.strictEqual(s.error, null);
      assert.strictEqual(s.where, 'team-kafka (production)');
      assert.strictEqual(s.rows[0].offset, 200);
      assert.strictEqual(s.rows.length, 50);
      // opened from this window's broker instead: the page and the topic list start afresh there
      restored.setSource(EMBEDDED_SOURCE);
      s = restoredPosted.snapshot();
      assert.strictEqual(s.where, 'Kafka Lite (this window)');
      assert.strictEqual(s.remote, false);
      assert.strictEqual(s.topic, '');
      assert.deepStrictEqual(s.rows, []);
    } finally {
      restored.dispose();
    }
  });
});
