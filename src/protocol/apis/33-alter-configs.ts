/** AlterConfigs (key 33), v0-1: sets topic configs (broker configs are read-only in Kafka Lite). */
import { ErrorCode, KafkaError } from '../../broker/errors';
import { arr, f } from '../codec/schema';
import { defineApi, errorCodeOf, errorMessageOf } from './api';
import { RESOURCE_TOPIC } from './32-describe-configs';

interface AlterConfigsRequest {
  resources: { resourceType: number; resourceName: string; configs: { name: string; value: string | null }[] }[];
  validateOnly: boolean;
}

interface AlterConfigsResponse {
  throttleTimeMs: number;
  responses: { errorCode: number; errorMessage: string | null; resourceType: number; resourceName: string }[];
}

export const alterConfigs = defineApi<AlterConfigsRequest, AlterConfigsResponse>({
  apiKey: 33,
  name: 'AlterConfigs',
  minVersion: 0,
  maxVersion: 1,
  flexibleFrom: 2,
  request: [
    arr('resources', [f('resourceType', 'int8'), f('resourceName', 'string'), arr('configs', [f('name', 'string'), f('value', 'string', '0+', { nullable: true })])]),
    f('validateOnly', 'bool'),
  ],
  response: [
    f('throttleTimeMs', 'int32'),
    arr('responses', [f('errorCode', 'int16'), f('errorMessage', 'string', '0+', { nullable: true }), f('resourceType', 'int8'), f('resourceName', 'string')]),
  ],
  async handle(ctx, req) {
    const responses: AlterConfigsResponse['responses'] = [];
    for (const r of req.resources) {
      const out = { errorCode: 0, errorMessage: null as string | null, resourceType: r.resourceType, resourceName: r.resourceName };
      try {
        if (r.resourceType !== RESOURCE_TOPIC) {
          throw new KafkaError(ErrorCode.INVALID_REQUEST, `only topic configs (resource type 2) can be altered, got resource type ${r.resourceType}`);
        }
        if (!ctx.broker.getTopic(r.resourceName)) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `there is no topic "${r.resourceName}"`);
        const configs: Record<string, string> = {};
        for (const c of r.configs) if (c.value !== null) configs[c.name] = c.value;
        if (!req.validateOnly) await ctx.broker.alterTopicConfigs(r.resourceName, configs);
      } catch (e) {
        out.errorCode = errorCodeOf(ctx, e, `AlterConfigs "${r.resourceName}"`);
        out.errorMessage = errorMessageOf(e);
      }
      responses.push(out);
    }
    return { throttleTimeMs: 0, responses };
  },
});
