// E2E: a person uses the three webview panels in a real VS Code (code-server + Chromium via ./harness):
// the producer (send 3 keyed records, resend the last batch with idempotence on and off, skip a sequence),
// the consumer stepper (4 consumers on 3 partitions, one idle; poll, crash without committing, redelivery; a
// second group reading the same records beside the first),
// and the record browser (browse and filter; Compact now on a compacted topic, with the removed offsets
// marked). Screenshots: test-artifacts/e2e/panels-*.png, light and dark.
import type * as KafkaJsModule from 'kafkajs';
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { Frame, Locator } from 'playwright-core';
import type { Session } from './harness';
import { startVsCode } from './harness';

type KafkaJs = typeof KafkaJsModule;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Kafka, logLevel } = require('kafkajs') as KafkaJs;

describe('Kafka Lite panels (e2e)', function () {
  this.timeout(180_000);
  let vs: Session;
  let bootstrap: string;

  /** The inner <input>/<textarea> of a vscode-textfield / vscode-textarea (open shadow DOM). */
  const field = (f: Frame, id: string): Locator => f.locator(`#${id}`).locator('input, textarea').first();
  const click = async (f: Frame, selector: string) => f.locator(selector).first().click();
  const ready = async (selector: string): Promise<Frame> => {
    const f = await vs.findWebviewFrame(selector, 60_000);
    await f.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    return f;
  };
  const theme = (kind: 'light' | 'dark') => vs.setTheme(kind);
  /** Screenshot in both themes, waiting for the panel content each time (a re-themed webview repaints). */
  const bothThemes = async (name: string, f: Frame, selector: string) => {
    for (const kind of ['dark', 'light'] as const) {
      await theme(kind);
      await f.locator(selector).first().waitFor({ state: 'visible' });
      await vs.page.waitForTimeout(400);
      await vs.screenshot(`${name}-${kind}`);
    }
    await theme('dark');
  };
  /**
   * Press the OK button of VS Code's own file dialog (a quick input) until it closes: while it still reads the
   * typed path, a press can be taken as "go to that folder" instead.
   */
  const acceptFileDialog = async (label: string) => {
    const quick = vs.page.locator('.quick-input-widget');
    for (let attempt = 0; ; attempt++) {
      await vs.page.waitForTimeout(300);
      const clicked = await quick
        .locator('.monaco-button', { hasText: label })
        .first()
        .click({ timeout: 3000 })
        .then(() => true)
        .catch(() => false);
      if (!clicked) await quick.locator('.quick-input-box input').press('Enter');
      try {
        await quick.waitFor({ state: 'hidden', timeout: 3000 });
        return;
      } catch {
        if (attempt >= 4) throw new Error(`the file dialog did not take the path (button "${label}")`);
      }
    }
  };
  /** A row's height; the locator is resolved again while a new snapshot re-renders the table under it. */
  const heightOf = async (l: Locator): Promise<number> => {
    for (let i = 0; ; i++) {
      const box = await l.boundingBox({ timeout: 2000 }).catch(() => null);
      if (box) return box.height;
      if (i >= 50) throw new Error('the row did not stay on screen');
      await vs.page.waitForTimeout(100);
    }
  };
  const pickOption = async (f: Frame, selectId: string, label: string) => {
    await f.locator(`#${selectId}`).click();
    // the dropdown lists the options inside the component's (open) shadow root
    await f
      .locator(`#${selectId} li[role="option"]`)
      .filter({ hasText: new RegExp(`^\\s*${label.replace(/[()]/g, '\\$&')}\\s*$`) })
      .first()
      .click();
  };

  before(async () => {
    vs = await startVsCode({});
    const status = await vs.statusBarText(/Kafka Lite 127\.0\.0\.1:\d+/, 60_000);
    bootstrap = /127\.0\.0\.1:\d+/.exec(status)![0];
    const kafka = new Kafka({ clientId: 'e2e-panels', brokers: [bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'e2e-steps', numPartitions: 3 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    for (let p = 0; p < 3; p++) {
      await producer.send({
        topic: 'e2e-steps',
        messages: [0, 1, 2, 3].map((i) => ({ partition: p, key: `p${p}-${i}`, value: `event ${i} of partition ${p}` })),
      });
    }
    await producer.disconnect();
  });

  afterEach(async function () {
    await vs?.recordFailure(this.currentTest);
  });

  after(async () => {
    await vs?.close();
  });

  it('producer: sends three keyed records and shows the partition and offset of each', async () => {
    await vs.runCommand('Kafka Lite: Open Producer Panel');
    const f = await ready('#send');
    await field(f, 'new-topic').fill('e2e-produce');
    await field(f, 'new-partitions').fill('3');
    await click(f, '#create-topic');
    await f.locator('#status', { hasText: 'Created topic "e2e-produce"' }).waitFor({ timeout: 15_000 });
    await field(f, 'key').fill('user-{{i}}');
    await field(f, 'value').fill('{"greeting": "hello {{i}}"}');
    await pickOption(f, 'value-format', 'JSON');
    await field(f, 'copies').fill('3');
    await click(f, '#send');
    await f.locator('#results tr.result').nth(2).waitFor({ timeout: 15_000 });
    const rows = await f.locator('#results tr.result').evaluateAll((trs) =>
      trs.map((tr) => ({
        key: tr.querySelector('.key')?.textContent ?? '',
        partition: Number(tr.querySelector('.partition')?.textContent),
        offset: Number(tr.querySelector('.offset')?.textContent),
      })),
    );
    assert.deepStrictEqual(rows.map((r) => r.key).sort(), ['user-1', 'user-2', 'user-3']);
    assert.ok(rows.every((r) => Number.isInteger(r.offset) && r.offset >= 0 && r.partition >= 0 && r.partition < 3));
    await f.locator('#outcome', { hasText: 'Stored 3 record(s)' }).waitFor();
    await bothThemes('panels-producer-1-sent', f, '#results');
  });

  it('producer: resending the last batch stores it once with idempotence, twice without', async () => {
    const f = await ready('#send');
    await field(f, 'copies').fill('1');
    await field(f, 'key').fill('retry-key');
    await click(f, '#send');
    await f.locator('#outcome', { hasText: 'Stored 1 record(s)' }).waitFor();
    await click(f, '#resend');
    const once = f.locator('#outcome[data-kind="stored-once"]');
    await once.waitFor({ timeout: 15_000 });
    assert.match(await once.innerText(), /Stored once.*original offset \d+.*stays at \d+/s);
    await vs.screenshot('panels-producer-2-resend-idempotent');

    await click(f, '#idempotent');
    await f.locator('#idem-info', { hasText: 'Idempotence is off' }).waitFor();
    await click(f, '#send');
    await f.locator('#outcome[data-kind="sent"]').waitFor();
    await click(f, '#resend');
    const twice = f.locator('#outcome[data-kind="stored-twice"]');
    await twice.waitFor({ timeout: 15_000 });
    const m = /log end (\d+) → (\d+)/.exec(await twice.innerText());
    assert.ok(m, await twice.innerText());
    assert.strictEqual(Number(m![2]), Number(m![1]) + 1);
    await vs.screenshot('panels-producer-3-resend-plain');
  });

  it('producer: skipping a sequence number shows the broker refusing the batch (OUT_OF_ORDER_SEQUENCE_NUMBER)', async () => {
    const f = await ready('#send');
    await click(f, '#idempotent');
    await f.locator('#idem-info', { hasText: 'Idempotent' }).waitFor();
    await click(f, '#send');
    await f.locator('#outcome[data-kind="sent"]').waitFor();
    await click(f, '#skip');
    await f.locator('#outcome', { hasText: 'instead of' }).waitFor();
    await click(f, '#send');
    const refused = f.locator('#outcome[data-kind="out-of-order"]');
    await refused.waitFor({ timeout: 15_000 });
    assert.match(await refused.innerText(), /OUT_OF_ORDER_SEQUENCE_NUMBER, 45/);
    await vs.screenshot('panels-producer-4-out-of-order');
  });

  it('stepper: four consumers on a three-partition topic, one idle', async () => {
    await vs.runCommand('Kafka Lite: Open Consumer Stepper');
    const f = await ready('#add-consumer');
    await pickOption(f, 'topic', 'e2e-steps (3)');
    await field(f, 'group').fill('e2e-group');
    await click(f, '#select');
    await f.locator('#group-line', { hasText: 'e2e-group' }).waitFor();
    for (let i = 1; i <= 4; i++) {
      await click(f, '#add-consumer');
      await f.locator(`.consumer[data-name="consumer-${i}"]`).waitFor();
    }
    await f.waitForFunction(
      () =>
        document.querySelectorAll('#diagram .node.member').length === 4 &&
        document.querySelectorAll('#diagram .node.member.idle').length === 1 &&
        /Stable/.test(document.getElementById('group-line')?.textContent ?? ''),
      undefined,
      { timeout: 60_000 },
    );
    assert.strictEqual(await f.locator('#diagram .edge').count(), 3);
    await bothThemes('panels-stepper-1-four-consumers', f, '#diagram');
  });

  it('stepper: a consumer polls, crashes without committing, and the new owner gets the records again', async () => {
    const f = await ready('#add-consumer');
    // a consumer that owns a partition
    const owner = await f
      .locator('.consumer.stable')
      .evaluateAll(
        (cards) =>
          cards
            .map((c) => ({ name: (c as HTMLElement).dataset.name!, text: c.textContent ?? '' }))
            .find((c) => /partitions \d/.test(c.text))!.name,
      );
    const card = f.locator(`.consumer[data-name="${owner}"]`);
    await card.locator('vscode-button', { hasText: 'Poll' }).click();
    await card.locator('table.polled tr').first().waitFor({ timeout: 15_000 });
    const firstRead = await card.locator('table.polled tr .offset').count();
    assert.ok(firstRead > 0);
    await vs.screenshot('panels-stepper-2-polled');

    await card.locator('vscode-button', { hasText: 'Crash' }).click();
    await card.locator('.countdown', { hasText: 'waiting for session timeout' }).waitFor({ timeout: 10_000 });
    await vs.screenshot('panels-stepper-3-crashed-waiting');
    // the session (10 s) expires, the group rebalances: three members remain for three partitions
    await f.waitForFunction(
      () =>
        document.querySelectorAll('#diagram .node.member').length === 3 &&
        document.querySelectorAll('#diagram .node.member.idle').length === 0,
      undefined,
      { timeout: 60_000 },
    );
    for (const name of ['consumer-1', 'consumer-2', 'consumer-3', 'consumer-4'].filter((n) => n !== owner)) {
      await f.locator(`.consumer[data-name="${name}"] vscode-button`, { hasText: 'Poll' }).click();
      await vs.page.waitForTimeout(400);
    }
    await f.locator('tr.redelivered').first().waitFor({ timeout: 15_000 });
    const redelivered = await f.locator('tr.redelivered').count();
    assert.strictEqual(redelivered, firstRead);
    await bothThemes('panels-stepper-4-redelivered', f, 'tr.redelivered');
  });

  it('stepper: a second group on the same topic reads the same records on its own, beside the first', async () => {
    const f = await ready('#add-consumer');
    const firstGroup = await f.locator('.consumer').count();
    await field(f, 'group').fill('e2e-second');
    await click(f, '#select');
    await f.locator('#group-line', { hasText: 'e2e-second' }).waitFor();
    assert.strictEqual(
      await f.locator('.consumer.other-group[data-group="e2e-group"]').count(),
      firstGroup,
      "the first group's consumers stay",
    );
    await click(f, '#add-consumer');
    const mine = f.locator('.consumer[data-group="e2e-second"]');
    await mine.waitFor();
    await f.waitForFunction(() => /Stable/.test(document.getElementById('group-line')?.textContent ?? ''), undefined, {
      timeout: 60_000,
    });
    await field(f, 'poll-max').fill('100');
    await mine.locator('vscode-button', { hasText: 'Poll' }).click();
    await mine.locator('table.polled tr').nth(11).waitFor({ timeout: 15_000 });
    assert.strictEqual(
      await mine.locator('table.polled tr').count(),
      12,
      'every record of the topic, from its own start',
    );
    assert.strictEqual(await mine.locator('table.polled tr.redelivered').count(), 0, 'not a redelivery: another group');
    assert.match(await mine.locator('.group-tag').innerText(), /e2e-second/);
    await f.locator('#others', { hasText: 'e2e-group' }).waitFor();
    await bothThemes('panels-stepper-5-two-groups', f, '.consumer[data-group="e2e-second"] table.polled');
  });

  it("browser: shows a topic's records and filters them", async () => {
    await vs.runCommand('Kafka Lite: Browse Records…');
    const input = await vs.quickInput(/Browse the records of which topic/);
    await input.fill('e2e-produce');
    await vs.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'e2e-produce' }).first().click();
    const f = await ready('#records');
    await f.locator('#records tr.record').nth(5).waitFor({ timeout: 15_000 });
    const all = await f.locator('#records tr.record').count();
    assert.ok(all >= 6, `expected the records sent earlier, saw ${all}`);
    await vs.screenshot('panels-browser-1-all');
    await field(f, 'filter').fill('user-2');
    await click(f, '#apply-filter');
    await f.waitForFunction(
      () => {
        const rows = [...document.querySelectorAll('#records tr.record')];
        return rows.length > 0 && rows.every((r) => r.querySelector('.key')?.textContent === 'user-2');
      },
      undefined,
      { timeout: 15_000 },
    );
    const json = await f.locator('#records tr.record td.value pre').first().innerText();
    assert.deepStrictEqual(JSON.parse(json), { greeting: 'hello 2' });
    await bothThemes('panels-browser-2-filtered', f, '#records tr.record');
  });

  it('browser: Compact now keeps the latest value of each key and marks the removed offsets', async () => {
    const kafka = new Kafka({ clientId: 'e2e-compaction', brokers: [bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        { topic: 'e2e-profiles', numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
      ],
    });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    for (const [key, value] of [
      ['ann', 'ann v1'],
      ['bob', 'bob v1'],
      ['ann', 'ann v2'],
      ['cy', 'cy v1'],
      ['ann', 'ann v3'],
    ]) {
      await producer.send({ topic: 'e2e-profiles', messages: [{ key, value }] });
    }
    await producer.disconnect();

    const f = await ready('#records');
    await field(f, 'filter').fill(''); // the previous test left a filter on
    await pickOption(f, 'topic', 'e2e-profiles');
    await f.locator('#records tr.record').nth(4).waitFor({ timeout: 15_000 });
    const compact = f.locator('#compact');
    await compact.waitFor({ state: 'visible' });
    await vs.screenshot('panels-browser-3-before-compaction');
    await compact.click();
    await f.locator('#records tr.gap').first().waitFor({ timeout: 15_000 });
    const shown = await f
      .locator('#records tr')
      .evaluateAll((trs) =>
        trs
          .filter((tr) => tr.classList.contains('record') || tr.classList.contains('gap'))
          .map((tr) =>
            tr.classList.contains('gap')
              ? `gap ${tr.getAttribute('data-from')}-${tr.getAttribute('data-to')}`
              : `${tr.querySelector('.offset')?.textContent} ${tr.querySelector('.key')?.textContent}`,
          ),
      );
    assert.deepStrictEqual(shown, ['gap 0-0', '1 bob', 'gap 2-2', '3 cy', '4 ann']);
    await f.locator('#note', { hasText: '2 superseded record(s) removed' }).waitFor();
    await bothThemes('panels-browser-4-compacted', f, '#records tr.gap');
  });

  // --- state that must not be lost or go stale (the issue "The panels and trees as a person uses them") ---

  const topicsRow = (text: string | RegExp) =>
    vs.page
      .locator('.pane', { has: vs.page.locator('.pane-header', { hasText: 'Topics' }) })
      .first()
      .locator('.monaco-list-row', { hasText: text })
      .first();
  const selectValue = (f: Frame, id: string) =>
    f.locator(`#${id}`).evaluate((el) => String((el as HTMLSelectElement).value));
  /** The value shown in a vscode-single-select (what a person reads), not just its property. */
  const selectText = (f: Frame, id: string) =>
    f.locator(`#${id}`).evaluate((el) => el.shadowRoot?.querySelector('.select-face .text')?.textContent?.trim() ?? '');
  const producerTab = () => vs.page.locator('.tabs-container .tab', { hasText: 'Kafka Lite: Producer' }).first();

  it("producer: opened from a topic's context menu, it keeps what was typed across tab switches and a reload", async () => {
    await vs.openKafkaLiteContainer();
    await vs.contextMenu(topicsRow('e2e-steps'), 'Open Producer Panel');
    let f = await ready('#send');
    await f.waitForFunction(
      () => (document.getElementById('topic') as HTMLSelectElement | null)?.value === 'e2e-steps',
      undefined,
      {
        timeout: 15_000,
      },
    );
    await field(f, 'key').fill('typed-key');
    await field(f, 'value').fill('typed value');
    await field(f, 'copies').fill('3');
    await vs.page.waitForTimeout(300); // the webview saves its state on input

    for (let round = 0; round < 2; round++) {
      // another editor in front, then the producer's tab again (its webview is re-created)
      await vs.runCommand('Kafka Lite: Open Consumer Stepper');
      await vs.findWebviewFrame('#add-consumer', 30_000);
      await producerTab().click();
      f = await ready('#send');
      assert.strictEqual(await field(f, 'key').inputValue(), 'typed-key', `key after switch ${round + 1}`);
      assert.strictEqual(await field(f, 'value').inputValue(), 'typed value', `value after switch ${round + 1}`);
      assert.strictEqual(await field(f, 'copies').inputValue(), '3', `copies after switch ${round + 1}`);
      assert.strictEqual(await selectValue(f, 'topic'), 'e2e-steps');
    }
    await vs.screenshot('panels-producer-5-after-tab-switch');

    await vs.reloadWindow();
    await vs.statusBarText(/Kafka Lite 127\.0\.0\.1:\d+/, 90_000);
    if (
      !(await producerTab()
        .isVisible()
        .catch(() => false))
    )
      throw new Error('the producer tab did not come back after the reload');
    await producerTab().click();
    f = await ready('#send');
    await f
      .locator('#topic vscode-option', { hasText: '(pick a topic)' })
      .first()
      .waitFor({ state: 'attached', timeout: 30_000 }); // the running broker's topics are listed
    await vs.page.waitForTimeout(500);
    assert.strictEqual(await field(f, 'key').inputValue(), 'typed-key', 'key after the reload');
    assert.strictEqual(await field(f, 'value').inputValue(), 'typed value', 'value after the reload');
    assert.strictEqual(await selectValue(f, 'topic'), 'e2e-steps', 'topic after the reload');
    assert.strictEqual(await selectText(f, 'topic'), 'e2e-steps', 'the select shows the topic');
    await bothThemes('panels-producer-6-after-reload', f, '#send');
  });

  it('producer: a new problem replaces the old "Stored" banner instead of sitting under it', async () => {
    if (
      !(await producerTab()
        .isVisible()
        .catch(() => false))
    )
      await vs.runCommand('Kafka Lite: Open Producer Panel');
    else await producerTab().click();
    const f = await ready('#send');
    await pickOption(f, 'topic', 'e2e-steps');
    await field(f, 'value').fill('five of these');
    await field(f, 'copies').fill('5');
    await click(f, '#send');
    await f.locator('#outcome', { hasText: 'Stored 5 record(s)' }).waitFor({ timeout: 15_000 });
    await field(f, 'copies').fill('lots');
    await click(f, '#send');
    await f.locator('#status', { hasText: 'Copies must be' }).waitFor({ timeout: 10_000 });
    assert.doesNotMatch(await f.locator('#outcome').innerText(), /Stored/, 'the old banner is gone');
    await bothThemes('panels-producer-7-new-problem', f, '#status');
  });

  it('browser: after Delete Topic, and after the broker stops and starts, it shows what the broker has now', async () => {
    // An earlier test reloads the window, which starts a new broker on another free port: read its address again.
    const status = await vs.statusBarText(/Kafka Lite 127\.0\.0\.1:\d+/, 60_000);
    bootstrap = /127\.0\.0\.1:\d+/.exec(status)![0];
    const kafka = new Kafka({ clientId: 'e2e-doomed', brokers: [bootstrap], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: 'e2e-doomed',
      messages: [0, 1, 2].map((i) => ({ key: `d${i}`, value: `doomed ${i}` })),
    });
    await producer.disconnect();

    await vs.runCommand('Kafka Lite: Browse Records…');
    let input = await vs.quickInput(/Browse the records of which topic/);
    await input.fill('e2e-doomed');
    await vs.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'e2e-doomed' }).first().click();
    let f = await ready('#records');
    await field(f, 'filter').fill('');
    await click(f, '#apply-filter');
    await f.locator('#records tr.record').nth(2).waitFor({ timeout: 15_000 });
    await field(f, 'seek-offset').fill('2');

    await vs.runCommand('Kafka Lite: Delete Topic…');
    input = await vs.quickInput(/Topic to delete/);
    await input.fill('e2e-doomed');
    await vs.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'e2e-doomed' }).first().click();
    // confirm: a modal (an empty topic) or the typed name (a topic holding records)
    const dialog = vs.page.locator('.monaco-dialog-box');
    const typed = vs.page.locator('.quick-input-widget .quick-input-message', { hasText: 'holds' });
    await Promise.race([dialog.waitFor({ state: 'visible' }), typed.waitFor({ state: 'visible' })]);
    if (await dialog.isVisible()) await dialog.locator('.monaco-button', { hasText: 'Delete' }).first().click();
    else {
      await input.fill('e2e-doomed');
      await input.press('Enter');
    }
    await f.locator('#status', { hasText: 'was deleted' }).waitFor({ timeout: 15_000 });
    assert.strictEqual(await f.locator('#records tr.record').count(), 0, 'no record of the deleted topic stays listed');
    assert.strictEqual(
      await field(f, 'seek-offset').inputValue(),
      '',
      'the offset typed for the deleted topic is cleared',
    );
    await vs.screenshot('panels-browser-5-topic-deleted');

    await pickOption(f, 'topic', 'e2e-steps');
    await f.locator('#records tr.record').nth(11).waitFor({ timeout: 15_000 });
    await vs.runCommand('Kafka Lite: Stop Broker');
    await f.locator('#status', { hasText: 'not running' }).waitFor({ timeout: 30_000 });
    await f.waitForFunction(() => document.querySelectorAll('#records tr.record').length === 0, undefined, {
      timeout: 15_000,
    });
    await vs.screenshot('panels-browser-6-broker-stopped');
    await vs.runCommand('Kafka Lite: Start Broker');
    await vs.statusBarText(/Kafka Lite 127\.0\.0\.1:\d+/, 60_000);
    f = await ready('#records');
    await f.locator('#records tr.record').nth(11).waitFor({ timeout: 30_000 });
    assert.doesNotMatch(await f.locator('#status').innerText(), /not running/, 'the stopped message is gone');
    assert.strictEqual(await selectValue(f, 'topic'), 'e2e-steps');
    assert.strictEqual(await selectText(f, 'topic'), 'e2e-steps', 'the topic select shows the topic');
    await bothThemes('panels-browser-7-broker-back', f, '#records tr.record');
  });

  it('browser: a 200-item JSON value is one line until clicked; the filtered records export to JSON Lines', async () => {
    const status = await vs.statusBarText(/Kafka Lite 127\.0\.0\.1:\d+/, 60_000);
    bootstrap = /127\.0\.0\.1:\d+/.exec(status)![0];
    const big = JSON.stringify(Array.from({ length: 200 }, (_, i) => ({ item: i, name: `item number ${i}` })));
    const kafka = new Kafka({ clientId: 'e2e-export', brokers: [bootstrap], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: 'e2e-export',
      messages: [
        { key: 'big', value: big },
        { key: 'order-1', value: 'first order', headers: { src: 'web' } },
        { key: 'order-2', value: Buffer.from([0, 1, 2, 0xff]) },
        { key: 'long', value: 'a long sentence of words '.repeat(10) }, // 250 characters: wraps, not collapsed
      ],
    });
    await producer.disconnect();

    await vs.runCommand('Kafka Lite: Browse Records…');
    const input = await vs.quickInput(/Browse the records of which topic/);
    await input.fill('e2e-export');
    await vs.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'e2e-export' }).first().click();
    const f = await ready('#records');
    await field(f, 'filter').fill('');
    await click(f, '#apply-filter');
    const bigRow = f.locator('#records tr.record', { has: f.locator('td.key', { hasText: 'big' }) }).first();
    await bigRow.waitFor({ timeout: 15_000 });
    const closedHeight = await heightOf(bigRow);
    assert.ok(closedHeight < 80, `the big record takes one line (${closedHeight} px)`);
    assert.match(
      await bigRow.locator('td.value summary').innerText(),
      /^\[\{"item":0,.*… \(\d+ lines, \d+ characters\)$/,
    );
    assert.match(await bigRow.locator('td.time').innerText(), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3} UTC/);
    await vs.screenshot('panels-browser-8-big-value-closed');
    await bigRow.locator('td.value summary').click();
    await f.waitForFunction(() => !!document.querySelector('#records td.value.big details[open]'), undefined, {
      timeout: 5000,
    });
    assert.ok((await heightOf(bigRow)) > 1000, 'opened, all of it shows');
    await vs.screenshot('panels-browser-9-big-value-open');
    await bigRow.locator('td.value summary').click(); // closed again

    // One line per record: the long sentence that wraps over several lines takes one
    const longRow = f.locator('#records tr.record', { has: f.locator('td.key', { hasText: 'long' }) }).first();
    const wrapped = await heightOf(longRow);
    await click(f, '#compact-rows');
    await f.waitForFunction(() => document.getElementById('records')?.classList.contains('compact'), undefined, {
      timeout: 5000,
    });
    const oneLine = await heightOf(longRow);
    assert.ok(oneLine < 40 && wrapped > 2 * oneLine, `one line per record: ${wrapped} px wrapped, ${oneLine} px now`);
    await vs.screenshot('panels-browser-9b-one-line-per-record');
    await click(f, '#compact-rows');

    await field(f, 'filter').fill('order-');
    await click(f, '#apply-filter');
    await f.waitForFunction(() => document.querySelectorAll('#records tr.record').length === 2, undefined, {
      timeout: 15_000,
    });
    await pickOption(f, 'export-scope', 'every record the filter matches');
    await pickOption(f, 'export-format', 'JSON Lines');
    await click(f, '#export');
    // VS Code's save dialog: type where the file goes
    const target = path.join(vs.workspace, 'e2e-export-orders.jsonl');
    const save = await vs.quickInput(/Export records as JSON Lines|e2e-export\.jsonl/);
    await save.fill(target);
    await acceptFileDialog('Export');
    await f.locator('#note', { hasText: 'Exported 2 record(s)' }).waitFor({ timeout: 30_000 });
    const lines = fs.readFileSync(target, 'utf8').trimEnd().split('\n');
    const got = lines.map((l) => JSON.parse(l) as { key: string; value: unknown; offset: number; headers: unknown });
    assert.deepStrictEqual(
      got.map((r) => [r.offset, r.key, r.value, r.headers]),
      [
        [1, 'order-1', 'first order', [{ key: 'src', value: 'web' }]],
        [2, 'order-2', { base64: Buffer.from([0, 1, 2, 0xff]).toString('base64') }, []],
      ],
    );
    await bothThemes('panels-browser-10-exported', f, '#note');
  });

  it('producer: Browse… picks a records file in the workspace, its format is shown, and its records are sent', async () => {
    fs.mkdirSync(path.join(vs.workspace, 'data-files'), { recursive: true });
    const file = path.join(vs.workspace, 'data-files', 'orders.jsonl');
    fs.writeFileSync(
      file,
      '{"key": "o-1", "value": {"total": 10}}\n{"key": "o-2", "value": "plain text", "headers": {"src": "file"}}\n',
    );
    if (
      !(await producerTab()
        .isVisible()
        .catch(() => false))
    )
      await vs.runCommand('Kafka Lite: Open Producer Panel');
    else await producerTab().click();
    const f = await ready('#send');
    assert.match(await f.locator('#file-format').innerText(), /\.jsonl file \(one record per line\) or a \.json array/);
    await pickOption(f, 'topic', 'e2e-steps');
    await pickOption(f, 'partition', 'partition 1');
    await click(f, '#pick-file');
    const dialog = await vs.quickInput(/Send many from file|orders|data-files/);
    await dialog.fill(file);
    // the dialog lists the folder of the typed path; once the file shows, its OK button takes it
    await vs.page
      .locator('.quick-input-widget .monaco-list-row', { hasText: 'orders.jsonl' })
      .first()
      .waitFor({ timeout: 15_000 });
    await acceptFileDialog('Use this file');
    await f.waitForFunction(
      () =>
        (document.querySelector('#file') as (HTMLElement & { value?: string }) | null)?.value ===
        'data-files/orders.jsonl',
      undefined,
      { timeout: 15_000 },
    );
    await click(f, '#send-file');
    await f.locator('#outcome', { hasText: 'Stored 2 record(s)' }).waitFor({ timeout: 15_000 });
    assert.match(await f.locator('#outcome').innerText(), /partition 1: offsets \d+–\d+ \(2 records\)/);
    await bothThemes('panels-producer-8-file-picked', f, '#outcome');
  });
});
