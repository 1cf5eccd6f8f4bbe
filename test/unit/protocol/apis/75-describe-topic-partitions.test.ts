// DescribeTopicPartitions (key 75) v0 on the wire (flexible), as the 4.x Admin's describeTopics() and
// `kafka-topics.sh --describe` send it: topics in name order with their ids and partitions, paged by
// ResponsePartitionLimit with a NextCursor, a Cursor to continue from, unknown topics, and a bad cursor.
import * as assert from 'assert';
import { topicIdFromBytes } from '../../../../src/broker/topic-id';
import type { Reader } from '../../../../src/protocol/codec/reader';
import type { Wire } from './wire';
import { assertConsumed, openWire } from './wire';

interface Answer {
  topics: { errorCode: number; name: string | null; id: string; partitions: number[]; leaders: number[] }[];
  next: [string, number] | null;
}

function read(r: Reader): Answer {
  assert.strictEqual(r.int32(), 0, 'throttle time');
  const topics: Answer['topics'] = [];
  for (let n = r.compactArrayLength(); n > 0; n--) {
    const errorCode = r.int16();
    const name = r.compactNullableString();
    const id = topicIdFromBytes(r.uuid());
    assert.strictEqual(r.bool(), false, 'not internal');
    const partitions: number[] = [];
    const leaders: number[] = [];
    for (let p = r.compactArrayLength(); p > 0; p--) {
      assert.strictEqual(r.int16(), 0);
      partitions.push(r.int32());
      leaders.push(r.int32());
      assert.strictEqual(r.int32(), -1, 'leader epoch');
      const lists: (number[] | null)[] = [];
      for (let k = 0; k < 5; k++) {
        const len = r.compactArrayLength();
        if (len < 0) lists.push(null);
        else lists.push(Array.from({ length: len }, () => r.int32()));
      }
      // the ELR lists are empty, not null: the 4.x Admin's describeTopics() fails on a null one
      assert.deepStrictEqual(lists, [[1], [1], [], [], []], 'replicas, isr, elr, last known elr, offline');
      r.skipTaggedFields();
    }
    // READ WRITE CREATE DELETE ALTER DESCRIBE DESCRIBE_CONFIGS ALTER_CONFIGS: no authorizer, every operation
    assert.strictEqual(
      r.int32(),
      [3, 4, 5, 6, 7, 8, 10, 11].reduce((b, c) => b | (1 << c), 0),
    );
    r.skipTaggedFields();
    topics.push({ errorCode, name, id, partitions, leaders });
  }
  let next: [string, number] | null = null;
  if (r.int8() === 1) {
    next = [r.compactString(), r.int32()];
    r.skipTaggedFields();
  }
  r.skipTaggedFields();
  assertConsumed(r);
  return { topics, next };
}

describe('DescribeTopicPartitions API v0 on the wire', () => {
  let wire: Wire;
  beforeEach(async () => {
    wire = await openWire();
    await wire.broker.createTopic('b-three', 3);
    await wire.broker.createTopic('a-two', 2);
    await wire.broker.createTopic('c-one', 1);
  });
  afterEach(() => wire.close());

  const describe75 = async (names: string[], limit: number, cursor: [string, number] | null = null) =>
    read(
      await wire.call(75, 0, true, (w) => {
        w.compactArrayLength(names.length);
        for (const n of names) w.compactString(n).emptyTaggedFields();
        w.int32(limit);
        if (cursor === null) w.int8(-1);
        else w.int8(1).compactString(cursor[0]).int32(cursor[1]).emptyTaggedFields();
        w.emptyTaggedFields();
      }),
    );
  const summary = (a: Answer) => a.topics.map((t) => [t.name, t.partitions]);

  it('an empty topic list describes every topic in name order, with its id, this node leading every partition', async () => {
    const a = await describe75([], 2000);
    assert.deepStrictEqual(summary(a), [
      ['a-two', [0, 1]],
      ['b-three', [0, 1, 2]],
      ['c-one', [0]],
    ]);
    assert.strictEqual(a.topics[1].id, wire.broker.getTopic('b-three')!.topicId);
    assert.deepStrictEqual(a.topics[1].leaders, [1, 1, 1]);
    assert.strictEqual(a.next, null, 'nothing left: no next cursor');
  });

  it('the partition limit pages the answer: each NextCursor continues exactly where the last answer stopped', async () => {
    const pages: unknown[] = [];
    let cursor: [string, number] | null = null;
    for (let i = 0; i < 10; i++) {
      const a = await describe75([], 2, cursor);
      pages.push(summary(a));
      cursor = a.next;
      if (!cursor) break;
    }
    assert.deepStrictEqual(pages, [
      [['a-two', [0, 1]]],
      [['b-three', [0, 1]]],
      [
        ['b-three', [2]],
        ['c-one', [0]],
      ],
    ]);
  });

  it('a cursor inside a topic skips the topics before it and its partitions before the index', async () => {
    const a = await describe75(['c-one', 'b-three', 'a-two'], 10, ['b-three', 1]);
    assert.deepStrictEqual(summary(a), [
      ['b-three', [1, 2]],
      ['c-one', [0]],
    ]);
  });

  it('a named topic that does not exist answers UNKNOWN_TOPIC_OR_PARTITION with a zero id', async () => {
    const a = await describe75(['ghost', 'c-one'], 10);
    assert.deepStrictEqual(
      a.topics.map((t) => [t.name, t.errorCode, t.id, t.partitions.length]),
      [
        ['c-one', 0, wire.broker.getTopic('c-one')!.topicId, 1],
        ['ghost', 3, '00000000-0000-0000-0000-000000000000', 0],
      ],
    );
  });

  it('a cursor naming a topic outside the requested list fails every topic with INVALID_REQUEST and a log line', async () => {
    const a = await describe75(['a-two', 'c-one'], 10, ['b-three', 0]);
    assert.deepStrictEqual(
      a.topics.map((t) => [t.name, t.errorCode, t.partitions.length]),
      [
        ['a-two', 42, 0],
        ['c-one', 42, 0],
      ],
    );
    assert.ok(
      wire.logs.some((l) => /cursor names topic "b-three"/.test(l)),
      wire.logs.join('\n'),
    );
  });

  it('a cursor at or past the end of its topic continues with the next topic (no empty entry for it)', async () => {
    assert.deepStrictEqual(summary(await describe75([], 10, ['a-two', 2])), [
      ['b-three', [0, 1, 2]],
      ['c-one', [0]],
    ]);
  });
});
