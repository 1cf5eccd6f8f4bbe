// E2E smoke: the extension loads in a real VS Code (code-server + Chromium) and its activity-bar container shows.
// Guarantees the harness itself works end to end; screenshots go to test-artifacts/e2e/.
// Run by: npm run test:e2e (.mocharc.e2e.json) after scripts/setup-code-server.sh.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Session } from './harness';
import { projectRoot, startVsCode } from './harness';

describe('VS Code with Kafka Lite (e2e smoke)', function () {
  this.timeout(180_000);
  let vs: Session | undefined;

  before(async () => {
    vs = await startVsCode({});
  });

  afterEach(async function () {
    await vs?.recordFailure(this.currentTest);
  });

  after(async () => {
    await vs?.close();
  });

  it('opens the workbench with the extension and shows the "Kafka Lite" activity-bar entry', async () => {
    const s = vs!;
    const entry = s.page.locator('.activitybar [aria-label^="Kafka Lite"]').first();
    await entry.waitFor({ state: 'visible', timeout: 60_000 });
    await s.screenshot('smoke-workbench');
    assert.ok(await entry.isVisible(), 'the Kafka Lite activity-bar entry is visible');
  });

  it('opens the Kafka Lite container from the activity bar', async () => {
    const s = vs!;
    await s.openKafkaLiteContainer();
    const title = await s.page.locator('.sidebar .composite.title').innerText();
    assert.match(title.toUpperCase(), /KAFKA LITE/);
    await s.screenshot('smoke-container');
  });

  it('shows the running broker and its address in the status bar', async () => {
    const s = vs!;
    const text = await s.statusBarText(/127\.0\.0\.1:\d+/, 60_000);
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(text)![1]);
    assert.ok(port > 0 && port < 65536, `a real port in "${text}"`);
    await s.screenshot('smoke-broker-running');
  });

  it('runs a built-in command from the palette', async () => {
    const s = vs!;
    await s.runCommand('View: Toggle Panel Visibility');
    await s.page.locator('.part.panel').first().waitFor({ state: 'visible', timeout: 10_000 });
    await s.screenshot('smoke-panel');
  });
});

describe('the packaged extension (.vsix)', function () {
  this.timeout(240_000);
  let vs: Session | undefined;
  let tmp: string | undefined;

  afterEach(async function () {
    await vs?.recordFailure(this.currentTest);
  });

  after(async () => {
    await vs?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('packages with vsce, installs into VS Code and starts its broker without the sources', async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-vsix-'));
    const vsix = path.join(tmp, 'kafka-lite.vsix');
    const root = projectRoot();
    const r = spawnSync(
      path.join(root, 'node_modules', '.bin', 'vsce'),
      ['package', '--no-dependencies', '--no-rewrite-relative-links', '-o', vsix],
      {
        cwd: root,
        encoding: 'utf8',
        input: '',
        timeout: 120_000,
      },
    );
    assert.strictEqual(r.status, 0, `vsce package failed:\n${r.stdout}\n${r.stderr}`);
    assert.ok(fs.statSync(vsix).size > 10_000, 'the .vsix holds the bundles');

    vs = await startVsCode({ loadExtension: false, installVsix: [vsix] });
    await vs.openKafkaLiteContainer();
    const text = await vs.statusBarText(/127\.0\.0\.1:\d+/, 60_000);
    assert.match(text, /127\.0\.0\.1:\d+/);
    await vs.screenshot('vsix-installed');
  });
});
