// Apache Kafka 4.x as the reference broker, from Maven Central jars (no tarball, no Docker): one combined
// KRaft broker+controller on 127.0.0.1 that the `reference` test tier and `npm run bench` compare Kafka Lite with.
//
// Contract:
//   ensureKafkaJars()  resolves org.apache.kafka:kafka_2.13, kafka-tools and a log4j2 binding into
//                      .vscode-test/kafka-<version>/libs through a small Maven project written into that folder
//                      (Maven's local repository is .vscode-test/m2, so a second run downloads nothing). Tries
//                      KAFKA_REFERENCE_VERSION or 4.4.0, then 4.3.1. Returns { version, libs }.
//   startKafka(opts)   formats a fresh KRaft storage dir (kafka.tools.StorageTool format --standalone), writes
//                      server.properties (free ports, auto-create on, every internal topic at replication 1,
//                      group.initial.rebalance.delay.ms=0), starts kafka.Kafka with -Xmx512m and logs to a file,
//                      waits until a Metadata request answers with a broker and a controller, and returns
//                      { bootstrap, port, pid, dir, startupMs, rssKb(), stop() }. stop() sends SIGTERM and waits
//                      for the process (SIGKILL after 30 s). startupMs runs from spawn to the first Metadata answer.
//   CLI: `node scripts/reference-kafka.mjs start|stop|status`: start leaves Kafka running in the background
//        (state in .vscode-test/kafka-<version>/run/state.json; a second start reuses a live one), stop ends it,
//        status prints whether it runs and where. Exit 1 with a message naming the problem when java or mvn is
//        missing or Kafka does not come up (the last lines of its log are printed).
import { spawn, spawnSync } from 'child_process';
import fs from 'fs';
import net from 'net';
import os from 'os';
import path from 'path';
import { fileURLToPath } from 'url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = path.join(root, '.vscode-test');
const M2 = path.join(CACHE, 'm2');
const VERSIONS = process.env.KAFKA_REFERENCE_VERSION ? [process.env.KAFKA_REFERENCE_VERSION] : ['4.4.0', '4.3.1'];
const LOG4J_VERSION = '2.25.3';
const SLF4J_VERSION = '2.0.17';

/** Throw a clear error when a required tool is missing. */
export function requireTools() {
  for (const [tool, args] of [
    ['java', ['-version']],
    ['mvn', ['-v']],
  ]) {
    const r = spawnSync(tool, args, { encoding: 'utf8' });
    if (r.error || r.status !== 0) {
      throw new Error(
        `reference Kafka: \`${tool}\` is required (a JDK 17+ and Maven; bash scripts/ensure-system-deps.sh installs both)`,
      );
    }
  }
}

function pom(version) {
  // slf4j-api 2.x is named on purpose: Kafka's own dependency is slf4j 1.7, which cannot see the slf4j2 binding.
  const dep = (g, a, v) =>
    `    <dependency><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version></dependency>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by scripts/reference-kafka.mjs: the classpath of the reference Kafka broker. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.kafkalite</groupId>
  <artifactId>reference-kafka</artifactId>
  <version>${version}</version>
  <packaging>pom</packaging>
  <dependencies>
${dep('org.apache.kafka', 'kafka_2.13', version)}
${dep('org.apache.kafka', 'kafka-tools', version)}
${dep('org.apache.logging.log4j', 'log4j-slf4j2-impl', LOG4J_VERSION)}
${dep('org.apache.logging.log4j', 'log4j-core', LOG4J_VERSION)}
${dep('org.slf4j', 'slf4j-api', SLF4J_VERSION)}
  </dependencies>
</project>
`;
}

