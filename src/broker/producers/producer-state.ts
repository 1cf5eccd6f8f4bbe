/**
 * Idempotent-producer state: producer ids and epochs, and per (producer id, topic, partition) the window of the
 * last 5 batches (first/last sequence, first/last offset) that decides whether a produced batch is the next one,
 * a retry of one already stored, or out of order. Kafka's ProducerStateManager: idempotence, and each producer's
 * open transaction per partition (below).
 *
 * Rules (Kafka's):
 *  - sequences grow per partition by the batch's record count, wrapping after int32 max (clients start at 0);
 *  - a batch with the same epoch, first and last sequence as a cached one is a duplicate: answered with its
 *    original offsets, nothing appended;
 *  - same epoch, firstSeq == lastSeq + 1: append; anything else: OUT_OF_ORDER_SEQUENCE_NUMBER (45), the message
 *    says which sequence was expected;
 *  - an epoch below the partition's current one: INVALID_PRODUCER_EPOCH (47); a higher epoch must start at 0;
 *  - a producer id with no state on the partition may start at any sequence (KIP-360: a producer whose state
 *    expired, e.g. its batches were deleted, goes on where it was); the window then starts there, and a gap
 *    after that is OUT_OF_ORDER_SEQUENCE_NUMBER as above.
 * check() never mutates; record() applies a batch after the log appended it (validate on a copy, commit after
 * the append, as Kafka does).
 *
 * Transactions (ProducerTransactionState): a producer's first transactional batch on a partition opens its
 * transaction there (txnFirstOffset); the control batch the marker writer appends closes it (completeTxn), and a
 * marker with a newer epoch moves the producer to it. firstUnstableOffset is the earliest open one (the last
 * stable offset, Broker.lastStableOffset). While one is open, the producer's non-transactional batches are
 * INVALID_TXN_STATE; a marker with an older epoch is INVALID_PRODUCER_EPOCH. Open transactions are in the
 * snapshot and replayed from batch headers like the windows.
 *
 * On disk (in `<dir>`): `producer-ids.json` {nextProducerId} written atomically (tmp + rename) before an id is
 * handed out, so ids never repeat across restarts (when it is missing or unreadable, the counter is recovered
 * from the producer ids in the snapshot and the log, plus a margin: see recoverNextId); `producer-state.json` the windows plus the log end offset of
 * each partition at the time of the snapshot, written atomically on snapshot(), close() and every 30 s. On open
 * after an unclean shutdown (or without a snapshot) the windows are rebuilt by scanning batch headers from the
 * snapshot's offsets (or the log start), so a producer retrying right after a crash still gets exactly-once.
 *
 * InitProducerId with a transactional id is refused (INVALID_REQUEST, "transactions are not supported").
 *
 * Callers: Broker only.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { BatchHeader, ProducerStateManager, ProducerStateManagerOptions, ProducerTransactionState } from '../api';
import type { TimerHandle } from '../clock';
import { ErrorCode, KafkaError, ShutdownIncompleteError } from '../errors';
import type { ProducerIdAndEpoch, ProducerPartitionState } from '../types';
import { replaceFileDurably } from '../storage/checkpoints';
import { keepDamagedCopy } from '../storage/damaged-file';
import { isControlBatch, isTransactionalBatch } from '../storage/record-batch';
import type { TopicPartition } from '../../shared/topic-partition';
import { TopicPartitionMap } from '../../shared/topic-partition';

/** Batches remembered per producer and partition (Kafka: 5, the most in-flight requests an idempotent producer may have). */
export const WINDOW_SIZE = 5;
export const SNAPSHOT_INTERVAL_MS = 30_000;
const INT32_MAX = 0x7fffffff;
const MAX_EPOCH = 0x7fff;

interface CachedBatch {
  firstSequence: number;
  lastSequence: number;
  firstOffset: number;
  lastOffset: number;
}

