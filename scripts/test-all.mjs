// Runs every test tier in order and fails loudly if any tier fails or cannot run (a missing kcat, browser or
// VS Code is a failure, never a skip). Tiers: lint (ESLint + Prettier check), typecheck, unit, compat (kafkajs, kcat, kafka-python, confluent-kafka, Sarama), java (the Java client 4.x and 3.x, Kafka Streams, Spring for Apache Kafka, Kafka's command-line tools; JUnit via Maven),
// reference (Apache Kafka 4.x from Maven jars beside Kafka Lite, every scenario compared), vscode (integration suite
// inside a real VS Code extension host via code-server), e2e (Playwright + Chromium against code-server).
// `npm test -- --only unit,compat` runs a subset (for development; CI runs all).
import { spawn } from 'child_process';

const args = process.argv.slice(2);
const onlyIdx = args.indexOf('--only');
const only = onlyIdx >= 0 ? new Set(args[onlyIdx + 1].split(',')) : null;

const tiers = [
  ['lint', 'npm', ['run', 'lint']],
  ['system-deps', 'bash', ['scripts/ensure-system-deps.sh']],
  // One tsc -b over the per-runtime configs listed in tsconfig.json (engine, shared, extension host, webviews, tests).
  ['typecheck', 'npm', ['run', 'typecheck']],
  ['unit', 'npx', ['mocha', '--config', '.mocharc.unit.json']],
  ['compat', 'npx', ['mocha', '--config', '.mocharc.compat.json']],
  ['java', 'node', ['scripts/java-tier.mjs']],
  // Apache Kafka 4.x (Maven jars, scripts/reference-kafka.mjs) and Kafka Lite answer the same requests; test/reference.
  ['reference', 'npx', ['mocha', '--config', '.mocharc.reference.json']],
  ['vscode', 'bash', ['-c', 'bash scripts/setup-code-server.sh && node out/test/integration/run-code-server.js']],
  ['e2e', 'bash', ['-c', 'bash scripts/setup-code-server.sh && npx mocha --config .mocharc.e2e.json']],
];

/** Run a tier, echoing its output as it comes, and count mocha's "N passing" / "N failing" lines in it. */
function runTier(cmd, cmdArgs) {
  return new Promise((resolve) => {
    const child = spawn(cmd, cmdArgs, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    let passing = 0;
    let failing = 0;
    let carry = '';
    const scan = (text) => {
      const lines = (carry + text).split('\n');
      carry = lines.pop() ?? '';
      for (const line of lines) {
        const p = /^\s*(\d+) passing\b/.exec(line);
        const f = /^\s*(\d+) failing\b/.exec(line);
        if (p) passing += Number(p[1]);
        if (f) failing += Number(f[1]);
      }
    };
    child.stdout.on('data', (d) => {
      process.stdout.write(d);
      scan(d.toString());
    });
    child.stderr.on('data', (d) => process.stderr.write(d));
    child.on('close', (code, signal) => {
      scan('\n');
      resolve({ code, signal, passing, failing });
    });
  });
}

const results = [];
for (const [name, cmd, cmdArgs] of tiers) {
  if (only && !only.has(name)) continue;
  console.log(`\n=== tier: ${name} ===`);
  const t0 = Date.now();
  const r = await runTier(cmd, cmdArgs);
  const ok = r.code === 0;
  results.push({ name, ok, passing: r.passing, failing: r.failing, seconds: ((Date.now() - t0) / 1000).toFixed(1) });
  console.log(
    `=== tier ${name}: ${ok ? 'passed' : `FAILED (exit ${r.code ?? r.signal})`} in ${results.at(-1).seconds}s ===`,
  );
}

console.log('\nSummary:');
for (const r of results) {
  const counts = r.passing || r.failing ? `, ${r.passing} tests passed, ${r.failing} failed` : '';
  console.log(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.name} (${r.seconds}s${counts})`);
}
const failedTiers = results.filter((r) => !r.ok).length;
const passedTests = results.reduce((s, r) => s + r.passing, 0);
const failedTests = results.reduce((s, r) => s + r.failing, 0);
console.log(`tiers: ${results.length - failedTiers} passed, ${failedTiers} failed`);
// A tier that failed without a mocha summary (it could not run at all) still counts as a failure here.
console.log(`tests: ${passedTests} passed, ${failedTests + (failedTests === 0 ? failedTiers : 0)} failed`);
process.exit(failedTiers === 0 && results.length > 0 ? 0 : 1);
