/**
 * DeleteGroups (key 42), v0-2: removes empty groups and their committed offsets; NON_EMPTY_GROUP otherwise,
 * GROUP_ID_NOT_FOUND for a group known nowhere. v2 is the first flexible version (same fields).
 */
import { arr, f } from '../codec/schema';
import { defineApi, errorCodeOf } from './api';

export const deleteGroups = defineApi<
  { groupsNames: string[] },
  { throttleTimeMs: number; results: { groupId: string; errorCode: number }[] }
>({
  apiKey: 42,
  name: 'DeleteGroups',
  minVersion: 0,
  maxVersion: 2,
  flexibleFrom: 2,
  request: [arr('groupsNames', 'string')],
  response: [f('throttleTimeMs', 'int32'), arr('results', [f('groupId', 'string'), f('errorCode', 'int16')])],
  async handle(ctx, req) {
    const results: { groupId: string; errorCode: number }[] = [];
    for (const groupId of req.groupsNames) {
      try {
        await ctx.broker.deleteGroup(groupId);
        results.push({ groupId, errorCode: 0 });
      } catch (e) {
        results.push({ groupId, errorCode: errorCodeOf(ctx, e, `DeleteGroups "${groupId}"`) });
      }
    }
    return { throttleTimeMs: 0, results };
  },
});
