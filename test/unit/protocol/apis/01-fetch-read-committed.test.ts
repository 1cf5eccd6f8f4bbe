// Fetch (key 1) and ListOffsets (key 2) with transactions, read from hand-built frames: read_committed returns only
// batches below the last stable offset and the aborted transactions overlapping them (v4 and flexible v12), every
// version reports the real last stable offset, a parked read_committed poll wakes when a marker moves it, and
// ListOffsets latest answers it under read_committed.
import * as assert from 'assert';
import { decodeRecordBatches } from '../../../../src/broker/storage/record-batch';
import type { Reader } from '../../../../src/protocol/codec/reader';
import { FakeVerifier, mark, txnSend } from '../../broker/storage/txn-helpers';
import type { Wire } from './wire';
import { assertConsumed, openWire } from './wire';

interface FetchedPartition {
  errorCode: number;
  highWatermark: number;
  lastStableOffset: number;
  aborted: [number, number][] | null;
  /** offset of every record returned (control records included). */
  offsets: number[];
}

describe('Fetch and ListOffsets with transactions (wire)', () => {
  let wire: Wire;

  /**
   *  0 plain p0 | 1 P1 a1 | 2 P2 b1 | 3 P1 ABORT | 4 P2 b2 | 5 P3 c1 (open) | 6 P2 COMMIT | 7 plain p7
   */
  beforeEach(async () => {
    wire = await openWire();
    const b = wire.broker;
    b.useTxnPartitionVerifier(new FakeVerifier());
    await b.createTopic('tx', 1);
    const tp = [{ topic: 'tx', partition: 0 }];
    await b.produce('tx', [{ value: 'p0' }], { partition: 0 });
    await txnSend(b, 'tx', 0, 1, 0, ['a1']);
    await txnSend(b, 'tx', 0, 2, 0, ['b1']);
    await mark(b, 1, 0, false, tp);
    await txnSend(b, 'tx', 0, 2, 0, ['b2']);
    await txnSend(b, 'tx', 0, 3, 0, ['c1']);
    await mark(b, 2, 0, true, tp);
    await b.produce('tx', [{ value: 'p7' }], { partition: 0 });
  });
  afterEach(() => wire.close());

  const offsetsOf = (records: Buffer | null) =>
    records ? decodeRecordBatches(records).flatMap((x) => x.records.map((r) => r.offset)) : [];

  async function fetchV4(isolation: number, fetchOffset: number, maxWaitMs = 0): Promise<FetchedPartition> {
    const r = await wire.call(1, 4, false, (w) => {
      w.int32(-1)
        .int32(maxWaitMs)
        .int32(1)
        .int32(1 << 20)
        .int8(isolation);
      w.arrayLength(1).string('tx');
      w.arrayLength(1)
        .int32(0)
        .int64(fetchOffset)
        .int32(1 << 20);
    });
    assert.strictEqual(r.int32(), 0, 'throttle');
    assert.strictEqual(r.arrayLength(), 1);
    assert.strictEqual(r.string(), 'tx');
    assert.strictEqual(r.arrayLength(), 1);
    assert.strictEqual(r.int32(), 0);
    const errorCode = r.int16();
    const highWatermark = r.int64();
    const lastStableOffset = r.int64();
    const n = r.arrayLength();
    const aborted: [number, number][] | null = n < 0 ? null : [];
    for (let i = 0; i < n; i++) aborted!.push([r.int64(), r.int64()]);
    const offsets = offsetsOf(r.nullableBytes());
    assertConsumed(r);
    return { errorCode, highWatermark, lastStableOffset, aborted, offsets };
  }

  function readV12Partition(r: Reader): FetchedPartition {
    assert.strictEqual(r.int32(), 0);
    const errorCode = r.int16();
    const highWatermark = r.int64();
    const lastStableOffset = r.int64();
    r.int64(); // log start
    const n = r.compactArrayLength();
    const aborted: [number, number][] | null = n < 0 ? null : [];
    for (let i = 0; i < n; i++) {
      aborted!.push([r.int64(), r.int64()]);
      r.skipTaggedFields();
    }
    assert.strictEqual(r.int32(), -1, 'preferred read replica');
    const offsets = offsetsOf(r.compactNullableBytes());
    r.skipTaggedFields();
    return { errorCode, highWatermark, lastStableOffset, aborted, offsets };
  }

  async function fetchV12(isolation: number, fetchOffset: number): Promise<FetchedPartition> {
    const r = await wire.call(1, 12, true, (w) => {
      w.int32(-1)
        .int32(0)
        .int32(1)
        .int32(1 << 20)
        .int8(isolation)
        .int32(0)
        .int32(-1);
      w.compactArrayLength(1).compactString('tx');
      w.compactArrayLength(1)
        .int32(0)
        .int32(-1)
        .int64(fetchOffset)
        .int32(-1)
        .int64(-1)
        .int32(1 << 20);
      w.emptyTaggedFields();
      w.emptyTaggedFields();
      w.compactArrayLength(0);
      w.compactString('');
      w.emptyTaggedFields();
    });
    r.int32(); // throttle
    assert.strictEqual(r.int16(), 0);
    r.int32(); // session
    assert.strictEqual(r.compactArrayLength(), 1);
    assert.strictEqual(r.compactString(), 'tx');
    assert.strictEqual(r.compactArrayLength(), 1);
    const part = readV12Partition(r);
    r.skipTaggedFields();
    r.skipTaggedFields();
    assertConsumed(r);
    return part;
  }

  it('read_committed v4 stops at the last stable offset and lists the aborted transaction in range', async () => {
    assert.deepStrictEqual(await fetchV4(1, 0), {
      errorCode: 0,
      highWatermark: 8,
      lastStableOffset: 5,
      aborted: [[1, 1]],
      offsets: [0, 1, 2, 3, 4],
    });
  });

  it('read_uncommitted returns everything, reports the same last stable offset, and no aborted list', async () => {
    assert.deepStrictEqual(await fetchV4(0, 0), {
      errorCode: 0,
      highWatermark: 8,
      lastStableOffset: 5,
      aborted: null,
      offsets: [0, 1, 2, 3, 4, 5, 6, 7],
    });
  });

  it('read_committed at the last stable offset gets nothing and an empty list; past the abort, none of it', async () => {
    const atLso = await fetchV4(1, 5);
    assert.deepStrictEqual([atLso.offsets, atLso.aborted, atLso.lastStableOffset], [[], [], 5]);
    assert.deepStrictEqual(await fetchV12(1, 4), {
      errorCode: 0,
      highWatermark: 8,
      lastStableOffset: 5,
      aborted: [],
      offsets: [4],
    });
    const fromStart = await fetchV12(1, 1);
    assert.deepStrictEqual([fromStart.aborted, fromStart.offsets], [[[1, 1]], [1, 2, 3, 4]]);
  });

  it('a parked read_committed poll is answered when the marker moves the last stable offset', async () => {
    const parked = fetchV4(1, 5, 5000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await mark(wire.broker, 3, 0, true, [{ topic: 'tx', partition: 0 }]); // COMMIT at 8
    const got = await parked;
    assert.deepStrictEqual([got.lastStableOffset, got.highWatermark, got.aborted], [9, 9, []]);
    assert.deepStrictEqual(got.offsets, [5, 6, 7, 8]);
  });

  it('ListOffsets latest answers the last stable offset under read_committed (v2+) and the log end otherwise', async () => {
    const latest = async (isolation: number) => {
      const r = await wire.call(2, 2, false, (w) => {
        w.int32(-1).int8(isolation);
        w.arrayLength(1).string('tx');
        w.arrayLength(1).int32(0).int64(-1);
      });
      r.int32(); // throttle
      assert.strictEqual(r.arrayLength(), 1);
      r.string();
      assert.strictEqual(r.arrayLength(), 1);
      assert.strictEqual(r.int32(), 0);
      assert.strictEqual(r.int16(), 0);
      r.int64(); // timestamp
      const offset = r.int64();
      assertConsumed(r);
      return offset;
    };
    assert.strictEqual(await latest(1), 5);
    assert.strictEqual(await latest(0), 8);
  });
});
