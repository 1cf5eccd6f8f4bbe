// Heartbeat (key 12) over the wire, v0-3: a synced member's heartbeat is answered 0 in every version; a wrong
// generation or an unknown member gets the coordinator's error code.
import * as assert from 'assert';
import { ErrorCode } from '../../../../src/broker/errors';
import type { Wire } from './harness';
import { openWire } from './harness';
import { heartbeat, soloMember } from './group-frames';

describe('Heartbeat (key 12) over the wire', () => {
  let wire: Wire;
  beforeEach(async () => (wire = await openWire()));
  afterEach(async () => wire.close());

  it('a synced member heartbeats with error 0 in every version v0-3', async () => {
    const [member, generation] = await soloMember(wire, 'hb');
    for (let v = 0; v <= 3; v++) assert.strictEqual(await heartbeat(wire, v, 'hb', generation, member), 0, `v${v}`);
  });

  it('a wrong generation gets ILLEGAL_GENERATION, an unknown member UNKNOWN_MEMBER_ID', async () => {
    const [member, generation] = await soloMember(wire, 'hb');
    assert.strictEqual(await heartbeat(wire, 1, 'hb', generation + 1, member), ErrorCode.ILLEGAL_GENERATION);
    assert.strictEqual(await heartbeat(wire, 1, 'hb', generation, 'nobody'), ErrorCode.UNKNOWN_MEMBER_ID);
  });
});
