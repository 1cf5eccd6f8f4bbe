/** LeaveGroup (key 13), v0-3: v0-2 name one member; v3 a batch of members, each answered with its own code. */
import { arr, f } from '../codec/schema';
import { defineApi, errorCodeOf } from './api';

interface LeaveGroupRequest {
  groupId: string;
  memberId: string;
  members: { memberId: string; groupInstanceId: string | null }[];
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
  maxVersion: 3,
  flexibleFrom: 4,
  request: [
    f('groupId', 'string'),
    f('memberId', 'string', '0-2'),
    arr('members', [f('memberId', 'string', '3+'), f('groupInstanceId', 'string', '3+', { nullable: true })], '3+'),
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
    const members = ctx.apiVersion >= 3 ? req.members : [{ memberId: req.memberId, groupInstanceId: null }];
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
