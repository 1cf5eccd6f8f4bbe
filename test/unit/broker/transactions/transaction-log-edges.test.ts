// transactions.log lines at their edges: which JSON a replay accepts as a transactional id's state (and the
// boundary values it must keep accepting: partition 0, marker offset 0, an empty group list), which it refuses
// with the reason naming the bad field, and the line syntax around the checksum. A wrong "accept" would load a
// state the coordinator then acts on (markers to a partition -1); a wrong "refuse" loses a transaction on restart.
import * as assert from 'assert';
import type { TxnLogEntry } from '../../../../src/broker/transactions/transaction-log';
import { encodeTxnLogLine, parseTxnLog } from '../../../../src/broker/transactions/transaction-log';
import { crc32c } from '../../../../src/broker/storage/crc32c';

const good: TxnLogEntry = {
  id: 'tx',
  producerId: 0,
  producerEpoch: 0,
  lastProducerId: -1,
  lastProducerEpoch: -1,
  timeoutMs: 60000,
  state: 'CompleteAbort',
  startTimestamp: -1,
  updateTimestamp: 0,
  partitions: [['orders', 0]],
  groups: ['g'],
  markers: [{ producerId: 0, producerEpoch: 0, commit: false, partitions: [['orders', 0, 0]] }],
};

/** A line with a correct checksum around any JSON text. */
const lineOf = (json: string): Buffer => {
  const body = Buffer.from(json, 'utf8');
  return Buffer.concat([
    Buffer.from(crc32c(body).toString(16).padStart(8, '0') + ' ', 'latin1'),
    body,
    Buffer.from('\n', 'latin1'),
  ]);
};

const parseOne = (v: unknown) => parseTxnLog(lineOf(JSON.stringify(v)));

