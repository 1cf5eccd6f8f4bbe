/**
 * verifyDataDir over the .index and .timeindex files: every entry that does not increase, points past the log,
 * misses a batch start or carries the wrong timestamp is named by file, entry number, offset and byte; missing
 * files and partial entries are reported with their sizes; entries about a torn (unflushed) tail are not findings.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import type { VerifyProblem, VerifyReport } from '../../../../src/broker/storage/verify';
import { verifyDataDir } from '../../../../src/broker/storage/verify';
import { batchAt, emptyFolder, offsetIndex, timeIndex, writeSegment } from './verify-helpers';

const finding = (x: VerifyProblem) => [x.file, x.position ?? null, x.offset ?? null, x.severity, x.message];
const problemsOf = (r: VerifyReport, topic: string, partition: number) =>
  r.partitions.find((p) => p.topic === topic && p.partition === partition)!.problems.map(finding);

const INDEX = 'topics/t-0/00000000000000000100.index';
const TIMEINDEX = 'topics/t-0/00000000000000000100.timeindex';

/** Segment 100: batches at offsets 100 (3 records, ts 1000..), 103 (2, 1010..), 105 (4, 1020..), 109 (1, 1030). */
const LOG = () => [batchAt(100, 3, 1000), batchAt(103, 2, 1010), batchAt(105, 4, 1020), batchAt(109, 1, 1030)];

describe('storage: verify checks every offset index and time index entry against the log', () => {
  const dirs: string[] = [];
  const folder = async () => {
    const d = await emptyFolder({ t: 1 });
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('offset index entries that do not increase, miss a batch start or point past the log are each named', async () => {
    const d = await folder();
    const log = LOG();
    const sizes = log.map((b) => b.length);
    const [, p1, p2, p3] = [0, sizes[0], sizes[0] + sizes[1], sizes[0] + sizes[1] + sizes[2]];
    const size = p3 + sizes[3];
    const index = offsetIndex([
      [3, p1], // right
      [3, p2], // same offset again
      [5, p2], // same position again
      [9, p3], // right
      [10, p3 + 1], // inside the last batch
      [11, size], // exactly at the end of the log
      [12, size + 100], // past it
    ]);
    writeSegment(d, 't', 0, 100, { log, index });
    const r = await verifyDataDir(d);
    assert.deepStrictEqual(problemsOf(r, 't', 0), [
      [INDEX, 8, 103, 'damage', `entry 1 (3, ${p2}) does not increase`],
      [INDEX, 16, 105, 'damage', `entry 2 (5, ${p2}) does not increase`],
      [
        INDEX,
        32,
        110,
        'damage',
        `entry 4 (10, ${p3 + 1}): the batch with base offset 110 does not start at byte ${p3 + 1}`,
      ],
      [INDEX, 40, 111, 'damage', `entry 5 (11, ${size}) points past the end of the log (${size} bytes)`],
      [INDEX, 48, 112, 'damage', `entry 6 (12, ${size + 100}) points past the end of the log (${size} bytes)`],
    ]);
  });

  it('time index entries that do not increase, are off a batch boundary, carry the wrong timestamp or lie past the end are each named', async () => {
    const d = await folder();
    const timeindex = timeIndex([
      [1002, 3], // right: the newest record before offset 103 has timestamp 1002
      [1002, 5], // same timestamp again
      [1011, 5], // same offset again
      [1015, 7], // offset 107 is inside a batch
      [1020, 9], // the records before 109 reach 1023
      [1030, 10], // right: the segment's next offset
      [1040, 11], // past the next offset
    ]);
    writeSegment(d, 't', 0, 100, { log: LOG(), timeindex });
    const r = await verifyDataDir(d);
    assert.deepStrictEqual(problemsOf(r, 't', 0), [
      [TIMEINDEX, 12, 105, 'damage', 'entry 1 (1002, 5) does not increase'],
      [TIMEINDEX, 24, 105, 'damage', 'entry 2 (1011, 5) does not increase'],
      [TIMEINDEX, 36, 107, 'damage', 'entry 3 (1015, 7): offset 107 is not a batch boundary'],
      [
        TIMEINDEX,
        48,
        109,
        'damage',
        'entry 4 (1020, 9): the newest timestamp of the records before offset 109 is 1023, not 1020',
      ],
      [TIMEINDEX, 72, 111, 'damage', "entry 6 (1040, 11) lies past the segment's next offset 110"],
    ]);
  });

  it('after a torn tail, index entries about the torn bytes are not findings; entries past the file still are', async () => {
    const d = await folder();
    const log = LOG().slice(0, 3);
    const [s0, s1] = [log[0].length, log[1].length];
    log[2] = log[2].subarray(0, log[2].length - 10);
    const p2 = s0 + s1;
    const size = p2 + log[2].length;
    const index = offsetIndex([
      [3, s0],
      [5, p2], // the torn batch's start
      [6, p2 + 5], // inside the torn bytes
      [7, size], // exactly at the end of the file
      [8, size + 40], // past it
    ]);
    const timeindex = timeIndex([
      [1002, 3],
      [1011, 5],
      [1023, 9], // past the sound part: the torn batch would have reached it
    ]);
    writeSegment(d, 't', 0, 100, { log, index, timeindex });
    const r = await verifyDataDir(d);
    assert.deepStrictEqual(problemsOf(r, 't', 0), [
      [
        'topics/t-0/00000000000000000100.log',
        p2,
        105,
        'damage',
        `torn batch: it says ${log[2].length + 10} bytes but the file has ${log[2].length} left`,
      ],
      [INDEX, 24, 107, 'damage', `entry 3 (7, ${size}) points past the end of the log (${size} bytes)`],
      [INDEX, 32, 108, 'damage', `entry 4 (8, ${size + 40}) points past the end of the log (${size} bytes)`],
    ]);
  });

  it('missing index files, and index files that are not a whole number of entries, are named with their sizes', async () => {
    const d = await emptyFolder({ t: 2 });
    dirs.push(d);
    const log = LOG();
    writeSegment(d, 't', 0, 100, { log, index: null, timeindex: null });
    writeSegment(d, 't', 1, 100, {
      log,
      index: Buffer.concat([offsetIndex([[3, log[0].length]]), Buffer.alloc(4)]),
      timeindex: Buffer.concat([timeIndex([[1002, 3]]), Buffer.alloc(5)]),
    });
    const r = await verifyDataDir(d);
    assert.deepStrictEqual(problemsOf(r, 't', 0), [
      [INDEX, null, null, 'damage', 'the offset index file is missing (the next open rebuilds it)'],
      [TIMEINDEX, null, null, 'damage', 'the time index file is missing (the next open rebuilds it)'],
    ]);
    assert.deepStrictEqual(problemsOf(r, 't', 1), [
      ['topics/t-1/00000000000000000100.index', 12, null, 'damage', '12 bytes is not a whole number of 8-byte entries'],
      [
        'topics/t-1/00000000000000000100.timeindex',
        17,
        null,
        'damage',
        '17 bytes is not a whole number of 12-byte entries',
      ],
    ]);
  });

  it('records stamped at time 0 (the epoch) are indexed without findings', async () => {
    const d = await folder();
    const log = [batchAt(100, 1, 0), batchAt(101, 1, 0), batchAt(102, 1, 5)];
    writeSegment(d, 't', 0, 100, {
      log,
      timeindex: timeIndex([
        [0, 1],
        [5, 3],
      ]),
    });
    const r = await verifyDataDir(d);
    assert.deepStrictEqual(problemsOf(r, 't', 0), []);
    assert.strictEqual(r.ok, true);
  });
});
