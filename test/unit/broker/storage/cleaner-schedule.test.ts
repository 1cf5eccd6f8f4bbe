// When the log cleaner (src/broker/storage/cleaner.ts) cleans a partition: only closed segments below the recovery
// point (so fsynced), never the active one; the periodic pass only when the part not cleaned before is at least
// min.cleanable.dirty.ratio of them (exactly 1 included) or its oldest record is older than max.compaction.lag.ms,
// and never when nothing new was written since the last cleaning.
import * as assert from 'assert';
import * as fs from 'fs';
import { cleanableSegmentCount, cleanSegments } from '../../../../src/broker/storage/cleaner';
import { effectiveConfig } from '../../../../src/broker/storage/configs';
import { realIo } from '../../../../src/broker/storage/segment';
import type { EncodableRecord } from '../../../../src/broker/storage/record-batch';
import { decodeRecordBatches } from '../../../../src/broker/storage/record-batch';
import type { Harness, Manager } from './helpers';
import { append, batch, harness } from './helpers';

function kv(key: string, value: string | null, ts: number): EncodableRecord {
  return { key: Buffer.from(key), value: value === null ? null : Buffer.from(value), headers: [], timestamp: ts };
}

/** offset → "key=value" ("key=∅" for a tombstone) of every record readable from the log start. */
function contents(m: Manager, topic = 'c'): string[] {
  const start = m.partitionInfo(topic, 0).logStartOffset;
  return decodeRecordBatches(m.read(topic, 0, start, 64 << 20).records).flatMap((b) =>
    b.records.map((r) => `${r.offset} ${r.key?.toString() ?? '∅'}=${r.value === null ? '∅' : r.value.toString()}`),
  );
}

