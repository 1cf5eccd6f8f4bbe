/**
 * Reference tier, errors: a request a broker must refuse is refused with the same error code, field for field,
 * by Apache Kafka and by Kafka Lite (unknown topic or partition, bad acks, corrupt CRC, oversized records,
 * invalid configs, bad record sets).
 */
import { computeBatchCrc, OFFSET_CRC } from '../../src/broker/storage/record-batch';
import { API } from './wire';
import { batch, createTopics, fetchOne, metadata, produce, produceOne, scenario, topic, V } from './harness';

describe('reference: errors', () => {
  scenario('Produce: to a topic that does not exist', async ({ c, name }) => {
    const t = name('nope');
    const p = await produceOne(c, t, 0, batch(['a']));
    return { p, metadataErrorCode: (await metadata(c, [t])).topics[0].errorCode };
  });

  scenario(
    'Produce: to a partition the topic does not have answers UNKNOWN_TOPIC_OR_PARTITION',
    async ({ c, name }) => {
      const t = await topic(c, name('topic'));
      return produceOne(c, t, 5, batch(['a']));
    },
  );

  scenario('Produce: acks=2 answers INVALID_REQUIRED_ACKS', async ({ c, name }) => {
    const t = await topic(c, name('topic'));
    return produce(c, t, 0, batch(['a']), { acks: 2 });
  });

  scenario('Produce: a batch with a wrong CRC answers CORRUPT_MESSAGE and stores nothing', async ({ c, name }) => {
    const t = await topic(c, name('topic'));
    const b = batch(['a', 'b']);
    b.writeUInt32BE((computeBatchCrc(b, 0, b.length) ^ 1) >>> 0, OFFSET_CRC);
    const p = await produceOne(c, t, 0, b);
    return { p, f: await fetchOne(c, t, 0, 0) };
  });

  scenario('Produce: a batch cut short answers INVALID_RECORD', async ({ c, name }) => {
    const t = await topic(c, name('topic'));
    const b = batch(['abcdef', 'ghijkl']);
    return produceOne(c, t, 0, b.subarray(0, b.length - 5));
  });

  scenario('Produce: a record larger than max.message.bytes answers MESSAGE_TOO_LARGE', async ({ c, name }) => {
    const t = await topic(c, name('topic'), 1, { 'max.message.bytes': '200' });
    const p = await produceOne(c, t, 0, batch(['x'.repeat(500)]));
    return { p, f: await fetchOne(c, t, 0, 0) };
  });

  scenario('Produce: a batch just under max.message.bytes is accepted', async ({ c, name }) => {
    const t = await topic(c, name('topic'), 1, { 'max.message.bytes': '200' });
    return produceOne(c, t, 0, batch(['x'.repeat(50)]));
  });

  scenario('Produce: an illegal topic name answers UNKNOWN_TOPIC_OR_PARTITION', async ({ c }) => {
    return produceOne(c, 'bad name!', 0, batch(['a']));
  });

  scenario('Produce: a batch whose last offset delta disagrees with its record count', async ({ c, name }) => {
    const t = await topic(c, name('topic'));
    const b = batch(['a', 'b', 'c']);
    b.writeInt32BE(5, 23); // lastOffsetDelta
    b.writeUInt32BE(computeBatchCrc(b, 0, b.length), OFFSET_CRC);
    return produceOne(c, t, 0, b);
  });

  scenario('Fetch: a topic that does not exist answers UNKNOWN_TOPIC_OR_PARTITION', async ({ c, name }) => {
    return fetchOne(c, name('nope'), 0, 0);
  });

  scenario('Fetch: a partition the topic does not have answers UNKNOWN_TOPIC_OR_PARTITION', async ({ c, name }) => {
    const t = await topic(c, name('topic'));
    return fetchOne(c, t, 3, 0);
  });

  scenario('CreateTopics: a negative retention below -1 answers INVALID_CONFIG', async ({ c, name }) => {
    return createTopics(c, [{ name: name('topic'), configs: { 'retention.ms': '-5' } }]);
  });

  scenario('CreateTopics: min.cleanable.dirty.ratio above 1 answers INVALID_CONFIG', async ({ c, name }) => {
    return createTopics(c, [{ name: name('topic'), configs: { 'min.cleanable.dirty.ratio': '1.5' } }]);
  });

  scenario('CreateTopics: a boolean config set to "yes" answers INVALID_CONFIG', async ({ c, name }) => {
    return createTopics(c, [{ name: name('topic'), configs: { preallocate: 'yes' } }]);
  });

  scenario('InitProducerId: without a transactional id gives a producer id at epoch 0', async ({ c }) => {
    return c.request(API.InitProducerId, V.InitProducerId, { transactionalId: null, transactionTimeoutMs: 60000 });
  });
});
