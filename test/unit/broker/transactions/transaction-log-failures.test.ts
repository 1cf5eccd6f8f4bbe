// transactions.log when the disk misbehaves: a compaction that cannot write its temporary file (a round goes on
// with an fdatasync, and warns once), the same after a failed fdatasync (the round fails, naming both), a close
// whose compaction fails (warned; the appended lines are kept), a closed log refusing appends, and the read-only
// check of a file that is missing or is not a file. The compaction's temporary file is blocked by a directory of
// its name, which fails even for root.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ErrorCode, KafkaError } from '../../../../src/broker/errors';
import type { TxnLogEntry } from '../../../../src/broker/transactions/transaction-log';
import { checkTxnLogFile, TransactionLog } from '../../../../src/broker/transactions/transaction-log';

const entry = (id: string, epoch = 0): TxnLogEntry => ({
  id,
  producerId: 7,
  producerEpoch: epoch,
  lastProducerId: -1,
  lastProducerEpoch: -1,
  timeoutMs: 60000,
  state: 'Empty',
  startTimestamp: -1,
  updateTimestamp: 100,
  partitions: [],
  groups: [],
});

describe('transaction log file when the disk misbehaves', () => {
  let dir: string;
  let file: string;
  let logs: string[];
  let syncs: number;
  let failSync: boolean;
  const open = (compactMinBytes?: number) =>
    TransactionLog.open({
      dir,
      now: () => 1_700_000_000_000,
      logger: (l: string, m: string) => logs.push(`${l} ${m}`),
      compactMinBytes,
      sync: () => {
        syncs++;
        return failSync ? Promise.reject(new Error('EIO: i/o error, fdatasync')) : Promise.resolve();
      },
    });
  /** Make the compaction's temporary file impossible to create. */
  const blockCompaction = () => fs.mkdirSync(`${file}.tmp`);
  const unblockCompaction = () => fs.rmdirSync(`${file}.tmp`);
  const compactionWarnings = () => logs.filter((l) => l.startsWith('warn transaction log compaction'));
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kl-txnlog-fail-'));
    file = path.join(dir, 'transactions.log');
    logs = [];
    syncs = 0;
    failSync = false;
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a compaction that fails is warned about once; the round makes the line durable with an fdatasync instead', async () => {
    const log = open(1);
    const live = new Map<string, TxnLogEntry>();
    blockCompaction();
    live.set('a', entry('a'));
    await log.append(entry('a'), () => live.values());
    assert.strictEqual(syncs, 1, 'an fdatasync made it durable');
    assert.strictEqual(compactionWarnings().length, 1, logs.join('\n'));
    assert.match(compactionWarnings()[0], /^warn transaction log compaction failed: EISDIR/);
    // the next small append does not cross the threshold again: no second attempt, no second warning
    live.set('a', entry('a', 1));
    await log.append(entry('a', 1), () => live.values());
    assert.strictEqual(syncs, 2);
    assert.strictEqual(compactionWarnings().length, 1, logs.join('\n'));
    assert.strictEqual(checkTxnLogFile(file).lines, 2, 'both lines appended, none compacted away');
    unblockCompaction();
    await log.close(live.values());
    const again = open();
    assert.deepStrictEqual([...again.recovered.values()], [entry('a', 1)]);
    await again.close(again.recovered.values());
  });

  it('after a failed fdatasync a round that cannot rewrite the file fails naming both; once it can, it succeeds', async () => {
    const log = open();
    const live = new Map([['a', entry('a')]]);
    failSync = true;
    await assert.rejects(
      log.append(entry('a'), () => live.values()),
      (e: Error) => {
        assert.ok(e instanceof KafkaError && e.code === ErrorCode.KAFKA_STORAGE_ERROR);
        assert.match(e.message, /could not make .* durable \(fdatasync: EIO: i\/o error, fdatasync\)/);
        return true;
      },
    );
    failSync = false;
    blockCompaction();
    await assert.rejects(log.flush(), (e: Error) => {
      assert.ok(e instanceof KafkaError && e.code === ErrorCode.KAFKA_STORAGE_ERROR);
      assert.strictEqual(
        e.message.startsWith(
          `could not make ${file} durable: its last fdatasync failed and rewriting it failed too: EISDIR`,
        ),
        true,
        e.message,
      );
      return true;
    });
    assert.deepStrictEqual(compactionWarnings(), [], 'an error, not a warning');
    unblockCompaction();
    const before = syncs;
    await log.flush();
    assert.strictEqual(syncs, before, 'made durable by rewriting the file, not by an fdatasync');
    assert.strictEqual(checkTxnLogFile(file).lines, 1);
    await log.close(live.values());
  });

  it('a close whose compaction fails warns, closes the file, and keeps every appended line', async () => {
    const log = open();
    const live = new Map([['a', entry('a', 2)]]);
    await log.append(entry('a', 1), () => live.values());
    await log.append(entry('a', 2), () => live.values());
    blockCompaction();
    await log.close(live.values());
    assert.strictEqual(compactionWarnings().length, 1, logs.join('\n'));
    assert.match(compactionWarnings()[0], /^warn transaction log compaction on close failed: EISDIR/);
    assert.throws(
      () => log.append(entry('a', 3), () => live.values()),
      (e: Error) =>
        e instanceof KafkaError &&
        e.code === ErrorCode.COORDINATOR_NOT_AVAILABLE &&
        e.message === `the transaction log ${file} is closed`,
    );
    assert.strictEqual(checkTxnLogFile(file).lines, 2, 'not compacted, nothing lost');
    unblockCompaction();
    const again = open();
    assert.deepStrictEqual([...again.recovered.values()], [entry('a', 2)]);
    await again.close(again.recovered.values());
  });

  it('the read-only check: a missing file is an empty log; a path that is not a file is an error', () => {
    assert.deepStrictEqual(checkTxnLogFile(path.join(dir, 'nothing.log')), { damaged: [], torn: '', lines: 0 });
    fs.mkdirSync(path.join(dir, 'adir'));
    assert.throws(() => checkTxnLogFile(path.join(dir, 'adir')), /EISDIR/);
  });
});
