// LeaveGroup (key 13) v5 over the wire against a real broker, frames built from Kafka's message spec: a batch of
// members, each with a reason (v5), each answered with its own code.
// LeaveGroup (key 13) over the wire: v0-2 carry one member whose own error is the answer; v3 carries a list
// and answers per member. A member that left is gone from the group.
import * as assert from 'assert';
import { ErrorCode } from '../../../../src/broker/errors';
import { GroupWire, stableStaticGroup } from './group-wire';
import type { Wire } from './harness';
import { openWire } from './harness';
import { describeGroups, leaveGroup, soloMember } from './group-frames';

describe('LeaveGroup API: v5 (reasons)', () => {
  let wire: GroupWire;
  beforeEach(async () => {
    wire = await GroupWire.open();
  });
  afterEach(() => wire.close());

  it('v5 removes the member that leaves with a reason and answers an unknown one UNKNOWN_MEMBER_ID', async () => {
    const m = await stableStaticGroup(wire, 'g');
    const d = await wire.call(13, 5, true, (e) =>
      e
        .str('g')
        .len(2)
        .str(m.memberId)
        .nstr('i1')
        .nstr('the consumer is closing')
        .tags()
        .str('nobody')
        .nstr(null)
        .nstr(null)
        .tags()
        .tags(),
    );
    d.i32();
    assert.strictEqual(d.i16(), ErrorCode.NONE, 'top level: not every member failed');
    const members = d.many(() => {
      const r = [d.str(), d.nstr(), d.i16()];
      d.tags();
      return r;
    });
    d.tags();
    d.end();
    assert.deepStrictEqual(members, [
      [m.memberId, 'i1', ErrorCode.NONE],
      ['nobody', null, ErrorCode.UNKNOWN_MEMBER_ID],
    ]);
    assert.strictEqual(wire.broker.describeGroup('g').members.length, 0);
    assert.ok(
      wire.logs.includes(`info group "g": ${m.memberId} leaves: the consumer is closing`),
      `the reason is logged: ${wire.logs.join(' | ')}`,
    );
    assert.ok(!wire.logs.some((l) => l.includes('nobody')), 'a member without a reason is not logged');
  });

  it('v5 logs a reason of a member named only by its instance id', async () => {
    await stableStaticGroup(wire, 'g');
    const d = await wire.call(13, 5, true, (e) =>
      e.str('g').len(1).str('').nstr('i1').nstr('shutting down').tags().tags(),
    );
    d.i32();
    assert.strictEqual(d.i16(), ErrorCode.NONE);
    assert.ok(wire.logs.includes('info group "g": i1 leaves: shutting down'), wire.logs.join(' | '));
  });
});

describe('LeaveGroup (key 13) over the wire', () => {
  let wire: Wire;
  beforeEach(async () => (wire = await openWire()));
  afterEach(async () => wire.close());

  it('v0-2: the member leaves and the group is empty; leaving again answers UNKNOWN_MEMBER_ID', async () => {
    for (let v = 0; v <= 2; v++) {
      const groupId = `l${v}`;
      const [member] = await soloMember(wire, groupId);
      assert.deepStrictEqual(await leaveGroup(wire, v, groupId, [member]), { errorCode: 0, members: [] }, `v${v}`);
      const [d] = await describeGroups(wire, 0, [groupId]);
      assert.deepStrictEqual(d.members, []);
      assert.strictEqual(d.state, 'Empty');
      assert.strictEqual((await leaveGroup(wire, v, groupId, [member])).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    }
  });

  it('v3 answers per member: the known one leaves, the unknown one gets UNKNOWN_MEMBER_ID', async () => {
    const [member] = await soloMember(wire, 'l3');
    const r = await leaveGroup(wire, 3, 'l3', [member, 'ghost']);
    assert.strictEqual(r.errorCode, 0);
    assert.deepStrictEqual(r.members, [
      [member, null, 0],
      ['ghost', null, ErrorCode.UNKNOWN_MEMBER_ID],
    ]);
  });
});

describe('LeaveGroup (key 13) v3: the top-level code', () => {
  let wire: Wire;
  beforeEach(async () => (wire = await openWire()));
  afterEach(async () => wire.close());

  it('is 0 when only some members failed, even when the failed one is listed first', async () => {
    const [member] = await soloMember(wire, 'l3');
    const r = await leaveGroup(wire, 3, 'l3', ['ghost', member]);
    assert.strictEqual(r.errorCode, 0);
    assert.deepStrictEqual(r.members, [
      ['ghost', null, ErrorCode.UNKNOWN_MEMBER_ID],
      [member, null, 0],
    ]);
  });

  it('is 0 also when every member failed (as Kafka 4: each failure is in its member entry)', async () => {
    await soloMember(wire, 'l3');
    const r = await leaveGroup(wire, 3, 'l3', ['ghost', 'phantom']);
    assert.strictEqual(r.errorCode, ErrorCode.NONE);
    assert.deepStrictEqual(r.members, [
      ['ghost', null, ErrorCode.UNKNOWN_MEMBER_ID],
      ['phantom', null, ErrorCode.UNKNOWN_MEMBER_ID],
    ]);
  });
});

describe('LeaveGroup API: an unexpected engine failure', () => {
  let wire: GroupWire;
  beforeEach(async () => (wire = await GroupWire.open()));
  afterEach(() => wire.close());

  /** The failure is logged as an error naming the request and what went wrong. */
  const logged = (what: string, message: string) =>
    assert.ok(
      wire.logs.some((l) => l.startsWith('error ') && l.includes(what) && l.includes(message)),
      `an error log names ${what}: ${wire.logs.join(' | ')}`,
    );

  it('is answered UNKNOWN_SERVER_ERROR (-1) with no members, and logged with the group', async () => {
    const message = wire.failEngine('leaveGroup');
    const d = await wire.call(13, 5, true, (e) => e.str('g').len(1).str('m').nstr(null).nstr(null).tags().tags());
    assert.strictEqual(d.i32(), 0);
    assert.strictEqual(d.i16(), ErrorCode.UNKNOWN_SERVER_ERROR);
    assert.strictEqual(d.len(), 0, 'no member answers');
    d.tags();
    d.end();
    logged('LeaveGroup "g"', message);
  });
});
