// Mutation testing (StrykerJS) for the engine, the wire protocol and the in-process client.
// Contract: `npm run test:mutation` mutates the TypeScript sources listed in `mutate`, compiles the
// mutated tree once with `tsc -p tsconfig.test.json` inside Stryker's sandbox, and runs the compiled
// unit tests (out/test/unit/**, the same files `npm run test:unit` runs) against each mutant, only the
// tests that cover it (perTest). Mutants that do not type-check are discarded by the TypeScript
// checker before any test runs. Results are incremental: reports/mutation/stryker-incremental.json
// keeps the previous outcome of every mutant whose code and covering tests did not change, so a
// re-run after a small change only tests the mutants it touched. Not part of `npm test`.
// How to read the results and the list of known equivalent survivors: docs/TESTING.md.

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
    spec: ['out/test/unit/**/*.test.js'],
  },
  mutate: [
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
  ],
  coverageAnalysis: 'perTest',
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  reporters: ['progress', 'clear-text', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0 },
  concurrency: 1,
  timeoutMS: 10000,
  timeoutFactor: 2,
  thresholds: { high: 85, low: 70, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
