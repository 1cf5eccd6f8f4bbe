/**
 * Reference tier, the producer panel on a remote cluster: its controller on a RemoteSource whose WireCluster
 * points at real Apache Kafka (the tier's shared broker). The panel's idempotent resend is stored once, a plain
 * resend twice, and a skipped sequence is refused by Kafka itself with OUT_OF_ORDER_SEQUENCE_NUMBER, nothing
 * stored; a send to a topic Kafka does not have creates nothing; a transaction through the panel commits (its
 * records reach read_committed consumers), aborts (they never do) and is fenced by a second producer of its id.
 */
import * as assert from 'assert';
import { WireCluster } from '../../src/extension/clusters/wire';
import type { RemoteSource } from '../../src/extension/panels/panel-source';
import { ProducerController } from '../../src/extension/panels/producer-controller';
import type { ProducerForm, ProducerSnapshot } from '../../src/shared/producer-messages';
import { emptyProducerForm } from '../../src/shared/producer-messages';
import { Posted } from '../unit/extension/panels/helpers';
import { currentPeers, topic as createTopic } from './harness';
import { WireClient } from './wire';

describe('reference: the producer panel on Apache Kafka', function () {
  this.timeout(60_000);
  let cluster: WireCluster;
  const opened: WireCluster[] = [];
  let posted: Posted<ProducerSnapshot>;
  let ctl: ProducerController;
  let topic: string;
  let id = 1;

  const req = async (m: Record<string, unknown>) => {
    const rid = id++;
    await ctl.handle({ ...m, id: rid });
    return posted.reply(rid);
  };
  const form = (over: Partial<ProducerForm>): ProducerForm => ({ ...emptyProducerForm(), topic, ...over });
  const values = async (p: number) => (await cluster.fetch(topic, p, 0)).map((r) => r.value?.toString());

  beforeEach(async () => {
    const kafka = currentPeers().find((p) => p.name === 'Kafka')!;
    cluster = new WireCluster({ name: 'reference-kafka', brokers: [`127.0.0.1:${kafka.port}`] });
    // created as the tier's scenarios do, waiting until Kafka's replica manager leads every partition
    topic = `panel-producer-${Date.now()}-${id}`;
    const c = await WireClient.connect(kafka.port);
    try {
      await createTopic(c, topic, 2);
    } finally {
      c.close();
    }
    const source: RemoteSource = {
      kind: 'remote',
      name: 'reference-kafka',
      production: false,
      cluster,
      connect: (clientId) => {
        const c = cluster.sibling(clientId);
        opened.push(c);
        return c;
      },
      confirmWrite: async () => true,
    };
    posted = new Posted();
    ctl = new ProducerController({ getBroker: () => undefined, post: posted.post });
    ctl.setSource(source);
  });
  afterEach(async () => {
    ctl?.dispose();
    await Promise.all(opened.splice(0).map((c) => c.close()));
    await cluster.deleteTopic(topic).catch(() => undefined);
    await cluster.close();
  });

  it('an idempotent resend through the panel is stored once by Kafka', async () => {
    assert.ok((await req({ type: 'send', form: form({ value: 'once', partition: 0, idempotent: true }) })).ok);
    assert.ok(posted.snapshot().producerId >= 0);
    const r = await req({ type: 'resendLast' });
    assert.ok(r.ok, JSON.stringify(r));
    const snap = posted.snapshot();
    assert.strictEqual(snap.outcome!.kind, 'stored-once');
    assert.deepStrictEqual([snap.outcome!.logEndBefore, snap.outcome!.logEndAfter], [1, 1]);
    assert.deepStrictEqual(await values(0), ['once']);
  });

  it('a plain resend through the panel is stored twice by Kafka', async () => {
    assert.ok((await req({ type: 'send', form: form({ value: 'twice', partition: 1, idempotent: false }) })).ok);
    assert.ok((await req({ type: 'resendLast' })).ok);
    const snap = posted.snapshot();
    assert.strictEqual(snap.outcome!.kind, 'stored-twice');
    assert.deepStrictEqual(await values(1), ['twice', 'twice']);
  });

  it('a skipped sequence is refused by Kafka with OUT_OF_ORDER_SEQUENCE_NUMBER and nothing is stored', async () => {
    assert.ok((await req({ type: 'send', form: form({ value: 'a', partition: 0, idempotent: true }) })).ok);
    assert.ok((await req({ type: 'skipSequence', topic, partition: 0 })).ok);
    const r = await req({ type: 'send', form: form({ value: 'b', partition: 0, idempotent: true }) });
    assert.strictEqual(r.ok, false);
    const snap = posted.snapshot();
    assert.strictEqual(snap.outcome!.kind, 'out-of-order');
    assert.strictEqual(snap.outcome!.errorName, 'OUT_OF_ORDER_SEQUENCE_NUMBER');
    assert.deepStrictEqual(await values(0), ['a']);
    // the panel starts over with a new producer id, which Kafka accepts
    assert.ok((await req({ type: 'send', form: form({ value: 'c', partition: 0, idempotent: true }) })).ok);
    assert.deepStrictEqual(await values(0), ['a', 'c']);
  });

  it('a send to a topic Kafka does not have is refused and creates nothing', async () => {
    const absent = `${topic}-absent`;
    const r = await req({ type: 'send', form: form({ topic: absent, value: 'x' }) });
    assert.strictEqual(r.ok, false);
    assert.match((r as { error: string }).error, /There is no topic ".*-absent" on reference-kafka/);
    assert.strictEqual((await cluster.partitionsOf([absent])).has(absent), false);
  });

  it('a transaction through the panel commits, aborts and is fenced on Kafka', async () => {
    const begin = () => req({ type: 'txnBegin', transactionalId: `${topic}-tx`, timeoutMs: 60_000, topic });
    const txnSend = (value: string) =>
      req({
        type: 'send',
        form: form({ mode: 'transactional', transactionalId: `${topic}-tx`, value, partition: 0, idempotent: true }),
      });
    assert.ok((await begin()).ok);
    let r = await txnSend('c1');
    assert.ok(r.ok, JSON.stringify(r));
    const open = posted.snapshot().txn!.drawings.find((d) => d.partition === 0)!;
    assert.deepStrictEqual([open.lastStableOffset, open.highWatermark], [0, 1]);
    assert.deepStrictEqual(await values(0), [], 'read_committed sees nothing before the commit');
    r = await req({ type: 'txnCommit' });
    assert.ok(r.ok, JSON.stringify(r));
    const done = posted.snapshot().txn!.drawings.find((d) => d.partition === 0)!;
    assert.deepStrictEqual([done.lastStableOffset, done.highWatermark], [2, 2], 'the record and its COMMIT marker');
    assert.deepStrictEqual(await values(0), ['c1']);

    assert.ok((await begin()).ok);
    assert.ok((await txnSend('a1')).ok);
    r = await req({ type: 'txnAbort' });
    assert.ok(r.ok, JSON.stringify(r));
    assert.strictEqual(posted.snapshot().outcome!.kind, 'aborted');
    assert.deepStrictEqual(await values(0), ['c1']);

    assert.ok((await begin()).ok);
    assert.ok((await txnSend('z1')).ok);
    assert.ok((await req({ type: 'txnFence' })).ok);
    const refused = await req({ type: 'txnCommit' });
    assert.strictEqual(refused.ok, false);
    const snap = posted.snapshot();
    assert.strictEqual(snap.outcome!.kind, 'fenced');
    assert.match(snap.outcome!.errorName!, /PRODUCER_FENCED|INVALID_PRODUCER_EPOCH/);
    assert.deepStrictEqual(await values(0), ['c1']);
  });
});
