// DescribeProducers (key 61), over a stand-in engine: a partition index outside the topic (-1, or the partition
// count) is UNKNOWN_TOPIC_OR_PARTITION without asking the engine; an open transaction starting at offset 0 is
// open (coordinator epoch 0, start 0); a producer with no batch left has last sequence -1; a negative start
// offset reported by the partition side means no open transaction.
import * as assert from 'assert';
import type { Broker } from '../../../../src/broker/broker';
import type { ProducerPartitionState } from '../../../../src/broker/types';
import { describeProducers } from '../../../../src/protocol/apis/61-describe-producers';
import { ctxOf } from './mutants-helpers';

describe('DescribeProducers partition bounds and open transactions (stand-in engine)', () => {
  const asked: number[] = [];
  const state = (over: Partial<ProducerPartitionState>): ProducerPartitionState => ({
    producerId: 9,
    producerEpoch: 2,
    nextSequence: 5,
    batches: [{ firstSequence: 0, lastSequence: 4, firstOffset: 0, lastOffset: 4 }],
    lastTimestamp: 1234,
    ...over,
  });
  const broker: Partial<Broker> = {
    getTopic: ((name: string) => (name === 't' ? { name: 't', partitions: 2 } : undefined)) as Broker['getTopic'],
    producerState: ((_topic: string, partition: number) => {
      asked.push(partition);
      return [state({ currentTxnStartOffset: 0 }), state({ producerId: 10, batches: [], currentTxnStartOffset: -5 })];
    }) as Broker['producerState'],
  };
  const describe_ = (partitionIndexes: number[]) =>
    describeProducers.handle(ctxOf(broker, 0), { topics: [{ name: 't', partitionIndexes }] }) as {
      topics: { partitions: Record<string, unknown>[] }[];
    };

  it('partition -1 and the partition count are UNKNOWN_TOPIC_OR_PARTITION naming the range; the engine is not asked', () => {
    asked.length = 0;
    const parts = describe_([-1, 2]).topics[0].partitions;
    assert.deepStrictEqual(parts, [
      {
        partitionIndex: -1,
        errorCode: 3,
        errorMessage: 'topic "t" has partitions 0..1; there is no partition -1',
        activeProducers: [],
      },
      {
        partitionIndex: 2,
        errorCode: 3,
        errorMessage: 'topic "t" has partitions 0..1; there is no partition 2',
        activeProducers: [],
      },
    ]);
    assert.deepStrictEqual(asked, []);
  });

  it('an open transaction from offset 0 has coordinator epoch 0; a negative start and no batches read as none open, -1', () => {
    asked.length = 0;
    const [p1] = describe_([1]).topics[0].partitions;
    assert.deepStrictEqual(p1.activeProducers, [
      {
        producerId: 9,
        producerEpoch: 2,
        lastSequence: 4,
        lastTimestamp: 1234,
        coordinatorEpoch: 0,
        currentTxnStartOffset: 0,
      },
      {
        producerId: 10,
        producerEpoch: 2,
        lastSequence: -1,
        lastTimestamp: 1234,
        coordinatorEpoch: -1,
        currentTxnStartOffset: -1,
      },
    ]);
    assert.deepStrictEqual(asked, [1]);
  });
});
