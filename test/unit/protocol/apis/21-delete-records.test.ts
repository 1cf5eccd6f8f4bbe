// DeleteRecords (key 21) v2 on the wire (its first flexible version), as the Java Admin's deleteRecords() sends
// it: the log start offset moves up to the given offset (-1: the high watermark) and is answered per partition.
import * as assert from 'assert';
import type { Wire } from './wire';
import { assertConsumed, openWire } from './wire';

describe('DeleteRecords API v2 on the wire', () => {
  let wire: Wire;
  beforeEach(async () => {
    wire = await openWire();
    await wire.broker.createTopic('d', 2);
    for (let i = 0; i < 5; i++)
      await wire.broker.produce('d', [{ value: `v${i}`, timestamp: 1000 + i }], { partition: 0 });
    await wire.broker.produce('d', [{ value: 'x', timestamp: 1000 }], { partition: 1 });
  });
  afterEach(() => wire.close());

  it('advances each partition and reports the new low watermark; an unknown partition is error 3', async () => {
    const r = await wire.call(21, 2, true, (w) => {
      w.compactArrayLength(1).compactString('d');
      w.compactArrayLength(3);
      w.int32(0).int64(3).emptyTaggedFields();
      w.int32(1).int64(-1).emptyTaggedFields();
      w.int32(9).int64(0).emptyTaggedFields();
      w.emptyTaggedFields();
      w.int32(30000).emptyTaggedFields();
    });
    assert.strictEqual(r.int32(), 0);
    assert.strictEqual(r.compactArrayLength(), 1);
    assert.strictEqual(r.compactString(), 'd');
    const parts: number[][] = [];
    for (let n = r.compactArrayLength(); n > 0; n--) {
      parts.push([r.int32(), r.int64(), r.int16()]);
      r.skipTaggedFields();
    }
    r.skipTaggedFields();
    r.skipTaggedFields();
    assertConsumed(r);
    assert.deepStrictEqual(parts, [
      [0, 3, 0],
      [1, 1, 0],
      [9, -1, 3],
    ]);
    assert.strictEqual(wire.broker.partitionInfo('d', 0).logStartOffset, 3);
  });
});