interface ProducerEntry {
  producerId: number;
  producerEpoch: number;
  batches: CachedBatch[];
  /** First offset of the producer's open transaction on this partition (absent: none is open). */
  txnFirstOffset?: number;
  /**
   * The max timestamp of the producer's last batch or marker on this partition (Kafka's lastTimestamp, shown by
   * DescribeProducers); absent in snapshots written before it was kept.
   */
  lastTimestamp?: number;
}

interface SnapshotFile {
  version: 1;
  /** The allocator's next id when the snapshot was taken (a second record of producer-ids.json). */
  nextProducerId?: number;
  partitions: (TopicPartition & { logEndOffset: number; producers: ProducerEntry[] })[];
}

/** Kafka's sequence arithmetic: base + delta, wrapping past int32 max back to 0. */
export function incrementSequence(sequence: number, increment: number): number {
  if (sequence > INT32_MAX - increment) return increment - (INT32_MAX - sequence) - 1;
  return sequence + increment;
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Ids skipped past the highest one known to be in use when producer-ids.json is lost (see recoverNextId). */
export const PRODUCER_ID_MARGIN = 1000;

/** The next id of producer-ids.json: a number, 'missing', or why it cannot be read. */
export function readNextId(file: string): number | 'missing' | { problem: string } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    return { problem: (e as Error).message };
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { problem: `invalid JSON (${(e as Error).message})` };
  }
  const n = (v as { nextProducerId?: unknown } | null)?.nextProducerId;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
    return { problem: 'no non-negative integer nextProducerId' };
  return n;
}

export async function openProducerStateManager(
  opts: ProducerStateManagerOptions,
): Promise<ProducerStateManager & ProducerTransactionState> {
  fs.mkdirSync(opts.dir, { recursive: true });
  const m = new Manager(opts);
  m.load();
  return m;
}

class Manager implements ProducerStateManager, ProducerTransactionState {
  private readonly idsFile: string;
  private readonly snapshotFile: string;
  private nextProducerId = 0;
  /** partition -> producerId -> entry */
  private readonly partitions = new TopicPartitionMap<Map<number, ProducerEntry>>();
  private timer?: TimerHandle;
  private closed = false;

  constructor(private readonly opts: ProducerStateManagerOptions) {
    this.idsFile = path.join(opts.dir, 'producer-ids.json');
    this.snapshotFile = path.join(opts.dir, 'producer-state.json');
  }

  load(): void {
    const ids = readNextId(this.idsFile);
    const snap = readJson<SnapshotFile>(this.snapshotFile);
    if (!snap && fs.existsSync(this.snapshotFile))
      this.opts.logger(
        'warn',
        `producer state ${this.snapshotFile} cannot be read: the producer windows are rebuilt from the whole log`,
      );
    const logs = this.opts.logs;
    const scanFrom = new TopicPartitionMap<number>();
    if (snap && snap.version === 1) {
      // One lookup table, not a listing per snapshot entry (that was quadratic: seconds at 10,000 partitions).
      const topics = new Map(logs.listTopics().map((x) => [x.name, x]));
      for (const p of snap.partitions) {
        const t = topics.get(p.topic);
        if (!t || p.partition >= t.partitions) continue;
        const info = logs.partitionInfo(p.topic, p.partition);
        // Recovery cut the log below what the snapshot saw (a marker may be among what is gone): rebuild this
        // partition from the whole log rather than trust a snapshot that saw transactions end.
        if (!logs.openedCleanly && snapshotOutlivedTheLog(p, info.logEndOffset)) continue;
        const window = new Map<number, ProducerEntry>();
        for (const e of p.producers) {
          // A recovery may have cut the log below what the snapshot saw: forget batches that are gone.
          const batches = e.batches.filter((b) => b.lastOffset < info.logEndOffset);
          const txnFirstOffset = snapshotTxnFirstOffset(e, info.logEndOffset);
          if (batches.length > 0 || txnFirstOffset !== undefined)
            window.set(e.producerId, {
              producerId: e.producerId,
              producerEpoch: e.producerEpoch,
              batches,
              ...(txnFirstOffset !== undefined ? { txnFirstOffset } : {}),
              ...(Number.isSafeInteger(e.lastTimestamp) ? { lastTimestamp: e.lastTimestamp } : {}),
            });
        }
        if (window.size > 0) this.partitions.set(p.topic, p.partition, window);
        scanFrom.set(p.topic, p.partition, Math.min(p.logEndOffset, info.logEndOffset));
      }
    }
    if (!snap || !logs.openedCleanly) {
      let rebuilt = 0;
      for (const t of logs.listTopics()) {
        for (let p = 0; p < t.partitions; p++) {
          const info = logs.partitionInfo(t.name, p);
          const from = Math.max(scanFrom.get(t.name, p) ?? info.logStartOffset, info.logStartOffset);
          if (from >= info.logEndOffset) continue;
          for (const h of logs.scanBatchHeaders(t.name, p, from)) {
            if (h.baseOffset + h.lastOffsetDelta < from || h.producerId < 0) continue;
            this.apply(t.name, p, h, h.baseOffset);
            rebuilt++;
          }
        }
      }
      if (rebuilt > 0)
        this.opts.logger(
          'info',
          `producer state: rebuilt ${rebuilt} idempotent or transactional batch(es) from the log`,
        );
    }
    if (typeof ids === 'number') this.nextProducerId = ids;
    else this.recoverNextId(ids, snap);
    this.schedule();
  }

