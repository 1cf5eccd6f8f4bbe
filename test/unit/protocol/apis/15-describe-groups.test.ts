// DescribeGroups (key 15) v5/v6 over the wire against a real broker, frames built from Kafka's message spec: v6
// answers an unknown group GROUP_ID_NOT_FOUND with a message (KIP-1043) where v5 describes it as Dead with no
// error; a group known only from committed offsets is Empty.
// DescribeGroups (key 15) over the wire, v0-4: a stable group with its state, protocol and members (client
// id, address, subscription and assignment bytes); an unknown group is Dead with error 0, as Kafka answers.
import * as assert from 'assert';
import { ErrorCode, KafkaError } from '../../../../src/broker/errors';
import { GroupWire, stableStaticGroup } from './group-wire';
import type { Wire } from './harness';
import { openWire } from './harness';
import { describeGroups, joinGroup, soloMember } from './group-frames';

describe('DescribeGroups API: v5 (flexible) and v6 (error message)', () => {
  let wire: GroupWire;
  beforeEach(async () => {
    wire = await GroupWire.open();
    await wire.broker.createTopic('t', 1);
    await wire.broker.commitOffsets('offsets-only', '', -1, [{ topic: 't', partition: 0, offset: 1, metadata: null }]);
  });
  afterEach(() => wire.close());

  async function describe_(version: 5 | 6, groups: string[]) {
    const d = await wire.call(15, version, true, (e) => {
      e.len(groups.length);
      for (const g of groups) e.str(g);
      e.bool(false).tags();
    });
    d.i32();
    const out = d.many(() => {
      const errorCode = d.i16();
      const errorMessage = version >= 6 ? d.nstr() : null;
      const g = {
        errorCode,
        errorMessage,
        groupId: d.str(),
        state: d.str(),
        protocolType: d.str(),
        protocol: d.str(),
        members: d.many(() => {
          const m = { memberId: d.str(), instance: d.nstr(), clientId: d.str(), host: d.str() };
          d.bytes();
          d.bytes();
          d.tags();
          return m;
        }),
      };
      d.i32(); // authorized operations
      d.tags();
      return g;
    });
    d.tags();
    d.end();
    return out;
  }

  it('v6 answers an unknown group GROUP_ID_NOT_FOUND with a message; v5 describes it as Dead without an error', async () => {
    const [v6] = await describe_(6, ['missing']);
    assert.strictEqual(v6.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
    assert.match(v6.errorMessage ?? '', /missing/);
    const [v5] = await describe_(5, ['missing']);
    assert.deepStrictEqual([v5.errorCode, v5.state], [0, 'Dead']);
  });

  it('v6 describes a live group with its static member and a group known only from offsets as Empty', async () => {
    const m = await stableStaticGroup(wire, 'live');
    const [live, offsetsOnly] = await describe_(6, ['live', 'offsets-only']);
    assert.deepStrictEqual(
      [live.errorCode, live.errorMessage, live.state, live.protocolType, live.protocol],
      [0, null, 'Stable', 'consumer', 'range'],
    );
    assert.deepStrictEqual(
      live.members.map((x) => [x.memberId, x.instance]),
      [[m.memberId, 'i1']],
    );
    assert.deepStrictEqual(
      [offsetsOnly.errorCode, offsetsOnly.state, offsetsOnly.protocolType, offsetsOnly.members.length],
      [0, 'Empty', '', 0],
    );
  });
});

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

  it('a group still rebalancing (joined, not synced) shows no protocol and no member metadata or assignment', async () => {
    const j = await joinGroup(wire, 1, { groupId: 'pending', protocols: [['range', 'meta']] });
    assert.strictEqual(j.errorCode, 0);
    const [g] = await describeGroups(wire, 4, ['pending']);
    assert.notStrictEqual(g.state, 'Stable');
    assert.deepStrictEqual(
      [g.errorCode, g.protocolType, g.protocol, g.members.map((m) => [m.memberId, m.metadata, m.assignment])],
      [0, 'consumer', '', [[j.memberId, '', '']]],
    );
  });
});

describe('DescribeGroups API: an unexpected engine failure', () => {
  let wire: GroupWire;
  beforeEach(async () => (wire = await GroupWire.open()));
  afterEach(() => wire.close());

  /** The failure is logged as an error naming the request and what went wrong. */
  const logged = (what: string, message: string) =>
    assert.ok(
      wire.logs.some((l) => l.startsWith('error ') && l.includes(what) && l.includes(message)),
      `an error log names ${what}: ${wire.logs.join(' | ')}`,
    );

  it('is answered per group with UNKNOWN_SERVER_ERROR (-1) and its message, and logged', async () => {
    const message = wire.failEngine('describeGroup');
    const d = await wire.call(15, 6, true, (e) => e.len(1).str('g').bool(false).tags());
    assert.strictEqual(d.i32(), 0);
    const [g] = d.many(() => {
      const row = [d.i16(), d.nstr(), d.str(), d.str(), d.str(), d.str(), d.len(), d.i32()];
      d.tags();
      return row;
    });
    d.tags();
    d.end();
    assert.deepStrictEqual(g, [ErrorCode.UNKNOWN_SERVER_ERROR, message, 'g', 'Dead', '', '', 0, -2147483648]);
    logged('DescribeGroups "g"', message);
  });

  it('v5 (no message field) answers the failure UNKNOWN_SERVER_ERROR (-1) too, not an empty Dead group', async () => {
    wire.failEngine('describeGroup');
    const d = await wire.call(15, 5, true, (e) => e.len(1).str('g').bool(false).tags());
    assert.strictEqual(d.i32(), 0);
    const [g] = d.many(() => {
      const row = [d.i16(), d.str(), d.str(), d.str(), d.str(), d.len(), d.i32()];
      d.tags();
      return row;
    });
    d.tags();
    d.end();
    assert.deepStrictEqual(g, [ErrorCode.UNKNOWN_SERVER_ERROR, 'g', 'Dead', '', '', 0, -2147483648]);
    // a Kafka error other than GROUP_ID_NOT_FOUND keeps its code at v5 too
    wire.broker.describeGroup = () => {
      throw new KafkaError(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, 'loading');
    };
    const d2 = await wire.call(15, 5, true, (e) => e.len(1).str('g').bool(false).tags());
    d2.i32();
    const [code] = d2.many(() => {
      const c = d2.i16();
      d2.str();
      d2.str();
      d2.str();
      d2.str();
      d2.len();
      d2.i32();
      d2.tags();
      return c;
    });
    assert.strictEqual(code, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  });
});
