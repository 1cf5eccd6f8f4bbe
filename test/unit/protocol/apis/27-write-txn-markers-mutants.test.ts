// WriteTxnMarkers (key 27), over a stand-in engine: the warning lines that say why a marker was refused (the
// response has no message field): a COMMIT marker names the producer and the partition; an engine refusal names
// its code and message; an unexpected failure is also logged as an error naming the partition.
import * as assert from 'assert';
import type { Broker } from '../../../../src/broker/broker';
import { KafkaError } from '../../../../src/broker/errors';
import { writeTxnMarkers } from '../../../../src/protocol/apis/27-write-txn-markers';
import { ctxOf } from './mutants-helpers';

describe('WriteTxnMarkers refusal log lines (stand-in engine)', () => {
  const write = async (transactionResult: boolean, failure?: unknown) => {
    const ctx = ctxOf(
      {
        abortHangingTransaction: (() =>
          failure === undefined
            ? Promise.resolve(0)
            : Promise.reject(failure)) as never as Broker['abortHangingTransaction'],
      },
      1,
    );
    const resp = (await writeTxnMarkers.handle(ctx, {
      markers: [
        {
          producerId: 17,
          producerEpoch: 3,
          transactionResult,
          topics: [{ name: 't', partitionIndexes: [2] }],
          coordinatorEpoch: 0,
        },
      ],
    })) as { markers: { topics: { partitions: { errorCode: number }[] }[] }[] };
    return { code: resp.markers[0].topics[0].partitions[0].errorCode, logs: ctx.logs };
  };

  it('a COMMIT marker is refused with a warning naming the producer and the partition', async () => {
    const { code, logs } = await write(true);
    assert.strictEqual(code, 42);
    assert.deepStrictEqual(logs, [
      'warn client mutants-test: WriteTxnMarkers refused a COMMIT marker for producer 17 on t-2: only an ABORT marker may be written by hand',
    ]);
  });

  it('an engine refusal is warned with its code and message', async () => {
    const { code, logs } = await write(false, new KafkaError(3, 'there is no topic "t"'));
    assert.strictEqual(code, 3);
    assert.deepStrictEqual(logs, ['warn client mutants-test: WriteTxnMarkers refused (3): there is no topic "t"']);
  });

  it('an unexpected failure is logged as an error naming the partition, then warned as -1', async () => {
    const { code, logs } = await write(false, new Error('disk gone'));
    assert.strictEqual(code, -1);
    assert.strictEqual(logs.length, 2);
    assert.match(logs[0], /^error WriteTxnMarkers t-2: unexpected failure: Error: disk gone/);
    assert.strictEqual(logs[1], 'warn client mutants-test: WriteTxnMarkers refused (-1): disk gone');
  });
});
