// OffsetCommit (key 8) over the wire against a real broker, frames built from Kafka's message spec: the committed
// leader epoch (v6+) is stored with the offset and read back by OffsetFetch v5+, v9 (flexible) answers
// GROUP_ID_NOT_FOUND where v8 answers ILLEGAL_GENERATION for a generation commit to a group that does not exist.
// OffsetCommit (key 8) over the wire, v0-7: every version's request layout stores offset and metadata as sent
// (v0 as a simple commit without generation); errors come back per partition in request order.
import * as assert from 'assert';
import { ErrorCode } from '../../../../src/broker/errors';
import type { Dec, Enc } from './group-wire';
import { GroupWire } from './group-wire';
import type { Writer } from '../../../../src/protocol/codec/writer';
import type { Wire } from './harness';
import { openWire } from './harness';
import { soloMember } from './group-frames';

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

  it('v9: a member id alone or generation 0 alone makes it a member commit, refused for a group that does not exist', async () => {
    assert.deepStrictEqual(await commit(9, 'nobody', -1, 'm-1', [[0, 5, 0, null]]), [ErrorCode.GROUP_ID_NOT_FOUND]);
    assert.deepStrictEqual(await commit(9, 'nobody', 0, '', [[0, 5, 0, null]]), [ErrorCode.GROUP_ID_NOT_FOUND]);
    assert.strictEqual(wire.broker.groupExists('nobody'), false);
    assert.deepStrictEqual(await commit(9, 'nobody', -1, '', [[0, 5, 0, null]]), [0], 'a simple commit creates it');
  });

  it('an unexpected engine failure answers UNKNOWN_SERVER_ERROR (-1) for every partition and is logged', async () => {
    wire.failEngine('commitOffsets');
    assert.deepStrictEqual(
      await commit(8, 'g', -1, '', [
        [0, 5, 0, null],
        [1, 6, 0, null],
      ]),
      [-1, -1],
    );
    assert.ok(
      wire.logs.some((l) => l.startsWith('error ') && l.includes('OffsetCommit "g"')),
      wire.logs.join(' | '),
    );
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

type Commit = [topic: string, partition: number, offset: number, metadata: string | null];

describe('OffsetCommit (key 8) over the wire', () => {
  let wire: Wire;
  beforeEach(async () => {
    wire = await openWire();
    await wire.broker.createTopic('t', 2);
    await wire.broker.createTopic('u', 1);
  });
  afterEach(async () => wire.close());

  /** Commits grouped by topic in the order given; returns [topic, partition, errorCode] in answer order. */
  async function commit(
    version: number,
    groupId: string,
    commits: Commit[],
    member = { id: '', generation: -1 },
  ): Promise<[string, number, number][]> {
    const topics = [...new Set(commits.map((c) => c[0]))];
    const body = (w: Writer) => {
      w.string(groupId);
      if (version >= 1) w.int32(member.generation).string(member.id);
      if (version >= 7) w.nullableString(null);
      if (version >= 2 && version <= 4) w.int64(-1);
      w.arrayLength(topics.length);
      for (const t of topics) {
        const parts = commits.filter((c) => c[0] === t);
        w.string(t).arrayLength(parts.length);
        for (const [, p, o, m] of parts) {
          w.int32(p).int64(o);
          if (version >= 6) w.int32(-1);
          if (version === 1) w.int64(-1);
          w.nullableString(m);
        }
      }
    };
    const r = await wire.call(8, version, body);
    if (version >= 3) assert.strictEqual(r.int32(), 0, 'throttle time');
    const out: [string, number, number][] = [];
    const nt = r.arrayLength();
    for (let i = 0; i < nt; i++) {
      const name = r.string();
      const np = r.arrayLength();
      for (let j = 0; j < np; j++) out.push([name, r.int32(), r.int16()]);
    }
    assert.strictEqual(r.remaining, 0, `v${version}: nothing after the last field`);
    return out;
  }

  const stored = (groupId: string) =>
    wire.broker.fetchOffsets(groupId, null).map((c) => [c.topic, c.partition, c.offset, c.metadata]);

  it('every version v0-7 stores each offset with its metadata as sent (simple commits, no generation)', async () => {
    for (let v = 0; v <= 7; v++) {
      const groupId = `c${v}`;
      assert.deepStrictEqual(
        await commit(v, groupId, [
          ['t', 0, 10 + v, `m${v}`],
          ['t', 1, 20 + v, null],
          ['u', 0, 30 + v, ''],
        ]),
        [
          ['t', 0, 0],
          ['t', 1, 0],
          ['u', 0, 0],
        ],
        `v${v}`,
      );
      const got = stored(groupId);
      assert.deepStrictEqual(
        got.map((c) => c.slice(0, 3)),
        [
          ['t', 0, 10 + v],
          ['t', 1, 20 + v],
          ['u', 0, 30 + v],
        ],
        `v${v}`,
      );
      assert.strictEqual(got[0][3], `m${v}`);
    }
  });

  it('a member commits with its generation; a wrong generation is refused for every partition', async () => {
    const [id, generation] = await soloMember(wire, 'members');
    assert.deepStrictEqual(await commit(2, 'members', [['t', 0, 5, null]], { id, generation }), [['t', 0, 0]]);
    assert.deepStrictEqual(
      await commit(
        2,
        'members',
        [
          ['t', 0, 6, null],
          ['u', 0, 6, null],
        ],
        { id, generation: generation + 1 },
      ),
      [
        ['t', 0, ErrorCode.ILLEGAL_GENERATION],
        ['u', 0, ErrorCode.ILLEGAL_GENERATION],
      ],
    );
    assert.deepStrictEqual(stored('members'), [['t', 0, 5, null]]);
  });

  it('an unknown partition is refused on its own while the others in the request are stored', async () => {
    assert.deepStrictEqual(
      await commit(5, 'mixed', [
        ['t', 0, 1, null],
        ['t', 9, 1, null],
        ['ghost', 0, 1, null],
        ['u', 0, 2, null],
      ]),
      [
        ['t', 0, 0],
        ['t', 9, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
        ['ghost', 0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
        ['u', 0, 0],
      ],
    );
    assert.deepStrictEqual(
      stored('mixed').map((c) => c.slice(0, 3)),
      [
        ['t', 0, 1],
        ['u', 0, 2],
      ],
    );
  });
});
