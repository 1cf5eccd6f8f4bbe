/**
 * Helpers for the transaction coordinator tests: a marker writer that records every call and can hold or fail
 * markers per partition, a producer id allocator, and an opener that builds a coordinator (with a real offset
 * store) on a temporary meta directory, so a test can "crash" (drop an instance without closing it) and open
 * another on the same files. transactions.log's fdatasync is replaced by one that resolves at once (a line is in
 * the file as soon as it is appended, so a "crash" keeps it either way), which keeps the order of steps
 * deterministic; tests of durability pass their own `logSync` (heldSync) or use the real one (transaction-log
 * tests).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { OffsetStore, TxnMarker, TxnMarkerWriter } from '../../../../src/broker/api';
import { FakeClock } from '../../../../src/broker/clock';
import { ErrorCode, KafkaError } from '../../../../src/broker/errors';
import { openOffsetStore } from '../../../../src/broker/offsets/offset-store';
import type { TransactionCoordinatorOptions } from '../../../../src/broker/transactions/coordinator';
import { TransactionCoordinator } from '../../../../src/broker/transactions/coordinator';
import type { TopicPartition } from '../../../../src/shared/topic-partition';
import { formatTopicPartition } from '../../../../src/shared/topic-partition';

export interface MarkerCall {
  marker: TxnMarker;
  partitions: string[];
}

export class RecordingMarkers implements TxnMarkerWriter {
  readonly calls: MarkerCall[] = [];
  /** Partitions (as "topic-p") answered with this code instead of NONE. */
  readonly answers = new Map<string, number>();
  /** When set, every call waits for it before answering. */
  hold?: Promise<void>;

  async writeTxnMarkers(marker: TxnMarker, partitions: readonly TopicPartition[]) {
    this.calls.push({ marker: { ...marker }, partitions: partitions.map(formatTopicPartition) });
    if (this.hold) await this.hold;
    return partitions.map((p) => ({
      topic: p.topic,
      partition: p.partition,
      errorCode: this.answers.get(formatTopicPartition(p)) ?? ErrorCode.NONE,
    }));
  }

  /** Hold every marker write until the returned function is called. */
  holdAll(): () => void {
    let release!: () => void;
    this.hold = new Promise<void>((r) => (release = r));
    return () => {
      this.hold = undefined;
      release();
    };
  }
}

export class Allocator {
  next = 1000;
  async allocateProducerId(): Promise<number> {
    return this.next++;
  }
}

export interface Opened {
  coordinator: TransactionCoordinator;
  offsets: OffsetStore;
  markers: RecordingMarkers;
  clock: FakeClock;
  logs: string[];
}

export const TOPICS: Record<string, number> = { orders: 3, payments: 1 };

/** Open a coordinator on `dir` (the meta directory) and run its recovery. */
export async function openCoordinator(
  dir: string,
  opts: {
    clock?: FakeClock;
    markers?: RecordingMarkers;
    allocator?: Allocator;
    extra?: Partial<TransactionCoordinatorOptions>;
    recover?: boolean;
  } = {},
): Promise<Opened> {
  const clock = opts.clock ?? new FakeClock();
  const markers = opts.markers ?? new RecordingMarkers();
  const logs: string[] = [];
  const logger = (level: string, message: string) => logs.push(`${level} ${message}`);
  const offsets = await openOffsetStore({ dir, clock, historyLimit: 50, logger });
  const coordinator = TransactionCoordinator.open({
    dir,
    clock,
    logger,
    markers,
    producerIds: opts.allocator ?? new Allocator(),
    offsets,
    partitionExists: (topic, partition) => partition >= 0 && partition < (TOPICS[topic] ?? 0),
    logSync: () => Promise.resolve(),
    ...opts.extra,
  });
  if (opts.recover !== false) await coordinator.recover();
  return { coordinator, offsets, markers, clock, logs };
}

/** Assert a promise (or a function) fails with this Kafka error code; returns the error. */
export async function rejectsWith(p: Promise<unknown> | (() => unknown), code: number): Promise<KafkaError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    assert.ok(e instanceof KafkaError, `expected a KafkaError, got ${String(e)}`);
    assert.strictEqual(e.code, code, `expected ${ErrorCode[code]}, got ${ErrorCode[e.code]}: ${e.message}`);
    return e;
  }
  assert.fail(`expected ${ErrorCode[code]}, but it succeeded`);
}

