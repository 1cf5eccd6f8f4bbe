// SyncGroup (key 14) v5 over the wire against a real broker, frames built from Kafka's message spec: the answer
// names the group's protocol type and name (KIP-559); a request naming another protocol is refused.
// SyncGroup (key 14) over the wire, v0-3: the leader's assignment reaches the member in every version; a
// stale generation is refused with ILLEGAL_GENERATION and an empty assignment.
import * as assert from 'assert';
import { ErrorCode } from '../../../../src/broker/errors';
import { GroupWire, joinV9, syncV5 } from './group-wire';
import type { Wire } from './harness';
import { openWire } from './harness';
import { joinGroup, syncGroup } from './group-frames';

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

describe('SyncGroup API: an unexpected engine failure', () => {
  let wire: GroupWire;
  beforeEach(async () => (wire = await GroupWire.open()));
  afterEach(() => wire.close());

  /** The failure is logged as an error naming the request and what went wrong. */
  const logged = (what: string, message: string) =>
    assert.ok(
      wire.logs.some((l) => l.startsWith('error ') && l.includes(what) && l.includes(message)),
      `an error log names ${what}: ${wire.logs.join(' | ')}`,
    );

  it('is answered UNKNOWN_SERVER_ERROR (-1) with no protocol and an empty assignment, and logged', async () => {
    const message = wire.failEngine('syncGroup');
    const d = await wire.call(14, 5, true, (e) =>
      e.str('g').i32(1).str('m').nstr(null).nstr('consumer').nstr('range').len(0).tags(),
    );
    assert.strictEqual(d.i32(), 0);
    assert.deepStrictEqual(
      [d.i16(), d.nstr(), d.nstr(), d.bytes().length],
      [ErrorCode.UNKNOWN_SERVER_ERROR, null, null, 0],
    );
    d.tags();
    d.end();
    logged('SyncGroup "g"', message);
  });
});
