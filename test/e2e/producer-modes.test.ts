// E2E: the producer panel's transactional and schema modes in a real VS Code (code-server + Chromium via
// ./harness). Transactional: Begin, send 3 records, the drawing shows the open transaction with the last stable
// offset below the high watermark (a read_committed kafkajs consumer sees only the records before it), the window
// is reloaded and the panel goes on with its producer, Commit draws the COMMIT marker with LSO = HW; a second
// producer with the same id fences the first, whose next send the broker refuses. Schema: an Avro schema
// registered over the registry's HTTP API, a JSON value produced in Confluent's wire format (checked with a
// kafkajs consumer), a value with a bad field refused naming it. Screenshots: test-artifacts/e2e/producer-modes-*.png,
// dark and light.
import type * as KafkaJsModule from 'kafkajs';
import * as assert from 'assert';
import * as avsc from 'avsc';
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

describe('producer modes (e2e)', function () {
  this.timeout(240_000);
  let vs: Session;
  let bootstrap: string;

  const field = (f: Frame, id: string): Locator => f.locator(`#${id}`).locator('input, textarea').first();
  const click = async (f: Frame, selector: string) => f.locator(selector).first().click();
  const ready = async (selector: string): Promise<Frame> => {
    const f = await vs.findWebviewFrame(selector, 60_000);
    await f.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    return f;
  };
  const pickOption = async (f: Frame, selectId: string, label: string) => {
    await f.locator(`#${selectId}`).click();
    await f
      .locator(`#${selectId} li[role="option"]`)
      .filter({ hasText: new RegExp(`^\\s*${label.replace(/[()]/g, '\\$&')}\\s*$`) })
      .first()
      .click();
  };
  const theme = (kind: 'light' | 'dark') => vs.setTheme(kind);
  /** Screenshot in both themes, waiting for the panel content each time (a re-themed webview repaints). */
  const bothThemes = async (name: string, f: Frame, selector: string) => {
    for (const kind of ['dark', 'light'] as const) {
      await theme(kind);
      await f.locator(selector).first().scrollIntoViewIfNeeded();
      await f.locator(selector).first().waitFor({ state: 'visible' });
      await vs.page.waitForTimeout(400);
      await vs.screenshot(`${name}-${kind}`);
    }
    await theme('dark');
  };
  const partition0 = (f: Frame) => f.locator('.txn-partition[data-partition="0"]');
  const offsets = async (f: Frame) => ({
    lso: Number(await partition0(f).getAttribute('data-lso')),
    hw: Number(await partition0(f).getAttribute('data-hw')),
  });
  const producerTab = () => vs.page.locator('.tabs-container .tab', { hasText: 'Kafka Lite: Producer' }).first();
  const kafka = () => new Kafka({ clientId: 'e2e-producer-modes', brokers: [bootstrap], logLevel: logLevel.NOTHING });

  /** The values a consumer of `isolation` reads from the start of a one-partition topic within `ms`. */
  const consume = async (topic: string, readUncommitted: boolean, want: number, ms = 20_000): Promise<Buffer[]> => {
    const consumer = kafka().consumer({
      groupId: `e2e-modes-${topic}-${readUncommitted ? 'ru' : 'rc'}-${Date.now()}`,
      readUncommitted,
    });
    const seen: Buffer[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value ?? Buffer.alloc(0)) });
    const deadline = Date.now() + ms;
    while (seen.length < want && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 1000)); // anything beyond what was awaited shows up too
    await consumer.disconnect();
    return seen;
  };

  before(async () => {
    vs = await startVsCode({ settings: { 'kafkaLite.schemaRegistry.port': 0 } });
    const status = await vs.statusBarText(/Kafka Lite 127\.0\.0\.1:\d+/, 60_000);
    bootstrap = /127\.0\.0\.1:\d+/.exec(status)![0];
    const admin = kafka().admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        { topic: 'e2e-txn', numPartitions: 1 },
        { topic: 'e2e-schema', numPartitions: 1 },
      ],
    });
    await admin.disconnect();
    const producer = kafka().producer();
    await producer.connect();
    await producer.send({ topic: 'e2e-txn', messages: [{ value: 'before-1' }, { value: 'before-2' }] });
    await producer.disconnect();
  });

  afterEach(async function () {
    await vs?.recordFailure(this.currentTest);
  });

  after(async () => {
    await vs?.close();
  });

  it('producer modes: a transaction holds the LSO below the HW until Commit, across a reload; a second producer fences the first', async () => {
    await vs.runCommand('Kafka Lite: Open Producer Panel');
    let f = await ready('#send');
    await pickOption(f, 'mode', 'Transactional');
    await f.locator('#txn-section').waitFor({ state: 'visible' });
    await pickOption(f, 'topic', 'e2e-txn');
    await pickOption(f, 'partition', 'partition 0');
    await field(f, 'txn-id').fill('e2e-writer');
    await click(f, '#txn-begin');
    await f.locator('#txn-info[data-state="open"]').waitFor({ timeout: 15_000 });
    await field(f, 'value').fill('order {{i}}');
    await field(f, 'copies').fill('3');
    await click(f, '#txn-send');
    await partition0(f).locator('.cell.open').nth(2).waitFor({ timeout: 15_000 });
    assert.deepStrictEqual(await offsets(f), { lso: 2, hw: 5 });
    assert.match(
      await partition0(f).locator('.caption').innerText(),
      /reads up to offset 2 \(the last stable offset\): the open transaction's records at 2–4 are not visible until you commit/,
    );
    assert.strictEqual(await partition0(f).locator('.mark.lso[data-offset="2"]').count(), 1);
    assert.strictEqual(await partition0(f).locator('.mark.hw[data-offset="5"]').count(), 1);
    // what the drawing says: a read_committed consumer stops at the LSO, a read_uncommitted one does not
    const committed = await consume('e2e-txn', false, 2, 8000);
    assert.deepStrictEqual(committed.map(String), ['before-1', 'before-2']);
    const uncommitted = await consume('e2e-txn', true, 5);
    assert.deepStrictEqual(uncommitted.map(String), ['before-1', 'before-2', 'order 1', 'order 2', 'order 3']);
    await bothThemes('producer-modes-1-open-transaction', f, '.txn-partition[data-partition="0"] .cell.open');

    // a reload restarts the broker; the panel goes on with its producer and the still-open transaction
    await vs.reloadWindow();
    // the restarted broker listens on a new port (kafkaLite.port 0)
    bootstrap = /127\.0\.0\.1:\d+/.exec(await vs.statusBarText(/Kafka Lite 127\.0\.0\.1:\d+/, 90_000))![0];
    if (
      !(await producerTab()
        .isVisible()
        .catch(() => false))
    )
      throw new Error('the producer tab did not come back after the reload');
    await producerTab().click();
    f = await ready('#send');
    await f.locator('#txn-info[data-state="open"]').waitFor({ timeout: 30_000 });
    await partition0(f).locator('.cell.open').nth(2).waitFor({ timeout: 15_000 });
    assert.strictEqual(await field(f, 'txn-id').inputValue(), 'e2e-writer');

    await click(f, '#txn-commit');
    await partition0(f).locator('.cell.commit').waitFor({ timeout: 15_000 });
    assert.deepStrictEqual(await offsets(f), { lso: 6, hw: 6 });
    assert.strictEqual(await partition0(f).locator('.mark.lso.hw[data-offset="6"]').count(), 1);
    assert.strictEqual(await partition0(f).locator('.cell.commit[data-offset="5"]').count(), 1);
    await f.locator('#outcome[data-kind="committed"]', { hasText: 'COMMIT marker' }).waitFor();
    const after = await consume('e2e-txn', false, 5);
    assert.deepStrictEqual(after.map(String).slice(2), ['order 1', 'order 2', 'order 3']);
    await bothThemes('producer-modes-2-committed', f, '.txn-partition[data-partition="0"] .cell.commit');

    // fencing: a second producer with the same transactional id, then the first one sends again
    await click(f, '#txn-begin');
    await f.locator('#txn-info[data-state="open"]').waitFor({ timeout: 15_000 });
    await field(f, 'copies').fill('1');
    await click(f, '#txn-send');
    await partition0(f).locator('.cell.open').first().waitFor({ timeout: 15_000 });
    await click(f, '#txn-fence');
    await f
      .locator('#outcome[data-kind="fenced"]', { hasText: 'A second producer started' })
      .waitFor({ timeout: 15_000 });
    await partition0(f).locator('.cell.abort').waitFor({ timeout: 15_000 });
    await click(f, '#txn-send');
    const refused = f.locator('#outcome[data-kind="fenced"]', { hasText: 'was refused' });
    await refused.waitFor({ timeout: 15_000 });
    assert.match(
      await refused.innerText(),
      /the broker answered (INVALID_PRODUCER_EPOCH \(47\)|PRODUCER_FENCED \(90\)).*was fenced: a second producer with the same transactional id started/s,
    );
    await f.locator('#txn-info[data-state="fenced"]').waitFor();
    await bothThemes('producer-modes-3-fenced', f, '#outcome[data-kind="fenced"]');
  });

  it('producer modes: schema mode encodes the JSON value with the Avro schema of <topic>-value; a bad field is named', async () => {
    if (
      !(await producerTab()
        .isVisible()
        .catch(() => false))
    )
      await vs.runCommand('Kafka Lite: Open Producer Panel');
    else await producerTab().click();
    const f = await ready('#send');
    await pickOption(f, 'mode', 'Schema (Avro, Protobuf, JSON Schema)');
    const registry = f.locator('#schema-registry[data-running="true"]');
    await registry.waitFor({ timeout: 15_000 });
    const url = await registry.getAttribute('data-url');
    assert.match(url ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${url}/subjects/e2e-schema-value/versions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: JSON.stringify(ORDER) }),
    });
    assert.strictEqual(res.status, 200, await res.clone().text());
    const { id } = (await res.json()) as { id: number };

    await pickOption(f, 'topic', 'e2e-schema');
    await field(f, 'copies').fill('1');
    await field(f, 'key').fill('');
    await field(f, 'value').fill('{"id": 42, "amount": 9.5}');
    const fits = f.locator('#schema-check[data-ok="true"]');
    await fits.waitFor({ timeout: 15_000 });
    assert.match(await fits.innerText(), new RegExp(`fits Avro schema "e2e-schema-value" v1 \\(id ${id}\\)`));
    await click(f, '#send');
    await f.locator('#outcome[data-kind="sent"]', { hasText: 'Stored 1 record(s) on topic "e2e-schema"' }).waitFor({
      timeout: 15_000,
    });
    const [stored] = await consume('e2e-schema', false, 1);
    assert.ok(stored, 'the record was consumed');
    assert.strictEqual(stored[0], 0, 'magic byte 0');
    assert.strictEqual(stored.readInt32BE(1), id, 'the schema id');
    const decoded: unknown = avsc.Type.forSchema(ORDER as avsc.Schema).fromBuffer(stored.subarray(5));
    assert.deepStrictEqual({ ...(decoded as object) }, { id: 42, amount: 9.5 });
    await bothThemes('producer-modes-4-schema-fits', f, '#schema-check[data-ok="true"]');

    await field(f, 'value').fill('{"id": 42, "amount": "ten"}');
    const bad = f.locator('#schema-check[data-ok="false"]');
    await bad.waitFor({ timeout: 15_000 });
    assert.match(await bad.innerText(), /field "amount": expected an Avro double/);
    await click(f, '#send');
    await f
      .locator('#status.error', { hasText: /does not fit schema "e2e-schema-value" v1 .*field "amount"/ })
      .waitFor({ timeout: 15_000 });
    await bothThemes('producer-modes-5-schema-bad-field', f, '#schema-check[data-ok="false"]');
  });
});