export const tp = (topic: string, partition: number): TopicPartition => ({ topic, partition });

/** Let pending promise continuations run (marker rounds started by a timer). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

/**
 * A transactions.log fdatasync that resolves only when the test releases it: `calls` counts the rounds started,
 * release() ends the oldest one in flight (or fails it with `error`).
 */
export class HeldSync {
  calls = 0;
  private readonly held: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private passing = false;
  readonly sync = (): Promise<void> => {
    this.calls++;
    if (this.passing) return Promise.resolve();
    return new Promise<void>((resolve, reject) => this.held.push({ resolve, reject }));
  };
  /** From now on every fdatasync resolves at once (the held ones too): the test is done holding. */
  pass(): void {
    this.passing = true;
    while (this.held.length > 0) this.release();
  }
  get waiting(): number {
    return this.held.length;
  }
  release(error?: Error): void {
    const h = this.held.shift();
    assert.ok(h, 'no fdatasync is in flight');
    if (error) h.reject(error);
    else h.resolve();
  }
}

/** Wait (real time, up to 5 s) until `cond` holds: steps that follow a real fdatasync on the threadpool. */
export async function until(cond: () => boolean, what = 'the condition'): Promise<void> {
  const end = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

/**
 * A marker writer that behaves like the partition logs: each partition has a log end offset, a marker is
 * appended at it (and answered with that offset), whenDurable() resolves only when the test calls flushAll()
 * (the flush policy's timer), and logEndOffset() tells a restarted coordinator which markers reached the disk.
 */
export class PartitionLikeMarkers extends RecordingMarkers {
  readonly ends = new Map<string, number>();
  private durable: (() => void)[] = [];

  constructor(ends: Record<string, number> = {}) {
    super();
    for (const [k, v] of Object.entries(ends)) this.ends.set(k, v);
  }

  override async writeTxnMarkers(marker: TxnMarker, partitions: readonly TopicPartition[]) {
    const results = await super.writeTxnMarkers(marker, partitions);
    return results.map((r) => {
      if (r.errorCode !== ErrorCode.NONE) return r;
      const key = formatTopicPartition(r);
      const offset = this.ends.get(key) ?? 0;
      this.ends.set(key, offset + 1);
      return { ...r, offset };
    });
  }

  whenDurable(): Promise<void> {
    return new Promise<void>((resolve) => this.durable.push(resolve));
  }

  /** The flush policy's flush ran: every marker so far is durable. */
  flushAll(): void {
    const waiting = this.durable;
    this.durable = [];
    for (const r of waiting) r();
  }

  logEndOffset(p: TopicPartition): number | undefined {
    return p.partition < (TOPICS[p.topic] ?? 0) ? (this.ends.get(formatTopicPartition(p)) ?? 0) : undefined;
  }
}

/**
 * The per-test fixture of the coordinator suites: a fresh data dir before each test, every coordinator opened
 * through `start` closed (with its offset store) and the dir removed after it, and `crashAndReopen`, which drops
 * a coordinator without closing it (a killed process) and opens a new one on the same files.
 */
export function coordinatorFixture(prefix: string) {
  let dir = '';
  let open: Opened[] = [];
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    open = [];
  });
  afterEach(async () => {
    for (const o of open) {
      await o.coordinator.close().catch(() => undefined);
      await o.offsets.close().catch(() => undefined);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const start = async (opts: Parameters<typeof openCoordinator>[1] = {}): Promise<Opened> => {
    const o = await openCoordinator(dir, opts);
    open.push(o);
    return o;
  };
  /** Drop a coordinator from the after-each close (a test that closed it, or a killed process). */
  const forget = (old: Opened): void => {
    open.splice(open.indexOf(old), 1);
  };
  const crashAndReopen = async (old: Opened, opts: Parameters<typeof openCoordinator>[1] = {}): Promise<Opened> => {
    forget(old);
    return start({ clock: new FakeClock(old.clock.now()), ...opts });
  };
  return {
    get dir(): string {
      return dir;
    },
    start,
    forget,
    crashAndReopen,
  };
}
