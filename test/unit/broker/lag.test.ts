// Consumer lag (src/broker/lag.ts): one row per partition a group committed or is assigned; a partition
// assigned but never committed lags by log end - log start (a fresh group has everything still to read), never 0.
import * as assert from 'assert';
import { computeGroupLag } from '../../../src/broker/lag';

/** Partitions of topic "orders": p0 holds [100, 250), p1 [0, 40), p2 is empty at 7. */
const info = (topic: string, partition: number) =>
  topic !== 'orders'
    ? undefined
    : [
        { logStartOffset: 100, logEndOffset: 250 },
        { logStartOffset: 0, logEndOffset: 40 },
        { logStartOffset: 7, logEndOffset: 7 },
      ][partition];

const assigned = (...partitions: number[]) => [{ assignedPartitions: [{ topic: 'orders', partitions }] }];

describe('consumer group lag', () => {
  it('a fresh group with assigned partitions and no commits lags by log end - log start on each', () => {
    const lag = computeGroupLag([], assigned(0, 1, 2), info);
    assert.deepStrictEqual(
      lag.partitions.map((p) => [p.partition, p.committedOffset, p.logEndOffset, p.lag]),
      [
        [0, -1, 250, 150],
        [1, -1, 40, 40],
        [2, -1, 7, 0],
      ],
    );
    assert.strictEqual(lag.totalLag, 190);
  });

  it('an assigned partition without a commit is listed next to committed ones, each by its own rule', () => {
    const lag = computeGroupLag(
      [{ topic: 'orders', partition: 0, offset: 200 }],
      [{ assignedPartitions: [{ topic: 'orders', partitions: [0] }] }, ...assigned(1)],
      info,
    );
    assert.deepStrictEqual(
      lag.partitions.map((p) => [p.partition, p.committedOffset, p.lag]),
      [
        [0, 200, 50],
        [1, -1, 40],
      ],
    );
    assert.strictEqual(lag.totalLag, 90);
  });

  it('a commit past the log end counts as no lag, and partitions of a topic that is gone are left out', () => {
    const lag = computeGroupLag(
      [
        { topic: 'orders', partition: 1, offset: 45 },
        { topic: 'deleted', partition: 0, offset: 3 },
      ],
      [],
      info,
    );
    assert.deepStrictEqual(
      lag.partitions.map((p) => [p.topic, p.partition, p.lag]),
      [['orders', 1, 0]],
    );
  });

  it('a commit of offset 0 counts from 0, not from the log start: records deleted since are still lag', () => {
    const lag = computeGroupLag([{ topic: 'orders', partition: 0, offset: 0 }], [], info);
    assert.deepStrictEqual(
      lag.partitions.map((p) => [p.partition, p.committedOffset, p.lag]),
      [[0, 0, 250]],
    );
  });

  it('a commit wins over the assignment of the same partition, whichever member holds it', () => {
    const lag = computeGroupLag(
      [{ topic: 'orders', partition: 1, offset: 30 }],
      [...assigned(1), ...assigned(1, 2)],
      info,
    );
    assert.deepStrictEqual(
      lag.partitions.map((p) => [p.partition, p.committedOffset, p.lag]),
      [
        [1, 30, 10],
        [2, -1, 0],
      ],
    );
    assert.strictEqual(lag.totalLag, 10);
  });

  it('rows come sorted by topic name, then by partition number, whatever order they were found in', () => {
    const more = (topic: string, partition: number) =>
      topic === 'audit' || topic === 'orders-2'
        ? { logStartOffset: 0, logEndOffset: 5 + partition }
        : info(topic, partition);
    const lag = computeGroupLag(
      [
        { topic: 'orders-2', partition: 0, offset: 1 },
        { topic: 'orders', partition: 2, offset: 7 },
        { topic: 'audit', partition: 10, offset: 0 },
      ],
      [
        {
          assignedPartitions: [
            { topic: 'orders', partitions: [1, 0] },
            { topic: 'audit', partitions: [9] },
          ],
        },
      ],
      more,
    );
    assert.deepStrictEqual(
      lag.partitions.map((p) => `${p.topic}/${p.partition}`),
      ['audit/9', 'audit/10', 'orders/0', 'orders/1', 'orders/2', 'orders-2/0'],
    );
    assert.strictEqual(lag.totalLag, 14 + 15 + 150 + 40 + 0 + 4);
  });

  it('a group with nothing committed and nothing assigned has no rows and no lag', () => {
    assert.deepStrictEqual(computeGroupLag([], [], info), { partitions: [], totalLag: 0 });
  });
});