  /**
   * producer-ids.json is missing or unreadable: the allocator must not hand out an id in use. The highest id
   * known is taken from the snapshot (its copy of the counter and every producer in it), the windows just
   * loaded, and every batch header of every partition (a full header scan, only on this path). Ids handed out
   * since the last snapshot to producers that have not written yet leave no trace, hence a margin on top.
   * A fresh data directory (no file, no producer anywhere) starts at 0. The recovered counter is written at once.
   */
  private recoverNextId(ids: 'missing' | { problem: string }, snap: SnapshotFile | undefined): void {
    let highest = -1;
    let counter = 0;
    if (snap && Number.isSafeInteger(snap.nextProducerId)) counter = snap.nextProducerId!;
    for (const window of this.partitions.values()) for (const id of window.keys()) highest = Math.max(highest, id);
    const logs = this.opts.logs;
    for (const t of logs.listTopics())
      for (let p = 0; p < t.partitions; p++)
        for (const h of logs.scanBatchHeaders(t.name, p, 0)) if (h.producerId > highest) highest = h.producerId;
    const evidence = highest >= 0 || counter > 0;
    if (ids === 'missing' && !evidence) {
      this.nextProducerId = 0;
    } else {
      this.nextProducerId = Math.max(counter, highest + 1) + PRODUCER_ID_MARGIN;
      let kept = '';
      if (ids !== 'missing')
        kept = `; the damaged file is kept as ${keepDamagedCopy(this.idsFile, this.opts.clock.now())}`;
      this.opts.logger(
        'warn',
        `${this.idsFile} is ${ids === 'missing' ? 'missing' : `unreadable (${ids.problem})`}: producer ids continue at ${this.nextProducerId} (highest id in use ${highest}, snapshot counter ${counter}, plus ${PRODUCER_ID_MARGIN} for ids handed out but not used yet)${kept}`,
      );
    }
    replaceFileDurably(this.idsFile, JSON.stringify({ nextProducerId: this.nextProducerId }));
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = this.opts.clock.setTimeout(() => {
      this.snapshot().catch((e: Error) => this.opts.logger('warn', `producer state snapshot failed: ${e.message}`));
      this.schedule();
    }, SNAPSHOT_INTERVAL_MS);
  }

