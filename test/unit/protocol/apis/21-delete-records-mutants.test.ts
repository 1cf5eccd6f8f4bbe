// DeleteRecords (key 21), over a stand-in engine: a partition index outside the topic (-1, or the partition
// count) is UNKNOWN_TOPIC_OR_PARTITION with low watermark -1, answered without asking the engine to delete.
import * as assert from 'assert';
import type { Broker } from '../../../../src/broker/broker';
import { deleteRecords } from '../../../../src/protocol/apis/21-delete-records';
import { ctxOf } from './mutants-helpers';

describe('DeleteRecords partition bounds (stand-in engine)', () => {
  it('partition -1 and the partition count are UNKNOWN_TOPIC_OR_PARTITION; only real partitions are deleted from', () => {
    const deleted: number[] = [];
    const broker = {
      getTopic: () => ({ name: 't', partitions: 2 }),
      deleteRecords: (_t: string, partition: number, offset: number) => {
        deleted.push(partition);
        return offset;
      },
    } as never as Partial<Broker>;
    const resp = deleteRecords.handle(ctxOf(broker, 2), {
      topics: [{ name: 't', partitions: [-1, 2, 1].map((partitionIndex) => ({ partitionIndex, offset: 5 })) }],
      timeoutMs: 1000,
    }) as { topics: { partitions: { partitionIndex: number; lowWatermark: number; errorCode: number }[] }[] };
    assert.deepStrictEqual(
      resp.topics[0].partitions.map((p) => [p.partitionIndex, p.lowWatermark, p.errorCode]),
      [
        [-1, -1, 3],
        [2, -1, 3],
        [1, 5, 0],
      ],
    );
    assert.deepStrictEqual(deleted, [1]);
  });
});
