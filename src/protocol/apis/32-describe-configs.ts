/**
 * DescribeConfigs (key 32), v0-4 (v4 is the first flexible version). A topic resource (type 2) lists every config
 * the engine knows, with its value and whether it is the default (v0: IsDefault; v1+: source DEFAULT_CONFIG=5 or
 * DYNAMIC_TOPIC_CONFIG=1) and, v3+, Kafka's config type (configs.ts topicConfigType). A broker resource (type 4) named by this broker's node id lists the broker configs
 * Kafka Lite has (src/broker/storage/configs.ts): all read-only, source STATIC_BROKER_CONFIG=4 when the value
 * differs from Kafka's default, DEFAULT_CONFIG=5 otherwise, with Kafka's config type (v3+) and, when asked for
 * (includeDocumentation), a line of documentation. The broker resource named "" is the cluster-wide dynamic
 * default, which Kafka Lite never has: it lists nothing. Another broker id is INVALID_REQUEST, as in Kafka.
 */
import { ErrorCode } from '../../broker/errors';
import { topicConfigType } from '../../broker/storage/configs';
import type { ConfigEntry } from '../../broker/types';
import { arr, f } from '../codec/schema';
import { defineApi, errorCodeOf, errorMessageOf } from './api';

export const RESOURCE_TOPIC = 2;
export const RESOURCE_BROKER = 4;

/** Why a broker resource name is not this broker ("" = the cluster default, or the node id), or null. */
export function brokerNameProblem(name: string, nodeId: number): string | null {
  if (name === '' || name === String(nodeId)) return null;
  return `unexpected broker id: this broker is ${nodeId}; name it "${nodeId}" or "" for the cluster default, got "${name}"`;
}
const SOURCE_DYNAMIC_TOPIC = 1;
const SOURCE_DEFAULT = 5;

interface DescribeConfigsRequest {
  resources: { resourceType: number; resourceName: string; configurationKeys: string[] | null }[];
  includeSynonyms: boolean;
  includeDocumentation: boolean;
}

interface ConfigResult {
  name: string;
  value: string | null;
  readOnly: boolean;
  isDefault: boolean;
  configSource: number;
  isSensitive: boolean;
  synonyms: { name: string; value: string | null; source: number }[];
  configType: number;
  documentation: string | null;
}

interface DescribeConfigsResult {
  errorCode: number;
  errorMessage: string | null;
  resourceType: number;
  resourceName: string;
  configs: ConfigResult[];
}

export const describeConfigs = defineApi<
  DescribeConfigsRequest,
  { throttleTimeMs: number; results: DescribeConfigsResult[] }
>({
  apiKey: 32,
  name: 'DescribeConfigs',
  minVersion: 0,
  maxVersion: 4,
  flexibleFrom: 4,
  request: [
    arr('resources', [
      f('resourceType', 'int8'),
      f('resourceName', 'string'),
      arr('configurationKeys', 'string', '0+', { nullable: true }),
    ]),
    f('includeSynonyms', 'bool', '1+'),
    f('includeDocumentation', 'bool', '3+'),
  ],
  response: [
    f('throttleTimeMs', 'int32'),
    arr('results', [
      f('errorCode', 'int16'),
      f('errorMessage', 'string', '0+', { nullable: true }),
      f('resourceType', 'int8'),
      f('resourceName', 'string'),
      arr('configs', [
        f('name', 'string'),
        f('value', 'string', '0+', { nullable: true }),
        f('readOnly', 'bool'),
        f('isDefault', 'bool', '0'),
        f('configSource', 'int8', '1+', { def: -1 }),
        f('isSensitive', 'bool'),
        arr(
          'synonyms',
          [f('name', 'string'), f('value', 'string', '0+', { nullable: true }), f('source', 'int8')],
          '1+',
        ),
        f('configType', 'int8', '3+'),
        f('documentation', 'string', '3+', { nullable: true }),
      ]),
    ]),
  ],
  handle(ctx, req) {
    const { broker } = ctx;
    const toResult = (c: ConfigEntry, dynamicSource: number): ConfigResult => {
      const source = c.isDefault ? SOURCE_DEFAULT : dynamicSource;
      return {
        name: c.name,
        value: c.sensitive ? null : c.value,
        readOnly: c.readOnly,
        isDefault: c.isDefault,
        configSource: source,
        isSensitive: c.sensitive,
        synonyms: req.includeSynonyms ? [{ name: c.name, value: c.sensitive ? null : c.value, source }] : [],
        configType: topicConfigType(c.name),
        documentation: null,
      };
    };
    const results = req.resources.map((r): DescribeConfigsResult => {
      const base = {
        errorCode: 0,
        errorMessage: null,
        resourceType: r.resourceType,
        resourceName: r.resourceName,
        configs: [] as ConfigResult[],
      };
      const keep = (name: string) =>
        r.configurationKeys === null || r.configurationKeys.length === 0 || r.configurationKeys.includes(name);
      try {
        if (r.resourceType === RESOURCE_TOPIC) {
          if (!broker.getTopic(r.resourceName)) {
            return {
              ...base,
              errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
              errorMessage: `there is no topic "${r.resourceName}"`,
            };
          }
          base.configs = broker
            .describeTopicConfigs(r.resourceName)
            .filter((c) => keep(c.name))
            .map((c) => toResult(c, SOURCE_DYNAMIC_TOPIC));
          return base;
        }
        if (r.resourceType === RESOURCE_BROKER) {
          const problem = brokerNameProblem(r.resourceName, ctx.cluster.nodeId);
          if (problem) return { ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: problem };
          // "" is the cluster-wide dynamic default: Kafka Lite has no dynamic broker configs
          if (r.resourceName === '') return base;
          base.configs = broker
            .describeBrokerConfigs(ctx.cluster.nodeId)
            .filter((c) => keep(c.name))
            .map((c) => ({
              ...toResult(c, c.source),
              configType: c.configType,
              documentation: req.includeDocumentation ? c.documentation : null,
            }));
          return base;
        }
        return {
          ...base,
          errorCode: ErrorCode.INVALID_REQUEST,
          errorMessage: `resource type ${r.resourceType} is not supported (topics are 2, brokers 4)`,
        };
      } catch (e) {
        return {
          ...base,
          errorCode: errorCodeOf(ctx, e, `DescribeConfigs "${r.resourceName}"`),
          errorMessage: errorMessageOf(e),
        };
      }
    });
    return { throttleTimeMs: 0, results };
  },
});
