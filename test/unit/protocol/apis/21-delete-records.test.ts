// DeleteRecords (key 21) v2 on the wire (its first flexible version), as the Java Admin's deleteRecords() sends
// it: the log start offset moves up to the given offset (-1: the high watermark) and is answered per partition.
// DeleteRecords (key 21) over the wire, v0-1: the log start moves to the asked offset (-1 = log end) and is
// answered as the low watermark; unknown partitions and out-of-range offsets are refused per partition.
import * as assert from 'assert';
import type { Wire } from './wire';
import { assertConsumed, openWire } from './wire';
import { ErrorCode } from '../../../../src/broker/errors';
import { encodeRecordBatch } from '../../../../src/broker/storage/record-batch';
import type { Writer } from '../../../../src/protocol/codec/writer';
import * as harness from './harness';
import { GroupWire } from './group-wire';

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

type Row = [topic: string, partition: number, lowWatermark: number, errorCode: number];

describe('DeleteRecords (key 21) over the wire', () => {
  let wire: harness.Wire;
  beforeEach(async () => {
    wire = await harness.openWire();
    await wire.broker.createTopic('t', 2);
    for (const p of [0, 1]) {
      const records = Array.from({ length: 5 }, (_, i) => ({
        key: null,
        value: Buffer.from(`v${i}`),
        headers: [],
        timestamp: 1000 + i,
      }));
      wire.broker.appendRecordSet(
        't',
        p,
        encodeRecordBatch(records, { producerId: -1, producerEpoch: -1, baseSequence: -1, compression: 0 }),
      );
    }
  });
  afterEach(async () => wire.close());

  async function deleteRecords(version: number, parts: [string, number, number][]): Promise<Row[]> {
    const topics = [...new Set(parts.map((p) => p[0]))];
    const body = (w: Writer) => {
      w.arrayLength(topics.length);
      for (const t of topics) {
        const ps = parts.filter((p) => p[0] === t);
        w.string(t).arrayLength(ps.length);
        for (const [, p, o] of ps) w.int32(p).int64(o);
      }
      w.int32(5000);
    };
    const r = await wire.call(21, version, body);
    assert.strictEqual(r.int32(), 0, 'throttle time');
    const rows: Row[] = [];
    const nt = r.arrayLength();
    for (let i = 0; i < nt; i++) {
      const name = r.string();
      const np = r.arrayLength();
      for (let j = 0; j < np; j++) rows.push([name, r.int32(), r.int64(), r.int16()]);
    }
    assert.strictEqual(r.remaining, 0, `v${version}: nothing after the last field`);
    return rows;
  }

  it('v0 moves the log start to the asked offset and v1 to the log end with -1', async () => {
    assert.deepStrictEqual(await deleteRecords(0, [['t', 0, 3]]), [['t', 0, 3, 0]]);
    assert.deepStrictEqual(await deleteRecords(1, [['t', 1, -1]]), [['t', 1, 5, 0]]);
    assert.strictEqual(wire.broker.partitionInfo('t', 0).logStartOffset, 3);
  });

  it('refuses an unknown partition or topic and an offset past the log end, per partition', async () => {
    assert.deepStrictEqual(
      await deleteRecords(1, [
        ['t', 2, 1],
        ['t', -1, 1],
        ['t', 0, 6],
        ['t', 1, 2],
        ['ghost', 0, 1],
      ]),
      [
        ['t', 2, -1, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
        ['t', -1, -1, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
        ['t', 0, -1, ErrorCode.OFFSET_OUT_OF_RANGE],
        ['t', 1, 2, 0],
        ['ghost', 0, -1, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ],
    );
  });
});

describe('DeleteRecords API: partition bounds and engine failures', () => {
  let wire: GroupWire;
  beforeEach(async () => {
    wire = await GroupWire.open();
    await wire.broker.createTopic('d', 2);
    await wire.broker.produce('d', [{ value: 'a' }, { value: 'b' }], { partition: 1 });
  });
  afterEach(() => wire.close());

  /** DeleteRecords v2 of [topic, partition, offset] rows; returns [topic, partition, lowWatermark, code] rows. */
  async function deleteRecords(rows: [string, number, number][]): Promise<[string, number, number, number][]> {
    const byTopic = new Map<string, [number, number][]>();
    for (const [t, p, o] of rows) byTopic.set(t, [...(byTopic.get(t) ?? []), [p, o]]);
    const d = await wire.call(21, 2, true, (e) => {
      e.len(byTopic.size);
      for (const [t, parts] of byTopic) {
        e.str(t).len(parts.length);
        for (const [p, o] of parts) e.i32(p).i64(o).tags();
        e.tags();
      }
      e.i32(30000).tags();
    });
    d.i32();
    const out: [string, number, number, number][] = [];
    d.many(() => {
      const t = d.str();
      d.many(() => {
        out.push([t, d.i32(), d.i64(), d.i16()]);
        d.tags();
      });
      d.tags();
    });
    d.tags();
    d.end();
    return out;
  }

  it('partition -1 and the partition one past the last are unknown, answered with low watermark -1', async () => {
    assert.deepStrictEqual(
      await deleteRecords([
        ['d', -1, 0],
        ['d', 2, 0],
        ['d', 1, 1],
        ['gone', 0, 0],
      ]),
      [
        ['d', -1, -1, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
        ['d', 2, -1, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
        ['d', 1, 1, 0],
        ['gone', 0, -1, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ],
    );
  });

  it('an unexpected engine failure is UNKNOWN_SERVER_ERROR (-1) for that partition, logged with its name', async () => {
    wire.failEngine('deleteRecords');
    assert.deepStrictEqual(await deleteRecords([['d', 1, 1]]), [['d', 1, -1, ErrorCode.UNKNOWN_SERVER_ERROR]]);
    assert.ok(
      wire.logs.some((l) => l.startsWith('error ') && l.includes('DeleteRecords d-1')),
      wire.logs.join(' | '),
    );
  });
});
