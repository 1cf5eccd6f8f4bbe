// DeleteGroups (key 42) v2 (flexible) over the wire against a real broker, frames built from Kafka's message spec.
// DeleteGroups (key 42) over the wire, v0-1: an empty group is deleted with its offsets; a group with members
// gets NON_EMPTY_GROUP; an unknown one GROUP_ID_NOT_FOUND; each answered in request order.
import * as assert from 'assert';
import { ErrorCode } from '../../../../src/broker/errors';
import { GroupWire, stableStaticGroup } from './group-wire';
import type { Wire } from './harness';
import { openWire } from './harness';
import { deleteGroups, listGroups, soloMember } from './group-frames';

describe('DeleteGroups API: v2 (flexible)', () => {
  let wire: GroupWire;
  beforeEach(async () => {
    wire = await GroupWire.open();
    await wire.broker.createTopic('t', 1);
    await wire.broker.commitOffsets('idle', '', -1, [{ topic: 't', partition: 0, offset: 1, metadata: null }]);
  });
  afterEach(() => wire.close());

  it('v2 deletes an empty group with its offsets and refuses a group with members and an unknown group', async () => {
    await stableStaticGroup(wire, 'busy');
    const d = await wire.call(42, 2, true, (e) => e.len(3).str('idle').str('busy').str('nope').tags());
    d.i32();
    const results = d.many(() => {
      const r = [d.str(), d.i16()];
      d.tags();
      return r;
    });
    d.tags();
    d.end();
    assert.deepStrictEqual(results, [
      ['idle', 0],
      ['busy', ErrorCode.NON_EMPTY_GROUP],
      ['nope', ErrorCode.GROUP_ID_NOT_FOUND],
    ]);
    assert.deepStrictEqual(wire.broker.fetchOffsets('idle', null), []);
  });
});

describe('DeleteGroups (key 42) over the wire', () => {
  let wire: Wire;
  beforeEach(async () => (wire = await openWire()));
  afterEach(async () => wire.close());

  it('deletes an empty group with its offsets and refuses a live or unknown group, per group, in v0 and v1', async () => {
    await wire.broker.createTopic('t', 1);
    await soloMember(wire, 'busy');
    for (let v = 0; v <= 1; v++) {
      const idle = `idle${v}`;
      await wire.broker.commitOffsets(idle, '', -1, [{ topic: 't', partition: 0, offset: 1, metadata: null }]);
      assert.deepStrictEqual(await deleteGroups(wire, v, [idle, 'busy', 'ghost']), [
        [idle, 0],
        ['busy', ErrorCode.NON_EMPTY_GROUP],
        ['ghost', ErrorCode.GROUP_ID_NOT_FOUND],
      ]);
      assert.deepStrictEqual(wire.broker.fetchOffsets(idle, null), []);
    }
    assert.deepStrictEqual((await listGroups(wire, 0)).groups, ['busy:consumer']);
  });
});

describe('DeleteGroups API: an unexpected engine failure', () => {
  let wire: GroupWire;
  beforeEach(async () => (wire = await GroupWire.open()));
  afterEach(() => wire.close());

  /** The failure is logged as an error naming the request and what went wrong. */
  const logged = (what: string, message: string) =>
    assert.ok(
      wire.logs.some((l) => l.startsWith('error ') && l.includes(what) && l.includes(message)),
      `an error log names ${what}: ${wire.logs.join(' | ')}`,
    );

  it('is answered UNKNOWN_SERVER_ERROR (-1) for each group, and logged with each', async () => {
    const message = wire.failEngine('deleteGroup');
    const d = await wire.call(42, 2, true, (e) => e.len(2).str('a').str('b').tags());
    assert.strictEqual(d.i32(), 0);
    const results = d.many(() => {
      const r = [d.str(), d.i16()];
      d.tags();
      return r;
    });
    d.tags();
    d.end();
    assert.deepStrictEqual(results, [
      ['a', ErrorCode.UNKNOWN_SERVER_ERROR],
      ['b', ErrorCode.UNKNOWN_SERVER_ERROR],
    ]);
    logged('DeleteGroups "a"', message);
    logged('DeleteGroups "b"', message);
  });
});
