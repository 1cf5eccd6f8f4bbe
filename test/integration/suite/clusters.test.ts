// Runs inside the real extension host: the Clusters feature against Apache Kafka 4.4.0 with SASL and TLS (the
// reference tier's secured Kafka: PLAINTEXT, SASL_PLAINTEXT and SASL_SSL with SCRAM-SHA-256 user alice and a CA
// made by the test). Data is made by kcat (librdkafka) over PLAINTEXT; the extension reaches it through
// definitions in the user settings and passwords in SecretStorage: the trees show kcat's topic and group, a
// wrong password leaves the views where they were with the server's reason, a remote topic's configs change and
// reset, and a panel opened while the views show the SASL_SSL cluster works there (what it sends, kcat reads back).
import * as assert from 'assert';
import { spawn } from 'child_process';
import * as vscode from 'vscode';
import type { KafkaLiteApi } from '../../../src/extension/extension';
import type { TreeNode } from '../../../src/extension/model/tree-model';
import type { ClusterDefinition } from '../../../src/extension/clusters/definitions';
import type { SecuredKafka } from '../../reference/clusters-kafka';
import { SCRAM_PASSWORD, SCRAM_USER, startSecuredKafka } from '../../reference/clusters-kafka';

const KCAT = '/usr/bin/kcat';

function kcat(args: string[], input?: string): Promise<{ out: string; err: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(KCAT, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ out, err, code });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

async function until<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 30_000,
) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function find(nodes: TreeNode[], label: string): TreeNode {
  const n = nodes.find((x) => x.label === label);
  assert.ok(n, `a node "${label}" among ${JSON.stringify(nodes.map((x) => x.label))}`);
  return n;
}

