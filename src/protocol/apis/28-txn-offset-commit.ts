/**
 * TxnOffsetCommit (key 28), v0-4 (flexible from v3): a transactional producer commits consumer offsets inside its
 * transaction (consume-transform-produce). The offsets are held and become the group's committed offsets only
 * when the transaction commits; an abort drops them; OffsetFetch with RequireStable answers
 * UNSTABLE_OFFSET_COMMIT (88) for a partition with held offsets meanwhile.
 * v2 adds the committed leader epoch (stored with the offset); v3 the generation, member id and group instance id,
 * checked against the group as OffsetCommit does (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS,
 * FENCED_INSTANCE_ID for an instance id held by another member; generation -1 with no member id is not checked,
 * as v0-2 cannot send them); v4 only allows TRANSACTION_ABORTABLE. The transaction must be Ongoing with the group
 * added by AddOffsetsToTxn (else INVALID_TXN_STATE); another producer id is INVALID_PRODUCER_ID_MAPPING, an old
 * epoch INVALID_PRODUCER_EPOCH (47, which clients take as fencing). A partition that does not exist is
 * UNKNOWN_TOPIC_OR_PARTITION, metadata over 4096 characters OFFSET_METADATA_TOO_LARGE; the others are held.
 */
import { ErrorCode } from '../../broker/errors';
import { arr, f } from '../codec/schema';
import { defineApi, errorCodeOf } from './api';

interface TxnOffsetCommitRequest {
  transactionalId: string;
  groupId: string;
  producerId: number;
  producerEpoch: number;
  generationId: number;
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

interface TxnOffsetCommitResponse {
  throttleTimeMs: number;
  topics: { name: string; partitions: { partitionIndex: number; errorCode: number }[] }[];
}

export const txnOffsetCommit = defineApi<TxnOffsetCommitRequest, TxnOffsetCommitResponse>({
  apiKey: 28,
  name: 'TxnOffsetCommit',
  minVersion: 0,
  maxVersion: 4,
  flexibleFrom: 3,
  request: [
    f('transactionalId', 'string'),
    f('groupId', 'string'),
    f('producerId', 'int64'),
    f('producerEpoch', 'int16'),
    f('generationId', 'int32', '3+', { def: -1 }),
    f('memberId', 'string', '3+'),
    f('groupInstanceId', 'string', '3+', { nullable: true }),
    arr('topics', [
      f('name', 'string'),
      arr('partitions', [
        f('partitionIndex', 'int32'),
        f('committedOffset', 'int64'),
        f('committedLeaderEpoch', 'int32', '2+', { def: -1 }),
        f('committedMetadata', 'string', '0+', { nullable: true }),
      ]),
    ]),
  ],
  response: [
    f('throttleTimeMs', 'int32'),
    arr('topics', [f('name', 'string'), arr('partitions', [f('partitionIndex', 'int32'), f('errorCode', 'int16')])]),
  ],
  async handle(ctx, req) {
    const offsets = req.topics.flatMap((t) =>
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
      const r = await ctx.broker.txnOffsetCommit({
        transactionalId: req.transactionalId,
        groupId: req.groupId,
        producerId: req.producerId,
        producerEpoch: req.producerEpoch,
        generationId: req.generationId,
        memberId: req.memberId,
        groupInstanceId: req.groupInstanceId,
        offsets,
      });
      codes = r.map((x) => x.errorCode);
    } catch (e) {
      const code = errorCodeOf(ctx, e, `TxnOffsetCommit "${req.transactionalId}" group "${req.groupId}"`);
      codes = offsets.map(() => code);
    }
    if (codes.some((c) => c !== ErrorCode.NONE))
      ctx.log(
        'info',
        `client ${ctx.clientId}: TxnOffsetCommit of "${req.transactionalId}" for group "${req.groupId}" refused partition(s) with ${[...new Set(codes.filter((c) => c !== ErrorCode.NONE))].join(', ')}`,
      );
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
