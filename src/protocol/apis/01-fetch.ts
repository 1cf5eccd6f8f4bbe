/**
 * Fetch (key 1), v4-12 (flexible from v12; v13 names topics by id, which Kafka Lite does not have yet),
 * sessionless (session id 0). Batches are always record batch v2 (no down-conversion). Per partition: whole
 * batches from the one containing the fetch offset (the engine's read), the high watermark, last stable offset =
 * high watermark (no transactions), log start offset, no aborted transactions; a partition whose read fails
 * (OFFSET_OUT_OF_RANGE) answers -1 for all three offsets, as Kafka does. Aborted transactions are null, except
 * for an unknown topic or partition, which Kafka answers before reading with an empty list. Limits: PartitionMaxBytes per
 * partition and MaxBytes overall, but the first non-empty partition always gets at least one whole batch. Long
 * poll: when fewer than MinBytes are available the request parks until an 'append' to one of its partitions
 * brings enough, MaxWaitMs passes, or the connection closes. Record bytes are passed by reference into the
 * response (no copy, no decoding). LastFetchedEpoch (v12) is read and not checked: leader epochs are -1 here and
 * a log never diverges, so the v12 tagged DivergingEpoch, CurrentLeader and SnapshotId are never sent.
 *
 * Parked fetches cost nothing while they wait: per broker there is one 'append' listener, which looks up the
 * fetches parked on that one partition (a map by partition), and one timer, armed for the earliest deadline of a
 * min-heap of deadlines. Deadlines that fall due together are answered a few milliseconds' worth per event-loop
 * turn (the rest continue after the turn's I/O), so thousands of long polls expiring at once do not hold up a
 * fresh client.
 */
import type { Broker } from '../../broker/broker';
import { ErrorCode, KafkaError } from '../../broker/errors';
import { arr, f } from '../codec/schema';
import type { RequestContext } from './api';
import { defineApi, errorCodeOf } from './api';
import type { TopicPartitionKey } from '../../shared/topic-partition';
import { topicPartitionKey } from '../../shared/topic-partition';

interface FetchRequest {
  replicaId: number;
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  isolationLevel: number;
  sessionId: number;
  sessionEpoch: number;
  topics: {
    topic: string;
    partitions: {
      partition: number;
      currentLeaderEpoch: number;
      fetchOffset: number;
      /** v12+: the epoch of the last record the client fetched (-1: none). */
      lastFetchedEpoch?: number;
      logStartOffset: number;
      partitionMaxBytes: number;
    }[];
  }[];
}

interface PartitionData {
  partitionIndex: number;
  errorCode: number;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  /** null from a read (success or OFFSET_OUT_OF_RANGE); [] on an unknown topic or partition, as Kafka sends. */
  abortedTransactions: { producerId: number; firstOffset: number }[] | null;
  preferredReadReplica: number;
  records: Buffer;
}

interface FetchResponse {
  throttleTimeMs: number;
  errorCode: number;
  sessionId: number;
  responses: { topic: string; partitions: PartitionData[] }[];
}

const EMPTY = Buffer.alloc(0);

/** Work spent answering expired long polls per event-loop turn before the rest wait for the next turn. */
const EXPIRY_BUDGET_MS = 4;

interface Parked {
  deadline: number;
  partitions: TopicPartitionKey[];
  done: boolean;
  /** Still in the deadline heap (answered fetches are dropped from it lazily). */
  inHeap: boolean;
  /** An append reached one of its partitions: read again, answer if enough has arrived. */
  wake(): void;
  /** MaxWaitMs has passed: answer with what there is. */
  expire(): void;
}

/** The parked fetches of one broker: by partition for appends, and a min-heap of deadlines behind one timer. */
class Parking {
  private readonly byPartition = new Map<TopicPartitionKey, Set<Parked>>();
  private heap: Parked[] = [];
  private doneInHeap = 0;
  private parked = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Infinity;
  private expiring = false;
  private readonly woken = new Set<Parked>();
  private wakeScheduled = false;
  private offAppend: (() => void) | undefined;

  constructor(private readonly broker: Broker) {}

  park(p: Parked): void {
    for (const key of p.partitions) {
      let set = this.byPartition.get(key);
      if (!set) this.byPartition.set(key, (set = new Set()));
      set.add(p);
    }
    this.parked++;
    this.push(p);
    this.offAppend ??= this.broker.on('append', (ev) => this.onAppend(topicPartitionKey(ev.topic, ev.partition)));
    this.arm();
  }