describe('transaction log lines at their edges', () => {
  it('an entry with every field at its lowest valid value is read back whole', () => {
    const r = parseTxnLog(encodeTxnLogLine(good));
    assert.deepStrictEqual(r.damaged, []);
    assert.deepStrictEqual(r.lines, [good]);
    const bare = { ...good, markers: undefined, groups: [], partitions: [] };
    delete bare.markers;
    assert.deepStrictEqual(parseOne(bare).lines, [bare], 'no markers, no groups, no partitions');
    assert.deepStrictEqual(parseOne({ ...good, markers: [] }).damaged, [], 'an empty marker list');
    for (const state of ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit'] as const)
      assert.deepStrictEqual(parseOne({ ...good, state }).damaged, [], state);
  });

  it('a tombstone is {"dead": id}; one without a string id is refused', () => {
    assert.deepStrictEqual(parseOne({ dead: 'tx' }).lines, [{ dead: 'tx' }]);
    assert.deepStrictEqual(parseOne({ dead: 'tx', extra: 1 }).lines, [{ dead: 'tx' }], 'only the id is kept');
    assert.deepStrictEqual(parseOne({ dead: 7 }).damaged, [
      'bad line at byte 0: a tombstone without a transactional id',
    ]);
  });

  it('each invalid field is refused with a reason that names it', () => {
    const cases: [string, unknown, string][] = [
      ['null', null, 'not an object'],
      ['a number', 5, 'not an object'],
      ['no id', { ...good, id: undefined }, 'no transactional id'],
      ['an empty id', { ...good, id: '' }, 'no transactional id'],
      ['a numeric id', { ...good, id: 5 }, 'no transactional id'],
      ['producerId', { ...good, producerId: 1.5 }, '"producerId" is not an integer'],
      ['producerEpoch', { ...good, producerEpoch: '0' }, '"producerEpoch" is not an integer'],
      ['lastProducerId', { ...good, lastProducerId: null }, '"lastProducerId" is not an integer'],
      ['lastProducerEpoch', { ...good, lastProducerEpoch: undefined }, '"lastProducerEpoch" is not an integer'],
      ['timeoutMs', { ...good, timeoutMs: 2 ** 60 }, '"timeoutMs" is not an integer'],
      ['startTimestamp', { ...good, startTimestamp: 'x' }, 'a timestamp is not an integer'],
      ['updateTimestamp', { ...good, updateTimestamp: 0.5 }, 'a timestamp is not an integer'],
      ['state Dead', { ...good, state: 'Dead' }, 'unknown state "Dead"'],
      ['state PrepareEpochFence', { ...good, state: 'PrepareEpochFence' }, 'unknown state "PrepareEpochFence"'],
      ['a numeric state', { ...good, state: 3 }, 'unknown state 3'],
      ['partitions not a list', { ...good, partitions: {} }, 'partitions are not [topic, partition] pairs'],
      ['a partition not a pair', { ...good, partitions: ['orders'] }, 'partitions are not [topic, partition] pairs'],
      ['a numeric topic', { ...good, partitions: [[1, 0]] }, 'partitions are not [topic, partition] pairs'],
      ['partition -1', { ...good, partitions: [['orders', -1]] }, 'partitions are not [topic, partition] pairs'],
      ['partition 0.5', { ...good, partitions: [['orders', 0.5]] }, 'partitions are not [topic, partition] pairs'],
      ['groups not a list', { ...good, groups: 'g' }, 'groups are not strings'],
      ['a numeric group', { ...good, groups: ['g', 1] }, 'groups are not strings'],
    ];
    const markerError =
      'markers are not {producerId, producerEpoch, commit, partitions: [topic, partition, offset]...}';
    const m = good.markers![0];
    const markerCases: [string, unknown][] = [
      ['markers not a list', { producerId: 0 }],
      ['a null marker', [null]],
      ['a numeric marker', [4]],
      ['marker producerId', [{ ...m, producerId: 'x' }]],
      ['marker producerEpoch', [{ ...m, producerEpoch: 0.5 }]],
      ['marker commit', [{ ...m, commit: 1 }]],
      ['marker partitions not a list', [{ ...m, partitions: 'orders' }]],
      ['a marker partition not a triple', [{ ...m, partitions: ['orders'] }]],
      ['a marker numeric topic', [{ ...m, partitions: [[1, 0, 0]] }]],
      ['a marker partition -1', [{ ...m, partitions: [['orders', -1, 0]] }]],
      ['a marker partition 0.5', [{ ...m, partitions: [['orders', 0.5, 0]] }]],
      ['a marker offset -1', [{ ...m, partitions: [['orders', 0, -1]] }]],
      ['a marker offset 0.5', [{ ...m, partitions: [['orders', 0, 0.5]] }]],
      ['a bad second marker', [m, { ...m, commit: 'yes' }]],
      [
        'a bad partition after a good one',
        [
          {
            ...m,
            partitions: [
              ['orders', 0, 0],
              ['orders', -1, 0],
            ],
          },
        ],
      ],
    ];
    for (const [name, markers] of markerCases) cases.push([name, { ...good, markers }, markerError]);
    for (const [name, v, why] of cases) {
      const r = parseOne(v);
      assert.deepStrictEqual(r.lines, [], `${name}: not read as an entry`);
      assert.deepStrictEqual(r.damaged, [`bad line at byte 0: ${why}`], name);
    }
  });

  it('the line syntax: 8 lowercase hex digits, one space, JSON, a newline; the reason names the byte', () => {
    const ok = encodeTxnLogLine({ dead: 'a' });
    const at = (b: Buffer) => parseTxnLog(Buffer.concat([ok, b])).damaged;
    const start = ok.length;
    assert.deepStrictEqual(at(Buffer.from('0123456 x\n')), [`bad line at byte ${start}: not "<crc> <json>"`]);
    assert.deepStrictEqual(at(Buffer.from('01234567x{}\n')), [`bad line at byte ${start}: not "<crc> <json>"`]);
    // nine bytes and a newline are too short even when the (empty) JSON's checksum would match
    assert.deepStrictEqual(at(Buffer.from('00000000 \n')), [`bad line at byte ${start}: not "<crc> <json>"`]);
    const upper = Buffer.from(encodeTxnLogLine({ dead: 'b' }).toString('latin1').toUpperCase(), 'latin1');
    assert.deepStrictEqual(at(upper), [`bad line at byte ${start}: checksum is not 8 hex digits`]);
    assert.deepStrictEqual(at(Buffer.from('0000000g {}\n')), [
      `bad line at byte ${start}: checksum is not 8 hex digits`,
    ]);
    const notJson = lineOf('{dead');
    assert.match(at(notJson)[0], new RegExp(`^bad line at byte ${start}: invalid JSON \\(.+\\)$`));
    // the shortest line with a checksum: "<8 hex> x" and a newline is 10 bytes, read as JSON (and refused there)
    assert.match(at(lineOf('5'))[0], /: not an object$/);
    // a line whose checksum matches is read, whatever comes before it
    assert.deepStrictEqual(parseTxnLog(Buffer.concat([ok, ok])).lines, [{ dead: 'a' }, { dead: 'a' }]);
    assert.strictEqual(parseTxnLog(Buffer.concat([ok, ok])).goodEnd, 2 * ok.length);
  });

  it('a checksum mismatch names both values in hex', () => {
    const line = Buffer.from(encodeTxnLogLine({ dead: 'a' }));
    const want = line.toString('latin1', 0, 8);
    line.write('00000000', 0, 'latin1');
    assert.deepStrictEqual(parseTxnLog(line).damaged, [
      `bad line at byte 0: checksum ${want.replace(/^0+/, '')} does not match 0`,
    ]);
  });
});
