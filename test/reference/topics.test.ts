/**
 * Reference tier, topics: CreateTopics, Metadata, CreatePartitions and DeleteTopics answer the same on Apache
 * Kafka and on Kafka Lite, request for request (harness.ts runs each scenario on both and compares).
 */
import { API_BY_KEY } from '../../src/protocol/registry';
import { API } from './wire';
import { createTopics, metadata, scenario, sleep, topic, V, waitLeaders } from './harness';

describe('reference: topics', () => {
  scenario(
    'ApiVersions: every API Kafka Lite serves is served by Kafka at Kafka Lite\u2019s newest version',
    async ({ c }) => {
      const r = await c.request(API.ApiVersions, 3, { clientSoftwareName: 'ref', clientSoftwareVersion: '1' });
      return {
        errorCode: r.errorCode,
        served: (r.apiKeys as { apiKey: number; minVersion: number; maxVersion: number }[])
          .filter((k) => API_BY_KEY.has(k.apiKey))
          .map((k) => {
            const newest = API_BY_KEY.get(k.apiKey)!.maxVersion;
            return { apiKey: k.apiKey, servesOurNewest: k.minVersion <= newest && k.maxVersion >= newest };
          }),
      };
    },
  );

  scenario(
    'CreateTopics: a valid topic with 3 partitions is created and described by Metadata',
    async ({ c, name }) => {
      const t = name('topic');
      const created = await createTopics(c, [{ name: t, numPartitions: 3 }]);
      await waitLeaders(c, t, 3);
      return { created, described: await metadata(c, [t]) };
    },
  );

  scenario('CreateTopics: an illegal name answers INVALID_TOPIC_EXCEPTION', async ({ c }) => {
    return createTopics(c, [{ name: 'bad name!' }, { name: '..' }, { name: 'x'.repeat(250) }]);
  });

  scenario('CreateTopics: creating an existing topic answers TOPIC_ALREADY_EXISTS', async ({ c, name }) => {
    const t = await topic(c, name('topic'));
    return createTopics(c, [{ name: t }]);
  });

  scenario('CreateTopics: an unknown config name answers INVALID_CONFIG', async ({ c, name }) => {
    return createTopics(c, [{ name: name('topic'), configs: { 'no.such.config': '1' } }]);
  });

  scenario('CreateTopics: a config value of the wrong type answers INVALID_CONFIG', async ({ c, name }) => {
    return createTopics(c, [{ name: name('topic'), configs: { 'retention.ms': 'soon' } }]);
  });

  scenario('CreateTopics: an out-of-range enum value answers INVALID_CONFIG', async ({ c, name }) => {
    return createTopics(c, [{ name: name('topic'), configs: { 'cleanup.policy': 'shred' } }]);
  });

  scenario('CreateTopics: zero partitions answers INVALID_PARTITIONS', async ({ c, name }) => {
    return createTopics(c, [{ name: name('topic'), numPartitions: 0 }]);
  });

  scenario(
    'CreateTopics: replication factor 3 on one broker answers INVALID_REPLICATION_FACTOR',
    async ({ c, name }) => {
      return createTopics(c, [{ name: name('topic'), replicationFactor: 3 }]);
    },
  );

  scenario('CreateTopics: partitions -1 and replication -1 take the broker defaults', async ({ c, name }) => {
    const t = name('topic');
    const created = await createTopics(c, [{ name: t, numPartitions: -1, replicationFactor: -1 }]);
    await waitLeaders(c, t, 1);
    return { created, described: await metadata(c, [t]) };
  });

  scenario('CreateTopics: validateOnly checks the request and creates nothing', async ({ c, name }) => {
    const t = name('topic');
    const validated = await createTopics(c, [{ name: t, numPartitions: 2 }], { validateOnly: true });
    return { validated, after: await metadata(c, [t]) };
  });

  scenario('CreateTopics: one request, one good and one bad topic, answers each on its own', async ({ c, name }) => {
    const good = name('good');
    const r = await createTopics(c, [{ name: good }, { name: 'bad/name' }]);
    await waitLeaders(c, good, 1);
    return r;
  });

  scenario('CreateTopics: the same name twice in one request answers INVALID_REQUEST', async ({ c, name }) => {
    const t = name('topic');
    const r = await createTopics(c, [{ name: t }, { name: t }]);
    await sleep(300);
    return { r, after: await metadata(c, [t]) };
  });

  scenario('Metadata: an unknown topic without auto-create answers UNKNOWN_TOPIC_OR_PARTITION', async ({ c, name }) => {
    return metadata(c, [name('nope')], false);
  });

  scenario('Metadata: an illegal topic name answers INVALID_TOPIC_EXCEPTION', async ({ c }) => {
    return metadata(c, ['bad name!'], true);
  });

  scenario('Metadata: auto-create makes the topic, which then has a leader', async ({ c, name }) => {
    const t = name('auto');
    const first = await metadata(c, [t], true);
    await waitLeaders(c, t, 1);
    return { firstErrorCode: first.topics[0].errorCode, after: await metadata(c, [t]) };
  });

  scenario('Metadata: the broker list names one broker, which is the controller', async ({ c }) => {
    const m = await metadata(c, []);
    return { brokers: m.brokers, controllerIsBroker: m.controllerId === m.brokers[0].nodeId, topics: m.topics };
  });

  scenario('CreatePartitions: growing 1 to 3 adds two partitions', async ({ c, name }) => {
    const t = await topic(c, name('topic'));
    const r = await c.request(API.CreatePartitions, V.CreatePartitions, {
      topics: [{ name: t, count: 3, assignments: null }],
      timeoutMs: 30000,
      validateOnly: false,
    });
    await waitLeaders(c, t, 3);
    return { r, described: await metadata(c, [t]) };
  });

  scenario('CreatePartitions: a count below the current one answers INVALID_PARTITIONS', async ({ c, name }) => {
    const t = await topic(c, name('topic'), 2);
    return c.request(API.CreatePartitions, V.CreatePartitions, {
      topics: [{ name: t, count: 1, assignments: null }],
      timeoutMs: 30000,
      validateOnly: false,
    });
  });

  scenario('CreatePartitions: the same count answers INVALID_PARTITIONS', async ({ c, name }) => {
    const t = await topic(c, name('topic'), 2);
    return c.request(API.CreatePartitions, V.CreatePartitions, {
      topics: [{ name: t, count: 2, assignments: null }],
      timeoutMs: 30000,
      validateOnly: false,
    });
  });

  scenario('CreatePartitions: an unknown topic answers UNKNOWN_TOPIC_OR_PARTITION', async ({ c, name }) => {
    return c.request(API.CreatePartitions, V.CreatePartitions, {
      topics: [{ name: name('nope'), count: 3, assignments: null }],
      timeoutMs: 30000,
      validateOnly: false,
    });
  });

  scenario('CreatePartitions: validateOnly changes nothing', async ({ c, name }) => {
    const t = await topic(c, name('topic'));
    const r = await c.request(API.CreatePartitions, V.CreatePartitions, {
      topics: [{ name: t, count: 4, assignments: null }],
      timeoutMs: 30000,
      validateOnly: true,
    });
    return { r, described: await metadata(c, [t]) };
  });

  scenario('DeleteTopics: a deleted topic is gone from Metadata', async ({ c, name }) => {
    const t = await topic(c, name('topic'));
    const r = await c.request(API.DeleteTopics, V.DeleteTopics, { topicNames: [t], timeoutMs: 30000 });
    let after = await metadata(c, [t]);
    for (let i = 0; i < 100 && after.topics[0].errorCode === 0; i++) {
      await sleep(50);
      after = await metadata(c, [t]);
    }
    return { r, after };
  });

  scenario('DeleteTopics: an unknown topic answers UNKNOWN_TOPIC_OR_PARTITION', async ({ c, name }) => {
    return c.request(API.DeleteTopics, V.DeleteTopics, { topicNames: [name('nope')], timeoutMs: 30000 });
  });

  scenario('DeleteTopics: a deleted name can be created again, empty', async ({ c, name }) => {
    const t = await topic(c, name('topic'), 2);
    await c.request(API.DeleteTopics, V.DeleteTopics, { topicNames: [t], timeoutMs: 30000 });
    let again = await createTopics(c, [{ name: t, numPartitions: 1 }]);
    for (let i = 0; i < 100 && again.topics[0].errorCode === 36; i++) {
      await sleep(100);
      again = await createTopics(c, [{ name: t, numPartitions: 1 }]);
    }
    await waitLeaders(c, t, 1);
    return { again, described: await metadata(c, [t]) };
  });
});