  /** The fetch was answered (or its connection closed): it leaves every structure it was in. */
  unpark(p: Parked): void {
    if (p.done) return;
    p.done = true;
    if (p.inHeap) this.doneInHeap++;
    this.parked--;
    this.woken.delete(p);
    for (const key of p.partitions) {
      const set = this.byPartition.get(key);
      set?.delete(p);
      if (set?.size === 0) this.byPartition.delete(key);
    }
    if (this.parked === 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.timerAt = Infinity;
      for (const x of this.heap) x.inHeap = false;
      this.heap = [];
      this.doneInHeap = 0;
      this.offAppend?.();
      this.offAppend = undefined;
    } else if (this.doneInHeap > 64 && this.doneInHeap > this.heap.length / 2) {
      // answered fetches are dropped lazily; rebuild once they are most of the heap
      const live = this.heap.filter((x) => !x.done);
      for (const x of this.heap) x.inHeap = false;
      this.heap = [];
      this.doneInHeap = 0;
      for (const x of live) this.push(x);
    }
  }

  /** Appends are coalesced: each parked fetch of the partition reads again once per event-loop turn. */
  private onAppend(key: TopicPartitionKey): void {
    const set = this.byPartition.get(key);
    if (!set) return;
    for (const p of set) this.woken.add(p);
    if (this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      const woken = [...this.woken];
      this.woken.clear();
      for (const p of woken) if (!p.done) p.wake();
    });
  }

  private arm(): void {
    const top = this.peek();
    if (!top || this.expiring) return;
    if (top.deadline >= this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = top.deadline;
    this.timer = setTimeout(() => this.expireDue(), Math.max(0, top.deadline - performance.now()));
  }

  private expireDue(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    this.expiring = true;
    const start = performance.now();
    let more = false;
    try {
      for (let top = this.peek(); top && top.deadline <= performance.now(); top = this.peek()) {
        if (performance.now() - start >= EXPIRY_BUDGET_MS) {
          more = true;
          break;
        }
        this.pop();
        top.expire();
      }
    } finally {
      this.expiring = false;
    }
    // the rest after this turn's I/O (a setImmediate runs after the poll phase)
    if (more) setImmediate(() => this.expireDue());
    else this.arm();
  }

  /** The earliest live deadline (answered fetches on top are dropped). */
  private peek(): Parked | undefined {
    while (this.heap.length > 0 && this.heap[0].done) {
      this.pop();
      this.doneInHeap--;
    }
    return this.heap[0];
  }

  private push(p: Parked): void {
    const h = this.heap;
    p.inHeap = true;
    h.push(p);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent].deadline <= h[i].deadline) break;
      [h[parent], h[i]] = [h[i], h[parent]];
      i = parent;
    }
  }

  private pop(): void {
    const h = this.heap;
    h[0].inHeap = false;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && h[l].deadline < h[m].deadline) m = l;
      if (r < h.length && h[r].deadline < h[m].deadline) m = r;
      if (m === i) return;
      [h[m], h[i]] = [h[i], h[m]];
      i = m;
    }
  }
}

const parkings = new WeakMap<Broker, Parking>();

function parkingOf(broker: Broker): Parking {
  let p = parkings.get(broker);
  if (!p) parkings.set(broker, (p = new Parking(broker)));
  return p;
}

/** Read every requested partition once, honouring the byte limits; returns the response and its record bytes. */
export function readFetch(
  broker: Broker,
  ctx: RequestContext | null,
  req: FetchRequest,
): { resp: FetchResponse; bytes: number; errors: boolean } {
  let remaining = req.maxBytes > 0 ? req.maxBytes : 0x7fffffff;
  let bytes = 0;
  let errors = false;
  const responses: FetchResponse['responses'] = [];
  for (const t of req.topics) {
    const partitions: PartitionData[] = [];
    responses.push({ topic: t.topic, partitions });
    const topic = broker.getTopic(t.topic);
    for (const p of t.partitions) {
      const out: PartitionData = {
        partitionIndex: p.partition,
        errorCode: 0,
        highWatermark: -1,
        lastStableOffset: -1,
        logStartOffset: -1,
        abortedTransactions: null,
        preferredReadReplica: -1,
        records: EMPTY,
      };
      partitions.push(out);
      if (!topic || p.partition < 0 || p.partition >= topic.partitions) {
        out.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        out.abortedTransactions = [];
        errors = true;
        continue;
      }
      try {
        const info = broker.partitionInfo(t.topic, p.partition);
        out.highWatermark = info.logEndOffset;
        out.lastStableOffset = info.logEndOffset;
        out.logStartOffset = info.logStartOffset;
        if (p.fetchOffset < info.logStartOffset || p.fetchOffset > info.logEndOffset) {
          throw new KafkaError(
            ErrorCode.OFFSET_OUT_OF_RANGE,
            `fetch offset ${p.fetchOffset} is outside [${info.logStartOffset}, ${info.logEndOffset}]`,
          );
        }
        if (p.fetchOffset === info.logEndOffset) continue;
        const limit = Math.min(p.partitionMaxBytes > 0 ? p.partitionMaxBytes : 0x7fffffff, remaining);
        if (limit <= 0 && bytes > 0) continue;
        const r = broker.fetch(t.topic, p.partition, p.fetchOffset, Math.max(limit, 1));
        out.highWatermark = r.highWatermark;
        out.lastStableOffset = r.highWatermark;
        out.logStartOffset = r.logStartOffset;
        // the first data in the response may exceed the limits (one whole batch); later data may not
        if (bytes > 0 && r.records.length > limit) continue;
        out.records = r.records;
        bytes += r.records.length;
        remaining -= r.records.length;
      } catch (e) {
        // A partition whose read failed (OFFSET_OUT_OF_RANGE) reports no offsets, as Kafka does: the client asks
        // ListOffsets for them.
        out.highWatermark = -1;
        out.lastStableOffset = -1;
        out.logStartOffset = -1;
        out.errorCode = ctx ? errorCodeOf(ctx, e, `Fetch ${t.topic}-${p.partition}`) : -1;
        errors = true;
      }
    }
  }
  return { resp: { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses }, bytes, errors };
}

