/**
 * IncrementalAlterConfigs (key 44), v0-1 (flexible from 1): changes single topic config keys. Operations: SET (0)
 * a value, DELETE (1) the override (back to the default), APPEND (2) to and SUBTRACT (3) from a list config
 * (cleanup.policy). All changes of a resource are validated, then stored at once; validateOnly stops after
 * validating. Broker configs (resource type 4) are fixed while Kafka Lite runs: changing any is answered
 * INVALID_REQUEST naming them (as Kafka answers for a config it cannot update dynamically; 33-alter-configs.ts).
 */
import { ErrorCode, KafkaError } from '../../broker/errors';
import { isKnownConfig, isListConfig } from '../../broker/storage/configs';
import { arr, f } from '../codec/schema';
import { defineApi } from './api';
import type { AlterConfigsResponse } from './33-alter-configs';
import { ALTER_CONFIGS_RESPONSE, alterTopicResources } from './33-alter-configs';

const SET = 0;
const DELETE = 1;
const APPEND = 2;
const SUBTRACT = 3;

interface IncrementalAlterConfigsRequest {
  resources: {
    resourceType: number;
    resourceName: string;
    configs: { name: string; configOperation: number; value: string | null }[];
  }[];
  validateOnly: boolean;
}

export const incrementalAlterConfigs = defineApi<IncrementalAlterConfigsRequest, AlterConfigsResponse>({
  apiKey: 44,
  name: 'IncrementalAlterConfigs',
  minVersion: 0,
  maxVersion: 1,
  flexibleFrom: 1,
  request: [
    arr('resources', [
      f('resourceType', 'int8'),
      f('resourceName', 'string'),
      arr('configs', [
        f('name', 'string'),
        f('configOperation', 'int8'),
        f('value', 'string', '0+', { nullable: true }),
      ]),
    ]),
    f('validateOnly', 'bool'),
  ],
  response: ALTER_CONFIGS_RESPONSE,
  handle: (ctx, req) =>
    alterTopicResources(ctx, 'IncrementalAlterConfigs', req.resources, async (r) => {
      const current = new Map(ctx.broker.describeTopicConfigs(r.resourceName).map((e) => [e.name, e.value ?? '']));
      const changes: Record<string, string | null> = {};
      for (const c of r.configs) {
        if (Object.prototype.hasOwnProperty.call(changes, c.name)) {
          throw new KafkaError(ErrorCode.INVALID_REQUEST, `config "${c.name}" appears more than once in one request`);
        }
        changes[c.name] = applyOperation(c, current.get(c.name) ?? '');
      }
      await ctx.broker.alterTopicConfigs(r.resourceName, changes, { validateOnly: req.validateOnly });
    }),
});

/** The new value of one config (null = back to the default); throws KafkaError naming what is wrong. */
function applyOperation(
  c: { name: string; configOperation: number; value: string | null },
  current: string,
): string | null {
  switch (c.configOperation) {
    case SET:
      if (c.value === null)
        throw new KafkaError(
          ErrorCode.INVALID_REQUEST,
          `SET of config "${c.name}" needs a value (use DELETE to go back to the default)`,
        );
      return c.value;
    case DELETE:
      return null;
    case APPEND:
    case SUBTRACT: {
      const op = c.configOperation === APPEND ? 'APPEND' : 'SUBTRACT';
      if (!isKnownConfig(c.name)) throw new KafkaError(ErrorCode.INVALID_CONFIG, `unknown topic config "${c.name}"`);
      if (!isListConfig(c.name))
        throw new KafkaError(
          ErrorCode.INVALID_CONFIG,
          `${op} works on list configs only; "${c.name}" is not a list (use SET)`,
        );
      const items = (s: string | null) =>
        (s ?? '')
          .split(',')
          .map((x) => x.trim())
          .filter((x) => x !== '');
      const have = items(current);
      const given = items(c.value);
      const next =
        op === 'APPEND' ? [...have, ...given.filter((x) => !have.includes(x))] : have.filter((x) => !given.includes(x));
      return next.join(',');
    }
    default:
      throw new KafkaError(
        ErrorCode.INVALID_REQUEST,
        `unknown config operation ${c.configOperation} for "${c.name}" (0 SET, 1 DELETE, 2 APPEND, 3 SUBTRACT)`,
      );
  }
}
