/**
 * Damaged index files (byte-level, in the style of LevelDB's corruption tests: flip a byte, change an entry,
 * delete the file). The indexes are derived from the log: whatever happens to them, every record stays, the
 * log end offset stays, later segments stay, and the indexes are rebuilt from the log.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { OffsetIndex, TimeIndex } from '../../../../src/broker/storage/sparse-index';
import { decodeRecordBatches, writeInt64 } from '../../../../src/broker/storage/record-batch';
import type { Harness, Manager } from './helpers';
import { append, batch, harness, prng, rec, tempDir } from './helpers';

const RECORDS = 3000;

function segFile(h: Harness, base: number, suffix: string): string {
  return path.join(h.dir, 'topics', 't-0', `${String(base).padStart(20, '0')}${suffix}`);
}

function valueAt(m: Manager, offset: number): string | undefined {
  for (const b of decodeRecordBatches(m.read('t', 0, offset, 1).records))
    for (const r of b.records) if (r.offset === offset) return r.value!.toString();
  return undefined;
}

function allValues(m: Manager): string[] {
  return decodeRecordBatches(m.read('t', 0, 0, 1 << 30).records).flatMap((b) =>
    b.records.map((r) => r.value!.toString()),
  );
}

const expectedValues = (n: number) => Array.from({ length: n }, (_, i) => `v${i}`.padEnd(40, '.'));

describe('storage: damaged index files are rebuilt from the log, never trusted over it', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  /** 3,000 one-record batches over several 64 KiB segments, flushed; closed cleanly or crashed after the flush. */
  async function write(shutdown: 'clean' | 'crash'): Promise<{ h: Harness; bases: number[] }> {
    const h = harness();
    dirs.push(h.dir);
    const m = await h.open();
    await m.createTopic('t', 1, { 'segment.bytes': '65536' });
    for (let i = 0; i < RECORDS; i++) append(m, 't', 0, batch([rec(`v${i}`.padEnd(40, '.'), 1000 + i)]));
    await m.flush();
    const bases = m.partitionLog('t', 0).segments.map((s) => s.baseOffset);
    assert.ok(bases.length >= 4, `want several segments, got ${bases.length}`);
    if (shutdown === 'clean') await m.close();
    else m.crash();
    return { h, bases };
  }

  function readIndex(file: string): [number, number][] {
    const buf = fs.readFileSync(file);
    const out: [number, number][] = [];
    for (let i = 0; i + 8 <= buf.length; i += 8) out.push([buf.readInt32BE(i), buf.readInt32BE(i + 4)]);
    return out;
  }

  function writeLastEntry(file: string, change: (rel: number, pos: number) => [number, number]): [number, number] {
    const buf = fs.readFileSync(file);
    const at = buf.length - 8;
    const [rel, pos] = change(buf.readInt32BE(at), buf.readInt32BE(at + 4));
    buf.writeInt32BE(rel, at);
    buf.writeInt32BE(pos, at + 4);
    fs.writeFileSync(file, buf);
    return [rel, pos];
  }

  for (const shutdown of ['clean', 'crash'] as const) {
    for (const [name, change] of [
      ['its position one byte too far', (r: number, p: number): [number, number] => [r, p + 1]],
      ['its relative offset 7 too high', (r: number, p: number): [number, number] => [r + 7, p]],
    ] as const) {
      it(`a closed segment's last offset index entry with ${name} loses no record and no segment (${shutdown} shutdown)`, async () => {
        const { h, bases } = await write(shutdown);
        const index = segFile(h, bases[1], '.index');
        const original = fs.readFileSync(index);
        writeLastEntry(index, change);
        let m = await h.open();
        assert.strictEqual(m.partitionInfo('t', 0).logEndOffset, RECORDS);
        assert.deepStrictEqual(
          m.partitionLog('t', 0).segments.map((s) => s.baseOffset),
          bases,
          'every segment is kept',
        );
        assert.deepStrictEqual(allValues(m), expectedValues(RECORDS));
        assert.strictEqual(h.events.filter((e) => e.name === 'recoveryTruncated').length, 0, 'nothing was cut');
        assert.ok(
          h.logs.some((l) => /^warn: rebuilt the indexes of t-0 from its log \(segment \d+: the offset index/.test(l)),
          h.logs.join('\n'),
        );
        // New records go after the old ones and survive the next restart.
        for (let i = RECORDS; i < RECORDS + 5; i++)
          assert.strictEqual(append(m, 't', 0, batch([rec(`v${i}`.padEnd(40, '.'), 1000 + i)])), i);
        await m.flush();
        m.crash();
        m = await h.open();
        assert.strictEqual(m.partitionInfo('t', 0).logEndOffset, RECORDS + 5);
        assert.deepStrictEqual(allValues(m), expectedValues(RECORDS + 5));
        assert.deepStrictEqual(fs.readFileSync(index), original, 'the rebuilt index is the one the log gives');
        await m.close();
      });
    }
  }

  it('a flipped byte anywhere in a closed offset index never loses a record and every offset still reads', async () => {
    const rand = prng(7);
    const { h, bases } = await write('clean');
    const index = segFile(h, bases[1], '.index');
    const original = fs.readFileSync(index);
    for (let round = 0; round < 6; round++) {
      const buf = Buffer.from(original);
      const at = Math.floor(rand() * buf.length);
      buf[at] ^= 1 << Math.floor(rand() * 8);
      fs.writeFileSync(index, buf);
      const m = await h.open();
      assert.strictEqual(m.partitionInfo('t', 0).logEndOffset, RECORDS, `flip at byte ${at}`);
      for (let o = bases[1]; o < bases[2]; o++)
        assert.strictEqual(valueAt(m, o), `v${o}`.padEnd(40, '.'), `offset ${o}`);
      await m.close();
    }
  });

  it('a closed segment with both index files deleted: flushes keep working, the files come back as the log gives them', async () => {
    const { h, bases } = await write('clean');
    const index = segFile(h, bases[1], '.index');
    const timeindex = segFile(h, bases[1], '.timeindex');
    const originals = [fs.readFileSync(index), fs.readFileSync(timeindex)];
    fs.rmSync(index);
    fs.rmSync(timeindex);
    let m = await h.open();
    append(m, 't', 0, batch([rec('after', 5000)]));
    await m.flush(); // acks=all waits on this: it must not fail with ENOENT
    assert.deepStrictEqual([fs.readFileSync(index), fs.readFileSync(timeindex)], originals);
    await m.close();
    m = await h.open();
    append(m, 't', 0, batch([rec('after2', 5001)]));
    await m.flush();
    assert.strictEqual(m.partitionInfo('t', 0).logEndOffset, RECORDS + 2);
    assert.deepStrictEqual(m.offsetForTimestamp('t', 0, 1000 + bases[1] + 3), {
      offset: bases[1] + 3,
      timestamp: 1000 + bases[1] + 3,
    });
    await m.close();
  });

  it('index files deleted while the broker runs are written again, whole, at the next flush', async () => {
    const h = harness();
    dirs.push(h.dir);
    const m = await h.open();
    await m.createTopic('t', 1, { 'segment.bytes': '65536' });
    for (let i = 0; i < 200; i++) append(m, 't', 0, batch([rec(`v${i}`.padEnd(40, '.'), 1000 + i)]));
    await m.flush();
    fs.rmSync(segFile(h, 0, '.index'));
    fs.rmSync(segFile(h, 0, '.timeindex'));
    for (let i = 200; i < 400; i++) append(m, 't', 0, batch([rec(`v${i}`.padEnd(40, '.'), 1000 + i)]));
    await m.flush();
    const seg = m.partitionLog('t', 0).active;
    assert.deepStrictEqual(readIndex(segFile(h, 0, '.index')), seg.offsetIndex.toArray());
    assert.strictEqual(fs.statSync(segFile(h, 0, '.timeindex')).size, seg.timeIndex.entries * 12);
    await m.close();
  });

  it('a truncated time index of a closed segment is rebuilt and timestamp lookups stay right', async () => {
    const { h, bases } = await write('clean');
    const timeindex = segFile(h, bases[1], '.timeindex');
    const original = fs.readFileSync(timeindex);
    fs.truncateSync(timeindex, original.length - 5);
    const m = await h.open();
    for (const o of [bases[1], bases[1] + 100, bases[2] - 1])
      assert.deepStrictEqual(m.offsetForTimestamp('t', 0, 1000 + o), { offset: o, timestamp: 1000 + o });
    await m.close();
    assert.ok(readIndex(segFile(h, bases[1], '.index')).length > 0);
  });
});

