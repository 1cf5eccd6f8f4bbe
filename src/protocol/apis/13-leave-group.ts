/**
 * LeaveGroup (key 13), v0-5: v0-2 name one member; v3+ a batch of members, each answered with its own code; v4 is
 * the first flexible version; v5 gives each member a reason for leaving (logged).
 */
import { arr, f } from '../codec/schema';
import { defineApi, errorCodeOf } from './api';

interface LeaveGroupRequest {
  groupId: string;
  memberId: string;
  members: { memberId: string; groupInstanceId: string | null; reason: string | null }[];
}

interface LeaveGroupResponse {
  throttleTimeMs: number;
  errorCode: number;
  members: { memberId: string; groupInstanceId: string | null; errorCode: number }[];
}

export const leaveGroup = defineApi<LeaveGroupRequest, LeaveGroupResponse>({
  apiKey: 13,
  name: 'LeaveGroup',
  minVersion: 0,
  maxVersion: 5,
  flexibleFrom: 4,
  request: [
    f('groupId', 'string'),
    f('memberId', 'string', '0-2'),
    arr(
      'members',
      [
        f('memberId', 'string', '3+'),
        f('groupInstanceId', 'string', '3+', { nullable: true }),
        f('reason', 'string', '5+', { nullable: true }),
      ],
      '3+',
    ),
  ],
  response: [
    f('throttleTimeMs', 'int32', '1+'),
    f('errorCode', 'int16'),
    arr(
      'members',
      [
        f('memberId', 'string', '3+'),
        f('groupInstanceId', 'string', '3+', { nullable: true }),
        f('errorCode', 'int16', '3+'),
      ],
      '3+',
    ),
  ],
  handle(ctx, req) {
    const members =
      ctx.apiVersion >= 3
        ? req.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId }))
        : [{ memberId: req.memberId, groupInstanceId: null }];
    for (const m of req.members) {
      if (m.reason) ctx.log('info', `group "${req.groupId}": ${m.memberId || m.groupInstanceId} leaves: ${m.reason}`);
    }
    try {
      const r = ctx.broker.leaveGroup(req.groupId, members);
      // v0-2 carry one member: its own error is the answer
      const errorCode = ctx.apiVersion >= 3 ? r.errorCode : r.errorCode || (r.members[0]?.errorCode ?? 0);
      return { throttleTimeMs: 0, errorCode, members: r.members };
    } catch (e) {
      return { throttleTimeMs: 0, errorCode: errorCodeOf(ctx, e, `LeaveGroup "${req.groupId}"`), members: [] };
    }
  },
});
