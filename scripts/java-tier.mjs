// The java tier: the Java client (org.apache.kafka:kafka-clients) against a real Kafka Lite broker, once per
// client line (the newest 4.x and a 3.x), from the Maven project in test/compat/java/clients. Starts
// `kafka-lite serve` (dist/cli.js, so `npm run build` first) on a fresh data directory and an ephemeral port,
// runs `mvn test` with -Dkafka.bootstrap and -Dkafka.version, and stops the broker. Maven's local repository is
// the project's cache folder (.vscode-test/m2), so a second run resolves nothing from the network.
// Fails loudly (never skips) when java or mvn is missing: scripts/ensure-system-deps.sh installs them.
// Prints "N passing" / "N failing" per Maven run so scripts/test-all.mjs counts the JUnit tests.
import { spawn, spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { fileURLToPath } from 'url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLIENT_LINES = (process.env.KAFKA_LITE_JAVA_CLIENTS ?? '4.4.0,3.9.1').split(',');
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

function startBroker() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kl-java-'));
  const child = spawn(
    process.execPath,
    [path.join(root, 'dist', 'cli.js'), 'serve', '--data-dir', dataDir, '--port', '0'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let log = '';
  child.stderr.on('data', (d) => (log += d));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`kafka-lite serve did not start within 20 s:\n${out}${log}`)),
      20_000,
    );
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (\S+:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, dataDir, bootstrap: m[1], log: () => log });
      }
    });
    child.on('exit', (code) => reject(new Error(`kafka-lite serve exited with ${code}:\n${out}${log}`)));
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

const broker = await startBroker();
console.log(`java tier: Kafka Lite on ${broker.bootstrap} (data in ${broker.dataDir})`);
let failed = false;
try {
  for (const version of CLIENT_LINES) {
    console.log(`\n--- kafka-clients ${version} ---`);
    const r = await mvn(path.join(root, 'test/compat/java/clients'), [
      'test',
      `-Dkafka.version=${version}`,
      `-Dkafka.bootstrap=${broker.bootstrap}`,
    ]);
    const t = surefireTotals(r.out);
    if (!t || t.run === 0) {
      console.log(`kafka-clients ${version}: Maven ran no test (exit ${r.code})`);
      console.log('  0 passing\n  1 failing');
      failed = true;
      continue;
    }
    if (t.skipped > 0) failed = true; // a skipped JUnit test is a failure here, never a pass
    console.log(
      `\nkafka-clients ${version}: ${t.run - t.failed - t.skipped} passed, ${t.failed} failed, ${t.skipped} skipped`,
    );
    console.log(`  ${t.run - t.failed - t.skipped} passing`);
    if (t.failed + t.skipped > 0) console.log(`  ${t.failed + t.skipped} failing`);
    if (r.code !== 0) failed = true;
  }
} finally {
  broker.child.kill('SIGTERM');
  await new Promise((res) => broker.child.once('exit', res));
  fs.rmSync(broker.dataDir, { recursive: true, force: true });
}
if (failed) console.error(`java tier FAILED; broker log (warnings and errors):\n${broker.log()}`);
process.exit(failed ? 1 : 0);
