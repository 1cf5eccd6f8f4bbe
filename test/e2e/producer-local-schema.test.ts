// E2E: the producer panel's schema mode with a local schema file in a real VS Code (code-server + Chromium via
// ./harness). A workspace .avsc is picked with Browse… (the open dialog), a value with a bad field is refused as it
// is typed naming the field, the fixed value is sent with "Register the schema if needed" ticked: the registry
// holds the file's schema under <topic>-value and a kafkajs consumer reads the record in Confluent's wire format
// with that id. A topic mapped by kafkaLite.schemas.localFiles gets its file preselected. Screenshots:
// test-artifacts/e2e/producer-local-schema-*.png, dark and light.
import type * as KafkaJsModule from 'kafkajs';
import * as assert from 'assert';
import * as avsc from 'avsc';
import * as fs from 'fs';
import * as path from 'path';
import type { Frame, Locator } from 'playwright-core';
import type { Session } from './harness';
import { startVsCode } from './harness';

type KafkaJs = typeof KafkaJsModule;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Kafka, logLevel } = require('kafkajs') as KafkaJs;

const ORDER = {
  type: 'record',
  name: 'Order',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'amount', type: 'double' },
  ],
};

describe('producer local schema file (e2e)', function () {
  this.timeout(240_000);
  let vs: Session;
  let bootstrap: string;

  const field = (f: Frame, id: string): Locator => f.locator(`#${id}`).locator('input, textarea').first();
  const pickOption = async (f: Frame, selectId: string, label: string) => {
    await f.locator(`#${selectId}`).click();
    await f
      .locator(`#${selectId} li[role="option"]`)
      .filter({ hasText: new RegExp(`^\\s*${label.replace(/[()]/g, '\\$&')}\\s*$`) })
      .first()
      .click();
  };
  /** Screenshot in both themes, waiting for the panel content each time (a re-themed webview repaints). */
  const bothThemes = async (name: string, f: Frame, selector: string) => {
    for (const kind of ['dark', 'light'] as const) {
      await vs.setTheme(kind);
      await f.locator(selector).first().scrollIntoViewIfNeeded();
      await f.locator(selector).first().waitFor({ state: 'visible' });
      await vs.page.waitForTimeout(400);
      await vs.screenshot(`${name}-${kind}`);
    }
    await vs.setTheme('dark');
  };
  const kafka = () => new Kafka({ clientId: 'e2e-local-schema', brokers: [bootstrap], logLevel: logLevel.NOTHING });

  before(async () => {
    vs = await startVsCode({ settings: { 'kafkaLite.schemaRegistry.port': 0 } });
    fs.mkdirSync(path.join(vs.workspace, 'schemas'), { recursive: true });
    fs.writeFileSync(path.join(vs.workspace, 'schemas', 'order.avsc'), JSON.stringify(ORDER, null, 2));
    const status = await vs.statusBarText(/Kafka Lite 127\.0\.0\.1:\d+/, 60_000);
    bootstrap = /127\.0\.0\.1:\d+/.exec(status)![0];
    const admin = kafka().admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        { topic: 'e2e-local', numPartitions: 1 },
        { topic: 'e2e-mapped', numPartitions: 1 },
      ],
    });
    await admin.disconnect();
  });

  afterEach(async function () {
    await vs?.recordFailure(this.currentTest);
  });

  after(async () => {
    await vs?.close();
  });

  it('producer local schema: a picked .avsc names the bad field as you type; sent with register ticked, the record carries the registered id', async () => {
    await vs.runCommand('Kafka Lite: Open Producer Panel');
    const f = await vs.findWebviewFrame('#send', 60_000);
    await f.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    await pickOption(f, 'mode', 'Schema (Avro, Protobuf, JSON Schema)');
    const registry = f.locator('#schema-registry[data-running="true"]');
    await registry.waitFor({ timeout: 15_000 });
    const url = (await registry.getAttribute('data-url')) ?? '';
    await pickOption(f, 'schema-source', 'a local schema file');
    await pickOption(f, 'topic', 'e2e-local');

    // Browse…: VS Code's open dialog (in code-server a quick input taking the path)
    await f.locator('#pick-schema-file').click();
    const dialog = await vs.quickInput(/a local schema file/i, 15_000);
    await dialog.fill(path.join(vs.workspace, 'schemas', 'order.avsc'));
    await vs.page.waitForTimeout(300);
    await dialog.press('Enter');
    await f.locator('#status', { hasText: 'Picked schemas/order.avsc' }).waitFor({ timeout: 15_000 });
    assert.strictEqual(await field(f, 'schema-file').inputValue(), 'schemas/order.avsc');

    await field(f, 'copies').fill('1');
    await field(f, 'key').fill('');
    await field(f, 'value').fill('{"id": 42, "amount": "ten"}');
    // checked as it is typed (the line before the answer may still show an older check)
    const bad = f.locator('#schema-check[data-ok="false"]', { hasText: 'field "amount"' });
    await bad.waitFor({ timeout: 15_000 });
    assert.match(await bad.innerText(), /field "amount": expected an Avro double/);
    await bothThemes('producer-local-schema-1-bad-field', f, '#schema-check[data-ok="false"]');

    await field(f, 'value').fill('{"id": 42, "amount": 9.5}');
    const fits = f.locator('#schema-check[data-ok="true"]', { hasText: 'fits the local' });
    await fits.waitFor({ timeout: 15_000 });
    assert.match(await fits.innerText(), /fits the local Avro schema schemas\/order\.avsc/);
    await f.locator('#schema-registry-state[data-state="unregistered"]').waitFor({ timeout: 15_000 });
    assert.ok(await f.locator('#register-schema').evaluate((el) => (el as HTMLInputElement).checked), 'ticked');

    await f.locator('#send').first().click();
    await f.locator('#outcome[data-kind="sent"]', { hasText: 'Stored 1 record(s) on topic "e2e-local"' }).waitFor({
      timeout: 15_000,
    });
    const res = await fetch(`${url}/subjects/e2e-local-value/versions/latest`);
    assert.strictEqual(res.status, 200, await res.clone().text());
    const latest = (await res.json()) as { id: number; version: number; schema: string };
    assert.deepStrictEqual(JSON.parse(latest.schema), ORDER);

    const consumer = kafka().consumer({ groupId: `e2e-local-${Date.now()}` });
    const seen: Buffer[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: 'e2e-local', fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value ?? Buffer.alloc(0)) });
    const deadline = Date.now() + 20_000;
    while (seen.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    await consumer.disconnect();
    const [stored] = seen;
    assert.ok(stored, 'the record was consumed');
    assert.strictEqual(stored[0], 0, 'magic byte 0');
    assert.strictEqual(stored.readInt32BE(1), latest.id, 'the id the registry gave the file');
    const decoded: unknown = avsc.Type.forSchema(ORDER as avsc.Schema).fromBuffer(stored.subarray(5));
    assert.deepStrictEqual({ ...(decoded as object) }, { id: 42, amount: 9.5 });

    // registered now: the check says so, with the id
    await f
      .locator('#schema-registry-state[data-state="registered"]', { hasText: `(id ${latest.id})` })
      .waitFor({ timeout: 15_000 });
    await bothThemes('producer-local-schema-2-sent', f, '#outcome[data-kind="sent"]');

    // a topic the setting maps gets its file preselected
    await vs.updateSettings({ 'kafkaLite.schemas.localFiles': { 'e2e-mapped': 'schemas/order.avsc' } });
    await vs.page.waitForTimeout(1500); // the extension host reads the changed setting
    await field(f, 'schema-file').fill('');
    await pickOption(f, 'topic', 'e2e-mapped');
    await f.locator('#schema-file-preset[data-preset="true"]').waitFor({ timeout: 15_000 });
    assert.strictEqual(await field(f, 'schema-file').inputValue(), 'schemas/order.avsc');
  });
});
