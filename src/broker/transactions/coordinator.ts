/**
 * The transaction coordinator: one state machine per transactional.id, as Kafka's TransactionCoordinator and
 * TransactionStateManager keep them, on one broker (it coordinates every transactional id; coordinator epoch 0).
 *
 * Per transactional id: the producer id and epoch it hands out, the previous ones (a retried InitProducerId is
 * recognised by them), the transaction timeout, the state, the partitions and consumer groups of the open
 * transaction, when it started and when it last changed. States and moves (Kafka's):
 *
 *   (new) --InitProducerId--> Empty --AddPartitions/AddOffsets--> Ongoing --EndTxn(commit)--> PrepareCommit
 *   Ongoing --EndTxn(abort) | timeout | InitProducerId of a new producer | admin abort--> PrepareAbort
 *   PrepareCommit --all markers written, pending offsets applied--> CompleteCommit
 *   PrepareAbort  --all markers written, pending offsets dropped--> CompleteAbort
 *   Empty | CompleteCommit | CompleteAbort --InitProducerId--> Empty (epoch bumped)
 *   Empty | CompleteCommit | CompleteAbort --AddPartitions/AddOffsets--> Ongoing
 *   Empty | CompleteCommit | CompleteAbort --unused for transactional.id.expiration.ms (7 days)--> Dead (forgotten)
 * PrepareEpochFence is not a state of its own here: fencing an open transaction bumps the epoch and writes its
 * PrepareAbort in one step (one log line), which is what Kafka's PrepareEpochFence leads to.
 *
 * Durability (Kafka answers after a replicated append to __transaction_state; here transactions.log is one file
 * with group-committed fdatasync, transaction-log.ts). Every move is written to the file before it is acted on
 * or answered, so a killed process keeps it; what waits for the fdatasync:
 *  - InitProducerId and EndTxn are answered once their line is durable (an epoch a crash could hand out again;
 *    the commit/abort decision). The markers of an EndTxn are written only after its Prepare* line is durable.
 *  - AddPartitionsToTxn / AddOffsetsToTxn are answered once written; their line becomes durable with the next
 *    round (the EndTxn's, or at the latest 50 ms later), and before any data of the transaction: the partitions'
 *    flush awaits durable() first (the flush barrier, broker.ts). A machine stop therefore loses such a line only
 *    together with the data it covers, which acks=1 data may be anyway.
 *  - Complete* lines and tombstones are lazy (durable with the next round): a restart that finds Prepare* again
 *    writes the markers again (harmless: a marker closes nothing where the transaction has ended).
 * Markers follow the partitions' flush policy (no fsync of their own): the id's lines list the markers not yet
 * known durable with their offsets (TxnLogEntry.markers) until the flush made them so (TxnMarkerWriter
 * whenDurable), and a restart writes again each one whose partition ends at or before its offset (the machine
 * stopped before the flush; the log keeps a prefix, so nothing after it survived either).
 *
 * After a crash: lost markers are rewritten (above), Ongoing stays Ongoing (its timeout aborts it),
 * PrepareCommit / PrepareAbort are completed by (re)writing every marker (recover()), Complete* and Empty stay;
 * pending transactional offsets the offset store holds for a producer with no open transaction are dropped.
 *
 * Markers go through the TxnMarkerWriter (the partition logs). A partition answered NONE or
 * UNKNOWN_TOPIC_OR_PARTITION (nothing left to mark) is done; any other answer (KAFKA_STORAGE_ERROR) is retried
 * after markerRetryMs, and until every marker is written the transaction stays in Prepare* and requests for the
 * id are answered CONCURRENT_TRANSACTIONS, as Kafka answers (EndTxn itself is answered once the decision is
 * durable; the markers are appended right after, in the same turn of the event loop, so a client's next request
 * normally finds the transaction complete).
 *
 * Timeouts: an Ongoing transaction older than its transaction.timeout.ms is aborted by the coordinator with the
 * epoch bumped, so the producer that opened it is fenced (PRODUCER_FENCED on its next request). The check runs
 * every abortCheckIntervalMs (Kafka: transaction.abort.timed.out.transaction.cleanup.interval.ms, 10 s) on the
 * engine's Clock. A timeout must be in (0, transaction.max.timeout.ms = 900000], else INVALID_TRANSACTION_TIMEOUT.
 *
 * Transaction version (KIP-890): this broker does NOT advertise the `transaction.version` finalized feature, so
 * clients run transaction version 1: they add every partition with an explicit AddPartitionsToTxn (v0-3) before
 * producing to it, end with EndTxn v0-4 (no epoch bump per transaction) and commit offsets with TxnOffsetCommit
 * v0-4 after AddOffsetsToTxn. Why: TV2 moves partition registration into the Produce path (an implicit add on the
 * first transactional batch) and bumps the epoch at every EndTxn, which needs the produce path and the markers to
 * agree on epochs we would have to verify against Kafka; TV1 is what every client still supports and keeps the
 * coordinator the only place that adds partitions. The produce path asks verify() (TxnPartitionVerifier) so a
 * transactional batch for a partition that was never added is refused instead of leaving a transaction no
 * marker will ever end.
 *
 * Errors, as Kafka answers them (the API modules map PRODUCER_FENCED to INVALID_PRODUCER_EPOCH for versions older
 * than the one that introduced it): unknown id or another producer id -> INVALID_PRODUCER_ID_MAPPING; an old epoch ->
 * PRODUCER_FENCED; a move while markers are outstanding -> CONCURRENT_TRANSACTIONS; a move the state does not
 * allow (EndTxn on Empty, commit after abort) -> INVALID_TXN_STATE. Every KafkaError's message names the id, the
 * state and what was expected.
 *
 * Coordinator epoch: Kafka bumps it when __transaction_state's partition moves to another broker, and a
 * partition answers TRANSACTION_COORDINATOR_FENCED to a marker whose coordinator epoch is older than the last
 * one it saw for that producer (an old coordinator that did not notice it lost the partition). Here that never
 * applies: there is one coordinator, on the same node as every partition, and its epoch is 0 for ever
 * (COORDINATOR_EPOCH); every marker it writes carries 0, and DescribeProducers reports 0, which is what
 * kafka-transactions.sh abort sends back. So no marker can be older than another, and the partitions do not
 * keep or compare coordinator epochs.
 *
 * Callers: Broker (broker.ts) only. Never imports vscode or net.
 */
