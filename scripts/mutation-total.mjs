#!/usr/bin/env node
// `npm run test:mutation:total`: the mutation score over src/broker and src/protocol from the reports the subset
// runs left in reports/mutation/*.json (Stryker's mutation-testing-report schema).
// Contract:
// - Each report's files are merged by source path; a mutant (same location, mutator and replacement) found in
//   more than one report keeps the status of the newest report (by the report's file time), so a confirmation run
//   over some lines overrides the first run's status of those mutants only.
// - The score is Stryker's own: mutation-testing-metrics (the library Stryker's reporters use) computes it from
//   the merged files, timeouts counted as detected, compile errors and ignored (static) mutants left out.
// - Every source file in scope is instrumented here with Stryker's instrumenter to count its mutants; a file, or
//   part of one, that no report covers is listed with the number of mutants that have no result, and the total
//   says "not yet the whole scope" until that number is 0.
// - Exit code 0 always (a report, not a gate); `--json` prints the figures as JSON instead of the table;
//   `--survivors [path-prefix]` lists every survived and uncovered mutant (file:line:column, mutator, the
//   original code and its replacement) of the files under the prefix instead.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { calculateMetrics } from 'mutation-testing-metrics';
import { Instrumenter } from '@stryker-mutator/instrumenter';

const root = resolve(import.meta.dirname, '..');
const reportsDir = join(root, 'reports', 'mutation');
const scope = ['src/broker', 'src/protocol'];
const asJson = process.argv.includes('--json');
const survivorsAt = process.argv.indexOf('--survivors');
const survivorsPrefix = survivorsAt < 0 ? undefined : (process.argv[survivorsAt + 1] ?? '');

function listReports() {
  let names;
  try {
    names = readdirSync(reportsDir).filter((n) => n.endsWith('.json') && !n.endsWith('-incremental.json'));
  } catch {
    names = [];
  }
  return names
    .map((n) => ({ name: n, path: join(reportsDir, n), time: statSync(join(reportsDir, n)).mtimeMs }))
    .sort((a, b) => a.time - b.time);
}

const keyOf = (m) =>
  `${m.location.start.line}:${m.location.start.column}-${m.location.end.line}:${m.location.end.column} ${m.mutatorName} ${m.replacement ?? ''}`;

/** Merge the reports' files; a later report's mutant replaces an earlier one with the same key. */
function merge(reports) {
  const files = new Map();
  for (const r of reports) {
    const report = JSON.parse(readFileSync(r.path, 'utf8'));
    for (const [fileName, file] of Object.entries(report.files ?? {})) {
      const rel = relative(root, resolve(root, fileName));
      const entry = files.get(rel) ?? {
        language: file.language,
        source: file.source,
        mutants: new Map(),
        reports: new Set(),
      };
      if (entry.source !== file.source) {
        // The file changed between runs: only the newest run's mutants describe the code as it is now.
        entry.mutants = new Map();
        entry.source = file.source;
        entry.reports = new Set();
      }
      for (const m of file.mutants) entry.mutants.set(keyOf(m), m);
      entry.reports.add(r.name.replace(/\.json$/, ''));
      files.set(rel, entry);
    }
  }
  return files;
}

function sourcesInScope() {
  const out = execFileSync('git', ['ls-files', '--', ...scope.map((s) => `${s}/*.ts`)], {
    cwd: root,
    encoding: 'utf8',
  });
  return out.split('\n').filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
}

async function countMutants(paths) {
  const quiet = () => undefined;
  const logger = {
    isTraceEnabled: () => false,
    isDebugEnabled: () => false,
    isInfoEnabled: () => false,
    isWarnEnabled: () => false,
    isErrorEnabled: () => true,
    isFatalEnabled: () => true,
    trace: quiet,
    debug: quiet,
    info: quiet,
    warn: quiet,
    error: quiet,
    fatal: quiet,
  };
  const instrumenter = new Instrumenter(logger);
  const files = paths.map((p) => ({ name: join(root, p), content: readFileSync(join(root, p), 'utf8'), mutate: true }));
  const result = await instrumenter.instrument(files, {
    plugins: null,
    excludedMutations: [],
    ignorers: [],
    noHeader: false,
  });
  const counts = new Map(paths.map((p) => [p, 0]));
  for (const m of result.mutants) {
    const rel = relative(root, m.fileName);
    counts.set(rel, (counts.get(rel) ?? 0) + 1);
  }
  return counts;
}

