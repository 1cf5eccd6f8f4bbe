// E2E: a person connects Kafka Lite to a real Apache Kafka (4.4.0, started once by this file: PLAINTEXT,
// SASL_PLAINTEXT and SASL_SSL listeners, SCRAM-SHA-256 user alice, a CA and a broker certificate made by the test;
// test/reference/clusters-kafka.ts). Apache Kafka's own Java tools create the topics and alice's ACLs and kcat
// (librdkafka) writes the records and makes the consumer groups, over the PLAINTEXT listener. Then, only through
// the UI: Add Cluster for each listener — PLAINTEXT; SASL_PLAINTEXT, whose password typed into the quick input
// ends up in SecretStorage, not in settings.json; SASL_SSL with the test's CA file picked in VS Code's file
// dialog — and Test Connection on each; Use This Cluster shows the topics and the groups (members, lag); Reset
// Group Offsets on This Cluster moves a group's offsets on Kafka (checked with Kafka's ConsumerGroupCommand);
// Copy to Kafka Lite… and Copy to Cluster… copy a topic each way (read back with kcat). Last, Test Connection's
// messages for a wrong password, a certificate whose CA is not given and a port that refuses, each asserted and
// shot in the dark and the light theme. Then, with the views on the SASL_SSL cluster, the panels work there:
// the producer panel opened on a remote topic sends a record (kcat reads it on Kafka), the record browser shows
// it, and the consumer stepper joins a remote group on Kafka and polls (screenshots in both themes).
// Screenshots: test-artifacts/e2e/clusters-secured-*.png.
//
// Apache Kafka's jars come from scripts/reference-kafka.mjs's ensureKafkaJars() (the reference tier's Maven
// step, cached in .vscode-test/kafka-<version>/libs): when they are missing this file resolves them the same
// way, and fails naming the problem when it cannot (no java, no mvn, no network).
import * as assert from 'assert';
import type { ChildProcess } from 'child_process';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Frame, Locator } from 'playwright-core';
import { KCAT, kcat } from '../compat/harness';
import type { SecuredKafka } from '../reference/clusters-kafka';
import { SCRAM_PASSWORD, SCRAM_USER, startSecuredKafka } from '../reference/clusters-kafka';
import type { Session } from './harness';
import { freePort, startVsCode } from './harness';

