// A segment's recovery at its edges (src/broker/storage/segment.ts, through the log manager a user runs): after a
// crash with nothing fsynced, every batch is checked again, and the first one that is torn or wrong cuts the log
// there, whatever the reason — a tail shorter than a batch header, a batch length smaller than a header, a batch
// longer than the file, a base offset that does not follow — while every whole batch before it survives, also when
// the log is larger than the 4 MiB the check reads at a time and a batch straddles that boundary.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
// The module object itself (not the import's read-only view): the fsync test wraps fs.fsync.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import rawFs = require('fs');
import { ErrorCode } from '../../../../src/broker/errors';
import { decodeRecordBatches, OFFSET_BATCH_LENGTH } from '../../../../src/broker/storage/record-batch';
import type { Harness, Manager } from './helpers';
import { append, batchOf, harness } from './helpers';

function logFile(h: Harness, base = 0): string {
  return path.join(h.dir, 'topics', 't-0', `${String(base).padStart(20, '0')}.log`);
}

function offsetsOf(m: Manager, from = 0): number[] {
  return decodeRecordBatches(m.read('t', 0, from, 1 << 30).records).flatMap((b) => b.records.map((r) => r.offset));
}

function truncations(h: Harness): { bytes: number; reason: string }[] {
  return h.events
    .filter((e) => e.name === 'recoveryTruncated')
    .map((e) => e.payload as { bytes: number; reason: string });
}

describe('storage: segment recovery at its edges', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  /** `n` batches of 2 records appended, nothing fsynced, then a crash that loses the recovery point. */
  async function crashed(
    n: number,
    valueBytes = 40,
    configs: Record<string, string> = {},
  ): Promise<{ h: Harness; ends: number[] }> {
    const h = harness();
    dirs.push(h.dir);
    const m = await h.open();
    await m.createTopic('t', 1, configs);
    const ends: number[] = [];
    for (let i = 0; i < n; i++) {
      append(m, 't', 0, batchOf(2, `b${i}`, i, valueBytes));
      ends.push(m.partitionLog('t', 0).active.size);
    }
    m.crash();
    fs.rmSync(path.join(h.dir, 'recovery-point-offset-checkpoint'), { force: true });
    return { h, ends };
  }

  it('a tail shorter than a batch header is cut, and the batches before it survive', async () => {
    const { h, ends } = await crashed(5);
    fs.appendFileSync(logFile(h), Buffer.alloc(20, 7));
    const m = await h.open();
    assert.deepStrictEqual(
      offsetsOf(m),
      Array.from({ length: 10 }, (_, i) => i),
    );
    assert.deepStrictEqual(truncations(h), [
      {
        topic: 't',
        partition: 0,
        bytes: 20,
        reason: `torn batch at byte ${ends[4]}: only 20 bytes, less than a batch header`,
      },
    ]);
    assert.strictEqual(fs.statSync(logFile(h)).size, ends[4]);
    assert.strictEqual(append(m, 't', 0, batchOf(1, 'next', 1)), 10, 'appends continue at the next offset');
    await m.close();
  });

  it('a batch whose length field is smaller than a batch header is cut as corrupt', async () => {
    const { h, ends } = await crashed(5);
    const buf = fs.readFileSync(logFile(h));
    buf.writeInt32BE(10, ends[2] + OFFSET_BATCH_LENGTH); // the fourth batch claims 10 bytes
    fs.writeFileSync(logFile(h), buf);
    const m = await h.open();
    assert.deepStrictEqual(offsetsOf(m), [0, 1, 2, 3, 4, 5]);
    const [t] = truncations(h);
    assert.strictEqual(t.bytes, ends[4] - ends[2]);
    assert.match(
      t.reason,
      new RegExp(`^corrupt batch at byte ${ends[2]}: batchLength 10 is smaller than a batch header`),
    );
    await m.close();
  });

  it('a batch that says it is longer than the rest of the file is cut as torn', async () => {
    const { h, ends } = await crashed(5);
    fs.truncateSync(logFile(h), ends[4] - 1);
    const m = await h.open();
    assert.deepStrictEqual(offsetsOf(m), [0, 1, 2, 3, 4, 5, 6, 7]);
    const [t] = truncations(h);
    assert.strictEqual(t.bytes, ends[4] - 1 - ends[3]);
    assert.match(
      t.reason,
      new RegExp(
        `^torn batch at byte ${ends[3]}: it says ${ends[4] - ends[3]} bytes but the file has ${ends[4] - 1 - ends[3]} left`,
      ),
    );
    await m.close();
  });

  it('a sound batch whose base offset does not follow the one before is cut (offsets stay contiguous)', async () => {
    const { h, ends } = await crashed(4);
    const buf = fs.readFileSync(logFile(h));
    // The third batch copied over the fourth: a valid CRC, but base offset 4 where 6 is expected.
    buf.copy(buf, ends[2], ends[1], ends[2]);
    fs.writeFileSync(logFile(h), buf);
    const m = await h.open();
    assert.deepStrictEqual(offsetsOf(m), [0, 1, 2, 3, 4, 5]);
    const [t] = truncations(h);
    assert.match(t.reason, new RegExp(`^corrupt batch at byte ${ends[2]}: base offset 4 where 6 was expected`));
    await m.close();
  });

  it('a log larger than one 4 MiB check read is checked whole: batches across the boundary survive, a torn tail is cut', async function () {
    this.timeout(60_000);
    // ~ 100 KiB batches: one of them straddles byte 4 MiB; 50 of them make ~5 MiB.
    const { h, ends } = await crashed(50, 50_000, { 'segment.bytes': String(64 * 1024 * 1024) });
    assert.ok(ends.some((e, i) => i > 0 && ends[i - 1] < 4 * 1024 * 1024 && e > 4 * 1024 * 1024));
    fs.truncateSync(logFile(h), ends[49] - 7);
    const m = await h.open();
    assert.strictEqual(m.partitionInfo('t', 0).logEndOffset, 98);
    const [t] = truncations(h);
    assert.strictEqual(t.bytes, ends[49] - 7 - ends[48]);
    assert.strictEqual(fs.statSync(logFile(h)).size, ends[48]);
    const offsets = offsetsOf(m);
    assert.deepStrictEqual(
      offsets,
      Array.from({ length: 98 }, (_, i) => i),
    );
    // Every offset reads from the index the check rebuilt.
    for (let o = 0; o < 98; o += 7) assert.strictEqual(offsetsOf(m, o)[0], o - (o % 2));
    await m.close();
  });
});

