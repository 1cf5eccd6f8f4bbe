// E2E: transactions and schemas as a person sees them in a real VS Code (code-server + Chromium via ./harness).
// A kafkajs transactional producer commits one transaction and aborts another: the record browser shows the
// COMMIT / ABORT marker rows and the aborted records greyed with who aborted them, and read_committed hides both.
// A transaction left open is listed in the Transactions view, and Abort Transaction (confirmed in a dialog naming
// its id) ends it. An Avro record registered and produced over the wire shows decoded with its schema's caption,
// the filter finds it by a field value, and the Schema Registry view lists its subject and version, opens the
// schema in a JSON editor and deletes the subject after a confirmation.
// Screenshots: test-artifacts/e2e/txn-schemas-*.png, dark and light.
import type * as KafkaJsModule from 'kafkajs';
import * as assert from 'assert';
import * as avsc from 'avsc';
import * as http from 'http';
import type { Frame, Locator } from 'playwright-core';
import type { Session } from './harness';
import { freePort, startVsCode } from './harness';

type KafkaJs = typeof KafkaJsModule;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Kafka, logLevel } = require('kafkajs') as KafkaJs;

const ORDER = {
  type: 'record',
  name: 'Order',
  fields: [
    { name: 'customer_id', type: 'long' },
    { name: 'item', type: 'string' },
  ],
};

