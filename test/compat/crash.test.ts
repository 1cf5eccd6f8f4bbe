/**
 * A killed broker process (SIGKILL, no clean shutdown) loses nothing an acks=all producer was told is stored.
 * The broker runs as `node dist/cli.js serve` (the headless CLI, built by `npm test`'s pretest), kafkajs produces
 * over the wire, the process is killed mid-stream, and the same data directory is reopened: first by the engine
 * (recovery runs, every acknowledged record is there, in order), then by the CLI again, where kafkajs keeps
 * producing at the right offsets.
 */
import * as assert from 'assert';
import type { ChildProcess } from 'child_process';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Producer } from 'kafkajs';
import { Kafka, logLevel } from 'kafkajs';
import { Broker } from '../../src/broker/broker';

const root = path.resolve(__dirname, '..', '..', '..');
const cli = path.join(root, 'dist', 'cli.js');

function serve(dataDir: string): Promise<{ child: ChildProcess; port: number }> {
  if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--data-dir', dataDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the CLI did not report its port in 15 s:\n${out}`)), 15000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]) });
      }
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => reject(new Error(`the CLI exited (${code}) before listening:\n${out}`)));
  });
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe('a broker process killed with SIGKILL', function () {
  this.timeout(120000);
  let dir: string;
  let child: ChildProcess | undefined;
  let producer: Producer | undefined;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-crash-'));
  });

  afterEach(async () => {
    await producer?.disconnect().catch(() => undefined);
    producer = undefined;
    if (child && child.exitCode === null && child.signalCode === null) await killed(child);
    child = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every record an acks=all producer was told is stored, and appends continue at the right offset', async () => {
    const first = await serve(dir);
    child = first.child;
    const kafka = new Kafka({
      clientId: 'crash-test',
      brokers: [`127.0.0.1:${first.port}`],
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    });
    producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    const acked: { offset: number; value: string }[] = [];
    for (let i = 0; i < 40; i++) {
      const messages = Array.from({ length: 25 }, (_, j) => ({ key: `k${j % 5}`, value: `batch-${i}-record-${j}` }));
      const [meta] = await producer.send({ topic: 'crashy', acks: -1, messages });
      const base = Number(meta.baseOffset);
      messages.forEach((m, j) => acked.push({ offset: base + j, value: m.value }));
    }
    await producer.disconnect();
    producer = undefined;
    await killed(first.child);
    child = undefined;
    assert.ok(!fs.existsSync(path.join(dir, '.clean-shutdown')), 'a killed process leaves no clean-shutdown marker');

    // The engine reopens the folder (recovery runs) and returns exactly the acknowledged records, in order.
    const broker = await Broker.open({ dataDir: dir });
    try {
      assert.strictEqual(broker.logs.openedCleanly, false, 'the reopen went through recovery');
      const info = broker.partitionInfo('crashy', 0);
      assert.strictEqual(info.logEndOffset, acked.length);
      const records = broker.readRecords('crashy', 0, 0, acked.length + 10);
      assert.deepStrictEqual(
        records.map((r) => ({ offset: r.offset, value: r.value!.toString() })),
        acked,
      );
    } finally {
      await broker.close();
    }

    // The CLI serves the same folder again; a producer continues at the next offset.
    const second = await serve(dir);
    child = second.child;
    const kafka2 = new Kafka({
      clientId: 'crash-test-2',
      brokers: [`127.0.0.1:${second.port}`],
      logLevel: logLevel.NOTHING,
    });
    producer = kafka2.producer();
    await producer.connect();
    const [meta] = await producer.send({ topic: 'crashy', acks: -1, messages: [{ value: 'after-restart' }] });
    assert.strictEqual(Number(meta.baseOffset), acked.length);
  });
});
