// The producer panel's controller on a remote source: a RemoteSource whose WireCluster points at a real Kafka Lite
// broker on a loopback port, so every send, resend and skipped sequence crosses the Kafka protocol and is answered
// by that broker's own producer-state checks. The controller has no embedded broker at all (getBroker answers
// undefined): whatever it shows comes over the wire.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Running } from '../../../compat/harness';
import { removeDir, startBroker, waitFor } from '../../../compat/harness';
import { WireCluster } from '../../../../src/extension/clusters/wire';
import type { RemoteSource } from '../../../../src/extension/panels/panel-source';
import { EMBEDDED_SOURCE } from '../../../../src/extension/panels/panel-source';
import { ProducerController, lostSourceMessage } from '../../../../src/extension/panels/producer-controller';
import type { ProducerForm, ProducerSnapshot } from '../../../../src/shared/producer-messages';
import { emptyProducerForm, parseProducerSavedState } from '../../../../src/shared/producer-messages';
import type { SchemaLog } from '../../../../src/schema-registry/log';
import { encodeKey, encodeValue } from '../../../../src/schema-registry/log';
import { SchemaRegistry } from '../../../../src/schema-registry/registry';
import { Posted } from './helpers';

/** This window's Schema Registry, kept in memory. */
function memoryLog(): SchemaLog {
  const rows: { key: string | null; value: string | null }[] = [];
  return {
    readAll: () => [...rows],
    append: (records) => {
      for (const r of records) rows.push({ key: encodeKey(r.key), value: encodeValue(r) });
      return Promise.resolve({ recreated: false });
    },
    ensure: () => Promise.resolve(false),
  };
}

