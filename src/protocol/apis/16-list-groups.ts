/** ListGroups (key 16), v0-2: every live group plus groups known only from committed offsets. */
import { arr, f } from '../codec/schema';
import { defineApi, errorCodeOf } from './api';

export const listGroups = defineApi<
  Record<string, never>,
  { throttleTimeMs: number; errorCode: number; groups: { groupId: string; protocolType: string }[] }
>({
  apiKey: 16,
  name: 'ListGroups',
  minVersion: 0,
  maxVersion: 2,
  flexibleFrom: 3,
  request: [],
  response: [
    f('throttleTimeMs', 'int32', '1+'),
    f('errorCode', 'int16'),
    arr('groups', [f('groupId', 'string'), f('protocolType', 'string')]),
  ],
  handle(ctx) {
    try {
      return {
        throttleTimeMs: 0,
        errorCode: 0,
        groups: ctx.broker.listGroups().map((g) => ({ groupId: g.groupId, protocolType: g.protocolType })),
      };
    } catch (e) {
      return { throttleTimeMs: 0, errorCode: errorCodeOf(ctx, e, 'ListGroups'), groups: [] };
    }
  },
});
