// DeleteTopics (key 20) v4-v5 on the wire (flexible): topics named (v6's topic ids are not offered), and from v5
// an error message for a topic that could not be deleted.
import * as assert from 'assert';
import type { Wire } from './wire';
import { assertConsumed, openWire } from './wire';

describe('DeleteTopics API v4-v5 on the wire', () => {
  let wire: Wire;
  beforeEach(async () => {
    wire = await openWire();
    await wire.broker.createTopic('doomed', 2);
  });
  afterEach(() => wire.close());

  const del = (version: number, names: string[]) =>
    wire.call(20, version, true, (w) => {
      w.compactArrayLength(names.length);
      for (const n of names) w.compactString(n);
      w.int32(30000).emptyTaggedFields();
    });

  it('v5 deletes a topic and names the problem with an unknown one', async () => {
    const r = await del(5, ['doomed', 'ghost']);
    assert.strictEqual(r.int32(), 0);
    assert.strictEqual(r.compactArrayLength(), 2);
    assert.deepStrictEqual([r.compactString(), r.int16(), r.compactNullableString()], ['doomed', 0, null]);
    r.skipTaggedFields();
    assert.deepStrictEqual([r.compactString(), r.int16()], ['ghost', 3]);
    assert.match(r.compactNullableString() ?? '', /there is no topic "ghost"/);
    r.skipTaggedFields();
    r.skipTaggedFields();
    assertConsumed(r);
    assert.strictEqual(wire.broker.getTopic('doomed'), undefined);
  });

  it('v4 has no error message field', async () => {
    const r = await del(4, ['ghost']);
    assert.strictEqual(r.int32(), 0);
    assert.strictEqual(r.compactArrayLength(), 1);
    assert.deepStrictEqual([r.compactString(), r.int16()], ['ghost', 3]);
    r.skipTaggedFields();
    r.skipTaggedFields();
    assertConsumed(r);
  });
});
