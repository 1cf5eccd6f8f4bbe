// Runs the integration suite (test/integration/suite/**) inside a real VS Code extension host on this machine:
// code-server 4.100.3 from .vscode-test/code-server, driven by Debian's Chromium through playwright-core
// (test/e2e/harness.ts runExtensionTests: temp workspace + user-data dir, the workbench URL with the test
// payload, the extension host's console — mocha's reporter — relayed to stdout, window.codeAutomationExit).
// Guarantees: exits 0 only when the suite passed; a missing code-server/browser/build, a workbench that never
// reports, or a 10-minute stall is exit 1 with the reason; code-server and the browser are always killed.
// Called by: `npm run test:vscode` (after build + compile-tests), scripts/test-all.mjs, CI.
import * as fs from 'fs';
import * as path from 'path';
import { projectRoot, runExtensionTests } from '../e2e/harness';

async function main(): Promise<number> {
  const root = projectRoot();
  // The compiled index.js sits next to this file (out/test/integration/, or a private --outDir).
  const testsModule = path.join(__dirname, 'index.js');
  if (!fs.existsSync(testsModule)) throw new Error(`${testsModule} is missing: run npm run compile-tests first`);
  // KAFKA_LITE_EXTENSION_PATH: run the suite against another extension folder (used to test this runner).
  const extensionPath = process.env.KAFKA_LITE_EXTENSION_PATH ?? root;
  if (!fs.existsSync(path.join(extensionPath, 'dist', 'extension.js'))) {
    throw new Error(`${path.join(extensionPath, 'dist', 'extension.js')} is missing: run npm run build first`);
  }
  const t0 = Date.now();
  console.log('[run-code-server] starting code-server + Chromium with the integration suite');
  const code = await runExtensionTests({
    extensionTestsPath: testsModule,
    extensionDevelopmentPath: extensionPath,
    env: { KAFKA_LITE_INTEGRATION: '1' },
    timeoutMs: Number(process.env.KAFKA_LITE_VSCODE_TIMEOUT_MS ?? 10 * 60_000),
  });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  console.log(`[run-code-server] extension tests finished with exit code ${code} in ${secs} s`);
  return code;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`[run-code-server] FAILED: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