describe('storage: segment fsync failures', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('a failed fsync is KAFKA_STORAGE_ERROR, the recovery point stays, and the next flush fsyncs the log again', async () => {
    const h = harness();
    dirs.push(h.dir);
    const m = await h.open();
    await m.createTopic('t', 1);
    await m.flush();
    const before = m.partitionLog('t', 0).recoveryPoint;
    append(m, 't', 0, batchOf(2, 'a', 1));
    const file = logFile(h);
    const synced: string[] = [];
    const fsync = rawFs.fsync;
    let fail = true;
    rawFs.fsync = ((fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
      const target = fs.readlinkSync(`/proc/self/fd/${fd}`);
      synced.push(target);
      if (fail && target === file) {
        fail = false;
        const err: NodeJS.ErrnoException = new Error('EIO: i/o error, fsync');
        err.code = 'EIO';
        setImmediate(() => cb(err));
        return;
      }
      fsync(fd, cb);
    }) as typeof rawFs.fsync;
    try {
      await assert.rejects(m.flush(), (e: Error & { code?: number }) => {
        assert.match(e.message, /fsync failed: EIO/);
        return true;
      });
      assert.deepStrictEqual(m.partitionLog('t', 0).recoveryPoint, before, 'the recovery point does not move');
      assert.strictEqual(m.partitionLog('t', 0).active.needsSync, true, 'the segment is still unsynced');
      synced.length = 0;
      await m.flush();
      assert.ok(synced.includes(file), `the log is fsynced again; fsynced: ${synced.join(', ')}`);
      assert.strictEqual(m.partitionLog('t', 0).active.needsSync, false);
      assert.notDeepStrictEqual(m.partitionLog('t', 0).recoveryPoint, before, 'now the recovery point moves');
    } finally {
      rawFs.fsync = fsync;
    }
    await m.close();
  });
});

