// The flush policy (src/broker/storage/flush-policy.ts), on a FakeClock with stand-in partition logs: one timer
// per interval, the barrier before every fsync, which partitions a flush touches (dirty segments, or a recovery
// point to move) and that an idle flush writes no checkpoint, the bound on fsyncs in flight, a failed fsync as
// KAFKA_STORAGE_ERROR that moves no recovery point, and closing while a flush runs.
import * as assert from 'assert';
import { FakeClock } from '../../../../src/broker/clock';
import { ErrorCode, KafkaError } from '../../../../src/broker/errors';
import { FlushScheduler } from '../../../../src/broker/storage/flush-policy';
import type { PartitionLog, RecoveryPoint } from '../../../../src/broker/storage/partition-log';
import type { Deferred } from './sched-helpers';
import { deferred, settle, stateOf } from './sched-helpers';

interface FakeSegment {
  fsync(): Promise<void>;
}

interface FakeLog {
  recoveryPoint: RecoveryPoint | null;
  /** The point the next flush makes durable (the active segment's base and size). */
  point: RecoveryPoint;
  dirty: FakeSegment[];
}

function fakeLog(recoveryPoint: RecoveryPoint | null, point: RecoveryPoint, dirty: FakeSegment[] = []): FakeLog {
  return { recoveryPoint, point, dirty };
}

function asPartitionLog(f: FakeLog): PartitionLog {
  return {
    get recoveryPoint() {
      return f.recoveryPoint;
    },
    set recoveryPoint(p: RecoveryPoint | null) {
      f.recoveryPoint = p;
    },
    prepareFlush: () => ({ segments: f.dirty, point: f.point }),
  } as unknown as PartitionLog;
}

function rp(segmentBaseOffset: number, position: number): RecoveryPoint {
  return { segmentBaseOffset, position };
}

