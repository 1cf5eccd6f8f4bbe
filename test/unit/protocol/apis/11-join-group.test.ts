// JoinGroup (key 11) v9 over the wire against a real broker, frames built from Kafka's message spec: the answer
// carries the protocol type (v7+), and a static leader that rejoins a Stable group with unchanged protocols is
// answered at once with skipAssignment (v9): same generation, a new member id, the members, no rebalance.
// JoinGroup (key 11) over the wire, v0-5: a lone member becomes leader and sees itself with its metadata in
// every version; from v4 a first join without a member id is told MEMBER_ID_REQUIRED with an id to use.
import * as assert from 'assert';
import { GroupWire, joinV9, stableStaticGroup, syncV5 } from './group-wire';
import { ErrorCode } from '../../../../src/broker/errors';
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
  });
});
