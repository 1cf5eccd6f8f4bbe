// ListGroups (key 16) v4/v5 over the wire against a real broker, frames built from Kafka's message spec: each
// group's state (v4) and type (v5), filtered by the states and types the request names (case-insensitively).
// ListGroups (key 16) over the wire, v0-2: live groups and groups known only from committed offsets, each with
// its protocol type.
import * as assert from 'assert';
import { ErrorCode } from '../../../../src/broker/errors';
import { GroupWire, stableStaticGroup } from './group-wire';
import type { Wire } from './harness';
import { openWire } from './harness';
import { listGroups, soloMember } from './group-frames';

describe('ListGroups API: states (v4) and types (v5)', () => {
  let wire: GroupWire;
  beforeEach(async () => {
    wire = await GroupWire.open();
    await wire.broker.createTopic('t', 1);
    await wire.broker.commitOffsets('idle', '', -1, [{ topic: 't', partition: 0, offset: 1, metadata: null }]);
    await stableStaticGroup(wire, 'busy');
  });
  afterEach(() => wire.close());

  async function list(version: 4 | 5, states: string[], types: string[] = []): Promise<string[][]> {
    const d = await wire.call(16, version, true, (e) => {
      e.len(states.length);
      for (const s of states) e.str(s);
      if (version >= 5) {
        e.len(types.length);
        for (const t of types) e.str(t);
      }
      e.tags();
    });
    d.i32();
    assert.strictEqual(d.i16(), 0);
    const groups = d.many(() => {
      const row = [d.str(), d.str(), d.str()];
      if (version >= 5) row.push(d.str());
      d.tags();
      return row;
    });
    d.tags();
    d.end();
    return groups;
  }

  it('v4 answers every group with its state and keeps only the states asked for', async () => {
    assert.deepStrictEqual(await list(4, []), [
      ['busy', 'consumer', 'Stable'],
      ['idle', '', 'Empty'],
    ]);
    assert.deepStrictEqual(await list(4, ['stable']), [['busy', 'consumer', 'Stable']]);
    assert.deepStrictEqual(await list(4, ['Empty', 'Dead']), [['idle', '', 'Empty']]);
  });

  it('v5 answers the classic type and filters by type', async () => {
    assert.deepStrictEqual(await list(5, [], ['classic']), [
      ['busy', 'consumer', 'Stable', 'classic'],
      ['idle', '', 'Empty', 'classic'],
    ]);
    assert.deepStrictEqual(await list(5, [], ['consumer', 'share']), []);
    assert.deepStrictEqual(await list(5, ['Empty'], ['Classic']), [['idle', '', 'Empty', 'classic']]);
  });
});

describe('ListGroups (key 16) over the wire', () => {
  let wire: Wire;
  beforeEach(async () => (wire = await openWire()));
  afterEach(async () => wire.close());

  it('every version v0-2 lists a live group and a group that only has committed offsets', async () => {
    await wire.broker.createTopic('t', 1);
    await soloMember(wire, 'live');
    await wire.broker.commitOffsets('offsets-only', '', -1, [{ topic: 't', partition: 0, offset: 3, metadata: null }]);
    for (let v = 0; v <= 2; v++) {
      assert.deepStrictEqual(await listGroups(wire, v), {
        errorCode: 0,
        groups: ['live:consumer', 'offsets-only:'],
      });
    }
  });
});

describe('ListGroups API: an unexpected engine failure', () => {
  let wire: GroupWire;
  beforeEach(async () => (wire = await GroupWire.open()));
  afterEach(() => wire.close());

  /** The failure is logged as an error naming the request and what went wrong. */
  const logged = (what: string, message: string) =>
    assert.ok(
      wire.logs.some((l) => l.startsWith('error ') && l.includes(what) && l.includes(message)),
      `an error log names ${what}: ${wire.logs.join(' | ')}`,
    );

  it('is answered UNKNOWN_SERVER_ERROR (-1) with no groups, and logged', async () => {
    const message = wire.failEngine('listGroups');
    const d = await wire.call(16, 4, true, (e) => e.len(0).tags());
    assert.strictEqual(d.i32(), 0);
    assert.strictEqual(d.i16(), ErrorCode.UNKNOWN_SERVER_ERROR);
    assert.strictEqual(d.len(), 0);
    d.tags();
    d.end();
    logged('ListGroups', message);
  });
});
