// kafkaLite.clusters validation, the definition → connection options mapping, and Test Connection's messages
// for the failures that need no TLS or SASL server (those are in the reference tier against Apache Kafka).
import * as assert from 'assert';
import * as net from 'net';
import { removeDir, startBroker } from '../../compat/harness';
import {
  parseBootstrap,
  parseDefinitions,
  sealSecret,
  secretKey,
  toSetting,
  unsealSecret,
  wireOptions,
} from '../../../src/extension/clusters/definitions';
import type { ClusterDefinition } from '../../../src/extension/clusters/definitions';
import { diagnose } from '../../../src/extension/clusters/diagnose';

const plain = (over: Partial<ClusterDefinition> = {}): ClusterDefinition => ({
  name: 'dev',
  bootstrapServers: ['127.0.0.1:9092'],
  securityProtocol: 'PLAINTEXT',
  rejectUnauthorized: true,
  production: false,
  ...over,
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

describe('cluster definitions (kafkaLite.clusters)', () => {
  it('accepts a full SASL_SSL definition and fills the defaults', () => {
    const { definitions, errors } = parseDefinitions(
      [
        {
          name: 'prod-eu',
          bootstrapServers: ['b1.example.com:9093', 'b2.example.com:9093'],
          securityProtocol: 'SASL_SSL',
          saslMechanism: 'SCRAM-SHA-512',
          username: 'alice',
          caFile: '/etc/ca.pem',
          production: true,
        },
        { name: 'local', bootstrapServers: 'localhost:9092' },
      ],
      'workspace',
    );
    assert.deepStrictEqual(errors, []);
    assert.deepStrictEqual(definitions[0], {
      name: 'prod-eu',
      bootstrapServers: ['b1.example.com:9093', 'b2.example.com:9093'],
      securityProtocol: 'SASL_SSL',
      saslMechanism: 'SCRAM-SHA-512',
      username: 'alice',
      caFile: '/etc/ca.pem',
      certFile: undefined,
      keyFile: undefined,
      rejectUnauthorized: true,
      production: true,
      scope: 'workspace',
    });
    assert.strictEqual(definitions[1].securityProtocol, 'PLAINTEXT');
    // What Add Cluster writes back holds no secret and no spelled-out default.
    assert.deepStrictEqual(toSetting(definitions[1]), {
      name: 'local',
      bootstrapServers: ['localhost:9092'],
      securityProtocol: 'PLAINTEXT',
    });
  });

  it('names each bad entry and its field; the good ones still load', () => {
    const { definitions, errors } = parseDefinitions([
      { name: 'a', bootstrapServers: ['no-port'] },
      { name: 'b', bootstrapServers: ['h:99999'] },
      { name: 'c', bootstrapServers: ['h:1'], securityProtocol: 'TLS' },
      { name: 'd', bootstrapServers: ['h:1'], securityProtocol: 'SASL_PLAINTEXT' },
      {
        name: 'e',
        bootstrapServers: ['h:1'],
        securityProtocol: 'SASL_PLAINTEXT',
        username: 'u',
        saslMechanism: 'GSSAPI',
      },
      { name: 'f', bootstrapServers: ['h:1'], password: 'hunter2' },
      { name: 'g', bootstrapServers: ['h:1'], caFile: '/ca.pem' },
      { name: 'h', bootstrapServers: ['h:1'], securityProtocol: 'SSL', certFile: '/c.pem' },
      { name: 'ok', bootstrapServers: ['h:1'] },
      { name: 'ok', bootstrapServers: ['h:2'] },
      { bootstrapServers: ['h:1'] },
      'nonsense',
    ]);
    assert.deepStrictEqual(
      definitions.map((d) => d.name),
      ['ok'],
    );
    assert.deepStrictEqual(errors, [
      'cluster "a": bootstrapServers: "no-port" is not host:port (e.g. broker-1.example.com:9092)',
      'cluster "b": bootstrapServers: "h:99999": port 99999 is not between 1 and 65535',
      'cluster "c": securityProtocol "TLS" is not one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL',
      'cluster "d": SASL_PLAINTEXT needs a username',
      'cluster "e": saslMechanism "GSSAPI" is not one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512',
      'cluster "f": "password" must not be in settings; Kafka Lite keeps it in the OS keychain (Edit Cluster… asks for it)',
      'cluster "g": caFile/certFile/keyFile need securityProtocol SSL or SASL_SSL, not PLAINTEXT',
      'cluster "h": a client certificate needs both certFile and keyFile',
      'cluster "ok": there is already a cluster named "ok"',
      'kafkaLite.clusters[10]: a cluster needs a name',
      'kafkaLite.clusters[11] is not an object',
    ]);
    assert.deepStrictEqual(parseDefinitions({}).errors, ['kafkaLite.clusters must be an array of clusters']);
  });

  it('bootstrap text accepts commas and spaces, IPv6 in brackets', () => {
    assert.deepStrictEqual(parseBootstrap('a:1, b:2 [::1]:3'), { servers: ['a:1', 'b:2', '[::1]:3'] });
    assert.match(parseBootstrap('').problem ?? '', /at least one/);
  });

  it('connection options: TLS files read, SASL credentials from the secrets, never from the definition', () => {
    const files: Record<string, string> = { '/ca.pem': 'CA', '/c.pem': 'CERT', '/k.pem': 'KEY' };
    const read = (p: string) => {
      if (!(p in files)) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
      return Buffer.from(files[p]);
    };
    const d = plain({
      securityProtocol: 'SASL_SSL',
      saslMechanism: 'SCRAM-SHA-256',
      username: 'alice',
      caFile: '/ca.pem',
      certFile: '/c.pem',
      keyFile: '/k.pem',
    });
    const o = wireOptions(d, { password: 's3cret', keyPassphrase: 'pp' }, read);
    assert.deepStrictEqual(o.sasl, { mechanism: 'scram-sha-256', username: 'alice', password: 's3cret' });
    assert.deepStrictEqual(o.ssl, {
      rejectUnauthorized: true,
      ca: [Buffer.from('CA')],
      cert: Buffer.from('CERT'),
      key: Buffer.from('KEY'),
      passphrase: 'pp',
    });
    assert.throws(() => wireOptions(d, {}, read), /dev: no password stored for alice; use Edit Cluster… to enter it/);
    assert.throws(
      () => wireOptions({ ...d, caFile: '/missing.pem' }, { password: 'x' }, read),
      /cannot read the CA file \/missing\.pem: ENOENT/,
    );
    assert.strictEqual(wireOptions(plain(), {}).ssl, undefined);
    assert.strictEqual(secretKey('dev', 'password'), 'kafkaLite.cluster.password:dev');
  });

  it('a stored password reaches only the definition it was entered for, not a same-named one with other servers', () => {
    const mine = plain({ securityProtocol: 'SASL_SSL', saslMechanism: 'PLAIN', username: 'alice' });
    const stored = sealSecret('s3cret', mine);
    assert.deepStrictEqual(unsealSecret(stored, mine), { value: 's3cret' });
    assert.deepStrictEqual(unsealSecret(stored, { ...mine, production: true }), { value: 's3cret' });
    const two = plain({ ...mine, bootstrapServers: ['kafka-1.example:9092', 'kafka-2.example:9092'] });
    assert.deepStrictEqual(
      unsealSecret(sealSecret('s3cret', two), {
        ...two,
        bootstrapServers: ['KAFKA-2.example:9092', 'kafka-1.example:9092'],
      }),
      { value: 's3cret' },
      'the same servers in another order or case are the same binding',
    );
    // A cloned repository's definition under the same name: other servers, a downgrade to cleartext SASL, another
    // user, certificate checks off, another CA: the password is withheld.
    for (const other of [
      { ...mine, bootstrapServers: ['attacker.example:9092'] },
      { ...mine, securityProtocol: 'SASL_PLAINTEXT' as const },
      { ...mine, username: 'bob' },
      { ...mine, rejectUnauthorized: false },
      { ...mine, caFile: '/tmp/their-ca.pem' },
    ])
      assert.deepStrictEqual(unsealSecret(stored, other), { withheld: 'rebound' });
    assert.deepStrictEqual(unsealSecret(undefined, mine), { withheld: 'absent' });
    assert.deepStrictEqual(unsealSecret('s3cret', mine), { withheld: 'rebound' }, 'an unsealed value is never sent');
  });
});

describe('Test Connection messages (no TLS/SASL server needed)', function () {
  this.timeout(20_000);

  it('a host DNS does not know is named', async () => {
    const r = await diagnose(plain({ bootstrapServers: ['no-such-broker.invalid:9092'] }), {});
    assert.strictEqual(r.ok, false);
    assert.ok(!r.ok && r.step === 'dns', JSON.stringify(r));
    assert.match(r.message, /the host "no-such-broker\.invalid" was not found by DNS \((ENOTFOUND|EAI_AGAIN)\)/);
  });

  it('a refused port names host:port', async () => {
    const port = await freePort();
    const r = await diagnose(plain({ bootstrapServers: [`127.0.0.1:${port}`] }), {});
    assert.ok(!r.ok && r.step === 'tcp', JSON.stringify(r));
    assert.strictEqual(r.message, `127.0.0.1:${port} refused the connection: nothing listens on that port`);
  });

  it('a server that accepts but never answers is a timeout naming host:port', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const r = await diagnose(
        plain({ bootstrapServers: [`127.0.0.1:${port}`], securityProtocol: 'SSL' }),
        {},
        { timeoutMs: 500 },
      );
      assert.ok(!r.ok && r.step === 'timeout', JSON.stringify(r));
      assert.match(r.message, new RegExp(`TLS handshake with 127\\.0\\.0\\.1:${port} got no answer within 0\\.5 s`));
    } finally {
      silent.close();
    }
  });

  it('a SASL definition pointed at a plaintext listener says it is not a SASL listener', async () => {
    const running = await startBroker();
    try {
      const r = await diagnose(
        plain({
          bootstrapServers: [running.bootstrap],
          securityProtocol: 'SASL_PLAINTEXT',
          saslMechanism: 'PLAIN',
          username: 'u',
        }),
        { password: 'p' },
        { timeoutMs: 3000 },
      );
      assert.ok(!r.ok && (r.step === 'sasl-mechanism' || r.step === 'timeout'), JSON.stringify(r));
      assert.match(r.message, new RegExp(running.bootstrap.replace(/\./g, '\\.')));
    } finally {
      await running.stop();
      removeDir(running.dir);
    }
  });

  it('a working cluster: brokers, controller and topic count', async () => {
    const running = await startBroker();
    try {
      await running.broker.createTopic('a', 1);
      const r = await diagnose(plain({ name: 'local', bootstrapServers: [running.bootstrap] }), {});
      assert.ok(r.ok, JSON.stringify(r));
      assert.strictEqual(r.brokers, 1);
      assert.strictEqual(r.topics, 1);
      assert.match(
        r.message,
        new RegExp(
          `^Connected to local: 1 broker\\(s\\) \\(127\\.0\\.0\\.1:${running.server.port}\\), controller 1, 1 topic\\(s\\)\\.$`,
        ),
      );
    } finally {
      await running.stop();
      removeDir(running.dir);
    }
  });
});
