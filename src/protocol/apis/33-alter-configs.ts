/**
 * AlterConfigs (key 33), v0-2 (v2 is the first flexible version): replaces a topic's config overrides, as Kafka
 * does: the configs listed are set, every override not listed goes back to its default (IncrementalAlterConfigs,
 * key 44, changes single keys). validateOnly validates without changing anything.
 * Broker configs (resource type 4) cannot change while Kafka Lite runs: a request that names any is answered
 * INVALID_REQUEST naming them, which is what Kafka answers for a broker config it cannot update dynamically; one
 * that names none changes nothing and succeeds. Also exports the per-resource answer both alter APIs share.
 */
import { ErrorCode, KafkaError } from '../../broker/errors';
import type { Field } from '../codec/schema';
import { arr, f } from '../codec/schema';
import type { RequestContext } from './api';
import { defineApi, errorCodeOf, errorMessageOf } from './api';
import { brokerNameProblem, RESOURCE_BROKER, RESOURCE_TOPIC } from './32-describe-configs';
import { isKnownBrokerConfig } from '../../broker/storage/configs';

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
 * The refusal of a broker resource's changes (null when it names none): every broker config is fixed at start.
 */
function brokerAlterProblem(
  ctx: RequestContext,
  r: { resourceName: string; configs: { name: string }[] },
): KafkaError | null {
  const nameProblem = brokerNameProblem(r.resourceName, ctx.cluster.nodeId);
  if (nameProblem) return new KafkaError(ErrorCode.INVALID_REQUEST, nameProblem);
  if (r.configs.length === 0) return null;
  const names = [...new Set(r.configs.map((c) => c.name))];
  const unknown = names.filter((n) => !isKnownBrokerConfig(n));
  const known = names.filter((n) => isKnownBrokerConfig(n));
  const parts: string[] = [];
  if (known.length > 0)
    parts.push(
      `cannot update these broker configs dynamically: ${known.join(', ')} (Kafka Lite fixes them when it starts: change the kafka-lite serve flag or the kafkaLite.* setting and restart)`,
    );
  if (unknown.length > 0) parts.push(`unknown broker config(s): ${unknown.join(', ')}`);
  return new KafkaError(ErrorCode.INVALID_REQUEST, parts.join('; '));
}

/**
 * Answer each resource of an alter request: existing topics can be altered (`apply` makes the changes and throws
 * KafkaError for a bad one, which becomes that resource's error code and message); broker resources are refused
 * (brokerAlterProblem); other resource types are INVALID_REQUEST.
 */
export async function alterTopicResources<
  R extends { resourceType: number; resourceName: string; configs: { name: string }[] },
>(
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
      if (r.resourceType === RESOURCE_BROKER) {
        const problem = brokerAlterProblem(ctx, r);
        if (problem) throw problem;
        responses.push(out);
        continue;
      }
      if (r.resourceType !== RESOURCE_TOPIC) {
        throw new KafkaError(
          ErrorCode.INVALID_REQUEST,
          `only topic (2) and broker (4) config resources exist in Kafka Lite, got resource type ${r.resourceType}`,
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
  maxVersion: 2,
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
