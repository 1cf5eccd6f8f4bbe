/**
 * What the record browser reads, from wherever its panel works (panel-source.ts): `BrowserReader` answers the few
 * questions the browser's page / seek / filter / tail logic asks — the topics, a topic's partitions and cleanup
 * policy, each partition's log start, log end and last stable offset, the records from an offset in either
 * isolation level, the offset for a time, the open transactions. Two implementations:
 *  - embeddedReader: this window's Broker, answered synchronously (plain values: the browser stays as fast as it
 *    was, and its page is ready when the call returns);
 *  - RemoteReader: any Kafka cluster through the Cluster contract (cluster.ts), answered with promises. What the
 *    wire cannot tell (the open transactions of other producers) is undefined, never guessed.
 * The browser writes its logic once as generator functions that `yield*` each answer through `wait()`; `drive()`
 * runs such an operation synchronously while the answers are plain values and goes on asynchronously at the first
 * promise. vscode-free.
 */
import type { Broker } from '../../broker/broker';
import type { ConsumedRecord } from '../../broker/types';
import { parseCleanupPolicy } from '../../shared/cleanup-policy';
import type { Cluster, ClusterRecord } from '../clusters/cluster';

/** How long a remote cluster's topic list is kept across the browser's operations. */
const TOPICS_MAX_AGE_MS = 5000;

/** A plain value (embedded) or a promise of it (remote). */
export type Maybe<T> = T | Promise<T>;
/** An operation of the browser: yields what it waits for, returns its result. */
export type Op<T> = Generator<unknown, T, unknown>;

function isPromise(v: unknown): v is Promise<unknown> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}

/** Inside an Op: the value of `v`, waited for when it is a promise. */
export function* wait<T>(v: Maybe<T>): Op<T> {
  if (!isPromise(v)) return v;
  return (yield v) as T;
}

/** Many answers at once: plain values as they are, else one promise of them all (reads run in parallel). */
export function all<T>(xs: Maybe<T>[]): Maybe<T[]> {
  return xs.some(isPromise) ? Promise.all(xs) : (xs as T[]);
}

/**
 * Run an operation: synchronously to its end while it only meets plain values, else as a promise. `stale` is asked
 * after each wait: true abandons the operation there (its finally blocks run; the result is undefined), e.g. when
 * the panel moved to another cluster meanwhile.
 */
export function drive<T>(op: Op<T>, stale?: () => boolean): Maybe<T> {
  let step = op.next();
  while (!step.done) {
    if (isPromise(step.value)) return driveAsync(op, step.value, stale);
    step = op.next(step.value);
  }
  return step.value;
}

async function driveAsync<T>(op: Op<T>, first: Promise<unknown>, stale?: () => boolean): Promise<T> {
  let pending: unknown = first;
  for (;;) {
    let value: unknown;
    let failed = false;
    try {
      value = await pending;
    } catch (e) {
      failed = true;
      value = e;
    }
    if (stale?.()) {
      op.return(undefined as T);
      return undefined as T;
    }
    const step = failed ? op.throw(value) : op.next(value);
    if (step.done) return step.value;
    pending = step.value;
  }
}

export interface PartitionRange {
  logStartOffset: number;
  logEndOffset: number;
  /** Where a read_committed consumer stops: the first offset of the earliest open transaction, else the log end. */
  lastStableOffset: number;
}

export interface OpenTxn {
  producerId: number;
  producerEpoch: number;
  firstOffset: number;
}

export interface TopicFacts {
  partitions: number;
  /** cleanup.policy lists "compact". */
  compacted: boolean;
}

export interface BrowserReader {
  readonly remote: boolean;
  listTopics(): Maybe<{ name: string; partitions: number }[]>;
  /** Undefined when there is no such topic. */
  describeTopic(topic: string): Maybe<TopicFacts | undefined>;
  ranges(topic: string, partitions: number[]): Maybe<Map<number, PartitionRange>>;
  /**
   * Records of a partition from `from` (at most `max`; whole batches of about `maxBytes`), as a consumer of that
   * isolation level reads them (0 = read_uncommitted: markers and aborted records flagged). `waitMs`: how long a
   * remote cluster may hold the answer while there is nothing new (the live tail's poll).
   */
  read(
    topic: string,
    partition: number,
    from: number,
    max: number,
    level: 0 | 1,
    maxBytes: number,
    waitMs?: number,
  ): Maybe<ConsumedRecord[]>;
  /** The first offset whose timestamp is >= `timestamp`, -1 when there is none. */
  offsetForTime(topic: string, partition: number, timestamp: number): Maybe<number>;
  /** The partition's open transactions; undefined when the source cannot tell. */
  openTransactions(topic: string, partition: number): Maybe<OpenTxn[] | undefined>;
}

/** This window's broker, synchronously. */
export function embeddedReader(broker: Broker): BrowserReader & { broker: Broker } {
  return {
    broker,
    remote: false,
    listTopics: () => broker.listTopics().map((t) => ({ name: t.name, partitions: t.partitions })),
    describeTopic: (topic) => {
      const t = broker.getTopic(topic);
      return t && { partitions: t.partitions, compacted: parseCleanupPolicy(t.configs['cleanup.policy']).compact };
    },
    ranges: (topic, partitions) =>
      new Map(
        partitions.map((p) => {
          const i = broker.partitionInfo(topic, p);
          const r = {
            logStartOffset: i.logStartOffset,
            logEndOffset: i.logEndOffset,
            lastStableOffset: i.lastStableOffset ?? i.logEndOffset,
          };
          return [p, r];
        }),
      ),
    read: (topic, partition, from, max, level, maxBytes) =>
      broker.readRecords(topic, partition, from, max, maxBytes, { isolationLevel: level }),
    offsetForTime: (topic, partition, timestamp) => broker.listOffset(topic, partition, timestamp).offset,
    openTransactions: (topic, partition) => broker.openTransactions(topic, partition),
  };
}

