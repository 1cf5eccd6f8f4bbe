/**
 * DescribeGroups (key 15), v0-6: state, protocol, members with their subscription and assignment bytes. A group
 * known only from its committed offsets is Empty. An unknown group is described as Dead with no error in v0-5 and
 * answered GROUP_ID_NOT_FOUND with an error message in v6 (KIP-1043), as Kafka does. v5 is the first flexible
 * version. As in Kafka, only a Stable group names its protocol and each member's subscription and assignment;
 * in any other state (a rebalance under way, Empty) they are empty: the last generation's bytes no longer hold.
 */
import { ErrorCode, KafkaError } from '../../broker/errors';
import { arr, f } from '../codec/schema';
import { defineApi, errorCodeOf, errorMessageOf } from './api';

interface DescribedGroup {
  errorCode: number;
  errorMessage: string | null;
  groupId: string;
  groupState: string;
  protocolType: string;
  protocolData: string;
  members: {
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    clientHost: string;
    memberMetadata: Buffer;
    memberAssignment: Buffer;
  }[];
  authorizedOperations: number;
}

const NO_OPS = -2147483648;
const EMPTY = Buffer.alloc(0);

export const describeGroups = defineApi<
  { groups: string[]; includeAuthorizedOperations: boolean },
  { throttleTimeMs: number; groups: DescribedGroup[] }
>({
  apiKey: 15,
  name: 'DescribeGroups',
  minVersion: 0,
  maxVersion: 6,
  flexibleFrom: 5,
  request: [arr('groups', 'string'), f('includeAuthorizedOperations', 'bool', '3+')],
  response: [
    f('throttleTimeMs', 'int32', '1+'),
    arr('groups', [
      f('errorCode', 'int16'),
      f('errorMessage', 'string', '6+', { nullable: true }),
      f('groupId', 'string'),
      f('groupState', 'string'),
      f('protocolType', 'string'),
      f('protocolData', 'string'),
      arr('members', [
        f('memberId', 'string'),
        f('groupInstanceId', 'string', '4+', { nullable: true }),
        f('clientId', 'string'),
        f('clientHost', 'string'),
        f('memberMetadata', 'bytes'),
        f('memberAssignment', 'bytes'),
      ]),
      f('authorizedOperations', 'int32', '3+', { def: NO_OPS }),
    ]),
  ],
  handle(ctx, req) {
    const groups = req.groups.map((groupId): DescribedGroup => {
      const empty: DescribedGroup = {
        errorCode: 0,
        errorMessage: null,
        groupId,
        groupState: 'Dead',
        protocolType: '',
        protocolData: '',
        members: [],
        authorizedOperations: NO_OPS,
      };
      try {
        const d = ctx.broker.describeGroup(groupId);
        if (d.state === 'Dead') {
          if (ctx.apiVersion < 6) return empty;
          return { ...empty, errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: `there is no group "${groupId}"` };
        }
        const stable = d.state === 'Stable';
        return {
          errorCode: 0,
          errorMessage: null,
          groupId,
          groupState: d.state,
          protocolType: d.protocolType,
          protocolData: stable ? d.protocol : '',
          members: d.members.map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            clientId: m.clientId,
            clientHost: m.clientHost,
            memberMetadata: stable ? m.metadata : EMPTY,
            memberAssignment: stable ? m.assignment : EMPTY,
          })),
          authorizedOperations: NO_OPS,
        };
      } catch (e) {
        if (e instanceof KafkaError && e.code === ErrorCode.GROUP_ID_NOT_FOUND && ctx.apiVersion < 6) return empty;
        return {
          ...empty,
          errorCode: errorCodeOf(ctx, e, `DescribeGroups "${groupId}"`),
          errorMessage: errorMessageOf(e),
        };
      }
    });
    return { throttleTimeMs: 0, groups };
  },
});
