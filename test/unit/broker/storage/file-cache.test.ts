import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
// The module object itself (not the import's read-only view): the lazy-open test wraps some of its functions.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import rawFs = require('fs');
import type { Harness, Manager } from './helpers';
import { append, batch, batchOf, harness, rec } from './helpers';

/** Paths of this process's open descriptors that lie under `dir` (Linux: /proc/self/fd). */
function fdsUnder(dir: string): string[] {
  const out: string[] = [];
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      const target = fs.readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(dir)) out.push(target);
    } catch {
      // closed meanwhile (the descriptor readdir itself used)
    }
  }
  return out;
}

function linuxOnly(ctx: Mocha.Context): void {
  if (process.platform !== 'linux') ctx.skip();
}

describe('storage: many partitions under a low open-file limit', function () {
  this.timeout(60_000);
  let h: Harness;
  afterEach(() => fs.rmSync(h.dir, { recursive: true, force: true }));

  function runChild(phase: string, topics: number, env: Record<string, string> = {}) {
    const child = path.join(__dirname, 'many-partitions-child.js');
    const r = spawnSync(
      'bash',
      ['-c', `ulimit -n 256 && exec "${process.execPath}" "${child}" "$@"`, 'child', h.dir, phase, String(topics), '5'],
      {
        encoding: 'utf8',
        env: { ...process.env, ...env },
        timeout: 50_000,
      },
    );
    const last = r.stdout.trim().split('\n').pop() ?? '';
    let result: { ok: boolean; error?: string; openMs?: number; peakFds?: number };
    try {
      result = JSON.parse(last) as typeof result;
    } catch {
      throw new Error(`child (${phase}) printed no result; status ${r.status}, stderr: ${r.stderr}`);
    }
    assert.ok(result.ok, `phase ${phase}: ${result.error}`);
    return result;
  }

  it('1,500 partitions (300 topics × 5) are created, produced to, restarted and read back with ulimit -n 256, never EMFILE', function () {
    linuxOnly(this);
    h = harness();
    const created = runChild('create', 300);
    const reopened = runChild('reopen', 300);
    const verified = runChild('verify', 300);
    for (const r of [created, reopened, verified]) assert.ok(r.peakFds! < 256, `peak open files ${r.peakFds}`);
  });

  it('a maxOpenFiles above the process limit is lowered at the first EMFILE instead of failing', function () {
    linuxOnly(this);
    h = harness();
    const env = { KAFKA_LITE_STORAGE_OPTS: JSON.stringify({ maxOpenFiles: 100_000 }) };
    runChild('create', 100, env);
    runChild('reopen', 100, env);
    runChild('verify', 100, env);
  });
});

describe('storage: lazy open of partitions', () => {
  let h: Harness;
  let m: Manager;
  afterEach(async () => {
    await m.close();
    fs.rmSync(h.dir, { recursive: true, force: true });
  });

  /** Count the segment and index files opened or read under `dir` while `fn` runs. */
  async function segmentFilesTouched<T>(dir: string, fn: () => Promise<T>): Promise<{ result: T; touched: string[] }> {
    const touched: string[] = [];
    const topics = path.join(dir, 'topics');
    const note = (p: fs.PathOrFileDescriptor) => {
      if (typeof p === 'string' && p.startsWith(topics) && /\.(log|index|timeindex)$/.test(p)) touched.push(p);
    };
    const { openSync, readFileSync, promises } = rawFs;
    const open = promises.open;
    rawFs.openSync = ((p: fs.PathLike, ...rest: unknown[]) => {
      note(p as string);
      return (openSync as (...a: unknown[]) => number)(p, ...rest);
    }) as typeof fs.openSync;
    rawFs.readFileSync = ((p: fs.PathOrFileDescriptor, ...rest: unknown[]) => {
      note(p);
      return (readFileSync as (...a: unknown[]) => unknown)(p, ...rest);
    }) as typeof fs.readFileSync;
    promises.open = ((p: fs.PathLike, ...rest: unknown[]) => {
      note(p as string);
      return (open as (...a: unknown[]) => Promise<fs.promises.FileHandle>)(p, ...rest);
    }) as typeof promises.open;
    try {
      return { result: await fn(), touched };
    } finally {
      rawFs.openSync = openSync;
      rawFs.readFileSync = readFileSync;
      promises.open = open;
    }
  }

  it('a clean restart reads no segment or index file, yet every partition reports its offsets, size and newest timestamp', async () => {
    h = harness();
    m = await h.open();
    await m.createTopic('a', 5);
    await m.createTopic('b', 3, { 'segment.bytes': '1024' });
    for (let p = 0; p < 5; p++) for (let i = 0; i <= p; i++) append(m, 'a', p, batchOf(2, `a${p}`, 1000 + i));
    for (let i = 0; i < 30; i++) append(m, 'b', 1, batchOf(3, 'b', 5000 + i, 40));
    m.deleteRecords('b', 1, 7);
    const before = ['a', 'b'].flatMap((t) => [0, 1, 2].map((p) => m.partitionInfo(t, p)));
    assert.ok(
      before.some((i) => i.segmentCount > 1),
      'test needs a partition with several segments',
    );
    await m.close();
    const { result, touched } = await segmentFilesTouched(h.dir, async () => {
      m = await h.open();
      return ['a', 'b'].flatMap((t) => [0, 1, 2].map((p) => m.partitionInfo(t, p)));
    });
    assert.deepStrictEqual(touched, [], 'files read by a clean restart and partitionInfo');
    assert.deepStrictEqual(result, before);
    // First use opens the partition: reads and appends see the same log.
    assert.strictEqual(m.read('b', 1, 7, 1 << 20).logStartOffset, 7);
    assert.strictEqual(append(m, 'a', 4, batchOf(1, 'x', 9000)), 10);
    assert.strictEqual(m.partitionInfo('a', 4).logEndOffset, 11);
  });
});