import type { Logger, OffsetStore, TxnMarker, TxnMarkerWriter, TxnPartitionVerifier } from '../api';
import type { Clock, TimerHandle } from '../clock';
import { ErrorCode, KafkaError, errorName } from '../errors';
import type { StorageIo } from '../storage/segment';
import type { ProducerIdAndEpoch } from '../types';
import type { TopicPartition } from '../../shared/topic-partition';
import { compareTopicPartitions, formatTopicPartition, TopicPartitionMap } from '../../shared/topic-partition';
import type { TxnLogEntry, TxnState, UnsyncedMarkers } from './transaction-log';
import { TransactionLog, TXN_STATES } from './transaction-log';

export type { TxnState } from './transaction-log';

/** Kafka's transaction.max.timeout.ms default. */
export const MAX_TRANSACTION_TIMEOUT_MS = 900_000;
/** Kafka's transaction.abort.timed.out.transaction.cleanup.interval.ms default. */
export const ABORT_CHECK_INTERVAL_MS = 10_000;
/** Kafka's transactional.id.expiration.ms default (7 days). */
export const TRANSACTIONAL_ID_EXPIRATION_MS = 604_800_000;
/** How long after a failed marker write it is tried again. */
export const MARKER_RETRY_MS = 1_000;
/** The highest epoch Kafka hands out before it moves a transactional id to a new producer id (Short.MAX_VALUE - 1). */
const MAX_EPOCH = 0x7fff - 1;
/** This coordinator's epoch, stored in every marker: one coordinator, never moved. */
export const COORDINATOR_EPOCH = 0;

export interface TransactionCoordinatorOptions {
  /** Directory of transactions.log (`<dataDir>/meta`). */
  dir: string;
  clock: Clock;
  logger: Logger;
  markers: TxnMarkerWriter;
  /** Where new producer ids come from (the producer state manager's allocator: ids never repeat). */
  producerIds: { allocateProducerId(): Promise<number> };
  offsets: Pick<OffsetStore, 'completeTxnOffsets' | 'pendingTxnOffsets'>;
  /** Whether a partition exists (AddPartitionsToTxn refuses the others). */
  partitionExists(topic: string, partition: number): boolean;
  maxTimeoutMs?: number;
  abortCheckIntervalMs?: number;
  markerRetryMs?: number;
  idExpirationMs?: number;
  /** The writes of transactions.log (tests inject ENOSPC). */
  io?: StorageIo;
  /** transactions.log is compacted when it outgrows max(this, 4 x its compacted size); default 1 MiB. */
  logCompactMinBytes?: number;
  /** What makes transactions.log durable (default fs.fdatasync on the threadpool; tests hold it). */
  logSync?: (fd: number) => Promise<void>;
  onEvent?: (event: string, payload: unknown) => void;
}

/** One transactional id as DescribeTransactions and the extension show it. */
export interface TransactionDescription {
  transactionalId: string;
  state: TxnState;
  producerId: number;
  producerEpoch: number;
  timeoutMs: number;
  /** When the open transaction started; -1 when none is open. */
  startTimestamp: number;
  lastUpdateTimestamp: number;
  partitions: TopicPartition[];
  groups: string[];
  /** Markers not written yet after a failure (a Prepare* transaction being retried). */
  markersPending: TopicPartition[];
}

export interface TransactionListing {
  transactionalId: string;
  producerId: number;
  state: TxnState;
}

export interface TransactionFilter {
  /** Kafka's state names; empty/absent = every state. */
  states?: readonly string[];
  producerIds?: readonly number[];
  /** Only transactions running at least this long (ms); -1/absent = no filter. */
  minDurationMs?: number;
  /** Only ids the whole of which this pattern matches (ListTransactions v2); absent = no filter. */
  idPattern?: RegExp;
}

/** The payload of the Broker's `transactionChanged` event. */
export interface TransactionChange {
  transactionalId: string;
  state: TxnState;
  producerId: number;
  producerEpoch: number;
}

interface Txn {
  id: string;
  producerId: number;
  producerEpoch: number;
  lastProducerId: number;
  lastProducerEpoch: number;
  timeoutMs: number;
  state: Exclude<TxnState, 'Dead' | 'PrepareEpochFence'>;
  startTimestamp: number;
  updateTimestamp: number;
  partitions: TopicPartitionMap<TopicPartition>;
  groups: Set<string>;
  /** A move is in progress (markers being written, an id being allocated): Kafka's pendingState. */
  busy: boolean;
  /** False for an id created by an InitProducerId that has not been written yet. */
  written: boolean;
  /** After a failed marker round: what is still to do. */
  left?: { partitions: TopicPartition[]; groups: string[] };
  retry?: TimerHandle;
  /** Markers appended to their partitions, not known fsynced yet: every line of the id carries them. */
  unsynced: UnsyncedMarkers[];
  /** The durability of the id's Prepare* line failed: make the file durable again before any marker. */
  resync?: boolean;
}

type Changes = Partial<Omit<TxnLogEntry, 'id' | 'partitions' | 'groups'>> & {
  partitions?: TopicPartition[];
  groups?: string[];
};

const isPrepare = (s: TxnState) => s === 'PrepareCommit' || s === 'PrepareAbort';
const isIdle = (s: TxnState) => s === 'Empty' || s === 'CompleteCommit' || s === 'CompleteAbort';

function partitionMap(list: Iterable<TopicPartition>): TopicPartitionMap<TopicPartition> {
  const m = new TopicPartitionMap<TopicPartition>();
  for (const p of list) m.set(p.topic, p.partition, { topic: p.topic, partition: p.partition });
  return m;
}

export class TransactionCoordinator implements TxnPartitionVerifier {
  private readonly txns = new Map<string, Txn>();
  private readonly log: TransactionLog;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly maxTimeoutMs: number;
  private readonly abortCheckIntervalMs: number;
  private readonly markerRetryMs: number;
  private readonly idExpirationMs: number;
  private timer?: TimerHandle;
  private closed = false;
  /** Marker rounds in flight (close waits for them). */
  private readonly inFlight = new Set<Promise<unknown>>();

