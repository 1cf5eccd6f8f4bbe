// SyncGroup (key 14) over the wire, v0-3: the leader's assignment reaches the member in every version; a
// stale generation is refused with ILLEGAL_GENERATION and an empty assignment.
import * as assert from 'assert';
import { ErrorCode } from '../../../../src/broker/errors';
import type { Wire } from './harness';
import { openWire } from './harness';
import { joinGroup, syncGroup } from './group-frames';

describe('SyncGroup (key 14) over the wire', () => {
  let wire: Wire;
  beforeEach(async () => (wire = await openWire()));
  afterEach(async () => wire.close());

  it('in every version v0-3 the leader gets back the assignment it gave itself', async () => {
    for (let v = 0; v <= 3; v++) {
      const groupId = `s${v}`;
      const j = await joinGroup(wire, 1, { groupId });
      const s = await syncGroup(wire, v, {
        groupId,
        generationId: j.generationId,
        memberId: j.memberId,
        assignments: [[j.memberId, `plan-${v}`]],
      });
      assert.deepStrictEqual(s, { errorCode: 0, assignment: `plan-${v}` }, `v${v}`);
    }
  });

  it('a stale generation gets ILLEGAL_GENERATION and no assignment', async () => {
    const j = await joinGroup(wire, 1, { groupId: 'stale' });
    const s = await syncGroup(wire, 1, {
      groupId: 'stale',
      generationId: j.generationId + 5,
      memberId: j.memberId,
      assignments: [[j.memberId, 'x']],
    });
    assert.deepStrictEqual(s, { errorCode: ErrorCode.ILLEGAL_GENERATION, assignment: '' });
  });
});