describe('storage: the segment file cache', () => {
  let h: Harness;
  let m: Manager;
  afterEach(async () => {
    await m.close();
    fs.rmSync(h.dir, { recursive: true, force: true });
  });

  it('appending round-robin over 40 partitions keeps at most maxOpenFiles (8) segment files open, and every record reads back', async function () {
    linuxOnly(this);
    h = harness();
    m = await h.open({ maxOpenFiles: 8 });
    await m.createTopic('t', 40);
    const topics = path.join(h.dir, 'topics');
    let peak = 0;
    for (let round = 0; round < 5; round++) {
      for (let p = 0; p < 40; p++) {
        append(m, 't', p, batchOf(2, `r${round}p${p}`, 1000 + round));
        peak = Math.max(peak, fdsUnder(topics).length);
      }
      await m.flush();
    }
    assert.ok(peak <= 8, `peak ${peak} segment files open`);
    assert.ok(m.fileStats().opens > 40, 'files were evicted and opened again');
    for (let p = 0; p < 40; p++) {
      const values = m.read('t', p, 0, 1 << 20).records;
      assert.strictEqual(m.partitionInfo('t', p).logEndOffset, 10);
      assert.ok(values.includes(Buffer.from(`r4p${p}-1`)), `partition ${p}'s last record`);
    }
  });

  it('a flush fsyncs a segment whose descriptor was evicted after the write (opened again to fsync)', async function () {
    linuxOnly(this);
    h = harness();
    m = await h.open({ maxOpenFiles: 2 });
    await m.createTopic('t', 6);
    for (let p = 0; p < 6; p++) append(m, 't', p, batchOf(1, `p${p}`, 1));
    const synced: string[] = [];
    const fsync = rawFs.fsync;
    rawFs.fsync = ((fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
      synced.push(fs.readlinkSync(`/proc/self/fd/${fd}`));
      fsync(fd, cb);
    }) as typeof rawFs.fsync;
    try {
      await m.flush();
    } finally {
      rawFs.fsync = fsync;
    }
    for (let p = 0; p < 6; p++)
      assert.ok(
        synced.includes(path.join(h.dir, 'topics', `t-${p}`, '00000000000000000000.log')),
        `t-${p} fsynced; fsynced: ${synced.join(', ')}`,
      );
    assert.ok(fdsUnder(path.join(h.dir, 'topics')).length <= 2);
  });

  it('deleting a topic, retention and compaction leave no descriptor on removed files, and close leaves none at all', async function () {
    linuxOnly(this);
    h = harness();
    m = await h.open({ maxOpenFiles: 4 });
    await m.createTopic('gone', 3);
    await m.createTopic('old', 2, { 'segment.bytes': '300', 'retention.bytes': '300' });
    await m.createTopic('kept', 2, { 'cleanup.policy': 'compact', 'segment.bytes': '300' });
    for (let i = 0; i < 12; i++) {
      for (let p = 0; p < 3; p++) append(m, 'gone', p, batchOf(1, `g${i}`, 1));
      for (let p = 0; p < 2; p++) append(m, 'old', p, batchOf(2, `o${i}`, 1, 30));
      for (let p = 0; p < 2; p++)
        append(m, 'kept', p, batch([rec(`v${i}`, 1 + i, `k${i % 3}`), rec(`w${i}`, 1 + i, `k${(i + 1) % 3}`)]));
    }
    await m.flush();
    await m.deleteTopic('gone');
    m.enforceRetention();
    const stats = await m.compactTopic('kept');
    assert.ok(
      stats.some((s) => s.segmentsCleaned > 0),
      'compaction replaced segments',
    );
    assert.ok(m.partitionInfo('old', 0).logStartOffset > 0, 'retention removed segments');
    const stale = fdsUnder(h.dir).filter((f) => f.endsWith('(deleted)') || !fs.existsSync(f));
    assert.deepStrictEqual(stale, []);
    await m.close();
    assert.deepStrictEqual(fdsUnder(h.dir), []);
    m = await h.open({ maxOpenFiles: 4 });
  });
});
