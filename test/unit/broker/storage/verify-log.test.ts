/**
 * verifyDataDir over the .log files: each way a segment's batches can be wrong (a torn tail, a batchLength below a
 * header, offsets that do not follow on, records that do not decode, a gap between segments) is reported with its
 * file, byte position, offset and a message naming the problem; segments larger than the read chunk are read to
 * the end; a segment removed while verifying is skipped; errors other than a missing file are not hidden.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import {
  OFFSET_LAST_OFFSET_DELTA,
  OFFSET_RECORD_COUNT,
  encodeRecordBatch,
} from '../../../../src/broker/storage/record-batch';
import type { VerifyProblem, VerifyReport } from '../../../../src/broker/storage/verify';
import { verifyDataDir } from '../../../../src/broker/storage/verify';
import {
  batchAt,
  cleanedBelow,
  emptyFolder,
  everyByte,
  partitionDir,
  resealed,
  segName,
  writeSegment,
} from './verify-helpers';

/** A problem as [file, position, offset, severity, message] (null where it has none). */
const finding = (x: VerifyProblem) => [x.file, x.position ?? null, x.offset ?? null, x.severity, x.message];
const part = (r: VerifyReport, topic: string, partition: number) =>
  r.partitions.find((p) => p.topic === topic && p.partition === partition)!;

