// committedRecords: what a read of raw batches shows a person, as a read_committed consumer sees it: an aborted
// transaction's records are dropped up to its abort marker, the same producer's later committed transaction is
// kept, control batches never show, and a page stops at its size with the offset to continue from.
import * as assert from 'assert';
import { encodeControlBatch, markTransactional } from '../../../src/broker/storage/control-batch';
import { encodeRecordBatch } from '../../../src/broker/storage/record-batch';
import { committedRecords } from '../../../src/extension/clusters/records';

function at(base: number, batch: Buffer): Buffer {
  batch.writeBigInt64BE(BigInt(base), 0); // the base offset is outside the CRC
  return batch;
}
const data = (values: string[], pid = -1) =>
  encodeRecordBatch(
    values.map((v, i) => ({ key: null, value: Buffer.from(v), headers: [], timestamp: 1000 + i })),
    { producerId: pid, producerEpoch: pid < 0 ? -1 : 0, baseSequence: pid < 0 ? -1 : 0, compression: 0 },
  );
const marker = (commit: boolean) =>
  encodeControlBatch({ producerId: 7, producerEpoch: 0, commit, coordinatorEpoch: 0, timestamp: 2000 });

describe('committed records of a fetch', () => {
  const log = Buffer.concat([
    at(0, markTransactional(data(['aborted-1', 'aborted-2'], 7))),
    at(2, data(['plain-2'])),
    at(3, marker(false)),
    at(4, markTransactional(data(['committed-4', 'committed-5'], 7))),
    at(6, marker(true)),
    at(7, data(['plain-7'])),
  ]);
  const aborted = [{ producerId: 7, firstOffset: 0 }];

  it('drops an aborted transaction until its marker, keeps a later committed one, hides control batches', () => {
    const r = committedRecords(0, log, 0, 100, aborted);
    assert.deepStrictEqual(
      r.records.map((x) => [x.offset, x.value?.toString()]),
      [
        [2, 'plain-2'],
        [4, 'committed-4'],
        [5, 'committed-5'],
        [7, 'plain-7'],
      ],
    );
    assert.strictEqual(r.nextOffset, 8);
  });

  it('without an aborted list every data record shows', () => {
    assert.strictEqual(committedRecords(0, log, 0, 100, null).records.length, 6);
  });

  it('starts at the asked offset inside a batch and stops at the page size with the next offset', () => {
    const r = committedRecords(0, log, 5, 1, aborted);
    assert.deepStrictEqual(
      r.records.map((x) => x.offset),
      [5],
    );
    // The commit marker at 6 is passed over on the way to the next record: the next read starts at 7.
    assert.strictEqual(r.nextOffset, 7);
  });
});
