/**
 * verifyDataDir after a crash (no clean-shutdown marker): a problem before a partition's recovery point is damage
 * (those bytes were fsynced and acknowledged), one at or after it is 'unflushed' (the next open cuts it and no
 * acks=all producer was told it was stored). Index and .txnindex findings take the severity of the log bytes they
 * are about; a problem with no byte position is unflushed only in a segment wholly past the recovery point.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import { encodeControlBatch, markTransactional } from '../../../../src/broker/storage/control-batch';
import { stampBaseOffset } from '../../../../src/broker/storage/record-batch';
import type { VerifyProblem, VerifyReport } from '../../../../src/broker/storage/verify';
import { verifyDataDir } from '../../../../src/broker/storage/verify';
import { batchAt, crashed, emptyFolder, everyByte, timeIndex, writeSegment } from './verify-helpers';

const finding = (x: VerifyProblem) => [x.file, x.position ?? null, x.offset ?? null, x.severity, x.message];
const part = (r: VerifyReport, partition: number) => r.partitions.find((p) => p.partition === partition)!;
const flipped = (b: Buffer) => {
  b[b.length - 1] ^= 0x01;
  return b;
};

describe('storage: after a crash verify tells damage (before the recovery point) from an unflushed tail', () => {
  let dir = '';
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('each problem is damage or unflushed by where it lies against its partition recovery point', async () => {
    dir = await emptyFolder({ c: 5 });
    // c-0: segments 100, 200 (recovery point at its second batch), 300. A bad batch in segment 100, at a byte
    // position past the recovery point's position, is still damage: the whole segment is before it. Segment 300
    // (past the recovery point) does not follow on from 200: unflushed, though the finding has no byte position.
    const s100 = writeSegment(dir, 'c', 0, 100, { log: [batchAt(100, 2, 1000), flipped(batchAt(102, 2, 1002))] });
    const s200 = writeSegment(dir, 'c', 0, 200, { log: [batchAt(200, 2, 1010), batchAt(202, 2, 1012)] });
    writeSegment(dir, 'c', 0, 300, { log: [batchAt(300, 2, 1020)] });
    // c-1 / c-2: one segment, recovery point at the second batch; a bad first batch is damage, a bad second one is not.
    const c1 = writeSegment(dir, 'c', 1, 0, { log: [flipped(batchAt(0, 2, 1000)), batchAt(2, 2, 1002)] });
    const c2 = writeSegment(dir, 'c', 2, 0, { log: [batchAt(0, 2, 1000), flipped(batchAt(2, 2, 1002))] });
    // c-3: recovery point at the third batch; wrong time index entries about the second batch (flushed) and the
    // third (not flushed).
    const c3 = writeSegment(dir, 'c', 3, 0, {
      log: [batchAt(0, 2, 1000), batchAt(2, 2, 1002), batchAt(4, 2, 1004)],
      timeindex: timeIndex([
        [1000, 2], // the records before offset 2 reach 1001
        [1002, 4], // ... before offset 4 reach 1003
      ]),
    });
    // c-4: a transaction of producer 7 aborted at offset 102, all flushed, and an empty .txnindex.
    const marker = encodeControlBatch({
      producerId: 7,
      producerEpoch: 0,
      commit: false,
      coordinatorEpoch: 0,
      timestamp: 1003,
    });
    stampBaseOffset(marker, 0, 102);
    const c4 = writeSegment(dir, 'c', 4, 100, {
      log: [markTransactional(batchAt(100, 2, 1000, { producerId: 7 })), marker, batchAt(103, 1, 1004)],
      txnindex: Buffer.alloc(0),
    });
    crashed(dir, {
      'c 0': [200, s200.positions[1]],
      'c 1': [0, c1.positions[1]],
      'c 2': [0, c2.positions[1]],
      'c 3': [0, c3.positions[2]],
      'c 4': [100, c4.size],
    });

    const before = everyByte(dir);
    const r = await verifyDataDir(dir);
    assert.deepStrictEqual(everyByte(dir), before, 'verify cuts nothing, not even an unflushed tail');
    assert.strictEqual(r.cleanShutdown, false);
    const crc = /^CRC-32C mismatch/;
    const p0 = part(r, 0).problems;
    assert.deepStrictEqual(
      p0.map(finding).map((x) => x.slice(0, 4)),
      [
        ['topics/c-0/00000000000000000100.log', s100.positions[1], 102, 'damage'],
        ['topics/c-0/00000000000000000300.log', null, null, 'unflushed'],
      ],
    );
    assert.match(p0[0].message, crc);
    assert.strictEqual(p0[1].message, 'the segment starts at offset 300 but the previous one ends at 204');
    assert.deepStrictEqual(
      part(r, 1).problems.map((x) => [x.position, x.severity]),
      [[0, 'damage']],
    );
    assert.deepStrictEqual(
      part(r, 2).problems.map((x) => [x.position, x.severity]),
      [[c2.positions[1], 'unflushed']],
    );
    assert.deepStrictEqual(
      part(r, 3).problems.map((x) => [x.position, x.offset, x.severity]),
      [
        [0, 2, 'damage'],
        [12, 4, 'unflushed'],
      ],
    );
    assert.deepStrictEqual(part(r, 4).problems.map(finding), [
      [
        'topics/c-4/00000000000000000100.txnindex',
        null,
        102,
        'damage',
        'no entry for the ABORT marker of producer 7 at offset 102',
      ],
    ]);
    assert.deepStrictEqual(
      r.partitions.map((p) => p.ok),
      [false, false, true, false, false],
    );
    assert.strictEqual(r.ok, false);
  });

  it('a partition whose only problems are unflushed is ok, and so is the folder', async () => {
    dir = await emptyFolder({ c: 1 });
    const s = writeSegment(dir, 'c', 0, 0, { log: [batchAt(0, 2, 1000), batchAt(2, 2, 1002).subarray(0, 30)] });
    crashed(dir, { 'c 0': [0, s.positions[1]] });
    const r = await verifyDataDir(dir);
    assert.deepStrictEqual(r.partitions[0].problems.map(finding), [
      [
        'topics/c-0/00000000000000000000.log',
        s.positions[1],
        2,
        'unflushed',
        'torn batch: 30 bytes at the end, less than a batch header',
      ],
    ]);
    assert.deepStrictEqual([r.partitions[0].ok, r.ok], [true, true]);
  });
});
