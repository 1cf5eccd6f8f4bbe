// One LogSegment on its own (src/broker/storage/segment.ts): what a new segment reports, where index entries
// land, what reads by byte range return, and what opening an existing segment believes, checks again, rebuilds
// and cuts — driven directly, with batches written at chosen base offsets and timestamps.
import * as assert from 'assert';
import * as fs from 'fs';
import { FileCache } from '../../../../src/broker/storage/file-cache';
import { OFFSET_CRC } from '../../../../src/broker/storage/record-batch';
import { LogSegment, realIo } from '../../../../src/broker/storage/segment';
import { batchOf, tempDir } from './helpers';

interface Spec {
  /** Base offset written into the batch (default: the segment's next offset). */
  base?: number;
  records?: number;
  ts?: number;
}

describe('storage: one log segment, opened and read directly', () => {
  const dirs: string[] = [];
  const open: LogSegment[] = [];
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  /** A closed segment at base 0 holding `specs` batches (same size each by default); returns the batch ends. */
  function build(specs: Spec[], intervalBytes = 1 << 20, baseOffset = 0): { dir: string; ends: number[] } {
    const dir = tempDir();
    dirs.push(dir);
    const seg = LogSegment.create(dir, baseOffset, 0, realIo, new FileCache());
    const ends: number[] = [];
    specs.forEach((s, i) => {
      const n = s.records ?? 1;
      const base = s.base ?? seg.nextOffset;
      const buf = batchOf(n, `r${String(i).padStart(3, '0')}`, s.ts ?? 1000 + i, 20);
      buf.writeBigInt64BE(BigInt(base), 0);
      const pos = seg.size;
      seg.write(buf);
      seg.indexBatch(pos, base, base + n - 1, (s.ts ?? 1000 + i) + n - 1, buf.length, intervalBytes);
      ends.push(seg.size);
    });
    seg.persistIndexes();
    seg.close();
    return { dir, ends };
  }

  function reopen(
    dir: string,
    trustedEnd: number,
    opts: { interval?: number; cleaned?: boolean; recheck?: number; base?: number } = {},
  ): ReturnType<typeof LogSegment.open> {
    const r = LogSegment.open(
      dir,
      opts.base ?? 0,
      0,
      realIo,
      new FileCache(),
      trustedEnd,
      opts.interval ?? 1 << 20,
      opts.cleaned ?? false,
      opts.recheck ?? 0,
    );
    open.push(r.segment);
    return r;
  }

  /** The size of one default batch of `build`. */
  function ends0(): number {
    return batchOf(1, 'r000', 1000, 20).length;
  }

  function corruptCrc(dir: string, at: number): void {
    const file = `${dir}/00000000000000000000.log`;
    const buf = fs.readFileSync(file);
    buf.writeUInt32BE((buf.readUInt32BE(at + OFFSET_CRC) ^ 0xffff) >>> 0, at + OFFSET_CRC);
    fs.writeFileSync(file, buf);
  }

  it('a new segment is empty, has nothing to fsync and no newest timestamp yet', () => {
    const dir = tempDir();
    dirs.push(dir);
    const seg = LogSegment.create(dir, 0, 0, realIo, new FileCache());
    open.push(seg);
    assert.strictEqual(seg.size, 0);
    assert.strictEqual(seg.maxTimestamp, -1);
    assert.strictEqual(seg.needsSync, false);
    seg.persistIndexes();
    assert.strictEqual(seg.needsSync, false, 'persisting indexes that did not change leaves nothing to fsync');
  });

  it('an index entry is added once index.interval.bytes have been written since the last, never at byte 0', () => {
    const { dir, ends } = build([{}, {}, {}, {}, {}], 0);
    let r = reopen(dir, ends[4]);
    assert.strictEqual(r.segment.offsetIndex.entries, 4, 'interval 0: every batch but the first is indexed');
    const size = ends[0];
    const exact = build([{}, {}, {}, {}, {}], size);
    r = reopen(exact.dir, exact.ends[4]);
    assert.deepStrictEqual(
      [r.segment.offsetIndex.entries, r.segment.offsetIndex.lastOffset(), r.segment.offsetIndex.lastPosition()],
      [4, 4, ends[3]],
      'interval = one batch: an entry at every batch after the first',
    );
  });

  it('reads of a byte range return exactly the bytes there, and header scans stop at a batch that does not fit', () => {
    const { dir, ends } = build([{}, {}, {}]);
    const seg = reopen(dir, ends[2]).segment;
    assert.strictEqual(seg.readAt(ends[1], 10_000).length, ends[2] - ends[1], 'a read past the end is shorter');
    assert.deepStrictEqual(
      [...seg.scanHeaders(0, ends[2] - 1)].map((h) => [h.baseOffset, h.position]),
      [
        [0, 0],
        [1, ends[0]],
      ],
    );
    assert.deepStrictEqual(
      [...seg.scanHeaders(ends[0])].map((h) => h.position),
      [ends[0], ends[1]],
    );
  });

  it('a cleanly closed segment is believed: newest timestamp is the largest, nothing to fsync, no reason given', () => {
    const { dir, ends } = build([{ ts: 5000 }, { ts: 1000 }, { ts: 2000, records: 3 }]);
    const r = reopen(dir, ends[2]);
    assert.deepStrictEqual(r.recovery, { truncatedBytes: 0, reason: '', indexRebuilt: '' });
    assert.strictEqual(r.segment.maxTimestamp, 5000);
    assert.strictEqual(r.segment.nextOffset, 5);
    assert.strictEqual(r.segment.needsSync, false);
  });

  it('bytes past the trusted end are checked and the segment must be fsynced again', () => {
    const { dir, ends } = build([{}, {}, {}]);
    const r = reopen(dir, ends[0]);
    assert.deepStrictEqual(r.recovery, { truncatedBytes: 0, reason: '', indexRebuilt: '' });
    assert.strictEqual(r.segment.nextOffset, 3);
    assert.strictEqual(r.segment.needsSync, true);
  });

  it('a trusted end inside a batch is not believed: rebuilt from the log, and every whole batch survives', () => {
    const { dir, ends } = build([{}, {}, {}]);
    const r = reopen(dir, ends[1] - 5);
    assert.strictEqual(r.recovery.truncatedBytes, 0);
    assert.match(r.recovery.indexRebuilt ?? '', /stop at byte \d+, before the trusted end/);
    assert.strictEqual(r.segment.size, ends[2]);
    assert.strictEqual(r.segment.nextOffset, 3);
  });

  it('a trusted batch whose base offset skips is not believed: the log is cut there', () => {
    const { dir, ends } = build([{}, {}, { base: 9 }, { base: 10 }]);
    const r = reopen(dir, ends[3]);
    assert.match(r.recovery.indexRebuilt ?? '', /stop at byte/);
    assert.strictEqual(r.recovery.truncatedBytes, ends[3] - ends[1]);
    assert.strictEqual(r.segment.nextOffset, 2);
    assert.strictEqual(fs.statSync(r.segment.logPath).size, ends[1]);
  });

  it('a cleaned segment may skip offsets (believed as is) but never go back (cut there)', () => {
    const skips = build([{}, { base: 5 }, { base: 9, records: 2 }]);
    let r = reopen(skips.dir, skips.ends[2], { cleaned: true });
    assert.deepStrictEqual(r.recovery, { truncatedBytes: 0, reason: '', indexRebuilt: '' });
    assert.strictEqual(r.segment.nextOffset, 11);

    const back = build([{}, { base: 5 }, { base: 3 }]);
    r = reopen(back.dir, back.ends[2], { cleaned: true });
    assert.match(r.recovery.indexRebuilt ?? '', /stop at byte/);
    assert.strictEqual(r.recovery.truncatedBytes, back.ends[2] - back.ends[1]);
    assert.match(r.recovery.reason, /base offset 3 where at least 6 was expected/);

    const untrusted = build([{}, { base: 5 }, { base: 3 }]);
    r = reopen(untrusted.dir, 0, { cleaned: true });
    assert.strictEqual(r.recovery.truncatedBytes, untrusted.ends[2] - untrusted.ends[1]);
    assert.strictEqual(r.segment.nextOffset, 6);
  });

  it('after an unclean shutdown the last flushed bytes are checked again and a corrupt batch among them is cut', () => {
    const specs = Array.from({ length: 8 }, () => ({}));
    const a = build(specs, 1);
    corruptCrc(a.dir, a.ends[1]); // the third batch, well inside the flushed part
    const r = reopen(a.dir, a.ends[6], { recheck: a.ends[6], interval: 1 });
    assert.match(
      r.recovery.indexRebuilt ?? '',
      /^the check of the flushed bytes 0\.\.\d+ found a corrupt batch at byte/,
    );
    assert.strictEqual(r.recovery.truncatedBytes, a.ends[7] - a.ends[1]);
    assert.strictEqual(r.segment.nextOffset, 2);
  });

  it('flushed bytes are not read again without a recheck, nor when the whole log is trusted', () => {
    const specs = Array.from({ length: 8 }, () => ({}));
    const unindexed = build(specs);
    corruptCrc(unindexed.dir, unindexed.ends[5]);
    assert.deepStrictEqual(reopen(unindexed.dir, unindexed.ends[6]).recovery, {
      truncatedBytes: 0,
      reason: '',
      indexRebuilt: '',
    });
    const a = build(specs, 1);
    corruptCrc(a.dir, a.ends[1]);
    let r = reopen(a.dir, a.ends[6], { interval: 1 });
    assert.deepStrictEqual(r.recovery, { truncatedBytes: 0, reason: '', indexRebuilt: '' });
    r.segment.close();
    r = reopen(a.dir, a.ends[7], { interval: 1, recheck: a.ends[7] });
    assert.deepStrictEqual(r.recovery, { truncatedBytes: 0, reason: '', indexRebuilt: '' });
    assert.strictEqual(r.segment.nextOffset, 8);
  });

  it('new index entries leave the segment to fsync, also when only the offset index changed', async () => {
    const { dir, ends } = build([{ ts: 7 }, { ts: 7 }, { ts: 7 }], 1);
    const seg = reopen(dir, ends[2], { interval: 1 }).segment;
    assert.strictEqual(seg.needsSync, false);
    const buf = batchOf(1, 'x', 7, 20);
    buf.writeBigInt64BE(BigInt(3), 0);
    seg.write(buf);
    seg.indexBatch(ends[2], 3, 3, 7, buf.length, 1); // same timestamp: no time index entry
    await seg.fsync();
    assert.strictEqual(seg.needsSync, false);
    seg.persistIndexes();
    assert.strictEqual(seg.needsSync, true, 'the offset index file changed');
    await seg.fsync();
    assert.strictEqual(seg.needsSync, false);
  });

  it('sealing a segment records its newest timestamp against its end in the time index file', () => {
    const { dir, ends } = build([{ ts: 10 }, { ts: 30 }]);
    const seg = reopen(dir, ends[1]).segment;
    seg.seal();
    assert.deepStrictEqual(seg.timeIndex.lastEntry(), [30, 2]);
    seg.close();
    const again = reopen(dir, ends[1]).segment;
    assert.deepStrictEqual(again.timeIndex.lastEntry(), [30, 2], 'persisted');
  });

  it('deleting a segment whose index files are already gone removes the rest without an error', () => {
    const { dir, ends } = build([{}]);
    const seg = reopen(dir, ends[0]).segment;
    fs.rmSync(`${dir}/00000000000000000000.timeindex`);
    seg.delete();
    assert.deepStrictEqual(fs.readdirSync(dir), []);
  });

  it('an offset index entry too close to the end of the log to hold a batch header is not believed', () => {
    const { dir, ends } = build([{}, {}, {}]);
    const size = ends[2];
    for (const [pos, why] of [
      [size - 10, `byte ${size - 10} is too close to the end of the log \\(${size}\\)`],
      [size - 61, `byte ${size - 61} does not start a batch`],
    ] as const) {
      const entry = Buffer.alloc(8);
      entry.writeInt32BE(2, 0);
      entry.writeInt32BE(pos, 4);
      fs.writeFileSync(`${dir}/00000000000000000000.index`, entry);
      const r = reopen(dir, size);
      assert.match(r.recovery.indexRebuilt ?? '', new RegExp(`is wrong: ${why}`));
      assert.strictEqual(r.segment.nextOffset, 3);
      r.segment.close();
    }
  });

  it("in a segment at base 100 a wrong offset index entry is named relative to the segment's base", () => {
    const { dir, ends } = build([{}, {}, {}], ends0(), 100);
    const entry = Buffer.alloc(8);
    entry.writeInt32BE(5, 0);
    entry.writeInt32BE(ends[1], 4);
    fs.writeFileSync(`${dir}/00000000000000000100.index`, entry);
    const r = reopen(dir, ends[2], { base: 100 });
    assert.match(
      r.recovery.indexRebuilt ?? '',
      new RegExp(`^the offset index's last entry \\(5, ${ends[1]}\\) is wrong`),
    );
    assert.strictEqual(r.segment.nextOffset, 103);
  });

  it('after a reopen the next index entry comes one interval after the last one, not at once', () => {
    const size = ends0();
    const { dir, ends } = build([{}, {}, {}, {}, {}], 2 * size);
    const seg = reopen(dir, ends[4], { interval: 2 * size }).segment;
    assert.strictEqual(seg.offsetIndex.lastOffset(), 4);
    for (const base of [5, 6]) {
      const buf = batchOf(1, `r00${base}`, 1000 + base, 20);
      buf.writeBigInt64BE(BigInt(base), 0);
      const pos = seg.size;
      seg.write(buf);
      seg.indexBatch(pos, base, base, 1000 + base, buf.length, 2 * size);
    }
    assert.deepStrictEqual([seg.offsetIndex.lastOffset(), seg.offsetIndex.lastPosition()], [6, ends[4] + size]);
  });

  it('the newest timestamp of a reopened segment includes what its time index says about earlier batches', () => {
    const { dir, ends } = build([{ ts: 9000 }, { ts: 1000 }, { ts: 1000 }], 1);
    const r = reopen(dir, ends[2], { interval: 1 });
    assert.strictEqual(r.recovery.indexRebuilt, '');
    assert.strictEqual(r.segment.maxTimestamp, 9000);
  });

  it('a rebuilt segment whose batches carry no timestamp has no newest timestamp', () => {
    const { dir, ends } = build([{ ts: -1 }, { ts: -1 }]);
    const r = reopen(dir, ends[1] - 3);
    assert.notStrictEqual(r.recovery.indexRebuilt, '');
    assert.strictEqual(r.segment.maxTimestamp, -1);
  });

  it('an empty segment with a missing index file opens empty and reports no rebuild', () => {
    const dir = tempDir();
    dirs.push(dir);
    LogSegment.create(dir, 0, 0, realIo, new FileCache()).close();
    fs.rmSync(`${dir}/00000000000000000000.index`);
    const r = reopen(dir, 0);
    assert.deepStrictEqual(r.recovery, { truncatedBytes: 0, reason: '', indexRebuilt: '' });
    assert.strictEqual(r.segment.size, 0);
  });

  it('an offset index entry in the middle that points at the wrong batch is ignored: reads still find their batch', () => {
    const { dir, ends } = build([{ records: 3 }, { records: 3 }, { records: 3 }, { records: 3 }]);
    const index = Buffer.alloc(16);
    index.writeInt32BE(3, 0);
    index.writeInt32BE(ends[1], 4); // wrong: the batch at ends[1] holds offsets 6..8
    index.writeInt32BE(9, 8);
    index.writeInt32BE(ends[2], 12); // right, and the last: believed at open
    fs.writeFileSync(`${dir}/00000000000000000000.index`, index);
    const seg = reopen(dir, ends[3]).segment;
    assert.deepStrictEqual(
      [0, 2, 3, 4, 5, 6, 10, 11, 12].map((o) => seg.findBatchPosition(o)),
      [0, 0, ends[0], ends[0], ends[0], ends[1], ends[2], ends[2], -1],
    );
  });

  it('the recheck after an unclean shutdown also finds a base offset that skips before the last index entry', () => {
    const plain = build([{}, {}, { base: 9 }, { base: 10 }, { base: 11 }], 1);
    let r = reopen(plain.dir, plain.ends[3], { recheck: plain.ends[3], interval: 1 });
    assert.match(
      r.recovery.indexRebuilt ?? '',
      new RegExp(`found base offset 9 at byte ${plain.ends[1]} where 2 was expected$`),
    );
    assert.strictEqual(r.segment.nextOffset, 2);
    // In a cleaned segment skipped offsets are expected: the same check finds nothing.
    const cleaned = build([{}, {}, { base: 9 }, { base: 10 }, { base: 15 }], 1);
    r = reopen(cleaned.dir, cleaned.ends[3], { recheck: cleaned.ends[3], interval: 1, cleaned: true });
    assert.deepStrictEqual(r.recovery, { truncatedBytes: 0, reason: '', indexRebuilt: '' });
    assert.strictEqual(r.segment.nextOffset, 16);
  });
});
