// Heartbeat (key 12) v4 (flexible) over the wire against a real broker, frames built from Kafka's message spec.
import * as assert from 'assert';
import { ErrorCode } from '../../../../src/broker/errors';
import { GroupWire, stableStaticGroup } from './group-wire';

describe('Heartbeat API: v4 (flexible)', () => {
  let wire: GroupWire;
  beforeEach(async () => {
    wire = await GroupWire.open();
  });
  afterEach(() => wire.close());

  async function heartbeat(groupId: string, generation: number, memberId: string, instance: string | null) {
    const d = await wire.call(12, 4, true, (e) => e.str(groupId).i32(generation).str(memberId).nstr(instance).tags());
    d.i32();
    const code = d.i16();
    d.tags();
    d.end();
    return code;
  }

  it('v4 keeps a Stable member alive and tells an unknown member or a stale generation apart', async () => {
    const m = await stableStaticGroup(wire, 'g');
    assert.strictEqual(await heartbeat('g', m.generationId, m.memberId, 'i1'), ErrorCode.NONE);
    assert.strictEqual(await heartbeat('g', m.generationId + 1, m.memberId, 'i1'), ErrorCode.ILLEGAL_GENERATION);
    assert.strictEqual(await heartbeat('g', m.generationId, 'nobody', null), ErrorCode.UNKNOWN_MEMBER_ID);
  });
});
