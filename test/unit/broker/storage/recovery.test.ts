import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { decodeRecordBatches } from '../../../../src/broker/storage/record-batch';
import type { Harness, Manager } from './helpers';
import { append, batch, batchOf, harness, prng, rec } from './helpers';

function values(m: Manager, topic: string, partition: number, from = 0): string[] {
  return decodeRecordBatches(m.read(topic, partition, from, 1 << 30).records).flatMap((b) =>
    b.records.map((r) => r.value!.toString()),
  );
}

/** Every index entry points at the start of a batch with the right base offset, inside the log. */
function assertIndexesConsistent(m: Manager, topic: string, partition: number): void {
  for (const seg of m.partitionLog(topic, partition).segments) {
    for (const [offset, pos] of seg.offsetIndex.toArray()) {
      assert.ok(pos < seg.size, `index entry at ${pos} beyond the log (${seg.size})`);
      assert.strictEqual(seg.baseOffsetAt(pos), offset);
    }
    for (const [, offset] of seg.timeIndex.toArray()) assert.ok(offset <= seg.nextOffset);
  }
}

function logFile(h: Harness, topic: string, partition: number, base: number): string {
  return path.join(h.dir, 'topics', `${topic}-${partition}`, `${String(base).padStart(20, '0')}.log`);
}