describe('Clusters in a real VS Code, on Apache Kafka with SASL and TLS', function () {
  this.timeout(120_000);
  let kafka: SecuredKafka;
  let api: KafkaLiteApi;
  const plaintext = () => `127.0.0.1:${kafka.plaintext}`;

  before(async function () {
    this.timeout(300_000);
    const ext = vscode.extensions.getExtension<KafkaLiteApi>('kafka-lite.kafka-lite');
    assert.ok(ext, 'the extension is installed');
    api = await ext.activate();
    kafka = await startSecuredKafka(240_000);
    // kcat cannot create topics (auto-creation is off): Kafka's own admin tool would need a JVM per call, so the
    // topic comes from the extension's wire client on the PLAINTEXT listener (the super user), the data from kcat.
    const { WireCluster } = await import('../../../src/extension/clusters/wire');
    const admin = new WireCluster({ name: 'setup', brokers: [plaintext()] });
    try {
      await admin.createTopic('vs-orders', 2);
      await until('the topic to have leaders', async () => {
        const p = (await admin.partitionsOf(['vs-orders'])).get('vs-orders');
        return p && p.length === 2 && p.every((x) => x.leader >= 0);
      });
    } finally {
      await admin.close();
    }
    const lines = ['o-1', 'o-2', 'o-3', 'o-4', 'o-5'].join('\n') + '\n';
    const produced = await kcat(['-b', plaintext(), '-P', '-t', 'vs-orders', '-p', '0'], lines);
    assert.strictEqual(produced.code, 0, produced.err);
    // A group that read 3 of partition 0's 5 records and committed, as kcat's balanced consumer does on close.
    const consumed = await kcat([
      '-b',
      plaintext(),
      '-G',
      'vs-billing',
      '-X',
      'auto.offset.reset=earliest',
      '-X',
      'enable.auto.commit=true',
      '-c',
      '3',
      '-e',
      'vs-orders',
    ]);
    assert.strictEqual(consumed.code, 0, consumed.err);
    // alice (the SASL user) may do anything with topics and groups: the ACLs come through Kafka's admin API.
    const { Kafka, logLevel, AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } =
      await import('kafkajs');
    const k = new Kafka({ clientId: 'vs-setup', brokers: [plaintext()], logLevel: logLevel.NOTHING });
    const a = k.admin();
    await a.connect();
    await a.createAcls({
      acl: [AclResourceTypes.TOPIC, AclResourceTypes.GROUP].map((resourceType) => ({
        resourceType,
        resourceName: '*',
        resourcePatternType: ResourcePatternTypes.LITERAL,
        principal: `User:${SCRAM_USER}`,
        host: '*',
        operation: AclOperationTypes.ALL,
        permissionType: AclPermissionTypes.ALLOW,
      })),
    });
    await a.disconnect();
  });

  after(async () => {
    const registry = api?.views.clusters.registry;
    await registry?.use(undefined);
    for (const name of ['vs-scram', 'vs-wrong', 'vs-tls']) await registry?.remove(name).catch(() => undefined);
    await kafka?.stop();
  });

  const scram = (name: string, port: number, extra: Partial<ClusterDefinition> = {}): ClusterDefinition => ({
    name,
    bootstrapServers: [`${extra.securityProtocol === 'SASL_SSL' ? 'localhost' : '127.0.0.1'}:${port}`],
    securityProtocol: 'SASL_PLAINTEXT',
    saslMechanism: 'SCRAM-SHA-256',
    username: SCRAM_USER,
    rejectUnauthorized: true,
    production: false,
    ...extra,
  });

  it("a SASL_PLAINTEXT cluster from the user settings, its password in SecretStorage only: the trees show kcat's topic and group", async () => {
    const registry = api.views.clusters.registry;
    await registry.save(scram('vs-scram', kafka.saslPlaintext), 'user');
    await registry.storeSecrets('vs-scram', { password: SCRAM_PASSWORD });
    const setting = JSON.stringify(vscode.workspace.getConfiguration('kafkaLite').inspect('clusters'));
    assert.ok(setting.includes('vs-scram'), setting);
    assert.ok(!setting.includes(SCRAM_PASSWORD), 'the password is not in the settings');

    assert.strictEqual(await registry.use('vs-scram'), true);
    assert.strictEqual(registry.active, 'vs-scram');
    const topic = find(api.views.topics.getChildren(), 'vs-orders');
    assert.match(String(topic.description), /^2 partitions/);
    const parts = api.views.topics.getChildren(topic);
    assert.deepStrictEqual(
      parts.map((p) => p.label),
      ['partition 0', 'partition 1'],
    );
    assert.match(parts[0].description ?? '', /^\[0 … 5\)/);

    const group = find(api.views.groups.getChildren(), 'vs-billing');
    const sections = api.views.groups.getChildren(group);
    const partitions = sections.find((n) => n.contextValue === 'groupSection.partitions');
    assert.ok(partitions, JSON.stringify(sections.map((n) => n.label)));
    const rows = api.views.groups.getChildren(partitions).map((p) => [p.label, p.description]);
    assert.ok(
      rows.some(([label, d]) => label === 'vs-orders [0]' && d === 'committed 3 · end 5 · lag 2'),
      JSON.stringify(rows),
    );
  });

  it("a remote topic's configs are changed and reset through the cluster's own AlterConfigs", async () => {
    const registry = api.views.clusters.registry;
    if (registry.active !== 'vs-scram') assert.strictEqual(await registry.use('vs-scram'), true);
    const node = find(api.views.topics.getChildren(), 'vs-orders');
    type Entry = { name: string; value: string | null; isDefault: boolean };
    const set = await vscode.commands.executeCommand<Entry[]>('kafkaLite.clusters.remote.topicConfigs', node, {
      'retention.ms': '3600000',
    });
    const retention = set.find((e) => e.name === 'retention.ms');
    assert.deepStrictEqual([retention?.value, retention?.isDefault], ['3600000', false]);
    const reset = await vscode.commands.executeCommand<Entry[]>('kafkaLite.clusters.remote.topicConfigs', node, {
      'retention.ms': null,
    });
    const back = reset.find((e) => e.name === 'retention.ms');
    assert.deepStrictEqual([back?.value, back?.isDefault], ['604800000', true]);
  });

  it("a wrong password: Use This Cluster fails with the server's authentication error and the views stay where they were", async () => {
    const registry = api.views.clusters.registry;
    await registry.use(undefined);
    await registry.save(scram('vs-wrong', kafka.saslPlaintext), 'user');
    await registry.storeSecrets('vs-wrong', { password: 'not-the-password' });
    await assert.rejects(registry.use('vs-wrong'), /auth|SASL|credentials/i);
    assert.strictEqual(registry.active, undefined, "the views stay on this window's broker");
  });

  it('a panel opened while the views show the SASL_SSL cluster works there: what it sends, kcat reads back', async () => {
    const registry = api.views.clusters.registry;
    await registry.save(scram('vs-tls', kafka.saslSsl, { securityProtocol: 'SASL_SSL', caFile: kafka.caFile }), 'user');
    await registry.storeSecrets('vs-tls', { password: SCRAM_PASSWORD });
    assert.strictEqual(await registry.use('vs-tls'), true);
    const source = await registry.panelSource();
    assert.strictEqual(source.kind, 'remote');
    if (source.kind !== 'remote') return;
    assert.strictEqual(source.name, 'vs-tls');
    assert.strictEqual(await source.confirmWrite('Send 1 record to vs-orders'), true, 'not a production cluster');
    const [range] = await source.cluster.produce('vs-orders', [
      { partition: 1, key: Buffer.from('k'), value: Buffer.from('sent over SASL_SSL') },
    ]);
    assert.strictEqual(range.partition, 1);
    const read = await kcat([
      '-b',
      plaintext(),
      '-C',
      '-t',
      'vs-orders',
      '-p',
      '1',
      '-o',
      String(range.baseOffset),
      '-c',
      '1',
      '-e',
      '-f',
      '%k=%s',
    ]);
    assert.strictEqual(read.code, 0, read.err);
    assert.strictEqual(read.out, 'k=sent over SASL_SSL');
  });
});
