// OffsetCommit (key 8) over the wire against a real broker, frames built from Kafka's message spec: the committed
// leader epoch (v6+) is stored with the offset and read back by OffsetFetch v5+, v9 (flexible) answers
// GROUP_ID_NOT_FOUND where v8 answers ILLEGAL_GENERATION for a generation commit to a group that does not exist.
import * as assert from 'assert';
import { ErrorCode } from '../../../../src/broker/errors';
import type { Dec, Enc } from './group-wire';
import { GroupWire } from './group-wire';

describe('OffsetCommit API: leader epoch and v9', () => {
  let wire: GroupWire;
  beforeEach(async () => {
    wire = await GroupWire.open();
    await wire.broker.createTopic('t', 2);
  });
  afterEach(() => wire.close());

  /** OffsetCommit v6 (classic) or v8/v9 (flexible) of partitions [index, offset, epoch, metadata]; returns codes. */
  async function commit(
    version: 6 | 8 | 9,
    groupId: string,
    generation: number,
    memberId: string,
    parts: [number, number, number, string | null][],
  ): Promise<number[]> {
    const flexible = version >= 8;
    const d = await wire.call(8, version, flexible, (e: Enc) => {
      e.str(groupId).i32(generation).str(memberId);
      if (version >= 7) e.nstr(null); // groupInstanceId
      e.len(1).str('t').len(parts.length);
      for (const [p, offset, epoch, metadata] of parts) e.i32(p).i64(offset).i32(epoch).nstr(metadata).tags();
      e.tags().tags();
    });
    d.i32(); // throttle time
    const codes: number[] = [];
    d.many(() => {
      assert.strictEqual(d.str(), 't');
      d.many(() => {
        d.i32();
        codes.push(d.i16());
        d.tags();
      });
      d.tags();
    });
    d.tags();
    d.end();
    return codes;
  }

  /** OffsetFetch v5 (classic) of partitions 0 and 1 of t: [partition, offset, leader epoch, metadata][]. */
  async function fetchV5(groupId: string): Promise<[number, number, number, string | null][]> {
    const d: Dec = await wire.call(9, 5, false, (e) => e.str(groupId).len(1).str('t').len(2).i32(0).i32(1));
    d.i32();
    const out: [number, number, number, string | null][] = [];
    d.many(() => {
      d.str();
      d.many(() => {
        const row: [number, number, number, string | null] = [d.i32(), d.i64(), d.i32(), d.nstr()];
        assert.strictEqual(d.i16(), 0);
        out.push(row);
      });
    });
    assert.strictEqual(d.i16(), 0, 'top-level error code');
    d.end();
    return out;
  }

  it('v9 stores the committed leader epoch with the offset and OffsetFetch v5 returns it (-1 where none was sent)', async () => {
    assert.deepStrictEqual(
      await commit(9, 'g', -1, '', [
        [0, 50, 2, 'm'],
        [1, 7, -1, null],
      ]),
      [0, 0],
    );
    assert.deepStrictEqual(await fetchV5('g'), [
      [0, 50, 2, 'm'],
      [1, 7, -1, ''],
    ]);
  });

  it('v6 (classic) carries the leader epoch too, and a later commit without one resets it to -1', async () => {
    assert.deepStrictEqual(await commit(6, 'g6', -1, '', [[0, 10, 4, null]]), [0]);
    assert.deepStrictEqual((await fetchV5('g6'))[0], [0, 10, 4, '']);
    assert.deepStrictEqual(await commit(6, 'g6', -1, '', [[0, 11, -1, null]]), [0]);
    assert.deepStrictEqual((await fetchV5('g6'))[0], [0, 11, -1, '']);
  });

  it('a commit with a generation to a group that does not exist: v9 GROUP_ID_NOT_FOUND, v8 ILLEGAL_GENERATION', async () => {
    assert.deepStrictEqual(await commit(9, 'nobody', 3, 'm-1', [[0, 5, 0, null]]), [ErrorCode.GROUP_ID_NOT_FOUND]);
    assert.deepStrictEqual(await commit(8, 'nobody', 3, 'm-1', [[0, 5, 0, null]]), [ErrorCode.ILLEGAL_GENERATION]);
    assert.deepStrictEqual(await fetchV5('nobody'), [
      [0, -1, -1, ''],
      [1, -1, -1, ''],
    ]);
  });
});
