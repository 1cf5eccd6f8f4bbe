// DescribeGroups (key 15) over the wire, v0-4: a stable group with its state, protocol and members (client
// id, address, subscription and assignment bytes); an unknown group is Dead with error 0, as Kafka answers.
import * as assert from 'assert';
import type { Wire } from './harness';
import { openWire } from './harness';
import { describeGroups, soloMember } from './group-frames';

describe('DescribeGroups (key 15) over the wire', () => {
  let wire: Wire;
  beforeEach(async () => (wire = await openWire()));
  afterEach(async () => wire.close());

  it('every version v0-4 describes a stable group and an unknown one, in the order asked', async () => {
    const [member] = await soloMember(wire, 'live', 'the-plan');
    for (let v = 0; v <= 4; v++) {
      assert.deepStrictEqual(
        await describeGroups(wire, v, ['nope', 'live']),
        [
          { errorCode: 0, groupId: 'nope', state: 'Dead', protocolType: '', protocol: '', members: [] },
          {
            errorCode: 0,
            groupId: 'live',
            state: 'Stable',
            protocolType: 'consumer',
            protocol: 'range',
            members: [
              {
                memberId: member,
                groupInstanceId: null,
                clientId: 'test-client',
                clientHost: '/127.0.0.1',
                metadata: 'meta',
                assignment: 'the-plan',
              },
            ],
          },
        ],
        `v${v}`,
      );
    }
  });
});
