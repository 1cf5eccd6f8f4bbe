// DeleteRecords (key 21) over the wire, v0-1: the log start moves to the asked offset (-1 = log end) and is
// answered as the low watermark; unknown partitions and out-of-range offsets are refused per partition.
import * as assert from 'assert';
import { ErrorCode } from '../../../../src/broker/errors';
import { encodeRecordBatch } from '../../../../src/broker/storage/record-batch';
import type { Writer } from '../../../../src/protocol/codec/writer';
import type { Wire } from './harness';
import { openWire } from './harness';

type Row = [topic: string, partition: number, lowWatermark: number, errorCode: number];

describe('DeleteRecords (key 21) over the wire', () => {
  let wire: Wire;
  beforeEach(async () => {
    wire = await openWire();
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
