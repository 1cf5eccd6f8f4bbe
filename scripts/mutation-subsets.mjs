// Named mutation subsets: which sources one Stryker run mutates and which compiled unit tests it runs.
// Contract: `MUTATION_SUBSET=<name> npm run test:mutation` makes stryker.config.mjs mutate `mutate` and run
// `spec` (and name its report, incremental file and sandbox after the subset unless MUTATION_REPORT is set).
// The subsets together cover src/broker and src/protocol once: `npm run test:mutation:total` reads their
// reports and names any source file no report covers.
// A subset's `spec` holds the test files that reach its sources, not every unit test, so a run fits on a
// two-core machine: a mutant that only a test outside the list would kill counts as survived, which makes a
// subset's score a lower bound of the whole suite's. Spec entries are plain paths or `*` globs (Stryker's
// mocha runner hangs on `{a,b}` patterns).
// `ignoreStatic`: a static mutant runs only while its module loads (a schema table, a config definition
// list), so no test covers it alone and each one re-runs the subset's whole list; those are left out of the
// score and counted in the report as ignored.

const unit = (p) => `out/test/unit/${p}.test.js`;
const storageTests = [unit('broker/storage/*')];
const apiTests = (...names) => names.map((n) => unit(`protocol/apis/${n}`));

/** @type {Record<string, { mutate: string[], spec: string[], ignoreStatic?: boolean }>} */
export const subsets = {
  groups: {
    mutate: ['src/broker/groups/*.ts', 'src/broker/lag.ts'],
    spec: [
      unit('broker/groups/*'),
      unit('broker/lag'),
      ...apiTests('11-*', '12-*', '13-*', '14-*', '15-*', '16-*', '42-*'),
    ],
  },
  'producer-state': {
    mutate: ['src/broker/producers/*.ts'],
    spec: [unit('broker/producers/*'), unit('broker/broker-transactions'), ...apiTests('00-*', '22-*')],
  },
  offsets: {
    mutate: ['src/broker/offsets/*.ts'],
    spec: [unit('broker/offsets/*'), unit('broker/broker'), ...apiTests('08-*', '09-*', '28-*', '47-*')],
  },
  'engine-small': {
    mutate: [
      'src/broker/clock.ts',
      'src/broker/errors.ts',
      'src/broker/partitioner.ts',
      'src/broker/topic-id.ts',
      'src/broker/types.ts',
    ],
    spec: [
      unit('broker/clock'),
      unit('broker/errors'),
      unit('broker/partitioner'),
      unit('broker/storage/topic-ids'),
      unit('protocol/apis/topic-ids'),
      // The ListOffsets special timestamps of types.ts: the wire tests use a stand-in engine, so the Broker's
      // own ListOffsets tests are what reads them.
      ...apiTests('02-*'),
      unit('broker/broker-records'),
    ],
  },
  broker: {
    mutate: ['src/broker/broker.ts'],
    spec: [unit('broker/broker*'), unit('protocol/apis/*')],
    ignoreStatic: true,
  },
  transactions: {
    mutate: ['src/broker/transactions/*.ts'],
    spec: [
      unit('broker/transactions/*'),
      unit('broker/broker-transactions'),
      ...apiTests(
        '22-*',
        '24-*',
        '25-*',
        '26-*',
        '27-*',
        '28-*',
        '61-*',
        '65-*',
        '66-*',
        '00-produce-transactional',
        '01-fetch-read-committed',
      ),
    ],
    ignoreStatic: true,
  },
  'storage-log': {
    mutate: [
      'src/broker/storage/segment.ts',
      'src/broker/storage/partition-log.ts',
      'src/broker/storage/sparse-index.ts',
      'src/broker/storage/record-batch.ts',
    ],
    spec: [...storageTests, unit('broker/broker')],
  },
  'storage-files': {
    mutate: [
      'src/broker/storage/log-manager.ts',
      'src/broker/storage/topic-catalog.ts',
      'src/broker/storage/topic-store.ts',
      'src/broker/storage/file-cache.ts',
      'src/broker/storage/checkpoint-writer.ts',
      'src/broker/storage/checkpoints.ts',
      'src/broker/storage/damaged-file.ts',
      'src/broker/storage/read-buffers.ts',
      'src/broker/storage/retention-scheduler.ts',
      'src/broker/storage/flush-policy.ts',
    ],
    spec: [
      ...storageTests,
      unit('broker/broker'),
      unit('broker/offsets/*'),
      unit('broker/producers/producer-state'),
      unit('broker/transactions/transaction-log*'),
    ],
    ignoreStatic: true,
  },
  'storage-cleaner': {
    mutate: ['src/broker/storage/cleaner.ts', 'src/broker/storage/cleaner-txn.ts', 'src/broker/storage/configs.ts'],
    spec: [...storageTests, unit('broker/broker'), ...apiTests('config-apis', '19-*', '32-*', '37-*')],
    ignoreStatic: true,
  },
  'storage-txn': {
    mutate: [
      'src/broker/storage/txn-index.ts',
      'src/broker/storage/txn-markers.ts',
      'src/broker/storage/control-batch.ts',
      'src/broker/storage/compression.ts',
      'src/broker/storage/crc32c.ts',
      'src/broker/storage/varint.ts',
      'src/broker/storage/verify.ts',
    ],
    spec: [
      ...storageTests,
      unit('broker/broker-transactions'),
      unit('broker/transactions/transaction-log*'),
      ...apiTests('00-produce-transactional', '01-fetch-read-committed'),
    ],
    ignoreStatic: true,
  },
  codec: {
    mutate: ['src/protocol/codec/*.ts', 'src/protocol/registry.ts'],
    spec: [unit('protocol/codec/*'), ...apiTests('18-*')],
  },
  server: {
    mutate: ['src/protocol/server.ts', 'src/protocol/frame-pool.ts'],
    spec: [unit('protocol/server*'), unit('protocol/frame-pool'), ...apiTests('18-*')],
  },
  apis: {
    mutate: ['src/protocol/apis/*.ts'],
    spec: [unit('protocol/apis/*')],
    ignoreStatic: true,
  },
};
