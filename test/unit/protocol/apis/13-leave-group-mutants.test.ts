// LeaveGroup (key 13) v0-2 carry one member, whose own error is the answer; an engine answer that lists no
// member (stand-in) is the group's error code, not a crash.
import * as assert from 'assert';
import type { Broker } from '../../../../src/broker/broker';
import { leaveGroup } from '../../../../src/protocol/apis/13-leave-group';
import { ctxOf } from './mutants-helpers';

describe('LeaveGroup v0-2 with no member in the engine answer', () => {
  it('v1 answers the group error code 0 when the engine lists no member', () => {
    const ctx = ctxOf({ leaveGroup: (() => ({ errorCode: 0, members: [] })) as never as Broker['leaveGroup'] }, 1);
    const resp = leaveGroup.handle(ctx, { groupId: 'g', memberId: 'm-1', members: [] }) as { errorCode: number };
    assert.strictEqual(resp.errorCode, 0);
    assert.deepStrictEqual(ctx.logs, []);
  });
});