/** A record of the Cluster contract as the browser's rows take it (what the wire does not carry: -1 / 0). */
export function consumedOf(topic: string, r: ClusterRecord): ConsumedRecord {
  const out: ConsumedRecord = {
    topic,
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    timestampType: r.timestampType ?? 0,
    key: r.key,
    value: r.value,
    headers: r.headers,
    producerId: r.producerId ?? -1,
    producerEpoch: r.producerEpoch ?? -1,
    baseSequence: -1,
    compression: r.compression ?? 0,
  };
  if (r.isTransactional) out.isTransactional = true;
  if (r.control !== undefined) out.control = r.control;
  if (r.aborted !== undefined) out.aborted = r.aborted;
  return out;
}

/**
 * Any cluster through the Cluster contract. A partition's ranges are asked once per operation of the browser
 * (`fresh()` starts one) and shared by its steps; the topic list (one Metadata request for every topic) is kept a
 * few seconds across operations, and asked again at once when a topic it does not list is named; a topic's cleanup
 * policy is asked once per topic.
 */
export class RemoteReader implements BrowserReader {
  readonly remote = true;
  private topicsNow: { at: number; list: Promise<{ name: string; partitions: number }[]> } | undefined;
  private rangesNow = new Map<string, Promise<Map<number, PartitionRange>>>();
  private readonly compacted = new Map<string, Promise<boolean>>();

  constructor(
    readonly cluster: Cluster,
    private readonly topicsMaxAgeMs = TOPICS_MAX_AGE_MS,
  ) {}

  /** A new operation: ask for the ranges again (and for the topic list once it is a few seconds old). */
  fresh(): void {
    this.rangesNow.clear();
    if (this.topicsNow && Date.now() - this.topicsNow.at > this.topicsMaxAgeMs) this.topicsNow = undefined;
  }

  listTopics(): Promise<{ name: string; partitions: number }[]> {
    if (!this.topicsNow) {
      const list = this.cluster
        .listTopics()
        .then((page) => page.topics.map((t) => ({ name: t.name, partitions: t.partitions })));
      const entry = { at: Date.now(), list };
      this.topicsNow = entry;
      list.catch(() => {
        if (this.topicsNow === entry) this.topicsNow = undefined;
      });
    }
    return this.topicsNow.list;
  }

  async describeTopic(topic: string): Promise<TopicFacts | undefined> {
    let t = (await this.listTopics()).find((x) => x.name === topic);
    if (!t && this.topicsNow && Date.now() - this.topicsNow.at > 0) {
      // created since the list was asked for, or deleted: ask again rather than trust a kept list
      this.topicsNow = undefined;
      t = (await this.listTopics()).find((x) => x.name === topic);
    }
    if (!t) return undefined;
    let compacted = this.compacted.get(topic);
    if (!compacted) {
      compacted = this.cluster
        .topicConfigs(topic)
        .then((cs) => parseCleanupPolicy(cs.find((c) => c.name === 'cleanup.policy')?.value ?? undefined).compact)
        .catch(() => false);
      this.compacted.set(topic, compacted);
    }
    return { partitions: t.partitions, compacted: await compacted };
  }

  ranges(topic: string, partitions: number[]): Promise<Map<number, PartitionRange>> {
    const key = JSON.stringify([topic, [...partitions].sort((a, b) => a - b)]);
    let got = this.rangesNow.get(key);
    if (!got) {
      got = this.readRanges(topic, partitions);
      this.rangesNow.set(key, got);
      got.catch(() => this.rangesNow.delete(key));
    }
    return got;
  }

  private async readRanges(topic: string, partitions: number[]): Promise<Map<number, PartitionRange>> {
    // ListOffsets "latest" in read_committed answers the last stable offset.
    const [all, stable] = await Promise.all([
      this.cluster.partitionsOf([topic]),
      Promise.all(partitions.map((p) => this.cluster.offsetForTimestamp(topic, p, -1))),
    ]);
    const rows = all.get(topic);
    if (!rows) throw new Error(`There is no topic "${topic}" (was it deleted?).`);
    const out = new Map<number, PartitionRange>();
    partitions.forEach((p, i) => {
      const row = rows.find((x) => x.partition === p);
      if (!row) throw new Error(`Topic "${topic}" has no partition ${p}.`);
      const lso = stable[i] < 0 ? row.logEndOffset : stable[i];
      out.set(p, {
        logStartOffset: row.logStartOffset,
        logEndOffset: row.logEndOffset,
        lastStableOffset: Math.min(Math.max(lso, row.logStartOffset), row.logEndOffset),
      });
    });
    return out;
  }

  async read(
    topic: string,
    partition: number,
    from: number,
    max: number,
    level: 0 | 1,
    maxBytes: number,
    waitMs?: number,
  ): Promise<ConsumedRecord[]> {
    const got = await this.cluster.fetch(topic, partition, from, {
      maxRecords: max,
      maxBytes,
      isolationLevel: level === 1 ? 'read_committed' : 'read_uncommitted',
      maxWaitMs: waitMs,
    });
    return got.map((r) => consumedOf(topic, r));
  }

  offsetForTime(topic: string, partition: number, timestamp: number): Promise<number> {
    return this.cluster.offsetForTimestamp(topic, partition, timestamp);
  }

  openTransactions(): undefined {
    return undefined;
  }
}
