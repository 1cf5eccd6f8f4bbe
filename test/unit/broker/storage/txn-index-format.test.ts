// The .txnindex file format and its checks (src/broker/storage/txn-index.ts: parseTxnIndex, compareTxnIndex): the
// first problem of a file is named with the entry it is in (what the open logs and `kafka-lite verify` prints), and
// a file is compared with the ABORT markers its segment's log holds, marker by marker.
import * as assert from 'assert';
import type { AbortedTxn } from '../../../../src/broker/storage/txn-index';
import { compareTxnIndex, encodeTxnEntry, parseTxnIndex } from '../../../../src/broker/storage/txn-index';

const entry = (producerId: number, firstOffset: number, lastOffset: number, lastStableOffset = lastOffset + 1) => ({
  producerId,
  firstOffset,
  lastOffset,
  lastStableOffset,
});
const file = (...entries: AbortedTxn[]) => Buffer.concat(entries.map(encodeTxnEntry));

describe('storage: the .txnindex format (parse and compare)', () => {
  describe('parseTxnIndex', () => {
    it('reads whole entries in order; a transaction may start at its own marker', () => {
      const entries = [entry(1, 0, 4, 2), entry(2, 5, 5), entry(0, 3, 9, 10)];
      assert.deepStrictEqual(parseTxnIndex(file(...entries)), { entries, problem: '' });
      assert.deepStrictEqual(parseTxnIndex(file(...entries), { from: 4, to: 10 }), { entries, problem: '' });
      assert.deepStrictEqual(parseTxnIndex(Buffer.alloc(0)), { entries: [], problem: '' });
    });

    it('names the entry whose first offset is after its marker', () => {
      const r = parseTxnIndex(file(entry(1, 0, 2), entry(2, 6, 5)));
      assert.strictEqual(r.problem, 'entry 1: first offset 6 is after its last offset 5');
      assert.strictEqual(r.entries.length, 2, 'every whole entry is still returned');
    });

    it('names the entry whose marker does not follow the one before (equal or earlier)', () => {
      assert.strictEqual(
        parseTxnIndex(file(entry(1, 0, 2), entry(2, 3, 7), entry(3, 4, 7))).problem,
        'entry 2: last offset 7 does not follow 7',
      );
      assert.strictEqual(
        parseTxnIndex(file(entry(1, 0, 8), entry(2, 3, 7))).problem,
        'entry 1: last offset 7 does not follow 8',
      );
    });

    it("names an entry whose marker lies outside the segment's offsets [from, to)", () => {
      const range = { from: 10, to: 20 };
      assert.strictEqual(parseTxnIndex(file(entry(1, 0, 10), entry(1, 11, 19)), range).problem, '');
      assert.strictEqual(
        parseTxnIndex(file(entry(1, 0, 10), entry(1, 11, 20)), range).problem,
        'entry 1: its marker offset 20 is outside the segment (10..19)',
      );
      assert.strictEqual(
        parseTxnIndex(file(entry(1, 0, 9)), range).problem,
        'entry 0: its marker offset 9 is outside the segment (10..19)',
      );
      assert.strictEqual(parseTxnIndex(file(entry(1, 0, 9))).problem, '', 'no range: no such check');
    });

    it('reports the first problem only: a torn tail before a bad version, a bad version before a later disorder', () => {
      const bad = file(entry(1, 0, 2));
      bad.writeInt16BE(3, 0);
      const torn = parseTxnIndex(Buffer.concat([bad, Buffer.alloc(5)]));
      assert.strictEqual(torn.problem, '39 bytes is not a whole number of 34-byte entries');
      assert.strictEqual(torn.entries.length, 1);
      assert.strictEqual(
        parseTxnIndex(Buffer.concat([bad, file(entry(2, 9, 1))])).problem,
        'entry 0 has version 3 (only 0 is known)',
      );
      assert.strictEqual(
        parseTxnIndex(file(entry(1, 0, 2), entry(2, 9, 1), entry(3, 0, 0))).problem,
        'entry 1: first offset 9 is after its last offset 1',
      );
    });
  });

  describe('compareTxnIndex (kafka-lite verify)', () => {
    const range = { from: 10, to: 20 };

    it('a missing file is damage only when the segment holds ABORT markers', () => {
      assert.deepStrictEqual(compareTxnIndex(null, [], range), []);
      assert.deepStrictEqual(compareTxnIndex(null, [entry(1, 10, 12), entry(2, 11, 14)], range), [
        {
          message:
            'the aborted-transaction index file is missing but the segment holds 2 ABORT marker(s) (the next open rebuilds it)',
        },
      ]);
    });

    it('a file that does not parse is reported with its problem', () => {
      assert.deepStrictEqual(compareTxnIndex(Buffer.alloc(10), [], range), [
        { message: '10 bytes is not a whole number of 34-byte entries' },
      ]);
    });

    it("matches the log's markers; a first offset earlier than the log's (lost to retention) is fine", () => {
      assert.deepStrictEqual(
        compareTxnIndex(file(entry(1, 3, 12), entry(2, 11, 14)), [entry(1, 10, 12), entry(2, 11, 14)], range),
        [],
      );
    });

    it("names entries whose marker is outside the segment's offsets, below or above", () => {
      assert.deepStrictEqual(
        compareTxnIndex(file(entry(1, 0, 9), entry(2, 11, 14), entry(3, 15, 20)), [entry(2, 11, 14)], range),
        [
          { message: "entry for producer 1 at offset 9 lies outside the segment's records (10..19)", offset: 9 },
          { message: "entry for producer 3 at offset 20 lies outside the segment's records (10..19)", offset: 20 },
        ],
      );
    });

    it('names a marker without its entry (none, or one of another producer), a late first offset, and an entry without its marker', () => {
      const expected = [entry(1, 10, 12), entry(2, 11, 14), entry(3, 13, 16)];
      const found = file(entry(9, 10, 12), entry(2, 12, 14), entry(4, 17, 18));
      assert.deepStrictEqual(compareTxnIndex(found, expected, range), [
        { message: 'no entry for the ABORT marker of producer 1 at offset 12', offset: 12 },
        {
          message: "the entry for producer 2's ABORT at 14 starts at 12, after the transaction's first batch at 11",
          offset: 14,
        },
        { message: 'no entry for the ABORT marker of producer 3 at offset 16', offset: 16 },
        { message: 'entry for producer 4 at offset 18 names no ABORT marker of the log', offset: 18 },
      ]);
    });
  });
});
