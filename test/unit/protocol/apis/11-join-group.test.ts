// JoinGroup (key 11) v9 over the wire against a real broker, frames built from Kafka's message spec: the answer
// carries the protocol type (v7+), and a static leader that rejoins a Stable group with unchanged protocols is
// answered at once with skipAssignment (v9): same generation, a new member id, the members, no rebalance.
// JoinGroup (key 11) over the wire, v0-5: a lone member becomes leader and sees itself with its metadata in
// every version; from v4 a first join without a member id is told MEMBER_ID_REQUIRED with an id to use.
import * as assert from 'assert';
import { FakeClock } from '../../../../src/broker/clock';
import { GroupWire, joinV9, stableStaticGroup, syncV5 } from './group-wire';
import { ErrorCode } from '../../../../src/broker/errors';
import type { RequestContext } from '../../../../src/protocol/apis/api';
import { joinGroup as joinGroupApi } from '../../../../src/protocol/apis/11-join-group';
import type { Wire } from './harness';
import { openWire } from './harness';
import { describeGroups, joinGroup } from './group-frames';

describe('JoinGroup API: v9 (reason, protocol type, skipAssignment)', () => {
  let wire: GroupWire;
  beforeEach(async () => {
    wire = await GroupWire.open();
  });
  afterEach(() => wire.close());

  it('a first v9 join (with a reason) answers the protocol type and name and makes the member leader', async () => {
    const first = await joinV9(wire, 'g', '', null, { reason: 'starting up' });
    assert.strictEqual(first.errorCode, 79, 'MEMBER_ID_REQUIRED: join again with the given id');
    const joined = await joinV9(wire, 'g', first.memberId, null, { reason: 'rejoin with the member id' });
    assert.deepStrictEqual(
      [joined.errorCode, joined.generationId, joined.protocolType, joined.protocolName, joined.skipAssignment],
      [0, 1, 'consumer', 'range', false],
    );
    assert.strictEqual(joined.leader, joined.memberId);
    assert.deepStrictEqual(
      joined.members.map((m) => m.memberId),
      [joined.memberId],
    );
  });

  it('a static leader rejoining a Stable group is told to skip the assignment and keeps the group assignment', async () => {
    const before = await stableStaticGroup(wire, 'sg', Buffer.from('plan-1'));
    const again = await joinV9(wire, 'sg', '', 'i1', { reason: 'restarted' });
    assert.strictEqual(again.errorCode, 0);
    assert.strictEqual(again.skipAssignment, true);
    assert.strictEqual(again.generationId, before.generationId, 'no rebalance');
    assert.notStrictEqual(again.memberId, before.memberId, 'the restarted instance gets a new member id');
    assert.strictEqual(again.leader, again.memberId);
    assert.deepStrictEqual(
      again.members.map((m) => [m.memberId, m.groupInstanceId]),
      [[again.memberId, 'i1']],
    );
    // the leader skips the assignor and syncs with no plan: it gets the assignment the group already has
    const [code, , , assignment] = await syncV5(wire, 'sg', again.generationId, again.memberId, [], {
      groupInstanceId: 'i1',
    });
    assert.strictEqual(code, 0);
    assert.strictEqual(assignment.toString(), 'plan-1');
    assert.strictEqual(wire.broker.describeGroup('sg').state, 'Stable');
  });
});

describe('JoinGroup (key 11) over the wire', () => {
  let wire: Wire;
  beforeEach(async () => (wire = await openWire()));
  afterEach(async () => wire.close());

  it('in every version v0-5 a lone member is the leader, gets the chosen protocol and sees its own metadata', async () => {
    for (let v = 0; v <= 5; v++) {
      const groupId = `g${v}`;
      let j = await joinGroup(wire, v, {
        groupId,
        instanceId: null,
        protocols: [
          ['roundrobin', `meta-${v}`],
          ['range', 'other'],
        ],
      });
      if (v >= 4) {
        assert.strictEqual(j.errorCode, ErrorCode.MEMBER_ID_REQUIRED, `v${v} first join`);
        assert.ok(j.memberId.length > 0, 'an id to join with');
        assert.strictEqual(j.generationId, -1);
        assert.deepStrictEqual(j.members, []);
        j = await joinGroup(wire, v, { groupId, memberId: j.memberId, protocols: [['roundrobin', `meta-${v}`]] });
      }
      assert.strictEqual(j.errorCode, 0, `v${v}`);
      assert.strictEqual(j.generationId, 1, `v${v} generation`);
      assert.strictEqual(j.protocolName, 'roundrobin');
      assert.strictEqual(j.leader, j.memberId);
      assert.deepStrictEqual(j.members, [{ memberId: j.memberId, groupInstanceId: null, metadata: `meta-${v}` }]);
    }
  });

  it('the member is recorded with the client id and a "/"-prefixed client address', async () => {
    const j = await joinGroup(wire, 1, { groupId: 'who' });
    const [d] = await describeGroups(wire, 0, ['who']);
    assert.strictEqual(d.members[0].memberId, j.memberId);
    assert.strictEqual(d.members[0].clientId, 'test-client');
    assert.strictEqual(d.members[0].clientHost, '/127.0.0.1');
  });

  it('a join with an unknown member id is refused with UNKNOWN_MEMBER_ID and echoes the id it was sent', async () => {
    await joinGroup(wire, 1, { groupId: 'known' });
    const j = await joinGroup(wire, 1, { groupId: 'known', memberId: 'stranger' });
    assert.strictEqual(j.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    assert.strictEqual(j.memberId, 'stranger');
    assert.strictEqual(j.generationId, -1);
    assert.strictEqual(j.protocolName, '', 'v1 has no null protocol name: an empty one');
  });
});

describe('JoinGroup API: a refused join names no protocol, as null from v7 and "" before', () => {
  let wire: GroupWire;
  beforeEach(async () => (wire = await GroupWire.open()));
  afterEach(() => wire.close());

  const ctxAt = (apiVersion: number): RequestContext => ({
    broker: wire.broker,
    cluster: { nodeId: 1, host: '127.0.0.1', port: 9092, clusterId: 'test' },
    apiVersion,
    clientId: 'join-test',
    clientHost: '127.0.0.1',
    connectionId: 1,
    log: () => undefined,
    onClose: () => () => undefined,
  });
  const join = async (apiVersion: number, memberId: string) =>
    (await joinGroupApi.handle(ctxAt(apiVersion), {
      groupId: 'g',
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 10_000,
      memberId,
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.from('m') }],
      reason: null,
    }))!;

  it('an unknown member id (the engine refuses) and an engine failure (the handler refuses) at v6 and v7', async () => {
    for (const [version, name] of [
      [6, ''],
      [7, null],
    ] as const) {
      const refused = await join(version, 'stranger');
      assert.deepStrictEqual(
        [refused.errorCode, refused.protocolName],
        [ErrorCode.UNKNOWN_MEMBER_ID, name],
        `v${version}`,
      );
    }
    wire.failEngine('joinGroup');
    for (const [version, name] of [
      [6, ''],
      [7, null],
    ] as const) {
      const failed = await join(version, 'm');
      assert.deepStrictEqual([failed.errorCode, failed.protocolName], [-1, name], `v${version} failure`);
    }
  });
});

