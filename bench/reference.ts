/**
 * Reference benchmark (`npm run bench -- --json --only reference`): Kafka Lite beside Apache Kafka 4.x (the
 * reference broker of scripts/reference-kafka.mjs), each in its own process, measured the same way in one run.
 * For each broker: time from process spawn to the first Metadata answer; kcat producing 1,000,000 records of
 * 100 bytes with acks=1 into a one-partition topic and consuming them back three times (the median consume
 * counts; the consumed size proves every record came back); the broker's RSS (VmRSS) after the produce; kafkajs
 * produce->consume latency at ~1,000 records/s (bench/kafkajs-latency-child); and Kafka's own perf tools
 * (kafka-tools' ProducerPerformance and ConsumerPerformance, what kafka-producer-perf-test.sh and
 * kafka-consumer-perf-test.sh run) producing 1,000,000 records of 100 bytes with acks=1 into another
 * one-partition topic and consuming them in a consumer group (the consume rate is the tool's fetch.nMsg.sec:
 * records over the time after the group join, so a broker's initial rebalance delay does not count). Ratios are
 * Kafka Lite / Kafka: above 1 means Kafka Lite is faster for the rates, slower / larger for startup, RSS and
 * latency. Also bench/transactions.ts's paired ratio of a transaction of 10 batches against the same batches
 * idempotent, with the same raw wire client against each broker (kafka_txn_vs_idempotent_ratio: what Apache
 * Kafka reaches on this machine). Kafka Lite runs as `kafka-lite serve` (dist/cli.js, so `npm run build` first, as `npm run bench` does).
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Kafka, logLevel } from 'kafkajs';
import { kafkajsLatency, runProcess } from './processes';
import { pairedRatio } from './transactions';

const RECORDS = 1_000_000;
const RECORD_BYTES = 100;
/** kcat consumes of the produced records per broker; the rate is the median one's. */
const CONSUMES = 3;
/** Rounds of bench/transactions.ts's paired transactional vs idempotent produce per broker. */
const TXN_ROUNDS = 3;

const portOf = (bootstrap: string) => Number(bootstrap.slice(bootstrap.lastIndexOf(':') + 1));

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
  ensureKafkaJars(): { version: string; libs: string };
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

/** The folder of kafka-tools and its dependencies: the tools project's (java tier), else the reference broker's. */
function toolsLibs(root: string, version: string, referenceLibs: string): string {
  const own = path.join(root, '.vscode-test', `kafka-tools-${version}`, 'libs');
  const has = (d: string) => fs.existsSync(d) && fs.readdirSync(d).some((f) => /^kafka-tools-\d.*\.jar$/.test(f));
  if (has(own)) return own;
  if (has(referenceLibs)) return referenceLibs;
  throw new Error(`no kafka-tools jar in ${own} or ${referenceLibs}: run scripts/reference-kafka.mjs start once`);
}

/** One of Kafka's tools in its own JVM, as kafka-run-class.sh starts it; returns what it printed to stdout. */
async function kafkaTool(libs: string, tmp: string, mainClass: string, args: string[]): Promise<string> {
  const out = path.join(tmp, `tool-${process.pid}-${Date.now()}.txt`);
  const r = await runProcess('java', ['-Xmx512m', '-cp', `${libs}/*`, mainClass, ...args], out);
  const text = fs.readFileSync(out, 'utf8');
  fs.rmSync(out, { force: true });
  if (r.code !== 0) throw new Error(`${mainClass} ${args.join(' ')} exited with ${r.code}: ${r.stderr}${text}`);
  return text;
}

/** kafka-producer-perf-test then kafka-consumer-perf-test, RECORDS x RECORD_BYTES, on a fresh topic. */
async function perfTests(b: Broker, libs: string, tmp: string): Promise<{ produce: number; consume: number }> {
  const produced = await kafkaTool(libs, tmp, 'org.apache.kafka.tools.ProducerPerformance', [
    '--topic',
    'perf',
    '--num-records',
    String(RECORDS),
    '--record-size',
    String(RECORD_BYTES),
    '--throughput',
    '-1',
    '--producer-props',
    `bootstrap.servers=${b.bootstrap}`,
    'acks=1',
  ]);
  // the last line sums up the run: "1000000 records sent, 412345.6 records/sec (39.32 MB/sec), ..."
  const sent = [...produced.matchAll(/^(\d+) records sent, ([\d.]+) records\/sec/gm)].pop();
  if (!sent || Number(sent[1]) !== RECORDS) throw new Error(`${b.name}: producer perf test printed:\n${produced}`);
  const consumed = await kafkaTool(libs, tmp, 'org.apache.kafka.tools.ConsumerPerformance', [
    '--bootstrap-server',
    b.bootstrap,
    '--topic',
    'perf',
    '--num-records',
    String(RECORDS),
    '--timeout',
    '60000',
  ]);
  // a header line naming the columns, then one line of values
  const lines = consumed.split('\n').map((l) => l.trim());
  const header = lines.findIndex((l) => l.startsWith('start.time'));
  const cols = header >= 0 ? lines[header].split(/,\s*/) : [];
  const vals = header >= 0 ? (lines[header + 1] ?? '').split(/,\s*/) : [];
  const col = (name: string) => Number(vals[cols.indexOf(name)]);
  if (col('data.consumed.in.nMsg') !== RECORDS || !(col('fetch.nMsg.sec') > 0))
    throw new Error(`${b.name}: consumer perf test printed:\n${consumed}`);
  return { produce: Number(sent[2]), consume: col('fetch.nMsg.sec') };
}