  private constructor(private readonly opts: TransactionCoordinatorOptions) {
    this.clock = opts.clock;
    this.logger = opts.logger;
    this.maxTimeoutMs = opts.maxTimeoutMs ?? MAX_TRANSACTION_TIMEOUT_MS;
    this.abortCheckIntervalMs = opts.abortCheckIntervalMs ?? ABORT_CHECK_INTERVAL_MS;
    this.markerRetryMs = opts.markerRetryMs ?? MARKER_RETRY_MS;
    this.idExpirationMs = opts.idExpirationMs ?? TRANSACTIONAL_ID_EXPIRATION_MS;
    this.log = TransactionLog.open({
      dir: opts.dir,
      now: () => opts.clock.now(),
      logger: opts.logger,
      io: opts.io,
      compactMinBytes: opts.logCompactMinBytes,
      sync: opts.logSync,
    });
    for (const e of this.log.recovered.values()) {
      this.txns.set(e.id, {
        id: e.id,
        producerId: e.producerId,
        producerEpoch: e.producerEpoch,
        lastProducerId: e.lastProducerId,
        lastProducerEpoch: e.lastProducerEpoch,
        timeoutMs: e.timeoutMs,
        state: e.state,
        startTimestamp: e.startTimestamp,
        updateTimestamp: e.updateTimestamp,
        partitions: partitionMap(e.partitions.map(([topic, partition]) => ({ topic, partition }))),
        groups: new Set(e.groups),
        busy: false,
        written: true,
        unsynced: e.markers ?? [],
      });
    }
  }

  /**
   * Open transactions.log and replay it. Call recover() next: it finishes what a crash interrupted and starts
   * the timeout checks.
   */
  static open(opts: TransactionCoordinatorOptions): TransactionCoordinator {
    return new TransactionCoordinator(opts);
  }

  /**
   * After a restart: complete every PrepareCommit/PrepareAbort (markers again, pending offsets applied or dropped),
   * drop pending transactional offsets that no open transaction owns, start the periodic timeout check. Resolves
   * after the first attempt (a marker that still fails is retried later, as at run time).
   */
  async recover(): Promise<void> {
    const ongoing: string[] = [];
    const prepared: Txn[] = [];
    for (const t of this.txns.values()) {
      if (t.state === 'Ongoing') ongoing.push(t.id);
      if (isPrepare(t.state)) prepared.push(t);
    }
    if (ongoing.length > 0)
      this.logger(
        'info',
        `transactions: ${ongoing.length} transaction(s) were open when the broker stopped (${ongoing.join(', ')}); they go on, and are aborted when they time out`,
      );
    for (const t of this.txns.values()) if (t.unsynced.length > 0) await this.track(this.rewriteLostMarkers(t));
    for (const t of prepared) {
      this.logger(
        'info',
        `transactions: "${t.id}" was in ${t.state} when the broker stopped: writing its ${t.state === 'PrepareCommit' ? 'COMMIT' : 'ABORT'} markers to ${t.partitions.size} partition(s)`,
      );
      await this.track(this.finish(t));
    }
    await this.dropOrphanOffsets();
    this.schedule();
  }

  /**
   * After a restart: the id's line lists markers that were appended but not known fsynced. A partition whose log
   * end offset is not past such a marker lost it (the machine stopped before the flush; the log keeps a prefix of
   * what was written, so whatever followed the marker is gone too): write it again, with the same producer id,
   * epoch and decision. Without logEndOffset (a writer that cannot tell) every one is written again.
   */
  private async rewriteLostMarkers(t: Txn): Promise<void> {
    const w = this.opts.markers;
    /** Records whose partitions could not be written again: kept until a later start manages. */
    const keep: UnsyncedMarkers[] = [];
    /** Records to forget once the partitions' flush has made them durable. */
    const clear: UnsyncedMarkers[] = [];
    for (const m of t.unsynced) {
      const lost = m.partitions.filter(([topic, partition, offset]) => {
        if (!w.logEndOffset) return true;
        const end = w.logEndOffset({ topic, partition });
        return end !== undefined && end <= offset;
      });
      clear.push(m);
      if (lost.length === 0) continue;
      this.logger(
        'info',
        `transactions: ${lost.length} ${m.commit ? 'COMMIT' : 'ABORT'} marker(s) of "${t.id}" (producer ${m.producerId} epoch ${m.producerEpoch}) were not on disk when the broker stopped (${lost.map(([topic, partition]) => `${topic}-${partition}`).join(', ')}): writing them again`,
      );
      const marker: TxnMarker = {
        producerId: m.producerId,
        producerEpoch: m.producerEpoch,
        commit: m.commit,
        coordinatorEpoch: COORDINATOR_EPOCH,
      };
      let results: Awaited<ReturnType<TxnMarkerWriter['writeTxnMarkers']>> = [];
      try {
        results = await w.writeTxnMarkers(
          marker,
          lost.map(([topic, partition]) => ({ topic, partition })),
        );
      } catch (e) {
        this.logger('warn', `transactions: could not write the lost markers of "${t.id}": ${(e as Error).message}`);
      }
      const codes = new TopicPartitionMap<{ errorCode: number; offset?: number }>();
      for (const r of results) codes.set(r.topic, r.partition, r);
      const again: [string, number, number][] = [];
      const failed: [string, number, number][] = [];
      for (const p of lost) {
        const r = codes.get(p[0], p[1]);
        if (r?.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) continue;
        if (r?.errorCode === ErrorCode.NONE) again.push([p[0], p[1], r.offset ?? p[2]]);
        else failed.push(p);
      }
      if (again.length > 0) clear.push({ ...m, partitions: again });
      if (failed.length > 0) {
        keep.push({ ...m, partitions: failed });
        this.logger(
          'warn',
          `transactions: ${failed.length} lost marker(s) of "${t.id}" could not be written again; the next start tries again`,
        );
      }
    }
    t.unsynced = [...keep, ...clear];
    this.afterMarkersDurable(t, clear);
  }

