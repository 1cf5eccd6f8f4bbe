/**
 * A second Apache Kafka for the Clusters tests, separate from the reference tier's shared broker (which stays
 * untouched): one KRaft node with three client listeners — PLAINTEXT, SASL_PLAINTEXT and SASL_SSL, both SASL
 * listeners enabling only SCRAM-SHA-256 (user alice, created at format time with --add-scram) — and a CA plus a
 * broker certificate for "localhost" (no IP in its names, so 127.0.0.1 is a hostname mismatch) made with openssl
 * in the test's temp folder. ACLs are on (StandardAuthorizer): the plaintext principal ANONYMOUS is a super user,
 * alice has only the ACLs a test gives her. startSecuredKafka() resolves when all three listeners answer; stop() ends the
 * process and removes the folder.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { referenceKafkaModule } from './harness';

interface Module {
  ensureKafkaJars(): { version: string; libs: string };
  metadataProbe(port: number, timeoutMs?: number): Promise<{ brokers: number; controllerId: number }>;
  freePorts(n: number): Promise<number[]>;
}

export const SCRAM_USER = 'alice';
export const SCRAM_PASSWORD = 'alice-secret';

export interface SecuredKafka {
  version: string;
  /** The folder of Apache Kafka's jars (its tools run with `java -cp <libs>/*`). */
  libs: string;
  dir: string;
  plaintext: number;
  saslPlaintext: number;
  saslSsl: number;
  /** The CA that signed the broker's certificate (PEM). */
  caFile: string;
  stop(): Promise<void>;
}

function openssl(dir: string, args: string[]): void {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr || r.error?.message}`);
}

/** A CA and a broker certificate for DNS:localhost signed by it, packed as a PKCS12 keystore for Kafka. */
function makeCertificates(dir: string): { caFile: string; keystore: string; password: string } {
  const password = 'changeit';
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=Kafka Lite Test CA',
  ]);
  openssl(dir, [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'broker.key',
    '-out',
    'broker.csr',
    '-subj',
    '/CN=localhost/O=Kafka Lite Tests',
  ]);
  fs.writeFileSync(path.join(dir, 'san.cnf'), 'subjectAltName=DNS:localhost\n');
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    'broker.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'broker.pem',
    '-days',
    '2',
    '-extfile',
    'san.cnf',
  ]);
  openssl(dir, [
    'pkcs12',
    '-export',
    '-in',
    'broker.pem',
    '-inkey',
    'broker.key',
    '-certfile',
    'ca.pem',
    '-out',
    'broker.p12',
    '-passout',
    `pass:${password}`,
    '-name',
    'broker',
  ]);
  return { caFile: path.join(dir, 'ca.pem'), keystore: path.join(dir, 'broker.p12'), password };
}

function run(args: string[], libs: string, log4j: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('java', [
      '-Xmx256m',
      `-Dlog4j2.configurationFile=${log4j}`,
      '-cp',
      path.join(libs, '*'),
      ...args,
    ]);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code, out }));
  });
}

export async function startSecuredKafka(timeoutMs = 120_000): Promise<SecuredKafka> {
  const mod = referenceKafkaModule() as unknown as Module;
  const { version, libs } = mod.ensureKafkaJars();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clusters-kafka-'));
  const certs = makeCertificates(dir);
  const [plaintext, saslPlaintext, saslSsl, controller] = await mod.freePorts(4);
  const jaas = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';
  const props = [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.bootstrap.servers=127.0.0.1:${controller}`,
    `listeners=PLAINTEXT://127.0.0.1:${plaintext},SASL_PLAINTEXT://127.0.0.1:${saslPlaintext},SASL_SSL://127.0.0.1:${saslSsl},CONTROLLER://127.0.0.1:${controller}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${plaintext},SASL_PLAINTEXT://127.0.0.1:${saslPlaintext},SASL_SSL://localhost:${saslSsl}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT',
    'sasl.enabled.mechanisms=SCRAM-SHA-256',
    `listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=${jaas}`,
    `listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=${jaas}`,
    'ssl.keystore.type=PKCS12',
    `ssl.keystore.location=${certs.keystore}`,
    `ssl.keystore.password=${certs.password}`,
    `ssl.key.password=${certs.password}`,
    'ssl.client.auth=none',
    // ACLs: the plaintext listeners' ANONYMOUS (inter-broker, controller, the test's setup) is a super user; alice
    // gets what the test grants her (clusters.test.ts: everything but topics named forbidden-*).
    'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'super.users=User:ANONYMOUS',
    `log.dirs=${path.join(dir, 'data')}`,
    'num.partitions=1',
    'auto.create.topics.enable=false',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    '',
  ].join('\n');
  const propsFile = path.join(dir, 'server.properties');
  const log4j = path.join(dir, 'log4j2.xml');
  const logFile = path.join(dir, 'server.log');
  fs.writeFileSync(propsFile, props);
  fs.writeFileSync(
    log4j,
    `<?xml version="1.0" encoding="UTF-8"?>\n<Configuration status="WARN"><Appenders><File name="f" fileName="${logFile}"><PatternLayout pattern="[%d] %p %m (%c)%n"/></File></Appenders><Loggers><Root level="info"><AppenderRef ref="f"/></Root></Loggers></Configuration>\n`,
  );
  const id = (await run(['kafka.tools.StorageTool', 'random-uuid'], libs, log4j)).out.trim().split('\n').pop()!;
  const fmt = await run(
    [
      'kafka.tools.StorageTool',
      'format',
      '--standalone',
      '-t',
      id,
      '-c',
      propsFile,
      '--add-scram',
      `SCRAM-SHA-256=[name=${SCRAM_USER},password=${SCRAM_PASSWORD}]`,
    ],
    libs,
    log4j,
  );
  if (fmt.code !== 0) throw new Error(`formatting the secured Kafka failed (exit ${fmt.code}):\n${fmt.out}`);
  const out = fs.openSync(path.join(dir, 'stdout.log'), 'w');
  const child = spawn(
    'java',
    [
      '-Xmx512m',
      '-Xms256m',
      '-XX:+UseG1GC',
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${log4j}`,
      '-cp',
      path.join(libs, '*'),
      'kafka.Kafka',
      propsFile,
    ],
    { stdio: ['ignore', out, out] },
  );
  fs.closeSync(out);
  let exited: number | null | undefined;
  child.on('exit', (code) => (exited = code));
  const tail = () => {
    try {
      return fs.readFileSync(logFile, 'utf8').trim().split('\n').slice(-30).join('\n');
    } catch {
      return '(no log)';
    }
  };
  const deadline = Date.now() + timeoutMs;
  const listening = (port: number) =>
    new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
  for (;;) {
    if (exited !== undefined) throw new Error(`the secured Kafka exited during startup (${exited}):\n${tail()}`);
    try {
      const m = await mod.metadataProbe(plaintext, 1000);
      if (m.brokers > 0 && m.controllerId >= 0 && (await listening(saslPlaintext)) && (await listening(saslSsl))) break;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the secured Kafka did not come up within ${timeoutMs} ms:\n${tail()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    version,
    libs,
    dir,
    plaintext,
    saslPlaintext,
    saslSsl,
    caFile: certs.caFile,
    async stop() {
      if (exited === undefined) {
        child.kill('SIGTERM');
        const t0 = Date.now();
        while (exited === undefined && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 100));
        if (exited === undefined) child.kill('SIGKILL');
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