// The sparse time index (src/broker/storage/sparse-index.ts): an entry (T, rel) means "every record before base+rel
// has a timestamp <= T", so a lookup for T itself must stop before that entry (a record there may have
// timestamp T exactly); only a strictly older entry lets the search start past it.
describe('storage: time and offset indexes', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a time lookup at exactly an entry timestamp starts before that entry, one past it after it', () => {
    const ix = new TimeIndex(path.join(dir, '0.timeindex'), 0);
    ix.maybeAppend(1000, 5);
    ix.maybeAppend(2000, 10);
    ix.maybeAppend(3000, 15);
    // records before offset 10 may have timestamp 2000 exactly: a search for 2000 must not skip them
    assert.strictEqual(ix.lookup(2000), 5);
    assert.strictEqual(ix.lookup(2001), 10);
    assert.strictEqual(ix.lookup(1000), 0);
    assert.strictEqual(ix.lookup(1001), 5);
    assert.strictEqual(ix.lookup(3000), 10);
    assert.strictEqual(ix.lookup(999_999), 15);
  });

  it('entries survive persist and load; a non-monotonic entry is ignored', () => {
    const file = path.join(dir, '0.timeindex');
    const ix = new TimeIndex(file, 0);
    ix.maybeAppend(1_700_000_000_000, 3);
    ix.maybeAppend(1_700_000_000_000, 4); // same timestamp: not an entry
    ix.maybeAppend(1_700_000_000_500, 9);
    assert.ok(ix.persist());
    const back = new TimeIndex(file, 0);
    back.load(100);
    assert.deepStrictEqual(back.toArray(), [
      [1_700_000_000_000, 3],
      [1_700_000_000_500, 9],
    ]);
    assert.strictEqual(back.lookup(1_700_000_000_500), 3);

    const ox = new OffsetIndex(path.join(dir, '0.index'), 0);
    ox.append(3, 400);
    ox.append(9, 900);
    assert.deepStrictEqual(
      [ox.lookup(2), ox.lookup(3), ox.lookup(8), ox.lookup(9)],
      [
        [0, 0],
        [3, 400],
        [3, 400],
        [9, 900],
      ],
    );
  });

  it('speak full offsets while the files keep offsets relative to the segment base, byte for byte', () => {
    const base = 1_000_000;
    const ox = new OffsetIndex(path.join(dir, '1000000.index'), base);
    ox.append(base + 3, 400);
    ox.append(base + 9, 900);
    const tx = new TimeIndex(path.join(dir, '1000000.timeindex'), base);
    tx.maybeAppend(1_700_000_000_000, base + 3);
    tx.maybeAppend(1_700_000_000_500, base + 9);
    assert.ok(ox.persist() && tx.persist());
    const index = Buffer.alloc(16);
    index.writeInt32BE(3, 0);
    index.writeInt32BE(400, 4);
    index.writeInt32BE(9, 8);
    index.writeInt32BE(900, 12);
    assert.deepStrictEqual(fs.readFileSync(ox.path), index);
    const timeindex = Buffer.alloc(24);
    timeindex.writeBigInt64BE(1_700_000_000_000n, 0);
    timeindex.writeInt32BE(3, 8);
    timeindex.writeBigInt64BE(1_700_000_000_500n, 12);
    timeindex.writeInt32BE(9, 20);
    assert.deepStrictEqual(fs.readFileSync(tx.path), timeindex);

    assert.deepStrictEqual(ox.lookup(base + 2), [base, 0], 'before the first entry: the segment start');
    assert.deepStrictEqual(ox.lookup(base + 10), [base + 9, 900]);
    assert.deepStrictEqual(ox.floorByPosition(899), [base + 3, 400]);
    assert.strictEqual(ox.lastOffset(), base + 9);
    assert.strictEqual(tx.lookup(1_700_000_000_001), base + 3);
    assert.strictEqual(tx.lookup(1_699_999_999_999), base);
    assert.deepStrictEqual(tx.lastEntry(), [1_700_000_000_500, base + 9]);

    const back = new OffsetIndex(ox.path, base);
    assert.strictEqual(back.load(1 << 20, true), '');
    assert.deepStrictEqual(back.toArray(), [
      [base + 3, 400],
      [base + 9, 900],
    ]);
    const times = new TimeIndex(tx.path, base);
    assert.strictEqual(times.load(base + 9, true), '');
    assert.deepStrictEqual(times.toArray(), [
      [1_700_000_000_000, base + 3],
      [1_700_000_000_500, base + 9],
    ]);
  });

  it('load keeps the sound prefix and names the first entry it cannot believe', () => {
    const ox = new OffsetIndex(path.join(dir, '0.index'), 0);
    for (const [o, p] of [
      [3, 400],
      [9, 900],
      [12, 1300],
    ])
      ox.append(o, p);
    ox.persist();
    const back = new OffsetIndex(ox.path, 0);
    assert.strictEqual(back.load(1000, false), '', 'an entry past a log that is not wholly trusted is only dropped');
    assert.deepStrictEqual(back.toArray(), [
      [3, 400],
      [9, 900],
    ]);
    assert.strictEqual(back.load(1000, true), 'offset index entry 2 (12, 1300) points past the end of the log (1000)');
    const swapped = fs.readFileSync(ox.path);
    swapped.writeInt32BE(2, 8); // entry 1 becomes (2, 900): its offset goes back
    fs.writeFileSync(ox.path, swapped);
    assert.strictEqual(back.load(1 << 20), 'offset index entry 1 (2, 900) does not increase from (3, 400)');
    assert.deepStrictEqual(back.toArray(), [[3, 400]]);
    back.truncateToPosition(400);
    assert.deepStrictEqual(back.toArray(), []);

    fs.rmSync(ox.path);
    assert.strictEqual(new OffsetIndex(ox.path, 0).load(1 << 20), 'the offset index file is missing');
    assert.strictEqual(new TimeIndex(path.join(dir, 'none.timeindex'), 0).load(5), 'the time index file is missing');
  });
});