  /** Once the partitions' flush has made them durable, the id's next line no longer lists these markers. */
  private afterMarkersDurable(t: Txn, records: UnsyncedMarkers[]): void {
    if (records.length === 0) return;
    const durable = this.opts.markers.whenDurable?.() ?? Promise.resolve();
    durable.then(
      () => {
        t.unsynced = t.unsynced.filter((m) => !records.includes(m));
      },
      (e: Error) =>
        this.logger(
          'warn',
          `transactions: the markers of "${t.id}" are not known durable (${e.message}); its state keeps them so a restart can write them again`,
        ),
    );
  }

  private async dropOrphanOffsets(): Promise<void> {
    for (const { groupId, producerId } of this.opts.offsets.pendingTxnOffsets()) {
      let owned = false;
      for (const t of this.txns.values())
        if (t.producerId === producerId && (t.state === 'Ongoing' || isPrepare(t.state)) && t.groups.has(groupId))
          owned = true;
      if (owned) continue;
      try {
        await this.opts.offsets.completeTxnOffsets(groupId, producerId, false);
        this.logger(
          'warn',
          `transactions: group "${groupId}" held offsets of producer ${producerId} pending a transaction the coordinator has no record of; they are dropped (as an abort would)`,
        );
      } catch (e) {
        this.logger(
          'warn',
          `transactions: could not drop orphaned offsets of group "${groupId}": ${(e as Error).message}`,
        );
      }
    }
  }

  // ------------------------------------------------------------------ producer-facing moves

  /**
   * InitProducerId with a transactional id: hand out the id's producer id with its epoch bumped (a new id starts at
   * epoch 0), which fences every older producer of the id. An open transaction is aborted first (epoch bumped for
   * its markers); one whose markers are still outstanding answers CONCURRENT_TRANSACTIONS (the client retries).
   * `expected` (v3+) is the producer's own id and epoch when it asks to go on after an error.
   */
  async initProducerId(
    transactionalId: string,
    transactionTimeoutMs: number,
    expected?: ProducerIdAndEpoch,
  ): Promise<ProducerIdAndEpoch> {
    this.assertOpen();
    if (transactionalId === '')
      throw new KafkaError(ErrorCode.INVALID_REQUEST, 'a transactional id may not be the empty string');
    if (
      !Number.isInteger(transactionTimeoutMs) ||
      transactionTimeoutMs <= 0 ||
      transactionTimeoutMs > this.maxTimeoutMs
    )
      throw new KafkaError(
        ErrorCode.INVALID_TRANSACTION_TIMEOUT,
        `transaction timeout ${transactionTimeoutMs} ms of "${transactionalId}" is not in 1..${this.maxTimeoutMs} (transaction.max.timeout.ms)`,
      );
    let t = this.txns.get(transactionalId);
    if (!t) {
      const producerId = await this.opts.producerIds.allocateProducerId();
      t = this.txns.get(transactionalId);
      if (!t) {
        t = {
          id: transactionalId,
          producerId,
          producerEpoch: -1,
          lastProducerId: -1,
          lastProducerEpoch: -1,
          timeoutMs: transactionTimeoutMs,
          state: 'Empty',
          startTimestamp: -1,
          updateTimestamp: this.clock.now(),
          partitions: new TopicPartitionMap(),
          groups: new Set(),
          busy: false,
          written: false,
          unsynced: [],
        };
        this.txns.set(transactionalId, t);
      }
    }
    if (t.busy) throw this.concurrent(t, 'InitProducerId');
    if (expected && !this.acceptsExpected(t, expected))
      throw new KafkaError(
        ErrorCode.PRODUCER_FENCED,
        `InitProducerId for "${t.id}" named producer ${expected.producerId} epoch ${expected.producerEpoch}, but the id now belongs to producer ${t.producerId} epoch ${t.producerEpoch}: that producer was fenced`,
      );
    let fenced = false;
    if (isPrepare(t.state)) {
      this.kick(t);
      throw this.concurrent(t, 'InitProducerId');
    }
    if (t.state === 'Ongoing') {
      await this.track(this.fenceAndAbort(t, 'a new producer called InitProducerId for its transactional id'));
      if ((t.state as TxnState) !== 'CompleteAbort') throw this.concurrent(t, 'InitProducerId');
      fenced = true;
    }
    if (expected && !fenced && t.producerEpoch >= 0) {
      const current = expected.producerId === t.producerId && expected.producerEpoch === t.producerEpoch;
      const retried =
        (expected.producerId === t.producerId || expected.producerId === t.lastProducerId) &&
        expected.producerEpoch === t.lastProducerEpoch;
      if (!current) {
        if (retried) return { producerId: t.producerId, producerEpoch: t.producerEpoch };
        throw new KafkaError(
          ErrorCode.PRODUCER_FENCED,
          `InitProducerId for "${t.id}" named epoch ${expected.producerEpoch}, but producer ${t.producerId} is at epoch ${t.producerEpoch}: that producer was fenced`,
        );
      }
    }
    let producerId = t.producerId;
    let producerEpoch = t.producerEpoch + 1;
    if (t.producerEpoch >= MAX_EPOCH) {
      t.busy = true;
      try {
        producerId = await this.opts.producerIds.allocateProducerId();
      } finally {
        t.busy = false;
      }
      producerEpoch = 0;
    }
    const previous = { producerId: t.producerId, producerEpoch: t.producerEpoch };
    let durable: Promise<void>;
    try {
      durable = this.write(t, {
        producerId,
        producerEpoch,
        lastProducerId: previous.producerId,
        lastProducerEpoch: previous.producerEpoch,
        timeoutMs: transactionTimeoutMs,
        state: 'Empty',
        startTimestamp: -1,
        partitions: [],
        groups: [],
      });
    } catch (e) {
      if (!t.written) this.txns.delete(t.id);
      throw e;
    }
    // Answered once durable: a producer must not write with an epoch a crash could hand out again.
    await this.whileBusy(t, durable);
    if (previous.producerEpoch >= 0)
      this.logger(
        'info',
        `transactions: "${t.id}" now belongs to producer ${producerId} epoch ${producerEpoch} (was ${previous.producerId} epoch ${previous.producerEpoch}, which is fenced)`,
      );
    return { producerId, producerEpoch };
  }

