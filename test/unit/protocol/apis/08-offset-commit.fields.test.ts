// OffsetCommit (key 8) over the wire, v0-7: every version's request layout stores offset and metadata as sent
// (v0 as a simple commit without generation); errors come back per partition in request order.
import * as assert from 'assert';
import { ErrorCode } from '../../../../src/broker/errors';
import type { Writer } from '../../../../src/protocol/codec/writer';
import type { Wire } from './harness';
import { openWire } from './harness';
import { soloMember } from './group-frames';

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
