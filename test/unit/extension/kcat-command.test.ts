// "Copy as kcat command" on a secured cluster: the command carries librdkafka's -X settings for the cluster's
// security (from its definition), never the password itself, and a POSIX shell turns it into exactly the words
// kcat must get, with the password taken from $KAFKA_PASSWORD.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import type { ClusterDefinition } from '../../../src/extension/clusters/definitions';
import { kcatProperties } from '../../../src/extension/clusters/definitions';
import { kcatCommand } from '../../../src/extension/panels/record-export';

const base: ClusterDefinition = {
  name: 'team',
  bootstrapServers: ['kafka-1.example.com:9094'],
  securityProtocol: 'SASL_SSL',
  saslMechanism: 'SCRAM-SHA-512',
  username: "o'brien",
  caFile: '/home/me/certs/team ca.pem',
  rejectUnauthorized: true,
  production: false,
};

/** The words a shell hands to kcat for `command` (kcat replaced by printf, one word per line). */
function shellWords(command: string, env: Record<string, string>): string[] {
  const r = spawnSync('sh', ['-c', command.replace(/^kcat /, "printf '%s\\n' ")], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
  });
  assert.strictEqual(r.status, 0, r.stderr);
  return r.stdout.split('\n').slice(0, -1);
}

describe('Copy as kcat command on a secured cluster', () => {
  it('SASL_SSL: protocol, mechanism, user, CA file, and the password only as $KAFKA_PASSWORD', () => {
    const props = kcatProperties(base);
    assert.deepStrictEqual(props, [
      'security.protocol=sasl_ssl',
      'sasl.mechanisms=SCRAM-SHA-512',
      "sasl.username=o'brien",
      'sasl.password=$KAFKA_PASSWORD',
      'ssl.ca.location=/home/me/certs/team ca.pem',
    ]);
    const cmd = kcatCommand('kafka-1.example.com:9094', { topic: 'orders', partition: 2, offset: 41 }, props);
    assert.ok(!cmd.includes('s3cret'));
    assert.deepStrictEqual(shellWords(cmd, { KAFKA_PASSWORD: 's3cret' }), [
      '-C',
      '-b',
      'kafka-1.example.com:9094',
      '-X',
      'security.protocol=sasl_ssl',
      '-X',
      'sasl.mechanisms=SCRAM-SHA-512',
      '-X',
      "sasl.username=o'brien",
      '-X',
      'sasl.password=s3cret',
      '-X',
      'ssl.ca.location=/home/me/certs/team ca.pem',
      '-t',
      'orders',
      '-p',
      '2',
      '-o',
      '41',
      '-c',
      '1',
      '-e',
      '-J',
    ]);
  });

  it('PLAINTEXT needs no setting; SSL with a client certificate and checks off names each', () => {
    assert.deepStrictEqual(kcatProperties({ ...base, securityProtocol: 'PLAINTEXT' }), []);
    assert.deepStrictEqual(
      kcatProperties({
        ...base,
        securityProtocol: 'SSL',
        caFile: undefined,
        certFile: '/c.pem',
        keyFile: '/k.pem',
        rejectUnauthorized: false,
      }),
      [
        'security.protocol=ssl',
        'ssl.certificate.location=/c.pem',
        'ssl.key.location=/k.pem',
        'enable.ssl.certificate.verification=false',
      ],
    );
  });

  it('a topic name with shell characters reaches kcat as one word', () => {
    const cmd = kcatCommand('127.0.0.1:9092', { topic: 'a b;$(x)', partition: 0, offset: 0 });
    assert.deepStrictEqual(shellWords(cmd, {}).slice(0, 5), ['-C', '-b', '127.0.0.1:9092', '-t', 'a b;$(x)']);
  });
});
