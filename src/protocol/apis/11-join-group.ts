/**
 * JoinGroup (key 11), v0-9. Parks until the group's rebalance completes (the server keeps later responses on
 * the connection queued behind it). v0 has no rebalance timeout: the session timeout stands in. From v4 a first
 * join with an empty member id is answered MEMBER_ID_REQUIRED with an id to join again with. v6 is the first
 * flexible version; v7 answers the protocol type too (and the protocol name may be null); v8 carries the
 * client's reason for joining (logged); v9 answers skipAssignment: true for a static leader that rejoined a
 * Stable group without changing its protocols (the group keeps its assignment, so the leader gets the members
 * but must not run the assignor; coordinator.ts replaceStaticMember).
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
  reason: string | null;
}

interface JoinGroupResponse {
  throttleTimeMs: number;
  errorCode: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  skipAssignment: boolean;
  memberId: string;
  members: { memberId: string; groupInstanceId: string | null; metadata: Buffer }[];
}

export const joinGroup = defineApi<JoinGroupRequest, JoinGroupResponse>({
  apiKey: 11,
  name: 'JoinGroup',
  minVersion: 0,
  maxVersion: 9,
  flexibleFrom: 6,
  request: [
    f('groupId', 'string'),
    f('sessionTimeoutMs', 'int32'),
    f('rebalanceTimeoutMs', 'int32', '1+', { def: -1 }),
    f('memberId', 'string'),
    f('groupInstanceId', 'string', '5+', { nullable: true }),
    f('protocolType', 'string'),
    arr('protocols', [f('name', 'string'), f('metadata', 'bytes')]),
    f('reason', 'string', '8+', { nullable: true }),
  ],
  response: [
    f('throttleTimeMs', 'int32', '2+'),
    f('errorCode', 'int16'),
    f('generationId', 'int32', '0+', { def: -1 }),
    f('protocolType', 'string', '7+', { nullable: true }),
    // nullable from v7 only: the handler writes '' for a missing name below v7
    f('protocolName', 'string', '0+', { nullable: true }),
    f('leader', 'string'),
    f('skipAssignment', 'bool', '9+'),
    f('memberId', 'string'),
    arr('members', [
      f('memberId', 'string'),
      f('groupInstanceId', 'string', '5+', { nullable: true }),
      f('metadata', 'bytes'),
    ]),
  ],
  async handle(ctx, req) {
    const nullableNames = ctx.apiVersion >= 7;
    if (req.reason) ctx.log('info', `group "${req.groupId}": ${req.memberId || 'a new member'} joins: ${req.reason}`);
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
        protocolType: r.protocolType,
        protocolName: nullableNames ? r.protocolName : (r.protocolName ?? ''),
        leader: r.leader,
        skipAssignment: r.skipAssignment === true,
        memberId: r.memberId,
        members: r.members,
      };
    } catch (e) {
      return {
        throttleTimeMs: 0,
        errorCode: errorCodeOf(ctx, e, `JoinGroup "${req.groupId}"`),
        generationId: -1,
        protocolType: null,
        protocolName: nullableNames ? null : '',
        leader: '',
        skipAssignment: false,
        memberId: req.memberId,
        members: [],
      };
    }
  },
});
