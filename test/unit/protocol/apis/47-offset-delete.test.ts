// OffsetDelete (key 47) v0 over the wire against a real broker, frames built from Kafka's message spec (what
// kafka-consumer-groups --delete-offsets and Admin.deleteConsumerGroupOffsets send): the named partitions' commits
// are forgotten, each answered in request order; a topic a live member subscribes to is GROUP_SUBSCRIBED_TO_TOPIC
// and keeps its commit; an unknown group is GROUP_ID_NOT_FOUND at the top level with no topics.
import * as assert from 'assert';
import { ErrorCode } from '../../../../src/broker/errors';
import { encodeSubscription } from '../../../../src/broker/groups/consumer-protocol';
import { GroupWire, joinV9, syncV5 } from './group-wire';

type Answer = [errorCode: number, topics: [topic: string, partitions: [partition: number, errorCode: number][]][]];

describe('OffsetDelete API (v0)', () => {
  let wire: GroupWire;
  beforeEach(async () => {
    wire = await GroupWire.open();
    await wire.broker.createTopic('orders', 2);
    await wire.broker.createTopic('audit', 1);
  });
  afterEach(() => wire.close());

  async function offsetDelete(groupId: string, topics: [string, number[]][]): Promise<Answer> {
    const d = await wire.call(47, 0, false, (e) => {
      e.str(groupId).len(topics.length);
      for (const [name, partitions] of topics) {
        e.str(name).len(partitions.length);
        for (const p of partitions) e.i32(p);
      }
    });
    const errorCode = d.i16();
    assert.strictEqual(d.i32(), 0, 'throttle time');
    const answer: Answer = [errorCode, d.many(() => [d.str(), d.many(() => [d.i32(), d.i16()])])];
    d.end();
    return answer;
  }

  const commit = (groupId: string, rows: [string, number, number][]) =>
    wire.broker.commitOffsets(
      groupId,
      '',
      -1,
      rows.map(([topic, partition, offset]) => ({ topic, partition, offset, metadata: null })),
    );
  const committed = (groupId: string) =>
    wire.broker
      .fetchOffsets(groupId, null)
      .filter((o) => o.offset >= 0)
      .map((o) => `${o.topic}/${o.partition}@${o.offset}`)
      .sort();

  it('an empty group forgets the named partitions, keeps the others, and answers each in request order', async () => {
    await commit('g', [
      ['orders', 0, 5],
      ['orders', 1, 6],
      ['audit', 0, 7],
    ]);
    assert.deepStrictEqual(
      await offsetDelete('g', [
        ['orders', [1]],
        ['audit', [0, 3]],
      ]),
      [
        0,
        [
          ['orders', [[1, 0]]],
          [
            'audit',
            [
              [0, 0],
              [3, 0],
            ],
          ],
        ],
      ],
      'a partition without a commit is reported as done',
    );
    assert.deepStrictEqual(committed('g'), ['orders/0@5']);
  });

  it('a topic a live member subscribes to is GROUP_SUBSCRIBED_TO_TOPIC and keeps its commit', async () => {
    const joined = await joinV9(wire, 'live', '', 'i1', { metadata: encodeSubscription({ topics: ['orders'] }) });
    assert.strictEqual(joined.errorCode, 0);
    const [code] = await syncV5(
      wire,
      'live',
      joined.generationId,
      joined.memberId,
      [[joined.memberId, Buffer.alloc(0)]],
      {
        groupInstanceId: 'i1',
      },
    );
    assert.strictEqual(code, 0);
    const c = await wire.broker.commitOffsets('live', joined.memberId, joined.generationId, [
      { topic: 'orders', partition: 0, offset: 3, metadata: null },
      { topic: 'audit', partition: 0, offset: 4, metadata: null },
    ]);
    assert.ok(c.every((r) => r.errorCode === 0));
    assert.deepStrictEqual(
      await offsetDelete('live', [
        ['orders', [0]],
        ['audit', [0]],
      ]),
      [
        0,
        [
          ['orders', [[0, ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC]]],
          ['audit', [[0, 0]]],
        ],
      ],
    );
    assert.deepStrictEqual(committed('live'), ['orders/0@3']);
  });

  it('an unknown group is GROUP_ID_NOT_FOUND at the top level, with no topics', async () => {
    assert.deepStrictEqual(await offsetDelete('nobody', [['orders', [0]]]), [ErrorCode.GROUP_ID_NOT_FOUND, []]);
  });
});

describe('OffsetDelete API: an unexpected engine failure', () => {
  let wire: GroupWire;
  beforeEach(async () => (wire = await GroupWire.open()));
  afterEach(() => wire.close());

  /** The failure is logged as an error naming the request and what went wrong. */
  const logged = (what: string, message: string) =>
    assert.ok(
      wire.logs.some((l) => l.startsWith('error ') && l.includes(what) && l.includes(message)),
      `an error log names ${what}: ${wire.logs.join(' | ')}`,
    );

  it('is answered UNKNOWN_SERVER_ERROR (-1) at the top level with no topics, and logged', async () => {
    const message = wire.failEngine('deleteOffsets');
    const d = await wire.call(47, 0, false, (e) => e.str('g').len(1).str('t').len(1).i32(0));
    assert.deepStrictEqual([d.i16(), d.i32(), d.len()], [ErrorCode.UNKNOWN_SERVER_ERROR, 0, 0]);
    d.end();
    logged('OffsetDelete "g"', message);
  });
});