export const fetch = defineApi<FetchRequest, FetchResponse>({
  apiKey: 1,
  name: 'Fetch',
  minVersion: 4,
  maxVersion: 12,
  flexibleFrom: 12,
  request: [
    f('replicaId', 'int32', '0-14', { def: -1 }),
    f('maxWaitMs', 'int32'),
    f('minBytes', 'int32'),
    f('maxBytes', 'int32', '3+', { def: 0x7fffffff }),
    f('isolationLevel', 'int8', '4+'),
    f('sessionId', 'int32', '7+'),
    f('sessionEpoch', 'int32', '7+', { def: -1 }),
    arr('topics', [
      f('topic', 'string', '0-12'),
      arr('partitions', [
        f('partition', 'int32'),
        f('currentLeaderEpoch', 'int32', '9+', { def: -1 }),
        f('fetchOffset', 'int64'),
        f('lastFetchedEpoch', 'int32', '12+', { def: -1 }),
        f('logStartOffset', 'int64', '5+', { def: -1 }),
        f('partitionMaxBytes', 'int32'),
      ]),
    ]),
    arr('forgottenTopicsData', [f('topic', 'string', '7-12'), arr('partitions', 'int32', '7+')], '7+'),
    f('rackId', 'string', '11+'),
  ],
  response: [
    f('throttleTimeMs', 'int32', '1+'),
    f('errorCode', 'int16', '7+'),
    f('sessionId', 'int32', '7+'),
    arr('responses', [
      f('topic', 'string', '0-12'),
      arr('partitions', [
        f('partitionIndex', 'int32'),
        f('errorCode', 'int16'),
        f('highWatermark', 'int64'),
        f('lastStableOffset', 'int64', '4+', { def: -1 }),
        f('logStartOffset', 'int64', '5+', { def: -1 }),
        arr('abortedTransactions', [f('producerId', 'int64'), f('firstOffset', 'int64')], '4+', { nullable: true }),
        f('preferredReadReplica', 'int32', '11+', { def: -1 }),
        f('records', 'records', '0+', { nullable: true }),
      ]),
    ]),
  ],
  handle(ctx, req) {
    const { broker } = ctx;
    const first = readFetch(broker, ctx, req);
    const minBytes = Math.max(req.minBytes, 1);
    if (req.maxWaitMs <= 0 || first.bytes >= minBytes || first.errors || req.topics.length === 0) return first.resp;
    const partitions = new Set<TopicPartitionKey>();
    for (const t of req.topics) for (const p of t.partitions) partitions.add(topicPartitionKey(t.topic, p.partition));
    const parking = parkingOf(broker);
    return new Promise<FetchResponse>((resolve) => {
      const complete = (resp: FetchResponse) => {
        if (parked.done) return;
        parking.unpark(parked);
        offClose();
        resolve(resp);
      };
      const parked: Parked = {
        deadline: performance.now() + req.maxWaitMs,
        partitions: [...partitions],
        done: false,
        inHeap: false,
        wake: () => {
          if (broker.isClosed) return;
          const again = readFetch(broker, ctx, req);
          if (again.bytes >= minBytes || again.errors) complete(again.resp);
        },
        expire: () => complete(broker.isClosed ? first.resp : readFetch(broker, ctx, req).resp),
      };
      parking.park(parked);
      const offClose = ctx.onClose(() => complete(first.resp));
    });
  },
});
