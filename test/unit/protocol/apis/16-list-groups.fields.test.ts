// ListGroups (key 16) over the wire, v0-2: live groups and groups known only from committed offsets, each with
// its protocol type.
import * as assert from 'assert';
import type { Wire } from './harness';
import { openWire } from './harness';
import { listGroups, soloMember } from './group-frames';

describe('ListGroups (key 16) over the wire', () => {
  let wire: Wire;
  beforeEach(async () => (wire = await openWire()));
  afterEach(async () => wire.close());

  it('every version v0-2 lists a live group and a group that only has committed offsets', async () => {
    await wire.broker.createTopic('t', 1);
    await soloMember(wire, 'live');
    await wire.broker.commitOffsets('offsets-only', '', -1, [{ topic: 't', partition: 0, offset: 3, metadata: null }]);
    for (let v = 0; v <= 2; v++) {
      assert.deepStrictEqual(await listGroups(wire, v), {
        errorCode: 0,
        groups: ['live:consumer', 'offsets-only:'],
      });
    }
  });
});
