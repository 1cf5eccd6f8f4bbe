/**
 * Helpers for the transaction coordinator tests: a marker writer that records every call and can hold or fail
 * markers per partition, a producer id allocator, and an opener that builds a coordinator (with a real offset
 * store) on a temporary meta directory, so a test can "crash" (drop an instance without closing it) and open
 * another on the same files.
 */
import * as assert from 'assert';
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
