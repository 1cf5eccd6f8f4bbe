// DescribeTopicPartitions (key 75): the named topics are answered once each, in name order, whatever order
// (and repeats) the request names them in.
import * as assert from 'assert';
import type { Broker } from '../../../../src/broker/broker';
import { describeTopicPartitions } from '../../../../src/protocol/apis/75-describe-topic-partitions';
import { ctxOf } from './mutants-helpers';

describe('DescribeTopicPartitions answer order', () => {
  it('topics named out of order and repeated are answered once each, sorted by name', () => {
    const broker: Partial<Broker> = { getTopic: (() => undefined) as Broker['getTopic'] };
    // more names than an insertion sort handles, in a scrambled order, some named twice
    const sorted = Array.from({ length: 80 }, (_, i) => `topic-${String(i).padStart(3, '0')}`);
    const names = sorted.map((_, i) => sorted[(i * 37) % 80]).concat(sorted.slice(10, 20));
    const resp = describeTopicPartitions.handle(ctxOf(broker, 0), {
      topics: names.map((name) => ({ name })),
      responsePartitionLimit: 2000,
      cursor: null,
    }) as { topics: { name: string; errorCode: number }[] };
    assert.deepStrictEqual(
      resp.topics.map((t) => [t.name, t.errorCode]),
      sorted.map((n) => [n, 3]),
    );
  });
});
