// OffsetFetch (key 9), over a stand-in offset store: a partition with no committed offset (-1) has leader epoch
// -1 whatever epoch the store keeps; a topic asked for that the store answers nothing about is still answered,
// each asked partition with offset -1, epoch -1, metadata "" and no error; a topic the store does answer is
// answered once.
import * as assert from 'assert';
import type { Broker } from '../../../../src/broker/broker';
import { offsetFetch } from '../../../../src/protocol/apis/09-offset-fetch';
import { ctxOf } from './mutants-helpers';

describe('OffsetFetch answers for partitions without a commit (stand-in store)', () => {
  it('offset -1 has epoch -1; topics the store omits are answered per asked partition; answered ones once', () => {
    const broker = {
      fetchOffsets: () => [
        { topic: 'a', partition: 0, offset: -1, leaderEpoch: 4, metadata: null, errorCode: 0 },
        { topic: 'a', partition: 1, offset: 12, leaderEpoch: 4, metadata: 'm', errorCode: 0 },
      ],
      pendingTxnOffsetPartitions: () => [],
    } as never as Partial<Broker>;
    const resp = offsetFetch.handle(ctxOf(broker, 7), {
      groupId: 'g',
      topics: [
        { name: 'a', partitionIndexes: [0, 1] },
        { name: 'b', partitionIndexes: [3, 5] },
      ],
      groups: [],
      requireStable: false,
    }) as unknown as { errorCode: number; topics: { name: string; partitions: Record<string, unknown>[] }[] };
    assert.strictEqual(resp.errorCode, 0);
    assert.deepStrictEqual(resp.topics, [
      {
        name: 'a',
        partitions: [
          { partitionIndex: 0, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: 0 },
          { partitionIndex: 1, committedOffset: 12, committedLeaderEpoch: 4, metadata: 'm', errorCode: 0 },
        ],
      },
      {
        name: 'b',
        partitions: [
          { partitionIndex: 3, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: 0 },
          { partitionIndex: 5, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: 0 },
        ],
      },
    ]);
  });
});
