/**
 * Reference tier, the idempotent producer: InitProducerId, a duplicate batch, a sequence gap and a stale epoch
 * answer the same on Apache Kafka and on Kafka Lite.
 */
import { API } from './wire';
import type { WireClient } from './wire';
import { batch, fetchOne, listOffset, produceOne, scenario, topic, V } from './harness';

async function pid(c: WireClient): Promise<number> {
  const r = await c.request(API.InitProducerId, V.InitProducerId, {
    transactionalId: null,
    transactionTimeoutMs: 60000,
  });
  return r.producerId;
}

describe('reference: idempotent producer', () => {
  scenario('Idempotent: sequences 0 and 3 in order are appended', async ({ c, name }) => {
    const t = await topic(c, name('topic'));
    const id = await pid(c);
    const a = await produceOne(c, t, 0, batch(['a', 'b', 'c'], { producerId: id, producerEpoch: 0, baseSequence: 0 }));
    const b = await produceOne(c, t, 0, batch(['d'], { producerId: id, producerEpoch: 0, baseSequence: 3 }));
    return { a, b, f: await fetchOne(c, t, 0, 0) };
  });

  scenario('Idempotent: a retried batch is not stored twice and answers its first offset', async ({ c, name }) => {
    const t = await topic(c, name('topic'));
    const id = await pid(c);
    const b0 = batch(['a', 'b'], { producerId: id, producerEpoch: 0, baseSequence: 0 });
    const first = await produceOne(c, t, 0, b0);
    const b1 = batch(['c'], { producerId: id, producerEpoch: 0, baseSequence: 2 });
    await produceOne(c, t, 0, b1);
    const retry = await produceOne(c, t, 0, b1);
    return { first, retry, end: await listOffset(c, t, 0, -1) };
  });

  scenario('Idempotent: an older batch retried after a newer one is a duplicate', async ({ c, name }) => {
    const t = await topic(c, name('topic'));
    const id = await pid(c);
    const b0 = batch(['a'], { producerId: id, producerEpoch: 0, baseSequence: 0 });
    await produceOne(c, t, 0, b0);
    await produceOne(c, t, 0, batch(['b'], { producerId: id, producerEpoch: 0, baseSequence: 1 }));
    const retry = await produceOne(c, t, 0, b0);
    return { retry, end: await listOffset(c, t, 0, -1) };
  });

  scenario(
    'Idempotent: a sequence gap answers OUT_OF_ORDER_SEQUENCE_NUMBER and stores nothing',
    async ({ c, name }) => {
      const t = await topic(c, name('topic'));
      const id = await pid(c);
      await produceOne(c, t, 0, batch(['a'], { producerId: id, producerEpoch: 0, baseSequence: 0 }));
      const gap = await produceOne(c, t, 0, batch(['b'], { producerId: id, producerEpoch: 0, baseSequence: 5 }));
      return { gap, end: await listOffset(c, t, 0, -1) };
    },
  );

  scenario('Idempotent: a first batch that does not start at sequence 0 from a new producer', async ({ c, name }) => {
    const t = await topic(c, name('topic'));
    const id = await pid(c);
    return produceOne(c, t, 0, batch(['a'], { producerId: id, producerEpoch: 0, baseSequence: 7 }));
  });

  scenario('Idempotent: a stale epoch after a newer one answers INVALID_PRODUCER_EPOCH', async ({ c, name }) => {
    const t = await topic(c, name('topic'));
    const id = await pid(c);
    await produceOne(c, t, 0, batch(['a'], { producerId: id, producerEpoch: 0, baseSequence: 0 }));
    const bumped = await produceOne(c, t, 0, batch(['b'], { producerId: id, producerEpoch: 1, baseSequence: 0 }));
    const stale = await produceOne(c, t, 0, batch(['c'], { producerId: id, producerEpoch: 0, baseSequence: 1 }));
    return { bumped, stale, end: await listOffset(c, t, 0, -1) };
  });

  scenario('Idempotent: sequences are tracked per partition', async ({ c, name }) => {
    const t = await topic(c, name('topic'), 2);
    const id = await pid(c);
    const p0 = await produceOne(c, t, 0, batch(['a', 'b'], { producerId: id, producerEpoch: 0, baseSequence: 0 }));
    const p1 = await produceOne(c, t, 1, batch(['c'], { producerId: id, producerEpoch: 0, baseSequence: 0 }));
    const p1gap = await produceOne(c, t, 1, batch(['d'], { producerId: id, producerEpoch: 0, baseSequence: 2 }));
    return { p0, p1, p1gap };
  });

  scenario('Idempotent: two InitProducerId calls give two different producer ids', async ({ c }) => {
    const a = await pid(c);
    const b = await pid(c);
    return { distinct: a !== b, bothValid: a >= 0 && b >= 0 };
  });
});
