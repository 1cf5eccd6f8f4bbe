// Runs every test tier in order and fails loudly if any tier fails or cannot run (a missing kcat, browser or
// VS Code is a failure, never a skip). Tiers: typecheck, unit, compat (kafkajs, kcat, kafka-python, confluent-kafka), vscode (integration suite
// inside a real VS Code extension host via code-server), e2e (Playwright + Chromium against code-server).
// `npm test -- --only unit,compat` runs a subset (for development; CI runs all).
import { spawnSync } from 'child_process';

const args = process.argv.slice(2);
const onlyIdx = args.indexOf('--only');
const only = onlyIdx >= 0 ? new Set(args[onlyIdx + 1].split(',')) : null;

const tiers = [
  ['system-deps', 'bash', ['scripts/ensure-system-deps.sh']],
  ['typecheck', 'npx', ['tsc', '--noEmit', '-p', '.']],
  ['unit', 'npx', ['mocha', '--config', '.mocharc.unit.json']],
  ['compat', 'npx', ['mocha', '--config', '.mocharc.compat.json']],
  ['vscode', 'bash', ['-c', 'bash scripts/setup-code-server.sh && node out/test/integration/run-code-server.js']],
  ['e2e', 'bash', ['-c', 'bash scripts/setup-code-server.sh && npx mocha --config .mocharc.e2e.json']],
];

const results = [];
for (const [name, cmd, cmdArgs] of tiers) {
  if (only && !only.has(name)) continue;
  console.log(`\n=== tier: ${name} ===`);
  const t0 = Date.now();
  const r = spawnSync(cmd, cmdArgs, { stdio: 'inherit', env: process.env });
  const ok = r.status === 0;
  results.push({ name, ok, seconds: ((Date.now() - t0) / 1000).toFixed(1) });
  console.log(`=== tier ${name}: ${ok ? 'passed' : `FAILED (exit ${r.status ?? r.signal})`} in ${results.at(-1).seconds}s ===`);
}

console.log('\nSummary:');
for (const r of results) console.log(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.name} (${r.seconds}s)`);
const failed = results.filter((r) => !r.ok).length;
console.log(`tiers: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 && results.length > 0 ? 0 : 1);
