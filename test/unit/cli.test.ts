// `kafka-lite serve` as a process (dist/cli.js, built by `npm run build`): what a shell user relies on.
import * as assert from 'assert';
import type { ChildProcess } from 'child_process';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { Kafka, logLevel } from 'kafkajs';
import { Broker } from '../../src/broker/broker';
import { frame } from './protocol/helpers';

const root = path.resolve(__dirname, '..', '..', '..');
const cli = path.join(root, 'dist', 'cli.js');
/** Preloaded into the CLI process to make its disk full when SIGTERM arrives (see full-disk.ts). */
const fullDiskPreload = path.join(__dirname, 'full-disk.js');

/** Resolves with the first line the process prints on stdout and the port in it. */
function firstLine(child: ChildProcess): Promise<{ line: string; port: number }> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const onData = (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      child.stdout!.off('data', onData);
      const line = out.slice(0, nl);
      const m = /listening on [^:]+:(\d+)/.exec(line);
      if (!m) reject(new Error(`unexpected first line: ${line}`));
      else resolve({ line, port: Number(m[1]) });
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the CLI exited (${code}) before listening:\n${out}${err}`)));
  });
}

/** One ApiVersions round trip; resolves with the correlation id of the answer. */
function apiVersions(port: number, clientId: string, correlationId: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(frame(18, 0, correlationId, () => {}, { clientId })));
    let buf = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 8 && buf.length >= 4 + buf.readInt32BE(0)) {
        s.destroy();
        resolve(buf.readInt32BE(4));
      }
    });
    s.on('error', reject);
    s.on('close', () => reject(new Error('connection closed before an answer')));
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('kafka-lite serve (the CLI process)', function () {
  this.timeout(30_000);
  let dir: string;
  let child: ChildProcess | undefined;

  beforeEach(() => {
    if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-cli-'));
  });
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
    child = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps serving when its stdout reader goes away (serve | head -1), and still stops cleanly on SIGTERM', async () => {
    child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--data-dir', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const { port } = await firstLine(child);
    // what `head -1` does after its line: close the read end of the pipe
    child.stdout!.destroy();
    // each connection logs an info line to the closed stdout (EPIPE); the broker must keep answering
    for (let i = 1; i <= 3; i++) {
      const answered = await apiVersions(port, `after-head-${i}`, i).catch((e: Error) => {
        throw new Error(`request ${i}: ${e.message}; the broker's stderr:\n${stderr}`);
      });
      assert.strictEqual(answered, i);
    }
    assert.strictEqual(child.exitCode, null, `the broker died:\n${stderr}`);
    child.kill('SIGTERM');
    assert.strictEqual(await exited(child), 0, stderr);
    assert.doesNotMatch(stderr, /EPIPE|Unhandled/, stderr);
  });

  it('SIGTERM on a full disk still exits 0 when the log is intact, naming what it could not write', async () => {
    child = spawn(process.execPath, ['-r', fullDiskPreload, cli, 'serve', '--port', '0', '--data-dir', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, KAFKA_LITE_TEST_FULL_DISK: 'on-sigterm' },
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const { port } = await firstLine(child);
    const kafka = new Kafka({ brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 3 } });
    const producer = kafka.producer({ idempotent: true, allowAutoTopicCreation: true });
    await producer.connect();
    await producer.send({ topic: 'kept', acks: -1, messages: [{ value: 'before-the-disk-filled' }] });
    await producer.disconnect();
    child.kill('SIGTERM');
    const code = await exited(child);
    assert.strictEqual(code, 0, stderr);
    assert.match(stderr, /could not write/, stderr);
    assert.match(stderr, /ENOSPC/, stderr);
    // the acknowledged record is there on the next open
    const broker = await Broker.open({ dataDir: dir, logger: () => undefined });
    try {
      const r = broker.fetch('kept', 0, 0, 1024 * 1024);
      assert.ok(r.records.includes(Buffer.from('before-the-disk-filled')), 'the record survived');
      assert.strictEqual(broker.partitionInfo('kept', 0).logEndOffset, 1);
    } finally {
      await broker.close();
    }
  });

  it('--connections-max-idle-ms closes a quiet connection; a bad value is refused naming the flag', async () => {
    child = spawn(
      process.execPath,
      [
        cli,
        'serve',
        '--port',
        '0',
        '--data-dir',
        dir,
        '--connections-max-idle-ms',
        '200',
        '--max-request-bytes',
        '65536',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const { port } = await firstLine(child);
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => {});
    await new Promise((resolve) => s.on('close', resolve)); // closed by the broker after 200 ms of silence
    child.kill('SIGTERM');
    await exited(child);
    const bad = spawn(process.execPath, [cli, 'serve', '--max-request-bytes', 'lots'], { stdio: 'pipe' });
    let err = '';
    bad.stderr.on('data', (d: Buffer) => (err += d.toString()));
    assert.strictEqual(await exited(bad), 1);
    assert.match(err, /--max-request-bytes must be an integer/);
  });
  it('serves the Schema Registry on 127.0.0.1 and prints its address after the listening line; --no-schema-registry turns it off', async () => {
    const lines = (c: ChildProcess, count: number) =>
      new Promise<string[]>((resolve, reject) => {
        let out = '';
        c.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const ls = out.split('\n');
          if (ls.length > count) resolve(ls.slice(0, count));
        });
        c.once('exit', (code) => reject(new Error(`the CLI exited (${code}):\n${out}`)));
      });
    child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--data-dir', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const [first, second] = await lines(child, 2);
    assert.match(first, /listening on 127\.0\.0\.1:\d+/);
    const m = /schema registry on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(second);
    assert.ok(m, `second line: ${second}`);
    assert.notStrictEqual(m[2], '8081', 'with --port 0 the registry takes a free port too');
    const res = await fetch(`${m[1]}/subjects/cli-value/versions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: '"string"' }),
    });
    assert.deepStrictEqual(await res.json(), { id: 1 });
    child.kill('SIGTERM');
    assert.strictEqual(await exited(child), 0);
    // the registration is in the _schemas topic of the data directory
    const broker = await Broker.open({ dataDir: dir, logger: () => undefined });
    try {
      assert.strictEqual(broker.getTopic('_schemas')?.configs['cleanup.policy'], 'compact');
      assert.strictEqual(broker.readRecords('_schemas', 0, 0, 10).length, 1);
    } finally {
      await broker.close();
    }

    child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--data-dir', dir, '--no-schema-registry'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await firstLine(child);
    let more = '';
    child.stdout!.on('data', (d: Buffer) => (more += d.toString()));
    child.kill('SIGTERM');
    assert.strictEqual(await exited(child), 0);
    assert.doesNotMatch(more, /schema registry on/);
  });

  it('--schema-registry-port: a taken port is refused naming the way out; a bad value names the flag', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const taken = (blocker.address() as net.AddressInfo).port;
    try {
      const c = spawn(
        process.execPath,
        [cli, 'serve', '--port', '0', '--data-dir', dir, '--schema-registry-port', String(taken)],
        {
          stdio: 'pipe',
        },
      );
      let err = '';
      c.stderr.on('data', (d: Buffer) => (err += d.toString()));
      assert.strictEqual(await exited(c), 1);
      assert.match(
        err,
        new RegExp(`schema registry port ${taken} on 127\\.0\\.0\\.1 is already in use.*--no-schema-registry`),
      );
    } finally {
      blocker.close();
    }
    const bad = spawn(process.execPath, [cli, 'serve', '--schema-registry-port', '70000'], { stdio: 'pipe' });
    let err = '';
    bad.stderr.on('data', (d: Buffer) => (err += d.toString()));
    assert.strictEqual(await exited(bad), 1);
    assert.match(err, /--schema-registry-port must be an integer in 0\.\.65535/);
  });
});
