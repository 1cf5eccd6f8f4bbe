// The java tier: JVM applications against a real Kafka Lite broker, one Maven project each, all against the same
// broker. `kafka-lite serve` (dist/cli.js, so `npm run build` first) runs on a fresh data directory and an
// ephemeral port; each project runs `mvn test` with -Dkafka.bootstrap, then the broker is stopped. Projects:
//   clients  test/compat/java/clients  the Java client (kafka-clients), once per client line (-Dkafka.version:
//                                      the newest 4.x and a 3.x)
//   streams  test/compat/java/streams  Kafka Streams: a word count, its internal topics, restore after restart
//   spring   test/compat/java/spring   Spring for Apache Kafka in a Spring Boot application
//   tools    test/compat/java/tools    Kafka's command-line tools (kafka-topics, console producer/consumer,
//                                      kafka-consumer-groups, kafka-configs, kafka-get-offsets) as separate JVMs
//   schemas  test/compat/java/schemas  Spring Cloud Stream's schema registry client (Confluent REST API) and its
//                                      Avro message converter against the embedded Schema Registry
// The broker always serves its Schema Registry on a free port (--schema-registry-port 0): every project gets its
// URL as -Dschema.registry.url, as it gets -Dkafka.bootstrap (a restart moves the registry to another free port).
// A test may restart the broker (same data directory, same port): it POSTs to the URL in the system property
// kafka.restart.url (`?crash=1` kills it with SIGKILL instead of SIGTERM); the answer comes once it listens again.
// KAFKA_LITE_JAVA_PROJECTS=clients,tools runs a subset; KAFKA_LITE_JAVA_CLIENTS=4.4.0 picks the client lines.
// Maven's local repository is the project's cache folder (.vscode-test/m2), so a second run resolves nothing
// from the network. Fails loudly (never skips) when java or mvn is missing: scripts/ensure-system-deps.sh
// installs them. Prints "N passing" / "N failing" per Maven run so scripts/test-all.mjs counts the JUnit tests.
import { spawn, spawnSync } from 'child_process';
import fs from 'fs';
import http from 'http';
import os from 'os';
import path from 'path';
import { fileURLToPath } from 'url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLIENT_LINES = (process.env.KAFKA_LITE_JAVA_CLIENTS ?? '4.4.0,3.9.1').split(',');
const PROJECTS = [
  ...CLIENT_LINES.map((version) => ({
    group: 'clients',
    label: `kafka-clients ${version}`,
    dir: 'test/compat/java/clients',
    // node and the CLI: the broker-restart test starts a broker of its own
    args: [
      `-Dkafka.version=${version}`,
      `-Dkafkalite.node=${process.execPath}`,
      `-Dkafkalite.cli=${path.join(root, 'dist', 'cli.js')}`,
    ],
  })),
  { group: 'streams', label: 'Kafka Streams 4.4.0', dir: 'test/compat/java/streams', args: [] },
  { group: 'spring', label: 'Spring for Apache Kafka (Spring Boot 4.0.7)', dir: 'test/compat/java/spring', args: [] },
  { group: 'tools', label: 'Kafka command-line tools 4.4.0', dir: 'test/compat/java/tools', args: [] },
  {
    group: 'schemas',
    label: 'Spring Cloud Stream schema registry client 4.2.0',
    dir: 'test/compat/java/schemas',
    args: [],
  },
];
const ALL_GROUPS = [...new Set(PROJECTS.map((p) => p.group))];
const GROUPS = (process.env.KAFKA_LITE_JAVA_PROJECTS ?? ALL_GROUPS.join(',')).split(',').filter(Boolean);
for (const g of GROUPS) {
  if (!ALL_GROUPS.includes(g)) {
    console.error(`java tier: unknown project "${g}" in KAFKA_LITE_JAVA_PROJECTS (known: ${ALL_GROUPS.join(', ')})`);
    process.exit(1);
  }
}
const M2 = path.join(root, '.vscode-test', 'm2');

for (const tool of ['java', 'mvn']) {
  const r = spawnSync(tool, ['-version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    console.error(
      `java tier: \`${tool}\` is required (install a JDK 17+ and Maven: bash scripts/ensure-system-deps.sh)`,
    );
    process.exit(1);
  }
}
if (!fs.existsSync(path.join(root, 'dist', 'cli.js'))) {
  console.error('java tier: dist/cli.js is missing: run `npm run build` first');
  process.exit(1);
}

let brokerLog = '';

