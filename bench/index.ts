/**
 * `npm run bench [-- --json] [-- --only storage,groups,...]`: every benchmark section in one process, so ratios
 * compare runs made on the same machine at the same time. Each section prints human-readable lines and returns
 * its figures; with --json the merged figures are printed as one JSON object on the last line.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/**
 * Between sections: write back every dirty page (`sync`) and pause briefly, so one section's file I/O (the
 * storage section writes and deletes 2 GiB) is not still being flushed by the kernel while the next one measures
 * event-loop delay and latency. Where `sync` does not exist (Windows) this is only the pause.
 */
async function settle(): Promise<void> {
  spawnSync('sync', { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 1000));
}

type Section = { name: string; file: string };
const sections: Section[] = [
  { name: 'storage', file: './storage' },
  { name: 'groups', file: './groups' },
  { name: 'lag', file: './lag' },
  { name: 'wire', file: './wire' },
  { name: 'transactions', file: './transactions' },
  { name: 'vscode', file: './vscode' },
  { name: 'panels', file: './panels' },
  { name: 'schemas', file: './schemas' },
  { name: 'clusters', file: './clusters' },
  { name: 'reference', file: './reference' },
];

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const onlyIdx = args.indexOf('--only');
  const only = onlyIdx >= 0 ? new Set(args[onlyIdx + 1].split(',')) : null;
  const figures: Record<string, number | string> = {};
  let failed = false;
  let first = true;
  for (const s of sections) {
    if (only && !only.has(s.name)) continue;
    if (!fs.existsSync(path.join(__dirname, `${s.file}.js`))) continue;
    if (!first) await settle();
    first = false;
    console.log(`\n## ${s.name}`);
    try {
      const mod = (await import(s.file)) as { run: () => Promise<Record<string, number | string>> };
      Object.assign(figures, await mod.run());
    } catch (e) {
      failed = true;
      console.error(`section ${s.name} failed: ${(e as Error).stack ?? e}`);
    }
  }
  if (json) console.log(JSON.stringify(figures));
  process.exit(failed ? 1 : 0);
}

void main();
