// WireCluster and Test Connection against Apache Kafka on its three kinds of listener — PLAINTEXT,
// SASL_PLAINTEXT (SCRAM-SHA-256) and SASL_SSL (SCRAM-SHA-256 over TLS with a CA made by the test) — a second Kafka
// started for these tests (clusters-kafka.ts) beside the reference tier's shared one. On each listener: a topic
// and a group made by kafkajs are listed with their lag, records round-trip with their headers and timestamps,
// offsets reset, and a topic is copied to an in-process Kafka Lite and back. Then the messages a person reads
// when something is wrong: wrong password, untrusted certificate, hostname mismatch, refused port, mechanism
// not enabled.
import * as assert from 'assert';
import * as net from 'net';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Kafka,
  logLevel,
  ResourcePatternTypes,
} from 'kafkajs';
import type { Running } from '../compat/harness';
import { removeDir, startBroker, waitFor } from '../compat/harness';
import type { Cluster } from '../../src/extension/clusters/cluster';
import { copyRecords } from '../../src/extension/clusters/copy';
import type { ClusterDefinition } from '../../src/extension/clusters/definitions';
import { wireOptions } from '../../src/extension/clusters/definitions';
import { diagnose } from '../../src/extension/clusters/diagnose';
import { EmbeddedCluster } from '../../src/extension/clusters/embedded';
import { WireCluster } from '../../src/extension/clusters/wire';
import type { SecuredKafka } from './clusters-kafka';
import { SCRAM_PASSWORD, SCRAM_USER, startSecuredKafka } from './clusters-kafka';