  async initProducerId(transactionalId: string | null, current?: ProducerIdAndEpoch): Promise<ProducerIdAndEpoch> {
    if (transactionalId !== null && transactionalId !== '') {
      throw new KafkaError(
        ErrorCode.INVALID_REQUEST,
        `transactions are not supported by Kafka Lite (transactional id "${transactionalId}"); use an idempotent producer without a transactional id`,
      );
    }
    if (
      current &&
      current.producerId >= 0 &&
      current.producerId < this.nextProducerId &&
      current.producerEpoch >= 0 &&
      current.producerEpoch < MAX_EPOCH - 1
    ) {
      return { producerId: current.producerId, producerEpoch: current.producerEpoch + 1 };
    }
    return { producerId: await this.allocateProducerId(), producerEpoch: 0 };
  }

  async allocateProducerId(): Promise<number> {
    const producerId = this.nextProducerId;
    replaceFileDurably(this.idsFile, JSON.stringify({ nextProducerId: producerId + 1 }));
    this.nextProducerId = producerId + 1;
    return producerId;
  }

  check(
    topic: string,
    partition: number,
    h: BatchHeader,
  ): { kind: 'append' } | { kind: 'duplicate'; baseOffset: number; lastOffset: number } {
    // Named lazily: this runs for every idempotent batch, the name only for errors.
    const where = () => `${topic}-${partition}`;
    if (h.producerEpoch < 0) {
      throw new KafkaError(
        ErrorCode.INVALID_PRODUCER_EPOCH,
        `producer ${h.producerId} sent epoch ${h.producerEpoch} to ${where()}; an idempotent batch needs an epoch >= 0`,
      );
    }
    if (h.baseSequence < 0) {
      throw new KafkaError(
        ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
        `producer ${h.producerId} sent base sequence ${h.baseSequence} to ${where()}; sequences start at 0`,
      );
    }
    const entry = this.partitions.get(topic, partition)?.get(h.producerId);
    checkTxnWrite(h, entry, where);
    if (!entry || entry.batches.length === 0) {
      // No state for this producer here: any first sequence is accepted (KIP-360), so a producer whose state
      // was lost (its batches deleted by retention or DeleteRecords) can go on; its window starts there.
      if (entry && h.producerEpoch < entry.producerEpoch) throw this.staleEpoch(h, entry, where());
      return { kind: 'append' };
    }
    if (h.producerEpoch < entry.producerEpoch) throw this.staleEpoch(h, entry, where());
    if (h.producerEpoch > entry.producerEpoch) {
      if (h.baseSequence !== 0) {
        throw new KafkaError(
          ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
          `producer ${h.producerId} moved to epoch ${h.producerEpoch} on ${where()}: a new epoch must start at sequence 0, got ${h.baseSequence}`,
        );
      }
      return { kind: 'append' };
    }
    const lastSequence = incrementSequence(h.baseSequence, h.lastOffsetDelta);
    for (const b of entry.batches) {
      if (b.firstSequence === h.baseSequence && b.lastSequence === lastSequence) {
        return { kind: 'duplicate', baseOffset: b.firstOffset, lastOffset: b.lastOffset };
      }
    }
    const expected = incrementSequence(entry.batches[entry.batches.length - 1].lastSequence, 1);
    if (h.baseSequence !== expected) {
      throw new KafkaError(
        ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
        `out of order sequence from producer ${h.producerId} (epoch ${h.producerEpoch}) on ${where()}: expected sequence ${expected}, got ${h.baseSequence}`,
      );
    }
    return { kind: 'append' };
  }

  private staleEpoch(h: BatchHeader, entry: ProducerEntry, where: string): KafkaError {
    return new KafkaError(
      ErrorCode.INVALID_PRODUCER_EPOCH,
      `producer ${h.producerId} sent epoch ${h.producerEpoch} to ${where} but its current epoch is ${entry.producerEpoch}: this producer was fenced`,
    );
  }

  record(topic: string, partition: number, h: BatchHeader, baseOffset: number): void {
    if (h.producerId < 0) return;
    this.apply(topic, partition, h, baseOffset);
  }

