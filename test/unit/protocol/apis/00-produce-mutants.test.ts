// Produce (key 0), over a stand-in engine: the log start offset a refused append answers. A partition index
// outside the topic (-1, or the partition count) answers -1 even when the engine would report one; a partition
// whose info cannot be read answers -1; an existing partition answers its log start offset.
import * as assert from 'assert';
import type { Broker } from '../../../../src/broker/broker';
import { produce } from '../../../../src/protocol/apis/00-produce';
import { ctxOf } from './mutants-helpers';

describe('Produce: the log start offset of a refused append (stand-in engine)', () => {
  it('is -1 outside the topic and when the partition info fails, the partition log start otherwise', async () => {
    const broker = {
      getTopic: () => ({ name: 't', partitions: 2 }),
      partitionInfo: (_t: string, partition: number) => {
        if (partition === 0) throw new Error('index unreadable');
        return { logStartOffset: 7 };
      },
    } as never as Partial<Broker>;
    // a record set of message format v1 (magic byte 1 at offset 16): refused inside the log path
    const v1 = Buffer.alloc(70);
    v1.writeInt32BE(58, 8);
    v1[16] = 1;
    const ctx = ctxOf(broker, 9);
    const resp = (await produce.handle(ctx, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 1000,
      topicData: [{ name: 't', partitionData: [-1, 2, 0, 1].map((index) => ({ index, records: v1 })) }],
    })) as { responses: { partitionResponses: { index: number; errorCode: number; logStartOffset: number }[] }[] };
    assert.deepStrictEqual(
      resp.responses[0].partitionResponses.map((p) => [p.index, p.errorCode, p.logStartOffset]),
      [
        [-1, 43, -1],
        [2, 43, -1],
        [0, 43, -1],
        [1, 43, 7],
      ],
    );
  });
});
