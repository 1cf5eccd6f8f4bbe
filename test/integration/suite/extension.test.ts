// Runs inside the real extension host (code-server or desktop VS Code, via test/integration/index.ts): the
// broker the extension starts for the workspace serves a real kafkajs client on the port it reports, the
// commands change topics and groups without prompts when given arguments, the tree providers show what a
// kafkajs app produced and committed, and restarting the broker keeps the data.
import * as assert from 'assert';
import type * as kafkajsTypes from 'kafkajs';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { KafkaLiteApi } from '../../../src/extension/extension';
import type { TreeNode } from '../../../src/extension/model/tree-model';
import { Broker } from '../../../src/broker/broker';
import { startKafkaServer } from '../../../src/protocol/server';

type KafkaJs = typeof kafkajsTypes;

/** kafkajs from the project's node_modules (also when the suite was compiled to a private folder). */
function kafkajs(): KafkaJs {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('kafkajs') as KafkaJs;
  } catch (e) {
    const root = process.env.KAFKA_LITE_ROOT;
    if (!root) throw e;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(require.resolve('kafkajs', { paths: [root] })) as KafkaJs;
  }
}

async function until<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function api(): Promise<KafkaLiteApi> {
  const ext = vscode.extensions.getExtension<KafkaLiteApi>('kafka-lite.kafka-lite');
  assert.ok(ext, 'the extension is installed');
  const a = await ext.activate();
  await until('the broker to run', () => a.host.state === 'running');
  return a;
}

function client(bootstrap: string, clientId: string) {
  const { Kafka, logLevel } = kafkajs();
  return new Kafka({ clientId, brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3 } });
}

function find(nodes: TreeNode[], label: string): TreeNode {
  const n = nodes.find((x) => x.label === label);
  assert.ok(n, `a node "${label}" among ${JSON.stringify(nodes.map((x) => x.label))}`);
  return n;
}