describe('storage: verify reports what is wrong in a segment log, by file, byte and offset', () => {
  const dirs: string[] = [];
  const folder = async (topics: Record<string, number>) => {
    const d = await emptyFolder(topics);
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('a torn tail shorter than a batch header is named with its byte count, its position and the offset it would hold', async () => {
    const d = await folder({ t: 1 });
    const tail = batchAt(105, 1, 1020).subarray(0, 10);
    const { positions, size } = writeSegment(d, 't', 0, 100, {
      log: [batchAt(100, 3, 1000), batchAt(103, 2, 1010), tail],
    });
    const before = everyByte(d);
    const r = await verifyDataDir(d);
    assert.deepStrictEqual(everyByte(d), before, 'verify changes nothing');
    const p = part(r, 't', 0);
    assert.deepStrictEqual(p.problems.map(finding), [
      [
        'topics/t-0/00000000000000000100.log',
        positions[2],
        105,
        'damage',
        'torn batch: 10 bytes at the end, less than a batch header',
      ],
    ]);
    assert.deepStrictEqual([p.ok, p.segments, p.batches, p.records, p.bytes], [false, 1, 2, 5, size]);
    assert.strictEqual(r.ok, false);
  });

  it('a batch cut short is reported as torn with the size it claims and the bytes left', async () => {
    const d = await folder({ t: 1 });
    const second = batchAt(103, 2, 1010);
    const { positions } = writeSegment(d, 't', 0, 100, {
      log: [batchAt(100, 3, 1000), second.subarray(0, second.length - 5)],
    });
    const r = await verifyDataDir(d);
    assert.deepStrictEqual(part(r, 't', 0).problems.map(finding), [
      [
        'topics/t-0/00000000000000000100.log',
        positions[1],
        103,
        'damage',
        `torn batch: it says ${second.length} bytes but the file has ${second.length - 5} left`,
      ],
    ]);
  });

  it('a batchLength smaller than a batch header is reported as such, not as a torn batch', async () => {
    const d = await folder({ t: 1 });
    const bad = batchAt(103, 2, 1010);
    bad.writeInt32BE(10, 8);
    const { positions } = writeSegment(d, 't', 0, 100, { log: [batchAt(100, 3, 1000), bad, batchAt(105, 1, 1020)] });
    const r = await verifyDataDir(d);
    assert.deepStrictEqual(part(r, 't', 0).problems.map(finding), [
      [
        'topics/t-0/00000000000000000100.log',
        positions[1],
        103,
        'damage',
        'batchLength 10 is smaller than a batch header',
      ],
    ]);
  });

  it('a batch whose base offset does not follow on from the previous batch is named with both offsets', async () => {
    const d = await folder({ t: 1 });
    const { positions } = writeSegment(d, 't', 0, 100, {
      log: [batchAt(100, 3, 1000), batchAt(105, 1, 1010), batchAt(106, 1, 1020)],
    });
    const r = await verifyDataDir(d);
    const p = part(r, 't', 0);
    assert.deepStrictEqual(p.problems.map(finding), [
      ['topics/t-0/00000000000000000100.log', positions[1], 105, 'damage', 'base offset 105 where 103 was expected'],
    ]);
    assert.strictEqual(p.batches, 1, 'the scan stops at the bad batch');
  });

  it('in a compacted segment offsets may skip ahead but never go back; a segment at the cleaner checkpoint is not compacted', async () => {
    const d = await folder({ t: 1 });
    cleanedBelow(d, { 't 0': 200 });
    const cleaned = writeSegment(d, 't', 0, 100, {
      log: [batchAt(100, 3, 1000), batchAt(110, 1, 1010), batchAt(105, 1, 1020)],
    });
    const atCheckpoint = writeSegment(d, 't', 0, 200, { log: [batchAt(200, 1, 1030), batchAt(205, 1, 1040)] });
    const r = await verifyDataDir(d);
    assert.deepStrictEqual(part(r, 't', 0).problems.map(finding), [
      [
        'topics/t-0/00000000000000000100.log',
        cleaned.positions[2],
        105,
        'damage',
        'base offset 105 where at least 111 was expected',
      ],
      [
        'topics/t-0/00000000000000000200.log',
        atCheckpoint.positions[1],
        205,
        'damage',
        'base offset 205 where 201 was expected',
      ],
    ]);
  });

  it('records that do not decode are reported by default (deep), and not with deep: false', async () => {
    const d = await folder({ t: 1 });
    // Two records, but the header claims three (and an offset span of three): framing and CRC are fine.
    const lying = batchAt(100, 2, 1000);
    lying.writeInt32BE(3, OFFSET_RECORD_COUNT);
    lying.writeInt32BE(2, OFFSET_LAST_OFFSET_DELTA);
    resealed(lying);
    writeSegment(d, 't', 0, 100, { log: [lying, batchAt(103, 1, 1010)] });
    const deep = await verifyDataDir(d);
    const found = part(deep, 't', 0).problems.map(finding);
    assert.strictEqual(found.length, 1, JSON.stringify(found));
    assert.deepStrictEqual(found[0].slice(0, 4), ['topics/t-0/00000000000000000100.log', 0, 100, 'damage']);
    assert.match(String(found[0][4]), /^records do not decode: batch at offset 100 \(none\) does not decode: /);
    assert.strictEqual(deep.ok, false);
    const shallow = await verifyDataDir(d, { deep: false });
    assert.deepStrictEqual(part(shallow, 't', 0).problems, []);
    assert.deepStrictEqual([part(shallow, 't', 0).batches, part(shallow, 't', 0).records], [2, 4]);
  });

  it('a gap between two segments is reported on the later log; after a batch that stopped the scan the next segment is not blamed', async () => {
    const d = await folder({ t: 2 });
    const s0 = writeSegment(d, 't', 0, 0, { log: [batchAt(0, 3, 1000)] });
    const s10 = writeSegment(d, 't', 0, 10, { log: [batchAt(10, 2, 1010)] });
    const broken = batchAt(3, 2, 1010);
    broken[broken.length - 1] ^= 0x01;
    const b0 = writeSegment(d, 't', 1, 0, { log: [batchAt(0, 3, 1000), broken] });
    writeSegment(d, 't', 1, 10, { log: [batchAt(10, 2, 1010)] });
    const r = await verifyDataDir(d);
    const p0 = part(r, 't', 0);
    assert.deepStrictEqual(p0.problems.map(finding), [
      [
        'topics/t-0/00000000000000000010.log',
        null,
        null,
        'damage',
        'the segment starts at offset 10 but the previous one ends at 3',
      ],
    ]);
    assert.deepStrictEqual(
      [p0.segments, p0.batches, p0.records, p0.bytes],
      [2, 2, 5, s0.size + s10.size],
      'counts add up over the segments',
    );
    const p1 = part(r, 't', 1);
    assert.deepStrictEqual(
      p1.problems.map((x) => [x.file, x.position, x.offset]),
      [['topics/t-1/00000000000000000000.log', b0.positions[1], 3]],
    );
    assert.match(p1.problems[0].message, /^CRC-32C mismatch/);
  });

  it('a segment larger than the 4 MiB read chunk is read to its last batch, and damage past the chunk is placed exactly', async () => {
    const d = await folder({ t: 1 });
    const big = encodeRecordBatch([{ key: null, value: Buffer.alloc(5 << 20, 7), headers: [], timestamp: 1001 }], {
      producerId: -1,
      producerEpoch: -1,
      baseSequence: -1,
      compression: 0,
      baseOffset: 1,
    });
    const last = batchAt(5, 1, 1005);
    last[last.length - 1] ^= 0x01;
    const { positions } = writeSegment(d, 't', 0, 0, { log: [batchAt(0, 1, 1000), big, batchAt(2, 3, 1002), last] });
    const r = await verifyDataDir(d);
    const p = part(r, 't', 0);
    assert.deepStrictEqual(
      p.problems.map((x) => [x.file, x.position, x.offset]),
      [['topics/t-0/00000000000000000000.log', positions[3], 5]],
    );
    assert.match(p.problems[0].message, /^CRC-32C mismatch/);
    assert.deepStrictEqual([p.batches, p.records], [3, 5], 'the 5 MiB batch and the one after it were read whole');
  });

  it('onProgress names every segment in offset order; a segment removed while verifying (retention) is skipped', async () => {
    const d = await folder({ t: 1 });
    const sizes = [0, 5, 10, 100].map(
      (base) => writeSegment(d, 't', 0, base, { log: [batchAt(base, 5, 1000 + base)] }).size,
    );
    fs.writeFileSync(path.join(partitionDir(d, 't', 0), 'leader-epoch-checkpoint'), '0\n0\n');
    const progress: string[] = [];
    const r = await verifyDataDir(d, {
      onProgress: ({ partition, segment }) => {
        progress.push(`${partition}/${segment}`);
        if (segment === segName(10, '')) fs.rmSync(path.join(partitionDir(d, 't', 0), segName(100, '.log')));
      },
    });
    assert.deepStrictEqual(
      progress,
      [0, 5, 10, 100].map((b) => `t-0/${segName(b, '')}`),
    );
    const p = part(r, 't', 0);
    assert.deepStrictEqual(p.problems, []);
    assert.deepStrictEqual([p.segments, p.batches, p.records, p.bytes], [3, 3, 15, sizes[0] + sizes[1] + sizes[2]]);
    assert.strictEqual(r.ok, true);
  });

  it('a segment log that cannot be opened for another reason than being gone fails verify with the error', async () => {
    const d = await folder({ t: 1 });
    writeSegment(d, 't', 0, 0, { log: [batchAt(0, 5, 1000)] });
    const loop = path.join(partitionDir(d, 't', 0), segName(5, '.log'));
    fs.symlinkSync(loop, loop);
    await assert.rejects(verifyDataDir(d), (e: NodeJS.ErrnoException) => e.code === 'ELOOP');
  });

  it('an index that cannot be read (a directory in its place) fails verify instead of being called missing, and leaks no file handle', async function () {
    const d = await folder({ t: 1 });
    writeSegment(d, 't', 0, 0, { log: [batchAt(0, 5, 1000)], index: null });
    fs.mkdirSync(path.join(partitionDir(d, 't', 0), segName(0, '.index')));
    const fds = () => (fs.existsSync('/proc/self/fd') ? fs.readdirSync('/proc/self/fd').length : -1);
    const open = fds();
    await assert.rejects(verifyDataDir(d), (e: NodeJS.ErrnoException) => e.code === 'EISDIR');
    assert.strictEqual(fds(), open, 'the segment log opened before the failure is closed');
  });

  it('verify closes every file it opens', async function () {
    if (!fs.existsSync('/proc/self/fd')) this.skip(); // counting open descriptors needs Linux's /proc
    const d = await folder({ t: 2 });
    for (const p of [0, 1])
      for (const base of [0, 5, 10]) writeSegment(d, 't', p, base, { log: [batchAt(base, 5, 1000)] });
    const open = fs.readdirSync('/proc/self/fd').length;
    const r = await verifyDataDir(d);
    assert.strictEqual(r.ok, true);
    // A leak is one descriptor per segment (6); the margin is for other files this process may have open meanwhile.
    const leaked = fs.readdirSync('/proc/self/fd').length - open;
    assert.ok(leaked < 6, `${leaked} more descriptors open after verifying 6 segments`);
  });
});
