// The one group consumer (src/client/consumer.ts) over the wire transport (src/extension/clusters/wire-member.ts):
// its members are real members of a group on a Kafka Lite broker reached on a loopback port, as they would be on
// any Kafka cluster. What is asserted is what the cluster itself sees (kafkajs admin, the broker's own state).
import * as assert from 'assert';
import { Kafka, logLevel } from 'kafkajs';
import type { Running } from '../../compat/harness';
import { removeDir, startBroker, waitFor } from '../../compat/harness';
import { GroupConsumer } from '../../../src/client/consumer';
import { WireCluster } from '../../../src/extension/clusters/wire';
import { WireConsumerTransport, wireMemberConnection } from '../../../src/extension/clusters/wire-member';

describe('GroupConsumer over the wire (a member of a group on a real cluster)', function () {
  this.timeout(40_000);
  let running: Running;
  let base: WireCluster;
  const transports: WireConsumerTransport[] = [];
  const members: GroupConsumer[] = [];

  beforeEach(async () => {
    running = await startBroker();
    base = new WireCluster({ name: 'loopback', brokers: [running.bootstrap] });
  });
  afterEach(async () => {
    for (const m of members.splice(0)) await m.leave().catch(() => undefined);
    for (const t of transports.splice(0)) await t.close();
    await base.close();
    await running.stop();
    removeDir(running.dir);
  });

  function member(n: number, opts: { sessionTimeoutMs?: number; readCommitted?: boolean } = {}): GroupConsumer {
    const clientId = `kafka-lite-stepper-${n}`;
    const t = new WireConsumerTransport(wireMemberConnection((id) => base.sibling(id), clientId, 5000));
    transports.push(t);
    const c = new GroupConsumer(t, {
      groupId: 'g',
      topics: ['orders'],
      clientId,
      sessionTimeoutMs: opts.sessionTimeoutMs ?? 10_000,
      rebalanceTimeoutMs: 5000,
      heartbeatIntervalMs: 200,
      isolationLevel: opts.readCommitted ? 'read_committed' : 'read_uncommitted',
    });
    members.push(c);
    return c;
  }

  async function produce(n: number): Promise<void> {
    const kafka = new Kafka({ brokers: [running.bootstrap], logLevel: logLevel.NOTHING });
    const p = kafka.producer();
    await p.connect();
    await p.send({
      topic: 'orders',
      messages: Array.from({ length: n }, (_, i) => ({ partition: i % 4, value: `v${i}` })),
    });
    await p.disconnect();
  }

  const owned = (cs: GroupConsumer[]) =>
    cs
      .flatMap((c) => c.assignment().map((a) => a.partition))
      .sort((a, b) => a - b)
      .join(',');

  it('two members split a 4-partition topic, poll everything once, and commit what the cluster then reports', async () => {
    await running.broker.createTopic('orders', 4);
    await produce(12);
    const a = member(1);
    await a.join();
    const b = member(2);
    await Promise.all([b.join(), waitFor('a to rejoin', () => a.state === 'stable' && a.assignment().length === 2)]);
    await waitFor('both stable with two partitions each', () =>
      a.assignment().length === 2 && b.assignment().length === 2 && a.generationId === b.generationId ? true : null,
    );
    assert.strictEqual(owned([a, b]), '0,1,2,3');
    assert.ok(a.memberId.startsWith('kafka-lite-stepper-1'), a.memberId);
    assert.ok(b.memberId.startsWith('kafka-lite-stepper-2'), b.memberId);
    const seen: string[] = [];
    for (const c of [a, b]) for (const r of await c.poll(100)) seen.push(r.value!.toString());
    assert.strictEqual(seen.length, 12);
    assert.strictEqual(new Set(seen).size, 12);
    await a.commit();
    await b.commit();
    const admin = new Kafka({ brokers: [running.bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchOffsets({ groupId: 'g', topics: ['orders'] });
      assert.deepStrictEqual(
        offsets[0].partitions.map((p) => [p.partition, p.offset]).sort((x, y) => Number(x[0]) - Number(y[0])),
        [
          [0, '3'],
          [1, '3'],
          [2, '3'],
          [3, '3'],
        ],
      );
      const [g] = (await admin.describeGroups(['g'])).groups;
      assert.deepStrictEqual(g.members.map((m) => m.clientId).sort(), ['kafka-lite-stepper-1', 'kafka-lite-stepper-2']);
    } finally {
      await admin.disconnect();
    }
    assert.strictEqual(await a.committed('orders', a.assignment()[0].partition), 3);
  });

  it("a crashed member's partitions move to the other member once its session times out, and leave gives them back at once", async () => {
    await running.broker.createTopic('orders', 4);
    const a = member(1, { sessionTimeoutMs: 1500 });
    const b = member(2, { sessionTimeoutMs: 1500 });
    await a.join();
    await Promise.all([b.join(), waitFor('a rejoined', () => a.assignment().length === 2)]);
    await waitFor('split', () => (a.assignment().length === 2 && b.assignment().length === 2 ? true : null));
    const crashedId = a.memberId;
    a.crash();
    // Still a member until the session times out: no LeaveGroup was sent.
    assert.ok(running.broker.describeGroup('g').members.some((m) => m.memberId === crashedId));
    await waitFor(
      'b owns everything',
      () => (b.state === 'stable' && b.assignment().length === 4 ? true : null),
      10_000,
    );
    assert.ok(!running.broker.describeGroup('g').members.some((m) => m.memberId === crashedId));
    const c = member(3);
    await Promise.all([c.join(), waitFor('b rejoined', () => b.assignment().length === 2)]);
    await waitFor('split again', () => (c.assignment().length === 2 && b.assignment().length === 2 ? true : null));
    await c.leave();
    await waitFor('b owns everything again', () => (b.assignment().length === 4 ? true : null), 5000);
    assert.deepStrictEqual(
      running.broker.describeGroup('g').members.map((m) => m.memberId),
      [b.memberId],
    );
  });

  it('a read_committed member stops at the last stable offset of an open transaction', async () => {
    await running.broker.createTopic('orders', 1);
    const kafka = new Kafka({ brokers: [running.bootstrap], logLevel: logLevel.NOTHING });
    const plain = kafka.producer();
    await plain.connect();
    await plain.send({ topic: 'orders', messages: [{ value: 'a' }, { value: 'b' }] });
    const tx = kafka.producer({ transactionalId: 'tx-1', maxInFlightRequests: 1, idempotent: true });
    await tx.connect();
    const t = await tx.transaction();
    await t.send({ topic: 'orders', messages: [{ value: 'open-1' }, { value: 'open-2' }] });
    await plain.send({ topic: 'orders', messages: [{ value: 'after' }] });
    const committedReader = member(1, { readCommitted: true });
    await committedReader.join();
    assert.deepStrictEqual(
      (await committedReader.poll(100)).map((r) => r.value!.toString()),
      ['a', 'b'],
    );
    assert.strictEqual(committedReader.position('orders', 0), 2, 'it waits at the LSO');
    await t.commit();
    assert.deepStrictEqual(
      (await committedReader.poll(100)).map((r) => r.value!.toString()),
      ['open-1', 'open-2', 'after'],
    );
    await tx.disconnect();
    await plain.disconnect();
  });
});