describe('storage: segment writes that the disk takes in pieces', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('a disk that takes 7 bytes per write still stores every batch whole, byte for byte, across a restart', async () => {
    const h = harness();
    dirs.push(h.dir);
    const io = {
      writeSync: (fd: number, buf: Uint8Array, off: number, len: number, pos: number) =>
        fs.writeSync(fd, buf, off, Math.min(len, 7), pos),
    };
    let m = await h.open({ io });
    await m.createTopic('t', 1);
    const batches = [batchOf(2, 'a', 1, 30), batchOf(3, 'b', 2, 5)];
    assert.strictEqual(append(m, 't', 0, batches[0]), 0);
    assert.strictEqual(append(m, 't', 0, batches[1]), 2);
    const stored = fs.readFileSync(logFile(h));
    assert.strictEqual(stored.length, batches[0].length + batches[1].length);
    assert.deepStrictEqual(
      stored.subarray(batches[0].length + 8),
      batches[1].subarray(8),
      'the second batch after its base offset',
    );
    await m.close();
    m = await h.open();
    assert.deepStrictEqual(offsetsOf(m), [0, 1, 2, 3, 4]);
    await m.close();
  });

  it('a write that stores nothing is KAFKA_STORAGE_ERROR naming it, and the bytes written before it are cut', async () => {
    const h = harness();
    dirs.push(h.dir);
    let calls = 0;
    let failAfter = Infinity;
    const io = {
      writeSync: (fd: number, buf: Uint8Array, off: number, len: number, pos: number) =>
        ++calls > failAfter ? 0 : fs.writeSync(fd, buf, off, Math.min(len, 10), pos),
    };
    const m = await h.open({ io });
    await m.createTopic('t', 1);
    append(m, 't', 0, batchOf(1, 'a', 1));
    const size = fs.statSync(logFile(h)).size;
    calls = 0;
    failAfter = 2;
    assert.throws(
      () => append(m, 't', 0, batchOf(2, 'b', 1, 40)),
      (e: Error & { code?: number }) => e.code === ErrorCode.KAFKA_STORAGE_ERROR && /write returned 0/.test(e.message),
    );
    assert.strictEqual(fs.statSync(logFile(h)).size, size, 'the 20 bytes written are cut');
    failAfter = Infinity;
    assert.strictEqual(append(m, 't', 0, batchOf(1, 'c', 1)), 1);
    assert.deepStrictEqual(offsetsOf(m), [0, 1]);
    await m.close();
  });
});

