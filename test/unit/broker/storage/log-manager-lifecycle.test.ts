/**
 * The log manager's open, close and crash (log-manager.ts): what an unclean open reports, which checkpoints an
 * open writes back, that close vouches for the directory with the clean-shutdown marker only when the checkpoints
 * were written (and names what was not), that a second close and a crashed manager write nothing, and that a
 * closed or crashed manager refuses every call and holds no descriptor.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
// The module object itself (not the import's read-only view): the tests replace some of its functions.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import rawFs = require('fs');
import { ErrorCode, KafkaError, ShutdownIncompleteError } from '../../../../src/broker/errors';
import { CLEAN_SHUTDOWN_MARKER, LOG_START_FILE, RECOVERY_POINT_FILE } from '../../../../src/broker/storage/log-manager';
import type { Harness, Manager } from './helpers';
import { append, batchOf, harness } from './helpers';

const closedError = (e: unknown) =>
  e instanceof KafkaError && e.code === ErrorCode.KAFKA_STORAGE_ERROR && e.message === 'the log manager is closed';

/** Paths of this process's open descriptors under `dir` (Linux: /proc/self/fd). */
function fdsUnder(dir: string): string[] {
  const out: string[] = [];
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      const target = fs.readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(dir)) out.push(target);
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

/** Opens of paths whose base name is in `names` fail with ENOSPC until restore(). */
function diskFullFor(...names: string[]): { restore: () => void } {
  const { openSync } = rawFs;
  rawFs.openSync = ((p: fs.PathLike, ...rest: unknown[]) => {
    if (typeof p === 'string' && names.includes(path.basename(p)))
      throw Object.assign(new Error(`ENOSPC: no space left on device, open '${p}'`), { code: 'ENOSPC' });
    return (openSync as (...a: unknown[]) => number)(p, ...rest);
  }) as typeof fs.openSync;
  return { restore: () => (rawFs.openSync = openSync) };
}

