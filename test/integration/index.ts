// The extensionTestsPath module: VS Code's extension host (desktop via @vscode/test-electron, or code-server via
// test/integration/run-code-server.ts) loads it and awaits run(). It owns building one Mocha run over every
// compiled suite file out/test/integration/suite/**/*.test.js.
// Guarantees: resolves only when all tests passed; rejects with the failure count otherwise (or when no test file
// was found — an empty suite is a failure, not a pass).
import * as fs from 'fs';
import * as path from 'path';

function findTests(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findTests(full));
    else if (entry.isFile() && entry.name.endsWith('.test.js')) out.push(full);
  }
  return out.sort();
}

type MochaModule = typeof Mocha & { default?: typeof Mocha };

/** The project's mocha; when compiled to a private --outDir outside the project, found via KAFKA_LITE_ROOT. */
function loadMocha(): MochaModule {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('mocha') as MochaModule;
  } catch (e) {
    const root = process.env.KAFKA_LITE_ROOT;
    if (!root) throw e;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(require.resolve('mocha', { paths: [root] })) as MochaModule;
  }
}

export function run(): Promise<void> {
  // mocha 11 is CommonJS (module.exports = Mocha); mocha 12 is an ES module (its class is `.default`).
  const mod = loadMocha();
  const MochaCtor: typeof Mocha = mod.default ?? mod;
  const grep = process.env.KAFKA_LITE_TEST_GREP;
  const mocha = new MochaCtor({
    ui: 'bdd',
    timeout: 60_000,
    color: false,
    reporter: 'spec',
    ...(grep ? { grep } : {}),
  });
  const suiteDir = path.join(__dirname, 'suite');
  const files = findTests(suiteDir);
  if (files.length === 0) return Promise.reject(new Error(`no integration test files (*.test.js) under ${suiteDir}`));
  for (const f of files) mocha.addFile(f);
  return new Promise((resolve, reject) => {
    try {
      mocha.run((failures) => {
        if (failures > 0) reject(new Error(`${failures} integration test(s) failed`));
        else resolve();
      });
    } catch (e) {
      reject(e instanceof Error ? e : new Error(String(e)));
    }
  });
}