describe('storage: when the log cleaner cleans a partition', () => {
  let h: Harness;
  let m: Manager;
  beforeEach(async () => {
    h = harness();
    // The periodic timers never fire by themselves here: each test runs the pass it means to.
    m = await h.open({ cleanerIntervalMs: 1e12, retentionCheckIntervalMs: 1e12 });
  });
  afterEach(async () => {
    await m.close();
    fs.rmSync(h.dir, { recursive: true, force: true });
  });

  /** Close the active segment and make everything durable (the recovery point moves past it). */
  async function closeSegment(): Promise<void> {
    m.partitionLog('c', 0).roll(h.clock.now());
    await m.flush();
  }

  /** A first segment of `keys` distinct keys with ~100-byte values, compacted once: clean, below cleanedUpTo. */
  async function cleanedSegment(keys: number, ts: number): Promise<void> {
    const recs: EncodableRecord[] = [];
    for (let i = 0; i < keys; i++) recs.push(kv(`base-${i}`, 'v'.repeat(100), ts));
    append(m, 'c', 0, batch(recs));
    const [stats] = await m.compactTopic('c');
    assert.strictEqual(stats.cleanedUpTo, keys);
  }

  it('min.cleanable.dirty.ratio=1 cleans a partition whose closed segments are all dirty (ratio exactly 1)', async () => {
    await m.createTopic('c', 1, { 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': '1' });
    const t = h.clock.now();
    append(m, 'c', 0, batch([kv('a', '1', t), kv('a', '2', t)]));
    append(m, 'c', 0, batch([kv('b', '3', t)]));
    await closeSegment();
    const runs = await m.runCleaner();
    assert.deepStrictEqual(
      runs.map((s) => s.segmentsCleaned),
      [1],
    );
    assert.deepStrictEqual(contents(m), ['1 a=2', '2 b=3']);
  });

  it('waits while the dirty part is below min.cleanable.dirty.ratio (the active segment never counts), then cleans', async () => {
    await m.createTopic('c', 1, { 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': '0.5' });
    const t = h.clock.now();
    await cleanedSegment(20, t); // ~2.5 kB cleaned
    append(m, 'c', 0, batch([kv('base-0', 'new', t)])); // ~80 bytes dirty
    await closeSegment();
    // A large active segment: were it counted, the dirty part would be about two thirds.
    const big: EncodableRecord[] = [];
    for (let i = 0; i < 40; i++) big.push(kv(`active-${i}`, 'a'.repeat(100), t));
    append(m, 'c', 0, batch(big));
    await m.flush();
    const before = contents(m);
    assert.deepStrictEqual(await m.runCleaner(), [], 'about 3 % dirty: not cleaned');
    assert.deepStrictEqual(contents(m), before);
    assert.ok(before.includes(`0 base-0=${'v'.repeat(100)}`), 'the superseded value is still there');

    await closeSegment(); // the large segment is closed now: about 70 % dirty
    const runs = await m.runCleaner();
    assert.deepStrictEqual(
      runs.map((s) => s.segmentsCleaned),
      [1],
    );
    assert.ok(!contents(m).some((r) => r.startsWith('0 ')), 'base-0 keeps only its latest value');
    assert.strictEqual(contents(m).length, 20 + 40);
  });

  it('max.compaction.lag.ms: a dirty record exactly that old waits for the ratio; one millisecond older is cleaned', async () => {
    await m.createTopic('c', 1, {
      'cleanup.policy': 'compact',
      'min.cleanable.dirty.ratio': '0.9',
      'max.compaction.lag.ms': '60000',
    });
    const t = h.clock.now();
    await cleanedSegment(20, t - 120_000);
    append(m, 'c', 0, batch([kv('base-0', 'older', t - 60_000)]));
    await closeSegment();
    append(m, 'c', 0, batch([kv('base-1', 'newer', t - 30_000)]));
    await closeSegment();
    assert.deepStrictEqual(await m.runCleaner(), [], 'oldest dirty record exactly 60 000 ms old');
    assert.ok(contents(m).some((r) => r.startsWith('0 base-0=')));
    h.clock.advance(1);
    const runs = await m.runCleaner();
    assert.deepStrictEqual(
      runs.map((s) => s.segmentsCleaned),
      [1],
      'the oldest dirty segment (not the newest) is 60 001 ms old',
    );
    assert.ok(!contents(m).some((r) => r.startsWith('0 ') || r.startsWith('1 ')));
    assert.deepStrictEqual(contents(m).slice(-2), ['20 base-0=older', '21 base-1=newer']);
  });

  it('a partition with nothing written since its last cleaning is left alone, even once its tombstones expired', async () => {
    await m.createTopic('c', 1, {
      'cleanup.policy': 'compact',
      'min.cleanable.dirty.ratio': '0',
      'delete.retention.ms': '60000',
    });
    const t = h.clock.now();
    append(m, 'c', 0, batch([kv('a', '1', t), kv('b', '2', t)]));
    append(m, 'c', 0, batch([kv('a', null, t)]));
    append(m, 'c', 0, batch([kv('c', '3', t)]));
    await m.compactTopic('c');
    assert.deepStrictEqual(contents(m), ['1 b=2', '2 a=∅', '3 c=3']);
    h.clock.advance(61_000);
    assert.deepStrictEqual(await m.runCleaner(), [], 'no segment is dirty');
    assert.deepStrictEqual(contents(m), ['1 b=2', '2 a=∅', '3 c=3'], 'the tombstone waits for the next cleaning');
    await m.compactTopic('c'); // on demand: cleaned whatever its ratio
    assert.deepStrictEqual(contents(m), ['1 b=2', '3 c=3']);
  });

  it('a closed segment is not cleaned before it is fsynced (below the recovery point)', async () => {
    await m.createTopic('c', 1, { 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': '0' });
    const t = h.clock.now();
    append(m, 'c', 0, batch([kv('a', '1', t), kv('a', '2', t)]));
    m.partitionLog('c', 0).roll(t);
    append(m, 'c', 0, batch([kv('b', '3', t)]));
    assert.deepStrictEqual(await m.runCleaner(), [], 'nothing flushed yet');
    assert.deepStrictEqual(contents(m), ['0 a=1', '1 a=2', '2 b=3']);
    await m.flush();
    const runs = await m.runCleaner();
    assert.deepStrictEqual(
      runs.map((s) => s.segmentsCleaned),
      [1],
    );
    assert.deepStrictEqual(contents(m), ['1 a=2', '2 b=3']);
  });

  it('the active segment is never cleaned, even when it was empty as the pass began: what is appended meanwhile stays', async () => {
    const overrides = { 'cleanup.policy': 'compact' };
    await m.createTopic('c', 1, overrides);
    const t = h.clock.now();
    append(m, 'c', 0, batch([kv('a', '1', t), kv('a', '2', t)]));
    await closeSegment(); // the active segment is empty and fsynced
    const log = m.partitionLog('c', 0);
    const config = effectiveConfig(overrides);
    const count = cleanableSegmentCount(log, t, config);
    // A produce request lands while the cleaner writes the replacement (its only writes go through `io`).
    let appended = false;
    const io = {
      ...realIo,
      writeSync: (fd: number, buf: Uint8Array, off: number, len: number, pos: number) => {
        if (!appended) {
          appended = true;
          append(m, 'c', 0, batch([kv('late', 'x', t)]));
        }
        return realIo.writeSync(fd, buf, off, len, pos);
      },
    };
    const stats = await cleanSegments(
      log,
      count,
      t,
      config,
      io,
      () => undefined,
      () => false,
    );
    assert.ok(appended, 'the replacement was written');
    assert.strictEqual(stats.segmentsCleaned, 1);
    assert.strictEqual(stats.cleanedUpTo, 2);
    assert.deepStrictEqual(contents(m), ['1 a=2', '2 late=x']);
    await m.close();
    m = await h.open({ cleanerIntervalMs: 1e12, retentionCheckIntervalMs: 1e12 });
    assert.deepStrictEqual(contents(m), ['1 a=2', '2 late=x']);
  });
});