  /** Kafka's rule for the id and epoch a producer names in InitProducerId v3+. */
  private acceptsExpected(t: Txn, expected: ProducerIdAndEpoch): boolean {
    if (t.producerEpoch < 0) return true;
    if (expected.producerId === t.producerId) return true;
    return expected.producerId === t.lastProducerId && expected.producerEpoch >= MAX_EPOCH;
  }

  /**
   * AddPartitionsToTxn: add partitions to the producer's transaction (opening it when none is). Per partition:
   * NONE; UNKNOWN_TOPIC_OR_PARTITION for one that does not exist, and then OPERATION_NOT_ATTEMPTED for the rest
   * (nothing is added). Throws KafkaError for the transaction-level errors (same code for every partition).
   */
  async addPartitions(
    transactionalId: string,
    producerId: number,
    producerEpoch: number,
    partitions: readonly TopicPartition[],
  ): Promise<{ topic: string; partition: number; errorCode: number }[]> {
    const t = this.producerTxn(transactionalId, producerId, producerEpoch, 'AddPartitionsToTxn');
    this.assertCanAdd(t, 'AddPartitionsToTxn');
    const unknown = partitions.filter((p) => !this.opts.partitionExists(p.topic, p.partition));
    if (unknown.length > 0) {
      const bad = new TopicPartitionMap<true>();
      for (const p of unknown) bad.set(p.topic, p.partition, true);
      return partitions.map((p) => ({
        topic: p.topic,
        partition: p.partition,
        errorCode: bad.has(p.topic, p.partition)
          ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
          : ErrorCode.OPERATION_NOT_ATTEMPTED,
      }));
    }
    const added = partitions.filter((p) => !t.partitions.has(p.topic, p.partition));
    if (t.state !== 'Ongoing' || added.length > 0) {
      // Answered once written, not once durable, and lazily synced (with the next round: the EndTxn's, the flush
      // barrier's, at the latest 50 ms later): a killed process keeps the line, and the partitions' flush makes
      // it durable before any data of the transaction (durable(), the flush barrier), so a machine stop loses the
      // line only together with the data it covers (as acks=1 data may be lost).
      this.background(
        this.write(
          t,
          {
            state: 'Ongoing',
            startTimestamp: t.state === 'Ongoing' ? t.startTimestamp : this.clock.now(),
            partitions: [...t.partitions.values(), ...added],
          },
          { lazy: true },
        ),
        `AddPartitionsToTxn of "${t.id}"`,
      );
    }
    return partitions.map((p) => ({ topic: p.topic, partition: p.partition, errorCode: ErrorCode.NONE }));
  }

  /** AddOffsetsToTxn: the transaction will carry offsets of this group (TxnOffsetCommit may then send them). */
  async addOffsets(transactionalId: string, producerId: number, producerEpoch: number, groupId: string): Promise<void> {
    const t = this.producerTxn(transactionalId, producerId, producerEpoch, 'AddOffsetsToTxn');
    this.assertCanAdd(t, 'AddOffsetsToTxn');
    if (groupId === '') throw new KafkaError(ErrorCode.INVALID_GROUP_ID, 'the group id may not be empty');
    if (t.state === 'Ongoing' && t.groups.has(groupId)) return;
    // Answered once written (see addPartitions); the offsets it allows are held in offsets.log, fsynced itself.
    this.background(
      this.write(
        t,
        {
          state: 'Ongoing',
          startTimestamp: t.state === 'Ongoing' ? t.startTimestamp : this.clock.now(),
          groups: [...t.groups, groupId],
        },
        { lazy: true },
      ),
      `AddOffsetsToTxn of "${t.id}"`,
    );
  }

  /**
   * EndTxn: commit or abort the producer's transaction. Resolves once the decision (PrepareCommit/PrepareAbort) is
   * durable, as Kafka answers; the markers, the held offsets and the Complete* line follow in the background
   * (settled() waits for them), and until they are written the id answers CONCURRENT_TRANSACTIONS. A retried
   * EndTxn of a completed transaction answers NONE again.
   */
  async endTxn(transactionalId: string, producerId: number, producerEpoch: number, commit: boolean): Promise<void> {
    const t = this.producerTxn(transactionalId, producerId, producerEpoch, 'EndTxn');
    const asked = commit ? 'commit' : 'abort';
    const invalid = () =>
      new KafkaError(
        ErrorCode.INVALID_TXN_STATE,
        `EndTxn(${asked}) for "${t.id}" in state ${t.state}: ${t.state === 'Empty' ? 'no transaction is open (nothing was added to it)' : `the transaction was already ${t.state.endsWith('Commit') ? 'committed' : 'aborted'}`}`,
      );
    switch (t.state) {
      case 'Ongoing': {
        const durable = this.write(t, { state: commit ? 'PrepareCommit' : 'PrepareAbort' });
        try {
          await this.whileBusy(t, durable);
        } catch (e) {
          // The decision is in the file but not known durable: no marker before it is (finish re-syncs first).
          t.resync = true;
          this.retryLater(t, [(e as Error).message]);
          throw e;
        }
        void this.track(this.finish(t));
        return;
      }
      case 'CompleteCommit':
        if (commit) return;
        throw invalid();
      case 'CompleteAbort':
        if (!commit) return;
        throw invalid();
      case 'PrepareCommit':
        if (commit) {
          this.kick(t);
          throw this.concurrent(t, 'EndTxn');
        }
        throw invalid();
      case 'PrepareAbort':
        if (!commit) {
          this.kick(t);
          throw this.concurrent(t, 'EndTxn');
        }
        throw invalid();
      default:
        throw invalid();
    }
  }