describe('storage: opening, closing and crashing the log manager', () => {
  let h: Harness;
  let m: Manager;
  beforeEach(() => {
    h = harness();
  });
  afterEach(async () => {
    await m.close().catch(() => undefined);
    fs.rmSync(h.dir, { recursive: true, force: true });
  });

  const file = (name: string) => path.join(h.dir, name);
  const infoLines = () => h.logs.filter((l) => l.startsWith('info: opened'));

  it('an unclean open with topics logs what it checked and whether anything was cut; an empty or clean open logs nothing', async () => {
    m = await h.open();
    assert.ok(!m.openedCleanly, 'a new directory has no clean-shutdown marker');
    assert.deepStrictEqual(infoLines(), [], 'no topic: nothing was checked');
    await m.createTopic('t', 1);
    append(m, 't', 0, batchOf(3, 'a', 1));
    await m.flush();
    m.crash();
    m = await h.open();
    assert.deepStrictEqual(infoLines(), [
      `info: opened ${path.resolve(h.dir)} after an unclean shutdown: checked each partition's tail past its recovery point and the last 1048576 bytes before it; nothing was cut`,
    ]);
    append(m, 't', 0, batchOf(2, 'b', 1));
    m.crash();
    fs.appendFileSync(path.join(h.dir, 'topics', 't-0', '00000000000000000000.log'), Buffer.alloc(30, 7));
    h.logs.length = 0;
    m = await h.open({ recoveryRecheckBytes: 0 });
    assert.deepStrictEqual(infoLines(), [
      `info: opened ${path.resolve(h.dir)} after an unclean shutdown: checked each partition's tail past its recovery point and the last 0 bytes before it`,
    ]);
    assert.strictEqual(m.partitionInfo('t', 0).logEndOffset, 5, 'the torn tail was cut, the records before it kept');
    await m.close();
    h.logs.length = 0;
    m = await h.open();
    assert.ok(m.openedCleanly);
    assert.deepStrictEqual(infoLines(), []);
    assert.ok(!fs.existsSync(file(CLEAN_SHUTDOWN_MARKER)), 'the marker is removed by the open it vouched for');
  });

  it('a clean open that leaves every partition for later rewrites no checkpoint; one that had to open partitions writes them back', async () => {
    m = await h.open();
    await m.createTopic('t', 2);
    append(m, 't', 0, batchOf(3, 'a', 1));
    append(m, 't', 1, batchOf(4, 'b', 1));
    await m.close();
    const inode = (name: string) => fs.statSync(file(name)).ino;
    const before = [inode(RECOVERY_POINT_FILE), inode(LOG_START_FILE)];
    m = await h.open();
    assert.strictEqual(m.fileStats().partitionsOpen, 0);
    assert.deepStrictEqual([inode(RECOVERY_POINT_FILE), inode(LOG_START_FILE)], before, 'neither file replaced');
    await m.close();
    // Without the log-start checkpoint a clean open cannot leave the partitions lazy: it opens them and writes
    // the checkpoint back at once.
    fs.rmSync(file(LOG_START_FILE));
    const recoveryBefore = inode(RECOVERY_POINT_FILE); // close rewrote it: the inode seen above may be reused
    m = await h.open();
    assert.strictEqual(m.fileStats().partitionsOpen, 2);
    assert.match(fs.readFileSync(file(LOG_START_FILE), 'utf8'), /^kafka-lite-checkpoint v1\nt 0 0\nt 1 0\n$/);
    assert.notStrictEqual(inode(RECOVERY_POINT_FILE), recoveryBefore, 'the recovery checkpoint was written too');
  });

  it('close writes the clean-shutdown marker; a second close of the same manager writes nothing, even after another one opened the directory', async () => {
    const first = await h.open();
    await first.createTopic('t', 1);
    append(first, 't', 0, batchOf(1, 'a', 1));
    await first.close();
    assert.ok(fs.existsSync(file(CLEAN_SHUTDOWN_MARKER)));
    m = await h.open();
    append(m, 't', 0, batchOf(2, 'b', 1));
    await first.close(); // a stale handle: must not vouch for what `m` wrote since
    assert.ok(!fs.existsSync(file(CLEAN_SHUTDOWN_MARKER)), 'no marker from the stale close');
    m.crash();
    m = await h.open();
    assert.ok(!m.openedCleanly);
    assert.strictEqual(m.partitionInfo('t', 0).logEndOffset, 3, 'every record of the second manager is there');
  });

  it('a closed manager refuses every call with KAFKA_STORAGE_ERROR "the log manager is closed"', async () => {
    m = await h.open();
    await m.createTopic('t', 1);
    append(m, 't', 0, batchOf(2, 'a', 1));
    const b = batchOf(1, 'x', 1);
    const headers = m.parseRecordSet('t', 0, b);
    await m.close();
    assert.throws(() => m.parseRecordSet('t', 0, b), closedError);
    assert.throws(() => m.appendValidated('t', 0, b, headers), closedError);
    assert.throws(() => m.read('t', 0, 0, 100), closedError);
    assert.throws(() => m.offsetForTimestamp('t', 0, 0), closedError);
    assert.throws(() => m.deleteRecords('t', 0, 1), closedError);
    assert.throws(() => m.abortedTransactions('t', 0, 0, 2), closedError);
    assert.throws(
      () => m.appendAbortedTransaction('t', 0, { producerId: 1, firstOffset: 0, lastOffset: 1, lastStableOffset: 2 }),
      closedError,
    );
    await assert.rejects(m.createTopic('u', 1), closedError);
    await assert.rejects(m.createPartitions('t', 2), closedError);
    await assert.rejects(m.alterTopicConfigs('t', { 'retention.ms': '1' }), closedError);
    await assert.rejects(m.deleteTopic('t'), closedError);
    await assert.rejects(m.compactTopic('t'), closedError);
    m = await h.open();
    assert.strictEqual(m.partitionInfo('t', 0).logEndOffset, 2, 'nothing changed after the close');
    assert.strictEqual(m.getTopic('t')!.partitions, 1);
  });

  it('a crashed manager refuses every call, holds no descriptor, and writes nothing more: no flush, no checkpoint, no marker', async function () {
    m = await h.open({ maxOpenFiles: 8 });
    await m.createTopic('t', 3);
    for (let p = 0; p < 3; p++) append(m, 't', p, batchOf(2, `p${p}`, 1));
    await m.flush();
    append(m, 't', 0, batchOf(2, 'late', 1));
    const checkpoint = fs.readFileSync(file(RECOVERY_POINT_FILE));
    m.crash();
    if (process.platform === 'linux') assert.deepStrictEqual(fdsUnder(h.dir), []);
    assert.throws(() => m.read('t', 0, 0, 100), closedError);
    assert.throws(() => append(m, 't', 1, batchOf(1, 'x', 1)), closedError);
    await assert.rejects(m.createTopic('u', 1), closedError);
    h.clock.advance(60_000); // the flush timer (50 ms) and retention would have run by now
    await m.close();
    assert.deepStrictEqual(fs.readFileSync(file(RECOVERY_POINT_FILE)), checkpoint, 'the checkpoint is as it was');
    assert.ok(!fs.existsSync(file(CLEAN_SHUTDOWN_MARKER)));
    m = await h.open();
    assert.ok(!m.openedCleanly);
    assert.strictEqual(m.partitionInfo('t', 0).logEndOffset, 4, 'the written but unflushed batch is recovered');
  });
});

