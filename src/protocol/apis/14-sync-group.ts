/**
 * SyncGroup (key 14), v0-3. The leader brings the assignment; every member parks until it is known, then gets
 * its own share (the broker relays, it does not assign).
 */
import { arr, f } from '../codec/schema';
import { defineApi, errorCodeOf } from './api';

interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  assignments: { memberId: string; assignment: Buffer }[];
}

export const syncGroup = defineApi<SyncGroupRequest, { throttleTimeMs: number; errorCode: number; assignment: Buffer }>(
  {
    apiKey: 14,
    name: 'SyncGroup',
    minVersion: 0,
    maxVersion: 3,
    flexibleFrom: 4,
    request: [
      f('groupId', 'string'),
      f('generationId', 'int32'),
      f('memberId', 'string'),
      f('groupInstanceId', 'string', '3+', { nullable: true }),
      arr('assignments', [f('memberId', 'string'), f('assignment', 'bytes')]),
    ],
    response: [f('throttleTimeMs', 'int32', '1+'), f('errorCode', 'int16'), f('assignment', 'bytes')],
    async handle(ctx, req) {
      try {
        const r = await ctx.broker.syncGroup({
          groupId: req.groupId,
          generationId: req.generationId,
          memberId: req.memberId,
          groupInstanceId: req.groupInstanceId,
          protocolType: null,
          protocolName: null,
          assignments: req.assignments,
        });
        return { throttleTimeMs: 0, errorCode: r.errorCode, assignment: r.assignment };
      } catch (e) {
        return {
          throttleTimeMs: 0,
          errorCode: errorCodeOf(ctx, e, `SyncGroup "${req.groupId}"`),
          assignment: Buffer.alloc(0),
        };
      }
    },
  },
);
