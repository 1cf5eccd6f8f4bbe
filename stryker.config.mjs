// Mutation testing (StrykerJS) for the engine, the wire protocol and the in-process client.
// Contract: `npm run test:mutation` mutates the TypeScript sources listed in `mutate`, compiles the
// mutated tree once with `tsc -p tsconfig.test.json` inside Stryker's sandbox, and runs the compiled
// unit tests (out/test/unit/**, the same files `npm run test:unit` runs) against each mutant, only the
// tests that cover it (perTest). Mutants that do not type-check are discarded by the TypeScript
// checker before any test runs. Results are incremental: reports/mutation/stryker-incremental.json
// keeps the previous outcome of every mutant whose code and covering tests did not change, so a
// re-run after a small change only tests the mutants it touched. Not part of `npm test`.
// How to read the results and the list of known equivalent survivors: docs/TESTING.md.
// MUTATION_SUBSET=<name> picks one of the named subsets in scripts/mutation-subsets.mjs (its sources, its test
// list, its static-mutant rule); MUTATION_REPORT=<name> (default: the subset's name, else "mutation") names the
// report, incremental file and sandbox folder, so runs over different subsets keep their own results side by side.
// `npm run test:mutation:total` adds up the reports.
import { subsets } from './scripts/mutation-subsets.mjs';

const subsetName = process.env.MUTATION_SUBSET;
const subset = subsetName === undefined ? undefined : subsets[subsetName];
if (subsetName !== undefined && subset === undefined) {
  throw new Error(`MUTATION_SUBSET=${subsetName} is not a subset; the subsets are: ${Object.keys(subsets).join(', ')}`);
}
const name = process.env.MUTATION_REPORT || subsetName || 'mutation';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'mocha',
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  buildCommand: 'tsc -p tsconfig.test.json',
  mochaOptions: {
    config: '.mocharc.unit.json',
    // The unit tests of the mutated folders (add out/test/unit/extension/** with src/extension below). The
    // extension tests cannot reach these folders' behaviour and include a port test that races other processes.
    spec: subset?.spec ?? ['out/test/unit/{broker,protocol,client}/**/*.test.js', 'out/test/unit/layering.test.js'],
  },
  ignoreStatic: subset?.ignoreStatic ?? false,
  mutate: subset?.mutate ?? [
    'src/broker/**/*.ts',
    'src/protocol/**/*.ts',
    'src/client/**/*.ts',
    // Next, once their survivors are read:
    // 'src/extension/model/**/*.ts',
    // 'src/extension/panels/*-controller.ts',
  ],
  ignorePatterns: [
    'out',
    'dist',
    '.vscode-test',
    'test-artifacts',
    '.kafka-lite',
    'demo-workspace',
    '*.vsix',
    '*.log',
    'isolate-*',
    '.stryker-tmp',
    'reports',
  ],
  coverageAnalysis: 'perTest',
  incremental: true,
  incrementalFile: `reports/mutation/${name}-incremental.json`,
  reporters: ['progress', 'clear-text', 'html', 'json'],
  htmlReporter: { fileName: `reports/mutation/${name}.html` },
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0 },
  concurrency: 1,
  timeoutMS: 10000,
  timeoutFactor: 2,
  thresholds: { high: 85, low: 70, break: null },
  tempDirName: `.stryker-tmp/${name}`,
  cleanTempDir: true,
};
