// SyncGroup (key 14) v5 over the wire against a real broker, frames built from Kafka's message spec: the answer
// names the group's protocol type and name (KIP-559); a request naming another protocol is refused.
import * as assert from 'assert';
import { ErrorCode } from '../../../../src/broker/errors';
import { GroupWire, joinV9, syncV5 } from './group-wire';

describe('SyncGroup API: v5 (protocol type and name)', () => {
  let wire: GroupWire;
  beforeEach(async () => {
    wire = await GroupWire.open();
  });
  afterEach(() => wire.close());

  it('v5 answers the assignment with the protocol type and name; another protocol name is INCONSISTENT_GROUP_PROTOCOL', async () => {
    const j = await joinV9(wire, 'g', '', 'i1');
    const wrong = await syncV5(wire, 'g', j.generationId, j.memberId, [[j.memberId, Buffer.from('a')]], {
      groupInstanceId: 'i1',
      protocolName: 'roundrobin',
    });
    assert.deepStrictEqual(wrong, [ErrorCode.INCONSISTENT_GROUP_PROTOCOL, null, null, Buffer.alloc(0)]);
    const ok = await syncV5(wire, 'g', j.generationId, j.memberId, [[j.memberId, Buffer.from('a')]], {
      groupInstanceId: 'i1',
    });
    assert.deepStrictEqual(ok, [0, 'consumer', 'range', Buffer.from('a')]);
  });
});
