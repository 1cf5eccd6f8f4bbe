// CreatePartitions (key 37) over the wire, v0-1: a topic grows to the new total count, never shrinks or stays
// the same; validateOnly checks without growing; unknown topics are refused per topic.
import * as assert from 'assert';
import { ErrorCode } from '../../../../src/broker/errors';
import type { Writer } from '../../../../src/protocol/codec/writer';
import type { Wire } from './harness';
import { openWire } from './harness';

describe('CreatePartitions (key 37) over the wire', () => {
  let wire: Wire;
  beforeEach(async () => {
    wire = await openWire();
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