function post(port: number, url: string, body: unknown): Promise<{ id: number }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: url,
        headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) reject(new Error(`POST ${url}: ${res.statusCode} ${text}`));
          else resolve(JSON.parse(text) as { id: number });
        });
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('Kafka Lite transactions and schemas (e2e)', function () {
  this.timeout(180_000);
  let vs: Session;
  let bootstrap: string;
  let registryPort: number;
  const disconnect: { disconnect(): Promise<void> }[] = [];

  const kafka = () =>
    new Kafka({
      clientId: 'e2e-txn',
      brokers: [bootstrap],
      logLevel: logLevel.NOTHING,
      retry: { retries: 3, initialRetryTime: 100 },
    });
  const field = (f: Frame, id: string): Locator => f.locator(`#${id}`).locator('input, textarea').first();
  const ready = async (selector: string): Promise<Frame> => {
    const f = await vs.findWebviewFrame(selector, 60_000);
    await f.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    return f;
  };
  const pickOption = async (f: Frame, selectId: string, label: string) => {
    await f.locator(`#${selectId}`).click();
    await f
      .locator(`#${selectId} li[role="option"]`)
      .filter({ hasText: new RegExp(`^\\s*${label}\\s*$`) })
      .first()
      .click();
  };
  const pane = (title: string) =>
    vs.page.locator('.pane', { has: vs.page.locator('.pane-header', { hasText: title }) }).first();
  const row = (view: string, text: string | RegExp): Locator =>
    pane(view).locator('.monaco-list-row', { hasText: text }).first();
  /** Expand a sidebar view that starts collapsed (clicking its header only when it is collapsed). */
  const expand = async (title: string) => {
    await vs.openKafkaLiteContainer();
    const header = pane(title).locator('.pane-header').first();
    await header.waitFor({ state: 'visible', timeout: 15_000 });
    if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
  };
  const theme = (kind: 'light' | 'dark') => vs.setTheme(kind);
  /** Screenshots in both themes, waiting for `visible` each time (a re-themed workbench repaints). */
  const bothThemes = async (name: string, visible: Locator) => {
    for (const kind of ['dark', 'light'] as const) {
      await theme(kind);
      await visible.waitFor({ state: 'visible' });
      await vs.page.waitForTimeout(400);
      await vs.screenshot(`txn-schemas-${name}-${kind}`);
    }
    await theme('dark');
  };
  const openBrowserOn = async (topic: string): Promise<Frame> => {
    await vs.runCommand('Kafka Lite: Browse Records…');
    const input = await vs.quickInput(/Browse the records of which topic/);
    await input.fill(topic);
    await vs.page.locator('.quick-input-widget .monaco-list-row', { hasText: topic }).first().click();
    return ready('#records');
  };

  before(async () => {
    registryPort = await freePort();
    vs = await startVsCode({ settings: { 'kafkaLite.schemaRegistry.port': registryPort } });
    const status = await vs.statusBarText(/Kafka Lite 127\.0\.0\.1:\d+/, 60_000);
    bootstrap = /127\.0\.0\.1:\d+/.exec(status)![0];
    const admin = kafka().admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        { topic: 'e2e-txn', numPartitions: 1 },
        { topic: 'e2e-txn-open', numPartitions: 1 },
        { topic: 'e2e-avro', numPartitions: 1 },
      ],
    });
    await admin.disconnect();
  });

  afterEach(async function () {
    await vs?.recordFailure(this.currentTest);
  });

  after(async () => {
    for (const c of disconnect.splice(0)) await c.disconnect().catch(() => undefined);
    await vs?.close();
  });

  it('browser: COMMIT and ABORT markers are rows, aborted records are greyed; read_committed hides both', async () => {
    const producer = kafka().producer({ transactionalId: 'e2e-payments', idempotent: true, maxInFlightRequests: 1 });
    disconnect.push(producer);
    await producer.connect();
    const good = await producer.transaction();
    await good.send({ topic: 'e2e-txn', messages: [{ value: 'committed-1' }, { value: 'committed-2' }] });
    await good.commit();
    const bad = await producer.transaction();
    await bad.send({ topic: 'e2e-txn', messages: [{ value: 'aborted-1' }, { value: 'aborted-2' }] });
    await bad.abort();

    const f = await openBrowserOn('e2e-txn');
    await f.locator('#records tr.marker[data-marker="ABORT"]').waitFor({ timeout: 15_000 });
    const shown = () =>
      f
        .locator('#records tr.record, #records tr.marker')
        .evaluateAll((trs) =>
          trs.map((tr) =>
            tr.classList.contains('marker')
              ? `${tr.getAttribute('data-offset')}:${tr.getAttribute('data-marker')}`
              : `${tr.getAttribute('data-offset')}:${tr.querySelector('td.value')?.textContent ?? ''}${tr.getAttribute('data-txn') ? `(${tr.getAttribute('data-txn')})` : ''}`,
          ),
        );
    assert.deepStrictEqual(await shown(), [
      '0:committed-1',
      '1:committed-2',
      '2:COMMIT',
      '3:aborted-1(aborted)',
      '4:aborted-2(aborted)',
      '5:ABORT',
    ]);
    const caption = await f.locator('#records tr.txn-aborted .txn-caption').first().innerText();
    assert.match(caption, /^aborted by producer \d+, epoch \d+$/);
    assert.match(
      await f.locator('#records tr.marker[data-marker="COMMIT"]').innerText(),
      /COMMIT marker · producer \d+ · epoch \d+/,
    );
    const opacity = await f
      .locator('#records tr.txn-aborted td.value')
      .first()
      .evaluate((td) => Number(getComputedStyle(td).opacity));
    assert.ok(opacity < 1, `an aborted record is greyed (opacity ${opacity})`);
    await bothThemes('1-markers', f.locator('#records tr.marker').first());

    await pickOption(f, 'isolation', 'read_committed');
    await f.waitForFunction(() => document.querySelectorAll('#records tr.marker').length === 0, undefined, {
      timeout: 15_000,
    });
    assert.deepStrictEqual(await shown(), ['0:committed-1', '1:committed-2']);
    await bothThemes('2-read-committed', f.locator('#records tr.record').first());
    await pickOption(f, 'isolation', 'read_uncommitted');
    await f.locator('#records tr.marker').first().waitFor({ timeout: 15_000 });
  });

  it('Transactions view: an open transaction is listed, and Abort Transaction ends it after a confirmation', async () => {
    const producer = kafka().producer({ transactionalId: 'e2e-open', idempotent: true, maxInFlightRequests: 1 });
    disconnect.push(producer);
    await producer.connect();
    const open = await producer.transaction();
    await open.send({ topic: 'e2e-txn-open', messages: [{ value: 'pending-1' }, { value: 'pending-2' }] });

    await expand('Transactions');
    const txn = row('Transactions', 'e2e-open');
    await txn.waitFor({ state: 'visible', timeout: 15_000 });
    assert.match(await txn.innerText(), /Ongoing · producer \d+ epoch \d+ · 1 partition/);
    await bothThemes('3-transactions-view', txn);

    // the browser in read_committed stops before the open transaction and says so
    const f = await openBrowserOn('e2e-txn-open');
    await pickOption(f, 'isolation', 'read_committed');
    await f
      .locator('#stable-note', {
        hasText: 'showing up to the last stable offset 0; 2 records of an open transaction are after it',
      })
      .waitFor({ timeout: 15_000 });
    await vs.screenshot('txn-schemas-4-stopped-at-lso');

    await vs.contextMenu(row('Transactions', 'e2e-open'), 'Abort Transaction…');
    const dialog = vs.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 15_000 });
    assert.match(await dialog.innerText(), /Abort the open transaction of "e2e-open"\?/);
    await vs.screenshot('txn-schemas-5-abort-confirm');
    await dialog.locator('.monaco-button', { hasText: 'Abort Transaction' }).first().click();
    await row('Transactions', 'No open transactions').waitFor({ state: 'visible', timeout: 15_000 });
    // the ABORT marker moved the last stable offset past the aborted records: read_committed has nothing to hide
    await f.waitForFunction(() => document.querySelector('#stable-note')?.textContent === '', undefined, {
      timeout: 15_000,
    });
    await pickOption(f, 'isolation', 'read_uncommitted');
    await f.locator('#records tr.marker[data-marker="ABORT"]').waitFor({ timeout: 15_000 });
    assert.strictEqual(await f.locator('#records tr.txn-aborted').count(), 2);
  });

  it('an Avro record registered and produced over the wire shows decoded, the filter finds it by a field, the Schema Registry view lists its subject', async () => {
    const { id } = await post(registryPort, '/subjects/e2e-avro-value/versions', { schema: JSON.stringify(ORDER) });
    const type = avsc.Type.forSchema(ORDER as avsc.Schema);
    const framed = (v: { customer_id: number; item: string }) => {
      const h = Buffer.alloc(5);
      h.writeInt32BE(id, 1);
      return Buffer.concat([h, type.toBuffer(v)]);
    };
    const producer = kafka().producer();
    disconnect.push(producer);
    await producer.connect();
    await producer.send({
      topic: 'e2e-avro',
      messages: [
        { key: 'o-1', value: framed({ customer_id: 42, item: 'teapot' }) },
        { key: 'o-2', value: framed({ customer_id: 7, item: 'mug' }) },
      ],
    });

    const f = await openBrowserOn('e2e-avro');
    await f.locator('#records tr.record').nth(1).waitFor({ timeout: 15_000 });
    const caption = await f.locator('#records tr.record td.value .schema-caption').first().innerText();
    assert.strictEqual(caption, `Avro · e2e-avro-value v1 (id ${id})`);
    assert.deepStrictEqual(JSON.parse(await f.locator('#records tr.record td.value pre').first().innerText()), {
      customer_id: 42,
      item: 'teapot',
    });
    await field(f, 'filter').fill('customer_id":7');
    await f.locator('#apply-filter').click();
    await f.waitForFunction(
      () => {
        const rows = [...document.querySelectorAll('#records tr.record')];
        return rows.length === 1 && rows[0].querySelector('td.key')?.textContent === 'o-2';
      },
      undefined,
      { timeout: 15_000 },
    );
    await bothThemes('6-avro-filtered', f.locator('#records tr.record').first());

    await expand('Schema Registry');
    const subject = row('Schema Registry', 'e2e-avro-value');
    await subject.waitFor({ state: 'visible', timeout: 15_000 });
    assert.match(await subject.innerText(), /AVRO · 1 version · latest v1/);
    await subject.click();
    const version = row('Schema Registry', /^\s*v1/);
    await version.waitFor({ state: 'visible', timeout: 15_000 });
    assert.match(await version.innerText(), new RegExp(`AVRO · id ${id}`));
    await bothThemes('7-schema-registry-view', version);

    // Open Schema: an untitled JSON editor with the schema pretty-printed
    await vs.contextMenu(subject, 'Open Schema');
    const editor = vs.page.locator('.editor-instance .view-lines', { hasText: '"customer_id"' }).first();
    await editor.waitFor({ state: 'visible', timeout: 15_000 });
    await vs.page
      .locator('.statusbar-item', { hasText: /^JSON$/ })
      .first()
      .waitFor({ timeout: 15_000 });
    await vs.screenshot('txn-schemas-8-open-schema');

    // Delete Subject: confirmed in a dialog naming the subject; the view then has no subject
    await vs.contextMenu(row('Schema Registry', 'e2e-avro-value'), 'Delete Subject…');
    const dialog = vs.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 15_000 });
    assert.match(await dialog.innerText(), /Delete subject "e2e-avro-value"\?/);
    await dialog.locator('.monaco-button', { hasText: 'Delete Subject' }).first().click();
    await row('Schema Registry', 'No subjects yet').waitFor({ state: 'visible', timeout: 15_000 });
  });
});
