// E2E: a person adds a cluster through the Add Cluster quick input — a second Kafka Lite broker started by this
// test on a loopback port, PLAINTEXT — shows it in the Topics and Consumer Groups views with "Use This Cluster",
// sees its topics and groups there, goes back to this window's broker, and reads Test Connection's message for a
// cluster whose port refuses. Screenshots: test-artifacts/e2e/clusters-*.png.
import * as assert from 'assert';
import type { Running } from '../compat/harness';
import { removeDir, startBroker } from '../compat/harness';
import type { Session } from './harness';
import { freePort, startVsCode } from './harness';

describe('Kafka Lite clusters (e2e)', function () {
  this.timeout(180_000);
  let vs: Session;
  let remote: Running;

  /** Type into the quick input step whose prompt/placeholder/title matches, then Enter. */
  const answer = async (match: RegExp, text: string) => {
    const input = await vs.quickInput(match);
    await input.fill(text);
    await vs.page.waitForTimeout(150);
    await input.press('Enter');
  };
  const toast = (text: RegExp) =>
    vs.page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();

  before(async () => {
    remote = await startBroker();
    await remote.broker.createTopic('remote-orders', 2);
    await remote.broker.createTopic('remote-audit', 1);
    await remote.broker.produce('remote-orders', [{ value: 'a' }, { value: 'b' }, { value: 'c' }], { partition: 0 });
    await remote.broker.commitOffsets('remote-billing', '', -1, [
      { topic: 'remote-orders', partition: 0, offset: 1, metadata: null },
    ]);
    vs = await startVsCode({});
    await vs.statusBarText(/Kafka Lite 127\.0\.0\.1:\d+/, 60_000);
  });
  afterEach(async function () {
    await vs?.recordFailure(this.currentTest);
  });
  after(async () => {
    await vs?.close();
    await remote?.stop();
    if (remote) removeDir(remote.dir);
  });

  it('adds a cluster with the Add Cluster quick input, uses it, and the Topics view shows its topics', async () => {
    await vs.openKafkaLiteContainer();
    await vs.treeRow('Kafka Lite (this window)').waitFor({ state: 'visible', timeout: 30_000 });

    await vs.runCommand('Kafka Lite: Add Cluster…');
    await answer(/name for the cluster/i, 'e2e-remote');
    await answer(/Bootstrap servers/i, remote.bootstrap);
    await answer(/Security protocol/i, 'PLAINTEXT');
    await answer(/production cluster/i, 'No');
    await answer(/Where to keep the definition/i, 'User settings');
    await toast(/cluster "e2e-remote" saved/).waitFor({ state: 'visible', timeout: 15_000 });
    await vs.treeRow(/e2e-remote/).waitFor({ state: 'visible', timeout: 15_000 });
    await vs.screenshot('clusters-added');

    await vs.runCommand('Kafka Lite: Use This Cluster');
    await answer(/Show which cluster/i, 'e2e-remote');
    await vs.treeRow(/Cluster: e2e-remote/).waitFor({ state: 'visible', timeout: 30_000 });
    const orders = vs.treeRow(/remote-orders/);
    await orders.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await orders.innerText(), /2 partitions · 3 records/);
    await vs.treeRow(/remote-audit/).waitFor({ state: 'visible' });
    await vs.treeRow(/remote-billing/).waitFor({ state: 'visible', timeout: 15_000 });
    assert.match(await vs.treeRow(/remote-billing/).innerText(), /lag 2/);
    await vs.page.mouse.move(700, 450);
    await vs.screenshot('clusters-remote-topics');

    // A topic created on the remote cluster appears on Refresh.
    await remote.broker.createTopic('remote-new', 1);
    await vs.runCommand('Kafka Lite: Refresh Views');
    await vs.treeRow(/remote-new/).waitFor({ state: 'visible', timeout: 30_000 });

    // Back to this window's broker: the remote topics go away.
    await vs.runCommand('Kafka Lite: Use This Cluster');
    await answer(/Show which cluster/i, 'Kafka Lite (this window)');
    await vs.treeRow(/Cluster: e2e-remote/).waitFor({ state: 'hidden', timeout: 30_000 });
    assert.strictEqual(await vs.treeRow(/remote-orders/).isVisible(), false);
  });

  it('Test Connection on a cluster whose port refuses names host and port', async () => {
    const port = await freePort();
    await vs.runCommand('Kafka Lite: Add Cluster…');
    await answer(/name for the cluster/i, 'e2e-refused');
    await answer(/Bootstrap servers/i, `127.0.0.1:${port}`);
    await answer(/Security protocol/i, 'PLAINTEXT');
    await answer(/production cluster/i, 'No');
    await answer(/Where to keep the definition/i, 'User settings');
    await vs.treeRow(/e2e-refused/).waitFor({ state: 'visible', timeout: 15_000 });
    await vs.runCommand('Kafka Lite: Test Connection');
    await answer(/Cluster to test/i, 'e2e-refused');
    const msg = toast(/refused the connection/);
    await msg.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(
      await msg.innerText(),
      new RegExp(`e2e-refused: 127\\.0\\.0\\.1:${port} refused the connection: nothing listens on that port`),
    );
    await vs.screenshot('clusters-refused');
  });
});
