// A partition log (src/broker/storage/partition-log.ts) opened straight on its directory, at the edges a user meets:
// a record set of several batches gets contiguous offsets and each batch reads back from its own offset; the first
// append into an empty segment never rolls; segment.ms counts from a remembered creation time only for the segment
// it was remembered for; the newest timestamp is the largest of all segments; after a crash a segment past the
// recovery point is checked from its first byte; files that only look like segments are left alone; a cleaned
// segment that does not read back is refused with what went wrong; retention of a compact-only topic or with
// nothing old enough deletes nothing and says so; a flush asks only for segments written since the last one; a
// destroyed partition leaves nothing behind, and a removal that stops half-way never leaves the topic's own name.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
// The module object itself (not the import's read-only view): the destroy tests wrap fs.rmSync and fs.renameSync.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import rawFs = require('fs');
import {
  BATCH_HEADER_SIZE,
  OFFSET_BATCH_LENGTH,
  OFFSET_CRC,
  OFFSET_RECORD_COUNT,
  computeBatchCrc,
  validateRecordSet,
} from '../../../../src/broker/storage/record-batch';
import { segmentFileName } from '../../../../src/broker/storage/segment';
import { batch, batchOf, rec } from './helpers';
import type { PlogFixture } from './plog-helpers';
import { offsetsIn, plog, valuesIn } from './plog-helpers';

