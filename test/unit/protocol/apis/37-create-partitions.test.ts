// CreatePartitions (key 37) v2-v3 on the wire (flexible), as the Java Admin's createPartitions() sends them: the
// topic grows to the new total, a smaller count is refused with a message, validateOnly changes nothing.
// CreatePartitions (key 37) over the wire, v0-1: a topic grows to the new total count, never shrinks or stays
// the same; validateOnly checks without growing; unknown topics are refused per topic.
import * as assert from 'assert';
import type { Wire } from './wire';
import { assertConsumed, openWire } from './wire';
import { ErrorCode } from '../../../../src/broker/errors';
import type { Writer } from '../../../../src/protocol/codec/writer';
import * as harness from './harness';
import { GroupWire } from './group-wire';

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

describe('CreatePartitions (key 37) over the wire', () => {
  let wire: harness.Wire;
  beforeEach(async () => {
    wire = await harness.openWire();
    await wire.broker.createTopic('grow', 2);
  });
  afterEach(async () => wire.close());

  async function createPartitions(
    version: number,
    topics: [string, number][],
    validateOnly = false,
  ): Promise<[string, number, string | null][]> {
    const body = (w: Writer) => {
      w.arrayLength(topics.length);
      for (const [name, count] of topics) w.string(name).int32(count).int32(-1);
      w.int32(5000).bool(validateOnly);
    };
    const r = await wire.call(37, version, body);
    assert.strictEqual(r.int32(), 0, 'throttle time');
    const n = r.arrayLength();
    const out: [string, number, string | null][] = [];
    for (let i = 0; i < n; i++) out.push([r.string(), r.int16(), r.nullableString()]);
    assert.strictEqual(r.remaining, 0, `v${version}: nothing after the last field`);
    return out;
  }

  it('v0 and v1 grow a topic to the new total partition count', async () => {
    assert.deepStrictEqual(await createPartitions(0, [['grow', 3]]), [['grow', 0, null]]);
    assert.strictEqual(wire.broker.getTopic('grow')?.partitions, 3);
    assert.deepStrictEqual(await createPartitions(1, [['grow', 5]]), [['grow', 0, null]]);
    assert.strictEqual(wire.broker.getTopic('grow')?.partitions, 5);
  });

  it('the same or a smaller count is refused with INVALID_PARTITIONS and a message naming both counts', async () => {
    assert.deepStrictEqual(
      await createPartitions(1, [
        ['grow', 2],
        ['grow', 1],
      ]),
      [
        [
          'grow',
          ErrorCode.INVALID_PARTITIONS,
          'topic "grow" already has 2 partition(s); the new count must be larger, got 2',
        ],
        [
          'grow',
          ErrorCode.INVALID_PARTITIONS,
          'topic "grow" already has 2 partition(s); the new count must be larger, got 1',
        ],
      ],
    );
    assert.strictEqual(wire.broker.getTopic('grow')?.partitions, 2);
  });

  it('validateOnly answers success without growing; an unknown topic gets UNKNOWN_TOPIC_OR_PARTITION', async () => {
    assert.deepStrictEqual(
      await createPartitions(
        1,
        [
          ['grow', 9],
          ['ghost', 2],
        ],
        true,
      ),
      [
        ['grow', 0, null],
        ['ghost', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'there is no topic "ghost"'],
      ],
    );
    assert.strictEqual(wire.broker.getTopic('grow')?.partitions, 2);
  });
});

describe('CreatePartitions API: an unexpected engine failure', () => {
  let wire: GroupWire;
  beforeEach(async () => {
    wire = await GroupWire.open();
    await wire.broker.createTopic('t', 1);
  });
  afterEach(() => wire.close());

  it('is UNKNOWN_SERVER_ERROR (-1) with its message for that topic, logged with the name; the count is unchanged', async () => {
    const message = wire.failEngine('createPartitions');
    const d = await wire.call(37, 2, true, (e) =>
      e.len(1).str('t').i32(3).len(null).tags().i32(30000).bool(false).tags(),
    );
    d.i32();
    const [row] = d.many(() => {
      const r = [d.str(), d.i16(), d.nstr()];
      d.tags();
      return r;
    });
    d.tags();
    d.end();
    assert.deepStrictEqual(row, ['t', ErrorCode.UNKNOWN_SERVER_ERROR, message]);
    assert.ok(
      wire.logs.some((l) => l.startsWith('error ') && l.includes('CreatePartitions "t"')),
      wire.logs.join(' | '),
    );
    assert.strictEqual(wire.broker.getTopic('t')?.partitions, 1);
  });
});