describe('storage: a close that cannot write its bookkeeping', () => {
  let h: Harness;
  let m: Manager;
  let disk: { restore: () => void } | undefined;
  beforeEach(async () => {
    h = harness();
    disk = undefined;
    m = await h.open();
    await m.createTopic('t', 1);
    append(m, 't', 0, batchOf(3, 'a', 1));
  });
  afterEach(async () => {
    disk?.restore();
    await m.close().catch(() => undefined);
    fs.rmSync(h.dir, { recursive: true, force: true });
  });

  async function closeFailing(...names: string[]): Promise<ShutdownIncompleteError> {
    disk = diskFullFor(...names);
    let err: unknown;
    try {
      await m.close();
    } catch (e) {
      err = e;
    } finally {
      disk.restore();
    }
    assert.ok(err instanceof ShutdownIncompleteError, `ShutdownIncompleteError, got ${String(err)}`);
    return err;
  }

  const tmp = (name: string) => path.join(h.dir, `.${name}.tmp`);
  const full = (p: string) => `ENOSPC: no space left on device, open '${p}'`;

  it('names both checkpoints and why, writes no marker, and the next open recovers every record', async () => {
    const err = await closeFailing(`.${RECOVERY_POINT_FILE}.tmp`, `.${LOG_START_FILE}.tmp`);
    assert.deepStrictEqual(err.notWritten, [
      `the recovery-point checkpoint (${full(tmp(RECOVERY_POINT_FILE))})`,
      `the log-start checkpoint (${full(tmp(LOG_START_FILE))})`,
    ]);
    assert.strictEqual(err.logIntact, true);
    assert.ok(!fs.existsSync(path.join(h.dir, CLEAN_SHUTDOWN_MARKER)), 'no marker vouches for stale checkpoints');
    m = await h.open();
    assert.ok(!m.openedCleanly);
    assert.strictEqual(m.partitionInfo('t', 0).logEndOffset, 3);
  });

  it('one checkpoint not written is enough to withhold the marker', async () => {
    const err = await closeFailing(`.${LOG_START_FILE}.tmp`);
    assert.deepStrictEqual(err.notWritten, [`the log-start checkpoint (${full(tmp(LOG_START_FILE))})`]);
    assert.ok(!fs.existsSync(path.join(h.dir, CLEAN_SHUTDOWN_MARKER)));
    m = await h.open();
    assert.ok(!m.openedCleanly);
  });

  it('a marker that cannot be written is named; the next open recovers as after a crash', async () => {
    const err = await closeFailing(CLEAN_SHUTDOWN_MARKER);
    assert.deepStrictEqual(err.notWritten, [
      `the clean-shutdown marker (${full(path.join(h.dir, CLEAN_SHUTDOWN_MARKER))})`,
    ]);
    assert.strictEqual(err.logIntact, true);
    m = await h.open();
    assert.ok(!m.openedCleanly);
    assert.strictEqual(m.partitionInfo('t', 0).logEndOffset, 3);
  });
});