describe('producer panel on a remote cluster (Kafka Lite over loopback)', function () {
  this.timeout(30_000);
  let running: Running;
  let cluster: WireCluster;
  let source: RemoteSource;
  let posted: Posted<ProducerSnapshot>;
  let ctl: ProducerController;
  let asked: string[];
  let answer: boolean;
  let clientIds: string[];
  let opened: WireCluster[];
  let dir: string;
  let id = 1;

  const form = (over: Partial<ProducerForm>): ProducerForm => ({ ...emptyProducerForm(), topic: 'orders', ...over });
  const req = async (m: Record<string, unknown>) => {
    const rid = id++;
    await ctl.handle({ ...m, id: rid });
    return posted.reply(rid);
  };
  const send = (f: ProducerForm) => req({ type: 'send', form: f });
  const stored = (p: number) => running.broker.readRecords('orders', p, 0, 100).map((r) => r.value?.toString());
  const logEnd = (p: number) => running.broker.partitionInfo('orders', p).logEndOffset;
  const makeController = (restoredCluster?: string) =>
    new ProducerController({
      getBroker: () => undefined,
      post: posted.post,
      workspaceRoots: () => [dir],
      restoredCluster,
    });

  beforeEach(async () => {
    running = await startBroker();
    await running.broker.createTopic('orders', 3);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-producer-remote-'));
    cluster = new WireCluster({ name: 'team-kafka', brokers: [running.bootstrap] });
    asked = [];
    answer = true;
    clientIds = [];
    opened = [];
    source = {
      kind: 'remote',
      name: 'team-kafka',
      production: true,
      cluster,
      connect: (clientId) => {
        clientIds.push(clientId);
        const c = cluster.sibling(clientId);
        opened.push(c);
        return c;
      },
      confirmWrite: async (what) => {
        asked.push(what);
        return answer;
      },
    };
    posted = new Posted();
    ctl = makeController();
    ctl.setSource(source);
    await waitFor('the remote topic list', () => posted.snapshot().topics.some((t) => t.name === 'orders'));
  });
  afterEach(async () => {
    ctl.dispose();
    await Promise.all([cluster.close(), ...opened.map((c) => c.close())]);
    await running.stop();
    removeDir(running.dir);
    removeDir(dir);
  });

  it('says where it works and lists the remote topics with their partition counts', () => {
    const snap = posted.snapshot();
    assert.strictEqual(snap.where, 'team-kafka (production)');
    assert.strictEqual(snap.remote, true);
    assert.strictEqual(snap.cluster, 'team-kafka');
    assert.strictEqual(snap.lostSource, null);
    assert.deepStrictEqual(
      snap.topics.filter((t) => t.name === 'orders'),
      [{ name: 'orders', partitions: 3 }],
    );
    assert.strictEqual(snap.txn, null);
  });

  it('a plain send asks first, then stores the records on the remote broker at the offsets it reports', async () => {
    const r = await send(form({ key: 'k', value: 'v{{i}}', copies: 3, idempotent: false }));
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepStrictEqual(asked, ['Send 3 record(s) to orders']);
    const snap = posted.snapshot();
    assert.strictEqual(snap.results.length, 3);
    const p = snap.results[0].partition;
    assert.deepStrictEqual(stored(p), ['v1', 'v2', 'v3']);
    assert.deepStrictEqual(
      snap.results.map((x) => [x.partition, x.offset, x.key]),
      [
        [p, 0, 'k'],
        [p, 1, 'k'],
        [p, 2, 'k'],
      ],
    );
    assert.match(snap.outcome!.caption, /Stored 3 record\(s\) on topic "orders" on team-kafka \(production\)/);
    assert.strictEqual(snap.producerId, -1);
    // the producer's own connection, under a client id the cluster's other users can recognise
    assert.strictEqual(clientIds.length, 1);
    assert.match(clientIds[0], /^kafka-lite-producer-/);
  });

  it('a send larger than the cluster’s max.message.bytes is split into batches below it', async () => {
    const big = 'x'.repeat(400_000);
    const r = await send(form({ value: big, copies: 3, partition: 2, idempotent: true }));
    assert.ok(r.ok, JSON.stringify(r));
    assert.strictEqual(stored(2).length, 3);
    assert.ok(stored(2).every((v) => v === big));
    // the sequences count every record, across the batches
    assert.strictEqual(posted.snapshot().sequences[0].nextSequence, 3);
  });

  it('an idempotent resend carries the same sequence and the remote broker stores it once', async () => {
    assert.ok((await send(form({ value: 'once', partition: 1, idempotent: true }))).ok);
    const before = posted.snapshot();
    assert.ok(before.producerId >= 0);
    assert.strictEqual(running.broker.producerState('orders', 1)[0].producerId, before.producerId);
    assert.deepStrictEqual(
      before.sequences.map((s) => [s.topic, s.partition, s.nextSequence, s.brokerNextSequence]),
      [['orders', 1, 1, -1]],
      "the broker's side of the sequence cannot be read over the wire: unknown (-1), never guessed",
    );
    const r = await req({ type: 'resendLast' });
    assert.ok(r.ok, JSON.stringify(r));
    const snap = posted.snapshot();
    assert.strictEqual(snap.outcome!.kind, 'stored-once');
    assert.deepStrictEqual([snap.outcome!.logEndBefore, snap.outcome!.logEndAfter], [1, 1]);
    assert.deepStrictEqual(stored(1), ['once']);
    assert.deepStrictEqual(
      snap.results.map((x) => [x.offset, x.duplicate]),
      [
        [0, false],
        [0, true],
      ],
    );
    assert.deepStrictEqual(asked, ['Send 1 record(s) to orders', 'Resend 1 record(s) to orders']);
  });

  it('a plain resend is stored twice: the remote broker cannot tell it from new records', async () => {
    assert.ok((await send(form({ value: 'twice', partition: 2, idempotent: false }))).ok);
    const r = await req({ type: 'resendLast' });
    assert.ok(r.ok, JSON.stringify(r));
    const snap = posted.snapshot();
    assert.strictEqual(snap.outcome!.kind, 'stored-twice');
    assert.deepStrictEqual([snap.outcome!.logEndBefore, snap.outcome!.logEndAfter], [1, 2]);
    assert.deepStrictEqual(stored(2), ['twice', 'twice']);
  });

  it('a skipped sequence is refused by the remote broker with OUT_OF_ORDER_SEQUENCE_NUMBER and nothing is stored', async () => {
    assert.ok((await send(form({ value: 'a', partition: 0, idempotent: true }))).ok);
    const firstId = posted.snapshot().producerId;
    assert.ok((await req({ type: 'skipSequence', topic: 'orders', partition: 0 })).ok);
    assert.strictEqual(posted.snapshot().sequences[0].nextSequence, 2);
    const r = await send(form({ value: 'b', partition: 0, idempotent: true }));
    assert.strictEqual(r.ok, false);
    assert.match((r as { error: string }).error, /OUT_OF_ORDER_SEQUENCE_NUMBER/);
    const snap = posted.snapshot();
    assert.strictEqual(snap.outcome!.kind, 'out-of-order');
    assert.strictEqual(snap.outcome!.errorName, 'OUT_OF_ORDER_SEQUENCE_NUMBER');
    assert.deepStrictEqual(stored(0), ['a']);
    // as a real client: the next send starts over with a new producer id, which the broker accepts
    assert.ok((await send(form({ value: 'c', partition: 0, idempotent: true }))).ok);
    const after = posted.snapshot();
    assert.ok(after.producerId >= 0 && after.producerId !== firstId);
    assert.deepStrictEqual(stored(0), ['a', 'c']);
  });

  it('a declined confirmation writes nothing and says so', async () => {
    answer = false;
    const r = await send(form({ value: 'no', partition: 0, copies: 2 }));
    assert.strictEqual(r.ok, false);
    assert.match((r as { error: string }).error, /Declined: nothing was written to team-kafka/);
    assert.deepStrictEqual(asked, ['Send 2 record(s) to orders']);
    assert.deepStrictEqual([logEnd(0), logEnd(1), logEnd(2)], [0, 0, 0]);
    const snap = posted.snapshot();
    assert.strictEqual(snap.outcome!.kind, 'error');
    assert.match(
      snap.outcome!.caption,
      /Nothing was written to team-kafka: you declined "Send 2 record\(s\) to orders"/,
    );
    assert.strictEqual(snap.results.length, 0);
    // a declined resend writes nothing either
    answer = true;
    assert.ok((await send(form({ value: 'yes', partition: 0 }))).ok);
    answer = false;
    assert.strictEqual((await req({ type: 'resendLast' })).ok, false);
    assert.deepStrictEqual(stored(0), ['yes']);
  });

  it('a refusal shows the cluster’s own error name and message', async () => {
    await running.broker.createTopic('compacted', 1, { 'cleanup.policy': 'compact' });
    await waitFor('the new topic', async () => (await cluster.partitionsOf(['compacted'])).has('compacted'));
    const r = await send(form({ topic: 'compacted', value: 'no key', partition: 0, idempotent: false }));
    assert.strictEqual(r.ok, false);
    assert.match(
      (r as { error: string }).error,
      /team-kafka refused the batch for compacted partition 0: INVALID_RECORD/,
    );
    const o = posted.snapshot().outcome!;
    assert.deepStrictEqual([o.kind, o.errorName, o.errorCode], ['error', 'INVALID_RECORD', 87]);
  });

  it('a send to a topic the cluster does not have is refused, and the topic is not created', async () => {
    assert.strictEqual(running.broker.autoCreateTopics, true, 'the broker would auto-create on a Produce');
    const r = await send(form({ topic: 'not-there', value: 'x' }));
    assert.strictEqual(r.ok, false);
    assert.match((r as { error: string }).error, /There is no topic "not-there" on team-kafka/);
    assert.deepStrictEqual(asked, [], 'nothing to confirm: nothing is sent');
    assert.strictEqual(running.broker.getTopic('not-there'), undefined);
    const file = path.join(dir, 'recs.jsonl');
    fs.writeFileSync(file, '{"value":"a"}\n');
    const f = await req({
      type: 'sendFile',
      path: 'recs.jsonl',
      topic: 'not-there',
      partition: null,
      idempotent: true,
    });
    assert.strictEqual(f.ok, false);
    assert.strictEqual(running.broker.getTopic('not-there'), undefined);
  });

  it('creating a topic from the panel asks first and creates it on the remote cluster; declined, nothing is created', async () => {
    answer = false;
    assert.strictEqual((await req({ type: 'createTopic', name: 'fresh', partitions: 2 })).ok, false);
    assert.strictEqual(running.broker.getTopic('fresh'), undefined);
    answer = true;
    const r = await req({ type: 'createTopic', name: 'fresh', partitions: 2 });
    assert.ok(r.ok, JSON.stringify(r));
    assert.strictEqual(running.broker.getTopic('fresh')?.partitions, 2);
    assert.deepStrictEqual(asked, [
      'Create topic "fresh" with 2 partition(s)',
      'Create topic "fresh" with 2 partition(s)',
    ]);
    assert.ok(posted.snapshot().topics.some((t) => t.name === 'fresh' && t.partitions === 2));
  });

  it('"Send many from file" sends the file to the remote cluster after asking', async () => {
    fs.writeFileSync(path.join(dir, 'recs.jsonl'), '{"key":"a","value":1}\n{"key":"b","value":{"x":2}}\n');
    const r = await req({ type: 'sendFile', path: 'recs.jsonl', topic: 'orders', partition: 2, idempotent: true });
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepStrictEqual(asked, ['Send 2 record(s) to orders']);
    assert.deepStrictEqual(stored(2), ['1', '{"x":2}']);
  });

  it('transactional mode over the wire: records stay below the LSO until commit, an abort hides them, a second producer fences', async () => {
    const begin = () => req({ type: 'txnBegin', transactionalId: 'tx-panel', timeoutMs: 60_000, topic: 'orders' });
    const txnSend = (value: string) =>
      send(form({ mode: 'transactional', transactionalId: 'tx-panel', value, partition: 1, idempotent: true }));
    const committed = async () => (await cluster.fetch('orders', 1, 0)).map((r) => r.value?.toString());
    assert.ok((await begin()).ok);
    let t = posted.snapshot().txn!;
    assert.strictEqual(t.state, 'open');
    assert.strictEqual(t.coordinatorState, null, "the coordinator's state is unknown over the wire");
    assert.ok(t.producerId >= 0);
    assert.ok((await txnSend('t1')).ok);
    t = posted.snapshot().txn!;
    assert.deepStrictEqual(t.partitions, [{ topic: 'orders', partition: 1 }]);
    const d1 = t.drawings.find((d) => d.partition === 1)!;
    assert.deepStrictEqual([d1.lastStableOffset, d1.highWatermark, d1.cells], [0, 1, []]);
    assert.match(d1.caption, /unknown here/);
    assert.deepStrictEqual(await committed(), [], 'read_committed sees nothing before the commit');
    assert.ok((await req({ type: 'txnCommit' })).ok);
    assert.strictEqual(posted.snapshot().outcome!.kind, 'committed');
    const d2 = posted.snapshot().txn!.drawings.find((d) => d.partition === 1)!;
    // the record and its COMMIT marker
    assert.deepStrictEqual([d2.lastStableOffset, d2.highWatermark], [2, 2]);
    assert.deepStrictEqual(await committed(), ['t1']);
    assert.ok(running.broker.readRecords('orders', 1, 0, 10).some((r) => r.control === 'COMMIT'));

    // an aborted transaction's records stay in the log, hidden from read_committed
    assert.ok((await begin()).ok);
    assert.ok((await txnSend('t2')).ok);
    assert.ok((await req({ type: 'txnAbort' })).ok);
    assert.strictEqual(posted.snapshot().outcome!.kind, 'aborted');
    assert.deepStrictEqual(await committed(), ['t1']);
    assert.ok(running.broker.readRecords('orders', 1, 0, 10).some((r) => r.control === 'ABORT'));

    // a second producer with the same id fences the panel's: the cluster refuses the old epoch
    assert.ok((await begin()).ok);
    assert.ok((await txnSend('t3')).ok);
    assert.ok((await req({ type: 'txnFence' })).ok);
    assert.strictEqual(posted.snapshot().txn!.state, 'fenced');
    const refused = await req({ type: 'txnCommit' });
    assert.strictEqual(refused.ok, false);
    const snap = posted.snapshot();
    assert.strictEqual(snap.outcome!.kind, 'fenced');
    assert.match(snap.outcome!.errorName!, /PRODUCER_FENCED|INVALID_PRODUCER_EPOCH/);
    assert.deepStrictEqual(await committed(), ['t1']);
    assert.ok(asked.includes('Start the transactional producer "tx-panel" (InitProducerId)'));
    assert.ok(asked.includes('Commit the transaction of "tx-panel"'));
    assert.ok(clientIds.some((c) => /^kafka-lite-producer-txn-/.test(c)));
  });

  it('schema mode on a remote cluster encodes with this window’s registry and sends its schema id', async () => {
    const registry = await SchemaRegistry.open(memoryLog());
    const { id: schemaId } = await registry.register('orders-value', {
      schema: JSON.stringify({ type: 'record', name: 'Order', fields: [{ name: 'id', type: 'long' }] }),
    });
    ctl.dispose();
    ctl = new ProducerController({ getBroker: () => undefined, post: posted.post, getSchemaRegistry: () => registry });
    ctl.setSource(source);
    const r = await send(form({ mode: 'schema', value: '{"id": 7}', partition: 0 }));
    assert.ok(r.ok, JSON.stringify(r));
    const [rec] = running.broker.readRecords('orders', 0, 0, 1);
    assert.strictEqual(rec.value![0], 0, 'Confluent wire format: magic byte 0');
    assert.strictEqual(rec.value!.readInt32BE(1), schemaId);
    assert.deepStrictEqual(posted.snapshot().schemas.subjects, ['orders-value']);
    const bad = await send(form({ mode: 'schema', value: '{"id": "seven"}', partition: 0 }));
    assert.strictEqual(bad.ok, false);
    assert.strictEqual(logEnd(0), 1, 'a value that does not fit is refused before anything is sent');
  });

  it('switching to another source drops the producer, its results and the remote topic list', async () => {
    assert.ok((await send(form({ value: 'a', partition: 0, idempotent: true }))).ok);
    assert.ok(posted.snapshot().producerId >= 0);
    ctl.setSource(EMBEDDED_SOURCE);
    const snap = posted.snapshot();
    assert.strictEqual(snap.remote, false);
    assert.strictEqual(snap.where, 'Kafka Lite (this window)');
    assert.deepStrictEqual([snap.producerId, snap.results.length, snap.lastBatch, snap.topics], [-1, 0, null, []]);
    assert.strictEqual((await req({ type: 'resendLast' })).ok, false);
  });

  it('a panel restored after a reload on a remote cluster waits for it instead of using this window’s broker', async () => {
    ctl.dispose();
    posted = new Posted();
    // what the webview saved (the form and the cluster the panel worked on), as the panel slot hands it over
    const saved = parseProducerSavedState({ form: emptyProducerForm(), appliedPrefill: null, cluster: 'team-kafka' });
    assert.strictEqual(parseProducerSavedState({ form: emptyProducerForm() })?.cluster, null);
    ctl = makeController(saved?.cluster ?? undefined);
    assert.ok((await req({ type: 'ready' })).ok);
    const snap = posted.snapshot();
    assert.strictEqual(snap.lostSource, lostSourceMessage('team-kafka'));
    assert.strictEqual(
      snap.lostSource,
      "This panel was working on team-kafka; open it again from that cluster's Topics view.",
    );
    assert.deepStrictEqual([snap.remote, snap.cluster, snap.topics], [true, 'team-kafka', []]);
    const r = await send(form({ value: 'x', partition: 0 }));
    assert.strictEqual(r.ok, false);
    assert.match((r as { error: string }).error, /This panel was working on team-kafka/);
    assert.deepStrictEqual(asked, []);
    // opened again from the cluster: it works there
    ctl.setSource(source);
    await waitFor('the remote topic list', () => posted.snapshot().topics.some((t) => t.name === 'orders'));
    assert.strictEqual(posted.snapshot().lostSource, null);
    assert.ok((await send(form({ value: 'back', partition: 0 }))).ok);
    assert.deepStrictEqual(stored(0), ['back']);
  });
});
