// E2E smoke: the extension loads in a real VS Code (code-server + Chromium) and its activity-bar container shows.
// Guarantees the harness itself works end to end; screenshots go to test-artifacts/e2e/.
// Run by: npm run test:e2e (.mocharc.e2e.json) after scripts/setup-code-server.sh.
import * as assert from 'assert';
import { Session, startVsCode } from './harness';

describe('VS Code with Kafka Lite (e2e smoke)', function () {
  this.timeout(180_000);
  let vs: Session | undefined;

  before(async () => {
    vs = await startVsCode({});
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

  it('runs a built-in command from the palette', async () => {
    const s = vs!;
    await s.runCommand('View: Toggle Panel Visibility');
    await s.page.locator('.part.panel').first().waitFor({ state: 'visible', timeout: 10_000 });
    await s.screenshot('smoke-panel');
  });
});