  /**
   * TxnPartitionVerifier: may this producer append a transactional batch to tp now? NONE when tp is part of its
   * Ongoing transaction.
   */
  verify(transactionalId: string, producerId: number, producerEpoch: number, tp: TopicPartition): number {
    const t = this.txns.get(transactionalId);
    if (!t || !t.written) return ErrorCode.TRANSACTIONAL_ID_NOT_FOUND;
    if (t.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (t.producerEpoch !== producerEpoch) return ErrorCode.INVALID_PRODUCER_EPOCH;
    if (t.state !== 'Ongoing' || !t.partitions.has(tp.topic, tp.partition)) return ErrorCode.INVALID_TXN_STATE;
    return ErrorCode.NONE;
  }

  /**
   * May this producer commit offsets of groupId inside its transaction now (TxnOffsetCommit)? NONE when its
   * transaction is Ongoing and the group was added with AddOffsetsToTxn; the error code otherwise (an old epoch is
   * INVALID_PRODUCER_EPOCH, which clients take as fencing).
   */
  checkTxnOffsetCommit(transactionalId: string, producerId: number, producerEpoch: number, groupId: string): number {
    const t = this.txns.get(transactionalId);
    if (!t || !t.written) return ErrorCode.TRANSACTIONAL_ID_NOT_FOUND;
    if (t.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (t.producerEpoch !== producerEpoch) return ErrorCode.INVALID_PRODUCER_EPOCH;
    if (t.state !== 'Ongoing' || !t.groups.has(groupId)) return ErrorCode.INVALID_TXN_STATE;
    return ErrorCode.NONE;
  }

  // ------------------------------------------------------------------ admin

  describe(transactionalId: string): TransactionDescription | undefined {
    const t = this.txns.get(transactionalId);
    if (!t || !t.written) return undefined;
    return {
      transactionalId: t.id,
      state: t.state,
      producerId: t.producerId,
      producerEpoch: t.producerEpoch,
      timeoutMs: t.timeoutMs,
      startTimestamp: t.startTimestamp,
      lastUpdateTimestamp: t.updateTimestamp,
      partitions: [...t.partitions.values()].sort(compareTopicPartitions),
      groups: [...t.groups].sort(),
      markersPending: [...(t.left?.partitions ?? [])],
    };
  }

  /** ListTransactions: every known id passing the filters (an empty filter passes everything). */
  list(filter: TransactionFilter = {}): TransactionListing[] {
    const states = filter.states && filter.states.length > 0 ? new Set(filter.states) : undefined;
    const pids = filter.producerIds && filter.producerIds.length > 0 ? new Set(filter.producerIds) : undefined;
    const minDuration = filter.minDurationMs ?? -1;
    const now = this.clock.now();
    const out: TransactionListing[] = [];
    for (const t of this.txns.values()) {
      if (!t.written) continue;
      if (states && !states.has(t.state)) continue;
      if (pids && !pids.has(t.producerId)) continue;
      if (filter.idPattern && !filter.idPattern.test(t.id)) continue;
      if (minDuration >= 0 && now - t.startTimestamp < minDuration) continue;
      out.push({ transactionalId: t.id, producerId: t.producerId, state: t.state });
    }
    return out.sort((a, b) =>
      a.transactionalId < b.transactionalId ? -1 : a.transactionalId > b.transactionalId ? 1 : 0,
    );
  }

  /** Kafka's state names, for ListTransactions' unknown-filter answer. */
  static isStateName(name: string): boolean {
    return (TXN_STATES as readonly string[]).includes(name);
  }

  /**
   * Abort an open transaction on behalf of a person (a hanging producer): the epoch is bumped (the producer is
   * fenced) and ABORT markers are written, as a timeout would. INVALID_TXN_STATE when none is open.
   */
  async abortTransaction(transactionalId: string): Promise<TransactionDescription> {
    this.assertOpen();
    const t = this.txns.get(transactionalId);
    if (!t || !t.written)
      throw new KafkaError(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND, `there is no transactional id "${transactionalId}"`);
    if (t.busy) throw this.concurrent(t, 'an abort');
    if (isPrepare(t.state)) {
      this.kick(t);
      throw this.concurrent(t, 'an abort');
    }
    if (t.state !== 'Ongoing')
      throw new KafkaError(
        ErrorCode.INVALID_TXN_STATE,
        `"${t.id}" has no open transaction to abort (state ${t.state})`,
      );
    await this.track(this.fenceAndAbort(t, 'aborted by hand'));
    return this.describe(transactionalId)!;
  }

  /**
   * Write an ABORT marker for a producer's transaction on one partition that no transactional id of this
   * coordinator owns (kafka-transactions.sh abort --topic --partition --producer-id --producer-epoch): a hanging
   * transaction left by data written without its coordinator state. Refused (INVALID_TXN_STATE) when the producer's
   * open transaction is known here: abort that with abortTransaction instead.
   */
  async abortHangingPartition(tp: TopicPartition, producerId: number, producerEpoch: number): Promise<number> {
    this.assertOpen();
    for (const t of this.txns.values()) {
      if (
        t.producerId === producerId &&
        (t.state === 'Ongoing' || isPrepare(t.state)) &&
        t.partitions.has(tp.topic, tp.partition)
      )
        throw new KafkaError(
          ErrorCode.INVALID_TXN_STATE,
          `producer ${producerId} on ${formatTopicPartition(tp)} belongs to the open transaction of "${t.id}": abort that transaction instead`,
        );
    }
    const marker: TxnMarker = { producerId, producerEpoch, commit: false, coordinatorEpoch: COORDINATOR_EPOCH };
    const [r] = await this.opts.markers.writeTxnMarkers(marker, [tp]);
    this.logger(
      'info',
      `transactions: ABORT marker for producer ${producerId} epoch ${producerEpoch} written by hand to ${formatTopicPartition(tp)}: ${errorName(r?.errorCode ?? ErrorCode.NONE)}`,
    );
    return r?.errorCode ?? ErrorCode.NONE;
  }

  // ------------------------------------------------------------------ internals

  /** The id's transaction, checked against the producer that asks (Kafka's order of checks). */
  private producerTxn(transactionalId: string, producerId: number, producerEpoch: number, what: string): Txn {
    this.assertOpen();
    if (transactionalId === '')
      throw new KafkaError(ErrorCode.INVALID_REQUEST, 'a transactional id may not be the empty string');
    const t = this.txns.get(transactionalId);
    if (!t || !t.written)
      throw new KafkaError(
        ErrorCode.INVALID_PRODUCER_ID_MAPPING,
        `${what}: transactional id "${transactionalId}" is unknown here; call InitProducerId first`,
      );
    if (t.producerId !== producerId)
      throw new KafkaError(
        ErrorCode.INVALID_PRODUCER_ID_MAPPING,
        `${what}: transactional id "${t.id}" belongs to producer ${t.producerId}, not ${producerId}`,
      );
    if (t.producerEpoch !== producerEpoch)
      throw new KafkaError(
        ErrorCode.PRODUCER_FENCED,
        `${what}: producer ${producerId} of "${t.id}" sent epoch ${producerEpoch} but the current epoch is ${t.producerEpoch}: it was fenced (by a newer producer with the same transactional id, a timeout or an abort by hand)`,
      );
    if (t.busy) throw this.concurrent(t, what);
    return t;
  }

  private assertCanAdd(t: Txn, what: string): void {
    if (isPrepare(t.state)) {
      this.kick(t);
      throw this.concurrent(t, what);
    }
    if (t.state !== 'Ongoing' && !isIdle(t.state))
      throw new KafkaError(ErrorCode.INVALID_TXN_STATE, `${what} for "${t.id}" in state ${t.state}`);
  }

  private concurrent(t: Txn, what: string): KafkaError {
    const left = t.left
      ? `; ${t.left.partitions.length} marker(s) and ${t.left.groups.length} group(s) still to write`
      : '';
    return new KafkaError(
      ErrorCode.CONCURRENT_TRANSACTIONS,
      `${what} for "${t.id}": its previous transaction is still completing (state ${t.state}${left}); retry`,
    );
  }

  /**
   * Write the id's next state, then apply it; the promise resolves once the line is durable (group commit,
   * transaction-log.ts). Throws (nothing changed) when the write fails. The line lists the id's markers not yet
   * known fsynced. A caller that does not await the promise must handle its rejection (background()).
   */
  private write(t: Txn, c: Changes, opts: { lazy?: boolean } = {}): Promise<void> {
    const now = this.clock.now();
    const next: TxnLogEntry = {
      id: t.id,
      producerId: c.producerId ?? t.producerId,
      producerEpoch: c.producerEpoch ?? t.producerEpoch,
      lastProducerId: c.lastProducerId ?? t.lastProducerId,
      lastProducerEpoch: c.lastProducerEpoch ?? t.lastProducerEpoch,
      timeoutMs: c.timeoutMs ?? t.timeoutMs,
      state: c.state ?? t.state,
      startTimestamp: c.startTimestamp ?? t.startTimestamp,
      updateTimestamp: now,
      partitions: (c.partitions ?? [...t.partitions.values()]).map((p): [string, number] => [p.topic, p.partition]),
      groups: c.groups ?? [...t.groups],
      ...(t.unsynced.length > 0 ? { markers: t.unsynced } : {}),
    };
    const durable = this.log.append(next, () => this.entries(), opts);
    t.producerId = next.producerId;
    t.producerEpoch = next.producerEpoch;
    t.lastProducerId = next.lastProducerId;
    t.lastProducerEpoch = next.lastProducerEpoch;
    t.timeoutMs = next.timeoutMs;
    t.state = next.state;
    t.startTimestamp = next.startTimestamp;
    t.updateTimestamp = now;
    if (c.partitions) t.partitions = partitionMap(c.partitions);
    if (c.groups) t.groups = new Set(c.groups);
    t.written = true;
    this.opts.onEvent?.('transactionChanged', {
      transactionalId: t.id,
      state: t.state,
      producerId: t.producerId,
      producerEpoch: t.producerEpoch,
    } satisfies TransactionChange);
    return durable;
  }

  /** Hold the id busy (CONCURRENT_TRANSACTIONS to its other requests) until p settles. */
  private async whileBusy<T>(t: Txn, p: Promise<T>): Promise<T> {
    t.busy = true;
    try {
      return await p;
    } finally {
      t.busy = false;
    }
  }

  /** A durability nobody waits for: a failure is logged (the next round rewrites the file). */
  private background(p: Promise<void>, what: string): void {
    p.catch((e: Error) => this.logger('warn', `transactions: ${what}: ${e.message}`));
  }

  /**
   * Every written id's current state as a log entry (a compaction runs after the change it follows was applied).
   */
  private *entries(): Iterable<TxnLogEntry> {
    for (const t of this.txns.values()) {
      if (!t.written) continue;
      yield {
        id: t.id,
        producerId: t.producerId,
        producerEpoch: t.producerEpoch,
        lastProducerId: t.lastProducerId,
        lastProducerEpoch: t.lastProducerEpoch,
        timeoutMs: t.timeoutMs,
        state: t.state,
        startTimestamp: t.startTimestamp,
        updateTimestamp: t.updateTimestamp,
        partitions: [...t.partitions.values()].map((p): [string, number] => [p.topic, p.partition]),
        groups: [...t.groups],
        ...(t.unsynced.length > 0 ? { markers: t.unsynced } : {}),
      };
    }
  }

  /** Bump the epoch of an Ongoing transaction (fencing its producer) and abort it. */
  private async fenceAndAbort(t: Txn, reason: string): Promise<void> {
    const from = t.producerEpoch;
    // The fenced epoch is not remembered as the previous one (Kafka's rule): an InitProducerId naming it is not a
    // retry of ours but the fenced producer, and is answered PRODUCER_FENCED.
    const durable = this.write(t, {
      state: 'PrepareAbort',
      producerEpoch: t.producerEpoch < 0x7fff ? t.producerEpoch + 1 : t.producerEpoch,
      lastProducerEpoch: -1,
    });
    try {
      await this.whileBusy(t, durable);
    } catch (e) {
      t.resync = true;
      this.retryLater(t, [(e as Error).message]);
      throw e;
    }
    this.logger(
      'info',
      `transactions: aborting the open transaction of "${t.id}" (${t.partitions.size} partition(s)): ${reason}; producer ${t.producerId} epoch ${from} is fenced (markers use epoch ${t.producerEpoch})`,
    );
    await this.finish(t);
  }

  /**
   * One round of completion of a Prepare* transaction (its line durable): markers for the partitions (and
   * pending offsets for the groups) still to do, then Complete*. The markers are appended to the partitions and
   * follow their flush policy (no fsync of their own): the Complete* line lists them with their offsets until
   * the partitions' flush has made them durable, so a restart after a machine stop writes again those a
   * partition lost. The Complete* line is not awaited: the id's next line (its next transaction) comes after it
   * in the file, and that one is awaited. Whatever failed is retried after markerRetryMs. Never throws.
   */
  private async finish(t: Txn): Promise<void> {
    if (t.busy || !isPrepare(t.state)) return;
    this.clock.clearTimeout(t.retry);
    t.retry = undefined;
    t.busy = true;
    const commit = t.state === 'PrepareCommit';
    const problems: string[] = [];
    try {
      if (t.resync) {
        try {
          await this.log.flush();
          t.resync = false;
        } catch (e) {
          this.retryLater(t, [(e as Error).message]);
          return;
        }
      }
      const partitions = t.left?.partitions ?? [...t.partitions.values()];
      const groups = t.left?.groups ?? [...t.groups];
      const failed: TopicPartition[] = [];
      if (partitions.length > 0) {
        const marker: TxnMarker = {
          producerId: t.producerId,
          producerEpoch: t.producerEpoch,
          commit,
          coordinatorEpoch: COORDINATOR_EPOCH,
        };
        let results: { topic: string; partition: number; errorCode: number }[];
        try {
          results = await this.opts.markers.writeTxnMarkers(marker, partitions);
        } catch (e) {
          results = [];
          problems.push((e as Error).message);
        }
        const codes = new TopicPartitionMap<{ errorCode: number; offset?: number }>();
        for (const r of results) codes.set(r.topic, r.partition, r);
        const appended: [string, number, number][] = [];
        for (const p of partitions) {
          const r = codes.get(p.topic, p.partition);
          const code = r?.errorCode ?? ErrorCode.KAFKA_STORAGE_ERROR;
          if (code === ErrorCode.NONE && r?.offset !== undefined) appended.push([p.topic, p.partition, r.offset]);
          if (code === ErrorCode.NONE || code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) continue;
          failed.push(p);
          problems.push(`${formatTopicPartition(p)}: ${errorName(code)}`);
        }
        if (appended.length > 0) {
          const record: UnsyncedMarkers = {
            producerId: marker.producerId,
            producerEpoch: marker.producerEpoch,
            commit,
            partitions: appended,
          };
          t.unsynced = [...t.unsynced, record];
          this.afterMarkersDurable(t, [record]);
        }
      }
      const failedGroups: string[] = [];
      for (const g of groups) {
        try {
          await this.opts.offsets.completeTxnOffsets(g, t.producerId, commit);
        } catch (e) {
          failedGroups.push(g);
          problems.push(`offsets of group "${g}": ${(e as Error).message}`);
        }
      }
      if (failed.length > 0 || failedGroups.length > 0) {
        t.left = { partitions: failed, groups: failedGroups };
        this.retryLater(t, problems);
        return;
      }
      t.left = { partitions: [], groups: [] };
      try {
        const state = commit ? 'CompleteCommit' : 'CompleteAbort';
        this.background(this.write(t, { state, partitions: [], groups: [] }, { lazy: true }), `${state} of "${t.id}"`);
        t.left = undefined;
      } catch (e) {
        this.retryLater(t, [(e as Error).message]);
      }
    } finally {
      t.busy = false;
    }
  }

  private retryLater(t: Txn, problems: string[]): void {
    this.logger(
      'warn',
      `transactions: ${t.state} of "${t.id}" is not complete (${problems.join('; ')}); retrying in ${this.markerRetryMs} ms`,
    );
    if (this.closed) return;
    this.clock.clearTimeout(t.retry);
    t.retry = this.clock.setTimeout(() => {
      t.retry = undefined;
      void this.track(this.finish(t));
    }, this.markerRetryMs);
  }

  /** A client asked about a Prepare* transaction: retry its markers now instead of at the next timer. */
  private kick(t: Txn): void {
    if (t.busy || !isPrepare(t.state) || this.closed) return;
    void this.track(this.finish(t));
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    const done = () => this.inFlight.delete(p);
    p.then(done, done);
    return p;
  }

  private schedule(): void {
    if (this.closed) return;
    this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.checkTimeouts();
      this.schedule();
    }, this.abortCheckIntervalMs);
  }

