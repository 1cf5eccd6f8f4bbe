import * as assert from 'assert';
import { choosePartition, murmur2, toPositive } from '../../../src/broker/partitioner';
import { prng } from './storage/helpers';

// kafkajs's own (Java-compatible) murmur2, loaded at runtime as an independent implementation to compare with.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2') as (key: Buffer | string) => number;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Partitioners } = require('kafkajs') as {
  Partitioners: {
    DefaultPartitioner: () => (args: {
      topic: string;
      partitionMetadata: { partitionId: number }[];
      message: { key: Buffer | string | null };
    }) => number;
  };
};

describe('partitioner: Kafka default partitioner', () => {
  it("murmur2 gives the values of Kafka's Utils.murmur2 for known keys", () => {
    // Values from Apache Kafka's UtilsTest.testMurmur2.
    const known: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [key, hash] of known) assert.strictEqual(murmur2(Buffer.from(key)), hash, key);
  });

  it('toPositive clears the sign bit like Utils.toPositive (not Math.abs)', () => {
    assert.strictEqual(toPositive(-1), 0x7fffffff);
    assert.strictEqual(toPositive(-2147483648), 0);
    assert.strictEqual(toPositive(5), 5);
  });

  it('agrees with kafkajs murmur2 and default partitioner on thousands of random keys', () => {
    const rand = prng(2024);
    const partitioner = Partitioners.DefaultPartitioner();
    for (let i = 0; i < 3000; i++) {
      const key = Buffer.from(Array.from({ length: Math.floor(rand() * 40) }, () => Math.floor(rand() * 256)));
      assert.strictEqual(murmur2(key), kafkajsMurmur2(key) | 0, `key ${key.toString('hex')}`);
      const n = 1 + Math.floor(rand() * 12);
      const expected = partitioner({
        topic: 't',
        partitionMetadata: Array.from({ length: n }, (_, p) => ({ partitionId: p })),
        message: { key },
      });
      assert.strictEqual(
        choosePartition(key, n, () => 0),
        expected,
        `key ${key.toString('hex')} over ${n} partitions`,
      );
    }
  });

  it('uses the UTF-8 bytes of string keys, and spreads keyless records round-robin', () => {
    assert.strictEqual(
      choosePartition('foobar', 7, () => 0),
      toPositive(-790332482) % 7,
    );
    assert.strictEqual(
      choosePartition('héllo', 5, () => 0),
      choosePartition(Buffer.from('héllo', 'utf8'), 5, () => 0),
    );
    let rr = 0;
    const picks = Array.from({ length: 6 }, () => choosePartition(null, 3, () => rr++));
    assert.deepStrictEqual(picks, [0, 1, 2, 0, 1, 2]);
  });

  it('a partition count that is not a positive integer is refused, naming it', () => {
    for (const n of [0, -1, 1.5, Number.NaN]) {
      assert.throws(
        () => choosePartition('k', n, () => 0),
        new RegExp(`^RangeError: cannot choose among ${n} partitions$`),
      );
    }
    assert.strictEqual(
      choosePartition('k', 1, () => 0),
      0,
      'one partition is a choice',
    );
  });

  it('a keyless record stays in range when the round-robin counter has wrapped negative', () => {
    assert.strictEqual(
      choosePartition(null, 3, () => -1),
      0x7fffffff % 3,
    );
    assert.strictEqual(
      choosePartition(null, 4, () => -2147483648),
      0,
    );
  });

  it('a JavaScript caller that leaves the key out gets the keyless rule', () => {
    assert.strictEqual(
      choosePartition(undefined as unknown as null, 3, () => 2),
      2,
    );
  });
});
