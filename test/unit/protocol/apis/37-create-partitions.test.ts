// CreatePartitions (key 37) v2-v3 on the wire (flexible), as the Java Admin's createPartitions() sends them: the
// topic grows to the new total, a smaller count is refused with a message, validateOnly changes nothing.
import * as assert from 'assert';
import type { Wire } from './wire';
import { assertConsumed, openWire } from './wire';

describe('CreatePartitions API v2-v3 on the wire', () => {
  let wire: Wire;
  beforeEach(async () => {
    wire = await openWire();
    await wire.broker.createTopic('grow', 1);
  });
  afterEach(() => wire.close());

  const grow = (version: number, count: number, validateOnly: boolean) =>
    wire.call(37, version, true, (w) => {
      w.compactArrayLength(1).compactString('grow').int32(count).compactArrayLength(null).emptyTaggedFields();
      w.int32(30000).bool(validateOnly).emptyTaggedFields();
    });

  const read = (r: Awaited<ReturnType<typeof grow>>) => {
    assert.strictEqual(r.int32(), 0);
    assert.strictEqual(r.compactArrayLength(), 1);
    const out = [r.compactString(), r.int16(), r.compactNullableString()] as const;
    r.skipTaggedFields();
    r.skipTaggedFields();
    assertConsumed(r);
    return out;
  };

  it('v3 grows the topic to the new total', async () => {
    assert.deepStrictEqual(read(await grow(3, 4, false)), ['grow', 0, null]);
    assert.strictEqual(wire.broker.getTopic('grow')?.partitions, 4);
  });

  it('v2 validateOnly answers without growing, and a count that does not grow is INVALID_PARTITIONS', async () => {
    assert.deepStrictEqual(read(await grow(2, 3, true)), ['grow', 0, null]);
    assert.strictEqual(wire.broker.getTopic('grow')?.partitions, 1);
    const [, code, message] = read(await grow(2, 1, false));
    assert.strictEqual(code, 37);
    assert.match(message ?? '', /already has 1 partition/);
  });
});
