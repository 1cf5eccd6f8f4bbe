// JoinGroup (key 11) v9 over the wire against a real broker, frames built from Kafka's message spec: the answer
// carries the protocol type (v7+), and a static leader that rejoins a Stable group with unchanged protocols is
// answered at once with skipAssignment (v9): same generation, a new member id, the members, no rebalance.
import * as assert from 'assert';
import { GroupWire, joinV9, stableStaticGroup, syncV5 } from './group-wire';

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