  private apply(topic: string, partition: number, h: BatchHeader, baseOffset: number): void {
    if (isControlBatch(h.attributes)) {
      this.applyMarker(topic, partition, h.producerId, h.producerEpoch, h.maxTimestamp);
      return;
    }
    let window = this.partitions.get(topic, partition);
    if (!window) {
      window = new Map();
      this.partitions.set(topic, partition, window);
    }
    let entry = window.get(h.producerId);
    if (!entry) {
      entry = { producerId: h.producerId, producerEpoch: h.producerEpoch, batches: [] };
      window.set(h.producerId, entry);
    }
    if (h.producerEpoch > entry.producerEpoch) {
      entry.producerEpoch = h.producerEpoch;
      entry.batches = [];
    }
    entry.batches.push({
      firstSequence: h.baseSequence,
      lastSequence: incrementSequence(h.baseSequence, h.lastOffsetDelta),
      firstOffset: baseOffset,
      lastOffset: baseOffset + h.lastOffsetDelta,
    });
    if (entry.batches.length > WINDOW_SIZE) entry.batches.splice(0, entry.batches.length - WINDOW_SIZE);
    entry.lastTimestamp = h.maxTimestamp;
    if (isTransactionalBatch(h.attributes) && entry.txnFirstOffset === undefined) entry.txnFirstOffset = baseOffset;
  }

  // ------------------------------------------------------------------ transactions (open transactions per partition)

  /**
   * A transaction marker for producerId may be written to the partition: its epoch is not older than the
   * producer's epoch there (INVALID_PRODUCER_EPOCH otherwise: a marker from a fenced coordinator request).
   */
  checkTxnMarker(topic: string, partition: number, producerId: number, producerEpoch: number): void {
    const entry = this.partitions.get(topic, partition)?.get(producerId);
    if (entry && producerEpoch < entry.producerEpoch) {
      throw new KafkaError(
        ErrorCode.INVALID_PRODUCER_EPOCH,
        `a transaction marker for producer ${producerId} with epoch ${producerEpoch} was refused on ${topic}-${partition}: the producer's epoch there is already ${entry.producerEpoch}`,
      );
    }
  }

  /**
   * The marker at markerOffset ended producerId's transaction on the partition: returns the transaction's first
   * offset (null when none was open) and the partition's last stable offset now, as far as open transactions go
   * (the first offset of the earliest one still open, else markerOffset + 1). A marker with a newer epoch moves
   * the producer to that epoch (its older batches are fenced from then on).
   */
  completeTxn(
    topic: string,
    partition: number,
    producerId: number,
    producerEpoch: number,
    markerOffset: number,
    timestamp = -1,
  ): { firstOffset: number | null; lastStableOffset: number } {
    const firstOffset = this.applyMarker(topic, partition, producerId, producerEpoch, timestamp);
    const open = this.firstUnstableOffset(topic, partition);
    return { firstOffset, lastStableOffset: open ?? markerOffset + 1 };
  }

  /** The first offset of the earliest open transaction on the partition, or null when none is open. */
  firstUnstableOffset(topic: string, partition: number): number | null {
    const window = this.partitions.get(topic, partition);
    if (!window) return null;
    let first: number | null = null;
    for (const e of window.values())
      if (e.txnFirstOffset !== undefined && (first === null || e.txnFirstOffset < first)) first = e.txnFirstOffset;
    return first;
  }

  /** The open transactions on the partition (for people): producer, epoch and first offset, oldest first. */
  openTransactions(
    topic: string,
    partition: number,
  ): { producerId: number; producerEpoch: number; firstOffset: number }[] {
    const window = this.partitions.get(topic, partition);
    const out: { producerId: number; producerEpoch: number; firstOffset: number }[] = [];
    for (const e of window?.values() ?? [])
      if (e.txnFirstOffset !== undefined)
        out.push({ producerId: e.producerId, producerEpoch: e.producerEpoch, firstOffset: e.txnFirstOffset });
    return out.sort((a, b) => a.firstOffset - b.firstOffset);
  }

