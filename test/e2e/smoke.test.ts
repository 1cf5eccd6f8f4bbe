// E2E smoke: the extension loads in a real VS Code (code-server + Chromium) and its activity-bar container shows;
// its Stop / Start Broker commands run from the palette and the status bar, the Topics view and a client follow.
// Guarantees the harness itself works end to end; screenshots go to test-artifacts/e2e/.
// Run by: npm run test:e2e (.mocharc.e2e.json) after scripts/setup-code-server.sh.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Session } from './harness';
import { projectRoot, startVsCode } from './harness';

import type * as KafkaJs from 'kafkajs';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Kafka, logLevel } = require('kafkajs') as typeof KafkaJs;

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

  it('stops and starts the broker from the palette: the status bar and the Topics view follow, and it serves again', async () => {
    const s = vs!;
    await s.openKafkaLiteContainer();
    await s.statusBarText(/Kafka Lite 127\.0\.0\.1:\d+/, 60_000);
    const topics = s.page.locator('.pane', { has: s.page.locator('.pane-header', { hasText: 'Topics' }) }).first();

    await s.runCommand('Kafka Lite: Stop Broker');
    assert.match(await s.statusBarText(/Kafka Lite stopped/, 30_000), /Kafka Lite stopped/);
    await topics
      .locator('.monaco-list-row', { hasText: 'The broker is stopped' })
      .first()
      .waitFor({ state: 'visible', timeout: 15_000 });
    const whileStopped = await s.page.locator('.statusbar .statusbar-item').allInnerTexts();
    assert.ok(
      !whileStopped.some((t) => /Kafka Lite 127\.0\.0\.1:\d+/.test(t)),
      `no address is shown while stopped: ${JSON.stringify(whileStopped)}`,
    );
    await s.screenshot('smoke-broker-stopped');

    await s.runCommand('Kafka Lite: Start Broker');
    const text = await s.statusBarText(/Kafka Lite 127\.0\.0\.1:\d+/, 60_000);
    const bootstrap = /127\.0\.0\.1:\d+/.exec(text)![0];
    await topics.getByText('No topics yet.').waitFor({ state: 'visible', timeout: 20_000 });
    // the address shown is a broker a Kafka client can use
    const admin = new Kafka({ clientId: 'e2e-smoke', brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      assert.deepStrictEqual(await admin.listTopics(), []);
    } finally {
      await admin.disconnect();
    }
    await s.screenshot('smoke-broker-restarted');
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