const pct = (x) => (Number.isNaN(x) ? '—' : `${x.toFixed(2)} %`);

const reports = listReports();
const merged = merge(reports);
const inScope = sourcesInScope();
const counts = await countMutants(inScope);

const fileResults = {};
const rows = [];
let missing = 0;
for (const path of inScope) {
  const entry = merged.get(path);
  const current = entry !== undefined && entry.source === readFileSync(join(root, path), 'utf8');
  const mutants = current ? [...entry.mutants.values()] : [];
  const unmeasured = Math.max(0, (counts.get(path) ?? 0) - mutants.length);
  missing += unmeasured;
  if (mutants.length > 0) fileResults[path] = { language: entry.language, source: entry.source, mutants };
  rows.push({
    path,
    reports: current ? [...entry.reports].join(',') : entry ? '(report of an older version)' : '',
    unmeasured,
    measured: mutants.length,
  });
}

const total = calculateMetrics(fileResults);
const byFolder = {};
for (const folder of scope) {
  const part = Object.fromEntries(Object.entries(fileResults).filter(([p]) => p.startsWith(`${folder}/`)));
  byFolder[folder] = calculateMetrics(part).metrics;
}
const perFile = Object.fromEntries(
  Object.keys(fileResults).map((p) => [p, calculateMetrics({ [p]: fileResults[p] }).metrics]),
);

function printSurvivors(prefix) {
  for (const [path, file] of Object.entries(fileResults)) {
    if (!path.startsWith(prefix)) continue;
    const lines = file.source.split('\n');
    const open = file.mutants
      .filter((m) => m.status === 'Survived' || m.status === 'NoCoverage')
      .sort(
        (a, b) => a.location.start.line - b.location.start.line || a.location.start.column - b.location.start.column,
      );
    if (open.length === 0) continue;
    console.log(`\n${path}: ${open.length} survived or not covered`);
    for (const m of open) {
      const { start, end } = m.location;
      const original =
        start.line === end.line
          ? lines[start.line - 1].slice(start.column - 1, end.column - 1)
          : `${lines[start.line - 1].slice(start.column - 1)} …`;
      const short = (t) => (t.length > 90 ? `${t.slice(0, 87)}...` : t).replace(/\s+/g, ' ');
      console.log(
        `  L${start.line}:${start.column} ${m.status === 'NoCoverage' ? 'no coverage' : 'survived'} ${m.mutatorName}: ${short(original)} → ${short(m.replacement ?? '')}`,
      );
    }
  }
}

if (survivorsPrefix !== undefined) {
  printSurvivors(survivorsPrefix);
} else if (asJson) {
  console.log(
    JSON.stringify(
      {
        reports: reports.map((r) => r.name),
        total: total.metrics,
        byFolder,
        perFile,
        unmeasured: Object.fromEntries(rows.filter((r) => r.unmeasured > 0).map((r) => [r.path, r.unmeasured])),
      },
      null,
      2,
    ),
  );
} else {
  const line = (label, m) =>
    `${label.padEnd(58)} ${String(m.killed + m.timeout).padStart(6)} ${String(m.survived).padStart(6)} ${String(m.noCoverage).padStart(6)} ${String(m.compileErrors).padStart(6)} ${String(m.ignored).padStart(6)} ${pct(m.mutationScore).padStart(9)}`;
  console.log(`reports: ${reports.map((r) => r.name).join(', ') || '(none in reports/mutation)'}`);
  console.log(
    `${'file'.padEnd(58)} ${'detect'.padStart(6)} ${'surviv'.padStart(6)} ${'nocov'.padStart(6)} ${'error'.padStart(6)} ${'ignore'.padStart(6)} ${'score'.padStart(9)}  no result`,
  );
  for (const r of rows) {
    const m = perFile[r.path];
    console.log(
      m
        ? `${line(r.path, m)}  ${r.unmeasured || ''}`
        : `${r.path.padEnd(58)} ${'not measured'.padStart(47)}  ${r.unmeasured}`,
    );
  }
  for (const [folder, m] of Object.entries(byFolder)) console.log(line(`${folder} (measured)`, m));
  console.log(line('src/broker + src/protocol (measured)', total.metrics));
  console.log(
    missing === 0
      ? 'Every mutant in scope has a result: this is the score over src/broker and src/protocol.'
      : `${missing} mutants in scope have no result in any report: not yet the whole scope.`,
  );
}
