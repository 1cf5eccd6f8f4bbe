/**
 * The in-process client against the real Broker (storage included), on a FakeClock: groups, rebalances, commits,
 * crashes and the idempotent producer end to end.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Broker } from '../../../src/broker/broker';
import { FakeClock } from '../../../src/broker/clock';
import { ErrorCode, KafkaError } from '../../../src/broker/errors';
import { decodeAssignment, encodeSubscription } from '../../../src/broker/groups/consumer-protocol';
import { GroupConsumer, Producer } from '../../../src/client';
import type { GroupConsumerOptions } from '../../../src/client';
import { settle } from '../broker/groups/helpers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { MemberMetadata, MemberAssignment } = require('kafkajs/src/consumer/assignerProtocol');

describe('in-process client', () => {
  let dir: string;
  let clock: FakeClock;
  let broker: Broker;
  const consumers: GroupConsumer[] = [];

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kl-client-'));
    clock = new FakeClock();
    broker = await Broker.open({ dataDir: dir, clock, initialRebalanceDelayMs: 0 });
  });
  afterEach(async () => {
    for (const c of consumers.splice(0)) c.crash();
    await broker.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function consumer(opts: Partial<GroupConsumerOptions> = {}): GroupConsumer {
    const c = new GroupConsumer(broker, {
      groupId: 'g',
      topics: ['t'],
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 20_000,
      heartbeatIntervalMs: 1000,
      ...opts,
    });
    consumers.push(c);
    return c;
  }

  /** Advance the fake clock in heartbeat-sized steps until cond() holds (or give up). */
  async function until(cond: () => boolean, what: string, maxMs = 60_000): Promise<void> {
    for (let t = 0; t <= maxMs; t += 500) {
      await settle();
      if (cond()) return;
      clock.advance(500);
    }
    assert.fail(`timed out waiting for: ${what}`);
  }

  async function fill(topic: string, partitions: number, perPartition: number): Promise<void> {
    await broker.createTopic(topic, partitions);
    for (let p = 0; p < partitions; p++) {
      await broker.produce(
        topic,
        Array.from({ length: perPartition }, (_, i) => ({ key: `k${i}`, value: `${topic}-${p}-${i}` })),
        { partition: p },
      );
    }
  }

  const owners = (cs: GroupConsumer[]) => cs.flatMap((c) => c.assignment().map((tp) => `${tp.topic}-${tp.partition}`));

  it('a lone consumer owns every partition, polls every record once and commits its positions', async () => {
    await fill('t', 3, 4);
    const c = consumer();
    await c.join();
    assert.strictEqual(c.state, 'stable');
    assert.ok(c.isLeader);
    assert.strictEqual(c.generationId, 1);
    assert.deepStrictEqual(owners([c]), ['t-0', 't-1', 't-2']);
    const seen: string[] = [];
    for (let i = 0; i < 10; i++) for (const r of await c.poll(5)) seen.push(r.value!.toString());
    assert.strictEqual(seen.length, 12);
    assert.strictEqual(new Set(seen).size, 12);
    assert.deepStrictEqual(await c.poll(), [], 'nothing left');
    assert.strictEqual(c.position('t', 1), 4);
    assert.strictEqual(await c.committed('t', 1), -1);
    await c.commit();
    assert.strictEqual(await c.committed('t', 1), 4);
    const hist = broker.commitHistory('g', 't', 1);
    assert.deepStrictEqual(
      hist.map((h) => [h.offset, h.memberId, h.generationId]),
      [[4, c.memberId, 1]],
    );
    assert.strictEqual(broker.groupLag('g').totalLag, 0);
  });

  it('two groups on one topic each read every record', async () => {
    await fill('t', 2, 5);
    const a = consumer({ groupId: 'ga' });
    const b = consumer({ groupId: 'gb' });
    await a.join();
    await b.join();
    const ra = await a.poll(100);
    const rb = await b.poll(100);
    assert.strictEqual(ra.length, 10);
    assert.deepStrictEqual(
      rb.map((r) => `${r.partition}/${r.offset}`).sort(),
      ra.map((r) => `${r.partition}/${r.offset}`).sort(),
    );
  });

  it('a second member joining rebalances the group: the first rejoins on its heartbeat and the partitions are split', async () => {
    await fill('t', 4, 1);
    const a = consumer({ clientId: 'a' });
    const b = consumer({ clientId: 'b' });
    const rebalances: number[] = [];
    a.on('rebalance', (e: { generationId: number }) => rebalances.push(e.generationId));
    await a.join();
    const bj = b.join();
    await until(
      () => b.state === 'stable' && a.state === 'stable' && a.generationId === 2,
      'both stable in generation 2',
    );
    await bj;
    assert.deepStrictEqual(rebalances, [1, 2]);
    assert.strictEqual(a.assignment().length, 2);
    assert.strictEqual(b.assignment().length, 2);
    assert.deepStrictEqual(owners([a, b]).sort(), ['t-0', 't-1', 't-2', 't-3']);
    const d = broker.describeGroup('g');
    assert.strictEqual(d.state, 'Stable');
    assert.deepStrictEqual(
      d.members.flatMap((m) => m.assignedPartitions.flatMap((x) => x.partitions)).sort(),
      [0, 1, 2, 3],
    );
  });

  it('members beyond the partition count stay idle and a partition has at most one owner', async () => {
    await fill('t', 2, 3);
    const cs = [
      consumer({ assignor: 'roundrobin' }),
      consumer({ assignor: 'roundrobin' }),
      consumer({ assignor: 'roundrobin' }),
    ];
    const joins = cs.map((c) => c.join());
    await until(
      () =>
        cs.every((c) => c.state === 'stable' && c.generationId === cs[0].generationId) &&
        broker.describeGroup('g').state === 'Stable',
      'all stable',
    );
    await Promise.all(joins);
    assert.deepStrictEqual(owners(cs).sort(), ['t-0', 't-1']);
    assert.strictEqual(cs.filter((c) => c.assignment().length === 0).length, 1);
    const polled = (await Promise.all(cs.map((c) => c.poll(100)))).map((rs) => rs.length).sort();
    assert.deepStrictEqual(polled, [0, 3, 3]);
  });

  it('a consumer that crashes before committing is removed after its session timeout and the new owner re-reads from the last commit', async () => {
    await fill('t', 1, 10);
    const a = consumer({ clientId: 'a', sessionTimeoutMs: 5000 });
    const b = consumer({ clientId: 'b', sessionTimeoutMs: 5000 });
    await a.join();
    const bj = b.join();
    await until(() => a.state === 'stable' && b.state === 'stable' && a.generationId === 2, 'both members stable');
    await bj;
    assert.deepStrictEqual(owners([a]), ['t-0'], 'range gives the single partition to the first member id');
    assert.deepStrictEqual(owners([b]), []);
    assert.strictEqual((await a.poll(3)).length, 3);
    await a.commit(); // committed 3
    assert.strictEqual((await a.poll(4)).length, 4); // read up to 7, not committed
    a.crash();
    const started = clock.now();
    await until(() => b.assignment().length === 1, 'b takes over t-0');
    assert.ok(clock.now() - started <= 5000 + 20_000, 'within the session plus rebalance timeout');
    assert.ok(!broker.describeGroup('g').members.some((m) => m.memberId === a.memberId));
    const again = await b.poll(100);
    assert.deepStrictEqual(
      again.map((r) => r.offset),
      [3, 4, 5, 6, 7, 8, 9],
      'records 3..6 are delivered again',
    );
  });

  it('leaving rebalances at once and the remaining member gets the partitions with the committed positions', async () => {
    await fill('t', 2, 2);
    const a = consumer();
    const b = consumer();
    await a.join();
    const bj = b.join();
    await until(() => a.state === 'stable' && b.state === 'stable' && a.generationId === b.generationId, 'both stable');
    await bj;
    await a.poll(100);
    await a.commit();
    const revoked: unknown[] = [];
    a.on('revoked', (e) => revoked.push(e));
    await a.leave();
    assert.strictEqual(a.state, 'left');
    assert.strictEqual(revoked.length, 1);
    await until(() => b.assignment().length === 2, 'b owns both');
    for (const tp of a.assignment()) assert.fail(`a still owns ${tp.topic}-${tp.partition}`);
    const rs = await b.poll(100);
    // b's own partition from 0, a's partition from a's commit (2 = end): only b's two records.
    assert.strictEqual(rs.length, 2);
    await assert.rejects(a.poll(), (e: KafkaError) => e.code === ErrorCode.UNKNOWN_MEMBER_ID && /left/.test(e.message));
  });

  it('a commit from a member the group has moved past is refused with a Kafka error', async () => {
    await fill('t', 1, 1);
    const a = consumer({ sessionTimeoutMs: 2000, heartbeatIntervalMs: 60_000 });
    await a.join();
    await a.poll();
    clock.advance(2500); // a never heartbeats in time: its session expires
    await settle();
    await assert.rejects(
      a.commit(),
      (e: KafkaError) => e instanceof KafkaError && e.code === ErrorCode.UNKNOWN_MEMBER_ID,
    );
  });

  it('position starts at the committed offset, else at autoOffsetReset; seek moves it', async () => {
    await fill('t', 1, 5);
    await broker.commitOffsets('g', '', -1, [{ topic: 't', partition: 0, offset: 2, metadata: 'simple' }]);
    const c = consumer();
    await c.join();
    assert.strictEqual(c.position('t', 0), 2);
    c.seek('t', 0, 4);
    assert.deepStrictEqual(
      (await c.poll()).map((r) => r.offset),
      [4],
    );
    assert.throws(() => c.seek('t', 9, 0), /not assigned to this consumer/);
    const late = consumer({ groupId: 'latecomers', autoOffsetReset: 'latest' });
    await late.join();
    assert.strictEqual(late.position('t', 0), 5);
    assert.deepStrictEqual(await late.poll(), []);
  });

  it('an in-process leader assigns to a kafkajs-encoded member and the kafkajs decoder reads its assignment', async () => {
    await fill('t', 2, 1);
    const c = consumer({ assignor: 'range' });
    await c.join();
    // A kafkajs member: default protocol RoundRobinAssigner, kafkajs' own subscription bytes.
    const kjsMeta: Buffer = MemberMetadata.encode({ version: 0, topics: ['t'] });
    const first = await broker.joinGroup({
      groupId: 'g',
      memberId: '',
      groupInstanceId: null,
      sessionTimeoutMs: 30_000,
      rebalanceTimeoutMs: 60_000,
      protocolType: 'consumer',
      protocols: [{ name: 'RoundRobinAssigner', metadata: kjsMeta }],
      clientId: 'kafkajs',
      clientHost: '/127.0.0.1',
      requireKnownMemberId: true,
    });
    assert.strictEqual(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
    const join = broker.joinGroup({
      groupId: 'g',
      memberId: first.memberId,
      groupInstanceId: null,
      sessionTimeoutMs: 30_000,
      rebalanceTimeoutMs: 60_000,
      protocolType: 'consumer',
      protocols: [{ name: 'RoundRobinAssigner', metadata: kjsMeta }],
      clientId: 'kafkajs',
      clientHost: '/127.0.0.1',
      requireKnownMemberId: true,
    });
    await until(() => c.generationId === 2 && c.state === 'stable', 'in-process member rejoined');
    const jr = await join;
    assert.strictEqual(jr.protocolName, 'RoundRobinAssigner');
    assert.strictEqual(jr.leader, c.memberId);
    const sync = await broker.syncGroup({
      groupId: 'g',
      generationId: jr.generationId,
      memberId: jr.memberId,
      groupInstanceId: null,
      protocolType: 'consumer',
      protocolName: 'RoundRobinAssigner',
      assignments: [],
    });
    const theirs = MemberAssignment.decode(sync.assignment).assignment as Record<string, number[]>;
    assert.strictEqual(theirs.t.length, 1);
    assert.deepStrictEqual([...theirs.t, ...c.assignment().map((tp) => tp.partition)].sort(), [0, 1]);
    assert.deepStrictEqual(decodeAssignment(sync.assignment).assignedPartitions[0].topic, 't');
    void encodeSubscription;
  });
});

