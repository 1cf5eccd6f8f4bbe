/**
 * Fetch (key 1), v4-12 (flexible from v12; v13 names topics by id, which Kafka Lite does not have yet),
 * sessionless (session id 0). Batches are always record batch v2 (no down-conversion). Per partition: whole
 * batches from the one containing the fetch offset (the engine's read), the high watermark, last stable offset =
 * high watermark (no transactions), log start offset, no aborted transactions. Limits: PartitionMaxBytes per
 * partition and MaxBytes overall, but the first non-empty partition always gets at least one whole batch. Long
 * poll: when fewer than MinBytes are available the request parks until an 'append' to one of its partitions
 * brings enough, MaxWaitMs passes, or the connection closes. Record bytes are passed by reference into the
 * response (no copy, no decoding). LastFetchedEpoch (v12) is read and not checked: leader epochs are -1 here and
 * a log never diverges, so the v12 tagged DivergingEpoch, CurrentLeader and SnapshotId are never sent.
 */
import type { Broker } from '../../broker/broker';
import { ErrorCode, KafkaError } from '../../broker/errors';
import { arr, f } from '../codec/schema';
import type { RequestContext } from './api';
import { defineApi, errorCodeOf } from './api';

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
  abortedTransactions: null;
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
    const wanted = new Set<string>();
    for (const t of req.topics) for (const p of t.partitions) wanted.add(`${t.topic}\u0000${p.partition}`);
    return new Promise<FetchResponse>((resolve) => {
      let done = false;
      let recheckScheduled = false;
      const complete = (resp: FetchResponse) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        offAppend();
        offClose();
        resolve(resp);
      };
      const timer = setTimeout(
        () => complete(broker.isClosed ? first.resp : readFetch(broker, ctx, req).resp),
        req.maxWaitMs,
      );
      // appends are coalesced: one re-read per event-loop turn however many batches arrived
      const offAppend = broker.on('append', (ev) => {
        if (done || recheckScheduled || !wanted.has(`${ev.topic}\u0000${ev.partition}`)) return;
        recheckScheduled = true;
        setImmediate(() => {
          recheckScheduled = false;
          if (done || broker.isClosed) return;
          const again = readFetch(broker, ctx, req);
          if (again.bytes >= minBytes || again.errors) complete(again.resp);
        });
      });
      const offClose = ctx.onClose(() => complete(first.resp));
    });
  },
});
