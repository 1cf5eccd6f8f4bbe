// LeaveGroup (key 13) v5 over the wire against a real broker, frames built from Kafka's message spec: a batch of
// members, each with a reason (v5), each answered with its own code.
import * as assert from 'assert';
import { ErrorCode } from '../../../../src/broker/errors';
import { GroupWire, stableStaticGroup } from './group-wire';

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
  });
});