describe('JoinGroup API: the reason a client gives (v8+)', () => {
  let wire: GroupWire;
  beforeEach(async () => (wire = await GroupWire.open()));
  afterEach(() => wire.close());

  it('is logged with the group and the member, or "a new member" before it has an id', async () => {
    await joinV9(wire, 'g1', '', 'i1', { reason: 'rebalance needed' });
    await joinV9(wire, 'g2', '', null, { reason: 'first join' });
    await joinV9(wire, 'g2', 'm-7', null, { reason: 'again' });
    await joinV9(wire, 'g3', '', null);
    assert.deepStrictEqual(
      wire.logs.filter((l) => l.startsWith('info group')),
      [
        'info group "g1": a new member joins: rebalance needed',
        'info group "g2": a new member joins: first join',
        'info group "g2": m-7 joins: again',
      ],
    );
  });
});

describe('JoinGroup API: an unexpected engine failure', () => {
  let wire: GroupWire;
  beforeEach(async () => (wire = await GroupWire.open()));
  afterEach(() => wire.close());

  /** The failure is logged as an error naming the request and what went wrong. */
  const logged = (what: string, message: string) =>
    assert.ok(
      wire.logs.some((l) => l.startsWith('error ') && l.includes(what) && l.includes(message)),
      `an error log names ${what}: ${wire.logs.join(' | ')}`,
    );

  it('is answered UNKNOWN_SERVER_ERROR (-1), generation -1, no leader or members, the member id echoed', async () => {
    const message = wire.failEngine('joinGroup');
    const a = await joinV9(wire, 'g', 'm-1', null);
    assert.deepStrictEqual(a, {
      errorCode: ErrorCode.UNKNOWN_SERVER_ERROR,
      generationId: -1,
      protocolType: null,
      protocolName: null,
      leader: '',
      skipAssignment: false,
      memberId: 'm-1',
      members: [],
    });
    logged('JoinGroup "g"', message);
  });
});

describe('JoinGroup API: the rebalance timeout the client sends (v1+)', () => {
  let wire: GroupWire;
  const clock = new FakeClock();
  beforeEach(async () => (wire = await GroupWire.open({ clock, initialRebalanceDelayMs: 0 })));
  afterEach(() => wire.close());

  async function heartbeat(memberId: string, generation: number): Promise<number> {
    const d = await wire.call(12, 4, true, (e) => e.str('g').i32(generation).str(memberId).nstr('i1').tags());
    d.i32();
    const code = d.i16();
    d.tags();
    return code;
  }

  it('a member that keeps heartbeating has its rebalance timeout (60 s), not its session timeout (30 s), to rejoin', async () => {
    const a = await stableStaticGroup(wire, 'g');
    const other = await wire.connect();
    let bAnswer: Awaited<ReturnType<typeof joinV9>> | undefined;
    const bJoin = joinV9(wire, 'g', '', 'i2', { client: other }).then((r) => (bAnswer = r));
    for (let i = 0; i < 1000 && wire.broker.describeGroup('g').state !== 'PreparingRebalance'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    assert.strictEqual(wire.broker.describeGroup('g').state, 'PreparingRebalance', 'the new member asked to join');
    // 45 s of heartbeats: past the 30 s session timeout, within the 60 s rebalance timeout
    for (let t = 0; t < 45_000; t += 5_000) {
      clock.advance(5_000);
      assert.strictEqual(
        await heartbeat(a.memberId, a.generationId),
        ErrorCode.REBALANCE_IN_PROGRESS,
        `at ${t + 5_000} ms`,
      );
    }
    assert.strictEqual(bAnswer, undefined, 'the new member still waits for the old one to rejoin');
    const aAgain = await joinV9(wire, 'g', a.memberId, 'i1');
    const b = await bJoin;
    assert.deepStrictEqual(
      [aAgain.errorCode, aAgain.generationId, aAgain.members.length],
      [0, a.generationId + 1, 2],
      'the old member rejoined in time and leads the new generation',
    );
    assert.deepStrictEqual([b.errorCode, b.generationId], [0, a.generationId + 1]);
    other.end();
  });
});
