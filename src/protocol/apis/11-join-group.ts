/**
 * JoinGroup (key 11), v0-5. Parks until the group's rebalance completes (the server keeps later responses on
 * the connection queued behind it). v0 has no rebalance timeout: the session timeout stands in. From v4 a first
 * join with an empty member id is answered MEMBER_ID_REQUIRED with an id to join again with.
 */
import { arr, f } from '../codec/schema';
import { defineApi, errorCodeOf } from './api';

interface JoinGroupRequest {
  groupId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string;
  protocols: { name: string; metadata: Buffer }[];
}

interface JoinGroupResponse {
  throttleTimeMs: number;
  errorCode: number;
  generationId: number;
  protocolName: string | null;
  leader: string;
  memberId: string;
  members: { memberId: string; groupInstanceId: string | null; metadata: Buffer }[];
}

export const joinGroup = defineApi<JoinGroupRequest, JoinGroupResponse>({
  apiKey: 11,
  name: 'JoinGroup',
  minVersion: 0,
  maxVersion: 5,
  flexibleFrom: 6,
  request: [
    f('groupId', 'string'),
    f('sessionTimeoutMs', 'int32'),
    f('rebalanceTimeoutMs', 'int32', '1+', { def: -1 }),
    f('memberId', 'string'),
    f('groupInstanceId', 'string', '5+', { nullable: true }),
    f('protocolType', 'string'),
    arr('protocols', [f('name', 'string'), f('metadata', 'bytes')]),
  ],
  response: [
    f('throttleTimeMs', 'int32', '2+'),
    f('errorCode', 'int16'),
    f('generationId', 'int32', '0+', { def: -1 }),
    f('protocolName', 'string'),
    f('leader', 'string'),
    f('memberId', 'string'),
    arr('members', [
      f('memberId', 'string'),
      f('groupInstanceId', 'string', '5+', { nullable: true }),
      f('metadata', 'bytes'),
    ]),
  ],
  async handle(ctx, req) {
    try {
      const r = await ctx.broker.joinGroup({
        groupId: req.groupId,
        memberId: req.memberId,
        groupInstanceId: req.groupInstanceId,
        sessionTimeoutMs: req.sessionTimeoutMs,
        rebalanceTimeoutMs:
          ctx.apiVersion === 0 || req.rebalanceTimeoutMs < 0 ? req.sessionTimeoutMs : req.rebalanceTimeoutMs,
        protocolType: req.protocolType,
        protocols: req.protocols,
        clientId: ctx.clientId,
        clientHost: `/${ctx.clientHost}`,
        requireKnownMemberId: ctx.apiVersion >= 4,
      });
      return {
        throttleTimeMs: 0,
        errorCode: r.errorCode,
        generationId: r.generationId,
        protocolName: r.protocolName ?? '',
        leader: r.leader,
        memberId: r.memberId,
        members: r.members,
      };
    } catch (e) {
      return {
        throttleTimeMs: 0,
        errorCode: errorCodeOf(ctx, e, `JoinGroup "${req.groupId}"`),
        generationId: -1,
        protocolName: '',
        leader: '',
        memberId: req.memberId,
        members: [],
      };
    }
  },
});
