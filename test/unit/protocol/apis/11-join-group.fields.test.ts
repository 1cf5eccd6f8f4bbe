// JoinGroup (key 11) over the wire, v0-5: a lone member becomes leader and sees itself with its metadata in
// every version; from v4 a first join without a member id is told MEMBER_ID_REQUIRED with an id to use.
import * as assert from 'assert';
import { ErrorCode } from '../../../../src/broker/errors';
import type { Wire } from './harness';
import { openWire } from './harness';
import { describeGroups, joinGroup } from './group-frames';

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
