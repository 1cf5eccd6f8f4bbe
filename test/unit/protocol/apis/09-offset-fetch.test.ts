// OffsetFetch (key 9) v8/v9 over the wire against a real broker, frames built from Kafka's message spec: several
// groups in one request, each answered with its own offsets, leader epochs and error code; requireStable is
// accepted and never answered UNSTABLE_OFFSET_COMMIT (Kafka Lite has no transactions, so nothing is pending).
import * as assert from 'assert';
import { GroupWire } from './group-wire';

type Row = [topic: string, partition: number, offset: number, epoch: number, metadata: string | null, code: number];

describe('OffsetFetch API: multi-group v8+ and requireStable', () => {
  let wire: GroupWire;
  beforeEach(async () => {
    wire = await GroupWire.open();
    await wire.broker.createTopic('t', 2);
    await wire.broker.commitOffsets('a', '', -1, [
      { topic: 't', partition: 0, offset: 50, metadata: 'x', leaderEpoch: 3 },
    ]);
    await wire.broker.commitOffsets('b', '', -1, [{ topic: 't', partition: 1, offset: 9, metadata: null }]);
  });
  afterEach(() => wire.close());

  /** OffsetFetch v8 or v9: groups with their topics (null = all); returns [groupId, rows, groupErrorCode][]. */
  async function fetch(
    version: 8 | 9,
    groups: [string, [string, number[]][] | null][],
    requireStable: boolean,
  ): Promise<[string, Row[], number][]> {
    const d = await wire.call(9, version, true, (e) => {
      e.len(groups.length);
      for (const [groupId, topics] of groups) {
        e.str(groupId);
        if (version >= 9) e.nstr(null).i32(-1); // memberId, memberEpoch (new consumer protocol only)
        if (topics === null) e.len(null);
        else {
          e.len(topics.length);
          for (const [name, parts] of topics) {
            e.str(name).len(parts.length);
            for (const p of parts) e.i32(p);
            e.tags();
          }
        }
        e.tags();
      }
      e.bool(requireStable).tags();
    });
    d.i32(); // throttle time
    const out = d.many((): [string, Row[], number] => {
      const groupId = d.str();
      const rows: Row[] = [];
      d.many(() => {
        const name = d.str();
        d.many(() => {
          rows.push([name, d.i32(), d.i64(), d.i32(), d.nstr(), d.i16()]);
          d.tags();
        });
        d.tags();
      });
      const code = d.i16();
      d.tags();
      return [groupId, rows, code];
    });
    d.tags();
    d.end();
    return out;
  }

  it('v8 answers each group of the request with its own offsets and leader epochs, in request order', async () => {
    assert.deepStrictEqual(
      await fetch(
        8,
        [
          ['b', [['t', [0, 1]]]],
          ['a', null],
          ['unknown', [['t', [0]]]],
        ],
        false,
      ),
      [
        [
          'b',
          [
            ['t', 0, -1, -1, '', 0],
            ['t', 1, 9, -1, '', 0],
          ],
          0,
        ],
        ['a', [['t', 0, 50, 3, 'x', 0]], 0],
        ['unknown', [['t', 0, -1, -1, '', 0]], 0],
      ],
    );
  });

  it('v9 with requireStable answers the committed offsets, never UNSTABLE_OFFSET_COMMIT', async () => {
    assert.deepStrictEqual(
      await fetch(
        9,
        [
          ['a', null],
          ['b', null],
        ],
        true,
      ),
      [
        ['a', [['t', 0, 50, 3, 'x', 0]], 0],
        ['b', [['t', 1, 9, -1, '', 0]], 0],
      ],
    );
  });
});
