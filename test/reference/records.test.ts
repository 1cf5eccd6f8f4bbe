/**
 * Reference tier, records: Produce, Fetch, ListOffsets and DeleteRecords answer the same on Apache Kafka and on
 * Kafka Lite (offsets assigned, log start and end, what a fetch at a given offset returns, long-poll wake-up).
 */
import { API } from './wire';
import { batch, fetchOne, listOffset, produceOne, scenario, sleep, topic, V } from './harness';
import type { WireClient } from './wire';

function deleteRecords(c: WireClient, t: string, partition: number, offset: number) {
  return c.request(API.DeleteRecords, V.DeleteRecords, {
    topics: [{ name: t, partitions: [{ partitionIndex: partition, offset }] }],
    timeoutMs: 30000,
  });
}

describe('reference: records', () => {
  scenario('Produce: consecutive batches get consecutive base offsets', async ({ c, name }) => {
    const t = await topic(c, name('topic'));
    const a = await produceOne(c, t, 0, batch(['a', 'b', 'c']));
    const b = await produceOne(c, t, 0, batch(['d']));
    const d = await produceOne(c, t, 0, batch(['e', 'f']));
    return { a, b, d };
  });

  scenario('Produce: acks=1 answers with the base offset', async ({ c, name }) => {
    const t = await topic(c, name('topic'));
    await produceOne(c, t, 0, batch(['x']), { acks: 1 });
    return produceOne(c, t, 0, batch(['y', 'z']), { acks: 1 });
  });

  scenario('Produce: acks=0 gets no answer and the records are stored', async ({ c, name }) => {
    const t = await topic(c, name('topic'));
    void c
      .request(API.Produce, V.Produce, {
        transactionalId: null,
        acks: 0,
        timeoutMs: 30000,
        topicData: [{ name: t, partitionData: [{ index: 0, records: batch(['quiet']) }] }],
      })
      .catch(() => undefined);
    let end = await listOffset(c, t, 0, -1);
    for (let i = 0; i < 50 && end.offset === 0; i++) {
      await sleep(50);
      end = await listOffset(c, t, 0, -1);
    }
    return end;
  });

  scenario('Produce: each partition of a topic keeps its own offsets', async ({ c, name }) => {
    const t = await topic(c, name('topic'), 3);
    const r = await c.request(API.Produce, V.Produce, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 30000,
      topicData: [
        {
          name: t,
          partitionData: [
            { index: 0, records: batch(['p0']) },
            { index: 2, records: batch(['p2a', 'p2b']) },
          ],
        },
      ],
    });
    const again = await produceOne(c, t, 2, batch(['p2c']));
    return {
      r,
      again,
      ends: [await listOffset(c, t, 0, -1), await listOffset(c, t, 1, -1), await listOffset(c, t, 2, -1)],
    };
  });

  scenario('Fetch: from offset 0 returns every batch with its records, offsets and timestamps', async ({ c, name }) => {
    const t = await topic(c, name('topic'));
    await produceOne(c, t, 0, batch(['a', 'b']));
    await produceOne(c, t, 0, batch(['c']));
    return fetchOne(c, t, 0, 0);
  });

  scenario('Fetch: an offset inside a batch returns the whole batch', async ({ c, name }) => {
    const t = await topic(c, name('topic'));
    await produceOne(c, t, 0, batch(['a', 'b', 'c', 'd']));
    return fetchOne(c, t, 0, 2);
  });

  scenario('Fetch: at the log end answers no records and no error', async ({ c, name }) => {
    const t = await topic(c, name('topic'));
    await produceOne(c, t, 0, batch(['a', 'b']));
    return fetchOne(c, t, 0, 2);
  });

  scenario('Fetch: past the log end answers OFFSET_OUT_OF_RANGE', async ({ c, name }) => {
    const t = await topic(c, name('topic'));
    await produceOne(c, t, 0, batch(['a', 'b']));
    return fetchOne(c, t, 0, 5);
  });

  scenario('Fetch: a negative offset answers OFFSET_OUT_OF_RANGE', async ({ c, name }) => {
    const t = await topic(c, name('topic'));
    await produceOne(c, t, 0, batch(['a']));
    return fetchOne(c, t, 0, -1);
  });

  scenario(
    'Fetch: a partition max bytes smaller than the first batch still returns that batch',
    async ({ c, name }) => {
      const t = await topic(c, name('topic'));
      await produceOne(c, t, 0, batch(['x'.repeat(300)]));
      await produceOne(c, t, 0, batch(['y'.repeat(300)]));
      return fetchOne(c, t, 0, 0, { partitionMaxBytes: 100 });
    },
  );

  scenario('Fetch: a response max bytes smaller than the first batch still returns that batch', async ({ c, name }) => {
    const t = await topic(c, name('topic'));
    await produceOne(c, t, 0, batch(['x'.repeat(300)]));
    await produceOne(c, t, 0, batch(['y'.repeat(300)]));
    return fetchOne(c, t, 0, 0, { maxBytes: 100 });
  });

  scenario('Fetch: a partition max bytes fitting one batch and a half returns one batch', async ({ c, name }) => {
    const t = await topic(c, name('topic'));
    const b = batch(['x'.repeat(300)]);
    await produceOne(c, t, 0, b);
    await produceOne(c, t, 0, batch(['y'.repeat(300)]));
    const r = await fetchOne(c, t, 0, 0, { partitionMaxBytes: Math.floor(b.length * 1.5) });
    return r;
  });

  scenario('Fetch: a long poll at the log end wakes up when a record arrives', async ({ c, connect, name }) => {
    const t = await topic(c, name('topic'));
    await produceOne(c, t, 0, batch(['before']));
    const t0 = Date.now();
    const parked = fetchOne(c, t, 0, 1, { maxWaitMs: 8000 });
    await sleep(300);
    const p = await connect();
    await produceOne(p, t, 0, batch(['after']));
    const r = await parked;
    return { r, wokeEarly: Date.now() - t0 < 6000 };
  });

  scenario('Fetch: a long poll with nothing to read answers empty after maxWaitMs', async ({ c, name }) => {
    const t = await topic(c, name('topic'));
    const t0 = Date.now();
    const r = await fetchOne(c, t, 0, 0, { maxWaitMs: 400 });
    const waited = Date.now() - t0;
    return { r, waitedAbout: waited >= 300 && waited < 3000 };
  });

  scenario('ListOffsets: earliest and latest of an empty partition are both 0', async ({ c, name }) => {
    const t = await topic(c, name('topic'));
    return { earliest: await listOffset(c, t, 0, -2), latest: await listOffset(c, t, 0, -1) };
  });

  scenario('ListOffsets: earliest and latest after two batches', async ({ c, name }) => {
    const t = await topic(c, name('topic'));
    await produceOne(c, t, 0, batch(['a', 'b', 'c']));
    await produceOne(c, t, 0, batch(['d', 'e']));
    return { earliest: await listOffset(c, t, 0, -2), latest: await listOffset(c, t, 0, -1) };
  });

  scenario('ListOffsets: a timestamp finds the first record at or after it', async ({ c, name }) => {
    const t = await topic(c, name('topic'));
    await produceOne(c, t, 0, batch(['a', 'b', 'c'], { timestamps: [1000, 2000, 3000] }));
    await produceOne(c, t, 0, batch(['d', 'e'], { timestamps: [4000, 5000] }));
    return {
      before: await listOffset(c, t, 0, 500),
      exact: await listOffset(c, t, 0, 2000),
      between: await listOffset(c, t, 0, 3500),
      after: await listOffset(c, t, 0, 9000),
    };
  });

  scenario('ListOffsets: max-timestamp (-3) finds the record with the largest timestamp', async ({ c, name }) => {
    const t = await topic(c, name('topic'));
    await produceOne(c, t, 0, batch(['a', 'b', 'c'], { timestamps: [1000, 7000, 3000] }));
    await produceOne(c, t, 0, batch(['d'], { timestamps: [4000] }));
    return listOffset(c, t, 0, -3);
  });

  scenario('ListOffsets: max-timestamp (-3) of an empty partition', async ({ c, name }) => {
    const t = await topic(c, name('topic'));
    return listOffset(c, t, 0, -3);
  });

  scenario('ListOffsets: an unknown partition answers UNKNOWN_TOPIC_OR_PARTITION', async ({ c, name }) => {
    const t = await topic(c, name('topic'));
    return listOffset(c, t, 4, -1);
  });

  scenario('DeleteRecords: moves the log start; earliest and fetch follow it', async ({ c, name }) => {
    const t = await topic(c, name('topic'));
    await produceOne(c, t, 0, batch(['a', 'b', 'c', 'd']));
    const del = await deleteRecords(c, t, 0, 2);
    return {
      del,
      earliest: await listOffset(c, t, 0, -2),
      latest: await listOffset(c, t, 0, -1),
      below: await fetchOne(c, t, 0, 1),
      at: await fetchOne(c, t, 0, 2),
    };
  });

  scenario('DeleteRecords: -1 deletes up to the high watermark', async ({ c, name }) => {
    const t = await topic(c, name('topic'));
    await produceOne(c, t, 0, batch(['a', 'b', 'c']));
    const del = await deleteRecords(c, t, 0, -1);
    return { del, earliest: await listOffset(c, t, 0, -2), produced: await produceOne(c, t, 0, batch(['d'])) };
  });

  scenario('DeleteRecords: beyond the high watermark answers OFFSET_OUT_OF_RANGE', async ({ c, name }) => {
    const t = await topic(c, name('topic'));
    await produceOne(c, t, 0, batch(['a']));
    return deleteRecords(c, t, 0, 10);
  });

  scenario('DeleteRecords: an unknown topic answers UNKNOWN_TOPIC_OR_PARTITION', async ({ c, name }) => {
    return deleteRecords(c, name('nope'), 0, 0);
  });

  scenario('Produce: headers, null key and null value come back as sent', async ({ c, name }) => {
    const { encodeRecordBatch } = await import('../../src/broker/storage/record-batch');
    const t = await topic(c, name('topic'));
    const b = encodeRecordBatch(
      [
        { key: null, value: Buffer.from('v'), headers: [{ key: 'h1', value: Buffer.from('x') }], timestamp: 1000 },
        { key: Buffer.from('k'), value: null, headers: [{ key: 'h2', value: null }], timestamp: 1001 },
      ],
      { producerId: -1, producerEpoch: -1, baseSequence: -1, compression: 0 },
    );
    const p = await produceOne(c, t, 0, b);
    return { p, f: await fetchOne(c, t, 0, 0) };
  });

  scenario('Produce: a gzip batch is stored and fetched back compressed', async ({ c, name }) => {
    const { encodeRecordBatch } = await import('../../src/broker/storage/record-batch');
    const t = await topic(c, name('topic'));
    const b = encodeRecordBatch(
      ['one', 'two', 'three'].map((v, i) => ({ key: null, value: Buffer.from(v), headers: [], timestamp: 1000 + i })),
      { producerId: -1, producerEpoch: -1, baseSequence: -1, compression: 1 },
    );
    const p = await produceOne(c, t, 0, b);
    return { p, f: await fetchOne(c, t, 0, 1) };
  });
});