function startBroker(dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kl-java-')), port = 0) {
  const args = [path.join(root, 'dist', 'cli.js'), 'serve', '--data-dir', dataDir, '--port', String(port)];
  args.push('--schema-registry-port', '0');
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr.on('data', (d) => (brokerLog += d));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`kafka-lite serve did not start within 20 s:\n${out}${brokerLog}`)),
      20_000,
    );
    const onExit = (code) => reject(new Error(`kafka-lite serve exited with ${code}:\n${out}${brokerLog}`));
    child.on('exit', onExit);
    child.stdout.on('data', (d) => {
      out += d;
      // the registry's line comes right after the broker's
      const m = /listening on (\S+):(\d+)/.exec(out);
      const sr = /schema registry on (http:\/\/\S+)/.exec(out);
      if (m && sr) {
        clearTimeout(timer);
        child.off('exit', onExit);
        const bootstrap = `${m[1]}:${m[2]}`;
        resolve({ child, dataDir, bootstrap, port: Number(m[2]), registryUrl: sr[1], log: () => brokerLog });
      }
    });
  });
}

function stopBroker(b, signal = 'SIGTERM') {
  return new Promise((res) => {
    if (b.child.exitCode !== null || b.child.signalCode !== null) return res();
    b.child.once('exit', res);
    b.child.kill(signal);
  });
}

function mvn(project, args) {
  return new Promise((resolve) => {
    const child = spawn('mvn', ['-B', '-Dmaven.repo.local=' + M2, '-f', path.join(project, 'pom.xml'), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const echo = (d) => {
      out += d;
      process.stdout.write(d);
    };
    child.stdout.on('data', echo);
    child.stderr.on('data', echo);
    child.on('close', (code) => resolve({ code, out }));
  });
}

/** Surefire's closing "Tests run: N, Failures: F, Errors: E, Skipped: S" (the one without " -- in <class>"). */
function surefireTotals(out) {
  let last = null;
  for (const m of out.matchAll(/Tests run: (\d+), Failures: (\d+), Errors: (\d+), Skipped: (\d+)(?! -)/g)) last = m;
  if (!last) return null;
  const [run, failures, errors, skipped] = last.slice(1).map(Number);
  return { run, failed: failures + errors, skipped };
}

let broker = await startBroker();
console.log(
  `java tier: Kafka Lite on ${broker.bootstrap}, schema registry on ${broker.registryUrl} (data in ${broker.dataDir})`,
);
const control = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (req.method !== 'POST' || url.pathname !== '/restart') {
    res.writeHead(404).end('POST /restart[?crash=1]\n');
    return;
  }
  const crash = url.searchParams.get('crash') === '1';
  const t0 = Date.now();
  stopBroker(broker, crash ? 'SIGKILL' : 'SIGTERM')
    .then(() => startBroker(broker.dataDir, broker.port))
    .then((b) => {
      broker = b;
      console.log(`java tier: broker restarted (${crash ? 'SIGKILL' : 'SIGTERM'}) in ${Date.now() - t0} ms`);
      res.writeHead(200).end(`restarted on ${b.bootstrap}\n`);
    })
    .catch((e) => res.writeHead(500).end(`restart failed: ${e.message}\n`));
});
await new Promise((res) => control.listen(0, '127.0.0.1', res));
const restartUrl = `http://127.0.0.1:${control.address().port}/restart`;
console.log(`java tier: tests restart the broker with POST ${restartUrl}`);
let failed = false;
const summary = [];
try {
  for (const project of PROJECTS.filter((p) => GROUPS.includes(p.group))) {
    console.log(`\n--- ${project.label} (${project.dir}) ---`);
    const t0 = Date.now();
    const r = await mvn(path.join(root, project.dir), [
      'test',
      ...project.args,
      `-Dkafka.bootstrap=${broker.bootstrap}`,
      `-Dschema.registry.url=${broker.registryUrl}`,
      `-Dkafka.restart.url=${restartUrl}`,
    ]);
    const seconds = ((Date.now() - t0) / 1000).toFixed(0);
    const t = surefireTotals(r.out);
    if (!t || t.run === 0) {
      console.log(`${project.label}: Maven ran no test (exit ${r.code})`);
      console.log('  0 passing\n  1 failing');
      summary.push(`${project.label}: Maven ran no test (exit ${r.code}), ${seconds} s`);
      failed = true;
      continue;
    }
    if (t.skipped > 0) failed = true; // a skipped JUnit test is a failure here, never a pass
    const passed = t.run - t.failed - t.skipped;
    const line = `${project.label}: ${passed} passed, ${t.failed} failed, ${t.skipped} skipped`;
    console.log(`\n${line}`);
    console.log(`  ${passed} passing`);
    if (t.failed + t.skipped > 0) console.log(`  ${t.failed + t.skipped} failing`);
    summary.push(`${line} (${seconds} s)`);
    if (r.code !== 0) failed = true;
  }
} finally {
  control.close();
  await stopBroker(broker);
  fs.rmSync(broker.dataDir, { recursive: true, force: true });
}
console.log(`\njava tier:\n${summary.map((l) => `  ${l}`).join('\n')}`);
if (failed) console.error(`java tier FAILED; broker log (warnings and errors):\n${broker.log()}`);
process.exit(failed ? 1 : 0);
