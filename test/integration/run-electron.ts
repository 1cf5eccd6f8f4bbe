// Runs the same integration suite in desktop VS Code through @vscode/test-electron (downloads VS Code: needs
// internet; for contributors, not CI — CI uses run-code-server.ts). `npm run test:vscode:electron`.
// Guarantees: exit code 0 only when the suite passed; a fresh temp workspace and user-data dir per run.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runTests } from '@vscode/test-electron';
import { DEFAULT_SETTINGS, projectRoot, writeUserSettings } from '../e2e/harness';

async function main(): Promise<void> {
  const root = projectRoot();
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-ws-'));
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-ud-'));
  writeUserSettings(userDataDir, DEFAULT_SETTINGS);
  try {
    await runTests({
      version: process.env.KAFKA_LITE_VSCODE_VERSION ?? 'stable',
      extensionDevelopmentPath: root,
      extensionTestsPath: path.join(root, 'out', 'test', 'integration', 'index'),
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', `--user-data-dir=${userDataDir}`],
      extensionTestsEnv: { KAFKA_LITE_TEST: '1', KAFKA_LITE_TEST_WORKSPACE: workspace, KAFKA_LITE_INTEGRATION: '1' },
    });
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(`[run-electron] FAILED: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
