// ListTransactions (key 66), over a stand-in coordinator: state filters that are all unknown match nothing (not
// everything); a pattern that is not a regular expression is INVALID_REGULAR_EXPRESSION with empty lists and an
// info line naming the pattern.
import * as assert from 'assert';
import type { Broker } from '../../../../src/broker/broker';
import { listTransactions } from '../../../../src/protocol/apis/66-list-transactions';
import { ctxOf } from './mutants-helpers';

describe('ListTransactions filters (stand-in coordinator)', () => {
  const broker: Partial<Broker> = {
    listTransactions: (() => [{ transactionalId: 'tx-a', producerId: 4, state: 'Ongoing' }]) as never,
  };
  const list = (stateFilters: string[], transactionalIdPattern: string | null = null) => {
    const ctx = ctxOf(broker, 2);
    const resp = listTransactions.handle(ctx, {
      stateFilters,
      producerIdFilters: [],
      durationFilter: -1,
      transactionalIdPattern,
    }) as { errorCode: number; unknownStateFilters: string[]; transactionStates: unknown[] };
    return { resp, logs: ctx.logs };
  };

  it('state filters that are all unknown match no transaction and are named back as unknown', () => {
    const { resp } = list(['Bogus', 'Nope']);
    assert.deepStrictEqual(resp.unknownStateFilters, ['Bogus', 'Nope']);
    assert.deepStrictEqual(resp.transactionStates, []);
    assert.strictEqual(list(['Bogus', 'Ongoing']).resp.transactionStates.length, 1, 'one known filter lists');
  });

  it('a pattern that is not a regular expression is INVALID_REGULAR_EXPRESSION with empty lists and an info line', () => {
    const { resp, logs } = list(['Bogus'], 'tx-(');
    assert.deepStrictEqual(resp, {
      throttleTimeMs: 0,
      errorCode: 128,
      unknownStateFilters: [],
      transactionStates: [],
    });
    assert.strictEqual(logs.length, 1);
    assert.match(logs[0], /^info client mutants-test: ListTransactions pattern "tx-\(" is not a regular expression: /);
  });
});
