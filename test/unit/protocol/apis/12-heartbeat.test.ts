// Heartbeat (key 12) v4 (flexible) over the wire against a real broker, frames built from Kafka's message spec.
// Heartbeat (key 12) over the wire, v0-3: a synced member's heartbeat is answered 0 in every version; a wrong
// generation or an unknown member gets the coordinator's error code.
import * as assert from 'assert';
import { ErrorCode } from '../../../../src/broker/errors';
import { GroupWire, stableStaticGroup } from './group-wire';
import type { Wire } from './harness';
import { openWire } from './harness';
import { heartbeat, soloMember } from './group-frames';

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

describe('Heartbeat API: an unexpected engine failure', () => {
  let wire: GroupWire;
  beforeEach(async () => (wire = await GroupWire.open()));
  afterEach(() => wire.close());

  /** The failure is logged as an error naming the request and what went wrong. */
  const logged = (what: string, message: string) =>
    assert.ok(
      wire.logs.some((l) => l.startsWith('error ') && l.includes(what) && l.includes(message)),
      `an error log names ${what}: ${wire.logs.join(' | ')}`,
    );

  it('is answered UNKNOWN_SERVER_ERROR (-1) and logged with the group', async () => {
    const message = wire.failEngine('heartbeat');
    const d = await wire.call(12, 4, true, (e) => e.str('g').i32(1).str('m').nstr(null).tags());
    assert.strictEqual(d.i32(), 0);
    assert.strictEqual(d.i16(), ErrorCode.UNKNOWN_SERVER_ERROR);
    d.tags();
    d.end();
    logged('Heartbeat "g"', message);
  });
});