describe('storage: the flush policy', () => {
  let clock: FakeClock;
  let logs: FakeLog[];
  let logLines: string[];
  let closed: boolean;
  let maxOpenFiles: number;
  let checkpoints: number;
  let fsyncs: number;

  function scheduler(intervalMs = 50): FlushScheduler {
    return new FlushScheduler({
      clock,
      intervalMs,
      logger: (level, message) => logLines.push(`${level}: ${message}`),
      logs: () => logs.map(asPartitionLog),
      maxOpenFiles: () => maxOpenFiles,
      isClosed: () => closed,
      afterFlush: async () => {
        checkpoints++;
      },
    });
  }

  const segment = (): FakeSegment => ({
    fsync: async () => {
      fsyncs++;
    },
  });

  beforeEach(() => {
    clock = new FakeClock();
    logs = [];
    logLines = [];
    closed = false;
    maxOpenFiles = 512;
    checkpoints = 0;
    fsyncs = 0;
  });

  it('appends arm one timer; it flushes after flush.ms, and cancel stops it', async () => {
    const f = scheduler(50);
    logs = [fakeLog(rp(0, 0), rp(0, 100), [segment()])];
    f.schedule();
    f.schedule(); // a second append while the timer is armed arms nothing more
    assert.strictEqual(clock.pendingTimers(), 1);
    f.cancel();
    assert.strictEqual(clock.pendingTimers(), 0);
    clock.advance(1_000);
    await settle();
    assert.strictEqual(fsyncs, 0, 'a cancelled timer flushes nothing');

    const g = scheduler(50); // (cancel is for closing: a cancelled scheduler stays stopped)
    g.schedule();
    clock.advance(49);
    await settle();
    assert.strictEqual(fsyncs, 0, 'not before flush.ms');
    clock.advance(1);
    await settle();
    assert.strictEqual(fsyncs, 1);
    assert.deepStrictEqual(logs[0].recoveryPoint, rp(0, 100));
    assert.strictEqual(checkpoints, 1);
    assert.strictEqual(clock.pendingTimers(), 0, 'the next append arms the next one');
  });

  it('once closed: no timer is armed, flush and whenFlushed resolve at once and fsync nothing', async () => {
    const f = scheduler();
    logs = [fakeLog(null, rp(0, 10), [segment()])];
    closed = true;
    f.schedule();
    assert.strictEqual(clock.pendingTimers(), 0);
    assert.strictEqual(await stateOf(f.whenFlushed()), 'resolved');
    await f.flush();
    assert.strictEqual(fsyncs, 0);
    assert.strictEqual(checkpoints, 0);
  });

  it('whenFlushed waits for the next timer flush (it starts none early)', async () => {
    const f = scheduler(50);
    logs = [fakeLog(rp(0, 0), rp(0, 10), [segment()])];
    const waiting = f.whenFlushed();
    assert.strictEqual(await stateOf(waiting), 'pending');
    assert.strictEqual(fsyncs, 0);
    clock.advance(50);
    assert.strictEqual(await stateOf(waiting), 'resolved');
    assert.strictEqual(fsyncs, 1);
  });

  it('a flush touches a partition with unsynced segments or a recovery point to move; with neither it writes no checkpoint', async () => {
    const cases: { name: string; log: () => FakeLog; touched: boolean }[] = [
      { name: 'nothing new', log: () => fakeLog(rp(3, 100), rp(3, 100)), touched: false },
      { name: 'no recovery point yet', log: () => fakeLog(null, rp(0, 0)), touched: true },
      { name: 'rolled: same position, new segment', log: () => fakeLog(rp(3, 100), rp(9, 100)), touched: true },
      { name: 'grew in the same segment', log: () => fakeLog(rp(3, 100), rp(3, 180)), touched: true },
      {
        name: 'unsynced bytes, point unchanged',
        log: () => fakeLog(rp(3, 100), rp(3, 100), [segment()]),
        touched: true,
      },
    ];
    for (const c of cases) {
      checkpoints = 0;
      fsyncs = 0;
      const log = c.log();
      logs = [log];
      await scheduler().flush();
      assert.strictEqual(checkpoints, c.touched ? 1 : 0, `${c.name}: checkpoint written`);
      assert.deepStrictEqual(log.recoveryPoint, log.point, `${c.name}: recovery point`);
      assert.strictEqual(fsyncs, log.dirty.length, `${c.name}: fsyncs`);
    }
  });

  it('at most 8 fsyncs run at once, and at most half the open-file bound (never fewer than one)', async () => {
    for (const [bound, expected] of [
      [512, 8],
      [6, 3],
      [1, 1],
    ]) {
      maxOpenFiles = bound;
      let inFlight = 0;
      let most = 0;
      let done = 0;
      const slow = (): FakeSegment => ({
        fsync: async () => {
          inFlight++;
          most = Math.max(most, inFlight);
          await new Promise((r) => setImmediate(r));
          inFlight--;
          done++;
        },
      });
      logs = [
        fakeLog(rp(0, 0), rp(10, 0), Array.from({ length: 12 }, slow)),
        fakeLog(rp(0, 0), rp(10, 0), Array.from({ length: 8 }, slow)),
      ];
      await scheduler().flush();
      assert.strictEqual(done, 20, `bound ${bound}: every segment fsynced`);
      assert.strictEqual(most, expected, `bound ${bound}: fsyncs in flight`);
    }
  });

  it('the barrier is awaited before any fsync; its failure does not fail the flush; null removes it', async () => {
    const order: string[] = [];
    const f = scheduler();
    logs = [fakeLog(rp(0, 0), rp(0, 10), [{ fsync: async () => void order.push('fsync') }])];
    const gate = deferred();
    f.setBarrier(async () => {
      order.push('barrier');
      await gate.promise;
    });
    const flushed = f.flush();
    assert.strictEqual(await stateOf(flushed), 'pending');
    assert.deepStrictEqual(order, ['barrier'], 'no fsync before the barrier is durable');
    gate.reject(new Error('txn log write failed'));
    await flushed;
    assert.deepStrictEqual(order, ['barrier', 'fsync']);
    f.setBarrier(null);
    logs[0].point = rp(0, 20);
    await f.flush();
    assert.deepStrictEqual(order, ['barrier', 'fsync', 'fsync']);
  });

  it('a failed fsync is KAFKA_STORAGE_ERROR naming the cause, moves no recovery point, rejects whenFlushed and is logged by the timer', async () => {
    const f = scheduler(50);
    let fail = true;
    const flaky: FakeSegment = {
      fsync: async () => {
        fsyncs++;
        if (fail) throw new Error('EIO: i/o error, fsync');
      },
    };
    logs = [fakeLog(rp(0, 0), rp(0, 300), [segment(), flaky])];
    const waiting = f.whenFlushed();
    const outcome = waiting.then(
      () => undefined,
      (e: unknown) => e,
    );
    clock.advance(50);
    const e = await outcome;
    assert.ok(e instanceof KafkaError && e.code === ErrorCode.KAFKA_STORAGE_ERROR, String(e));
    assert.match(e.message, /^fsync failed: EIO: i\/o error, fsync$/);
    assert.deepStrictEqual(logs[0].recoveryPoint, rp(0, 0), 'nothing counts as durable');
    assert.strictEqual(checkpoints, 0);
    await settle();
    assert.deepStrictEqual(logLines, ['error: flush failed: fsync failed: EIO: i/o error, fsync']);
    fail = false;
    await f.flush();
    assert.deepStrictEqual(logs[0].recoveryPoint, rp(0, 300), 'the next flush retries and succeeds');
  });

  it('closing while a flush runs: that flush writes no checkpoint and the one queued behind it fsyncs nothing', async () => {
    const f = scheduler();
    const gates: Deferred[] = [];
    const blocked = (): FakeSegment => ({
      fsync: () => {
        fsyncs++;
        if (fsyncs > 1) return Promise.resolve();
        const d = deferred();
        gates.push(d);
        return d.promise;
      },
    });
    logs = [fakeLog(rp(0, 0), rp(0, 10), [blocked()])];
    const first = f.flush();
    await settle();
    assert.strictEqual(fsyncs, 1);
    const second = f.flush(); // group commit: waits for the first to end
    closed = true;
    gates[0].resolve();
    await first;
    await second;
    assert.strictEqual(fsyncs, 1, 'the queued flush started after close and fsynced nothing');
    assert.strictEqual(checkpoints, 0, 'no checkpoint write once closed');
  });
});