describe('Kafka Lite extension in a real VS Code', function () {
  this.timeout(60_000);

  it('registers every command package.json contributes', async () => {
    const ext = vscode.extensions.getExtension('kafka-lite.kafka-lite')!;
    await ext.activate();
    const registered = new Set(await vscode.commands.getCommands(true));
    const contributed = (ext.packageJSON.contributes.commands as { command: string }[]).map((c) => c.command);
    assert.deepStrictEqual(
      contributed.filter((c) => !registered.has(c)),
      [],
    );
  });

  it('starts a broker for the workspace that a kafkajs client can use on the reported port', async () => {
    const { host } = await api();
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(folder, 'the test opens a workspace folder');
    assert.strictEqual(host.dataDir, path.join(folder, '.kafka-lite'));
    assert.match(host.bootstrap ?? '', /^127\.0\.0\.1:\d+$/);
    const admin = client(host.bootstrap!, 'it-admin').admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: 'it-from-kafkajs', numPartitions: 2 }], waitForLeaders: true });
      assert.strictEqual(
        host.broker?.getTopic('it-from-kafkajs')?.partitions,
        2,
        'the extension\u2019s broker has the topic',
      );
    } finally {
      await admin.disconnect();
    }
  });

  it('creates and deletes topics through commands given arguments (no prompts)', async () => {
    const { host } = await api();
    const created = await vscode.commands.executeCommand<{ name: string; partitions: number }>(
      'kafkaLite.topic.create',
      'it-orders',
      3,
      {
        'retention.ms': '3600000',
      },
    );
    assert.strictEqual(created?.name, 'it-orders');
    assert.strictEqual(host.broker?.getTopic('it-orders')?.partitions, 3);
    const admin = client(host.bootstrap!, 'it-admin').admin();
    await admin.connect();
    try {
      assert.ok((await admin.listTopics()).includes('it-orders'), 'a client sees the topic the command created');
      const bad = await vscode.commands.executeCommand<{ error?: string }>('kafkaLite.topic.create', 'bad name', 1, {});
      assert.match(bad?.error ?? '', /topic/i, 'an invalid name is refused with a reason');
      const deleted = await vscode.commands.executeCommand('kafkaLite.topic.delete', 'it-orders', { confirm: false });
      assert.strictEqual(deleted, true);
      assert.strictEqual(host.broker?.getTopic('it-orders'), undefined);
      assert.ok(!(await admin.listTopics()).includes('it-orders'), 'a client no longer sees it');
    } finally {
      await admin.disconnect();
    }
  });

  it('Compact Topic Now leaves the latest value of each key, and refuses a topic whose policy is delete', async () => {
    const { host } = await api();
    await vscode.commands.executeCommand('kafkaLite.topic.create', 'it-profiles', 1, { 'cleanup.policy': 'compact' });
    for (const [key, value] of [
      ['ann', 'v1'],
      ['bob', 'v1'],
      ['ann', 'v2'],
      ['ann', 'v3'],
    ]) {
      await vscode.commands.executeCommand('kafkaLite.record.produce', { topic: 'it-profiles', key, value });
    }
    const stats = await vscode.commands.executeCommand<{ recordsBefore: number; recordsAfter: number }[]>(
      'kafkaLite.topic.compact',
      'it-profiles',
    );
    assert.deepStrictEqual(
      stats?.map((s) => [s.recordsBefore, s.recordsAfter]),
      [[4, 2]],
    );
    const consumer = client(host.bootstrap!, 'it-compacted').consumer({
      groupId: 'it-compacted',
      maxWaitTimeInMs: 100,
    });
    const seen: string[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: 'it-profiles', fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => void seen.push(`${message.offset} ${message.key}=${message.value}`),
      });
      await until('the consumer to read the compacted topic', () => seen.length >= 2);
    } finally {
      await consumer.disconnect();
    }
    assert.deepStrictEqual(seen, ['1 bob=v1', '3 ann=v3']);
    await vscode.commands.executeCommand('kafkaLite.topic.create', 'it-plain', 1, {});
    const refused = await vscode.commands.executeCommand<{ error?: string }>('kafkaLite.topic.compact', 'it-plain');
    assert.match(refused?.error ?? '', /cleanup\.policy=delete/);
  });

  it('the tree views show what a kafkajs app produced and which offsets its group committed', async () => {
    const { host, views } = await api();
    const kafka = client(host.bootstrap!, 'it-app');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'it-clicks', numPartitions: 2 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: 'it-clicks',
      messages: [0, 1, 2, 3, 4].map((i) => ({ key: `k${i}`, value: `click ${i}`, partition: i % 2 })),
    });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: 'it-readers', sessionTimeout: 10_000, heartbeatInterval: 500 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'it-clicks', fromBeginning: true });
    let seen = 0;
    await consumer.run({ autoCommitInterval: 100, eachMessage: async () => void seen++ });
    await until('the consumer to read 5 records', () => seen >= 5);
    await until('the group to commit both partitions', () => {
      const lag = host.broker?.groupLag('it-readers');
      return lag && lag.partitions.length === 2 && lag.totalLag === 0;
    });

    // Topics view: topic -> partitions -> offsets
    const topic = find(views.topics.getChildren(), 'it-clicks');
    assert.strictEqual(topic.description, '2 partitions · 5 records');
    const parts = views.topics.getChildren(topic);
    assert.deepStrictEqual(
      parts.map((p) => p.label),
      ['partition 0', 'partition 1'],
    );
    assert.match(parts[0].description ?? '', /^\[0 … 3\) /);
    assert.match(parts[1].description ?? '', /^\[0 … 2\) /);
    const offsets = views.topics.getChildren(parts[0]);
    assert.strictEqual(find(offsets, 'log end offset').description, '3');
    const item = views.topics.getTreeItem(topic);
    assert.strictEqual(item.contextValue, 'topic');
    assert.strictEqual(item.id, 'topic:it-clicks');

    // Groups view while the app runs: a member, committed offsets, no lag
    const group = find(views.groups.getChildren(), 'it-readers');
    assert.strictEqual(group.contextValue, 'group.active');
    assert.match(group.description ?? '', /^lag 0 · Stable · 1 member$/);
    const [members, partitions] = views.groups.getChildren(group);
    const memberRows = views.groups.getChildren(members);
    assert.strictEqual(memberRows.length, 1);
    assert.strictEqual(memberRows[0].label, 'it-app');
    assert.match(memberRows[0].description ?? '', /it-clicks\[0,1\]/);
    assert.deepStrictEqual(
      views.groups.getChildren(partitions).map((p) => [p.label, p.description]),
      [
        ['it-clicks [0]', 'committed 3 · end 3 · lag 0'],
        ['it-clicks [1]', 'committed 2 · end 2 · lag 0'],
      ],
    );

    // Resetting offsets is refused with the broker's reason while the member is active...
    const refused = await vscode.commands.executeCommand<{ error?: string }>(
      'kafkaLite.group.resetOffsets',
      'it-readers',
      {
        spec: { kind: 'earliest' },
      },
    );
    assert.match(refused?.error ?? '', /active member/);
    assert.strictEqual(host.broker?.groupLag('it-readers').totalLag, 0, 'nothing changed');

    // ...and done once the app has left: the tree then shows the lag
    await consumer.disconnect();
    await until('the group to be empty', () => host.broker?.describeGroup('it-readers').members.length === 0);
    const reset = await vscode.commands.executeCommand<{ offset: number }[]>(
      'kafkaLite.group.resetOffsets',
      'it-readers',
      {
        spec: { kind: 'earliest' },
      },
    );
    assert.deepStrictEqual(
      reset?.map((e) => e.offset),
      [0, 0],
    );
    const after = find(views.groups.getChildren(), 'it-readers');
    assert.strictEqual(after.contextValue, 'group.empty');
    assert.match(after.description ?? '', /^lag 5 · /);
    const lagRows = views.groups.getChildren(views.groups.getChildren(after)[1]);
    assert.deepStrictEqual(
      lagRows.map((r) => r.icon?.id),
      ['warning', 'warning'],
    );
  });

  it('a burst of broker events refreshes the views once, 250 ms after it began', async () => {
    const { host, views } = await api();
    await vscode.commands.executeCommand('kafkaLite.topic.create', 'it-burst', 1, {});
    await new Promise((r) => setTimeout(r, 400)); // let the create's own refresh pass
    let fires = 0;
    const sub = views.topics.onDidChangeTreeData(() => fires++);
    try {
      for (let i = 0; i < 50; i++) await host.broker!.produce('it-burst', [{ value: `v${i}` }]);
      assert.strictEqual(fires, 0, 'no refresh while the burst is still arriving within the debounce window');
      await until('the debounced refresh', () => fires > 0, 2000);
      await new Promise((r) => setTimeout(r, 400));
      assert.strictEqual(fires, 1, '50 appends, one refresh');
      assert.strictEqual(find(views.topics.getChildren(), 'it-burst').description, '1 partition · 50 records');
    } finally {
      sub.dispose();
    }
  });

  it('restarting the broker keeps topics, records and committed offsets', async () => {
    const { host, views } = await api();
    await vscode.commands.executeCommand('kafkaLite.record.produce', {
      topic: 'it-durable',
      key: 'k',
      value: 'kept',
      count: 3,
    });
    assert.strictEqual(host.broker?.partitions('it-durable')[0].logEndOffset, 3);
    const committedBefore = host.broker?.groupLag('it-readers');
    const ok = await vscode.commands.executeCommand('kafkaLite.broker.restart');
    assert.strictEqual(ok, true);
    assert.strictEqual(host.state, 'running');
    const b = host.broker!;
    assert.strictEqual(b.partitions('it-durable')[0].logEndOffset, 3);
    const records = b.readRecords('it-durable', 0, 0, 10);
    assert.deepStrictEqual(
      records.map((r) => r.value?.toString()),
      ['kept', 'kept', 'kept'],
    );
    assert.deepStrictEqual(b.groupLag('it-readers'), committedBefore);
    assert.ok(
      views.topics.getChildren().some((n) => n.label === 'it-durable'),
      'the view shows it after the restart',
    );

    // and a client can use the restarted broker
    const producer = client(host.bootstrap!, 'it-after-restart').producer();
    await producer.connect();
    const [res] = await producer.send({ topic: 'it-durable', messages: [{ value: 'after' }] });
    await producer.disconnect();
    assert.strictEqual(res.baseOffset, '3');
  });

  it('serves the embedded Schema Registry beside the broker: Copy Schema Registry URL gives an address that answers', async () => {
    const { host } = await api();
    const url = (await vscode.commands.executeCommand('kafkaLite.broker.copySchemaRegistryUrl')) as string;
    assert.strictEqual(url, host.schemaRegistryUrl);
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${url}/subjects`);
    assert.strictEqual(res.status, 200);
    assert.deepStrictEqual(await res.json(), []);
    const types = (await (await fetch(`${url}/schemas/types`)).json()) as string[];
    assert.deepStrictEqual([...types].sort(), ['AVRO', 'JSON', 'PROTOBUF']);
  });

  it("Verify Data checks the running broker's folder: healthy, then a flipped byte in a flushed batch is damage", async () => {
    const { host } = await api();
    await vscode.commands.executeCommand('kafkaLite.record.produce', {
      topic: 'it-verify',
      key: 'k',
      value: 'checked',
      count: 5,
    });
    await host.broker!.flush();
    assert.strictEqual(await vscode.commands.executeCommand('kafkaLite.broker.verifyData'), true);
    const seg = path.join(host.dataDir!, 'topics', 'it-verify-0', '00000000000000000000.log');
    const bytes = fs.readFileSync(seg);
    const original = bytes[bytes.length - 3];
    bytes[bytes.length - 3] = original ^ 0xff; // inside the last record's value: the batch CRC no longer matches
    fs.writeFileSync(seg, bytes);
    try {
      assert.strictEqual(await vscode.commands.executeCommand('kafkaLite.broker.verifyData'), false);
    } finally {
      bytes[bytes.length - 3] = original;
      fs.writeFileSync(seg, bytes);
    }
    assert.strictEqual(await vscode.commands.executeCommand('kafkaLite.broker.verifyData'), true);
  });

  it('stopping the broker releases the port and the data-folder lock, and the views say it is stopped', async () => {
    const { host, views } = await api();
    const lockFile = path.join(host.dataDir!, '.lock');
    assert.ok(fs.existsSync(lockFile), 'a running broker holds the lock');
    await vscode.commands.executeCommand('kafkaLite.broker.stop');
    assert.strictEqual(host.state, 'stopped');
    assert.strictEqual(host.broker, undefined);
    assert.ok(!fs.existsSync(lockFile), 'the lock is released');
    const roots = views.topics.getChildren();
    assert.deepStrictEqual(
      roots.map((n) => n.label),
      ['The broker is stopped'],
    );
    assert.strictEqual(await vscode.commands.executeCommand('kafkaLite.broker.start'), true);
    assert.ok(views.topics.getChildren().some((n) => n.label === 'it-durable'));
  });

  it('a data folder owned by another live window is not opened twice: this window shows the owner read-only', async () => {
    const { host, views } = await api();
    const lockFile = path.join(host.dataDir!, '.lock');
    await vscode.commands.executeCommand('kafkaLite.broker.stop');
    // Another window: a live process (our parent) with another session, listening on 9999.
    const other = {
      pid: process.ppid,
      sessionId: 'other-window',
      window: 'shop (other window)',
      host: '127.0.0.1',
      port: 9999,
      startedAt: Date.now(),
    };
    fs.writeFileSync(lockFile, JSON.stringify(other));
    try {
      assert.strictEqual(await vscode.commands.executeCommand('kafkaLite.broker.start'), false);
      assert.strictEqual(host.state, 'external');
      assert.strictEqual(host.bootstrap, '127.0.0.1:9999');
      assert.strictEqual(host.broker, undefined, 'this window does not open the data folder');
      const [node] = views.topics.getChildren();
      assert.match(node.label, /another window: 127\.0\.0\.1:9999/);
      assert.match(node.tooltip ?? '', /shop \(other window\)/);
      assert.strictEqual(
        JSON.parse(fs.readFileSync(lockFile, 'utf8')).sessionId,
        'other-window',
        'the owner keeps its lock',
      );
    } finally {
      fs.unlinkSync(lockFile);
    }
    assert.strictEqual(await vscode.commands.executeCommand('kafkaLite.broker.start'), true);
    assert.ok((await api()).host.broker?.getTopic('it-durable'), 'the data is there once this window owns the folder');
  });

  it("the second window connects its views to the owning window's broker: its topics, offsets and groups, read-only", async () => {
    const { host, views } = await api();
    const lockFile = path.join(host.dataDir!, '.lock');
    await vscode.commands.executeCommand('kafkaLite.broker.stop');
    // The other window's broker: a real broker and wire server in this process, on a free port.
    const otherDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-other-window-'));
    const broker = await Broker.open({ dataDir: otherDir, initialRebalanceDelayMs: 0 });
    const server = await startKafkaServer({ broker, host: '127.0.0.1', port: 0 });
    try {
      await broker.createTopic('owner-orders', 2);
      await broker.produce('owner-orders', [{ value: 'a' }, { value: 'b' }, { value: 'c' }], { partition: 1 });
      await broker.commitOffsets('owner-billing', '', -1, [
        { topic: 'owner-orders', partition: 1, offset: 1, metadata: null },
      ]);
      // Its lock, as that window writes it (a live pid: our parent process).
      const other = {
        pid: process.ppid,
        sessionId: 'owner-window',
        window: 'shop (owner window)',
        host: '127.0.0.1',
        port: server.port,
        startedAt: Date.now(),
      };
      fs.writeFileSync(lockFile, JSON.stringify(other));
      try {
        assert.strictEqual(await vscode.commands.executeCommand('kafkaLite.broker.start'), false);
        assert.strictEqual(host.state, 'external');
        assert.strictEqual(
          views.topics.getChildren()[0].command?.command,
          'kafkaLite.broker.connectViews',
          'the owner node offers to connect',
        );

        assert.strictEqual(await vscode.commands.executeCommand('kafkaLite.broker.connectViews'), true);
        const roots = views.topics.getChildren();
        assert.strictEqual(
          roots[0].label,
          `Connected to the broker of shop (owner window) at 127.0.0.1:${server.port} (read-only)`,
        );
        const topic = find(roots, 'owner-orders');
        assert.strictEqual(topic.description, '2 partitions · 3 records');
        const parts = views.topics.getChildren(topic);
        assert.deepStrictEqual(
          parts.map((n) => n.label),
          ['partition 0', 'partition 1'],
        );
        assert.match(parts[1].description ?? '', /^\[0 … 3\) · size unknown · last record unknown$/);
        const details = views.topics.getChildren(parts[1]);
        assert.strictEqual(find(details, 'log end offset').description, '3');
        const group = find(views.groups.getChildren(), 'owner-billing');
        assert.match(group.description ?? '', /^lag 2 · /);
        assert.strictEqual(host.broker, undefined, 'this window still does not open the data folder');

        // Changing things stays with the owner.
        await vscode.commands.executeCommand('kafkaLite.topic.create', 'from-second-window', 1);
        assert.strictEqual(broker.getTopic('from-second-window'), undefined);

        // The views follow the owner's broker (Refresh reads it now; the timer every 2 s).
        await broker.produce('owner-orders', [{ value: 'd' }], { partition: 0 });
        await vscode.commands.executeCommand('kafkaLite.view.refresh');
        assert.strictEqual(find(views.topics.getChildren(), 'owner-orders').description, '2 partitions · 4 records');

        // The owner goes away (its lock is released): the views drop the connection and show the owner node again.
        fs.unlinkSync(lockFile);
        await host.refreshRemote();
        assert.strictEqual(host.cluster, undefined);
        assert.match(views.topics.getChildren()[0].label, /another window/);
      } finally {
        if (fs.existsSync(lockFile) && JSON.parse(fs.readFileSync(lockFile, 'utf8')).sessionId === 'owner-window')
          fs.unlinkSync(lockFile);
      }
    } finally {
      await server.close();
      await broker.close();
      fs.rmSync(otherDir, { recursive: true, force: true });
    }
    assert.strictEqual(
      await vscode.commands.executeCommand('kafkaLite.broker.start'),
      true,
      'with the lock free, this window starts its own broker',
    );
    assert.ok(views.topics.getChildren().some((n) => n.label === 'it-durable'));
    assert.ok(!views.topics.getChildren().some((n) => n.label === 'owner-orders'));
  });

  it('reports activation time and event-loop delay for the benchmark', async () => {
    await api();
    const d = await vscode.commands.executeCommand<{ activationMs?: number; loop: { p99Ms: number } }>(
      'kafkaLite.internal.diagnostics',
    );
    assert.ok(
      d && typeof d.activationMs === 'number' && d.activationMs > 0,
      `activationMs is measured: ${JSON.stringify(d)}`,
    );
    assert.ok(d.loop.p99Ms >= 0);
  });
});
