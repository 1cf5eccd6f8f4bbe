// ApiVersions (key 18): the table lists every registered API once, in api key order (clients and tools print it
// as is), and v5's node check: a client that names node 0 of a broker that is node 1 is told to re-bootstrap,
// with a log line that shows a missing cluster id as "?".
import * as assert from 'assert';
import '../../../../src/protocol/registry';
import { API_MODULES } from '../../../../src/protocol/registry';
import { apiVersions } from '../../../../src/protocol/apis/18-api-versions';
import { ctxOf } from './mutants-helpers';

describe('ApiVersions table order and the v5 node check', () => {
  const ask = (nodeId: number, clusterId: string | null, brokerNode = 1) => {
    const ctx = ctxOf({}, 5, brokerNode);
    const resp = apiVersions.handle(ctx, {
      clientSoftwareName: 'kcat',
      clientSoftwareVersion: '1.7',
      clusterId,
      nodeId,
    }) as { errorCode: number; apiKeys: { apiKey: number; minVersion: number; maxVersion: number }[] };
    return { resp, logs: ctx.logs };
  };

  it('lists every registered API exactly once, in ascending api key order, with its version range', () => {
    const keys = ask(-1, null).resp.apiKeys.map((k) => k.apiKey);
    assert.deepStrictEqual(
      keys,
      [...keys].sort((a, b) => a - b),
    );
    assert.deepStrictEqual(
      ask(-1, null).resp.apiKeys,
      API_MODULES.map((m) => ({ apiKey: m.apiKey, minVersion: m.minVersion, maxVersion: m.maxVersion })).sort(
        (a, b) => a.apiKey - b.apiKey,
      ),
    );
    assert.strictEqual(new Set(keys).size, keys.length);
  });

  it('v5 naming node 0 of a broker that is node 1 is REBOOTSTRAP_REQUIRED, logged with "?" for no cluster id', () => {
    const { resp, logs } = ask(0, null);
    assert.strictEqual(resp.errorCode, 129);
    assert.strictEqual(logs.length, 1);
    assert.match(
      logs[0],
      /^info client mutants-test: expected cluster \? node 0, but this is cluster test-cluster node 1;/,
    );
  });

  it('v5 naming node 0 of a broker that is node 0 is answered normally', () => {
    const { resp, logs } = ask(0, 'test-cluster', 0);
    assert.strictEqual(resp.errorCode, 0);
    assert.deepStrictEqual(logs, []);
  });
});