describe('clusters: WireCluster against Apache Kafka on PLAINTEXT, SASL_PLAINTEXT and SASL_SSL', function () {
  this.timeout(120_000);
  let kafka: SecuredKafka;
  let lite: Running;
  const open: Cluster[] = [];

  const defs = (): Record<string, ClusterDefinition> => ({
    PLAINTEXT: {
      name: 'ref-plaintext',
      bootstrapServers: [`127.0.0.1:${kafka.plaintext}`],
      securityProtocol: 'PLAINTEXT',
      rejectUnauthorized: true,
      production: false,
    },
    SASL_PLAINTEXT: {
      name: 'ref-scram',
      bootstrapServers: [`127.0.0.1:${kafka.saslPlaintext}`],
      securityProtocol: 'SASL_PLAINTEXT',
      saslMechanism: 'SCRAM-SHA-256',
      username: SCRAM_USER,
      rejectUnauthorized: true,
      production: false,
    },
    SASL_SSL: {
      name: 'ref-scram-tls',
      bootstrapServers: [`localhost:${kafka.saslSsl}`],
      securityProtocol: 'SASL_SSL',
      saslMechanism: 'SCRAM-SHA-256',
      username: SCRAM_USER,
      caFile: kafka.caFile,
      rejectUnauthorized: true,
      production: false,
    },
  });
  const secrets = { password: SCRAM_PASSWORD };
  const wire = (d: ClusterDefinition): Cluster => {
    const c = new WireCluster(wireOptions(d, secrets));
    open.push(c);
    return c;
  };

  before(async function () {
    this.timeout(240_000);
    [kafka, lite] = await Promise.all([startSecuredKafka(), startBroker()]);
    // A topic and a consumer group made by a Java-less client (kafkajs), on the plaintext listener.
    const k = new Kafka({ clientId: 'maker', brokers: [`127.0.0.1:${kafka.plaintext}`], logLevel: logLevel.NOTHING });
    const admin = k.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: 'made-by-kafkajs', numPartitions: 3 },
        { topic: 'forbidden-ledger', numPartitions: 1 },
      ],
    });
    // alice may do anything with topics and groups, except with topics named forbidden-*.
    const acl = (
      resourceType: AclResourceTypes,
      resourceName: string,
      permissionType: AclPermissionTypes,
      resourcePatternType = ResourcePatternTypes.LITERAL,
    ) => ({
      resourceType,
      resourceName,
      resourcePatternType,
      principal: `User:${SCRAM_USER}`,
      host: '*',
      operation: AclOperationTypes.ALL,
      permissionType,
    });
    await admin.createAcls({
      acl: [
        acl(AclResourceTypes.TOPIC, '*', AclPermissionTypes.ALLOW),
        acl(AclResourceTypes.GROUP, '*', AclPermissionTypes.ALLOW),
        acl(AclResourceTypes.TOPIC, 'forbidden-', AclPermissionTypes.DENY, ResourcePatternTypes.PREFIXED),
      ],
    });
    await admin.disconnect();
    const producer = k.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    for (let p = 0; p < 3; p++)
      await producer.send({
        topic: 'made-by-kafkajs',
        messages: Array.from({ length: 4 }, (_, i) => ({ partition: p, key: `k${i}`, value: `v${p}-${i}` })),
      });
    await producer.disconnect();
    const consumer = k.consumer({ groupId: 'kafkajs-group', sessionTimeout: 10_000, heartbeatInterval: 500 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'made-by-kafkajs', fromBeginning: true });
    let seen = 0;
    // Read everything, commit partition 0 only up to offset 1 (lag 3 there).
    await consumer.run({ autoCommit: false, eachMessage: async () => void seen++ });
    await waitFor('kafkajs to read the 12 records', () => seen === 12, 60_000);
    await consumer.commitOffsets([
      { topic: 'made-by-kafkajs', partition: 0, offset: '1' },
      { topic: 'made-by-kafkajs', partition: 1, offset: '4' },
      { topic: 'made-by-kafkajs', partition: 2, offset: '4' },
    ]);
    await consumer.disconnect();
  });

  after(async function () {
    this.timeout(60_000);
    await Promise.all(open.map((c) => c.close()));
    await Promise.all([kafka?.stop(), lite?.stop()]);
    if (lite) removeDir(lite.dir);
  });

  for (const listener of ['PLAINTEXT', 'SASL_PLAINTEXT', 'SASL_SSL'] as const) {
    describe(`on the ${listener} listener`, () => {
      it('Test Connection succeeds and names the broker and the topic count', async () => {
        const r = await diagnose(defs()[listener], secrets, { timeoutMs: 15_000 });
        assert.ok(r.ok, JSON.stringify(r));
        assert.strictEqual(r.brokers, 1);
        assert.ok(r.topics >= 1);
      });

      it("lists kafkajs's topic and group, with the group's committed offsets and lag", async () => {
        const c = wire(defs()[listener]);
        const topics = await c.listTopics();
        assert.ok(
          topics.topics.some((t) => t.name === 'made-by-kafkajs' && t.partitions === 3),
          JSON.stringify(topics),
        );
        assert.ok(!topics.topics.some((t) => t.name.startsWith('__')), 'internal topics are left out');
        const parts = (await c.partitionsOf(['made-by-kafkajs'])).get('made-by-kafkajs')!;
        assert.deepStrictEqual(
          parts.map((p) => [p.partition, p.logStartOffset, p.logEndOffset, p.sizeBytes]),
          [
            [0, 0, 4, undefined],
            [1, 0, 4, undefined],
            [2, 0, 4, undefined],
          ],
        );
        const groups = await c.listGroups();
        assert.deepStrictEqual(
          groups.filter((g) => g.groupId === 'kafkajs-group').map((g) => [g.groupId, g.state]),
          [['kafkajs-group', 'Empty']],
        );
        const lag = await c.groupLag('kafkajs-group');
        assert.deepStrictEqual(
          lag.partitions.map((p) => [p.topic, p.partition, p.committedOffset, p.lag]),
          [
            ['made-by-kafkajs', 0, 1, 3],
            ['made-by-kafkajs', 1, 4, 0],
            ['made-by-kafkajs', 2, 4, 0],
          ],
        );
        const d = await c.describeCluster();
        assert.strictEqual(d.brokers.length, 1);
        assert.strictEqual(d.controllerId >= 0 || d.controllerId === -1, true);
      });

      it('produces records with keys, headers and timestamps and fetches them back; resets offsets', async () => {
        const c = wire(defs()[listener]);
        const topic = `rt-${listener.toLowerCase()}`;
        await c.createTopic(topic, 2);
        const sent = Array.from({ length: 5 }, (_, i) => ({
          partition: 1,
          key: Buffer.from(`key-${i}`),
          value: Buffer.from(`value-${i}`),
          headers: [
            { key: 'h', value: Buffer.from(String(i)) },
            { key: 'h', value: null },
          ],
          timestamp: 1_750_000_000_000 + i * 1000,
        }));
        assert.deepStrictEqual(await c.produce(topic, sent), [{ partition: 1, baseOffset: 0, count: 5 }]);
        const got = await c.fetch(topic, 1, 0);
        assert.deepStrictEqual(
          got.map((r) => ({
            partition: r.partition,
            key: r.key,
            value: r.value,
            headers: r.headers,
            timestamp: r.timestamp,
          })),
          sent,
        );
        assert.strictEqual(await c.offsetForTimestamp(topic, 1, 1_750_000_002_500), 3);
        // Offsets of an empty group: written without joining it.
        const group = `reset-${listener.toLowerCase()}`;
        assert.deepStrictEqual(await c.resetOffsets(group, topic, { kind: 'latest' }), [
          { topic, partition: 0, offset: 0 },
          { topic, partition: 1, offset: 5 },
        ]);
        assert.deepStrictEqual(await c.resetOffsets(group, topic, { kind: 'shift', by: -2 }, 1), [
          { topic, partition: 1, offset: 3 },
        ]);
        assert.deepStrictEqual(await c.committedOffsets(group), [
          { topic, partition: 0, offset: 0 },
          { topic, partition: 1, offset: 3 },
        ]);
        assert.strictEqual((await c.groupLag(group)).totalLag, 2);
        await c.alterTopicConfigs(topic, { 'retention.ms': '3600000' });
        assert.strictEqual((await c.topicConfigs(topic)).find((e) => e.name === 'retention.ms')?.value, '3600000');
        await c.deleteGroup(group);
        assert.ok(!(await c.listGroups()).some((g) => g.groupId === group));
      });

      it('copies a topic to Kafka Lite and back, records intact', async () => {
        const c = wire(defs()[listener]);
        const local = new EmbeddedCluster(lite.broker);
        const there = `copy-src-${listener.toLowerCase()}`;
        await c.createTopic(there, 2);
        await c.produce(
          there,
          Array.from({ length: 50 }, (_, i) => ({
            partition: i % 2,
            key: Buffer.from(`k${i}`),
            value: Buffer.from(`v${i}`),
            headers: [{ key: 'n', value: Buffer.from(String(i)) }],
            timestamp: 1_760_000_000_000 + i,
          })),
        );
        const down = await copyRecords(c, local, {
          sourceTopic: there,
          targetTopic: `local-${listener.toLowerCase()}`,
          selection: { kind: 'lastN', perPartition: 10 },
        });
        assert.strictEqual(down.copied, 20);
        assert.strictEqual(down.targetCreated, true);
        const up = await copyRecords(local, c, {
          sourceTopic: `local-${listener.toLowerCase()}`,
          targetTopic: `copy-back-${listener.toLowerCase()}`,
          selection: { kind: 'all' },
        });
        assert.strictEqual(up.copied, 20);
        for (const p of [0, 1]) {
          const strip = (rs: { key: Buffer | null; value: Buffer | null; headers: unknown; timestamp: number }[]) =>
            rs.map(({ key, value, headers, timestamp }) => ({ key, value, headers, timestamp }));
          assert.deepStrictEqual(
            strip(await c.fetch(`copy-back-${listener.toLowerCase()}`, p, 0)),
            strip(await c.fetch(there, p, 15)),
            `partition ${p}`,
          );
        }
      });
    });
  }

  describe("the cluster's own error where its ACLs refuse (alice on SASL_SSL)", () => {
    it('creating, producing to, reading and deleting a forbidden topic: TOPIC_AUTHORIZATION_FAILED, said as an ACL refusal', async () => {
      const c = wire(defs().SASL_SSL);
      await waitFor('the ACLs to apply', async () =>
        (await c.listTopics()).topics.some((t) => t.name === 'made-by-kafkajs'),
      );
      const refused = /TOPIC_AUTHORIZATION_FAILED.*\(refused by the cluster\u2019s ACLs\)/;
      await assert.rejects(c.createTopic('forbidden-new', 1), refused);
      await assert.rejects(
        c.produce('forbidden-ledger', [{ partition: 0, key: null, value: Buffer.from('x') }]),
        refused,
      );
      await assert.rejects(c.fetch('forbidden-ledger', 0, 0), refused);
      await assert.rejects(c.deleteTopic('forbidden-ledger'), refused);
      // What alice may not see is not listed; what she may is.
      const names = (await c.listTopics()).topics.map((t) => t.name);
      assert.ok(!names.includes('forbidden-ledger'), names.join(','));
      assert.ok(names.includes('made-by-kafkajs'));
    });
  });

  describe('Test Connection names what is wrong', () => {
    it('a wrong password: authentication failed for the user', async () => {
      const r = await diagnose(defs().SASL_PLAINTEXT, { password: 'not-the-password' }, { timeoutMs: 15_000 });
      assert.ok(!r.ok && r.step === 'auth', JSON.stringify(r));
      assert.match(r.message, /authentication failed for user "alice" \(SCRAM-SHA-256\)/);
    });

    it('a mechanism the server does not enable: the enabled list from SaslHandshake', async () => {
      const r = await diagnose({ ...defs().SASL_PLAINTEXT, saslMechanism: 'PLAIN' }, secrets, { timeoutMs: 15_000 });
      assert.ok(!r.ok && r.step === 'sasl-mechanism', JSON.stringify(r));
      assert.strictEqual(
        r.message,
        `127.0.0.1:${kafka.saslPlaintext} does not enable SASL PLAIN; it enables SCRAM-SHA-256`,
      );
    });

    it('an untrusted certificate (no CA given): its subject, issuer and why', async () => {
      const r = await diagnose({ ...defs().SASL_SSL, caFile: undefined }, secrets, { timeoutMs: 15_000 });
      assert.ok(!r.ok && r.step === 'tls', JSON.stringify(r));
      assert.match(
        r.message,
        /the TLS certificate of localhost:\d+ is not trusted: it is signed by (an unknown CA|a self-signed CA that is not trusted)/,
      );
      assert.match(r.message, /Subject CN=localhost, O=Kafka Lite Tests; issuer CN=Kafka Lite Test CA/);
      assert.strictEqual(r.certificate?.selfSigned, false);
    });

    it('a hostname the certificate does not list', async () => {
      const r = await diagnose({ ...defs().SASL_SSL, bootstrapServers: [`127.0.0.1:${kafka.saslSsl}`] }, secrets, {
        timeoutMs: 15_000,
      });
      assert.ok(!r.ok && r.step === 'tls', JSON.stringify(r));
      assert.match(r.message, /its names do not include the host \(ERR_TLS_CERT_ALTNAME_INVALID\)/);
    });

    it('a certificate accepted without verification (after the warning) connects', async () => {
      const r = await diagnose({ ...defs().SASL_SSL, caFile: undefined, rejectUnauthorized: false }, secrets, {
        timeoutMs: 15_000,
      });
      assert.ok(r.ok, JSON.stringify(r));
    });

    it('TLS against a plaintext listener says so', async () => {
      const r = await diagnose(
        { ...defs().PLAINTEXT, securityProtocol: 'SSL', caFile: kafka.caFile },
        {},
        { timeoutMs: 5000 },
      );
      assert.ok(!r.ok && (r.step === 'tls' || r.step === 'timeout'), JSON.stringify(r));
      assert.match(r.message, new RegExp(`TLS handshake with 127\\.0\\.0\\.1:${kafka.plaintext}`));
    });

    it('a refused port names host:port', async () => {
      const port = await new Promise<number>((resolve) => {
        const srv = net.createServer().listen(0, '127.0.0.1', () => {
          const p = (srv.address() as net.AddressInfo).port;
          srv.close(() => resolve(p));
        });
      });
      const r = await diagnose(
        { ...defs().PLAINTEXT, bootstrapServers: [`127.0.0.1:${port}`] },
        {},
        { timeoutMs: 5000 },
      );
      assert.ok(!r.ok && r.step === 'tcp', JSON.stringify(r));
      assert.strictEqual(r.message, `127.0.0.1:${port} refused the connection: nothing listens on that port`);
    });
  });
});