describe('Kafka Lite on a secured Apache Kafka: SASL_PLAINTEXT and SASL_SSL (e2e)', function () {
  this.timeout(180_000);
  let vs: Session;
  let kafka: SecuredKafka;
  let localBootstrap: string;
  let tools: string;
  let liveConsumer: ChildProcess | undefined;

  const plaintext = () => `127.0.0.1:${kafka.plaintext}`;
  const pane = (title: string) =>
    vs.page.locator('.pane', { has: vs.page.locator('.pane-header', { hasText: title }) }).first();
  const row = (view: string, text: string | RegExp): Locator =>
    pane(view).locator('.monaco-list-row', { hasText: text }).first();
  /** Waits until a row of `view` reads `pattern` (its text on one line): the remote snapshot refreshes on its own. */
  const rowReads = async (view: string, pattern: RegExp, timeout = 30_000) => {
    const deadline = Date.now() + timeout;
    let seen: string[] = [];
    for (;;) {
      // "label description", as a person reads the row (the two spans have no space between them)
      seen = await pane(view)
        .locator('.monaco-list-row')
        .evaluateAll((rows) =>
          rows.map((r) =>
            ['.label-name', '.label-description']
              .map((s) => r.querySelector(s)?.textContent ?? '')
              .join(' ')
              .replace(/\s+/g, ' ')
              .trim(),
          ),
        );
      if (seen.some((t) => pattern.test(t))) return;
      if (Date.now() > deadline) throw new Error(`no row of ${view} reads ${pattern}; rows: ${JSON.stringify(seen)}`);
      await vs.page.waitForTimeout(200);
    }
  };
  /** Type into the quick input step whose prompt/placeholder/title matches, then Enter. */
  const answer = async (match: RegExp, text: string) => {
    const input = await vs.quickInput(match);
    await input.fill(text);
    await vs.page.waitForTimeout(150);
    await input.press('Enter');
  };
  /** A notification toast that has finished fading in (a screenshot taken earlier shows it half transparent). */
  const toast = (text: RegExp) =>
    vs.page.locator('.notifications-toasts .notification-toast.notification-fade-in-done', { hasText: text }).first();
  const clearToasts = () => vs.runCommand('Notifications: Clear All Notifications');
  /** Shows a one-line toast's whole text for a screenshot (its expand chevron appears on hover). */
  const expandToast = async (t: Locator) => {
    await t.hover();
    const expand = t.locator('.codicon-notifications-expand').first();
    if (await expand.isVisible()) await expand.click();
  };

  /** Add Cluster… answered step by step as a person does. */
  const addCluster = async (c: {
    name: string;
    bootstrap: string;
    protocol: 'PLAINTEXT' | 'SASL_PLAINTEXT' | 'SASL_SSL';
    password?: string;
    caFile?: string;
  }) => {
    await vs.runCommand('Kafka Lite: Add Cluster…');
    await answer(/name for the cluster/i, c.name);
    await answer(/Bootstrap servers/i, c.bootstrap);
    await answer(/Security protocol/i, c.protocol);
    if (c.protocol !== 'PLAINTEXT') {
      await answer(/SASL mechanism/i, 'SCRAM-SHA-256');
      await answer(/User name/i, SCRAM_USER);
      await answer(/^Password/im, c.password ?? '');
    }
    if (c.protocol === 'SASL_SSL') {
      if (c.caFile) {
        await answer(/Which certificates to trust/i, 'A CA file');
        await vs.pickFile(c.caFile, 'Trust this CA');
      } else {
        await answer(/Which certificates to trust/i, 'System trust store');
      }
      await answer(/Client certificate/i, 'No client certificate');
    }
    await answer(/production cluster/i, 'No');
    await answer(/Where to keep the definition/i, 'User settings');
    await toast(new RegExp(`cluster "${c.name}" saved`)).waitFor({ state: 'visible', timeout: 15_000 });
    await row('Clusters', c.name).waitFor({ state: 'visible', timeout: 15_000 });
  };

  /**
   * Screenshots that can be read: the sidebar dragged wider (descriptions are not cut off) and the Consumer
   * Groups view given more height, by their sashes as a person drags them. Layout only: nothing is asserted.
   */
  const roomyLayout = async () => {
    const mouse = vs.page.mouse;
    const side = await vs.page.locator('.part.sidebar').boundingBox();
    if (side) {
      await mouse.move(side.x + side.width - 1, side.y + side.height / 2);
      await mouse.down();
      await mouse.move(side.x + 620, side.y + side.height / 2, { steps: 8 });
      await mouse.up();
    }
    const groups = await pane('Consumer Groups').boundingBox();
    if (groups && side) {
      await mouse.move(side.x + 150, groups.y);
      await mouse.down();
      await mouse.move(side.x + 150, groups.y - 220, { steps: 8 });
      await mouse.up();
    }
    await mouse.move(900, 450);
  };

  const useCluster = async (name: string) => {
    await vs.runCommand('Kafka Lite: Use This Cluster');
    await answer(/Show which cluster/i, name);
  };

  /** Runs Test Connection on `name` and returns the text of the toast that matches `words`. */
  const testConnection = async (name: string, words: RegExp): Promise<string> => {
    await vs.runCommand('Kafka Lite: Test Connection');
    await answer(/Cluster to test/i, name);
    const msg = toast(words);
    await msg.waitFor({ state: 'visible', timeout: 45_000 });
    await vs.page
      .locator('.notifications-toasts .notification-toast', { hasText: `testing ${name}` })
      .waitFor({ state: 'hidden', timeout: 15_000 });
    return (await msg.innerText()).replace(/\s+/g, ' ');
  };

  /**
   * Test Connection's message in both themes: asserted and shot in dark, then the theme switches to light and
   * the same test runs again (a fresh toast, asserted again), then back to dark.
   */
  const messageInBothThemes = async (shot: string, name: string, words: RegExp, check: (text: string) => void) => {
    for (const kind of ['dark', 'light'] as const) {
      await clearToasts();
      await vs.setTheme(kind);
      check(await testConnection(name, words));
      await vs.page.mouse.move(900, 450);
      await vs.screenshot(`clusters-secured-${shot}-${kind}`);
    }
    await clearToasts();
    await vs.setTheme('dark');
  };

  /** One of Apache Kafka's command-line tools (a class of kafka-tools) against the PLAINTEXT listener. */
  const kafkaTool = (mainClass: string, args: string[]): Promise<string> =>
    new Promise((resolve, reject) => {
      const child = spawn('java', [
        '-Xmx128m',
        `-Dlog4j2.configurationFile=${path.join(tools, 'log4j2.xml')}`,
        '-cp',
        path.join(kafka.libs, '*'),
        mainClass,
        '--bootstrap-server',
        plaintext(),
        ...args,
      ]);
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0 ? resolve(out) : reject(new Error(`${mainClass} ${args.join(' ')} exited ${code}:\n${out}`)),
      );
    });
  /** kcat on a bootstrap address; rejects with its stderr on a non-zero exit. */
  const kcatOk = async (args: string[], input?: string): Promise<string> => {
    const r = await kcat(args, { input, timeoutMs: 60_000 });
    if (r.code !== 0) throw new Error(`kcat ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout.toString('utf8');
  };
  /** Every record of a topic as "partition key value" lines, sorted (kcat, to the end of each partition). */
  const readAll = async (bootstrap: string, topic: string): Promise<string[]> =>
    (await kcatOk(['-b', bootstrap, '-C', '-t', topic, '-e', '-q', '-f', '%p %k %s\\n']))
      .split('\n')
      .filter(Boolean)
      .sort();

  before(async function () {
    this.timeout(300_000);
    assert.ok(fs.existsSync(KCAT), `${KCAT} is required for this e2e test (apt-get install kcat)`);
    tools = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-e2e-tools-'));
    fs.writeFileSync(
      path.join(tools, 'log4j2.xml'),
      '<?xml version="1.0" encoding="UTF-8"?>\n<Configuration status="WARN"><Appenders><Console name="c" target="SYSTEM_ERR">' +
        '<PatternLayout pattern="%p %m%n"/></Console></Appenders><Loggers><Root level="warn"><AppenderRef ref="c"/>' +
        '</Root></Loggers></Configuration>\n',
    );
    const [k, v] = await Promise.allSettled([
      startSecuredKafka(),
      startVsCode({}).then(async (s) => {
        vs = s;
        return s.statusBarText(/Kafka Lite 127\.0\.0\.1:\d+/, 90_000);
      }),
    ]);
    if (k.status === 'rejected') {
      throw new Error(
        `the secured Apache Kafka for this test did not start (its jars come from scripts/reference-kafka.mjs, ` +
          `the reference tier's Maven step): ${(k.reason as Error).message}`,
      );
    }
    kafka = k.value;
    if (v.status === 'rejected') throw v.reason;
    localBootstrap = /127\.0\.0\.1:\d+/.exec(v.value)![0];

    // Kafka's own tools: two topics, and alice may do anything with topics and groups.
    await Promise.all([
      kafkaTool('org.apache.kafka.tools.TopicCommand', ['--create', '--topic', 'secure-orders', '--partitions', '3']),
      kafkaTool('org.apache.kafka.tools.TopicCommand', ['--create', '--topic', 'secure-audit', '--partitions', '1']),
      kafkaTool('org.apache.kafka.tools.AclCommand', [
        '--add',
        '--allow-principal',
        `User:${SCRAM_USER}`,
        '--operation',
        'All',
        '--topic',
        '*',
        '--group',
        '*',
      ]),
    ]);
    // kcat: two records on each partition; group kcat-billing reads all six and commits; three more on
    // partition 0 (kcat-billing's lag: 3); group kcat-live stays subscribed (one member) and reads all nine.
    const orders = Array.from({ length: 6 }, (_, i) => `order-${i}`);
    for (let p = 0; p < 3; p++) {
      await kcatOk(
        ['-b', plaintext(), '-P', '-t', 'secure-orders', '-p', String(p), '-K', ':'],
        `${orders[2 * p]}:value-${2 * p}\n${orders[2 * p + 1]}:value-${2 * p + 1}\n`,
      );
    }
    await kcatOk([
      '-b',
      plaintext(),
      '-G',
      'kcat-billing',
      '-X',
      'auto.offset.reset=earliest',
      '-c',
      '6',
      '-q',
      'secure-orders',
    ]);
    await kcatOk(
      ['-b', plaintext(), '-P', '-t', 'secure-orders', '-p', '0', '-K', ':'],
      'late-0:value-6\nlate-1:value-7\nlate-2:value-8\n',
    );
    await kcatOk(['-b', plaintext(), '-P', '-t', 'secure-audit', '-K', ':'], 'audit-0:checked\n');
    liveConsumer = spawn(
      KCAT,
      [
        '-b',
        plaintext(),
        '-G',
        'kcat-live',
        '-X',
        'auto.offset.reset=earliest',
        '-u',
        '-q',
        '-f',
        '%s\\n',
        'secure-orders',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let read = 0;
    let stderr = '';
    liveConsumer.stdout!.on('data', (d: Buffer) => (read += d.toString().split('\n').filter(Boolean).length));
    liveConsumer.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const deadline = Date.now() + 60_000;
    while (read < 9) {
      if (liveConsumer.exitCode !== null)
        throw new Error(`kcat -G kcat-live exited ${liveConsumer.exitCode}: ${stderr}`);
      if (Date.now() > deadline) throw new Error(`kcat -G kcat-live read ${read} of 9 records in 60 s: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // And a topic of this window's broker (auto-created by the produce) for Copy to Cluster….
    await kcatOk(
      ['-b', localBootstrap, '-P', '-t', 'local-events', '-K', ':'],
      Array.from({ length: 5 }, (_, i) => `event-${i}:local-${i}`).join('\n') + '\n',
    );
  });

  afterEach(async function () {
    await vs?.recordFailure(this.currentTest);
  });

  after(async function () {
    this.timeout(60_000);
    if (liveConsumer && liveConsumer.exitCode === null) liveConsumer.kill('SIGTERM');
    await vs?.close();
    await kafka?.stop();
    if (tools) fs.rmSync(tools, { recursive: true, force: true });
  });

  it("adds Apache Kafka's PLAINTEXT listener as a cluster; Test Connection names the broker", async () => {
    await vs.openKafkaLiteContainer();
    await row('Clusters', 'Kafka Lite (this window)').waitFor({ state: 'visible', timeout: 30_000 });
    await roomyLayout();
    await addCluster({ name: 'kafka-plain', bootstrap: plaintext(), protocol: 'PLAINTEXT' });
    const ok = await testConnection('kafka-plain', /Connected to kafka-plain/);
    assert.match(ok, new RegExp(`Connected to kafka-plain: 1 broker\\(s\\) \\(127\\.0\\.0\\.1:${kafka.plaintext}\\)`));
    await clearToasts();
  });

  it('adds a SASL_PLAINTEXT cluster with a SCRAM-SHA-256 login; the password is kept out of settings.json', async () => {
    await addCluster({
      name: 'scram-plain',
      bootstrap: `127.0.0.1:${kafka.saslPlaintext}`,
      protocol: 'SASL_PLAINTEXT',
      password: SCRAM_PASSWORD,
    });
    await rowReads('Clusters', new RegExp(`scram-plain 127\\.0\\.0\\.1:${kafka.saslPlaintext} · SASL_PLAINTEXT`));
    const settings = fs.readFileSync(path.join(vs.userDataDir, 'User', 'settings.json'), 'utf8');
    assert.match(settings, /"scram-plain"/);
    assert.match(settings, /"SCRAM-SHA-256"/);
    assert.ok(!settings.includes(SCRAM_PASSWORD), `the password is in settings.json:\n${settings}`);
    // Test Connection reads the password back from SecretStorage and logs in.
    const ok = await testConnection('scram-plain', /Connected to scram-plain/);
    assert.match(
      ok,
      new RegExp(`Connected to scram-plain: 1 broker\\(s\\) \\(127\\.0\\.0\\.1:${kafka.saslPlaintext}\\)`),
    );
    await clearToasts();
  });

  it('adds a SASL_SSL cluster trusting the CA file the test made; Test Connection reaches it over TLS', async () => {
    await addCluster({
      name: 'scram-tls',
      bootstrap: `localhost:${kafka.saslSsl}`,
      protocol: 'SASL_SSL',
      password: SCRAM_PASSWORD,
      caFile: kafka.caFile,
    });
    const settings = JSON.parse(fs.readFileSync(path.join(vs.userDataDir, 'User', 'settings.json'), 'utf8')) as {
      'kafkaLite.clusters'?: { name: string; caFile?: string }[];
    };
    assert.strictEqual(settings['kafkaLite.clusters']?.find((c) => c.name === 'scram-tls')?.caFile, kafka.caFile);
    const ok = await testConnection('scram-tls', /Connected to scram-tls/);
    // Kafka advertises the SASL_SSL listener as localhost (the certificate's name)
    assert.match(ok, new RegExp(`Connected to scram-tls: 1 broker\\(s\\) \\(localhost:${kafka.saslSsl}\\)`));
    await vs.page.mouse.move(900, 450);
    await vs.screenshot('clusters-secured-1-tls-connected');
    await clearToasts();
  });

  it("Use This Cluster shows Kafka's topics and kcat's groups with their members and lag", async () => {
    await useCluster('scram-tls');
    await row('Topics', /Cluster: scram-tls/).waitFor({ state: 'visible', timeout: 30_000 });
    await rowReads('Topics', /secure-orders 3 partitions · 9 records/);
    await rowReads('Topics', /secure-audit 1 partition · 1 record/);
    // kcat-live auto-commits every few seconds; the view refreshes by itself
    await rowReads('Consumer Groups', /kcat-live lag 0 · Stable · 1 member/, 60_000);
    await rowReads('Consumer Groups', /kcat-billing lag 3 · Empty · 0 members/);
    await row('Consumer Groups', 'kcat-live').click();
    await row('Consumer Groups', /^Members/).click();
    await rowReads('Consumer Groups', /rdkafka .*secure-orders\[0,1,2\]/);
    await vs.page.mouse.move(900, 450);
    await vs.screenshot('clusters-secured-2-remote-topics-groups');
  });

  it("Reset Group Offsets on This Cluster moves kcat-billing's offsets on Kafka to the earliest", async () => {
    await row('Consumer Groups', 'kcat-live').click(); // collapsed again: one Partitions section below
    await row('Consumer Groups', /^Members/).waitFor({ state: 'hidden' });
    const group = row('Consumer Groups', 'kcat-billing');
    await vs.contextMenu(group, 'Reset Group Offsets on This Cluster');
    await answer(/Reset kcat-billing/, 'secure-orders');
    await answer(/Reset kcat-billing on secure-orders/, 'Earliest');
    await rowReads('Consumer Groups', /kcat-billing lag 9 · Empty · 0 members/);
    await group.click();
    await row('Consumer Groups', /^Partitions/).click();
    await rowReads('Consumer Groups', /secure-orders \[0\] committed 0 · end 5 · lag 5/);
    await vs.page.mouse.move(900, 450);
    await vs.screenshot('clusters-secured-3-offsets-reset');
    // Kafka's own ConsumerGroupCommand reads the same committed offsets.
    const described = await kafkaTool('org.apache.kafka.tools.consumer.group.ConsumerGroupCommand', [
      '--describe',
      '--group',
      'kcat-billing',
    ]);
    for (const [p, end] of [
      [0, 5],
      [1, 2],
      [2, 2],
    ])
      assert.match(
        described,
        new RegExp(`kcat-billing\\s+secure-orders\\s+${p}\\s+0\\s+${end}\\s+${end}\\b`),
        described,
      );
  });

  it('Copy to Kafka Lite… copies a topic of the SASL_SSL cluster into this window’s broker', async () => {
    await vs.contextMenu(row('Topics', 'secure-orders'), 'Copy to Kafka Lite…');
    await answer(/Topic on Kafka Lite \(this window\)/, 'orders-from-kafka');
    await answer(/Which records/, 'Every record');
    const done = toast(/Copied .* record\(s\) from scram-tls/);
    await done.waitFor({ state: 'visible', timeout: 60_000 });
    assert.match(
      (await done.innerText()).replace(/\s+/g, ' '),
      /Copied 9 record\(s\) from scram-tls \/ secure-orders to Kafka Lite \(this window\) \/ orders-from-kafka \(topic created\)/,
    );
    await expandToast(done);
    await vs.screenshot('clusters-secured-4-copied-to-kafka-lite');
    // kcat reads the same records (partition, key, value) on both sides.
    const there = await readAll(plaintext(), 'secure-orders');
    assert.strictEqual(there.length, 9);
    assert.deepStrictEqual(await readAll(localBootstrap, 'orders-from-kafka'), there);
    await clearToasts();
  });

  it('Copy to Cluster… copies a topic of this window’s broker to the SASL_PLAINTEXT cluster', async () => {
    await useCluster('Kafka Lite (this window)');
    await row('Topics', /Cluster: scram-tls/).waitFor({ state: 'hidden', timeout: 30_000 });
    await rowReads('Topics', /local-events 1 partition · 5 records/);
    await vs.contextMenu(row('Topics', 'local-events'), 'Copy to Cluster…');
    await answer(/Copy local-events to which cluster/, 'scram-plain');
    await answer(/Topic on scram-plain/, 'events-from-lite');
    await answer(/Which records/, 'Every record');
    const done = toast(/Copied .* record\(s\) from Kafka Lite/);
    await done.waitFor({ state: 'visible', timeout: 60_000 });
    assert.match(
      (await done.innerText()).replace(/\s+/g, ' '),
      /Copied 5 record\(s\) from Kafka Lite \(this window\) \/ local-events to scram-plain \/ events-from-lite \(topic created\)/,
    );
    await expandToast(done);
    await vs.screenshot('clusters-secured-5-copied-to-cluster');
    assert.deepStrictEqual(
      await readAll(plaintext(), 'events-from-lite'),
      await readAll(localBootstrap, 'local-events'),
    );
    assert.strictEqual((await readAll(plaintext(), 'events-from-lite')).length, 5);
    await clearToasts();
    // The copy is on the cluster the SASL_PLAINTEXT login reads too.
    await useCluster('scram-plain');
    await row('Topics', /Cluster: scram-plain/).waitFor({ state: 'visible', timeout: 30_000 });
    await rowReads('Topics', /events-from-lite 1 partition · 5 records/);
    await vs.page.mouse.move(900, 450);
    await vs.screenshot('clusters-secured-5b-copy-on-the-cluster');
  });

  it('Test Connection with a wrong password says authentication failed for the user', async () => {
    await addCluster({
      name: 'wrong-password',
      bootstrap: `127.0.0.1:${kafka.saslPlaintext}`,
      protocol: 'SASL_PLAINTEXT',
      password: 'not-alices-password',
    });
    await clearToasts();
    await messageInBothThemes('6-wrong-password', 'wrong-password', /authentication failed/, (text) => {
      assert.match(
        text,
        /wrong-password: authentication failed for user "alice" \(SCRAM-SHA-256\): Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256\. Check the user name and password/,
      );
      assert.match(text, /Edit Cluster…/);
    });
  });

  it('Test Connection on SASL_SSL without the CA names the certificate, its issuer and why it is not trusted', async () => {
    await addCluster({
      name: 'untrusted-ca',
      bootstrap: `localhost:${kafka.saslSsl}`,
      protocol: 'SASL_SSL',
      password: SCRAM_PASSWORD,
    });
    await clearToasts();
    await messageInBothThemes('7-untrusted-certificate', 'untrusted-ca', /is not trusted/, (text) => {
      assert.match(
        text,
        new RegExp(
          `untrusted-ca: the TLS certificate of localhost:${kafka.saslSsl} is not trusted: ` +
            'it is signed by (a self-signed CA that is not trusted|an unknown CA)',
        ),
      );
      assert.match(text, /Subject CN=localhost, O=Kafka Lite Tests; issuer CN=Kafka Lite Test CA/);
      assert.match(text, /Give the CA file that signed it/);
      assert.match(text, /Accept This Certificate/);
    });
  });

  it('Test Connection on a port that refuses names host and port', async () => {
    const port = await freePort();
    await addCluster({
      name: 'refused-port',
      bootstrap: `127.0.0.1:${port}`,
      protocol: 'SASL_PLAINTEXT',
      password: SCRAM_PASSWORD,
    });
    await clearToasts();
    await messageInBothThemes('8-refused', 'refused-port', /refused the connection/, (text) => {
      assert.match(
        text,
        new RegExp(`refused-port: 127\\.0\\.0\\.1:${port} refused the connection: nothing listens on that port`),
      );
    });
  });

  describe('the panels on the SASL_SSL cluster', () => {
    const ready = async (selector: string): Promise<Frame> => {
      const f = await vs.findWebviewFrame(selector, 60_000);
      await f.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
      return f;
    };
    const field = (f: Frame, id: string): Locator => f.locator(`#${id}`).locator('input, textarea').first();
    /** The panel says where it works: Apache Kafka's SASL_SSL listener, not this window's broker. */
    const worksOnTheCluster = async (f: Frame) => {
      const line = f.locator('[data-testid="panel-source"]');
      await line.filter({ hasText: /Working on: scram-tls/ }).waitFor({ timeout: 30_000 });
      assert.match(await line.innerText(), /Working on: scram-tls/);
    };
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
        await f.locator(selector).first().waitFor({ state: 'visible' });
        await vs.page.mouse.move(900, 450);
        await vs.page.waitForTimeout(400); // a re-themed webview and sidebar repaint (a picture, not an assertion)
        await vs.screenshot(`clusters-secured-${name}-${kind}`);
      }
      await vs.setTheme('dark');
    };
    let sent: { partition: number; offset: number };

    before(async () => {
      await clearToasts();
      await useCluster('scram-tls');
      await row('Topics', /Cluster: scram-tls/).waitFor({ state: 'visible', timeout: 30_000 });
      await rowReads('Topics', /secure-orders 3 partitions · 9 records/);
    });

    it('the producer panel opened on a remote topic sends a record to Kafka; kcat reads it there', async () => {
      await vs.contextMenu(row('Topics', 'secure-orders'), 'Open Producer Panel');
      const f = await ready('#send');
      await worksOnTheCluster(f);
      await field(f, 'key').fill('from-the-panel');
      await field(f, 'value').fill('sent by the producer panel over SASL_SSL');
      await f.locator('#send').first().click();
      const result = f.locator('#results tr.result').first();
      await result.waitFor({ timeout: 30_000 });
      await f.locator('#outcome', { hasText: 'Stored 1 record(s)' }).waitFor({ timeout: 30_000 });
      sent = {
        partition: Number(await result.locator('.partition').innerText()),
        offset: Number(await result.locator('.offset').innerText()),
      };
      assert.ok(sent.partition >= 0 && sent.partition < 3 && sent.offset >= 0, JSON.stringify(sent));
      const there = await kcatOk([
        '-b',
        plaintext(),
        '-C',
        '-t',
        'secure-orders',
        '-p',
        String(sent.partition),
        '-o',
        String(sent.offset),
        '-c',
        '1',
        '-q',
        '-f',
        '%k %s',
      ]);
      assert.strictEqual(there, 'from-the-panel sent by the producer panel over SASL_SSL');
      await bothThemes('9-producer-remote', f, '#results tr.result');
    });

    it('the record browser opened on the remote topic shows the record the panel sent', async () => {
      await vs.contextMenu(row('Topics', 'secure-orders'), 'Browse Records');
      const f = await ready('#records');
      await worksOnTheCluster(f);
      await f.locator('#records tr.record').nth(9).waitFor({ timeout: 30_000 });
      assert.strictEqual(await f.locator('#records tr.record').count(), 10, 'the 9 records of kcat and the panel’s');
      await field(f, 'filter').fill('from-the-panel');
      await f.locator('#apply-filter').first().click();
      await f.waitForFunction(
        () => {
          const rows = [...document.querySelectorAll('#records tr.record')];
          return rows.length === 1 && rows[0].querySelector('.key')?.textContent === 'from-the-panel';
        },
        undefined,
        { timeout: 30_000 },
      );
      assert.match(
        await f.locator('#records tr.record').first().innerText(),
        /sent by the producer panel over SASL_SSL/,
      );
      await bothThemes('10-browser-remote', f, '#records tr.record');
    });

    it('the consumer stepper on a remote group joins it on Kafka and polls its records', async () => {
      await vs.contextMenu(row('Consumer Groups', 'kcat-billing'), 'Open Consumer Stepper');
      const f = await ready('#add-consumer');
      await worksOnTheCluster(f);
      await pickOption(f, 'topic', 'secure-orders (3)');
      await field(f, 'group').fill('kcat-billing');
      await f.locator('#select').first().click();
      await f.locator('#group-line', { hasText: 'kcat-billing' }).waitFor({ timeout: 30_000 });
      await f.locator('#add-consumer').first().click();
      const card = f.locator('.consumer[data-name="consumer-1"]');
      await card.waitFor({ timeout: 30_000 });
      await f.waitForFunction(
        () => /Stable/.test(document.getElementById('group-line')?.textContent ?? ''),
        undefined,
        {
          timeout: 90_000,
        },
      );
      await card.locator('vscode-button', { hasText: 'Poll' }).click();
      await card.locator('table.polled tr').first().waitFor({ timeout: 30_000 });
      assert.ok((await card.locator('table.polled tr').count()) >= 1);
      // Kafka itself sees the stepper's consumer in the group
      await rowReads('Consumer Groups', /kcat-billing lag \d+ · Stable · 1 member/, 45_000);
      await bothThemes('11-stepper-remote', f, '.consumer[data-name="consumer-1"] table.polled');
    });
  });
});