describe('storage: index entries at their boundaries', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** An index file of raw entries: [relativeOffset, position] (offset index) or [timestamp, relativeOffset]. */
  const offsetFile = (entries: [number, number][]) => {
    const buf = Buffer.alloc(entries.length * 8);
    entries.forEach(([r, p], i) => {
      buf.writeInt32BE(r, i * 8);
      buf.writeInt32BE(p, i * 8 + 4);
    });
    const file = path.join(dir, `${entries.length}-${Math.random()}.index`);
    fs.writeFileSync(file, buf);
    return file;
  };
  const timeFile = (entries: [number, number][]) => {
    const buf = Buffer.alloc(entries.length * 12);
    entries.forEach(([t, r], i) => {
      writeInt64(buf, i * 12, t);
      buf.writeInt32BE(r, i * 12 + 8);
    });
    const file = path.join(dir, `${entries.length}-${Math.random()}.timeindex`);
    fs.writeFileSync(file, buf);
    return file;
  };

  it('an offset index refuses an entry that does not move both the offset and the position forward', () => {
    const ix = new OffsetIndex(path.join(dir, '100.index'), 100);
    ix.append(100, 0); // the first entry may be anything
    for (const [offset, position] of [
      [100, 50],
      [101, 0],
      [99, 50],
    ]) {
      assert.throws(
        () => ix.append(offset, position),
        new RegExp(`offset index entries must increase: \\(${offset - 100}, ${position}\\) after \\(0, 0\\)`),
      );
    }
    ix.append(101, 1);
    assert.throws(() => ix.append(101, 2), /must increase/);
    assert.deepStrictEqual(ix.toArray(), [
      [100, 0],
      [101, 1],
    ]);
  });

  it("loading an offset index believes only entries that move forward from (0, 0) and point before the log's end", () => {
    const load = (entries: [number, number][], maxPosition: number, trusted = false) => {
      const ix = new OffsetIndex(offsetFile(entries), 0);
      return { problem: trusted ? ix.load(maxPosition, true) : ix.load(maxPosition), entries: ix.toArray() };
    };
    assert.deepStrictEqual(load([[0, 40]], 100).entries, [], 'relative offset 0 is implied, never stored');
    assert.match(load([[0, 40]], 100).problem, /offset index entry 0 \(0, 40\) does not increase from \(0, 0\)/);
    assert.deepStrictEqual(load([[3, 0]], 100).entries, [], 'position 0 is implied too');
    assert.deepStrictEqual(
      load(
        [
          [3, 40],
          [3, 80],
        ],
        100,
      ).entries,
      [[3, 40]],
    );
    assert.deepStrictEqual(
      load(
        [
          [3, 40],
          [5, 40],
        ],
        100,
      ).entries,
      [[3, 40]],
    );
    const atEnd = load(
      [
        [3, 40],
        [5, 100],
      ],
      100,
    );
    assert.deepStrictEqual([atEnd.problem, atEnd.entries], ['', [[3, 40]]], 'past an untrusted end: dropped quietly');
    assert.match(
      load(
        [
          [3, 40],
          [5, 100],
        ],
        100,
        true,
      ).problem,
      /offset index entry 1 \(5, 100\) points past the end of the log \(100\)/,
    );
  });

  it('loading a time index refuses negative entries and entries that do not increase; the first may be (0, 0)', () => {
    const load = (entries: [number, number][], maxOffset = 100, trusted = false) => {
      const ix = new TimeIndex(timeFile(entries), 0);
      return { problem: trusted ? ix.load(maxOffset, true) : ix.load(maxOffset), entries: ix.toArray() };
    };
    assert.deepStrictEqual(load([[0, 0]]), { problem: '', entries: [[0, 0]] });
    for (const bad of [
      [
        [-5, 3],
        [10, 4],
      ],
      [
        [5, -3],
        [10, 4],
      ],
    ] as [number, number][][]) {
      const r = load(bad);
      assert.deepStrictEqual(r.entries, [], JSON.stringify(bad));
      assert.match(r.problem, /time index entry 0 \(.*\) is negative or does not increase/);
    }
    for (const second of [
      [1000, 9],
      [2000, 3],
      [999, 9],
    ] as [number, number][]) {
      const r = load([[1000, 3], second]);
      assert.deepStrictEqual(r.entries, [[1000, 3]], JSON.stringify(second));
      assert.match(r.problem, /time index entry 1/);
    }
    assert.deepStrictEqual(
      load([
        [1000, 3],
        [2000, 9],
      ]).entries,
      [
        [1000, 3],
        [2000, 9],
      ],
    );
    assert.deepStrictEqual(load([[1000, 101]]), { problem: '', entries: [] }, 'past an untrusted end: dropped');
    assert.match(
      load([[1000, 101]], 100, true).problem,
      /time index entry 0 \(1000, 101\) lies past the segment's end/,
    );
    assert.deepStrictEqual(load([[1000, 100]]).entries, [[1000, 100]], 'the last offset itself is inside');
  });

  it('a time index: its last entry and timestamp, and an append only when both move forward (timestamp 0 counts)', () => {
    const ix = new TimeIndex(path.join(dir, '50.timeindex'), 50);
    assert.deepStrictEqual([ix.lastEntry(), ix.lastTimestamp()], [undefined, -1]);
    ix.maybeAppend(-1, 51);
    assert.strictEqual(ix.entries, 0, 'a negative timestamp is no entry');
    ix.maybeAppend(0, 51);
    assert.deepStrictEqual([ix.lastEntry(), ix.lastTimestamp()], [[0, 51], 0]);
    ix.maybeAppend(10, 51); // same offset
    ix.maybeAppend(0, 60); // same timestamp
    ix.maybeAppend(20, 60);
    assert.deepStrictEqual(ix.toArray(), [
      [0, 51],
      [20, 60],
    ]);
    assert.deepStrictEqual([ix.lastEntry(), ix.lastTimestamp()], [[20, 60], 20]);
  });

  it('truncating drops the entries at or past an offset or position, and the next persist cuts the file to match', () => {
    const file = path.join(dir, '0.timeindex');
    const tx = new TimeIndex(file, 0);
    for (let i = 1; i <= 40; i++) tx.maybeAppend(i * 10, i * 2);
    assert.strictEqual(tx.entries, 40, 'entries beyond the first allocation are kept');
    assert.ok(tx.persist());
    assert.strictEqual(fs.statSync(file).size, 40 * 12);
    assert.strictEqual(tx.persist(), false, 'nothing new: the file is left alone');
    tx.truncateToOffset(10);
    assert.deepStrictEqual(tx.toArray().at(-1), [40, 8]);
    assert.strictEqual(tx.entries, 4);
    assert.ok(tx.persist());
    tx.maybeAppend(45, 9);
    tx.truncateToOffset(1000);
    assert.strictEqual(tx.entries, 5, 'truncating past the end keeps everything, also what is not persisted yet');
    assert.ok(tx.persist());
    assert.strictEqual(fs.statSync(file).size, 5 * 12);
    tx.maybeAppend(500, 90);
    assert.ok(tx.persist());
    const back = new TimeIndex(file, 0);
    assert.strictEqual(back.load(1000), '');
    assert.deepStrictEqual(back.toArray(), [...tx.toArray()]);
    assert.deepStrictEqual(back.toArray().at(-1), [500, 90]);
    const based = new TimeIndex(path.join(dir, '1000.timeindex'), 1000);
    based.maybeAppend(10, 1002);
    based.maybeAppend(20, 1004);
    based.truncateToOffset(1004);
    assert.deepStrictEqual(based.toArray(), [[10, 1002]], 'offsets are full offsets, not relative ones');

    const ox = new OffsetIndex(path.join(dir, '0.index'), 0);
    for (let i = 1; i <= 5; i++) ox.append(i * 3, i * 100);
    assert.deepStrictEqual(ox.floorByPosition(300), [9, 300], 'an entry at exactly the position is its floor');
    assert.deepStrictEqual(ox.floorByPosition(299), [6, 200]);
    ox.truncateToPosition(300);
    assert.deepStrictEqual([ox.lastOffset(), ox.lastPosition()], [6, 200]);
  });

  it('clear() forgets every entry; after forgetFile() the next persist writes every entry again', () => {
    const file = path.join(dir, '0.index');
    const ox = new OffsetIndex(file, 0);
    ox.append(3, 100);
    ox.append(6, 200);
    assert.ok(ox.persist());
    fs.writeFileSync(file, Buffer.alloc(0));
    ox.forgetFile();
    assert.ok(ox.persist());
    assert.strictEqual(fs.statSync(file).size, 16, 'both entries written again');
    fs.rmSync(file);
    ox.append(9, 300);
    assert.ok(ox.persist());
    const back = new OffsetIndex(file, 0);
    assert.strictEqual(back.load(1000), '');
    assert.deepStrictEqual(back.toArray(), [
      [3, 100],
      [6, 200],
      [9, 300],
    ]);
    ox.clear();
    assert.deepStrictEqual([ox.entries, ox.lastOffset(), ox.lastPosition()], [0, 0, 0]);
    assert.ok(ox.persist(), 'the file is rewritten after a clear');
    assert.strictEqual(fs.statSync(file).size, 0);
  });
});
