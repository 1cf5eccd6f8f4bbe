// JoinGroup (key 11), over a stand-in coordinator: the rebalance timeout handed to the coordinator. v0 has no
// such field (the session timeout stands in); v1+ pass the client's value, 0 included, and a negative one falls
// back to the session timeout.
import * as assert from 'assert';
import type { Broker } from '../../../../src/broker/broker';
import { joinGroup } from '../../../../src/protocol/apis/11-join-group';
import { ctxOf } from './mutants-helpers';

describe('JoinGroup rebalance timeout handed to the coordinator (stand-in coordinator)', () => {
  const rebalanceTimeoutOf = async (version: number, rebalanceTimeoutMs: number) => {
    let seen: number | undefined;
    const broker = {
      joinGroup: (req: { rebalanceTimeoutMs: number }) => {
        seen = req.rebalanceTimeoutMs;
        return Promise.resolve({
          errorCode: 0,
          generationId: 1,
          protocolType: 'consumer',
          protocolName: 'range',
          leader: 'm-1',
          memberId: 'm-1',
          members: [],
        });
      },
    } as never as Partial<Broker>;
    await joinGroup.handle(ctxOf(broker, version), {
      groupId: 'g',
      sessionTimeoutMs: 10000,
      rebalanceTimeoutMs,
      memberId: '',
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [],
      reason: null,
    });
    return seen;
  };

  it('v0 uses the session timeout; v1 passes 0 and 7000 as given and replaces -1 by the session timeout', async () => {
    assert.strictEqual(await rebalanceTimeoutOf(0, 7000), 10000);
    assert.strictEqual(await rebalanceTimeoutOf(1, 7000), 7000);
    assert.strictEqual(await rebalanceTimeoutOf(1, 0), 0);
    assert.strictEqual(await rebalanceTimeoutOf(1, -1), 10000);
  });
});
