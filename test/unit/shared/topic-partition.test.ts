import * as assert from 'assert';
import {
  compareTopicPartitions,
  formatTopicPartition,
  fromKey,
  keyOf,
  topicPartitionKey,
  TopicPartitionMap,
} from '../../../src/shared/topic-partition';

describe('shared: TopicPartition', () => {
  it('a key splits back into the same topic and partition, also for names with dots, dashes and digits', () => {
    for (const tp of [
      { topic: 'orders', partition: 0 },
      { topic: 'a.b-c_9', partition: 41 },
      { topic: 'x-1', partition: 2 },
    ])
      assert.deepStrictEqual(fromKey(keyOf(tp)), tp);
  });

  it('"x-1" partition 2 and "x" partition 12 get different keys (Kafka printing would make both look alike)', () => {
    assert.notStrictEqual(topicPartitionKey('x-1', 2), topicPartitionKey('x', 12));
    assert.notStrictEqual(topicPartitionKey('x1', 2), topicPartitionKey('x', 12));
    assert.strictEqual(formatTopicPartition({ topic: 'orders', partition: 2 }), 'orders-2');
  });

  it('sorts by topic name first and by partition number (not text) second', () => {
    const sorted = [
      { topic: 'b', partition: 0 },
      { topic: 'a', partition: 10 },
      { topic: 'a', partition: 9 },
    ].sort(compareTopicPartitions);
    assert.deepStrictEqual(sorted.map(formatTopicPartition), ['a-9', 'a-10', 'b-0']);
  });

  it('a map keeps one value per partition, lists them in insertion order and drops a whole topic at once', () => {
    const m = new TopicPartitionMap<number>();
    m.set('t', 0, 1).set('u', 0, 2).set('t', 1, 3).set('t', 0, 4);
    assert.strictEqual(m.size, 3);
    assert.strictEqual(m.get('t', 0), 4);
    assert.strictEqual(m.has('t', 2), false);
    assert.deepStrictEqual(
      [...m.entries()],
      [
        [{ topic: 't', partition: 0 }, 4],
        [{ topic: 'u', partition: 0 }, 2],
        [{ topic: 't', partition: 1 }, 3],
      ],
    );
    assert.strictEqual(m.deleteTopic('t'), 2);
    assert.deepStrictEqual([...m.keys()], [{ topic: 'u', partition: 0 }]);
    assert.strictEqual(m.delete('u', 0), true);
    assert.strictEqual(m.size, 0);
  });
});
