// DeleteGroups (key 42) v2 (flexible) over the wire against a real broker, frames built from Kafka's message spec.
import * as assert from 'assert';
import { ErrorCode } from '../../../../src/broker/errors';
import { GroupWire, stableStaticGroup } from './group-wire';

describe('DeleteGroups API: v2 (flexible)', () => {
  let wire: GroupWire;
  beforeEach(async () => {
    wire = await GroupWire.open();
    await wire.broker.createTopic('t', 1);
    await wire.broker.commitOffsets('idle', '', -1, [{ topic: 't', partition: 0, offset: 1, metadata: null }]);
  });
  afterEach(() => wire.close());

  it('v2 deletes an empty group with its offsets and refuses a group with members and an unknown group', async () => {
    await stableStaticGroup(wire, 'busy');
    const d = await wire.call(42, 2, true, (e) => e.len(3).str('idle').str('busy').str('nope').tags());
    d.i32();
    const results = d.many(() => {
      const r = [d.str(), d.i16()];
      d.tags();
      return r;
    });
    d.tags();
    d.end();
    assert.deepStrictEqual(results, [
      ['idle', 0],
      ['busy', ErrorCode.NON_EMPTY_GROUP],
      ['nope', ErrorCode.GROUP_ID_NOT_FOUND],
    ]);
    assert.deepStrictEqual(wire.broker.fetchOffsets('idle', null), []);
  });
});
