// TxnOffsetCommit (key 28) v0-v4 over the wire, with OffsetFetch v7/v8 RequireStable: offsets a transaction holds
// are not committed until it commits (UNSTABLE_OFFSET_COMMIT for RequireStable readers meanwhile, the old offset
// for the others), dropped on abort; v3+ generation, member and instance ids are checked against the group; the
// group must have been added with AddOffsetsToTxn; a fenced producer is INVALID_PRODUCER_EPOCH.
import * as assert from 'assert';
import { ErrorCode } from '../../../../src/broker/errors';
import type { TxnWire } from './txn-frames';
import {
  addOffsets,
  endTxn,
  initProducerId,
  offsetFetchV7,
  offsetFetchV8,
  openTxnWire,
  txnOffsetCommit,
} from './txn-frames';

describe('TxnOffsetCommit API v0-v4 on the wire', () => {
  let t: TxnWire;
  beforeEach(async () => {
    t = await openTxnWire();
    await t.wire.broker.createTopic('orders', 2);
  });
  afterEach(() => t.wire.close());

  const begin = async (groupId = 'g') => {
    const p = await initProducerId(t.wire, 3, 'tx');
    assert.strictEqual(await addOffsets(t.wire, 3, 'tx', p.producerId, p.producerEpoch, groupId), 0);
    return p;
  };

  /** A member of a group (joined and synced in-process): its member id and generation. */
  const member = async (groupId: string, instanceId: string | null = null) => {
    const joining = t.wire.broker.joinGroup({
      groupId,
      memberId: '',
      groupInstanceId: instanceId,
      sessionTimeoutMs: 30000,
      rebalanceTimeoutMs: 30000,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
      clientId: 'c',
      clientHost: '127.0.0.1',
      requireKnownMemberId: false,
    });
    t.clock.advance(0);
    const j = await joining;
    assert.strictEqual(j.errorCode, 0);
    const s = await t.wire.broker.syncGroup({
      groupId,
      generationId: j.generationId,
      memberId: j.memberId,
      groupInstanceId: instanceId,
      protocolType: 'consumer',
      protocolName: 'range',
      assignments: [{ memberId: j.memberId, assignment: Buffer.alloc(0) }],
    });
    assert.strictEqual(s.errorCode, 0);
    return { memberId: j.memberId, generationId: j.generationId };
  };

  for (const version of [0, 1, 2, 3, 4]) {
    it(`v${version}: held offsets are invisible to RequireStable readers (88) until EndTxn commits them`, async () => {
      await t.wire.broker.commitOffsets('g', '', -1, [{ topic: 'orders', partition: 0, offset: 3, metadata: null }]);
      const p = await begin();
      const got = await txnOffsetCommit(t.wire, version, {
        id: 'tx',
        groupId: 'g',
        producerId: p.producerId,
        producerEpoch: p.producerEpoch,
        offsets: [['orders', 0, 10, 'm']],
      });
      assert.deepStrictEqual(got, [['orders', [[0, 0]]]]);
      assert.deepStrictEqual((await offsetFetchV7(t.wire, 'g', 'orders', [0, 1], true)).partitions, [
        [0, -1, ErrorCode.UNSTABLE_OFFSET_COMMIT],
        [1, -1, 0],
      ]);
      assert.deepStrictEqual((await offsetFetchV7(t.wire, 'g', 'orders', [0], false)).partitions, [[0, 3, 0]]);
      assert.strictEqual(await endTxn(t.wire, 3, 'tx', p.producerId, p.producerEpoch, true), 0);
      assert.deepStrictEqual((await offsetFetchV7(t.wire, 'g', 'orders', [0], true)).partitions, [[0, 10, 0]]);
    });
  }

  it('OffsetFetch v8 (batched groups) answers UNSTABLE_OFFSET_COMMIT per partition too, and an abort drops the held offset', async () => {
    const p = await begin();
    await txnOffsetCommit(t.wire, 3, {
      id: 'tx',
      groupId: 'g',
      producerId: p.producerId,
      producerEpoch: p.producerEpoch,
      offsets: [['orders', 1, 7, null]],
    });
    assert.deepStrictEqual(await offsetFetchV8(t.wire, 'g', 'orders', [1], true), {
      groupError: 0,
      partitions: [[1, -1, ErrorCode.UNSTABLE_OFFSET_COMMIT]],
    });
    assert.strictEqual(await endTxn(t.wire, 3, 'tx', p.producerId, p.producerEpoch, false), 0);
    assert.deepStrictEqual((await offsetFetchV8(t.wire, 'g', 'orders', [1], true)).partitions, [[1, -1, 0]]);
  });

  it('a group not added with AddOffsetsToTxn is INVALID_TXN_STATE; an unknown partition UNKNOWN_TOPIC_OR_PARTITION', async () => {
    const p = await begin('g');
    const other = await txnOffsetCommit(t.wire, 3, {
      id: 'tx',
      groupId: 'h',
      producerId: p.producerId,
      producerEpoch: p.producerEpoch,
      offsets: [['orders', 0, 1, null]],
    });
    assert.deepStrictEqual(other, [['orders', [[0, ErrorCode.INVALID_TXN_STATE]]]]);
    const unknown = await txnOffsetCommit(t.wire, 3, {
      id: 'tx',
      groupId: 'g',
      producerId: p.producerId,
      producerEpoch: p.producerEpoch,
      offsets: [
        ['orders', 5, 1, null],
        ['orders', 1, 1, null],
      ],
    });
    assert.deepStrictEqual(unknown, [
      [
        'orders',
        [
          [5, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
          [1, 0],
        ],
      ],
    ]);
  });

  it('a fenced producer is INVALID_PRODUCER_EPOCH; another producer id INVALID_PRODUCER_ID_MAPPING', async () => {
    const p = await begin();
    const offsets: [string, number, number, string | null][] = [['orders', 0, 1, null]];
    const wrongEpoch = await txnOffsetCommit(t.wire, 3, {
      id: 'tx',
      groupId: 'g',
      producerId: p.producerId,
      producerEpoch: 9,
      offsets,
    });
    const wrongId = await txnOffsetCommit(t.wire, 3, {
      id: 'tx',
      groupId: 'g',
      producerId: 4242,
      producerEpoch: 0,
      offsets,
    });
    assert.deepStrictEqual(
      [wrongEpoch[0][1][0][1], wrongId[0][1][0][1]],
      [ErrorCode.INVALID_PRODUCER_EPOCH, ErrorCode.INVALID_PRODUCER_ID_MAPPING],
    );
  });

  it('v3: the member and generation of a live group are checked (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID)', async () => {
    const m = await member('g', 'inst-1');
    const p = await begin('g');
    const send = (generationId: number, memberId: string, groupInstanceId: string | null = null) =>
      txnOffsetCommit(t.wire, 3, {
        id: 'tx',
        groupId: 'g',
        producerId: p.producerId,
        producerEpoch: p.producerEpoch,
        generationId,
        memberId,
        groupInstanceId,
        offsets: [['orders', 0, 4, null]],
      }).then((r) => r[0][1][0][1]);
    assert.strictEqual(await send(m.generationId + 1, m.memberId), ErrorCode.ILLEGAL_GENERATION);
    assert.strictEqual(await send(m.generationId, 'someone-else'), ErrorCode.UNKNOWN_MEMBER_ID);
    assert.strictEqual(await send(m.generationId, 'someone-else', 'inst-1'), ErrorCode.FENCED_INSTANCE_ID);
    assert.strictEqual(await send(m.generationId, m.memberId, 'inst-1'), ErrorCode.NONE);
    assert.strictEqual(await send(-1, ''), ErrorCode.NONE, 'no group metadata (what v0-2 send) is not checked');
  });

  it('each partition gets its own code in request order, and one info line names the distinct refusal codes', async () => {
    const p = await begin();
    const ok = await txnOffsetCommit(t.wire, 3, {
      id: 'tx',
      groupId: 'g',
      producerId: p.producerId,
      producerEpoch: p.producerEpoch,
      offsets: [['orders', 0, 1, null]],
    });
    assert.deepStrictEqual(ok, [['orders', [[0, 0]]]]);
    assert.ok(!t.wire.logs.some((l) => l.includes('TxnOffsetCommit')), 'an accepted commit is not logged');
    const got = await txnOffsetCommit(t.wire, 3, {
      id: 'tx',
      groupId: 'g',
      producerId: p.producerId,
      producerEpoch: p.producerEpoch,
      offsets: [
        ['orders', 0, 2, 'x'.repeat(5000)],
        ['orders', 1, 2, null],
        ['orders', 5, 2, null],
        ['orders', 9, 2, null],
      ],
    });
    assert.deepStrictEqual(got, [
      [
        'orders',
        [
          [0, ErrorCode.OFFSET_METADATA_TOO_LARGE],
          [1, 0],
          [5, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
          [9, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
        ],
      ],
    ]);
    assert.deepStrictEqual(
      t.wire.logs.filter((l) => l.includes('TxnOffsetCommit')),
      ['info client test-client: TxnOffsetCommit of "tx" for group "g" refused partition(s) with 12, 3'],
    );
  });

  it('an unexpected engine failure answers -1 for every partition and logs an error naming the id and the group', async () => {
    const message = t.wire.failEngine('txnOffsetCommit');
    const got = await txnOffsetCommit(t.wire, 3, {
      id: 'tx',
      groupId: 'g',
      producerId: 1,
      producerEpoch: 0,
      offsets: [
        ['orders', 0, 1, null],
        ['orders', 1, 1, null],
      ],
    });
    assert.deepStrictEqual(got, [
      [
        'orders',
        [
          [0, -1],
          [1, -1],
        ],
      ],
    ]);
    assert.ok(
      t.wire.logs.some(
        (l) => l.startsWith('error TxnOffsetCommit "tx" group "g": unexpected failure') && l.includes(message),
      ),
      t.wire.logs.join(' | '),
    );
  });
});