describe('storage: recovery after an unclean shutdown', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  /** 10 flushed batches of 3 records, then 10 unflushed ones; returns the harness and batch end positions. */
  async function writeAndCrash(): Promise<{ h: Harness; ends: number[]; flushedEnd: number }> {
    const h = harness();
    dirs.push(h.dir);
    const m = await h.open();
    await m.createTopic('t', 1);
    const ends: number[] = [];
    for (let i = 0; i < 10; i++) {
      append(m, 't', 0, batchOf(3, `flushed${i}`, i, 40));
      ends.push(m.partitionLog('t', 0).active.size);
    }
    await m.flush();
    const flushedEnd = ends[ends.length - 1];
    for (let i = 0; i < 10; i++) {
      append(m, 't', 0, batchOf(3, `tail${i}`, i, 40));
      ends.push(m.partitionLog('t', 0).active.size);
    }
    m.crash();
    return { h, ends, flushedEnd };
  }

  it('a torn tail is truncated on open (at random byte positions), earlier records survive, appends continue at the right offset', async () => {
    const rand = prng(99);
    for (let round = 0; round < 12; round++) {
      const { h, ends, flushedEnd } = await writeAndCrash();
      const file = logFile(h, 't', 0, 0);
      const size = fs.statSync(file).size;
      const cut = flushedEnd + Math.floor(rand() * (size - flushedEnd));
      fs.truncateSync(file, cut);
      const whole = ends.filter((e) => e <= cut).length;
      const m = await h.open();
      assert.strictEqual(m.openedCleanly, false);
      assert.strictEqual(m.partitionInfo('t', 0).logEndOffset, whole * 3, `cut at ${cut}`);
      const cutBytes = cut - (whole > 0 ? ends[whole - 1] : 0);
      const events = h.events.filter((e) => e.name === 'recoveryTruncated');
      if (cutBytes > 0) {
        assert.deepStrictEqual(
          events.map((e) => (e.payload as { bytes: number }).bytes),
          [cutBytes],
        );
        assert.match((events[0].payload as { reason: string }).reason, /torn batch/);
      } else assert.strictEqual(events.length, 0);
      assert.strictEqual(fs.statSync(file).size, whole > 0 ? ends[whole - 1] : 0);
      assertIndexesConsistent(m, 't', 0);
      assert.strictEqual(append(m, 't', 0, batchOf(1, 'after', 1)), whole * 3);
      const got = values(m, 't', 0);
      assert.strictEqual(got.length, whole * 3 + 1);
      assert.strictEqual(got[0], 'flushed0-0'.padEnd(40, '.'));
      assert.strictEqual(got[got.length - 1], 'after-0');
      await m.close();
    }
  });

  it('a flipped byte in the unflushed tail cuts the log at that batch (CRC) and keeps everything before it', async () => {
    const { h, ends } = await writeAndCrash();
    const file = logFile(h, 't', 0, 0);
    const victim = 14; // batch index in the unflushed part
    const buf = fs.readFileSync(file);
    buf[ends[victim - 1] + 70] ^= 0x01;
    fs.writeFileSync(file, buf);
    const m = await h.open();
    assert.strictEqual(m.partitionInfo('t', 0).logEndOffset, victim * 3);
    const ev = h.events.find((e) => e.name === 'recoveryTruncated')!.payload as { bytes: number; reason: string };
    assert.strictEqual(ev.bytes, ends[ends.length - 1] - ends[victim - 1]);
    assert.match(ev.reason, /CRC-32C mismatch/);
    assert.ok(h.logs.some((l) => /truncated \d+ bytes/.test(l)));
    assertIndexesConsistent(m, 't', 0);
    assert.strictEqual(append(m, 't', 0, batchOf(2, 'next', 1)), victim * 3);
    await m.close();
  });

  it('a corrupt batch in an earlier unflushed segment removes the later segments', async () => {
    const h = harness();
    dirs.push(h.dir);
    let m = await h.open();
    await m.createTopic('t', 1, { 'segment.bytes': '800' });
    for (let i = 0; i < 30; i++) append(m, 't', 0, batchOf(2, `s${i}`, i, 60));
    const segs = m.partitionLog('t', 0).segments.map((s) => s.baseOffset);
    assert.ok(segs.length >= 4);
    m.crash();
    fs.rmSync(path.join(h.dir, 'recovery-point-offset-checkpoint'));
    const file = logFile(h, 't', 0, segs[1]);
    const buf = fs.readFileSync(file);
    buf[buf.length - 5] ^= 0xff;
    fs.writeFileSync(file, buf);
    m = await h.open();
    const log = m.partitionLog('t', 0);
    assert.deepStrictEqual(
      log.segments.map((s) => s.baseOffset),
      segs.slice(0, 2),
    );
    assert.ok(log.logEndOffset < segs[2] && log.logEndOffset > segs[1]);
    for (const base of segs.slice(2)) assert.ok(!fs.existsSync(logFile(h, 't', 0, base)));
    assertIndexesConsistent(m, 't', 0);
    await m.close();
  });

  it('after a clean shutdown nothing is rescanned (a damaged body goes unnoticed, proving no scan)', async () => {
    const h = harness();
    dirs.push(h.dir);
    let m = await h.open();
    await m.createTopic('t', 1);
    for (let i = 0; i < 5; i++) append(m, 't', 0, batchOf(3, `c${i}`, i));
    await m.close();
    assert.ok(fs.existsSync(path.join(h.dir, '.clean-shutdown')));
    const file = logFile(h, 't', 0, 0);
    const buf = fs.readFileSync(file);
    buf[buf.length - 3] ^= 0x10;
    fs.writeFileSync(file, buf);
    m = await h.open();
    assert.strictEqual(m.openedCleanly, true);
    assert.ok(!fs.existsSync(path.join(h.dir, '.clean-shutdown')), 'the marker is removed on open');
    assert.strictEqual(m.partitionInfo('t', 0).logEndOffset, 15);
    assert.strictEqual(h.events.filter((e) => e.name === 'recoveryTruncated').length, 0);
    m.crash();
    m = await h.open();
    assert.strictEqual(m.openedCleanly, false);
    await m.close();
  });

  it('after a crash the bytes just before the recovery point are checked too: a flipped byte in the last flushed batch cuts the log there', async () => {
    const h = harness();
    dirs.push(h.dir);
    let m = await h.open();
    await m.createTopic('t', 1);
    for (let i = 0; i < 5; i++) append(m, 't', 0, batchOf(3, `f${i}`, i));
    await m.flush();
    const flushed = m.partitionLog('t', 0).active.size;
    for (let i = 0; i < 5; i++) append(m, 't', 0, batchOf(3, `u${i}`, i));
    m.crash();
    const file = logFile(h, 't', 0, 0);
    const buf = fs.readFileSync(file);
    buf[flushed - 3] ^= 0x10; // inside the last flushed batch: within the recheck bound (1 MiB by default)
    fs.writeFileSync(file, buf);
    m = await h.open();
    assert.strictEqual(m.partitionInfo('t', 0).logEndOffset, 12);
    assert.ok(
      h.logs.some((l) => /rebuilt the indexes of t-0 .*CRC-32C mismatch/.test(l)),
      h.logs.join('\n'),
    );
    await m.close();
  });

  it('flushed bytes older than the recheck bound are not checked after a crash (only the bound and the tail are)', async () => {
    const h = harness();
    dirs.push(h.dir);
    let m = await h.open();
    await m.createTopic('t', 1, { 'index.interval.bytes': '100' });
    for (let i = 0; i < 5; i++) append(m, 't', 0, batchOf(3, `f${i}`, i));
    await m.flush();
    for (let i = 0; i < 5; i++) append(m, 't', 0, batchOf(3, `u${i}`, i));
    m.crash();
    const file = logFile(h, 't', 0, 0);
    const buf = fs.readFileSync(file);
    buf[100] ^= 0x10; // inside the first flushed batch: trusted, not rescanned
    buf[buf.length - 3] ^= 0x10; // inside the last unflushed batch: checked and cut
    fs.writeFileSync(file, buf);
    m = await h.open({ recoveryRecheckBytes: 200 });
    assert.strictEqual(m.partitionInfo('t', 0).logEndOffset, 27);
    await m.close();
  });

  it('matches an in-memory model over thousands of random appends, reads, flushes, restarts and torn crashes', async function () {
    this.timeout(120_000);
    for (const seed of [1, 2]) {
      try {
        await runModel(seed, 1200, dirs);
      } catch (e) {
        (e as Error).message = `model test failed with seed ${seed}: ${(e as Error).message}`;
        throw e;
      }
    }
  });
});