function resolveVersion(version) {
  const home = path.join(CACHE, `kafka-${version}`);
  const libs = path.join(home, 'libs');
  const marker = path.join(libs, '.complete');
  if (fs.existsSync(marker)) return { version, home, libs };
  fs.mkdirSync(home, { recursive: true });
  fs.writeFileSync(path.join(home, 'pom.xml'), pom(version));
  fs.rmSync(libs, { recursive: true, force: true });
  const r = spawnSync(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      path.join(home, 'pom.xml'),
      'dependency:copy-dependencies',
      `-DoutputDirectory=${libs}`,
      `-Dmaven.repo.local=${M2}`,
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (r.status !== 0 || !fs.existsSync(path.join(libs, `kafka_2.13-${version}.jar`))) {
    return {
      version,
      error: `mvn exited ${r.status}: ${(r.stdout + r.stderr).trim().split('\n').slice(-8).join('\n')}`,
    };
  }
  fs.writeFileSync(marker, new Date().toISOString() + '\n');
  return { version, home, libs };
}

/** Resolve the broker's jars (cached); returns { version, home, libs }. */
export function ensureKafkaJars() {
  requireTools();
  const errors = [];
  for (const v of VERSIONS) {
    const r = resolveVersion(v);
    if (!r.error) return r;
    errors.push(`kafka ${v}: ${r.error}`);
  }
  throw new Error(`reference Kafka: could not resolve the broker jars with Maven:\n${errors.join('\n')}`);
}

/** n distinct free loopback ports (each probe stays bound until all are, so no port is handed out twice). */
export async function freePorts(n) {
  const servers = [];
  try {
    for (let i = 0; i < n; i++) {
      const s = net.createServer();
      servers.push(s);
      await new Promise((resolve, reject) => {
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => resolve());
      });
    }
    return servers.map((s) => s.address().port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  }
}

function java(libs, mainClass, args, opts = {}) {
  return spawn(
    'java',
    [
      '-Xmx512m',
      '-Xms512m',
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${opts.log4j}`,
      '-cp',
      path.join(libs, '*'),
      mainClass,
      ...args,
    ],
    { stdio: ['ignore', opts.out ?? 'pipe', opts.out ?? 'pipe'], detached: opts.detached ?? false },
  );
}

function log4jConfig(file) {
  return `<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN">
  <Appenders>
    <File name="file" fileName="${file}"><PatternLayout pattern="[%d] %p %m (%c)%n"/></File>
  </Appenders>
  <Loggers><Root level="info"><AppenderRef ref="file"/></Root></Loggers>
</Configuration>
`;
}

function serverProperties({ port, controllerPort, logDir }) {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.bootstrap.servers=127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${logDir}`,
    'num.partitions=1',
    'auto.create.topics.enable=true',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    '',
  ].join('\n');
}

function run(child) {
  return new Promise((resolve) => {
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (out += d));
    child.on('error', (e) => resolve({ code: -1, out: String(e) }));
    child.on('close', (code) => resolve({ code, out }));
  });
}

/**
 * One Metadata v1 request (all topics) on a fresh connection; resolves with { brokers, controllerId } or rejects.
 * Written out by hand so this script needs nothing but Node.
 */
export function metadataProbe(port, timeoutMs = 2000) {
  return new Promise((resolve, reject) => {
    const clientId = Buffer.from('reference-probe');
    const req = Buffer.alloc(4 + 2 + 2 + 4 + 2 + clientId.length + 4);
    let p = 0;
    p = req.writeInt32BE(req.length - 4, p);
    p = req.writeInt16BE(3, p); // Metadata
    p = req.writeInt16BE(1, p); // v1: a null topic array means every topic
    p = req.writeInt32BE(7, p);
    p = req.writeInt16BE(clientId.length, p);
    p += clientId.copy(req, p);
    req.writeInt32BE(-1, p);
    const s = net.connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error('metadata probe timed out'));
    }, timeoutMs);
    let buf = Buffer.alloc(0);
    s.on('connect', () => s.write(req));
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 4 || buf.length < 4 + buf.readInt32BE(0)) return;
      clearTimeout(timer);
      s.destroy();
      try {
        let q = 8; // size, correlation id
        const n = buf.readInt32BE(q);
        q += 4;
        for (let i = 0; i < n; i++) {
          q += 4; // node id
          q += 2 + buf.readInt16BE(q); // host
          q += 4; // port
          const rack = buf.readInt16BE(q);
          q += 2 + Math.max(0, rack);
        }
        resolve({ brokers: n, controllerId: buf.readInt32BE(q) });
      } catch (e) {
        reject(e);
      }
    });
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** VmRSS of a live process in KiB (Linux /proc), or null where it cannot be read. */
export function rssKb(pid) {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitExit(pid, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (alive(pid) && Date.now() < deadline) {
    if (child && child.exitCode !== null) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !alive(pid) || (child && child.exitCode !== null);
}

function tail(file, n = 30) {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-n).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Format and start a fresh single-node Kafka. opts.dir: where its data, config and log go (default: a new temp
 * folder, removed by stop()); opts.detached: leave it running when this process exits (CLI start);
 * opts.timeoutMs: how long to wait for the first Metadata answer (default 90 s).
 */
export async function startKafka(opts = {}) {
  const { version, libs } = ensureKafkaJars();
  const ownDir = !opts.dir;
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'reference-kafka-'));
  fs.mkdirSync(dir, { recursive: true });
  const logDir = path.join(dir, 'data');
  fs.rmSync(logDir, { recursive: true, force: true });
  const [port, controllerPort] = await freePorts(2);
  const props = path.join(dir, 'server.properties');
  const log4j = path.join(dir, 'log4j2.xml');
  const logFile = path.join(dir, 'server.log');
  fs.writeFileSync(props, serverProperties({ port, controllerPort, logDir }));
  fs.writeFileSync(log4j, log4jConfig(logFile));

  const clusterId = (await run(java(libs, 'kafka.tools.StorageTool', ['random-uuid'], { log4j }))).out
    .trim()
    .split('\n')
    .pop();
  const fmt = await run(
    java(libs, 'kafka.tools.StorageTool', ['format', '--standalone', '-t', clusterId, '-c', props], { log4j }),
  );
  if (fmt.code !== 0) throw new Error(`reference Kafka: storage format failed (exit ${fmt.code}):\n${fmt.out}`);

  const outFile = path.join(dir, 'stdout.log');
  const out = fs.openSync(outFile, 'w');
  const t0 = performance.now();
  const child = java(libs, 'kafka.Kafka', [props], { log4j, out, detached: opts.detached });
  fs.closeSync(out);
  const pid = child.pid;
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));
  const deadline = Date.now() + (opts.timeoutMs ?? 90_000);
  let startupMs = 0;
  for (;;) {
    if (exited) {
      throw new Error(
        `reference Kafka exited during startup (${exited.code ?? exited.signal}):\n${tail(outFile)}\n${tail(logFile)}`,
      );
    }
    try {
      const m = await metadataProbe(port, 1000);
      if (m.brokers > 0 && m.controllerId >= 0) {
        startupMs = performance.now() - t0;
        break;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(
        `reference Kafka did not answer Metadata within ${opts.timeoutMs ?? 90_000} ms:\n${tail(logFile)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (opts.detached) child.unref();
  let stopped = false;
  return {
    version,
    clusterId,
    bootstrap: `127.0.0.1:${port}`,
    port,
    controllerPort,
    pid,
    dir,
    logFile,
    startupMs,
    rssKb: () => rssKb(pid),
    async stop() {
      if (stopped) return;
      stopped = true;
      if (!exited) {
        process.kill(pid, 'SIGTERM');
        if (!(await waitExit(pid, child, 30_000))) {
          process.kill(pid, 'SIGKILL');
          await waitExit(pid, child, 5_000);
        }
      }
      if (ownDir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ------------------------------------------------------------------ CLI

function stateFile() {
  return path.join(CACHE, 'reference-kafka.json');
}

function readState() {
  try {
    return JSON.parse(fs.readFileSync(stateFile(), 'utf8'));
  } catch {
    return null;
  }
}

async function liveState() {
  const st = readState();
  if (!st || !alive(st.pid)) return null;
  try {
    await metadataProbe(st.port, 2000);
    return st;
  } catch {
    return { ...st, answering: false };
  }
}

async function cli(cmd) {
  switch (cmd) {
    case 'start': {
      const live = await liveState();
      if (live && live.answering !== false) {
        console.log(`reference Kafka ${live.version} already running on ${live.bootstrap} (pid ${live.pid})`);
        return 0;
      }
      const dir = path.join(CACHE, 'reference-kafka-run');
      const k = await startKafka({ dir, detached: true });
      const st = { version: k.version, bootstrap: k.bootstrap, port: k.port, pid: k.pid, dir, startupMs: k.startupMs };
      fs.writeFileSync(stateFile(), JSON.stringify(st, null, 2) + '\n');
      console.log(
        `reference Kafka ${k.version} on ${k.bootstrap} (pid ${k.pid}), up in ${(k.startupMs / 1000).toFixed(1)} s, RSS ${Math.round((k.rssKb() ?? 0) / 1024)} MiB; log: ${k.logFile}`,
      );
      return 0;
    }
    case 'stop': {
      const st = readState();
      if (!st || !alive(st.pid)) {
        console.log('reference Kafka is not running');
        fs.rmSync(stateFile(), { force: true });
        return 0;
      }
      process.kill(st.pid, 'SIGTERM');
      if (!(await waitExit(st.pid, null, 30_000))) process.kill(st.pid, 'SIGKILL');
      fs.rmSync(stateFile(), { force: true });
      console.log(`reference Kafka (pid ${st.pid}) stopped`);
      return 0;
    }
    case 'status': {
      const live = await liveState();
      if (!live) {
        console.log('reference Kafka is not running');
        return 3;
      }
      const rss = rssKb(live.pid);
      console.log(
        `reference Kafka ${live.version} ${live.answering === false ? 'is running but not answering' : 'is running'} on ${live.bootstrap} (pid ${live.pid}, RSS ${Math.round((rss ?? 0) / 1024)} MiB)`,
      );
      return live.answering === false ? 1 : 0;
    }
    default:
      console.error('usage: node scripts/reference-kafka.mjs start|stop|status');
      return 2;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  cli(process.argv[2]).then(
    (code) => process.exit(code),
    (e) => {
      console.error(e.message ?? e);
      process.exit(1);
    },
  );
}
