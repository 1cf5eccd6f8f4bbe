// DescribeGroups (key 15), over a stand-in engine that refuses an unknown group with GROUP_ID_NOT_FOUND: v0-5
// (which have no such error) answer the group as Dead with no error; v6+ answer GROUP_ID_NOT_FOUND with its
// message.
import * as assert from 'assert';
import type { Broker } from '../../../../src/broker/broker';
import { KafkaError } from '../../../../src/broker/errors';
import { describeGroups } from '../../../../src/protocol/apis/15-describe-groups';
import { ctxOf } from './mutants-helpers';

describe('DescribeGroups of a group the engine refuses as not found (stand-in engine)', () => {
  const broker = {
    describeGroup: (id: string) => {
      throw new KafkaError(69, `there is no group "${id}"`);
    },
  } as never as Partial<Broker>;
  const ask = (version: number) =>
    (
      describeGroups.handle(ctxOf(broker, version), { groups: ['g'], includeAuthorizedOperations: false }) as {
        groups: { errorCode: number; errorMessage: string | null; groupState: string }[];
      }
    ).groups.map((g) => [g.errorCode, g.errorMessage, g.groupState]);

  it('v5 answers Dead with no error, v6 GROUP_ID_NOT_FOUND with its message', () => {
    assert.deepStrictEqual(ask(5), [[0, null, 'Dead']]);
    assert.deepStrictEqual(ask(6), [[69, 'there is no group "g"', 'Dead']]);
  });
});