describe('in-process producer', () => {
  let dir: string;
  let clock: FakeClock;
  let broker: Broker;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kl-producer-'));
    clock = new FakeClock();
    broker = await Broker.open({ dataDir: dir, clock });
    await broker.createTopic('t', 2);
  });
  afterEach(async () => {
    if (!broker.isClosed) await broker.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('an idempotent retry is stored once and answered with the original offsets', async () => {
    const p = new Producer(broker, { idempotent: true });
    await p.init();
    assert.ok(p.producerId >= 0);
    const first = await p.send('t', [{ value: 'a' }, { value: 'b' }], { partition: 0 });
    assert.deepStrictEqual([first.baseOffset, first.lastOffset, first.baseSequence, first.duplicate], [0, 1, 0, false]);
    assert.strictEqual(p.nextSequence('t', 0), 2);
    const retry = await p.resendLast();
    assert.deepStrictEqual([retry.baseOffset, retry.lastOffset, retry.duplicate, retry.logEndOffset], [0, 1, true, 2]);
    const next = await p.send('t', [{ value: 'c' }], { partition: 0 });
    assert.deepStrictEqual([next.baseOffset, next.baseSequence], [2, 2]);
    assert.deepStrictEqual(
      broker.readRecords('t', 0, 0, 10).map((r) => r.value!.toString()),
      ['a', 'b', 'c'],
    );
    assert.strictEqual(broker.readRecords('t', 0, 0, 10)[0].producerId, p.producerId);
  });

  it('a plain producer retrying the same records stores them twice (at-least-once)', async () => {
    const p = new Producer(broker);
    const first = await p.send('t', [{ value: 'a' }], { partition: 1 });
    const retry = await p.resendLast();
    assert.strictEqual(retry.duplicate, false);
    assert.strictEqual(retry.baseOffset, first.baseOffset + 1);
    assert.deepStrictEqual(
      broker.readRecords('t', 1, 0, 10).map((r) => r.value!.toString()),
      ['a', 'a'],
    );
  });

  it('a skipped sequence is refused with OUT_OF_ORDER_SEQUENCE_NUMBER and nothing is stored', async () => {
    const p = new Producer(broker, { idempotent: true });
    await p.send('t', [{ value: 'a' }], { partition: 0 });
    p.skipSequence('t', 0, 2);
    await assert.rejects(
      p.send('t', [{ value: 'b' }], { partition: 0 }),
      (e: KafkaError) =>
        e.code === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER && /expected sequence 1, got 3/.test(e.message),
    );
    assert.strictEqual(broker.partitionInfo('t', 0).logEndOffset, 1);
    p.skipSequence('t', 0, -2);
    assert.strictEqual((await p.send('t', [{ value: 'b' }], { partition: 0 })).baseOffset, 1);
  });

  it('init() again bumps the epoch: the old epoch is fenced with INVALID_PRODUCER_EPOCH', async () => {
    const p = new Producer(broker, { idempotent: true });
    await p.send('t', [{ value: 'a' }], { partition: 0 });
    const oldEpoch = p.producerEpoch;
    await p.init();
    assert.strictEqual(p.producerEpoch, oldEpoch + 1);
    assert.strictEqual(p.nextSequence('t', 0), 0);
    await p.send('t', [{ value: 'b' }], { partition: 0 });
    await assert.rejects(
      broker.produce('t', [{ value: 'zombie' }], {
        partition: 0,
        producer: { producerId: p.producerId, producerEpoch: oldEpoch, baseSequence: 1 },
      }),
      (e: KafkaError) => e.code === ErrorCode.INVALID_PRODUCER_EPOCH,
    );
  });

  for (const clean of [true, false]) {
    it(`a retry right after a ${clean ? 'clean' : 'crash'} restart is still stored exactly once`, async () => {
      const p = new Producer(broker, { idempotent: true });
      await p.send('t', [{ value: 'a' }], { partition: 1 });
      const second = await p.send('t', [{ value: 'b' }, { value: 'c' }], { partition: 1 });
      if (clean) await broker.close();
      // Without close the old instance simply stops being used: no clean-shutdown marker, no snapshot.
      const reopened = await Broker.open({ dataDir: dir, clock });
      try {
        const retry = await reopened.produce(
          't',
          [
            { value: 'b', timestamp: clock.now() },
            { value: 'c', timestamp: clock.now() },
          ],
          {
            partition: 1,
            producer: { producerId: p.producerId, producerEpoch: p.producerEpoch, baseSequence: second.baseSequence },
          },
        );
        assert.strictEqual(retry.duplicate, true);
        assert.strictEqual(retry.baseOffset, second.baseOffset);
        assert.strictEqual(reopened.partitionInfo('t', 1).logEndOffset, 3);
        await assert.rejects(
          reopened.produce('t', [{ value: 'd' }], {
            partition: 1,
            producer: { producerId: p.producerId, producerEpoch: p.producerEpoch, baseSequence: 5 },
          }),
          (e: KafkaError) => e.code === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
        );
      } finally {
        await reopened.close();
      }
    });
  }
});

