/**
 * Heartbeat (key 12), v0-4: keeps a member's session alive; REBALANCE_IN_PROGRESS tells it to rejoin. v3 adds the
 * group instance id; v4 is the first flexible version (same fields).
 */
import { f } from '../codec/schema';
import { defineApi, errorCodeOf } from './api';

export const heartbeat = defineApi<
  { groupId: string; generationId: number; memberId: string; groupInstanceId: string | null },
  { throttleTimeMs: number; errorCode: number }
>({
  apiKey: 12,
  name: 'Heartbeat',
  minVersion: 0,
  maxVersion: 4,
  flexibleFrom: 4,
  request: [
    f('groupId', 'string'),
    f('generationId', 'int32'),
    f('memberId', 'string'),
    f('groupInstanceId', 'string', '3+', { nullable: true }),
  ],
  response: [f('throttleTimeMs', 'int32', '1+'), f('errorCode', 'int16')],
  handle(ctx, req) {
    try {
      return {
        throttleTimeMs: 0,
        errorCode: ctx.broker.heartbeat(req.groupId, req.generationId, req.memberId, req.groupInstanceId),
      };
    } catch (e) {
      return { throttleTimeMs: 0, errorCode: errorCodeOf(ctx, e, `Heartbeat "${req.groupId}"`) };
    }
  },
});