interface Figures {
  perfProduceRate: number;
  perfConsumeRate: number;
  startupMs: number;
  produceRate: number;
  consumeRate: number;
  rssKb: number;
  p99: number;
  p50: number;
}

async function measure(
  b: Broker,
  mod: ReferenceKafkaModule,
  recordsFile: string,
  tmp: string,
  libs: string,
): Promise<Figures> {
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
  // Consumed CONSUMES times and the median taken: on a shared machine one consume swings by 2x between
  // identical runs (1.3-2.8 s), more than any difference between the brokers.
  const consumeMs: number[] = [];
  for (let i = 0; i < CONSUMES; i++) {
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
    consumeMs.push(consume.ms);
  }
  const consumeMedianMs = [...consumeMs].sort((x, y) => x - y)[Math.floor(CONSUMES / 2)];
  const lat = await kafkajsLatency(b.bootstrap);
  const perf = await perfTests(b, libs, tmp);
  const f: Figures = {
    perfProduceRate: perf.produce,
    perfConsumeRate: perf.consume,
    startupMs: b.startupMs,
    produceRate: RECORDS / (produce.ms / 1000),
    consumeRate: RECORDS / (consumeMedianMs / 1000),
    rssKb,
    p50: lat.p50,
    p99: lat.p99,
  };
  console.log(
    `${b.name.padEnd(10)} startup ${(f.startupMs / 1000).toFixed(2)} s | produce ${Math.round(f.produceRate)} rec/s | consume ${Math.round(f.consumeRate)} rec/s | RSS after produce ${Math.round(f.rssKb / 1024)} MiB | kafkajs latency p50 ${f.p50.toFixed(2)} ms p99 ${f.p99.toFixed(2)} ms | perf-test produce ${Math.round(f.perfProduceRate)} rec/s consume ${Math.round(f.perfConsumeRate)} rec/s`,
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
    const libs = toolsLibs(root, k.version, mod.ensureKafkaJars().libs);
    let kf: Figures;
    let kt: Awaited<ReturnType<typeof pairedRatio>>;
    try {
      kf = await measure(
        { name: 'Kafka', bootstrap: k.bootstrap, pid: k.pid, startupMs: k.startupMs, stop: () => k.stop() },
        mod,
        recordsFile,
        tmp,
        libs,
      );
      kt = await pairedRatio(portOf(k.bootstrap), TXN_ROUNDS);
    } finally {
      await k.stop();
    }
    const lite = await startLite(root, mod, path.join(tmp, 'lite'));
    let lf: Figures;
    let lt: Awaited<ReturnType<typeof pairedRatio>>;
    try {
      lf = await measure(lite, mod, recordsFile, tmp, libs);
      lt = await pairedRatio(portOf(lite.bootstrap), TXN_ROUNDS);
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
      ref_kafka_perftest_produce_records_per_s: Math.round(kf.perfProduceRate),
      ref_lite_perftest_produce_records_per_s: Math.round(lf.perfProduceRate),
      ref_kafka_perftest_consume_records_per_s: Math.round(kf.perfConsumeRate),
      ref_lite_perftest_consume_records_per_s: Math.round(lf.perfConsumeRate),
      ref_perftest_produce_ratio: ratio(lf.perfProduceRate, kf.perfProduceRate),
      ref_perftest_consume_ratio: ratio(lf.perfConsumeRate, kf.perfConsumeRate),
      kafka_txn_vs_idempotent_ratio: Number(kt.ratio.toFixed(3)),
      lite_serve_txn_vs_idempotent_ratio: Number(lt.ratio.toFixed(3)),
    };
    const ms = (x: number) => x.toFixed(2);
    for (const [name, t] of [
      ['Kafka', kt],
      ['Kafka Lite', lt],
    ] as const)
      console.log(
        `${name}: transaction of 10 batches vs the same idempotent, median of paired ratios ${t.ratio.toFixed(2)} (p25 ${t.p25.toFixed(2)}, p75 ${t.p75.toFixed(2)}); per transaction AddPartitionsToTxn ${ms(t.perTxnMs.add)} ms, 10 Produce ${ms(t.perTxnMs.produce)} ms, EndTxn ${ms(t.perTxnMs.end)} ms`,
      );
    console.log(
      `Kafka Lite / Kafka ${k.version}: produce ${figures.ref_produce_ratio}, consume ${figures.ref_consume_ratio}, startup ${figures.ref_startup_ratio}, RSS ${figures.ref_rss_ratio}, latency p99 ${figures.ref_latency_p99_ratio}, perf-test produce ${figures.ref_perftest_produce_ratio}, perf-test consume ${figures.ref_perftest_consume_ratio}`,
    );
    return figures;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
