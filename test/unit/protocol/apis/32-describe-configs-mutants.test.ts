// DescribeConfigs (key 32), over a stand-in engine: an unknown topic is UNKNOWN_TOPIC_OR_PARTITION naming it,
// answered without asking the engine for its configs (an engine that would list defaults for any name).
import * as assert from 'assert';
import type { Broker } from '../../../../src/broker/broker';
import { describeConfigs } from '../../../../src/protocol/apis/32-describe-configs';
import { ctxOf } from './mutants-helpers';

describe('DescribeConfigs of an unknown topic (stand-in engine)', () => {
  it('is UNKNOWN_TOPIC_OR_PARTITION with a message naming the topic and no configs', () => {
    const broker = {
      getTopic: () => undefined,
      describeTopicConfigs: () => [{ name: 'cleanup.policy', value: 'delete', isDefault: true, readOnly: false }],
    } as never as Partial<Broker>;
    const resp = describeConfigs.handle(ctxOf(broker, 1), {
      resources: [{ resourceType: 2, resourceName: 'nope', configurationKeys: null }],
      includeSynonyms: false,
      includeDocumentation: false,
    }) as { results: { errorCode: number; errorMessage: string | null; configs: unknown[] }[] };
    assert.deepStrictEqual(
      resp.results.map((r) => [r.errorCode, r.errorMessage, r.configs]),
      [[3, 'there is no topic "nope"', []]],
    );
  });
});
