// OffsetFetch (key 9) over the wire, v1-5: committed offsets and metadata per asked partition; a partition or
// topic without a commit answers -1 and ""; a null topic list (v2+) means everything the group committed.
import * as assert from 'assert';
import type { Writer } from '../../../../src/protocol/codec/writer';
import type { Wire } from './harness';
import { openWire } from './harness';

type Row = [topic: string, partition: number, offset: number, metadata: string | null, errorCode: number];

describe('OffsetFetch (key 9) over the wire', () => {
  let wire: Wire;
  beforeEach(async () => {
    wire = await openWire();
    await wire.broker.createTopic('t', 2);
    await wire.broker.createTopic('u', 1);
    await wire.broker.commitOffsets('g', '', -1, [
      { topic: 't', partition: 1, offset: 42, metadata: 'hello' },
      { topic: 'u', partition: 0, offset: 7, metadata: null },
    ]);
  });
  afterEach(async () => wire.close());

  async function offsetFetch(version: number, topics: [string, number[]][] | null): Promise<Row[]> {
    const body = (w: Writer) => {
      w.string('g');
      if (topics === null) w.int32(-1);
      else {
        w.arrayLength(topics.length);
        for (const [name, parts] of topics) {
          w.string(name).arrayLength(parts.length);
          for (const p of parts) w.int32(p);
        }
      }
    };
    const r = await wire.call(9, version, body);
    if (version >= 3) assert.strictEqual(r.int32(), 0, 'throttle time');
    const rows: Row[] = [];
    const nt = r.arrayLength();
    for (let i = 0; i < nt; i++) {
      const name = r.string();
      const np = r.arrayLength();
      for (let j = 0; j < np; j++) {
        const partition = r.int32();
        const offset = r.int64();
        if (version >= 5) assert.strictEqual(r.int32(), -1, 'leader epoch');
        rows.push([name, partition, offset, r.nullableString(), r.int16()]);
      }
    }
    if (version >= 2) assert.strictEqual(r.int16(), 0, 'top-level error code');
    assert.strictEqual(r.remaining, 0, `v${version}: nothing after the last field`);
    return rows;
  }

  it('every version v1-5 answers the asked partitions, -1 and "" where nothing was committed', async () => {
    for (let v = 1; v <= 5; v++) {
      const rows = await offsetFetch(v, [
        ['t', [0, 1]],
        ['u', [0]],
        ['never', [3]],
      ]);
      assert.deepStrictEqual(
        rows.sort(),
        [
          ['never', 3, -1, '', 0],
          ['t', 0, -1, '', 0],
          ['t', 1, 42, 'hello', 0],
          ['u', 0, 7, '', 0],
        ],
        `v${v}`,
      );
    }
  });

  it('a null topic list (v2+) answers every partition the group committed', async () => {
    assert.deepStrictEqual((await offsetFetch(2, null)).sort(), [
      ['t', 1, 42, 'hello', 0],
      ['u', 0, 7, '', 0],
    ]);
  });
});
