// E2E: a person watches a consumer group in a real VS Code (code-server + Chromium via ./harness): in the consumer
// stepper a crashed member's partition moves to another member, shown as "partition N: consumer-a → consumer-b" in
// the diagram and the group's timeline; lag falls in the Group Details chart after the stepper's consumers commit;
// a read_committed member stops at the last stable offset while a kafkajs transaction is open and reads on after
// the commit; Reset Offsets from Group Details leaves its confirmation (notification, and the panel's list).
// Screenshots: test-artifacts/e2e/stepper-lag-*.png, light and dark.
import type * as KafkaJsModule from 'kafkajs';
import * as assert from 'assert';
import type { Frame, Locator } from 'playwright-core';
import type { Session } from './harness';
import { startVsCode } from './harness';

type KafkaJs = typeof KafkaJsModule;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Kafka, logLevel } = require('kafkajs') as KafkaJs;

describe('Kafka Lite stepper timeline and lag (e2e)', function () {
  this.timeout(180_000);
  let vs: Session;
  let kafka: InstanceType<typeof Kafka>;

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
  const bothThemes = async (name: string, f: Frame, selector: string) => {
    for (const kind of ['dark', 'light'] as const) {
      await theme(kind);
      await f.locator(selector).first().waitFor({ state: 'visible' });
      // A live chart redraws every sample: the element found may be replaced before the scroll; find it again.
      for (let attempt = 0; ; attempt++) {
        try {
          await f.locator(selector).first().scrollIntoViewIfNeeded({ timeout: 2000 });
          break;
        } catch (e) {
          if (attempt >= 4) throw e;
        }
      }
      await vs.page.waitForTimeout(400);
      await vs.screenshot(`${name}-${kind}`);
    }
    await theme('dark');
  };
  const openStepper = async (topic: string, group: string): Promise<Frame> => {
    await vs.runCommand('Kafka Lite: Open Consumer Stepper');
    const f = await ready('#add-consumer');
    await pickOption(f, 'topic', topic);
    await field(f, 'group').fill(group);
    await click(f, '#select');
    await f.locator('#group-line', { hasText: group }).waitFor();
    return f;
  };
  const stableWith = (f: Frame, members: number) =>
    f.waitForFunction(
      (n) =>
        document.querySelectorAll('#diagram .node.member').length === n &&
        /Stable/.test(document.getElementById('group-line')?.textContent ?? ''),
      members,
      { timeout: 60_000 },
    );
  const card = (f: Frame, name: string) => f.locator(`.consumer[data-name="${name}"]`);
  const press = async (f: Frame, name: string, label: string) =>
    card(f, name).locator('vscode-button', { hasText: label }).click();

  before(async () => {
    vs = await startVsCode({ settings: { 'kafkaLite.lagSampling.intervalSeconds': 1 } });
    const status = await vs.statusBarText(/Kafka Lite 127\.0\.0\.1:\d+/, 60_000);
    const bootstrap = /127\.0\.0\.1:\d+/.exec(status)![0];
    kafka = new Kafka({ clientId: 'e2e-stepper-lag', brokers: [bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        { topic: 'lag-steps', numPartitions: 3 },
        { topic: 'lag-tx', numPartitions: 1 },
      ],
    });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    for (let p = 0; p < 3; p++) {
      await producer.send({
        topic: 'lag-steps',
        messages: [0, 1, 2, 3].map((i) => ({ partition: p, key: `p${p}-${i}`, value: `event ${i} of partition ${p}` })),
      });
    }
    await producer.send({ topic: 'lag-tx', messages: [{ value: 'plain-1' }, { value: 'plain-2' }] });
    await producer.disconnect();
  });

  afterEach(async function () {
    await vs?.recordFailure(this.currentTest);
  });

  after(async () => {
    await vs?.close();
  });

  it('a rebalance shows which partition moved from which consumer to which, in the diagram and the timeline', async () => {
    const f = await openStepper('lag-steps (3)', 'lag-group');
    for (let i = 1; i <= 3; i++) {
      await click(f, '#add-consumer');
      await card(f, `consumer-${i}`).waitFor();
      await stableWith(f, i);
      await f.locator('#timeline li', { hasText: `consumer-${i} joined` }).waitFor({ timeout: 30_000 });
    }
    const owned = /partitions (\d)/.exec(await card(f, 'consumer-3').innerText());
    assert.ok(owned, 'consumer-3 owns one partition');
    const partition = owned[1];
    await press(f, 'consumer-3', 'Crash');
    // the session (10 s) expires, the group rebalances to two members
    await stableWith(f, 2);
    const move = f.locator('#moves .move', {
      hasText: new RegExp(`^partition ${partition}: consumer-3 → consumer-[12]$`),
    });
    await move.waitFor({ timeout: 30_000 });
    const line = await move.innerText();
    const to = /→ (consumer-\d)/.exec(line)![1];
    await f.locator(`#diagram .edge.moved[data-partition="${partition}"]`).waitFor();
    assert.strictEqual(
      await f.locator(`#diagram .move-label[data-partition="${partition}"]`).textContent(),
      'was consumer-3',
    );
    const timeline = f.locator('#timeline');
    for (const text of [
      `partition ${partition}: consumer-3 → ${to}`,
      "consumer-3's session expired",
      'rebalance started',
      'generation',
    ])
      await timeline.locator('li', { hasText: text }).first().waitFor();
    // newest first: the move comes before (above) the expiry, which comes before the rebalance start
    const texts = await timeline.locator('li').allInnerTexts();
    const at = (s: string) => texts.findIndex((t) => t.includes(s));
    assert.ok(
      at(`consumer-3 → ${to}`) < at('session expired') && at('session expired') < at('rebalance started'),
      texts.join('\n'),
    );
    await bothThemes('stepper-lag-1-moved', f, '#diagram');
  });

  it('the Group Details chart shows lag falling after the stepper commits', async () => {
    const f = await ready('#add-consumer');
    await f.locator('#lag-chart[data-last="12"]').waitFor({ timeout: 15_000 });
    await field(f, 'poll-max').fill('100');
    for (const name of ['consumer-1', 'consumer-2']) {
      await press(f, name, 'Poll');
      await card(f, name).locator('table.polled tr').first().waitFor({ timeout: 15_000 });
      await press(f, name, 'Commit');
      await f.locator('#timeline li', { hasText: `${name} committed` }).waitFor({ timeout: 15_000 });
    }
    await f.waitForFunction(
      () => [...document.querySelectorAll('#partitions td.lag')].every((td) => td.textContent === '0'),
      undefined,
      { timeout: 15_000 },
    );
    await vs.runCommand('Kafka Lite: Show Group Details');
    const pick = await vs.quickInput(/Show the details of which group/);
    await pick.fill('lag-group');
    await vs.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'lag-group' }).first().click();
    const d = await ready('#per-partition');
    await d.locator('#lag-chart[data-last="0"]').waitFor({ timeout: 15_000 });
    const total = (await d.locator('#lag-chart').getAttribute('data-total'))!.split(',').map(Number);
    assert.strictEqual(Math.max(...total), 12, `the chart held the lag before the commits: ${total}`);
    assert.strictEqual(total.at(-1), 0);
    assert.ok(total.indexOf(12) < total.lastIndexOf(0), 'it fell from 12 to 0');
    assert.match(await d.locator('#summary').innerText(), /total lag 0/);
    await d.locator('#per-partition').click();
    await d.waitForFunction(() => document.querySelectorAll('#lag-chart .lag-line.part').length === 3, undefined, {
      timeout: 10_000,
    });
    await bothThemes('stepper-lag-2-group-details', d, '#lag-chart .lag-line.total');
  });

  it('a read_committed member stops at the LSO while a kafkajs transaction is open and reads on after the commit', async () => {
    const producer = kafka.producer({ transactionalId: 'e2e-stepper-tx', idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      const txn = await producer.transaction();
      await txn.send({ topic: 'lag-tx', messages: [{ value: 'in-txn-1' }, { value: 'in-txn-2' }] });
      // switching the topic makes lag-group's consumers leave (the reset below needs an empty group)
      const f = await openStepper('lag-tx (1)', 'rc-group');
      await pickOption(f, 'isolation', 'read_committed');
      await f.locator('#caption', { hasText: 'reads read_committed' }).waitFor({ timeout: 15_000 });
      await click(f, '#add-consumer');
      await card(f, 'consumer-4').waitFor();
      await stableWith(f, 1);
      await field(f, 'poll-max').fill('100');
      await press(f, 'consumer-4', 'Poll');
      await card(f, 'consumer-4').locator('table.polled tr').first().waitFor({ timeout: 15_000 });
      assert.deepStrictEqual(await card(f, 'consumer-4').locator('table.polled td.value').allInnerTexts(), [
        'plain-1',
        'plain-2',
      ]);
      await f.locator('#partitions tr.at-lso .lso-tag', { hasText: 'waiting at LSO' }).waitFor({ timeout: 15_000 });
      await f.locator('#caption', { hasText: 'stopped at the last stable offset of partition 0 (LSO 2' }).waitFor();
      await f.locator('#diagram .node.partition.at-lso').waitFor();
      await bothThemes('stepper-lag-3-waiting-at-lso', f, '#partitions');

      await txn.commit();
      await f.locator('#partitions td.lso', { hasText: /^5$/ }).waitFor({ timeout: 15_000 });
      await press(f, 'consumer-4', 'Poll');
      await card(f, 'consumer-4')
        .locator('table.polled td.value', { hasText: 'in-txn-1' })
        .waitFor({ timeout: 15_000 });
      assert.deepStrictEqual(await card(f, 'consumer-4').locator('table.polled td.value').allInnerTexts(), [
        'in-txn-1',
        'in-txn-2',
      ]);
      assert.strictEqual(await f.locator('#partitions .lso-tag').count(), 0);
      await vs.screenshot('stepper-lag-4-after-commit-dark');
    } finally {
      await producer.disconnect();
    }
  });

  it('Reset Offsets from Group Details leaves its confirmation: a notification and a line in the panel', async () => {
    await vs.runCommand('Kafka Lite: Show Group Details');
    const pick = await vs.quickInput(/Show the details of which group/);
    await pick.fill('lag-group');
    await vs.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'lag-group' }).first().click();
    const d = await ready('#per-partition');
    await d.locator('#summary', { hasText: 'lag-group' }).waitFor();
    await d.waitForFunction(() => /0 member/.test(document.getElementById('summary')?.textContent ?? ''), undefined, {
      timeout: 15_000,
    });
    await click(d, '#reset');
    const scope = await vs.quickInput(/Which partitions/);
    await scope.fill('All topics');
    await scope.press('Enter');
    const where = await vs.quickInput(/Where should the group resume/);
    await where.fill('earliest');
    await where.press('Enter');
    const dialog = vs.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 15_000 });
    assert.match(await dialog.innerText(), /lag-steps \[0\]: 4 → 0 \(4 back\)/);
    await dialog.locator('.monaco-button', { hasText: 'Reset' }).first().click();
    const toast = vs.page.locator('.notifications-toasts', { hasText: 'Offsets of group "lag-group" reset' });
    await toast.waitFor({ timeout: 15_000 });
    assert.match(await toast.innerText(), /Show Group Details/);
    const record = d.locator('#resets li.reset', { hasText: '3 partition(s) changed' });
    await record.waitFor({ timeout: 15_000 });
    assert.match(await record.innerText(), /lag-steps \[2\]: 4 → 0 \(4 back\)/);
    await d.locator('#lag-chart[data-last="12"]').waitFor({ timeout: 15_000 });
    await vs.screenshot('stepper-lag-5-reset-confirmed-dark');
    await theme('light');
    await record.waitFor();
    await vs.page.waitForTimeout(400);
    await vs.screenshot('stepper-lag-5-reset-confirmed-light');
    await theme('dark');
  });
});
