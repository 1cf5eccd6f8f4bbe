// OffsetFetch (key 9) v8/v9 over the wire against a real broker, frames built from Kafka's message spec: several
// groups in one request, each answered with its own offsets, leader epochs and error code; requireStable is
// accepted and never answered UNSTABLE_OFFSET_COMMIT (Kafka Lite has no transactions, so nothing is pending).
// OffsetFetch (key 9) over the wire, v1-5: committed offsets and metadata per asked partition; a partition or
// topic without a commit answers -1 and ""; a null topic list (v2+) means everything the group committed.
import * as assert from 'assert';
import { GroupWire } from './group-wire';
import type { Writer } from '../../../../src/protocol/codec/writer';
import type { Wire } from './harness';
import { openWire } from './harness';

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

  it('an unexpected engine failure answers that group UNKNOWN_SERVER_ERROR (-1) with no topics, and is logged', async () => {
    wire.failEngine('fetchOffsets');
    const answers = await fetch(
      8,
      [
        ['a', [['t', [0]]]],
        ['b', null],
      ],
      false,
    );
    assert.deepStrictEqual(answers, [
      ['a', [], -1],
      ['b', [], -1],
    ]);
    assert.ok(
      wire.logs.some((l) => l.startsWith('error ') && l.includes('OffsetFetch "a"')),
      wire.logs.join(' | '),
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

describe('OffsetFetch API: pending transactional commits and offset 0', () => {
  let wire: GroupWire;
  beforeEach(async () => {
    wire = await GroupWire.open();
    await wire.broker.createTopic('t', 2);
  });
  afterEach(() => wire.close());

  it('v8 requireStable: a partition with a pending transactional commit answers UNSTABLE_OFFSET_COMMIT, -1, -1 and ""; offset 0 keeps its leader epoch', async () => {
    const b = wire.broker;
    await b.commitOffsets('a', '', -1, [
      { topic: 't', partition: 0, offset: 0, metadata: 'zero', leaderEpoch: 4 },
      { topic: 't', partition: 1, offset: 5, metadata: 'five', leaderEpoch: 2 },
    ]);
    const { producerId, producerEpoch } = await b.initProducerId('tx');
    await b.addOffsetsToTxn('tx', producerId, producerEpoch, 'a');
    const codes = await b.txnOffsetCommit({
      transactionalId: 'tx',
      groupId: 'a',
      producerId,
      producerEpoch,
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      offsets: [{ topic: 't', partition: 1, offset: 77, metadata: 'pending', leaderEpoch: 2 }],
    });
    assert.deepStrictEqual(
      codes.map((c) => c.errorCode),
      [0],
    );
    const d = await wire.call(9, 8, true, (e) => {
      e.len(1).str('a').len(1).str('t').len(2).i32(0).i32(1).tags().tags();
      e.bool(true).tags();
    });
    d.i32();
    const rows: Row[] = [];
    d.many(() => {
      d.str();
      d.many(() => {
        const name = d.str();
        d.many(() => {
          rows.push([name, d.i32(), d.i64(), d.i32(), d.nstr(), d.i16()]);
          d.tags();
        });
        d.tags();
      });
      assert.strictEqual(d.i16(), 0, 'group error code');
      d.tags();
    });
    d.tags();
    d.end();
    assert.deepStrictEqual(rows, [
      ['t', 0, 0, 4, 'zero', 0],
      ['t', 1, -1, -1, '', 88],
    ]);
  });
});

type OldRow = [topic: string, partition: number, offset: number, metadata: string | null, errorCode: number];

describe('OffsetFetch (key 9) over the wire', () => {
  let wire: Wire;
  beforeEach(async () => {
    wire = await openWire();
    await wire.broker.createTopic('t', 2);
    await wire.broker.createTopic('u', 1);
    await wire.broker.commitOffsets('g', '', -1, [
      { topic: 't', partition: 1, offset: 42, metadata: 'hello' },
      { topic: 'u', partition: 0, offset: 7, metadata: null },
    ]);
  });
  afterEach(async () => wire.close());

  async function offsetFetch(version: number, topics: [string, number[]][] | null): Promise<OldRow[]> {
    const body = (w: Writer) => {
      w.string('g');
      if (topics === null) w.int32(-1);
      else {
        w.arrayLength(topics.length);
        for (const [name, parts] of topics) {
          w.string(name).arrayLength(parts.length);
          for (const p of parts) w.int32(p);
        }
      }
    };
    const r = await wire.call(9, version, body);
    if (version >= 3) assert.strictEqual(r.int32(), 0, 'throttle time');
    const rows: OldRow[] = [];
    const nt = r.arrayLength();
    for (let i = 0; i < nt; i++) {
      const name = r.string();
      const np = r.arrayLength();
      for (let j = 0; j < np; j++) {
        const partition = r.int32();
        const offset = r.int64();
        if (version >= 5) assert.strictEqual(r.int32(), -1, 'leader epoch');
        rows.push([name, partition, offset, r.nullableString(), r.int16()]);
      }
    }
    if (version >= 2) assert.strictEqual(r.int16(), 0, 'top-level error code');
    assert.strictEqual(r.remaining, 0, `v${version}: nothing after the last field`);
    return rows;
  }

  it('every version v1-5 answers the asked partitions, -1 and "" where nothing was committed', async () => {
    for (let v = 1; v <= 5; v++) {
      const rows = await offsetFetch(v, [
        ['t', [0, 1]],
        ['u', [0]],
        ['never', [3]],
      ]);
      assert.deepStrictEqual(
        rows.sort(),
        [
          ['never', 3, -1, '', 0],
          ['t', 0, -1, '', 0],
          ['t', 1, 42, 'hello', 0],
          ['u', 0, 7, '', 0],
        ],
        `v${v}`,
      );
    }
  });

  it('a null topic list (v2+) answers every partition the group committed', async () => {
    assert.deepStrictEqual((await offsetFetch(2, null)).sort(), [
      ['t', 1, 42, 'hello', 0],
      ['u', 0, 7, '', 0],
    ]);
  });
});
