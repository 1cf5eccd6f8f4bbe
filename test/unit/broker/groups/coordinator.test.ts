import * as assert from 'assert';
import { ErrorCode } from '../../../../src/broker/errors';
import {
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
} from '../../../../src/broker/groups/consumer-protocol';
import { harness, joinNew, joinRequest, settle, track } from './helpers';

const assignmentOf = (topic: string, partitions: number[]) =>
  encodeAssignment({ assignedPartitions: [{ topic, partitions }] });

describe('group coordinator: joining', () => {
  it('a first join with an empty member id gets MEMBER_ID_REQUIRED and an id made of the client id and a uuid', async () => {
    const { coord } = harness();
    const r = await coord.join(joinRequest({ clientId: 'app-1' }));
    assert.strictEqual(r.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
    assert.match(r.memberId, /^app-1-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const again = await coord.join(joinRequest({ clientId: 'app-1', memberId: r.memberId }));
    assert.strictEqual(again.errorCode, ErrorCode.NONE);
    assert.strictEqual(again.memberId, r.memberId);
    assert.strictEqual(again.generationId, 1);
    assert.strictEqual(again.leader, r.memberId);
  });

  it('a join without requireKnownMemberId (JoinGroup v0-3) is admitted at once with a generated id', async () => {
    const { coord } = harness();
    const r = await coord.join(joinRequest({ requireKnownMemberId: false }));
    assert.strictEqual(r.errorCode, ErrorCode.NONE);
    assert.ok(r.memberId.startsWith('client-'));
  });

  it('the single member is leader and gets its own subscription back with the chosen protocol', async () => {
    const { coord } = harness();
    const meta = encodeSubscription({ topics: ['orders', 'payments'] });
    const { memberId, result } = await joinNew(coord, { protocols: [{ name: 'roundrobin', metadata: meta }] });
    const r = await result;
    assert.strictEqual(r.protocolName, 'roundrobin');
    assert.strictEqual(r.protocolType, 'consumer');
    assert.deepStrictEqual(
      r.members.map((m) => m.memberId),
      [memberId],
    );
    assert.deepStrictEqual(decodeSubscription(r.members[0].metadata).topics, ['orders', 'payments']);
  });

  it('joining with a member id the group never issued gets UNKNOWN_MEMBER_ID', async () => {
    const { coord } = harness();
    await (
      await joinNew(coord)
    ).result;
    const r = await coord.join(joinRequest({ memberId: 'ghost-1' }));
    assert.strictEqual(r.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    const r2 = await coord.join(joinRequest({ groupId: 'never-seen', memberId: 'ghost-2' }));
    assert.strictEqual(r2.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('a session timeout outside 1..3600000 ms gets INVALID_SESSION_TIMEOUT and no group is created', async () => {
    const { coord } = harness();
    for (const sessionTimeoutMs of [0, -5, 3_600_001]) {
      const r = await coord.join(joinRequest({ sessionTimeoutMs }));
      assert.strictEqual(r.errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
    }
    assert.deepStrictEqual(coord.list(), []);
  });

  it('an empty group id gets INVALID_GROUP_ID', async () => {
    const { coord } = harness();
    assert.strictEqual((await coord.join(joinRequest({ groupId: '' }))).errorCode, ErrorCode.INVALID_GROUP_ID);
  });

  it('three members: the leader gets all three subscriptions, followers get none and park in SyncGroup until the leader assigns', async () => {
    const { coord, clock } = harness(100);
    const a = await joinNew(coord, { clientId: 'a' });
    const b = await joinNew(coord, { clientId: 'b' });
    const c = await joinNew(coord, { clientId: 'c' });
    clock.advance(200); // the delay, then once more because members arrived during it
    const [ra, rb, rc] = await Promise.all([a.result, b.result, c.result]);
    for (const r of [ra, rb, rc]) {
      assert.strictEqual(r.errorCode, ErrorCode.NONE);
      assert.strictEqual(r.generationId, 1);
      assert.strictEqual(r.leader, a.memberId);
    }
    assert.deepStrictEqual(ra.members.map((m) => m.memberId).sort(), [a.memberId, b.memberId, c.memberId].sort());
    assert.deepStrictEqual(rb.members, []);
    assert.deepStrictEqual(rc.members, []);
    assert.strictEqual(coord.describe('g').state, 'CompletingRebalance');

    const sb = track(
      coord.sync({
        groupId: 'g',
        generationId: 1,
        memberId: b.memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocolName: 'range',
        assignments: [],
      }),
    );
    const sc = track(
      coord.sync({
        groupId: 'g',
        generationId: 1,
        memberId: c.memberId,
        groupInstanceId: null,
        protocolType: null,
        protocolName: null,
        assignments: [],
      }),
    );
    await settle();
    assert.strictEqual(sb.done(), false, 'a follower waits for the leader');
    const la = await coord.sync({
      groupId: 'g',
      generationId: 1,
      memberId: a.memberId,
      groupInstanceId: null,
      protocolType: 'consumer',
      protocolName: 'range',
      assignments: [
        { memberId: a.memberId, assignment: assignmentOf('t', [0]) },
        { memberId: b.memberId, assignment: assignmentOf('t', [1, 2]) },
      ],
    });
    await settle();
    assert.strictEqual(la.errorCode, ErrorCode.NONE);
    assert.deepStrictEqual(la.assignment, assignmentOf('t', [0]));
    assert.deepStrictEqual(sb.value()!.assignment, assignmentOf('t', [1, 2]));
    assert.strictEqual(sc.value()!.errorCode, ErrorCode.NONE);
    assert.strictEqual(sc.value()!.assignment.length, 0, 'a member the leader left out gets an empty assignment');
    const d = coord.describe('g');
    assert.strictEqual(d.state, 'Stable');
    const byId = new Map(d.members.map((m) => [m.memberId, m]));
    assert.deepStrictEqual(byId.get(b.memberId)!.assignedPartitions, [{ topic: 't', partitions: [1, 2] }]);
    assert.deepStrictEqual(byId.get(c.memberId)!.assignedPartitions, []);
    assert.strictEqual(byId.get(a.memberId)!.clientId, 'a');
    assert.strictEqual(byId.get(a.memberId)!.clientHost, '/127.0.0.1');
    // A sync in the Stable state answers the stored assignment again.
    const again = await coord.sync({
      groupId: 'g',
      generationId: 1,
      memberId: b.memberId,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [],
    });
    assert.deepStrictEqual(again.assignment, assignmentOf('t', [1, 2]));
  });

  it('the first rebalance of an empty group waits initialRebalanceDelayMs and takes in members that arrive meanwhile', async () => {
    const h = harness(3000);
    const a = await joinNew(h.coord);
    const ta = track(a.result);
    h.clock.advance(2000);
    await settle();
    assert.strictEqual(ta.done(), false);
    const b = await joinNew(h.coord);
    h.clock.advance(1000);
    await settle();
    assert.strictEqual(ta.done(), false, 'a new member during the delay extends it');
    h.clock.advance(3000);
    const [ra, rb] = await Promise.all([a.result, b.result]);
    assert.strictEqual(ra.generationId, 1);
    assert.strictEqual(rb.generationId, 1);
    assert.strictEqual(ra.members.length, 2);
  });

  it('chooses the protocol every member supports, the one most members prefer', async () => {
    const { coord, clock } = harness(10);
    const meta = encodeSubscription({ topics: ['t'] });
    const p = (...names: string[]) => names.map((name) => ({ name, metadata: meta }));
    const a = await joinNew(coord, { protocols: p('range', 'roundrobin') });
    const b = await joinNew(coord, { protocols: p('roundrobin', 'range', 'cooperative-sticky') });
    const c = await joinNew(coord, { protocols: p('roundrobin', 'range') });
    clock.advance(20);
    const [ra] = await Promise.all([a.result, b.result, c.result]);
    assert.strictEqual(ra.protocolName, 'roundrobin');
  });

  it('a member with no protocol in common with the group gets INCONSISTENT_GROUP_PROTOCOL; so does a different protocol type', async () => {
    const { coord } = harness();
    await (
      await joinNew(coord)
    ).result;
    const meta = encodeSubscription({ topics: ['t'] });
    const r = await coord.join(joinRequest({ protocols: [{ name: 'sticky', metadata: meta }] }));
    assert.strictEqual(r.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const r2 = await coord.join(joinRequest({ protocolType: 'connect' }));
    assert.strictEqual(r2.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const r3 = await coord.join(joinRequest({ groupId: 'other', protocols: [] }));
    assert.strictEqual(r3.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  });
});

describe('group coordinator: rebalancing, heartbeats and leaving', () => {
  /** Build a stable group of n members directly: all join during the initial delay, leader assigns partition i to member i. */
  async function stable(n: number, opts: { sessionTimeoutMs?: number; rebalanceTimeoutMs?: number } = {}) {
    const h = harness(50);
    const joins = [];
    for (let i = 0; i < n; i++) joins.push(await joinNew(h.coord, { clientId: `m${i}`, ...opts }));
    h.clock.advance(100);
    const results = await Promise.all(joins.map((j) => j.result));
    const leader = results[0].leader;
    const gen = results[0].generationId;
    const ids = joins.map((j) => j.memberId);
    const syncs = ids.map((id) =>
      h.coord.sync({
        groupId: 'g',
        generationId: gen,
        memberId: id,
        groupInstanceId: null,
        protocolType: null,
        protocolName: null,
        assignments: id === leader ? ids.map((m, i) => ({ memberId: m, assignment: assignmentOf('t', [i]) })) : [],
      }),
    );
    await Promise.all(syncs);
    assert.strictEqual(h.coord.describe('g').state, 'Stable');
    return { ...h, ids, gen, leader };
  }

  it('a new member joining a stable group starts a rebalance: heartbeats answer REBALANCE_IN_PROGRESS and the join completes when everyone rejoined', async () => {
    const h = await stable(2);
    const c = await joinNew(h.coord, { clientId: 'late' });
    const tc = track(c.result);
    await settle();
    assert.strictEqual(h.coord.describe('g').state, 'PreparingRebalance');
    assert.strictEqual(tc.done(), false);
    assert.strictEqual(h.coord.heartbeat('g', h.gen, h.ids[0]).errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
    const r0 = h.coord.join(joinRequest({ memberId: h.ids[0], clientId: 'm0' }));
    await settle();
    assert.strictEqual(tc.done(), false, 'still waiting for the second old member');
    const r1 = h.coord.join(joinRequest({ memberId: h.ids[1], clientId: 'm1' }));
    const [a, b, cc] = await Promise.all([r0, r1, c.result]);
    for (const r of [a, b, cc]) assert.strictEqual(r.generationId, h.gen + 1);
    assert.strictEqual(a.members.length, 3, 'the leader stays the leader and sees all three');
  });

  it('a member that does not rejoin within the rebalance timeout is removed and the rest move on', async () => {
    const h = await stable(3, { rebalanceTimeoutMs: 5000 });
    assert.strictEqual(h.coord.leave('g', [{ memberId: h.ids[2], groupInstanceId: null }]).errorCode, ErrorCode.NONE);
    const r0 = track(h.coord.join(joinRequest({ memberId: h.ids[0], rebalanceTimeoutMs: 5000 })));
    h.clock.advance(4999);
    await settle();
    assert.strictEqual(r0.done(), false);
    h.clock.advance(1);
    await settle();
    assert.strictEqual(r0.value()!.errorCode, ErrorCode.NONE);
    assert.strictEqual(r0.value()!.generationId, h.gen + 1);
    assert.deepStrictEqual(
      r0.value()!.members.map((m) => m.memberId),
      [h.ids[0]],
    );
    assert.strictEqual(h.coord.heartbeat('g', h.gen + 1, h.ids[1]).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('a member silent past its session timeout is removed and the group rebalances; heartbeats keep the others alive', async () => {
    const h = await stable(2, { sessionTimeoutMs: 10_000 });
    for (let t = 0; t < 3; t++) {
      h.clock.advance(3000);
      assert.strictEqual(h.coord.heartbeat('g', h.gen, h.ids[0]).errorCode, ErrorCode.NONE);
    }
    assert.strictEqual(h.coord.describe('g').members.length, 2);
    h.clock.advance(3000);
    // 12 s passed: ids[1] never heartbeated and is gone.
    assert.strictEqual(h.coord.heartbeat('g', h.gen, h.ids[0]).errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
    assert.deepStrictEqual(
      h.coord.describe('g').members.map((m) => m.memberId),
      [h.ids[0]],
    );
    const r = await h.coord.join(joinRequest({ memberId: h.ids[0] }));
    assert.strictEqual(r.generationId, h.gen + 1);
    assert.strictEqual(r.leader, h.ids[0]);
    assert.ok(h.events.some((e) => e.payload.state === 'PreparingRebalance' && e.payload.members === 1));
  });

  it('when the leader dies, followers parked in SyncGroup are told REBALANCE_IN_PROGRESS and a new leader is chosen', async () => {
    const h = harness(20);
    const a = await joinNew(h.coord, { sessionTimeoutMs: 1000 });
    const b = await joinNew(h.coord, { sessionTimeoutMs: 5000 });
    h.clock.advance(40);
    const [ra] = await Promise.all([a.result, b.result]);
    const sb = track(
      h.coord.sync({
        groupId: 'g',
        generationId: ra.generationId,
        memberId: b.memberId,
        groupInstanceId: null,
        protocolType: null,
        protocolName: null,
        assignments: [],
      }),
    );
    h.clock.advance(1000); // the leader never syncs nor heartbeats
    await settle();
    assert.strictEqual(sb.value()!.errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
    const rb = await h.coord.join(joinRequest({ memberId: b.memberId, sessionTimeoutMs: 5000 }));
    assert.strictEqual(rb.errorCode, ErrorCode.NONE);
    assert.strictEqual(rb.leader, b.memberId);
    assert.strictEqual(rb.members.length, 1);
  });

  it('leaving triggers a rebalance; the last member leaving leaves the group Empty with its generation bumped', async () => {
    const h = await stable(2);
    h.coord.leave('g', [{ memberId: h.ids[1], groupInstanceId: null }]);
    assert.strictEqual(h.coord.describe('g').state, 'PreparingRebalance');
    const r = await h.coord.join(joinRequest({ memberId: h.ids[0] }));
    assert.strictEqual(r.generationId, h.gen + 1);
    const out = h.coord.leave('g', [{ memberId: h.ids[0], groupInstanceId: null }]);
    assert.deepStrictEqual(
      out.members.map((m) => m.errorCode),
      [ErrorCode.NONE],
    );
    // Leaving in CompletingRebalance starts another rebalance that finds nobody.
    await settle();
    const d = h.coord.describe('g');
    assert.strictEqual(d.state, 'Empty');
    assert.strictEqual(d.members.length, 0);
    assert.strictEqual(h.coord.hasActiveMembers('g'), false);
    assert.deepStrictEqual(h.coord.list(), [{ groupId: 'g', protocolType: 'consumer', state: 'Empty' }]);
  });

  it('leave of an unknown member is answered per member with UNKNOWN_MEMBER_ID', async () => {
    const h = await stable(1);
    const out = h.coord.leave('g', [
      { memberId: 'nobody', groupInstanceId: null },
      { memberId: h.ids[0], groupInstanceId: null },
    ]);
    assert.strictEqual(out.errorCode, ErrorCode.NONE);
    assert.deepStrictEqual(
      out.members.map((m) => m.errorCode),
      [ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.NONE],
    );
    const unknownGroup = h.coord.leave('nope', [{ memberId: 'x', groupInstanceId: null }]);
    assert.strictEqual(unknownGroup.errorCode, ErrorCode.NONE);
    assert.deepStrictEqual(
      unknownGroup.members.map((m) => m.errorCode),
      [ErrorCode.UNKNOWN_MEMBER_ID],
    );
  });

  it('stale generations and unknown members get ILLEGAL_GENERATION and UNKNOWN_MEMBER_ID', async () => {
    const h = await stable(2);
    assert.strictEqual(h.coord.heartbeat('g', h.gen - 1, h.ids[0]).errorCode, ErrorCode.ILLEGAL_GENERATION);
    assert.strictEqual(h.coord.heartbeat('g', h.gen, 'who').errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    assert.strictEqual(h.coord.heartbeat('nogroup', 1, 'who').errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    const sync = (generationId: number, memberId: string) =>
      h.coord.sync({
        groupId: 'g',
        generationId,
        memberId,
        groupInstanceId: null,
        protocolType: null,
        protocolName: null,
        assignments: [],
      });
    assert.strictEqual((await sync(h.gen + 5, h.ids[0])).errorCode, ErrorCode.ILLEGAL_GENERATION);
    assert.strictEqual((await sync(h.gen, 'who')).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    const wrongProtocol = await h.coord.sync({
      groupId: 'g',
      generationId: h.gen,
      memberId: h.ids[0],
      groupInstanceId: null,
      protocolType: 'consumer',
      protocolName: 'roundrobin',
      assignments: [],
    });
    assert.strictEqual(wrongProtocol.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    // During a rebalance a SyncGroup is told to rejoin.
    h.coord.leave('g', [{ memberId: h.ids[1], groupInstanceId: null }]);
    assert.strictEqual((await sync(h.gen, h.ids[0])).errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
  });

  it('a follower rejoining a stable group with unchanged metadata gets the current generation without a rebalance', async () => {
    const h = await stable(2);
    const r = await h.coord.join(joinRequest({ memberId: h.ids[1], clientId: 'm1' }));
    assert.strictEqual(r.errorCode, ErrorCode.NONE);
    assert.strictEqual(r.generationId, h.gen);
    assert.strictEqual(h.coord.describe('g').state, 'Stable');
  });

  it('validates commits the way Kafka does', async () => {
    const h = await stable(2);
    assert.strictEqual(h.coord.validateCommit('g', h.gen, h.ids[0]), ErrorCode.NONE);
    assert.strictEqual(
      h.coord.validateCommit('g', -1, ''),
      ErrorCode.UNKNOWN_MEMBER_ID,
      'a simple commit into a group with members',
    );
    assert.strictEqual(h.coord.validateCommit('g', h.gen, 'who'), ErrorCode.UNKNOWN_MEMBER_ID);
    assert.strictEqual(h.coord.validateCommit('g', h.gen - 1, h.ids[0]), ErrorCode.ILLEGAL_GENERATION);
    assert.strictEqual(
      h.coord.validateCommit('unknown', -1, ''),
      ErrorCode.NONE,
      'a simple commit to an unknown group',
    );
    assert.strictEqual(h.coord.validateCommit('unknown', 3, 'm'), ErrorCode.ILLEGAL_GENERATION);
    h.coord.leave('g', [{ memberId: h.ids[1], groupInstanceId: null }]);
    assert.strictEqual(
      h.coord.validateCommit('g', h.gen, h.ids[0]),
      ErrorCode.NONE,
      'the current generation may commit while preparing',
    );
    const rejoin = await h.coord.join(joinRequest({ memberId: h.ids[0] }));
    assert.strictEqual(
      h.coord.validateCommit('g', rejoin.generationId, h.ids[0]),
      ErrorCode.REBALANCE_IN_PROGRESS,
      'not between join and sync',
    );
    h.coord.leave('g', [{ memberId: h.ids[0], groupInstanceId: null }]);
    await settle();
    assert.strictEqual(h.coord.validateCommit('g', -1, ''), ErrorCode.NONE, 'a simple commit once the group is empty');
  });

  it('delete is refused while the group has members and succeeds once it is empty', async () => {
    const h = await stable(1);
    assert.strictEqual(h.coord.deleteGroup('g'), ErrorCode.NON_EMPTY_GROUP);
    assert.strictEqual(h.coord.deleteGroup('nope'), ErrorCode.GROUP_ID_NOT_FOUND);
    h.coord.leave('g', [{ memberId: h.ids[0], groupInstanceId: null }]);
    assert.strictEqual(h.coord.deleteGroup('g'), ErrorCode.NONE);
    assert.deepStrictEqual(h.coord.list(), []);
    assert.strictEqual(h.coord.describe('g').state, 'Dead');
  });

  it('emits groupChanged on each transition with state, generation and member count', async () => {
    const h = await stable(2);
    const states = h.events
      .filter((e) => e.event === 'groupChanged')
      .map((e) => `${e.payload.state}/${e.payload.generationId}/${e.payload.members}`);
    assert.deepStrictEqual(states, ['PreparingRebalance/0/1', 'CompletingRebalance/1/2', 'Stable/1/2']);
  });

  it('close fails parked joins and syncs with COORDINATOR_NOT_AVAILABLE and leaves no timer behind', async () => {
    const h = harness(1000);
    const a = await joinNew(h.coord);
    h.coord.close();
    assert.strictEqual((await a.result).errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    assert.strictEqual(h.clock.pendingTimers(), 0);
    assert.strictEqual((await h.coord.join(joinRequest())).errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
  });
});

describe('group coordinator: static membership (group.instance.id)', () => {
  /** Two static members joined and synced (Stable): a leader "a" owning p0 and a follower "b" owning p1. */
  async function stableStaticPair() {
    const h = harness(100);
    const { coord } = h;
    const ja = coord.join(joinRequest({ groupInstanceId: 'a', clientId: 'a' }));
    const jb = coord.join(joinRequest({ groupInstanceId: 'b', clientId: 'b' }));
    h.clock.advance(100); // the initial rebalance delay, then once more because b arrived during it
    h.clock.advance(100);
    const [ra, rb] = await Promise.all([ja, jb]);
    assert.strictEqual(ra.errorCode, ErrorCode.NONE, 'a static member joins without MEMBER_ID_REQUIRED');
    assert.strictEqual(rb.errorCode, ErrorCode.NONE);
    const leader = ra.leader === ra.memberId ? ra : rb;
    const follower = leader === ra ? rb : ra;
    const plan = [
      { memberId: leader.memberId, assignment: assignmentOf('t', [0]) },
      { memberId: follower.memberId, assignment: assignmentOf('t', [1]) },
    ];
    const base = { groupId: 'g', generationId: ra.generationId, protocolType: 'consumer', protocolName: 'range' };
    const [sl, sf] = await Promise.all([
      coord.sync({ ...base, memberId: leader.memberId, groupInstanceId: null, assignments: plan }),
      coord.sync({ ...base, memberId: follower.memberId, groupInstanceId: null, assignments: [] }),
    ]);
    assert.strictEqual(sl.errorCode, ErrorCode.NONE);
    assert.strictEqual(sf.errorCode, ErrorCode.NONE);
    return { ...h, ra, rb, generation: ra.generationId };
  }

  it('a restarted static member (empty member id, same instance id) takes its old place: same generation, no rebalance', async () => {
    const { coord, ra, rb, generation } = await stableStaticPair();
    const again = await coord.join(joinRequest({ groupInstanceId: 'b', clientId: 'b' }));
    assert.strictEqual(again.errorCode, ErrorCode.NONE);
    assert.notStrictEqual(again.memberId, rb.memberId, 'a new member id');
    assert.strictEqual(again.generationId, generation, 'the generation did not move');
    assert.strictEqual(coord.describe('g').state, 'Stable');
    const s = await coord.sync({
      groupId: 'g',
      generationId: generation,
      memberId: again.memberId,
      groupInstanceId: 'b',
      protocolType: 'consumer',
      protocolName: 'range',
      assignments: [],
    });
    assert.deepStrictEqual(s.assignment, ra.leader === ra.memberId ? assignmentOf('t', [1]) : assignmentOf('t', [0]));
    // the other member keeps heartbeating in the same generation: nothing happened to it
    assert.strictEqual(coord.heartbeat('g', generation, ra.memberId).errorCode, ErrorCode.NONE);
    const members = coord
      .describe('g')
      .members.map((m) => m.groupInstanceId)
      .sort();
    assert.deepStrictEqual(members, ['a', 'b']);
  });

  it('the replaced member id is fenced: its heartbeat is refused and a join with it gets FENCED_INSTANCE_ID', async () => {
    const { coord, rb, generation } = await stableStaticPair();
    await coord.join(joinRequest({ groupInstanceId: 'b', clientId: 'b' }));
    assert.strictEqual(coord.heartbeat('g', generation, rb.memberId).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    const stale = await coord.join(joinRequest({ groupInstanceId: 'b', memberId: rb.memberId }));
    assert.strictEqual(stale.errorCode, ErrorCode.FENCED_INSTANCE_ID);
  });

  it("a restarted static member that supports none of the other members' protocols gets INCONSISTENT_GROUP_PROTOCOL", async () => {
    const { coord, generation } = await stableStaticPair();
    const r = await coord.join(
      joinRequest({
        groupInstanceId: 'b',
        protocols: [{ name: 'roundrobin', metadata: encodeSubscription({ topics: ['t'] }) }],
      }),
    );
    assert.deepStrictEqual([r.errorCode, r.memberId], [ErrorCode.INCONSISTENT_GROUP_PROTOCOL, ''], 'and no member id');
    assert.strictEqual(coord.describe('g').state, 'Stable');
    assert.strictEqual(coord.describe('g').generationId, generation);
  });

  it('a lone static member that comes back with another assignor makes the group rebalance onto it', async () => {
    const { coord } = harness();
    const first = await coord.join(joinRequest({ groupInstanceId: 'solo' }));
    await coord.sync({
      groupId: 'g',
      generationId: first.generationId,
      memberId: first.memberId,
      groupInstanceId: 'solo',
      protocolType: 'consumer',
      protocolName: 'range',
      assignments: [{ memberId: first.memberId, assignment: assignmentOf('t', [0]) }],
    });
    const again = await coord.join(
      joinRequest({
        groupInstanceId: 'solo',
        protocols: [{ name: 'roundrobin', metadata: encodeSubscription({ topics: ['t'] }) }],
      }),
    );
    assert.strictEqual(again.errorCode, ErrorCode.NONE);
    assert.strictEqual(again.generationId, first.generationId + 1, 'a new generation');
    assert.strictEqual(again.protocolName, 'roundrobin');
  });

  it('LeaveGroup by instance id (member id empty) removes that static member', async () => {
    const { coord } = await stableStaticPair();
    const r = coord.leave('g', [{ memberId: '', groupInstanceId: 'a' }]);
    assert.strictEqual(r.errorCode, ErrorCode.NONE);
    assert.deepStrictEqual(
      coord.describe('g').members.map((m) => m.groupInstanceId),
      ['b'],
    );
  });
});

describe('group coordinator: what describe, list, delete and a closed coordinator answer', () => {
  it('describe names the protocol only once it is chosen, and gives each member the metadata of that protocol', async () => {
    const h = harness(100);
    const sub = (topic: string) => encodeSubscription({ topics: [topic] });
    const a = await joinNew(h.coord, {
      clientId: 'a',
      protocols: [
        { name: 'roundrobin', metadata: sub('rr') },
        { name: 'range', metadata: sub('range') },
      ],
    });
    const during = h.coord.describe('g');
    assert.deepStrictEqual(
      [during.state, during.protocol, during.protocolType],
      ['PreparingRebalance', '', 'consumer'],
    );
    assert.deepStrictEqual(decodeSubscription(during.members[0].metadata).topics, ['rr'], 'before a choice: the first');
    h.clock.advance(100);
    const joined = await a.result;
    assert.strictEqual(joined.protocolName, 'roundrobin');
    const completing = h.coord.describe('g');
    assert.deepStrictEqual([completing.state, completing.protocol], ['CompletingRebalance', 'roundrobin']);
    assert.deepStrictEqual(completing.members[0].assignedPartitions, [], 'nothing assigned yet');
  });

  it("describe decodes a consumer assignment into partitions, and leaves another protocol type's bytes undecoded", async () => {
    for (const protocolType of ['consumer', 'connect']) {
      const h = harness(0);
      const a = await joinNew(h.coord, { protocolType });
      h.clock.advance(0);
      const j = await a.result;
      const assignment = assignmentOf('t', [0, 2]);
      await h.coord.sync({
        groupId: 'g',
        generationId: j.generationId,
        memberId: a.memberId,
        groupInstanceId: null,
        protocolType: null,
        protocolName: null,
        assignments: [{ memberId: a.memberId, assignment }],
      });
      const d = h.coord.describe('g');
      assert.deepStrictEqual(d.members[0].assignment, assignment, protocolType);
      assert.deepStrictEqual(
        d.members[0].assignedPartitions,
        protocolType === 'consumer' ? [{ topic: 't', partitions: [0, 2] }] : [],
        protocolType,
      );
      assert.deepStrictEqual(h.coord.list(), [{ groupId: 'g', protocolType, state: 'Stable' }]);
    }
  });

  it('a group whose first member is still between MEMBER_ID_REQUIRED and its join cannot be deleted', async () => {
    const h = harness(0);
    const first = await h.coord.join(joinRequest());
    assert.strictEqual(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
    assert.strictEqual(h.coord.hasActiveMembers('g'), false);
    assert.strictEqual(h.coord.deleteGroup('g'), ErrorCode.NON_EMPTY_GROUP);
    assert.strictEqual(h.coord.hasActiveMembers('nope'), false);
  });

  it('a closed coordinator answers every request COORDINATOR_NOT_AVAILABLE', async () => {
    const h = harness(0);
    const a = await joinNew(h.coord);
    h.clock.advance(0);
    const j = await a.result;
    h.coord.close();
    h.coord.close();
    assert.strictEqual(h.coord.validateCommit('g', j.generationId, a.memberId), ErrorCode.COORDINATOR_NOT_AVAILABLE);
    assert.deepStrictEqual(h.coord.leave('g', [{ memberId: a.memberId, groupInstanceId: null }]), {
      errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
      members: [{ memberId: a.memberId, groupInstanceId: null, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE }],
    });
    const s = await h.coord.sync({
      groupId: 'g',
      generationId: j.generationId,
      memberId: a.memberId,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [],
    });
    assert.strictEqual(s.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
  });
});

describe('group coordinator: joins at the edges of the rules', () => {
  const meta = encodeSubscription({ topics: ['t'] });
  const protocols = (...names: string[]) => names.map((name) => ({ name, metadata: meta }));
  const syncOf = (
    generationId: number,
    memberId: string,
    assignments: { memberId: string; assignment: Buffer }[] = [],
  ) => ({
    groupId: 'g',
    generationId,
    memberId,
    groupInstanceId: null,
    protocolType: 'consumer',
    protocolName: 'range',
    assignments,
  });
  /** n dynamic members joined (no initial delay) and synced: Stable, member i owning partition i. */
  async function stableGroup(n: number, over: Parameters<typeof joinRequest>[0] = {}) {
    const h = harness(0);
    let ids: string[] = [];
    let gen = 0;
    for (let i = 0; i < n; i++) {
      const joined = await joinNew(h.coord, { clientId: `m${i}`, ...over });
      const rejoins = ids.map((id) => h.coord.join(joinRequest({ memberId: id, clientId: 'old', ...over })));
      const results = await Promise.all([joined.result, ...rejoins]);
      ids = [...ids, joined.memberId];
      gen = results[0].generationId;
    }
    const leader = h.coord.describe('g').leader!;
    await Promise.all(
      ids.map((id) =>
        h.coord.sync(
          syncOf(
            gen,
            id,
            id === leader ? ids.map((m, i) => ({ memberId: m, assignment: assignmentOf('t', [i]) })) : [],
          ),
        ),
      ),
    );
    assert.strictEqual(h.coord.describe('g').state, 'Stable');
    return { ...h, ids, gen, leader };
  }

  it('a refused join answers generation -1, no leader, no protocol and no members', async () => {
    const { coord } = harness();
    assert.deepStrictEqual(await coord.join(joinRequest({ groupId: '', memberId: 'm-1' })), {
      errorCode: ErrorCode.INVALID_GROUP_ID,
      generationId: -1,
      protocolType: null,
      protocolName: null,
      leader: '',
      memberId: 'm-1',
      members: [],
    });
  });

  it('session timeouts of exactly 1 ms and one hour are accepted', async () => {
    const { coord } = harness();
    for (const sessionTimeoutMs of [1, 3_600_000])
      assert.strictEqual(
        (await coord.join(joinRequest({ sessionTimeoutMs }))).errorCode,
        ErrorCode.MEMBER_ID_REQUIRED,
        `${sessionTimeoutMs}`,
      );
  });

  it('a join naming a member id of a group that does not exist is UNKNOWN_MEMBER_ID and creates no group', async () => {
    const { coord } = harness();
    const r = await coord.join(joinRequest({ groupId: 'ghost', memberId: 'm-1' }));
    assert.strictEqual(r.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    assert.deepStrictEqual(coord.list(), []);
  });

  it('a client without a client id gets a member id starting with "member-"; a refused new member gets no id', async () => {
    const { coord } = harness();
    const first = await coord.join(joinRequest({ clientId: '' }));
    assert.match(first.memberId, /^member-[0-9a-f-]{36}$/);
    await coord.join(joinRequest({ memberId: first.memberId, clientId: '' }));
    const refused = await coord.join(joinRequest({ protocols: protocols('sticky') }));
    assert.deepStrictEqual([refused.errorCode, refused.memberId], [ErrorCode.INCONSISTENT_GROUP_PROTOCOL, '']);
  });

  it('a member id handed out but never used stops holding up a rebalance after its session timeout', async () => {
    const h = await stableGroup(1);
    const rejoin = track(h.coord.join(joinRequest({ memberId: h.ids[0], clientId: 'm0' })));
    await settle();
    assert.strictEqual(rejoin.done(), true, 'the lone leader rejoining completes at once');
    const again = await h.coord.join(
      joinRequest({ memberId: h.ids[0], clientId: 'm0', protocols: protocols('range', 'rr') }),
    );
    assert.strictEqual(again.errorCode, ErrorCode.NONE);
    // now a new consumer takes a member id and never comes back; the leader rejoins
    assert.strictEqual(
      (await h.coord.join(joinRequest({ clientId: 'flaky' }))).errorCode,
      ErrorCode.MEMBER_ID_REQUIRED,
    );
    const leaderRejoin = track(h.coord.join(joinRequest({ memberId: h.ids[0], clientId: 'm0' })));
    h.clock.advance(9_999);
    await settle();
    assert.strictEqual(leaderRejoin.done(), false, 'the handed-out id may still join');
    h.clock.advance(1);
    await settle();
    assert.strictEqual(leaderRejoin.value()?.errorCode, ErrorCode.NONE, 'its session timeout (10 s) has passed');
    assert.deepStrictEqual(
      leaderRejoin.value()?.members.map((m) => m.memberId),
      [h.ids[0]],
    );
  });

  it('a handed-out member id or a member joining with no protocol the others support gets INCONSISTENT_GROUP_PROTOCOL', async () => {
    const h = await stableGroup(2, { protocols: protocols('range', 'rr') });
    const pending = await h.coord.join(joinRequest({ clientId: 'x' }));
    const r = await h.coord.join(joinRequest({ memberId: pending.memberId, protocols: protocols('sticky') }));
    assert.deepStrictEqual([r.errorCode, r.memberId], [ErrorCode.INCONSISTENT_GROUP_PROTOCOL, pending.memberId]);
    const known = await h.coord.join(joinRequest({ memberId: h.ids[1], protocols: protocols('sticky') }));
    assert.deepStrictEqual([known.errorCode, known.memberId], [ErrorCode.INCONSISTENT_GROUP_PROTOCOL, h.ids[1]]);
    assert.strictEqual(h.coord.describe('g').state, 'Stable', 'neither started a rebalance');
  });

  it('a protocol must be supported by every other member, not just one of them', async () => {
    const h = harness(100);
    const a = await joinNew(h.coord, { protocols: protocols('range') });
    const b = await joinNew(h.coord, { protocols: protocols('range', 'rr') });
    const c = await h.coord.join(joinRequest({ protocols: protocols('rr') }));
    assert.strictEqual(c.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    h.clock.advance(200);
    assert.strictEqual((await a.result).members.length + (await b.result).members.length, 2);
  });

  it('a JoinGroup retried before SyncGroup is answered again at once with the same generation', async () => {
    const h = harness(0);
    const a = await joinNew(h.coord, { clientId: 'a' });
    const first = await a.result;
    assert.strictEqual(h.coord.describe('g').state, 'CompletingRebalance');
    const retry = await h.coord.join(joinRequest({ memberId: a.memberId, clientId: 'a' }));
    assert.deepStrictEqual(
      [retry.errorCode, retry.generationId, retry.leader, retry.members.length],
      [ErrorCode.NONE, first.generationId, a.memberId, 1],
    );
    assert.strictEqual(h.coord.describe('g').state, 'CompletingRebalance');
    const changed = await h.coord.join(joinRequest({ memberId: a.memberId, protocols: protocols('rr') }));
    assert.deepStrictEqual([changed.generationId, changed.protocolName], [first.generationId + 1, 'rr']);
  });

  it('the leader rejoining a Stable group with unchanged metadata starts a new generation (it may want to reassign)', async () => {
    const h = await stableGroup(2);
    const leaderJoin = track(h.coord.join(joinRequest({ memberId: h.leader, clientId: 'm0' })));
    await settle();
    assert.strictEqual(h.coord.describe('g').state, 'PreparingRebalance');
    const follower = h.ids.find((id) => id !== h.leader)!;
    const [f] = await Promise.all([h.coord.join(joinRequest({ memberId: follower, clientId: 'm1' }))]);
    await settle();
    assert.strictEqual(f.generationId, h.gen + 1);
    assert.strictEqual(leaderJoin.value()?.generationId, h.gen + 1);
  });

  it('during a rebalance of a Stable group, describe still shows each member its last assignment', async () => {
    const h = await stableGroup(2);
    void h.coord.join(joinRequest({ memberId: h.ids[0], clientId: 'm0' }));
    await settle();
    const d = h.coord.describe('g');
    assert.strictEqual(d.state, 'PreparingRebalance');
    assert.deepStrictEqual(
      d.members.map((m) => m.assignedPartitions),
      [[{ topic: 't', partitions: [0] }], [{ topic: 't', partitions: [1] }]],
    );
  });

  it('a member joining while the others wait in SyncGroup voids the assignment: they are told REBALANCE_IN_PROGRESS', async () => {
    const h = harness(0);
    const a = await joinNew(h.coord, { clientId: 'a' });
    const gen = (await a.result).generationId;
    // a is the leader and has not synced yet; b joins: its first JoinGroup gets MEMBER_ID_REQUIRED, then parks
    const b = await joinNew(h.coord, { clientId: 'b' });
    const tb = track(b.result);
    await settle();
    assert.strictEqual(h.coord.describe('g').state, 'PreparingRebalance');
    assert.strictEqual(tb.done(), false);
    const late = await h.coord.sync(
      syncOf(gen, a.memberId, [{ memberId: a.memberId, assignment: assignmentOf('t', [0]) }]),
    );
    assert.strictEqual(late.errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
  });

  it('members that give no rebalance timeout (JoinGroup v0) are waited for as long as their session timeout', async () => {
    const h = harness(0);
    const a = await joinNew(h.coord, { clientId: 'a', rebalanceTimeoutMs: 0, sessionTimeoutMs: 20_000 });
    const gen = (await a.result).generationId;
    await h.coord.sync(syncOf(gen, a.memberId, [{ memberId: a.memberId, assignment: assignmentOf('t', [0]) }]));
    const b = await joinNew(h.coord, { clientId: 'b', rebalanceTimeoutMs: 0, sessionTimeoutMs: 20_000 });
    const tb = track(b.result);
    h.clock.advance(15_000);
    assert.strictEqual(h.coord.heartbeat('g', gen, a.memberId).errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
    await settle();
    assert.strictEqual(tb.done(), false, 'a still has time to rejoin');
    const ra = await h.coord.join(joinRequest({ memberId: a.memberId, clientId: 'a', rebalanceTimeoutMs: 0 }));
    await settle();
    assert.deepStrictEqual([ra.generationId, tb.value()?.generationId], [gen + 1, gen + 1]);
    assert.strictEqual(ra.members.length, 2);
  });

  it("a rejoining member's new rebalance timeout decides how long the next rebalance waits for it", async () => {
    const h = harness(0);
    const a = await joinNew(h.coord, { clientId: 'a', sessionTimeoutMs: 20_000 });
    const gen1 = (await a.result).generationId;
    const own = [{ memberId: a.memberId, assignment: assignmentOf('t', [0]) }];
    await h.coord.sync(syncOf(gen1, a.memberId, own));
    // the leader rejoins with no rebalance timeout: from now on a rebalance waits its session timeout (20 s) for it
    const gen = (
      await h.coord.join(
        joinRequest({ memberId: a.memberId, clientId: 'a', rebalanceTimeoutMs: 0, sessionTimeoutMs: 20_000 }),
      )
    ).generationId;
    assert.strictEqual(gen, gen1 + 1);
    await h.coord.sync(syncOf(gen, a.memberId, own));
    const b = await joinNew(h.coord, { clientId: 'b', rebalanceTimeoutMs: 10_000 });
    const tb = track(b.result);
    h.clock.advance(12_000);
    h.coord.heartbeat('g', gen, a.memberId);
    await settle();
    assert.strictEqual(tb.done(), false, "waited longer than b's own 10 s");
    h.clock.advance(8_000);
    await settle();
    assert.strictEqual(tb.value()?.generationId, gen + 1, 'the rebalance ends after 20 s without a');
    assert.deepStrictEqual(
      tb.value()?.members.map((m) => m.memberId),
      [b.memberId],
    );
  });

  it('the initial rebalance delay keeps extending while members arrive, but never past the rebalance timeout', async () => {
    const h = harness(3000);
    const a = await joinNew(h.coord, { clientId: 'a', rebalanceTimeoutMs: 5000 });
    const ta = track(a.result);
    h.clock.advance(2000);
    await joinNew(h.coord, { clientId: 'b', rebalanceTimeoutMs: 5000 });
    h.clock.advance(2000);
    await joinNew(h.coord, { clientId: 'c', rebalanceTimeoutMs: 5000 });
    h.clock.advance(999);
    await settle();
    assert.strictEqual(ta.done(), false);
    h.clock.advance(1);
    await settle();
    assert.strictEqual(ta.value()?.members.length, 3, 'completed at the 5 s rebalance timeout with everyone');
  });

  it('a static member restarting while the group rebalances waits for the rebalance like everyone else', async () => {
    const h = harness(0);
    const ja = await h.coord.join(joinRequest({ groupInstanceId: 'a', clientId: 'a' }));
    const gen = ja.generationId;
    await h.coord.sync(syncOf(gen, ja.memberId, [{ memberId: ja.memberId, assignment: assignmentOf('t', [0]) }]));
    const b = await joinNew(h.coord, { clientId: 'b' });
    await settle();
    assert.strictEqual(h.coord.describe('g').state, 'PreparingRebalance');
    const restarted = await h.coord.join(joinRequest({ groupInstanceId: 'a', clientId: 'a' }));
    await b.result;
    assert.strictEqual(restarted.generationId, gen + 1);
    assert.match(restarted.memberId, /^a-[0-9a-f-]{36}$/);
  });

  it('a restarted static follower keeps the leader where it was and is not told to skip an assignment', async () => {
    const h = harness(0);
    const ja = await h.coord.join(joinRequest({ groupInstanceId: 'a', clientId: 'a' }));
    const jb = await joinNew(h.coord, { groupInstanceId: null, clientId: 'b' });
    const again = h.coord.join(joinRequest({ memberId: ja.memberId, groupInstanceId: 'a', clientId: 'a' }));
    const [rb, ra] = await Promise.all([jb.result, again]);
    const gen = ra.generationId;
    assert.strictEqual(rb.leader, ja.memberId, 'a, the first member, leads');
    await Promise.all([
      h.coord.sync(
        syncOf(gen, ja.memberId, [
          { memberId: ja.memberId, assignment: assignmentOf('t', [0]) },
          { memberId: jb.memberId, assignment: assignmentOf('t', [1]) },
        ]),
      ),
      h.coord.sync(syncOf(gen, jb.memberId)),
    ]);
    // b is dynamic; make a static follower: c
    const jc = h.coord.join(joinRequest({ groupInstanceId: 'c', clientId: 'c' }));
    const [ra2, rb2, rc] = await Promise.all([
      h.coord.join(joinRequest({ memberId: ja.memberId, groupInstanceId: 'a', clientId: 'a' })),
      h.coord.join(joinRequest({ memberId: jb.memberId, clientId: 'b' })),
      jc,
    ]);
    const gen2 = rc.generationId;
    await Promise.all([
      h.coord.sync(syncOf(gen2, ra2.memberId, [{ memberId: rc.memberId, assignment: assignmentOf('t', [2]) }])),
      h.coord.sync(syncOf(gen2, rb2.memberId)),
      h.coord.sync(syncOf(gen2, rc.memberId)),
    ]);
    assert.strictEqual(h.coord.describe('g').state, 'Stable');
    const restarted = await h.coord.join(joinRequest({ groupInstanceId: 'c', clientId: 'c' }));
    assert.strictEqual(restarted.generationId, gen2, 'no rebalance');
    assert.strictEqual(restarted.leader, ja.memberId, 'the leader is still a');
    assert.ok(!restarted.skipAssignment, 'only a leader skips the assignment');
    assert.strictEqual(h.coord.describe('g').leader, ja.memberId);
  });
});

describe('group coordinator: sync, leave, describe and commits at the edges', () => {
  const meta = (tag: string) => encodeSubscription({ topics: [tag] });
  const syncOf = (
    generationId: number,
    memberId: string,
    assignments: { memberId: string; assignment: Buffer }[] = [],
  ) => ({
    groupId: 'g',
    generationId,
    memberId,
    groupInstanceId: null,
    protocolType: 'consumer' as string | null,
    protocolName: 'range' as string | null,
    assignments,
  });
  /** Members a, b, c joined during one initial delay and synced: Stable, a leads. */
  async function trio(h = harness(100)) {
    const joins = [];
    for (const id of ['a', 'b', 'c']) joins.push(await joinNew(h.coord, { clientId: id }));
    h.clock.advance(200);
    const results = await Promise.all(joins.map((j) => j.result));
    const gen = results[0].generationId;
    const [a, b, c] = joins.map((j) => j.memberId);
    assert.strictEqual(results[0].leader, a);
    await Promise.all([
      h.coord.sync(
        syncOf(
          gen,
          a,
          [a, b, c].map((m, i) => ({ memberId: m, assignment: assignmentOf('t', [i]) })),
        ),
      ),
      h.coord.sync(syncOf(gen, b)),
      h.coord.sync(syncOf(gen, c)),
    ]);
    return { ...h, a, b, c, gen };
  }

  it('a SyncGroup naming another protocol type is INCONSISTENT_GROUP_PROTOCOL', async () => {
    const h = await trio();
    const r = await h.coord.sync({ ...syncOf(h.gen, h.b), protocolType: 'connect' });
    assert.strictEqual(r.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  });

  it('a follower rejoining with the same protocol names but other metadata for one of them starts a rebalance', async () => {
    const h = harness(100);
    const two = [
      { name: 'range', metadata: meta('t') },
      { name: 'roundrobin', metadata: meta('t') },
    ];
    const a = await joinNew(h.coord, { clientId: 'a', protocols: two });
    const b = await joinNew(h.coord, { clientId: 'b', protocols: two });
    h.clock.advance(200);
    const gen = (await a.result).generationId;
    await b.result;
    await Promise.all([
      h.coord.sync(syncOf(gen, a.memberId, [{ memberId: b.memberId, assignment: assignmentOf('t', [0]) }])),
      h.coord.sync(syncOf(gen, b.memberId)),
    ]);
    const same = await h.coord.join(joinRequest({ memberId: b.memberId, protocols: two }));
    assert.deepStrictEqual([same.generationId, h.coord.describe('g').state], [gen, 'Stable'], 'nothing changed');
    void h.coord.join(
      joinRequest({ memberId: b.memberId, protocols: [two[0], { name: 'roundrobin', metadata: meta('other') }] }),
    );
    await settle();
    assert.strictEqual(h.coord.describe('g').state, 'PreparingRebalance');
  });

  it('when the leader leaves during a rebalance the next leader is a member that has already rejoined', async () => {
    const h = await trio();
    const cJoin = h.coord.join(joinRequest({ memberId: h.c, protocols: [{ name: 'range', metadata: meta('u') }] }));
    await settle();
    assert.strictEqual(h.coord.leave('g', [{ memberId: h.a, groupInstanceId: null }]).members[0].errorCode, 0);
    assert.strictEqual(h.coord.describe('g').leader, h.c);
    const [rb, rc] = await Promise.all([h.coord.join(joinRequest({ memberId: h.b })), cJoin]);
    assert.deepStrictEqual([rb.leader, rc.leader, rc.members.length], [h.c, h.c, 2]);
  });

  it('a follower leaving keeps the leader; the last member the rebalance waits for leaving completes it at once', async () => {
    const h = await trio();
    const aJoin = track(h.coord.join(joinRequest({ memberId: h.a })));
    const bJoin = track(h.coord.join(joinRequest({ memberId: h.b })));
    await settle();
    assert.strictEqual(aJoin.done(), false, 'c has not rejoined');
    h.coord.leave('g', [{ memberId: h.c, groupInstanceId: null }]);
    await settle();
    assert.deepStrictEqual([aJoin.value()?.leader, bJoin.value()?.generationId], [h.a, h.gen + 1]);
  });

  it('a handed-out member id leaving stops the rebalance waiting for it; leaving with another member id than the instance has is FENCED_INSTANCE_ID', async () => {
    const h = await trio();
    const pending = await h.coord.join(joinRequest({ clientId: 'd' }));
    const joins = [h.a, h.b, h.c].map((m) => track(h.coord.join(joinRequest({ memberId: m }))));
    await settle();
    assert.strictEqual(joins[0].done(), false, 'the handed-out id may still join');
    assert.strictEqual(
      h.coord.leave('g', [{ memberId: pending.memberId, groupInstanceId: null }]).members[0].errorCode,
      0,
    );
    await settle();
    assert.deepStrictEqual(
      joins.map((j) => j.value()?.generationId),
      [h.gen + 1, h.gen + 1, h.gen + 1],
    );
    const staticJoin = h.coord.join(joinRequest({ groupId: 's', groupInstanceId: 'inst', clientId: 's' }));
    h.clock.advance(200);
    const s = await staticJoin;
    assert.strictEqual(
      h.coord.leave('s', [{ memberId: 'someone-else', groupInstanceId: 'inst' }]).members[0].errorCode,
      ErrorCode.FENCED_INSTANCE_ID,
    );
    assert.strictEqual(h.coord.describe('s').members[0].memberId, s.memberId, 'still in the group');
  });

  it("with a tie the first member's preference wins; the leader and describe show each member's metadata of the chosen protocol", async () => {
    const h = harness(100);
    const a = await joinNew(h.coord, {
      protocols: [
        { name: 'range', metadata: meta('a-range') },
        { name: 'roundrobin', metadata: meta('a-rr') },
      ],
    });
    const b = await joinNew(h.coord, {
      protocols: [
        { name: 'roundrobin', metadata: meta('b-rr') },
        { name: 'range', metadata: meta('b-range') },
      ],
    });
    h.clock.advance(200);
    const ra = await a.result;
    await b.result;
    assert.strictEqual(ra.protocolName, 'range', 'one vote each: the first member prefers range');
    const topicsOf = (m: Buffer) => decodeSubscription(m).topics;
    assert.deepStrictEqual(
      ra.members.map((m) => topicsOf(m.metadata)),
      [['a-range'], ['b-range']],
      "the leader gets each member's range metadata, also b's second choice",
    );
    assert.deepStrictEqual(
      h.coord.describe('g').members.map((m) => topicsOf(m.metadata)),
      [['a-range'], ['b-range']],
    );
    const [c] = await Promise.all([
      h.coord.join(
        joinRequest({
          memberId: a.memberId,
          protocols: [
            { name: 'roundrobin', metadata: meta('a-rr') },
            { name: 'range', metadata: meta('a-range') },
          ],
        }),
      ),
      h.coord.join(
        joinRequest({
          memberId: b.memberId,
          protocols: [
            { name: 'roundrobin', metadata: meta('b-rr') },
            { name: 'range', metadata: meta('b-range') },
          ],
        }),
      ),
    ]);
    assert.strictEqual(c.protocolName, 'roundrobin');
    assert.deepStrictEqual(
      c.members.map((m) => topicsOf(m.metadata)),
      [['a-rr'], ['b-rr']],
    );
    assert.deepStrictEqual(
      h.coord.describe('g').members.map((m) => topicsOf(m.metadata)),
      [['a-rr'], ['b-rr']],
    );
    assert.strictEqual(h.coord.describe('g').protocol, 'roundrobin');
  });

  it('describe of an unknown group is Dead with empty strings; a rebalancing group names no protocol yet', async () => {
    const h = await trio();
    assert.deepStrictEqual(h.coord.describe('nope'), {
      groupId: 'nope',
      state: 'Dead',
      protocolType: '',
      protocol: '',
      generationId: 0,
      leader: null,
      members: [],
    });
    void h.coord.join(joinRequest({ memberId: h.a }));
    await settle();
    assert.deepStrictEqual([h.coord.describe('g').state, h.coord.describe('g').protocol], ['PreparingRebalance', '']);
    const other = harness();
    await other.coord.join(joinRequest({ groupId: 'fresh' }));
    assert.deepStrictEqual(other.coord.list(), [{ groupId: 'fresh', protocolType: 'consumer', state: 'Empty' }]);
    assert.deepStrictEqual(
      [other.coord.describe('fresh').protocolType, other.coord.describe('fresh').protocol],
      ['', ''],
      'a group that only handed out a member id has no protocol type yet',
    );
  });

  it('commits: generation 0 is a real generation (refused outside the group), only a negative one is the simple-consumer commit', async () => {
    const h = await trio();
    assert.strictEqual(h.coord.validateCommit('nogroup', 0, ''), ErrorCode.ILLEGAL_GENERATION);
    assert.strictEqual(h.coord.validateCommit('nogroup', -1, ''), ErrorCode.NONE);
    h.coord.leave(
      'g',
      [h.a, h.b, h.c].map((memberId) => ({ memberId, groupInstanceId: null })),
    );
    await settle();
    assert.strictEqual(h.coord.describe('g').members.length, 0);
    assert.strictEqual(h.coord.validateCommit('g', -1, ''), ErrorCode.NONE);
    assert.strictEqual(h.coord.validateCommit('g', 0, ''), ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it("a closed coordinator refuses a real member's heartbeat with COORDINATOR_NOT_AVAILABLE", async () => {
    const h = await trio();
    h.coord.close();
    assert.strictEqual(h.coord.heartbeat('g', h.gen, h.a).errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
  });
});