  /**
   * The periodic pass: abort Ongoing transactions past their timeout (epoch bumped: the producer is fenced), retry
   * Prepare* ones whose markers failed, forget ids unused for idExpirationMs. Exposed for tests and the extension.
   */
  checkTimeouts(): void {
    if (this.closed) return;
    const now = this.clock.now();
    for (const t of [...this.txns.values()]) {
      if (t.busy || !t.written) continue;
      if (t.state === 'Ongoing' && t.startTimestamp + t.timeoutMs < now) {
        void this.track(
          this.fenceAndAbort(t, `it timed out (open for ${now - t.startTimestamp} ms, timeout ${t.timeoutMs} ms)`),
        ).catch((e: Error) =>
          this.logger('warn', `transactions: could not abort "${t.id}" after its timeout: ${e.message}`),
        );
      } else if (isPrepare(t.state) && !t.retry) {
        void this.track(this.finish(t));
      } else if (isIdle(t.state) && now - t.updateTimestamp >= this.idExpirationMs) {
        try {
          this.background(
            this.log.append({ dead: t.id }, () => this.entries(), { lazy: true }),
            `the removal of "${t.id}"`,
          );
          this.txns.delete(t.id);
          this.logger('info', `transactions: "${t.id}" was unused for ${this.idExpirationMs} ms and is forgotten`);
          this.opts.onEvent?.('transactionChanged', {
            transactionalId: t.id,
            state: 'Dead',
            producerId: t.producerId,
            producerEpoch: t.producerEpoch,
          } satisfies TransactionChange);
        } catch (e) {
          this.logger('warn', `transactions: could not forget "${t.id}": ${(e as Error).message}`);
        }
      }
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new KafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'the transaction coordinator is closed');
  }

  /** Stop the timers, wait for marker rounds in flight, compact and close transactions.log. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.clock.clearTimeout(this.timer);
    for (const t of this.txns.values()) this.clock.clearTimeout(t.retry);
    await Promise.allSettled([...this.inFlight]);
    await this.log.close(this.entries());
  }

  /**
   * Resolves once every line appended to transactions.log so far is durable (the partitions' flush barrier:
   * a transaction's data reaches the disk only after the line that added its partition). Resolves at once when
   * closed.
   */
  durable(): Promise<void> {
    return this.log.flush();
  }

  /** Resolves once every marker round in flight has ended (tests; a caller that wants Complete* reached). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }
}
