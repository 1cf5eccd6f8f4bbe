/**
 * Reference tier, configs: DescribeConfigs of a topic, for every topic config Kafka Lite supports, answers the
 * same names, values, sources, read-only and sensitive flags on Apache Kafka and on Kafka Lite.
 */
import { describeConfigs as liteConfigs } from '../../src/broker/storage/configs';
import { API } from './wire';
import type { WireClient } from './wire';
import { scenario, sleep, topic, V } from './harness';

const NAMES = liteConfigs({}).map((e) => e.name);

function describe_(c: WireClient, t: string, version: number = V.DescribeConfigs, keys: string[] | null = NAMES) {
  return c.request(API.DescribeConfigs, version, {
    resources: [{ resourceType: 2, resourceName: t, configurationKeys: keys }],
    includeSynonyms: false,
    includeDocumentation: false,
  });
}

describe('reference: configs', () => {
  scenario('DescribeConfigs v3: defaults of every supported topic config', async ({ c, name }) => {
    const t = await topic(c, name('topic'));
    return describe_(c, t);
  });

  scenario('DescribeConfigs v1: sources of every supported topic config', async ({ c, name }) => {
    const t = await topic(c, name('topic'));
    return describe_(c, t, 1);
  });

  scenario('DescribeConfigs: configs set at creation are dynamic topic configs', async ({ c, name }) => {
    const t = await topic(c, name('topic'), 1, {
      'retention.ms': '3600000',
      'cleanup.policy': 'compact',
      'max.message.bytes': '2000',
      'min.cleanable.dirty.ratio': '0.2',
    });
    return describe_(c, t);
  });

  scenario('DescribeConfigs v1: configs set at creation are topic configs, the rest defaults', async ({ c, name }) => {
    const t = await topic(c, name('topic'), 1, { 'segment.ms': '100000', 'message.timestamp.type': 'LogAppendTime' });
    return describe_(c, t, 1);
  });

  scenario('DescribeConfigs: an unknown topic answers UNKNOWN_TOPIC_OR_PARTITION', async ({ c, name }) => {
    return describe_(c, name('nope'));
  });

  scenario('DescribeConfigs: asking for one key returns just that key', async ({ c, name }) => {
    const t = await topic(c, name('topic'));
    return describe_(c, t, V.DescribeConfigs, ['retention.ms']);
  });

  scenario('AlterConfigs: a new value shows in DescribeConfigs', async ({ c, name }) => {
    const t = await topic(c, name('topic'));
    const r = await c.request(API.AlterConfigs, 1, {
      resources: [{ resourceType: 2, resourceName: t, configs: [{ name: 'retention.ms', value: '7200000' }] }],
      validateOnly: false,
    });
    let d = await describe_(c, t, V.DescribeConfigs, ['retention.ms', 'segment.ms']);
    for (let i = 0; i < 40 && d.results[0].configs.every((x: { value: string }) => x.value !== '7200000'); i++) {
      await sleep(50);
      d = await describe_(c, t, V.DescribeConfigs, ['retention.ms', 'segment.ms']);
    }
    return { r, d };
  });

  scenario('IncrementalAlterConfigs: SET then DELETE returns a config to its default', async ({ c, name }) => {
    const t = await topic(c, name('topic'));
    const alter = (op: number, value: string | null) =>
      c.request(API.IncrementalAlterConfigs, 0, {
        resources: [
          { resourceType: 2, resourceName: t, configs: [{ name: 'segment.ms', configOperation: op, value }] },
        ],
        validateOnly: false,
      });
    // Kafka applies an alteration through its metadata log: wait (bounded) until the broker describes it.
    const settled = async (value: string) => {
      let d = await describe_(c, t, V.DescribeConfigs, ['segment.ms']);
      for (let i = 0; i < 40 && d.results[0].configs[0]?.value !== value; i++) {
        await sleep(50);
        d = await describe_(c, t, V.DescribeConfigs, ['segment.ms']);
      }
      return d;
    };
    const set = await alter(0, '123456');
    const afterSet = await settled('123456');
    const del = await alter(1, null);
    return { set, afterSet, del, afterDelete: await settled('604800000') };
  });
});
