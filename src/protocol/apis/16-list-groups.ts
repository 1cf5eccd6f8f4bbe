/**
 * ListGroups (key 16), v0-5: every live group plus groups known only from committed offsets (listed as Empty).
 * v3 is the first flexible version; v4 answers each group's state and takes a states filter (KIP-518); v5 answers
 * each group's type and takes a types filter (KIP-848). Every group here runs the classic protocol, so its type is
 * "classic". Both filters match case-insensitively, as Kafka does; an empty filter matches every group.
 */
import { arr, f } from '../codec/schema';
import { defineApi, errorCodeOf } from './api';

interface ListedGroup {
  groupId: string;
  protocolType: string;
  groupState: string;
  groupType: string;
}

const CLASSIC = 'classic';

export const listGroups = defineApi<
  { statesFilter: string[]; typesFilter: string[] },
  { throttleTimeMs: number; errorCode: number; groups: ListedGroup[] }
>({
  apiKey: 16,
  name: 'ListGroups',
  minVersion: 0,
  maxVersion: 5,
  flexibleFrom: 3,
  request: [arr('statesFilter', 'string', '4+'), arr('typesFilter', 'string', '5+')],
  response: [
    f('throttleTimeMs', 'int32', '1+'),
    f('errorCode', 'int16'),
    arr('groups', [
      f('groupId', 'string'),
      f('protocolType', 'string'),
      f('groupState', 'string', '4+'),
      f('groupType', 'string', '5+'),
    ]),
  ],
  handle(ctx, req) {
    const filter = (values: string[]) => {
      const wanted = new Set(values.map((v) => v.toLowerCase()));
      return (v: string) => wanted.size === 0 || wanted.has(v.toLowerCase());
    };
    const stateOk = filter(req.statesFilter);
    const typeOk = filter(req.typesFilter);
    try {
      return {
        throttleTimeMs: 0,
        errorCode: 0,
        groups: ctx.broker
          .listGroups()
          .filter((g) => stateOk(g.state) && typeOk(CLASSIC))
          .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: g.state, groupType: CLASSIC })),
      };
    } catch (e) {
      return { throttleTimeMs: 0, errorCode: errorCodeOf(ctx, e, 'ListGroups'), groups: [] };
    }
  },
});
