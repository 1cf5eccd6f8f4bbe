// IncrementalAlterConfigs (key 44) APPEND on a list config, over a stand-in engine: a config with no value, a
// config the engine does not list, and an APPEND with a null value all count as an empty list, so the stored
// list holds exactly the items given (or what was there).
import * as assert from 'assert';
import type { Broker } from '../../../../src/broker/broker';
import { incrementalAlterConfigs } from '../../../../src/protocol/apis/44-incremental-alter-configs';
import { ctxOf } from './mutants-helpers';

describe('IncrementalAlterConfigs APPEND on empty lists (stand-in engine)', () => {
  const APPEND = 2;
  const alter = async (listed: { name: string; value: string | null }[], value: string | null) => {
    const written: Record<string, string | null>[] = [];
    const broker = {
      getTopic: () => ({ name: 't', partitions: 1 }),
      describeTopicConfigs: () => listed,
      alterTopicConfigs: (_t: string, changes: Record<string, string | null>) => {
        written.push(changes);
        return Promise.resolve();
      },
    } as never as Partial<Broker>;
    const resp = (await incrementalAlterConfigs.handle(ctxOf(broker, 1), {
      resources: [
        { resourceType: 2, resourceName: 't', configs: [{ name: 'cleanup.policy', configOperation: APPEND, value }] },
      ],
      validateOnly: false,
    })) as { responses: { errorCode: number; errorMessage: string | null }[] };
    assert.deepStrictEqual(
      resp.responses.map((r) => r.errorCode),
      [0],
      String(resp.responses[0].errorMessage),
    );
    return written;
  };

  it('APPEND to a config listed with no value stores just the given item', async () => {
    assert.deepStrictEqual(await alter([{ name: 'cleanup.policy', value: null }], 'compact'), [
      { 'cleanup.policy': 'compact' },
    ]);
  });

  it('APPEND to a config the engine does not list stores just the given item', async () => {
    assert.deepStrictEqual(await alter([], 'delete'), [{ 'cleanup.policy': 'delete' }]);
  });

  it('APPEND of a null value keeps the list as it is', async () => {
    assert.deepStrictEqual(await alter([{ name: 'cleanup.policy', value: 'compact' }], null), [
      { 'cleanup.policy': 'compact' },
    ]);
  });
});