  /** A control batch closes the producer's open transaction (returns its first offset, null if none was open). */
  private applyMarker(
    topic: string,
    partition: number,
    producerId: number,
    producerEpoch: number,
    timestamp: number,
  ): number | null {
    let window = this.partitions.get(topic, partition);
    if (!window) this.partitions.set(topic, partition, (window = new Map()));
    let entry = window.get(producerId);
    if (!entry) window.set(producerId, (entry = { producerId, producerEpoch, batches: [] }));
    if (producerEpoch > entry.producerEpoch) {
      entry.producerEpoch = producerEpoch;
      entry.batches = [];
    }
    const first = entry.txnFirstOffset ?? null;
    delete entry.txnFirstOffset;
    if (timestamp >= 0) entry.lastTimestamp = timestamp;
    return first;
  }

  state(topic: string, partition: number): ProducerPartitionState[] {
    const window = this.partitions.get(topic, partition);
    if (!window) return [];
    return [...window.values()]
      .map((e) => ({
        producerId: e.producerId,
        producerEpoch: e.producerEpoch,
        nextSequence: e.batches.length ? incrementSequence(e.batches[e.batches.length - 1].lastSequence, 1) : 0,
        batches: e.batches.map((b) => ({ ...b })),
        lastTimestamp: e.lastTimestamp ?? -1,
        ...(e.txnFirstOffset !== undefined ? { currentTxnStartOffset: e.txnFirstOffset } : {}),
      }))
      .sort((a, b) => a.producerId - b.producerId);
  }

  deleteTopic(topic: string): void {
    this.partitions.deleteTopic(topic);
  }

  async snapshot(): Promise<void> {
    const logs = this.opts.logs;
    const file: SnapshotFile = { version: 1, nextProducerId: this.nextProducerId, partitions: [] };
    for (const t of logs.listTopics()) {
      for (let p = 0; p < t.partitions; p++) {
        const window = this.partitions.get(t.name, p);
        file.partitions.push({
          topic: t.name,
          partition: p,
          logEndOffset: logs.partitionInfo(t.name, p).logEndOffset,
          producers: window
            ? [...window.values()].map((e) => ({ ...e, batches: e.batches.map((b) => ({ ...b })) }))
            : [],
        });
      }
    }
    replaceFileDurably(this.snapshotFile, JSON.stringify(file));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.opts.clock.clearTimeout(this.timer);
    try {
      await this.snapshot();
    } catch (e) {
      // An older snapshot left behind would be trusted after a clean open: remove it, so that the next open
      // rebuilds the windows from the log instead (removing needs no free space).
      fs.rmSync(this.snapshotFile, { force: true });
      throw new ShutdownIncompleteError(
        [`the producer state snapshot (${(e as Error).message}; rebuilt from the log on the next start)`],
        true,
      );
    }
  }
}

// ------------------------------------------------------------------ transactions (helpers)

/**
 * Kafka's rule for a producer with an open transaction on the partition: its next batch must be transactional
 * too (INVALID_TXN_STATE otherwise).
 */
function checkTxnWrite(h: BatchHeader, entry: ProducerEntry | undefined, where: () => string): void {
  if (entry?.txnFirstOffset !== undefined && !isTransactionalBatch(h.attributes)) {
    throw new KafkaError(
      ErrorCode.INVALID_TXN_STATE,
      `producer ${h.producerId} has a transaction open on ${where()} since offset ${entry.txnFirstOffset}: a non-transactional batch is refused until it ends`,
    );
  }
}

/** A snapshot entry's open transaction, unless a recovery cut the log below its first offset. */
function snapshotTxnFirstOffset(e: ProducerEntry, logEndOffset: number): number | undefined {
  const first = e.txnFirstOffset;
  return typeof first === 'number' && Number.isSafeInteger(first) && first < logEndOffset ? first : undefined;
}

/**
 * True when recovery cut the partition's log below the offset the snapshot was taken at: what the snapshot says
 * about transactions ending there may be gone (a marker cut from the tail reopens its transaction).
 */
function snapshotOutlivedTheLog(p: SnapshotFile['partitions'][number], logEndOffset: number): boolean {
  return logEndOffset < p.logEndOffset;
}
