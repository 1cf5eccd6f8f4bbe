// E2E: Register Schema from File… and Set Compatibility Level… as a person uses them in a real VS Code
// (code-server + Chromium via ./harness). An .avsc file in the workspace registers as v1 of a new subject; a v2
// that adds a required field without a default is refused under BACKWARD before anything is saved: the modal says
// "Not compatible" with the registry's message and offers only Cancel, and the view still shows one version.
// After Set Compatibility Level… → NONE (shown on the subject's row) the same file registers as v2.
// Screenshots: test-artifacts/e2e/schema-register-*.png, dark and light.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { Locator } from 'playwright-core';
import type { Session } from './harness';
import { freePort, startVsCode } from './harness';

const V1 = {
  type: 'record',
  name: 'Order',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'item', type: 'string' },
  ],
};
const V2 = { ...V1, fields: [...V1.fields, { name: 'customer', type: 'string' }] };
const SUBJECT = 'e2e-orders-value';

describe('Kafka Lite register schema from file (e2e)', function () {
  this.timeout(240_000);
  let vs: Session;

  const pane = (title: string) =>
    vs.page.locator('.pane', { has: vs.page.locator('.pane-header', { hasText: title }) }).first();
  const row = (view: string, text: string | RegExp): Locator =>
    pane(view).locator('.monaco-list-row', { hasText: text }).first();
  const expand = async (title: string) => {
    await vs.openKafkaLiteContainer();
    const header = pane(title).locator('.pane-header').first();
    await header.waitFor({ state: 'visible', timeout: 15_000 });
    if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
  };
  const theme = (kind: 'light' | 'dark') => vs.setTheme(kind);
  /** Open a workspace file as a person does: "Go to File…", type its name, Enter. */
  const openFile = async (name: string) => {
    await vs.runCommand('Go to File...');
    const input = await vs.quickInput(/Search files by name/i);
    await input.fill(name);
    await vs.page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first().waitFor();
    await input.press('Enter');
    await vs.page
      .locator('.tabs-container .tab.active', { hasText: name })
      .first()
      .waitFor({ state: 'visible', timeout: 15_000 });
  };
  /** Register Schema from File… from the palette on the active editor, under SUBJECT; resolves with the dialog. */
  const registerActive = async (): Promise<Locator> => {
    await vs.runCommand('Kafka Lite: Register Schema from File…');
    const input = await vs.quickInput(/Register under which subject/);
    await input.fill(SUBJECT);
    await vs.page.locator('.quick-input-widget .monaco-list-row', { hasText: SUBJECT }).first().waitFor();
    await input.press('Enter');
    const dialog = vs.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 15_000 });
    return dialog;
  };

  before(async () => {
    const registryPort = await freePort();
    vs = await startVsCode({ settings: { 'kafkaLite.schemaRegistry.port': registryPort } });
    await vs.statusBarText(/Kafka Lite 127\.0\.0\.1:\d+/, 60_000);
    fs.writeFileSync(path.join(vs.workspace, 'order-v1.avsc'), JSON.stringify(V1, null, 2) + '\n');
    fs.writeFileSync(path.join(vs.workspace, 'order-v2.avsc'), JSON.stringify(V2, null, 2) + '\n');
  });

  afterEach(async function () {
    await vs?.recordFailure(this.currentTest);
  });

  after(async () => {
    await vs?.close();
  });

  it('an incompatible version is refused in the modal before saving; after the level is NONE it registers as v2', async () => {
    await expand('Schema Registry');
    await row('Schema Registry', 'No subjects yet').waitFor({ state: 'visible', timeout: 30_000 });

    // v1: a new subject
    await openFile('order-v1.avsc');
    let dialog = await registerActive();
    assert.match(await dialog.innerText(), new RegExp(`Register as version 1 of the new subject ${SUBJECT}\\?`));
    await dialog
      .locator('.monaco-button', { hasText: /^Register$/ })
      .first()
      .click();
    const subject = row('Schema Registry', SUBJECT);
    await subject.waitFor({ state: 'visible', timeout: 15_000 });
    await pane('Schema Registry')
      .locator('.monaco-list-row', { hasText: /BACKWARD · AVRO · 1 version · latest v1 \(id \d+\)/ })
      .first()
      .waitFor({ timeout: 15_000 });

    // v2 adds a required field without a default: BACKWARD refuses it, shown before anything is saved
    await openFile('order-v2.avsc');
    for (const kind of ['dark', 'light'] as const) {
      await theme(kind);
      dialog = await registerActive();
      const text = await dialog.innerText();
      assert.match(text, new RegExp(`Not compatible with ${SUBJECT} v1 under BACKWARD`));
      assert.match(text, /customer/, 'the registry message names the new field');
      assert.match(text, /Nothing was registered/);
      const buttons = await dialog.locator('.monaco-button').allInnerTexts();
      assert.deepStrictEqual(
        buttons.map((b) => b.trim()).filter((b) => b.length > 0),
        ['Cancel'],
        'only Cancel: the check is never bypassed',
      );
      await vs.page.waitForTimeout(400);
      await vs.screenshot(`schema-register-1-not-compatible-${kind}`);
      await dialog.locator('.monaco-button', { hasText: 'Cancel' }).first().click();
      await dialog.waitFor({ state: 'hidden', timeout: 15_000 });
    }
    await theme('dark');
    assert.match(await row('Schema Registry', SUBJECT).innerText(), /1 version · latest v1/);

    // Set Compatibility Level… → NONE; the row shows it
    await vs.contextMenu(row('Schema Registry', SUBJECT), 'Set Compatibility Level…');
    const pick = await vs.quickInput(/checks new versions under this level \(now BACKWARD\)/);
    assert.match(
      await vs.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'BACKWARD' }).first().innerText(),
      /current/,
    );
    await pick.fill('NONE');
    await vs.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'NONE' }).first().waitFor();
    await pick.press('Enter');
    await pane('Schema Registry')
      .locator('.monaco-list-row', { hasText: /NONE · AVRO · 1 version · latest v1 \(id \d+\)/ })
      .first()
      .waitFor({ timeout: 15_000 });

    // the same v2 now registers
    await vs.page.locator('.tabs-container .tab', { hasText: 'order-v2.avsc' }).first().click();
    dialog = await registerActive();
    assert.match(
      await dialog.innerText(),
      new RegExp(`Compatible with ${SUBJECT} under NONE: register as version 2\\?`),
    );
    await vs.screenshot('schema-register-2-none-compatible');
    await dialog
      .locator('.monaco-button', { hasText: /^Register$/ })
      .first()
      .click();
    await pane('Schema Registry')
      .locator('.monaco-list-row', { hasText: /NONE · AVRO · 2 versions · latest v2 \(id \d+\)/ })
      .first()
      .waitFor({ timeout: 15_000 });
    await vs.page
      .locator('.notifications-toasts', { hasText: new RegExp(`Registered ${SUBJECT} version 2 \\(schema id \\d+\\)`) })
      .first()
      .waitFor({ timeout: 15_000 });
    await row('Schema Registry', SUBJECT).click();
    await row('Schema Registry', /^\s*v2/).waitFor({ state: 'visible', timeout: 15_000 });
    await row('Schema Registry', /^\s*v1/).waitFor({ state: 'visible', timeout: 15_000 });
    await vs.screenshot('schema-register-3-two-versions');
  });
});
