/**
 * OffsetCommit (key 8), v0-9. v0 commits without a generation (simple commit: generation -1, no member);
 * v1 adds generation, member and a per-partition commit timestamp (ignored); v2-4 a retention time (ignored);
 * v6 the committed leader epoch, stored with the offset (OffsetFetch v5+ returns it); v7 the group instance id;
 * v8 is the first flexible version; v9 has v8's fields and answers GROUP_ID_NOT_FOUND, where older versions answer
 * ILLEGAL_GENERATION, for a commit with a generation or member to a group that does not exist (Kafka's rule).
 * Metadata is stored and returned as sent.
 */
import { ErrorCode } from '../../broker/errors';
import { arr, f } from '../codec/schema';
import { defineApi, errorCodeOf } from './api';

interface OffsetCommitRequest {
  groupId: string;
  generationIdOrMemberEpoch: number;
  memberId: string;
  groupInstanceId: string | null;
  topics: {
    name: string;
    partitions: {
      partitionIndex: number;
      committedOffset: number;
      committedLeaderEpoch: number;
      committedMetadata: string | null;
    }[];
  }[];
}

interface OffsetCommitResponse {
  throttleTimeMs: number;
  topics: { name: string; partitions: { partitionIndex: number; errorCode: number }[] }[];
}

export const offsetCommit = defineApi<OffsetCommitRequest, OffsetCommitResponse>({
  apiKey: 8,
  name: 'OffsetCommit',
  minVersion: 0,
  maxVersion: 9,
  flexibleFrom: 8,
  request: [
    f('groupId', 'string'),
    f('generationIdOrMemberEpoch', 'int32', '1+', { def: -1 }),
    f('memberId', 'string', '1+'),
    f('groupInstanceId', 'string', '7+', { nullable: true }),
    f('retentionTimeMs', 'int64', '2-4', { def: -1 }),
    arr('topics', [
      f('name', 'string'),
      arr('partitions', [
        f('partitionIndex', 'int32'),
        f('committedOffset', 'int64'),
        f('committedLeaderEpoch', 'int32', '6+', { def: -1 }),
        f('commitTimestamp', 'int64', '1', { def: -1 }),
        f('committedMetadata', 'string', '0+', { nullable: true }),
      ]),
    ]),
  ],
  response: [
    f('throttleTimeMs', 'int32', '3+'),
    arr('topics', [f('name', 'string'), arr('partitions', [f('partitionIndex', 'int32'), f('errorCode', 'int16')])]),
  ],
  async handle(ctx, req) {
    const entries = req.topics.flatMap((t) =>
      t.partitions.map((p) => ({
        topic: t.name,
        partition: p.partitionIndex,
        offset: p.committedOffset,
        metadata: p.committedMetadata,
        leaderEpoch: p.committedLeaderEpoch,
      })),
    );
    let codes: number[];
    try {
      const withMember = req.generationIdOrMemberEpoch >= 0 || req.memberId !== '';
      if (ctx.apiVersion >= 9 && withMember && !ctx.broker.groupExists(req.groupId)) {
        codes = entries.map(() => ErrorCode.GROUP_ID_NOT_FOUND);
      } else {
        const r = await ctx.broker.commitOffsets(req.groupId, req.memberId, req.generationIdOrMemberEpoch, entries);
        codes = r.map((x) => x.errorCode);
      }
    } catch (e) {
      const code = errorCodeOf(ctx, e, `OffsetCommit "${req.groupId}"`);
      codes = entries.map(() => code);
    }
    let i = 0;
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: codes[i++] ?? 0 })),
      })),
    };
  },
});
