// transactions.log on disk: one checksummed line per state change, replayed on open (last line of an id wins,
// tombstones forget), a torn tail cut and reported, a damaged line skipped and reported with the file kept,
// compaction to one line per id, and a failed write that leaves nothing behind.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ErrorCode, KafkaError } from '../../../../src/broker/errors';
import type { TxnLogEntry } from '../../../../src/broker/transactions/transaction-log';
import { checkTxnLogFile, encodeTxnLogLine, TransactionLog } from '../../../../src/broker/transactions/transaction-log';
import { realIo } from '../../../../src/broker/storage/segment';
import { openCoordinator } from './helpers';

const entry = (id: string, state: TxnLogEntry['state'], epoch = 0): TxnLogEntry => ({
  id,
  producerId: 7,
  producerEpoch: epoch,
  lastProducerId: -1,
  lastProducerEpoch: -1,
  timeoutMs: 60000,
  state,
  startTimestamp: state === 'Ongoing' ? 100 : -1,
  updateTimestamp: 100,
  partitions: state === 'Ongoing' ? [['orders', 0]] : [],
  groups: [],
});

describe('transaction log file', () => {
  let dir: string;
  let file: string;
  let logs: string[];
  const opts = () => ({ dir, now: () => 1_700_000_000_000, logger: (l: string, m: string) => logs.push(`${l} ${m}`) });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kl-txnlog-'));
    file = path.join(dir, 'transactions.log');
    logs = [];
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('replay keeps the last state of each id and a tombstone forgets one; open compacts to one line per id', async () => {
    fs.writeFileSync(
      file,
      Buffer.concat([
        encodeTxnLogLine(entry('a', 'Empty')),
        encodeTxnLogLine(entry('a', 'Ongoing')),
        encodeTxnLogLine(entry('b', 'Empty')),
        encodeTxnLogLine({ dead: 'b' }),
        encodeTxnLogLine(entry('c', 'CompleteCommit', 3)),
      ]),
    );
    const log = TransactionLog.open(opts());
    assert.deepStrictEqual(
      [...log.recovered.values()].map((e) => [e.id, e.state, e.producerEpoch]),
      [
        ['a', 'Ongoing', 0],
        ['c', 'CompleteCommit', 3],
      ],
    );
    assert.strictEqual(checkTxnLogFile(file).lines, 2, 'compacted');
    await log.close(log.recovered.values());
    assert.deepStrictEqual(logs, []);
  });

  it('a torn last line is cut on open and reported; the lines before it survive', async () => {
    const good = encodeTxnLogLine(entry('a', 'Ongoing'));
    const torn = encodeTxnLogLine(entry('a', 'PrepareCommit')).subarray(0, 30);
    fs.writeFileSync(file, Buffer.concat([good, torn]));
    assert.match(checkTxnLogFile(file).torn, /torn line at byte \d+ \(30 bytes, no newline\)/);
    const log = TransactionLog.open(opts());
    assert.strictEqual(log.recovered.get('a')?.state, 'Ongoing');
    assert.ok(
      logs.some((l) => /torn line at byte \d+ \(no newline\); cut 30 bytes/.test(l)),
      logs.join('\n'),
    );
    assert.deepStrictEqual(fs.readFileSync(file), good, 'the file is the good line only');
    await log.close(log.recovered.values());
  });

  it('a line with a bad checksum costs that line only; it is reported and the damaged file is kept', async () => {
    const bad = Buffer.from(encodeTxnLogLine(entry('a', 'PrepareCommit')));
    bad[20] ^= 0x01;
    fs.writeFileSync(
      file,
      Buffer.concat([encodeTxnLogLine(entry('a', 'Ongoing')), bad, encodeTxnLogLine(entry('b', 'Empty'))]),
    );
    assert.strictEqual(checkTxnLogFile(file).damaged.length, 1);
    const log = TransactionLog.open(opts());
    assert.deepStrictEqual(
      [...log.recovered.values()].map((e) => [e.id, e.state]),
      [
        ['a', 'Ongoing'],
        ['b', 'Empty'],
      ],
    );
    assert.ok(logs.some((l) => /bad line at byte \d+: checksum .* does not match/.test(l)));
    assert.ok(fs.readdirSync(dir).some((f) => f.startsWith('transactions.log.corrupt-')));
    await log.close(log.recovered.values());
  });

  it('a well-formed line that is not a valid entry (unknown state) is skipped as damaged', async () => {
    fs.writeFileSync(file, encodeTxnLogLine({ ...entry('a', 'Ongoing'), state: 'Sideways' } as never));
    const log = TransactionLog.open(opts());
    assert.strictEqual(log.recovered.size, 0);
    assert.ok(logs.some((l) => /unknown state "Sideways"/.test(l)));
    await log.close([]);
  });

  it('a failed write (a full disk) is KAFKA_STORAGE_ERROR naming the file, and leaves the file as it was', async () => {
    let fail = false;
    const io = {
      ...realIo,
      writeSync: (fd: number, b: Uint8Array, o: number, l: number, p: number) => {
        if (fail) {
          realIo.writeSync(fd, b, o, Math.min(5, l), p);
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        }
        return realIo.writeSync(fd, b, o, l, p);
      },
    };
    const log = TransactionLog.open({ ...opts(), io });
    await log.append(entry('a', 'Empty'), () => []);
    const before = fs.readFileSync(file);
    fail = true;
    assert.throws(
      () => log.append(entry('a', 'Ongoing'), () => []),
      (e: unknown) =>
        e instanceof KafkaError &&
        e.code === ErrorCode.KAFKA_STORAGE_ERROR &&
        /could not store state Ongoing of "a" in .*transactions\.log: ENOSPC/.test(e.message),
    );
    assert.deepStrictEqual(fs.readFileSync(file), before);
    await log.close([]);
  });

  it('a coordinator whose transactions.log cannot be written refuses the move and keeps its state', async () => {
    let fail = false;
    const io = {
      ...realIo,
      writeSync: (fd: number, b: Uint8Array, o: number, l: number, p: number) => {
        if (fail) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        return realIo.writeSync(fd, b, o, l, p);
      },
    };
    const o = await openCoordinator(dir, { extra: { io } });
    const p = await o.coordinator.initProducerId('tx', 60000);
    fail = true;
    await assert.rejects(
      () => o.coordinator.addPartitions('tx', p.producerId, 0, [{ topic: 'orders', partition: 0 }]),
      (e: unknown) => e instanceof KafkaError && e.code === ErrorCode.KAFKA_STORAGE_ERROR,
    );
    assert.strictEqual(o.coordinator.describe('tx')!.state, 'Empty');
    await assert.rejects(o.coordinator.initProducerId('new-id', 60000), (e: unknown) => e instanceof KafkaError);
    assert.strictEqual(
      o.coordinator.describe('new-id'),
      undefined,
      'an id whose first state was not stored is not kept',
    );
    fail = false;
    await o.coordinator.close();
    await o.offsets.close();
  });

  it('the file is compacted while it grows, one line per id', async () => {
    const o = await openCoordinator(dir, { extra: { logCompactMinBytes: 2048 } });
    const keep = await o.coordinator.initProducerId('keep', 60000);
    for (let i = 0; i < 40; i++) {
      await o.coordinator.addPartitions('keep', keep.producerId, keep.producerEpoch, [
        { topic: 'orders', partition: i % 3 },
      ]);
      await o.coordinator.endTxn('keep', keep.producerId, keep.producerEpoch, i % 2 === 0);
    }
    assert.ok(fs.statSync(file).size <= 2048 + 1024, `compacted as it grew (${fs.statSync(file).size} bytes)`);
    await o.coordinator.close();
    await o.offsets.close();
    assert.strictEqual(checkTxnLogFile(file).lines, 1);
  });

  it('an id forgotten by the append that triggers a compaction stays forgotten', async () => {
    // Two ids, 'forget' idle past the expiration, 'keep' not; the threshold is set so that the tombstone of
    // 'forget' is the append that crosses it (sizes measured by a dry run of the same steps).
    const steps = async (d: string, compactMinBytes: number) => {
      const o = await openCoordinator(d, {
        extra: { logCompactMinBytes: compactMinBytes, abortCheckIntervalMs: 1000, idExpirationMs: 60_000 },
      });
      await o.coordinator.initProducerId('forget', 60000);
      o.clock.advance(30_000);
      await o.coordinator.initProducerId('keep', 60000);
      return o;
    };
    const dry = fs.mkdtempSync(path.join(os.tmpdir(), 'kl-txnlog-dry-'));
    const d0 = await steps(dry, 1 << 20);
    const size = fs.statSync(path.join(dry, 'transactions.log')).size;
    await d0.coordinator.close();
    await d0.offsets.close();
    fs.rmSync(dry, { recursive: true, force: true });
    const tombstone = encodeTxnLogLine({ dead: 'forget' }).length;
    const o = await steps(dir, size + tombstone - 1);
    o.clock.advance(31_000);
    await o.coordinator.durable();
    assert.strictEqual(o.coordinator.describe('forget'), undefined);
    assert.strictEqual(checkTxnLogFile(file).lines, 1, 'the compaction wrote only the live id');
    const again = TransactionLog.open(opts());
    assert.deepStrictEqual([...again.recovered.keys()], ['keep']);
    await again.close(again.recovered.values());
    await o.coordinator.close();
    await o.offsets.close();
  });
});
