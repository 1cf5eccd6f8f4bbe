// E2E: a person uses the Kafka Lite explorer in a real VS Code (code-server + Chromium via ./harness): the
// container opens, topics a kafkajs producer creates appear, "Create Topic" from the palette validates the name
// as it is typed and creates the topic, a partition expands to its offsets, and a group's offsets are reset
// from the context menu. Each step leaves a screenshot in test-artifacts/e2e/explorer-*.png.
import type * as KafkaJsModule from 'kafkajs';
import * as assert from 'assert';
import type { Locator } from 'playwright-core';
import type { Session } from './harness';
import { startVsCode } from './harness';

type KafkaJs = typeof KafkaJsModule;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Kafka, logLevel } = require('kafkajs') as KafkaJs;

describe('Kafka Lite explorer (e2e)', function () {
  this.timeout(180_000);
  let vs: Session;
  let bootstrap: string;

  const pane = (title: string) =>
    vs.page.locator('.pane', { has: vs.page.locator('.pane-header', { hasText: title }) }).first();
  const row = (view: string, text: string | RegExp): Locator =>
    pane(view).locator('.monaco-list-row', { hasText: text }).first();
  const kafka = () => new Kafka({ clientId: 'e2e-app', brokers: [bootstrap], logLevel: logLevel.NOTHING });

  before(async () => {
    vs = await startVsCode({});
    const status = await vs.statusBarText(/Kafka Lite 127\.0\.0\.1:\d+/, 60_000);
    bootstrap = /127\.0\.0\.1:\d+/.exec(status)![0];
  });

  afterEach(async function () {
    await vs?.recordFailure(this.currentTest);
  });

  after(async () => {
    await vs?.close();
  });

  it('opens the Kafka Lite container with the broker running', async () => {
    await vs.openKafkaLiteContainer();
    await pane('Topics').waitFor({ state: 'visible' });
    await pane('Consumer Groups').waitFor({ state: 'visible' });
    await pane('Topics').getByText('No topics yet.').waitFor({ state: 'visible', timeout: 20_000 });
    await vs.screenshot('explorer-1-empty');
  });

  it('shows topics a kafkajs producer creates, with partition and record counts', async () => {
    const producer = kafka().producer();
    await producer.connect();
    await producer.send({
      topic: 'e2e-orders',
      messages: Array.from({ length: 7 }, (_, i) => ({ key: `order-${i}`, value: JSON.stringify({ id: i }) })),
    });
    await producer.disconnect();
    const topic = row('Topics', 'e2e-orders');
    await topic.waitFor({ state: 'visible', timeout: 15_000 });
    await vs.page.waitForFunction(
      () =>
        [...document.querySelectorAll('.monaco-list-row')].some((r) =>
          /e2e-orders.*7 records/.test((r as HTMLElement).innerText.replace(/\n/g, ' ')),
        ),
      undefined,
      { timeout: 15_000 },
    );
    await vs.screenshot('explorer-2-produced');
  });

  it('creates a topic from the palette, validating the name as it is typed', async () => {
    await vs.runCommand('Kafka Lite: Create Topic');
    const input = await vs.quickInput(/Create Topic \(1\/3\)/);
    await input.fill('bad name');
    const message = vs.page.locator('.quick-input-widget .quick-input-message');
    await vs.page.waitForFunction(() =>
      /contains a space/.test(document.querySelector('.quick-input-widget .quick-input-message')?.textContent ?? ''),
    );
    assert.match(await message.innerText(), /contains a space/);
    await vs.screenshot('explorer-3-name-validation');
    await input.fill('e2e-created');
    await vs.page.waitForFunction(
      () => !/contains/.test(document.querySelector('.quick-input-widget .quick-input-message')?.textContent ?? ''),
    );
    await input.press('Enter');
    // partitions
    await vs.page.locator('.quick-input-widget .quick-input-title', { hasText: '(2/3)' }).waitFor({ state: 'visible' });
    await input.fill('2');
    await input.press('Enter');
    // configs: none
    await vs.page.locator('.quick-input-widget .quick-input-title', { hasText: '(3/3)' }).waitFor({ state: 'visible' });
    await input.press('Enter');
    const created = row('Topics', 'e2e-created');
    await created.waitFor({ state: 'visible', timeout: 15_000 });
    assert.match(await created.innerText(), /2 partitions/);
    await vs.screenshot('explorer-4-created');
  });

  it('expands a partition and reads its offsets', async () => {
    await row('Topics', 'e2e-orders').click();
    const p0 = row('Topics', /^partition 0/);
    await p0.waitFor({ state: 'visible' });
    assert.match(await p0.innerText(), /\[0 … 7\)/);
    await p0.click();
    const end = row('Topics', 'log end offset');
    await end.waitFor({ state: 'visible' });
    assert.match((await end.innerText()).replace(/\s+/g, ' '), /log end offset\s*7\b/);
    assert.match((await row('Topics', 'log start offset').innerText()).replace(/\s+/g, ' '), /log start offset\s*0\b/);
    await vs.screenshot('explorer-5-partition-offsets');
  });

  it("resets a group's offsets from the context menu", async () => {
    const consumer = kafka().consumer({ groupId: 'e2e-readers', sessionTimeout: 10_000, heartbeatInterval: 500 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'e2e-orders', fromBeginning: true });
    let seen = 0;
    await consumer.run({ autoCommitInterval: 100, eachMessage: async () => void seen++ });
    const deadline = Date.now() + 30_000;
    while (seen < 7 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.strictEqual(seen, 7, 'the app read every record');
    const group = row('Consumer Groups', 'e2e-readers');
    await group.waitFor({ state: 'visible', timeout: 15_000 });
    await vs.page.waitForFunction(
      () =>
        [...document.querySelectorAll('.monaco-list-row')].some((r) =>
          /e2e-readers.*lag 0 · Stable · 1 member/.test((r as HTMLElement).innerText.replace(/\n/g, ' ')),
        ),
      undefined,
      { timeout: 20_000 },
    );
    await vs.screenshot('explorer-6-group-active');
    await consumer.disconnect();
    await vs.page.waitForFunction(
      () =>
        [...document.querySelectorAll('.monaco-list-row')].some((r) =>
          /e2e-readers.*lag 0 · Empty · 0 members/.test((r as HTMLElement).innerText.replace(/\n/g, ' ')),
        ),
      undefined,
      { timeout: 20_000 },
    );

    await group.click({ button: 'right' });
    await vs.page
      .locator('.monaco-menu .action-item', { hasText: 'Reset Group Offsets' })
      .first()
      .waitFor({ state: 'visible' });
    await vs.screenshot('explorer-7-context-menu');
    await vs.page.keyboard.press('Escape');
    await vs.contextMenu(group, 'Reset Group Offsets');
    const quick = vs.page.locator('.quick-input-widget');
    await vs.quickInput(/Which partitions/);
    await quick.locator('.monaco-list-row', { hasText: 'All topics' }).waitFor({ state: 'visible' });
    await quick.locator('.quick-input-box input').press('Enter');
    await quick.locator('.monaco-list-row', { hasText: 'earliest' }).waitFor({ state: 'visible' });
    await vs.screenshot('explorer-8-reset-strategy');
    await quick.locator('.quick-input-box input').press('Enter');
    // the preview: each partition's committed offset and the new one, before anything is written
    const dialog = vs.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 15_000 });
    assert.match(await dialog.innerText(), /Reset the offsets of group "e2e-readers" to the earliest/);
    assert.match(await dialog.innerText(), /e2e-orders \[0\]: 7 → 0 \(7 back\)/);
    await vs.screenshot('explorer-8b-reset-preview');
    await dialog.locator('.monaco-button', { hasText: 'Reset' }).first().click();
    await vs.page
      .locator('.notifications-toasts', { hasText: 'Offsets of group "e2e-readers" reset' })
      .first()
      .waitFor({ state: 'visible', timeout: 15_000 });

    await vs.page.waitForFunction(
      () =>
        [...document.querySelectorAll('.monaco-list-row')].some((r) =>
          /e2e-readers.*lag 7/.test((r as HTMLElement).innerText.replace(/\n/g, ' ')),
        ),
      undefined,
      { timeout: 20_000 },
    );
    await group.click();
    await row('Consumer Groups', /^Partitions/).click();
    const lagRow = row('Consumer Groups', 'e2e-orders [0]');
    await lagRow.waitFor({ state: 'visible' });
    assert.match((await lagRow.innerText()).replace(/\s+/g, ' '), /committed 0 · end 7 · lag 7/);
    await vs.screenshot('explorer-9-offsets-reset');
  });

  it('Delete Topic asks for the name of a topic that holds records; Compact Topic Now is not offered on it', async () => {
    const producer = kafka().producer();
    await producer.connect();
    await producer.send({
      topic: 'e2e-delete-me',
      messages: [
        { key: 'a', value: '1' },
        { key: 'b', value: '2' },
      ],
    });
    await producer.disconnect();
    const topic = row('Topics', 'e2e-delete-me');
    await topic.waitFor({ state: 'visible', timeout: 15_000 });
    await vs.page.waitForFunction(
      () =>
        [...document.querySelectorAll('.monaco-list-row')].some((r) =>
          /e2e-delete-me.*2 records/.test((r as HTMLElement).innerText.replace(/\n/g, ' ')),
        ),
      undefined,
      { timeout: 15_000 },
    );
    await topic.click({ button: 'right' });
    const item = vs.page.locator('.monaco-menu .action-item', { hasText: 'Delete Topic' }).first();
    await item.waitFor({ state: 'visible' });
    const entry = (label: string) => vs.page.locator('.monaco-menu .action-item', { hasText: label });
    assert.strictEqual(await entry('Purge Topic').count(), 1, 'the query sees the menu entries');
    assert.strictEqual(await entry('Compact Topic Now').count(), 0, 'not offered on a topic that does not compact');
    await vs.page.keyboard.press('Escape');
    await vs.contextMenu(topic, 'Delete Topic');
    const quick = vs.page.locator('.quick-input-widget');
    const input = await vs.quickInput(/Delete Topic "e2e-delete-me"/);
    await quick.locator('.quick-input-message', { hasText: 'holds 2 record(s)' }).waitFor({ state: 'visible' });
    await input.fill('e2e-delete');
    await quick
      .locator('.quick-input-message', { hasText: 'Type "e2e-delete-me" exactly' })
      .waitFor({ state: 'visible' });
    await input.press('Enter'); // a wrong name deletes nothing
    await vs.screenshot('explorer-10-delete-type-name');
    assert.ok(await topic.isVisible(), 'still there');
    await input.fill('e2e-delete-me');
    await input.press('Enter');
    await topic.waitFor({ state: 'detached', timeout: 15_000 });
  });
});
