/**
 * AlterConfigs (key 33), v0-1: replaces a topic's config overrides, as Kafka does: the configs listed are set,
 * every override not listed goes back to its default (IncrementalAlterConfigs, key 44, changes single keys).
 * validateOnly validates without changing anything. Broker configs are read-only in Kafka Lite.
 * Also exports the per-resource answer both alter APIs share.
 */
import { ErrorCode, KafkaError } from '../../broker/errors';
import type { Field } from '../codec/schema';
import { arr, f } from '../codec/schema';
import type { RequestContext } from './api';
import { defineApi, errorCodeOf, errorMessageOf } from './api';
import { RESOURCE_TOPIC } from './32-describe-configs';

interface AlterConfigsRequest {
  resources: { resourceType: number; resourceName: string; configs: { name: string; value: string | null }[] }[];
  validateOnly: boolean;
}

export interface AlterConfigsResponse {
  throttleTimeMs: number;
  responses: { errorCode: number; errorMessage: string | null; resourceType: number; resourceName: string }[];
}

/** The response of AlterConfigs and IncrementalAlterConfigs (same fields in every version). */
export const ALTER_CONFIGS_RESPONSE: Field[] = [
  f('throttleTimeMs', 'int32'),
  arr('responses', [
    f('errorCode', 'int16'),
    f('errorMessage', 'string', '0+', { nullable: true }),
    f('resourceType', 'int8'),
    f('resourceName', 'string'),
  ]),
];

/**
 * Answer each resource of an alter request: only existing topics can be altered; `apply` makes the changes and
 * throws KafkaError for a bad one, which becomes that resource's error code and message.
 */
export async function alterTopicResources<R extends { resourceType: number; resourceName: string }>(
  ctx: RequestContext,
  api: string,
  resources: R[],
  apply: (resource: R) => Promise<void>,
): Promise<AlterConfigsResponse> {
  const responses: AlterConfigsResponse['responses'] = [];
  for (const r of resources) {
    const out = {
      errorCode: 0,
      errorMessage: null as string | null,
      resourceType: r.resourceType,
      resourceName: r.resourceName,
    };
    try {
      if (r.resourceType !== RESOURCE_TOPIC) {
        throw new KafkaError(
          ErrorCode.INVALID_REQUEST,
          `only topic configs (resource type 2) can be altered, got resource type ${r.resourceType}`,
        );
      }
      if (!ctx.broker.getTopic(r.resourceName))
        throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `there is no topic "${r.resourceName}"`);
      await apply(r);
    } catch (e) {
      out.errorCode = errorCodeOf(ctx, e, `${api} "${r.resourceName}"`);
      out.errorMessage = errorMessageOf(e);
    }
    responses.push(out);
  }
  return { throttleTimeMs: 0, responses };
}

export const alterConfigs = defineApi<AlterConfigsRequest, AlterConfigsResponse>({
  apiKey: 33,
  name: 'AlterConfigs',
  minVersion: 0,
  maxVersion: 1,
  flexibleFrom: 2,
  request: [
    arr('resources', [
      f('resourceType', 'int8'),
      f('resourceName', 'string'),
      arr('configs', [f('name', 'string'), f('value', 'string', '0+', { nullable: true })]),
    ]),
    f('validateOnly', 'bool'),
  ],
  response: ALTER_CONFIGS_RESPONSE,
  handle: (ctx, req) =>
    alterTopicResources(ctx, 'AlterConfigs', req.resources, async (r) => {
      const changes: Record<string, string | null> = {};
      for (const name of Object.keys(ctx.broker.getTopic(r.resourceName)!.configs)) changes[name] = null;
      for (const c of r.configs) changes[c.name] = c.value;
      await ctx.broker.alterTopicConfigs(r.resourceName, changes, { validateOnly: req.validateOnly });
    }),
});
