/**
 * ListOffsets (key 2), v0-10 (flexible from v6). Timestamp -1 = latest (log end offset), -2 = earliest (log start
 * offset), -3 = max timestamp (v7+), -4 = earliest local (v8+, the log start here), -5 = latest tiered (v9+, -1:
 * nothing is tiered), any other = the first offset whose record timestamp is >= it (-1/-1 when there is none).
 * v0 answers with the old "offsets" array instead of a single timestamp/offset pair. A special timestamp sent at a
 * version that predates it is refused with INVALID_REQUEST, as Kafka does. v10's timeoutMs is read and unused
 * (every lookup here is local and immediate). Latest under isolation level 1 (read_committed, v2+) answers the last
 * stable offset (the first offset of the earliest open transaction, else the log end offset), and a timestamp lookup
 * that lands at or past it answers -1/-1, as Kafka does.
 */
import { ErrorCode } from '../../broker/errors';
import { arr, f } from '../codec/schema';
import { defineApi, errorCodeOf } from './api';

interface ListOffsetsRequest {
  replicaId: number;
  isolationLevel: number;
  timeoutMs: number;
  topics: {
    name: string;
    partitions: { partitionIndex: number; currentLeaderEpoch: number; timestamp: number; maxNumOffsets: number }[];
  }[];
}

interface PartitionResponse {
  partitionIndex: number;
  errorCode: number;
  oldStyleOffsets: number[];
  timestamp: number;
  offset: number;
  leaderEpoch: number;
}

/** The first ListOffsets version that knows each special timestamp. */
const MIN_VERSION_FOR: Record<number, number> = { [-3]: 7, [-4]: 8, [-5]: 9 };

export const listOffsets = defineApi<
  ListOffsetsRequest,
  { throttleTimeMs: number; topics: { name: string; partitions: PartitionResponse[] }[] }
>({
  apiKey: 2,
  name: 'ListOffsets',
  minVersion: 0,
  maxVersion: 10,
  flexibleFrom: 6,
  request: [
    f('replicaId', 'int32'),
    f('isolationLevel', 'int8', '2+'),
    arr('topics', [
      f('name', 'string'),
      arr('partitions', [
        f('partitionIndex', 'int32'),
        f('currentLeaderEpoch', 'int32', '4+', { def: -1 }),
        f('timestamp', 'int64'),
        f('maxNumOffsets', 'int32', '0', { def: 1 }),
      ]),
    ]),
    f('timeoutMs', 'int32', '10+'),
  ],
  response: [
    f('throttleTimeMs', 'int32', '2+'),
    arr('topics', [
      f('name', 'string'),
      arr('partitions', [
        f('partitionIndex', 'int32'),
        f('errorCode', 'int16'),
        arr('oldStyleOffsets', 'int64', '0'),
        f('timestamp', 'int64', '1+', { def: -1 }),
        f('offset', 'int64', '1+', { def: -1 }),
        f('leaderEpoch', 'int32', '4+', { def: -1 }),
      ]),
    ]),
  ],
  handle(ctx, req) {
    const { broker } = ctx;
    const topics = req.topics.map((t) => {
      const topic = broker.getTopic(t.name);
      const partitions = t.partitions.map((p): PartitionResponse => {
        const out: PartitionResponse = {
          partitionIndex: p.partitionIndex,
          errorCode: 0,
          oldStyleOffsets: [],
          timestamp: -1,
          offset: -1,
          leaderEpoch: -1,
        };
        if (!topic || p.partitionIndex < 0 || p.partitionIndex >= topic.partitions) {
          out.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
          return out;
        }
        const needs = MIN_VERSION_FOR[p.timestamp];
        if (needs !== undefined && ctx.apiVersion < needs) {
          ctx.log(
            'warn',
            `ListOffsets v${ctx.apiVersion} for ${t.name}-${p.partitionIndex}: timestamp ${p.timestamp} needs v${needs}+`,
          );
          out.errorCode = ErrorCode.INVALID_REQUEST;
          return out;
        }
        try {
          const r = broker.listOffset(t.name, p.partitionIndex, p.timestamp, req.isolationLevel === 1 ? 1 : 0);
          out.offset = r.offset;
          out.timestamp = r.timestamp;
          if (r.offset >= 0 && p.maxNumOffsets > 0) out.oldStyleOffsets = [r.offset];
        } catch (e) {
          out.errorCode = errorCodeOf(ctx, e, `ListOffsets ${t.name}-${p.partitionIndex}`);
        }
        return out;
      });
      return { name: t.name, partitions };
    });
    return { throttleTimeMs: 0, topics };
  },
});
