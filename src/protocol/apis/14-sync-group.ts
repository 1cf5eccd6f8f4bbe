/**
 * SyncGroup (key 14), v0-5. The leader brings the assignment; every member parks until it is known, then gets
 * its own share (the broker relays, it does not assign). v4 is the first flexible version; v5 names the protocol
 * type and name on both sides: a request whose type or name differs from the group's is answered
 * INCONSISTENT_GROUP_PROTOCOL, and the answer carries the group's (null with an error).
 */
import { arr, f } from '../codec/schema';
import { defineApi, errorCodeOf } from './api';

interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string | null;
  protocolName: string | null;
  assignments: { memberId: string; assignment: Buffer }[];
}

interface SyncGroupResponse {
  throttleTimeMs: number;
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export const syncGroup = defineApi<SyncGroupRequest, SyncGroupResponse>({
  apiKey: 14,
  name: 'SyncGroup',
  minVersion: 0,
  maxVersion: 5,
  flexibleFrom: 4,
  request: [
    f('groupId', 'string'),
    f('generationId', 'int32'),
    f('memberId', 'string'),
    f('groupInstanceId', 'string', '3+', { nullable: true }),
    f('protocolType', 'string', '5+', { nullable: true }),
    f('protocolName', 'string', '5+', { nullable: true }),
    arr('assignments', [f('memberId', 'string'), f('assignment', 'bytes')]),
  ],
  response: [
    f('throttleTimeMs', 'int32', '1+'),
    f('errorCode', 'int16'),
    f('protocolType', 'string', '5+', { nullable: true }),
    f('protocolName', 'string', '5+', { nullable: true }),
    f('assignment', 'bytes'),
  ],
  async handle(ctx, req) {
    try {
      const r = await ctx.broker.syncGroup({
        groupId: req.groupId,
        generationId: req.generationId,
        memberId: req.memberId,
        groupInstanceId: req.groupInstanceId,
        protocolType: req.protocolType,
        protocolName: req.protocolName,
        assignments: req.assignments,
      });
      return {
        throttleTimeMs: 0,
        errorCode: r.errorCode,
        protocolType: r.protocolType,
        protocolName: r.protocolName,
        assignment: r.assignment,
      };
    } catch (e) {
      return {
        throttleTimeMs: 0,
        errorCode: errorCodeOf(ctx, e, `SyncGroup "${req.groupId}"`),
        protocolType: null,
        protocolName: null,
        assignment: Buffer.alloc(0),
      };
    }
  },
});
