// The Broker facade's group and offset administration (src/broker/broker.ts) as the Consumer Groups view, the
// reset-offsets command and Kafka clients rely on it: OffsetCommit's per-partition refusals, groups known only
// from their offsets (listed once, sorted, described Empty), lag of assigned partitions, resetOffsets (every
// spec, clamping, dry run, refusals and their messages, what a restart keeps), OffsetDelete and DeleteGroups.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Broker } from '../../../src/broker/broker';
import { FakeClock } from '../../../src/broker/clock';
import { ErrorCode, KafkaError } from '../../../src/broker/errors';
import { encodeAssignment, encodeSubscription } from '../../../src/broker/groups/consumer-protocol';
import type { BrokerEvents } from '../../../src/broker/types';

const kafkaError = (code: ErrorCode, message: RegExp) => (e: unknown) => {
  assert.ok(e instanceof KafkaError, `a KafkaError, got ${String(e)}`);
  assert.strictEqual(e.code, code, e.message);
  assert.match(e.message, message);
  return true;
};

describe('Broker: groups and offsets', () => {
  let dir: string;
  let clock: FakeClock;
  let broker: Broker;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-broker-groups-'));
    clock = new FakeClock(1_000_000);
    broker = await Broker.open({ dataDir: dir, clock, logger: () => undefined });
  });
  afterEach(async () => {
    await broker.close().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const reopen = async () => {
    await broker.close();
    broker = await Broker.open({ dataDir: dir, clock, logger: () => undefined });
  };

  /** A consumer that joined and synced `groupId`, subscribed to `topics`, assigned `assigned`. */
  const member = async (groupId: string, topics: string[], assigned: { topic: string; partitions: number[] }[]) => {
    const joining = broker.joinGroup({
      groupId,
      memberId: '',
      groupInstanceId: null,
      sessionTimeoutMs: 30000,
      rebalanceTimeoutMs: 30000,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: encodeSubscription({ topics }) }],
      clientId: 'c',
      clientHost: '127.0.0.1',
      requireKnownMemberId: false,
    });
    clock.advance(0);
    const j = await joining;
    assert.strictEqual(j.errorCode, 0);
    const s = await broker.syncGroup({
      groupId,
      generationId: j.generationId,
      memberId: j.memberId,
      groupInstanceId: null,
      protocolType: 'consumer',
      protocolName: 'range',
      assignments: [{ memberId: j.memberId, assignment: encodeAssignment({ assignedPartitions: assigned }) }],
    });
    assert.strictEqual(s.errorCode, 0);
    return j;
  };

  const commit = (groupId: string, topic: string, partition: number, offset: number, metadata: string | null = null) =>
    broker.commitOffsets(groupId, '', -1, [{ topic, partition, offset, metadata }]);

  const fill = async (topic: string, partition: number, n: number, timestamp = 1000) => {
    for (let i = 0; i < n; i++)
      await broker.produce(topic, [{ value: `v${i}`, timestamp: timestamp + i }], { partition });
  };

  describe('commitOffsets', () => {
    it('answers each partition: unknown partition (either side), metadata over 4096 bytes, stored', async () => {
      await broker.createTopic('t', 2);
      const events: BrokerEvents['offsetsCommitted'][] = [];
      broker.on('offsetsCommitted', (e) => events.push(e));
      const got = await broker.commitOffsets('g', '', -1, [
        { topic: 't', partition: -1, offset: 1, metadata: null },
        { topic: 't', partition: 2, offset: 1, metadata: null },
        { topic: 'nope', partition: 0, offset: 1, metadata: null },
        { topic: 't', partition: 0, offset: 4, metadata: 'm'.repeat(4097) },
        { topic: 't', partition: 1, offset: 5, metadata: 'm'.repeat(4096) },
      ]);
      assert.deepStrictEqual(
        got.map((r) => r.errorCode),
        [
          ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          ErrorCode.OFFSET_METADATA_TOO_LARGE,
          ErrorCode.NONE,
        ],
      );
      assert.deepStrictEqual(
        broker.fetchOffsets('g', null).map((o) => [o.topic, o.partition, o.offset]),
        [['t', 1, 5]],
      );
      assert.deepStrictEqual(
        events.map((e) => [e.groupId, e.offsets.map((o) => o.partition)]),
        [['g', [1]]],
      );
    });

    it('a commit whose every entry is refused stores nothing: the group stays unknown, no event', async () => {
      await broker.createTopic('t', 1);
      let events = 0;
      broker.on('offsetsCommitted', () => events++);
      const got = await commit('ghost', 't', 3, 1);
      assert.deepStrictEqual(
        got.map((r) => r.errorCode),
        [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      );
      assert.strictEqual(events, 0);
      assert.strictEqual(broker.groupExists('ghost'), false);
      assert.deepStrictEqual(
        broker.listGroups().map((g) => g.groupId),
        [],
      );
    });
  });

  describe('groups known from their offsets', () => {
    it('listGroups lists live and offset-only groups once each, sorted by id', async () => {
      await broker.createTopic('t', 1);
      await commit('zeta', 't', 0, 1);
      await commit('alpha', 't', 0, 1);
      await commit('mid', 't', 0, 1);
      await member('mid', ['t'], [{ topic: 't', partitions: [0] }]);
      assert.deepStrictEqual(
        broker.listGroups().map((g) => [g.groupId, g.state, g.protocolType]),
        [
          ['alpha', 'Empty', ''],
          ['mid', 'Stable', 'consumer'],
          ['zeta', 'Empty', ''],
        ],
      );
    });

    it('describeGroup: a live group with offsets keeps its state; an offset-only one is Empty; unknown is Dead', async () => {
      await broker.createTopic('t', 1);
      await commit('live', 't', 0, 1);
      await member('live', ['t'], [{ topic: 't', partitions: [0] }]);
      await commit('old', 't', 0, 1);
      const live = broker.describeGroup('live');
      assert.deepStrictEqual([live.state, live.protocolType, live.members.length], ['Stable', 'consumer', 1]);
      const old = broker.describeGroup('old');
      assert.deepStrictEqual([old.state, old.protocolType], ['Empty', '']);
      assert.strictEqual(broker.describeGroup('none').state, 'Dead');
    });

    it('groupLag counts assigned partitions from the log start and leaves out ones that do not exist', async () => {
      await broker.createTopic('t', 2);
      await fill('t', 0, 4);
      await fill('t', 1, 3);
      broker.deleteRecords('t', 1, 1);
      await commit('g', 't', 0, 1);
      await member(
        'g',
        ['t'],
        [
          { topic: 't', partitions: [0, 1, 2] },
          { topic: 'gone', partitions: [0] },
        ],
      );
      const lag = broker.groupLag('g');
      assert.deepStrictEqual(
        lag.partitions.map((p) => [p.topic, p.partition, p.committedOffset, p.lag]),
        [
          ['t', 0, 1, 3],
          ['t', 1, -1, 2],
        ],
      );
      assert.strictEqual(lag.totalLag, 5);
    });
  });

  describe('resetOffsets', () => {
    beforeEach(async () => {
      await broker.createTopic('t', 2);
      await fill('t', 0, 10, 1000);
      await fill('t', 1, 4, 5000);
      broker.deleteRecords('t', 0, 2);
    });
    const offsets = (groupId: string) =>
      broker.fetchOffsets(groupId, null).map((o) => [o.topic, o.partition, o.offset] as const);
    const row = (e: { topic: string; partition: number; offset: number }[]) =>
      e.map((x) => [x.topic, x.partition, x.offset] as const);

    it('earliest / latest / timestamp / offset / shift, clamped into [log start, log end], and stored', async () => {
      await commit('g', 't', 0, 5);
      assert.deepStrictEqual(row(await broker.resetOffsets('g', 't', 0, { kind: 'earliest' })), [['t', 0, 2]]);
      assert.deepStrictEqual(row(await broker.resetOffsets('g', 't', null, { kind: 'latest' })), [
        ['t', 0, 10],
        ['t', 1, 4],
      ]);
      assert.deepStrictEqual(row(await broker.resetOffsets('g', 't', 0, { kind: 'timestamp', timestamp: 1006 })), [
        ['t', 0, 6],
      ]);
      assert.deepStrictEqual(
        row(await broker.resetOffsets('g', 't', 0, { kind: 'timestamp', timestamp: 99_999 })),
        [['t', 0, 10]],
        'a timestamp after every record: the log end',
      );
      assert.deepStrictEqual(
        row(await broker.resetOffsets('g', 't', 0, { kind: 'timestamp', timestamp: 1 })),
        [['t', 0, 2]],
        'a timestamp before every record: the first one kept',
      );
      assert.deepStrictEqual(row(await broker.resetOffsets('g', 't', 0, { kind: 'offset', offset: 99 })), [
        ['t', 0, 10],
      ]);
      assert.deepStrictEqual(row(await broker.resetOffsets('g', 't', 0, { kind: 'offset', offset: 0 })), [['t', 0, 2]]);
      assert.deepStrictEqual(row(await broker.resetOffsets('g', 't', 0, { kind: 'offset', offset: 7 })), [['t', 0, 7]]);
      assert.deepStrictEqual(row(await broker.resetOffsets('g', 't', 0, { kind: 'shift', by: 2 })), [['t', 0, 9]]);
      assert.deepStrictEqual(row(await broker.resetOffsets('g', 't', 0, { kind: 'shift', by: -3 })), [['t', 0, 6]]);
      assert.deepStrictEqual(offsets('g'), [
        ['t', 0, 6],
        ['t', 1, 4],
      ]);
    });

    it('shift from no committed offset (or offset 0) starts at the log start', async () => {
      await commit('g', 't', 1, 0);
      assert.deepStrictEqual(row(await broker.resetOffsets('g', 't', null, { kind: 'shift', by: 1 })), [
        ['t', 0, 3],
        ['t', 1, 1],
      ]);
    });

    it('a dry run answers the new offsets and changes nothing; a real reset survives a restart', async () => {
      await commit('g', 't', 0, 5);
      await commit('g', 't', 1, 1);
      let events = 0;
      broker.on('offsetsCommitted', () => events++);
      assert.deepStrictEqual(row(await broker.resetOffsets('g', null, null, { kind: 'latest' }, { dryRun: true })), [
        ['t', 0, 10],
        ['t', 1, 4],
      ]);
      assert.strictEqual(events, 0);
      assert.deepStrictEqual(offsets('g'), [
        ['t', 0, 5],
        ['t', 1, 1],
      ]);
      await broker.resetOffsets('g', null, null, { kind: 'earliest' });
      assert.strictEqual(events, 1);
      await reopen();
      assert.deepStrictEqual(offsets('g'), [
        ['t', 0, 2],
        ['t', 1, 0],
      ]);
      const h = broker.commitHistory('g', 't', 0);
      assert.strictEqual(h[h.length - 1].memberId, 'admin:reset-offsets');
    });

    it('with no topic named, only the partitions the group committed (of topics that still exist) are reset', async () => {
      await broker.createTopic('other', 1);
      await commit('g', 't', 1, 1);
      await commit('g', 'other', 0, 0);
      await broker.deleteTopic('other');
      assert.deepStrictEqual(row(await broker.resetOffsets('g', null, null, { kind: 'latest' })), [['t', 1, 4]]);
    });

    it('refusals: a group with members, a missing topic or partition, nothing committed and no topic', async () => {
      await member('busy', ['t'], [{ topic: 't', partitions: [0] }]);
      await assert.rejects(
        broker.resetOffsets('busy', 't', 0, { kind: 'earliest' }),
        kafkaError(
          ErrorCode.NON_EMPTY_GROUP,
          /^cannot reset offsets of group "busy": it has 1 active member\(s\) \(state Stable\); stop its consumers first$/,
        ),
      );
      await assert.rejects(
        broker.resetOffsets('g', 'nope', null, { kind: 'earliest' }),
        kafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, /^there is no topic "nope"$/),
      );
      for (const p of [2, -1]) {
        await assert.rejects(
          broker.resetOffsets('g', 't', p, { kind: 'earliest' }),
          kafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, new RegExp(`^topic "t" has no partition ${p}$`)),
        );
      }
      await assert.rejects(
        broker.resetOffsets('g', null, null, { kind: 'earliest' }),
        kafkaError(ErrorCode.GROUP_ID_NOT_FOUND, /^group "g" has no committed offsets to reset; name a topic$/),
      );
      assert.deepStrictEqual(row(await broker.resetOffsets('g', 't', 1, { kind: 'latest' })), [['t', 1, 4]]);
      assert.deepStrictEqual(row(await broker.resetOffsets('g', 't', 0, { kind: 'latest' })), [['t', 0, 10]]);
    });
  });

  describe('deleteOffsets and deleteGroup', () => {
    it('OffsetDelete: an unknown group is GROUP_ID_NOT_FOUND; an offset-only group loses the named offsets', async () => {
      await broker.createTopic('t', 2);
      await assert.rejects(
        broker.deleteOffsets('none', [{ topic: 't', partition: 0 }]),
        kafkaError(ErrorCode.GROUP_ID_NOT_FOUND, /^there is no group "none"$/),
      );
      await commit('g', 't', 0, 1);
      await commit('g', 't', 1, 1);
      assert.deepStrictEqual(
        (await broker.deleteOffsets('g', [{ topic: 't', partition: 0 }])).map((r) => r.errorCode),
        [ErrorCode.NONE],
      );
      assert.deepStrictEqual(
        broker.fetchOffsets('g', null).map((o) => o.partition),
        [1],
      );
    });

    it('OffsetDelete while members subscribe: their topics are refused, other topics deleted', async () => {
      await broker.createTopic('t', 1);
      await broker.createTopic('u', 1);
      await broker.createTopic('w', 1);
      await member('g', ['t'], [{ topic: 'u', partitions: [0] }]);
      await commit('g', 'w', 0, 1);
      const got = await broker.deleteOffsets('g', [
        { topic: 't', partition: 0 },
        { topic: 'u', partition: 0 },
        { topic: 'w', partition: 0 },
      ]);
      assert.deepStrictEqual(
        got.map((r) => r.errorCode),
        [ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC, ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC, ErrorCode.NONE],
      );
    });

    it('deleteGroup: unknown refused, one with members refused, an emptied or offset-only group deleted for good', async () => {
      await broker.createTopic('t', 1);
      await assert.rejects(
        broker.deleteGroup('none'),
        kafkaError(ErrorCode.GROUP_ID_NOT_FOUND, /^there is no group "none"$/),
      );
      await commit('g', 't', 0, 1);
      const j = await member('g', ['t'], [{ topic: 't', partitions: [0] }]);
      await assert.rejects(
        broker.deleteGroup('g'),
        kafkaError(ErrorCode.NON_EMPTY_GROUP, /^cannot delete group "g": it still has active members$/),
      );
      await broker.leaveGroup('g', [{ memberId: j.memberId, groupInstanceId: null }]);
      assert.strictEqual(broker.describeGroup('g').state, 'Empty');
      const changes: BrokerEvents['groupChanged'][] = [];
      broker.on('groupChanged', (e) => changes.push(e));
      await broker.deleteGroup('g');
      assert.deepStrictEqual(changes[changes.length - 1], { groupId: 'g', state: 'Dead', generationId: 0, members: 0 });
      await commit('old', 't', 0, 1);
      await broker.deleteGroup('old');
      await reopen();
      assert.strictEqual(broker.groupExists('g'), false);
      assert.strictEqual(broker.groupExists('old'), false);
      assert.deepStrictEqual(broker.fetchOffsets('g', null), []);
    });
  });
});