describe('committed offsets through the broker: lag, reset, delete', () => {
  let dir: string;
  let clock: FakeClock;
  let broker: Broker;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kl-offsets-broker-'));
    clock = new FakeClock();
    broker = await Broker.open({ dataDir: dir, clock });
    await broker.createTopic('t', 2);
    for (let i = 0; i < 10; i++) {
      clock.advance(1000);
      await broker.produce('t', [{ value: `v${i}` }], { partition: i % 2 });
    }
  });
  afterEach(async () => {
    await broker.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lag per partition is log end minus committed, and the group total sums it', async () => {
    await broker.commitOffsets('g', '', -1, [
      { topic: 't', partition: 0, offset: 2, metadata: null },
      { topic: 't', partition: 1, offset: 5, metadata: null },
    ]);
    const lag = broker.groupLag('g');
    assert.deepStrictEqual(
      lag.partitions.map((p) => [p.partition, p.committedOffset, p.logEndOffset, p.lag]),
      [
        [0, 2, 5, 3],
        [1, 5, 5, 0],
      ],
    );
    assert.strictEqual(lag.totalLag, 3);
  });

  it('offsets reset to earliest, latest, a timestamp, an offset, or shifted, for one partition or all', async () => {
    await broker.commitOffsets('g', '', -1, [
      { topic: 't', partition: 0, offset: 3, metadata: null },
      { topic: 't', partition: 1, offset: 3, metadata: null },
    ]);
    const at = (p: number) => broker.fetchOffsets('g', [{ topic: 't', partitions: [p] }])[0].offset;
    await broker.resetOffsets('g', 't', 0, { kind: 'earliest' });
    assert.deepStrictEqual([at(0), at(1)], [0, 3], 'one partition only');
    await broker.resetOffsets('g', 't', null, { kind: 'latest' });
    assert.deepStrictEqual([at(0), at(1)], [5, 5]);
    await broker.resetOffsets('g', 't', null, { kind: 'shift', by: -2 });
    assert.deepStrictEqual([at(0), at(1)], [3, 3]);
    await broker.resetOffsets('g', null, null, { kind: 'shift', by: +10 });
    assert.deepStrictEqual([at(0), at(1)], [5, 5], 'clamped to the log end');
    await broker.resetOffsets('g', 't', 1, { kind: 'offset', offset: 1 });
    assert.strictEqual(at(1), 1);
    // Partition 0 holds v0,v2,v4,v6,v8 produced at t0+1s, +3s, ... : the first record at or after +4.5 s is offset 2.
    const t0 = clock.now() - 10_000;
    await broker.resetOffsets('g', 't', 0, { kind: 'timestamp', timestamp: t0 + 4500 });
    assert.strictEqual(at(0), 2);
  });

  it('a reset is refused while the group has active members, and so is deleting the group', async () => {
    const c = new GroupConsumer(broker, { groupId: 'busy', topics: ['t'] });
    await c.join();
    await c.poll();
    await c.commit();
    await assert.rejects(
      broker.resetOffsets('busy', 't', null, { kind: 'earliest' }),
      (e: KafkaError) => e.code === ErrorCode.NON_EMPTY_GROUP && /active member/.test(e.message),
    );
    await assert.rejects(broker.deleteGroup('busy'), (e: KafkaError) => e.code === ErrorCode.NON_EMPTY_GROUP);
    assert.deepStrictEqual(
      broker.fetchOffsets('busy', null).map((o) => o.offset),
      [5, 5],
      'nothing changed',
    );
    await c.leave();
    await settle();
    await broker.resetOffsets('busy', 't', null, { kind: 'earliest' });
    assert.deepStrictEqual(
      broker.fetchOffsets('busy', null).map((o) => o.offset),
      [0, 0],
    );
    await broker.deleteGroup('busy');
    assert.deepStrictEqual(broker.fetchOffsets('busy', null), []);
    assert.ok(!broker.listGroups().some((g) => g.groupId === 'busy'));
  });

  it('offsets committed through the broker survive a restart with their metadata', async () => {
    await broker.commitOffsets('g', '', -1, [{ topic: 't', partition: 1, offset: 4, metadata: 'checkpoint' }]);
    await broker.close();
    broker = await Broker.open({ dataDir: dir, clock });
    assert.deepStrictEqual(broker.fetchOffsets('g', [{ topic: 't', partitions: [1] }])[0], {
      topic: 't',
      partition: 1,
      offset: 4,
      metadata: 'checkpoint',
      leaderEpoch: -1,
      errorCode: 0,
    });
    assert.deepStrictEqual(
      broker.listGroups().map((g) => [g.groupId, g.state]),
      [['g', 'Empty']],
    );
  });
});
