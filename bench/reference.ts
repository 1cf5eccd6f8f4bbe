/**
 * Reference benchmark (`npm run bench -- --json --only reference`): Kafka Lite beside Apache Kafka 4.x (the
 * reference broker of scripts/reference-kafka.mjs), each in its own process, measured the same way in one run.
 * For each broker: time from process spawn to the first Metadata answer, kcat producing 1,000,000 records of
 * 100 bytes with acks=1 into a one-partition topic and consuming them back (the consumed size proves every record
 * came back), the broker's RSS (VmRSS) after the produce, and kafkajs produce->consume latency at ~1,000
 * records/s (bench/kafkajs-latency-child). Ratios are Kafka Lite / Kafka: above 1 means Kafka Lite is faster for
 * the rates, slower / larger for startup, RSS and latency. Kafka Lite runs as `kafka-lite serve` (dist/cli.js, so
 * `npm run build` first, as `npm run bench` does).
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Kafka, logLevel } from 'kafkajs';
import { kafkajsLatency, runProcess } from './processes';

const RECORDS = 1_000_000;
const RECORD_BYTES = 100;

interface ReferenceKafka {
  version: string;
  bootstrap: string;
  pid: number;
  startupMs: number;
  rssKb(): number | null;
  stop(): Promise<void>;
}

interface ReferenceKafkaModule {
  startKafka(opts?: { dir?: string }): Promise<ReferenceKafka>;
  metadataProbe(port: number, timeoutMs?: number): Promise<{ brokers: number; controllerId: number }>;
  rssKb(pid: number): number | null;
}

function repoRoot(): string {
  for (let d = __dirname; d !== path.dirname(d); d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, 'scripts', 'reference-kafka.mjs'))) return d;
  }
  throw new Error(`scripts/reference-kafka.mjs not found above ${__dirname}`);
}

function referenceModule(root: string): ReferenceKafkaModule {
  // Node >= 20.19 loads an ES module (without top-level await) with require.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(root, 'scripts', 'reference-kafka.mjs')) as ReferenceKafkaModule;
}

interface Broker {
  name: string;
  bootstrap: string;
  pid: number;
  startupMs: number;
  stop(): Promise<void>;
}

/** `kafka-lite serve` on a fresh data dir; startup is spawn -> first Metadata answer, as for Kafka. */
async function startLite(root: string, mod: ReferenceKafkaModule, dataDir: string): Promise<Broker> {
  const cli = path.join(root, 'dist', 'cli.js');
  if (!fs.existsSync(cli)) throw new Error('dist/cli.js is missing: run `npm run build` first');
  const t0 = performance.now();
  const child: ChildProcess = spawn(process.execPath, [cli, 'serve', '--data-dir', dataDir, '--port', '0', '--quiet'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on \S+:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`kafka-lite serve exited with ${code}: ${out}`)));
  });
  for (;;) {
    try {
      await mod.metadataProbe(port, 1000);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  const startupMs = performance.now() - t0;
  return {
    name: 'Kafka Lite',
    bootstrap: `127.0.0.1:${port}`,
    pid: child.pid!,
    startupMs,
    async stop() {
      child.kill('SIGTERM');
      if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
    },
  };
}

interface Figures {
  startupMs: number;
  produceRate: number;
  consumeRate: number;
  rssKb: number;
  p99: number;
  p50: number;
}

async function measure(b: Broker, mod: ReferenceKafkaModule, recordsFile: string, tmp: string): Promise<Figures> {
  const kafka = new Kafka({ clientId: 'bench-ref', brokers: [b.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'ref', numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const produce = await runProcess('/usr/bin/kcat', [
    '-b',
    b.bootstrap,
    '-P',
    '-t',
    'ref',
    '-p',
    '0',
    '-l',
    recordsFile,
    '-X',
    'acks=1',
    '-X',
    'linger.ms=5',
    '-X',
    'batch.num.messages=10000',
    '-X',
    'queue.buffering.max.messages=2000000',
  ]);
  if (produce.code !== 0) throw new Error(`${b.name}: kcat produce failed: ${produce.stderr}`);
  const rssKb = mod.rssKb(b.pid) ?? NaN;
  const consumed = path.join(tmp, `consumed-${b.pid}.txt`);
  const consume = await runProcess(
    '/usr/bin/kcat',
    ['-b', b.bootstrap, '-C', '-t', 'ref', '-p', '0', '-o', 'beginning', '-e', '-q'],
    consumed,
  );
  if (consume.code !== 0) throw new Error(`${b.name}: kcat consume failed: ${consume.stderr}`);
  const size = fs.statSync(consumed).size;
  fs.rmSync(consumed, { force: true });
  if (size !== RECORDS * (RECORD_BYTES + 1))
    throw new Error(`${b.name}: consumed ${size} bytes, expected ${RECORDS * (RECORD_BYTES + 1)}`);
  const lat = await kafkajsLatency(b.bootstrap);
  const f: Figures = {
    startupMs: b.startupMs,
    produceRate: RECORDS / (produce.ms / 1000),
    consumeRate: RECORDS / (consume.ms / 1000),
    rssKb,
    p50: lat.p50,
    p99: lat.p99,
  };
  console.log(
    `${b.name.padEnd(10)} startup ${(f.startupMs / 1000).toFixed(2)} s | produce ${Math.round(f.produceRate)} rec/s | consume ${Math.round(f.consumeRate)} rec/s | RSS after produce ${Math.round(f.rssKb / 1024)} MiB | kafkajs latency p50 ${f.p50.toFixed(2)} ms p99 ${f.p99.toFixed(2)} ms`,
  );
  return f;
}

export async function run(): Promise<Record<string, number | string>> {
  const root = repoRoot();
  const mod = referenceModule(root);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-bench-ref-'));
  try {
    const recordsFile = path.join(tmp, 'records.txt');
    const line = Buffer.alloc(RECORD_BYTES + 1, 'r'.charCodeAt(0));
    line[RECORD_BYTES] = 10;
    const fd = fs.openSync(recordsFile, 'w');
    const block = Buffer.concat(Array.from({ length: 10_000 }, () => line));
    for (let i = 0; i < RECORDS / 10_000; i++) fs.writeSync(fd, block);
    fs.closeSync(fd);

    // One broker at a time, so neither competes with the other for the two cores.
    const k = await mod.startKafka({ dir: path.join(tmp, 'kafka') });
    let kf: Figures;
    try {
      kf = await measure(
        { name: 'Kafka', bootstrap: k.bootstrap, pid: k.pid, startupMs: k.startupMs, stop: () => k.stop() },
        mod,
        recordsFile,
        tmp,
      );
    } finally {
      await k.stop();
    }
    const lite = await startLite(root, mod, path.join(tmp, 'lite'));
    let lf: Figures;
    try {
      lf = await measure(lite, mod, recordsFile, tmp);
    } finally {
      await lite.stop();
    }
    const ratio = (a: number, b: number) => Number((a / b).toFixed(3));
    const figures = {
      ref_kafka_version: k.version,
      ref_kafka_startup_ms: Math.round(kf.startupMs),
      ref_lite_startup_ms: Math.round(lf.startupMs),
      ref_kafka_rss_mib: Math.round(kf.rssKb / 1024),
      ref_lite_rss_mib: Math.round(lf.rssKb / 1024),
      ref_kafka_produce_records_per_s: Math.round(kf.produceRate),
      ref_lite_produce_records_per_s: Math.round(lf.produceRate),
      ref_kafka_consume_records_per_s: Math.round(kf.consumeRate),
      ref_lite_consume_records_per_s: Math.round(lf.consumeRate),
      ref_kafka_latency_p99_ms: Number(kf.p99.toFixed(2)),
      ref_lite_latency_p99_ms: Number(lf.p99.toFixed(2)),
      ref_produce_ratio: ratio(lf.produceRate, kf.produceRate),
      ref_consume_ratio: ratio(lf.consumeRate, kf.consumeRate),
      ref_startup_ratio: ratio(lf.startupMs, kf.startupMs),
      ref_rss_ratio: ratio(lf.rssKb, kf.rssKb),
      ref_latency_p99_ratio: ratio(lf.p99, kf.p99),
      ref_latency_p50_ratio: ratio(lf.p50, kf.p50),
    };
    console.log(
      `Kafka Lite / Kafka ${k.version}: produce ${figures.ref_produce_ratio}, consume ${figures.ref_consume_ratio}, startup ${figures.ref_startup_ratio}, RSS ${figures.ref_rss_ratio}, latency p99 ${figures.ref_latency_p99_ratio}`,
    );
    return figures;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