describe('storage: partition log at its edges (opened on its directory)', () => {
  const open: PlogFixture[] = [];
  const fixture = (configs: Record<string, string> = {}, now = 0): PlogFixture => {
    const f = plog(configs, now);
    open.push(f);
    return f;
  };
  afterEach(() => {
    for (const f of open.splice(0)) f.dispose();
  });

  it('a record set of several batches gets contiguous offsets and each batch reads back from its own offset', () => {
    const f = fixture({ 'index.interval.bytes': '0' });
    assert.deepStrictEqual(f.append(batchOf(2, 'a', 1000)), { baseOffset: 0, lastOffset: 1 });
    // one append of two batches, the second starting well inside the record set (and the segment)
    const b = batchOf(3, 'b', 2000, 300);
    const c = batchOf(2, 'c', 3000, 300);
    assert.deepStrictEqual(f.append(Buffer.concat([b, c])), { baseOffset: 2, lastOffset: 6 });
    assert.strictEqual(f.log.logEndOffset, 7);
    assert.deepStrictEqual(offsetsIn(f.log.read(0, 1 << 20).records), [0, 1, 2, 3, 4, 5, 6]);
    assert.deepStrictEqual(offsetsIn(f.log.read(2, 1).records), [2, 3, 4], 'the first batch of the set, alone');
    assert.deepStrictEqual(offsetsIn(f.log.read(5, 1).records), [5, 6], 'the second batch of the set, alone');
    assert.deepStrictEqual(
      valuesIn(f.log.read(6, 1).records).map((v) => v.slice(0, 3)),
      ['c-0', 'c-1'],
    );
    assert.deepStrictEqual(
      [...f.log.scanBatchHeaders(0)].map((h) => [h.baseOffset, h.lastOffsetDelta]),
      [
        [0, 1],
        [2, 2],
        [5, 1],
      ],
    );
    // and the same after a restart that checks every byte again
    f.reopen({ recoveryPoint: null });
    assert.deepStrictEqual(offsetsIn(f.log.read(5, 1).records), [5, 6]);
  });

  it('headers that do not cover the record set are refused, naming both sizes, and nothing is written', () => {
    const f = fixture();
    const a = batchOf(1, 'a', 1000);
    const set = Buffer.concat([a, batchOf(1, 'b', 1000)]);
    const headers = validateRecordSet(set, f.config.maxMessageBytes).slice(0, 1);
    assert.throws(
      () => f.log.append(set, headers, 0, f.config),
      (e: Error) => e.message === `append: headers cover ${a.length} bytes of a ${set.length}-byte record set`,
    );
    assert.strictEqual(f.log.logEndOffset, 0);
    assert.strictEqual(f.log.sizeBytes, 0);
  });

  it('the first append into an empty segment never rolls, however large or old; the next one does', () => {
    const f = fixture({ 'segment.bytes': '100', 'segment.ms': '1000' }, 0);
    f.append(batchOf(3, 'big', 1000, 200), 1_000_000); // larger than segment.bytes and long past segment.ms
    assert.strictEqual(f.log.segments.length, 1);
    assert.strictEqual(f.log.active.baseOffset, 0);
    f.append(batchOf(1, 'next', 1000), 1_000_000);
    assert.deepStrictEqual(
      f.log.segments.map((s) => s.baseOffset),
      [0, 3],
    );
  });

  it('segment.ms counts from the remembered creation time only when it is for the active segment', () => {
    const remembered = fixture({ 'segment.ms': '1000' }, 0);
    remembered.append(batchOf(1, 'a', 0), 0);
    remembered.reopen({ now: 5000, activeCreated: { segmentBaseOffset: 0, createdAt: 0 } });
    remembered.append(batchOf(1, 'b', 5000), 5500);
    assert.strictEqual(remembered.log.segments.length, 2, 'created at 0: 5,500 ms old, rolled');

    const other = fixture({ 'segment.ms': '1000' }, 0);
    other.append(batchOf(1, 'a', 0), 0);
    other.reopen({ now: 5000, activeCreated: { segmentBaseOffset: 7, createdAt: 0 } });
    other.append(batchOf(1, 'b', 5000), 5500);
    assert.strictEqual(other.log.segments.length, 1, 'a time remembered for another segment counts from the open');
  });

  it('the newest timestamp is the largest of all segments (not the last one), and -1 for an empty log', () => {
    const f = fixture({ 'segment.bytes': '100' });
    assert.strictEqual(f.log.lastTimestamp, -1);
    f.append(batch([rec('new', 5000)]));
    f.append(batch([rec('old', 1000)])); // rolls: the later segment holds the older record
    assert.strictEqual(f.log.segments.length, 2);
    assert.strictEqual(f.log.lastTimestamp, 5000);
  });

  it('after a crash, a segment past the recovery point is checked from its first byte and cut where it is bad', () => {
    const one = batchOf(1, 'x', 1000, 100);
    const f = fixture({ 'segment.bytes': String(one.length) });
    for (let i = 0; i < 3; i++) f.append(batchOf(1, `r${i}`, 1000, 100));
    assert.deepStrictEqual(
      f.log.segments.map((s) => s.baseOffset),
      [0, 1, 2],
    );
    const size0 = f.log.segments[0].size;
    f.log.close();
    // a byte of segment 1's record flips (its CRC no longer matches); segment 0 was fsynced up to its end
    const file1 = path.join(f.dir, segmentFileName(1, '.log'));
    const bytes = fs.readFileSync(file1);
    bytes[bytes.length - 5] ^= 0xff;
    fs.writeFileSync(file1, bytes);
    const recovery = f.reopen({ recoveryPoint: { segmentBaseOffset: 0, position: size0 } });
    assert.ok(recovery.truncatedBytes >= bytes.length, `cut ${recovery.truncatedBytes} bytes`);
    assert.strictEqual(f.log.logEndOffset, 1);
    assert.deepStrictEqual(
      valuesIn(f.log.read(0, 1 << 20).records).map((v) => v.slice(0, 4)),
      ['r0-0'],
    );
    assert.ok(!fs.existsSync(path.join(f.dir, segmentFileName(2, '.log'))), 'the segment after the cut is removed');
  });

  it('files that only look like segments are left alone when the partition opens', () => {
    const f = fixture();
    f.append(batchOf(3, 'v', 1000));
    f.log.close();
    const real = path.join(f.dir, segmentFileName(0, '.log'));
    const strays = [`backup-${segmentFileName(0, '.log')}`, `${segmentFileName(0, '.log')}.orig`];
    for (const s of strays) fs.copyFileSync(real, path.join(f.dir, s));
    const files = fs.readdirSync(f.dir).sort();
    for (const recoveryPoint of ['clean', null] as const) {
      const recovery = f.reopen({ recoveryPoint });
      assert.deepStrictEqual(recovery, { truncatedBytes: 0, reason: '', indexesRebuilt: [] });
      assert.deepStrictEqual(fs.readdirSync(f.dir).sort(), files, 'no file added or removed');
      assert.deepStrictEqual(
        f.log.segments.map((s) => s.baseOffset),
        [0],
      );
      assert.deepStrictEqual(offsetsIn(f.log.read(0, 1 << 20).records), [0, 1, 2]);
      for (const s of strays) assert.ok(fs.existsSync(path.join(f.dir, s)), `${s} is still there`);
    }
  });

  it('a read past its first batch never exceeds maxBytes, and fills it exactly, also with a header-only batch', () => {
    const f = fixture();
    f.append(batchOf(1, 'a', 1000));
    f.log.roll(0);
    const size0 = f.log.segments[0].size;
    f.log.close();
    // segment 1 as the cleaner may leave it: one batch (offset 1) whose record was removed, only its header kept
    const empty = Buffer.from(batchOf(1, 'gone', 1000).subarray(0, BATCH_HEADER_SIZE));
    empty.writeBigInt64BE(1n, 0);
    empty.writeInt32BE(BATCH_HEADER_SIZE - 12, OFFSET_BATCH_LENGTH);
    empty.writeInt32BE(0, OFFSET_RECORD_COUNT);
    empty.writeUInt32BE(computeBatchCrc(empty, 0, empty.length), OFFSET_CRC);
    fs.writeFileSync(path.join(f.dir, segmentFileName(1, '.log')), empty);
    const recovery = f.reopen({ recoveryPoint: null, cleanedUpTo: 2 });
    assert.strictEqual(recovery.truncatedBytes, 0, recovery.reason);
    assert.strictEqual(f.log.logEndOffset, 2);
    assert.strictEqual(f.log.read(0, size0 + BATCH_HEADER_SIZE - 1).records.length, size0, 'one byte short: not taken');
    assert.strictEqual(f.log.read(0, size0 + BATCH_HEADER_SIZE).records.length, size0 + BATCH_HEADER_SIZE, 'fits');
    assert.strictEqual(f.log.read(1, 1).records.length, BATCH_HEADER_SIZE, 'alone, it is returned whole');
  });

  describe('a segment put back after the cleaner replaced its file', () => {
    /** Segment 0 holds batches x (offset 0) and y (offset 1); segment 1 holds z. Returns x and y's bytes. */
    function twoBatchSegment(f: PlogFixture): { x: Buffer; y: Buffer } {
      f.append(batchOf(1, 'x', 1000));
      f.append(batchOf(1, 'y', 1000));
      f.log.roll(0);
      f.append(batchOf(1, 'z', 1000));
      const all = fs.readFileSync(path.join(f.dir, segmentFileName(0, '.log')));
      const xSize = f.log.read(0, 1).records.length;
      return { x: all.subarray(0, xSize), y: all.subarray(xSize) };
    }

    it('is refused when it ends at another offset, naming the offset it reached and the one expected', () => {
      const f = fixture();
      const { x } = twoBatchSegment(f);
      fs.writeFileSync(path.join(f.dir, segmentFileName(0, '.log')), x);
      assert.throws(
        () => f.log.reopenSegment(0, 0, f.config),
        (e: Error) => e.message === 'the cleaned segment 0 of t-0 does not read back: next offset 1, expected 2',
      );
    });

    it('is refused when its tail is torn, even though its whole batches end at the expected offset', () => {
      const f = fixture();
      const { x, y } = twoBatchSegment(f);
      fs.writeFileSync(path.join(f.dir, segmentFileName(0, '.log')), Buffer.concat([x, y, Buffer.alloc(10, 1)]));
      assert.throws(
        () => f.log.reopenSegment(0, 0, f.config),
        (e: Error) =>
          e.message.startsWith('the cleaned segment 0 of t-0 does not read back: ') &&
          !e.message.includes('next offset') &&
          e.message.length > 'the cleaned segment 0 of t-0 does not read back: '.length + 5,
      );
    });

    it('is taken back when it reads back whole', () => {
      const f = fixture();
      const { x, y } = twoBatchSegment(f);
      fs.writeFileSync(path.join(f.dir, segmentFileName(0, '.log')), Buffer.concat([x, y]));
      f.log.reopenSegment(0, 0, f.config);
      assert.deepStrictEqual(offsetsIn(f.log.read(0, 1 << 20).records), [0, 1, 2]);
    });
  });

  it('retention of a compact-only topic deletes no segment, however old, and reports nothing deleted', () => {
    const f = fixture({ 'cleanup.policy': 'compact', 'retention.ms': '1', 'segment.bytes': '100' });
    for (let i = 0; i < 3; i++) f.append(batch([rec(`v${i}`, 1000)], 0));
    assert.strictEqual(f.log.enforceRetention(1_000_000_000, f.config), false);
    assert.strictEqual(f.log.segments.length, 3);
    assert.strictEqual(f.log.logStartOffset, 0);
  });

  it('retention with no segment old or large enough reports nothing deleted; one that deletes says so', () => {
    const f = fixture({ 'retention.ms': '10000', 'segment.bytes': '100' });
    for (let i = 0; i < 3; i++) f.append(batch([rec(`v${i}`, 1000 + i)]));
    assert.strictEqual(f.log.enforceRetention(5000, f.config), false);
    assert.strictEqual(f.log.segments.length, 3);
    assert.strictEqual(f.log.enforceRetention(11_002, f.config), true);
    assert.deepStrictEqual(
      f.log.segments.map((s) => s.baseOffset),
      [2],
    );
    assert.strictEqual(f.log.logStartOffset, 2);
  });

  it('a flush asks only for the segments written since the last one', async () => {
    const f = fixture({ 'segment.bytes': '100' });
    for (let i = 0; i < 3; i++) f.append(batch([rec(`v${i}`, 1000)]));
    const first = f.log.prepareFlush();
    assert.strictEqual(first.segments.length, 3);
    for (const s of first.segments) await s.fsync();
    assert.deepStrictEqual(f.log.prepareFlush().segments, [], 'nothing written since');
    f.log.roll(0);
    f.append(batch([rec('more', 1000)]));
    const after = f.log.prepareFlush();
    assert.ok(after.segments.includes(f.log.active), 'the active segment, written since');
    assert.ok(!after.segments.includes(f.log.segments[0]), 'not the first segment, untouched since');
    assert.deepStrictEqual(after.point, { segmentBaseOffset: f.log.active.baseOffset, position: f.log.active.size });
  });

  describe('destroying a partition', () => {
    const siblings = (f: PlogFixture) => fs.readdirSync(path.dirname(f.dir));

    it('removes its directory and leaves nothing behind', () => {
      const f = fixture({ 'segment.bytes': '100' });
      for (let i = 0; i < 2; i++) f.append(batch([rec(`v${i}`, 1000)]));
      f.log.destroy();
      assert.deepStrictEqual(siblings(f), []);
    });

    it('renames the directory first, so a removal that stops half-way never leaves the partition name', () => {
      const f = fixture();
      f.append(batch([rec('v', 1000)]));
      const rmSync = rawFs.rmSync;
      rawFs.rmSync = (() => {
        throw new Error('EIO: the disk went away');
      }) as typeof rawFs.rmSync;
      try {
        assert.throws(() => f.log.destroy(), /EIO/);
      } finally {
        rawFs.rmSync = rmSync;
      }
      const left = siblings(f);
      assert.strictEqual(left.length, 1);
      assert.match(left[0], /^t-0\.\d+-delete$/);
    });

    it('removes the directory in place when it cannot be renamed', () => {
      const f = fixture();
      f.append(batch([rec('v', 1000)]));
      const renameSync = rawFs.renameSync;
      rawFs.renameSync = (() => {
        throw new Error('EBUSY: a file is still open');
      }) as typeof rawFs.renameSync;
      try {
        f.log.destroy();
      } finally {
        rawFs.renameSync = renameSync;
      }
      assert.deepStrictEqual(siblings(f), []);
    });
  });
});