describe('storage: an index the log contradicts is rebuilt, and the warning says why', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  /** 200 one-record batches of ~100 bytes in one segment (several index entries), closed cleanly. */
  async function closed(): Promise<{ h: Harness; index: Buffer; timeindex: Buffer; ends: number[] }> {
    const h = harness();
    dirs.push(h.dir);
    const m = await h.open();
    await m.createTopic('t', 1);
    const ends: number[] = [];
    for (let i = 0; i < 200; i++) {
      append(m, 't', 0, batchOf(1, `r${i}`, 1000 + i, 40));
      ends.push(m.partitionLog('t', 0).active.size);
    }
    await m.close();
    const dir = path.join(h.dir, 'topics', 't-0');
    return {
      h,
      ends,
      index: fs.readFileSync(path.join(dir, '00000000000000000000.index')),
      timeindex: fs.readFileSync(path.join(dir, '00000000000000000000.timeindex')),
    };
  }

  /** The rebuild warnings so far (a partition is opened at its first use: `m` is used first). */
  function rebuilt(h: Harness, m: Manager): string[] {
    m.partitionLog('t', 0);
    return h.logs.filter((l) => l.includes('rebuilt the indexes'));
  }

  it("an offset index entry whose offset is not its batch's names both offsets; every record still reads", async () => {
    const { h, index } = await closed();
    assert.ok(index.length >= 16, 'at least two index entries');
    const at = index.length - 8;
    const rel = index.readInt32BE(at);
    const pos = index.readInt32BE(at + 4);
    index.writeInt32BE(rel + 7, at);
    fs.writeFileSync(path.join(h.dir, 'topics', 't-0', '00000000000000000000.index'), index);
    const m = await h.open();
    assert.deepStrictEqual(rebuilt(h, m), [
      `warn: rebuilt the indexes of t-0 from its log (segment 0: the offset index's last entry (${rel + 7}, ${pos}) is wrong: the batch at byte ${pos} has base offset ${rel}, not ${rel + 7})`,
    ]);
    assert.deepStrictEqual(
      offsetsOf(m),
      Array.from({ length: 200 }, (_, i) => i),
    );
    assert.strictEqual(append(m, 't', 0, batchOf(1, 'next', 1)), 200);
    await m.close();
  });

  it('an offset index entry pointing inside a batch is not believed: the warning says the byte starts no batch', async () => {
    const { h, index, ends } = await closed();
    const at = index.length - 8;
    const rel = index.readInt32BE(at);
    const pos = index.readInt32BE(at + 4);
    index.writeInt32BE(pos + 1, at + 4);
    fs.writeFileSync(path.join(h.dir, 'topics', 't-0', '00000000000000000000.index'), index);
    const m = await h.open();
    const [line] = rebuilt(h, m);
    assert.match(
      line,
      new RegExp(
        `^warn: rebuilt the indexes of t-0 from its log \\(segment 0: the offset index's last entry \\(${rel}, ${pos + 1}\\) is wrong: byte ${pos + 1} does not start a batch \\(batchLength -?\\d+\\)\\)$`,
      ),
    );
    assert.strictEqual(m.partitionInfo('t', 0).logEndOffset, 200);
    assert.strictEqual(fs.statSync(logFile(h)).size, ends[199], 'nothing of the log is cut');
    await m.close();
  });

  it('a time index entry inside a batch is not believed: rebuilt, and timestamp lookups stay right', async () => {
    const { h } = await closed();
    const file = path.join(h.dir, 'topics', 't-0', '00000000000000000000.timeindex');
    let m = await h.open();
    assert.deepStrictEqual(rebuilt(h, m), [], 'a sound time index is believed');
    append(m, 't', 0, batchOf(3, 'three', 5000)); // offsets 200..202 in one batch
    await m.close();
    // An entry at offset 201, the middle record of that batch: not a batch boundary.
    const extra = Buffer.alloc(12);
    extra.writeBigInt64BE(BigInt(5000), 0);
    extra.writeInt32BE(201, 8);
    fs.writeFileSync(file, Buffer.concat([fs.readFileSync(file), extra]));
    h.logs.length = 0;
    m = await h.open();
    assert.deepStrictEqual(rebuilt(h, m), [
      "warn: rebuilt the indexes of t-0 from its log (segment 0: the time index's last entry (5000, 201) is not at a batch boundary)",
    ]);
    assert.deepStrictEqual(m.offsetForTimestamp('t', 0, 1150), { offset: 150, timestamp: 1150 });
    assert.deepStrictEqual(m.offsetForTimestamp('t', 0, 5000), { offset: 200, timestamp: 5000 });
    assert.strictEqual(m.partitionInfo('t', 0).logEndOffset, 203);
    await m.close();
  });
  it('in a later segment the warning gives the time index entry relative to that segment', async () => {
    const h = harness();
    dirs.push(h.dir);
    let m = await h.open();
    await m.createTopic('t', 1, { 'segment.bytes': '2000' });
    for (let i = 0; i < 30; i++) append(m, 't', 0, batchOf(1, `r${i}`, 1000 + i, 40));
    const base = m.partitionLog('t', 0).active.baseOffset;
    assert.ok(base > 0, 'a second segment');
    append(m, 't', 0, batchOf(3, 'three', 5000)); // three records in one batch
    const mid = m.partitionInfo('t', 0).logEndOffset - 2;
    await m.close();
    const file = path.join(h.dir, 'topics', 't-0', `${String(base).padStart(20, '0')}.timeindex`);
    const extra = Buffer.alloc(12);
    extra.writeBigInt64BE(BigInt(5000), 0);
    extra.writeInt32BE(mid - base, 8);
    fs.writeFileSync(file, Buffer.concat([fs.readFileSync(file), extra]));
    m = await h.open();
    assert.deepStrictEqual(rebuilt(h, m), [
      `warn: rebuilt the indexes of t-0 from its log (segment ${base}: the time index's last entry (5000, ${mid - base}) is not at a batch boundary)`,
    ]);
    await m.close();
  });
});
