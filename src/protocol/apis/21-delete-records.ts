/**
 * DeleteRecords (key 21), v0-2 (flexible from v2): advances a partition's log start offset (-1 = up to the high
 * watermark).
 */
import { ErrorCode } from '../../broker/errors';
import { arr, f } from '../codec/schema';
import { defineApi, errorCodeOf } from './api';

interface DeleteRecordsRequest {
  topics: { name: string; partitions: { partitionIndex: number; offset: number }[] }[];
  timeoutMs: number;
}

interface DeleteRecordsResponse {
  throttleTimeMs: number;
  topics: { name: string; partitions: { partitionIndex: number; lowWatermark: number; errorCode: number }[] }[];
}

export const deleteRecords = defineApi<DeleteRecordsRequest, DeleteRecordsResponse>({
  apiKey: 21,
  name: 'DeleteRecords',
  minVersion: 0,
  maxVersion: 2,
  flexibleFrom: 2,
  request: [
    arr('topics', [f('name', 'string'), arr('partitions', [f('partitionIndex', 'int32'), f('offset', 'int64')])]),
    f('timeoutMs', 'int32'),
  ],
  response: [
    f('throttleTimeMs', 'int32'),
    arr('topics', [
      f('name', 'string'),
      arr('partitions', [f('partitionIndex', 'int32'), f('lowWatermark', 'int64'), f('errorCode', 'int16')]),
    ]),
  ],
  handle(ctx, req) {
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => {
        const topic = ctx.broker.getTopic(t.name);
        return {
          name: t.name,
          partitions: t.partitions.map((p) => {
            if (!topic || p.partitionIndex < 0 || p.partitionIndex >= topic.partitions) {
              return {
                partitionIndex: p.partitionIndex,
                lowWatermark: -1,
                errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
              };
            }
            try {
              return {
                partitionIndex: p.partitionIndex,
                lowWatermark: ctx.broker.deleteRecords(t.name, p.partitionIndex, p.offset),
                errorCode: 0,
              };
            } catch (e) {
              return {
                partitionIndex: p.partitionIndex,
                lowWatermark: -1,
                errorCode: errorCodeOf(ctx, e, `DeleteRecords ${t.name}-${p.partitionIndex}`),
              };
            }
          }),
        };
      }),
    };
  },
});
