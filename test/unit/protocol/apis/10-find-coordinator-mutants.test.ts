// FindCoordinator (key 10) v4+: the answer is in the coordinators array; the top-level v0-3 fields carry the
// values Kafka sends there (node -1, host "", port -1), never this broker's address.
import * as assert from 'assert';
import { findCoordinator } from '../../../../src/protocol/apis/10-find-coordinator';
import { ctxOf } from './mutants-helpers';

describe('FindCoordinator v4 top-level fields', () => {
  it('v4 answers node -1, host "" and port -1 at the top level, and each key in the coordinators array', () => {
    const resp = findCoordinator.handle(ctxOf({}, 4), {
      key: '',
      keyType: 0,
      coordinatorKeys: ['g1'],
    }) as unknown as Record<string, unknown>;
    assert.deepStrictEqual(
      { nodeId: resp.nodeId, host: resp.host, port: resp.port, errorCode: resp.errorCode },
      { nodeId: -1, host: '', port: -1, errorCode: 0 },
    );
    assert.deepStrictEqual(resp.coordinators, [
      { key: 'g1', nodeId: 1, host: '127.0.0.1', port: 9092, errorCode: 0, errorMessage: null },
    ]);
  });
});