interface ModelBatch {
  base: number;
  values: string[];
  segBase: number;
  end: number;
}

async function runModel(seed: number, steps: number, dirs: string[]): Promise<void> {
  const rand = prng(seed);
  const h = harness();
  dirs.push(h.dir);
  let m = await h.open();
  await m.createTopic('m', 2, { 'segment.bytes': String(600 + Math.floor(rand() * 2000)) });
  const model: { batches: ModelBatch[]; logStart: number }[] = [
    { batches: [], logStart: 0 },
    { batches: [], logStart: 0 },
  ];
  const end = (p: number) => {
    const b = model[p].batches.at(-1);
    return b ? b.base + b.values.length : 0;
  };
  let counter = 0;
  for (let step = 0; step < steps; step++) {
    const p = Math.floor(rand() * 2);
    const r = rand();
    if (r < 0.55) {
      const n = 1 + Math.floor(rand() * 4);
      const vals = Array.from({ length: n }, () => `v${counter++}`);
      const built = batch(vals.map((v, i) => rec(v, step + i)));
      const base = append(m, 'm', p, built);
      assert.strictEqual(base, end(p), `append offset at step ${step}`);
      const seg = m.partitionLog('m', p).active;
      model[p].batches.push({ base, values: vals, segBase: seg.baseOffset, end: seg.size });
    } else if (r < 0.8) {
      const e = end(p);
      const from = model[p].logStart + Math.floor(rand() * (e - model[p].logStart + 1));
      const got = decodeRecordBatches(m.read('m', p, from, 1 + Math.floor(rand() * 400)).records).flatMap((b) =>
        b.records.map((x) => [x.offset, x.value!.toString()] as [number, string]),
      );
      const expected: [number, string][] = [];
      for (const b of model[p].batches) b.values.forEach((v, i) => expected.push([b.base + i, v]));
      const firstBatch = model[p].batches.find((b) => b.base + b.values.length > from);
      if (from === e) assert.deepStrictEqual(got, [], `read at end, step ${step}`);
      else {
        const startAt = firstBatch!.base;
        const exp = expected.filter(([o]) => o >= startAt).slice(0, got.length);
        assert.ok(got.length >= firstBatch!.values.length, `at least one batch, step ${step}`);
        assert.deepStrictEqual(got, exp, `read from ${from}, step ${step}`);
      }
    } else if (r < 0.85) {
      await m.flush();
    } else if (r < 0.88) {
      const e = end(p);
      const to = model[p].logStart + Math.floor(rand() * (e - model[p].logStart + 1));
      m.deleteRecords('m', p, to);
      model[p].logStart = Math.max(model[p].logStart, to);
    } else if (r < 0.91) {
      await m.close();
      m = await h.open();
      assert.strictEqual(m.openedCleanly, true);
    } else if (r < 0.94) {
      // Crash, losing a random part of the unflushed tail of the active segment.
      const log = m.partitionLog('m', p);
      const active = log.active;
      const rp = log.recoveryPoint;
      const minCut = rp && rp.segmentBaseOffset === active.baseOffset ? rp.position : 0;
      const cut = minCut + Math.floor(rand() * (active.size - minCut + 1));
      m.crash();
      fs.truncateSync(logFileOf(h.dir, 'm', p, active.baseOffset), cut);
      model[p].batches = model[p].batches.filter((b) => b.segBase !== active.baseOffset || b.end <= cut);
      m = await h.open();
      assert.strictEqual(m.openedCleanly, false);
      model[p].logStart = Math.min(model[p].logStart, end(p));
    }
    for (const q of [0, 1]) {
      const info = m.partitionInfo('m', q);
      assert.strictEqual(info.logEndOffset, end(q), `log end of partition ${q} at step ${step}`);
      assert.strictEqual(info.logStartOffset, model[q].logStart, `log start of partition ${q} at step ${step}`);
    }
  }
  for (const q of [0, 1]) assertIndexesConsistent(m, 'm', q);
  await m.close();
}

function logFileOf(dir: string, topic: string, partition: number, base: number): string {
  return path.join(dir, 'topics', `${topic}-${partition}`, `${String(base).padStart(20, '0')}.log`);
}
