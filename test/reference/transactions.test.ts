/**
 * Reference tier, transactions: the same raw requests to Apache Kafka and to Kafka Lite — FindCoordinator for a
 * transactional id, InitProducerId with a transactional id (epoch bumps, timeouts), AddPartitionsToTxn,
 * transactional Produce, EndTxn — and the answers compared: read_committed and read_uncommitted Fetch (records,
 * control batches, last stable offset, aborted transactions), ListOffsets under read_committed while a
 * transaction is open and after its commit or abort, and the error codes for a fenced epoch, EndTxn without a
 * transaction, AddPartitionsToTxn with a wrong epoch and an invalid transaction timeout.
 * Kafka writes the markers after EndTxn has answered, so every scenario that reads after an EndTxn first waits
 * until the last stable offset has reached the log end (on both brokers alike).
 */
import {
  computeBatchCrc,
  decodeRecordBatches,
  OFFSET_ATTRIBUTES,
  OFFSET_CRC,
  TRANSACTIONAL_BIT,
} from '../../src/broker/storage/record-batch';
import type { BatchOpts } from './harness';
import { batch, fetch, produceOne, scenario, sleep, topic, V } from './harness';
import type { Msg, WireClient } from './wire';
import { API } from './wire';

const TV = { AddPartitionsToTxn: 3, AddOffsetsToTxn: 3, EndTxn: 3, TxnOffsetCommit: 3 } as const;

/** Errors a transactional request answers while the coordinator is still loading or finishing: retried. */
const RETRIABLE = new Set([14 /* COORDINATOR_LOAD_IN_PROGRESS */, 15 /* COORDINATOR_NOT_AVAILABLE */, 16, 51]);

async function retrying(what: string, call: () => Promise<Msg>, code: (m: Msg) => number): Promise<Msg> {
  for (let i = 0; ; i++) {
    const r = await call();
    if (!RETRIABLE.has(code(r))) return r;
    if (i > 300) throw new Error(`${what} kept answering ${code(r)}`);
    await sleep(100);
  }
}

/** FindCoordinator (key type 1) until the transaction coordinator is up (Kafka creates __transaction_state). */
async function findTxnCoordinator(c: WireClient, txnId: string): Promise<Msg> {
  return retrying(
    'FindCoordinator(transaction)',
    () => c.request(API.FindCoordinator, V.FindCoordinator, { key: txnId, keyType: 1 }),
    (r) => r.errorCode,
  );
}

async function initTxn(c: WireClient, txnId: string, transactionTimeoutMs = 60000): Promise<Msg> {
  await findTxnCoordinator(c, txnId);
  return retrying(
    'InitProducerId',
    () => c.request(API.InitProducerId, V.InitProducerId, { transactionalId: txnId, transactionTimeoutMs }),
    (r) => r.errorCode,
  );
}

function addPartitions(c: WireClient, txnId: string, p: Msg, topicName: string, partitions: number[]): Promise<Msg> {
  return c.request(API.AddPartitionsToTxn, TV.AddPartitionsToTxn, {
    transactionalId: txnId,
    producerId: p.producerId,
    producerEpoch: p.producerEpoch,
    topics: [{ name: topicName, partitions }],
  });
}

function endTxn(c: WireClient, txnId: string, p: Msg, committed: boolean): Promise<Msg> {
  return retrying(
    'EndTxn',
    () =>
      c.request(API.EndTxn, TV.EndTxn, {
        transactionalId: txnId,
        producerId: p.producerId,
        producerEpoch: p.producerEpoch,
        committed,
      }),
    (r) => r.errorCode,
  );
}

/** A transactional batch: the batch of harness.batch with the isTransactional attribute set. */
function txnBatch(values: string[], p: Msg, baseSequence: number, opts: BatchOpts = {}): Buffer {
  const b = batch(values, { ...opts, producerId: p.producerId, producerEpoch: p.producerEpoch, baseSequence });
  b.writeInt16BE(b.readInt16BE(OFFSET_ATTRIBUTES) | TRANSACTIONAL_BIT, OFFSET_ATTRIBUTES);
  b.writeUInt32BE(computeBatchCrc(b, 0, b.length), OFFSET_CRC);
  return b;
}

function produceTxn(c: WireClient, txnId: string, topicName: string, partition: number, records: Buffer): Promise<Msg> {
  return c
    .request(API.Produce, V.Produce, {
      transactionalId: txnId,
      acks: -1,
      timeoutMs: 30000,
      topicData: [{ name: topicName, partitionData: [{ index: partition, records }] }],
    })
    .then((r) => r.responses[0].partitionResponses[0]);
}

async function fetchIso(c: WireClient, topicName: string, offset: number, isolationLevel: 0 | 1): Promise<Msg> {
  const r = await fetch(c, topicName, 0, offset, { isolationLevel });
  return { errorCode: r.errorCode, ...r.responses[0].partitions[0] };
}

async function latest(c: WireClient, topicName: string, isolationLevel: 0 | 1): Promise<Msg> {
  const r = await c.request(API.ListOffsets, V.ListOffsets, {
    replicaId: -1,
    isolationLevel,
    topics: [{ name: topicName, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1 }] }],
  });
  return r.topics[0].partitions[0];
}

/**
 * Read partition 0 one batch per Fetch (partitionMaxBytes 1: the first batch whole, nothing more), from `from`
 * to the end this isolation level reaches: each answer's fetch offset, last stable offset, aborted transactions
 * in range and its batch. (A Fetch for everything differs: see known-differences.ts.)
 */
async function walk(c: WireClient, topicName: string, isolationLevel: 0 | 1, from = 0): Promise<Msg[]> {
  const out: Msg[] = [];
  for (let offset = from; out.length < 20;) {
    const r = await fetch(c, topicName, 0, offset, { isolationLevel, partitionMaxBytes: 1, maxBytes: 1 });
    const part = r.responses[0].partitions[0];
    const batches = part.records ? decodeRecordBatches(part.records as Buffer) : [];
    out.push({
      fetchOffset: offset,
      errorCode: part.errorCode,
      highWatermark: part.highWatermark,
      lastStableOffset: part.lastStableOffset,
      abortedTransactions: part.abortedTransactions,
      records: part.records,
    });
    if (batches.length === 0) break;
    offset = batches[batches.length - 1].lastOffset + 1;
  }
  return out;
}

/** Wait until the last stable offset of partition 0 equals its high watermark (every marker written). */
async function settled(c: WireClient, topicName: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const [lso, hw] = [await latest(c, topicName, 1), await latest(c, topicName, 0)];
    if (lso.errorCode === 0 && lso.offset === hw.offset) return;
    await sleep(50);
  }
  throw new Error(`${topicName}: the last stable offset never reached the high watermark`);
}

/** Topic, transactional producer, partition 0 added, three records produced in the open transaction. */
async function openTransaction(c: WireClient, name: (p?: string) => string) {
  const t = await topic(c, name('topic'));
  const txnId = name('txn');
  const p = await initTxn(c, txnId);
  const add = await addPartitions(c, txnId, p, t, [0]);
  const produced = await produceTxn(c, txnId, t, 0, txnBatch(['a', 'b', 'c'], p, 0));
  return { t, txnId, p, add, produced };
}

describe('reference: transactions', () => {
  scenario(
    'Transactions: FindCoordinator for a transactional id (key type 1) names the broker',
    async ({ c, name }) => {
      return findTxnCoordinator(c, name('txn'));
    },
  );

  scenario(
    'Transactions: InitProducerId with a transactional id starts at epoch 0 and a second call bumps the epoch',
    async ({ c, name }) => {
      const txnId = name('txn');
      const first = await initTxn(c, txnId);
      const second = await initTxn(c, txnId);
      return { first, second, sameProducer: first.producerId === second.producerId };
    },
  );

  scenario(
    'Transactions: a transaction timeout above transaction.max.timeout.ms answers INVALID_TRANSACTION_TIMEOUT',
    async ({ c, name }) => {
      const txnId = name('txn');
      await findTxnCoordinator(c, txnId);
      const tooLong = await c.request(API.InitProducerId, V.InitProducerId, {
        transactionalId: txnId,
        transactionTimeoutMs: 900001,
      });
      const zero = await c.request(API.InitProducerId, V.InitProducerId, {
        transactionalId: txnId,
        transactionTimeoutMs: 0,
      });
      return { tooLong, zero };
    },
  );

  scenario(
    'Transactions: while a transaction is open read_committed stops at the last stable offset and ListOffsets answers it',
    async ({ c, name }) => {
      const { t, add, produced } = await openTransaction(c, name);
      const plain = await produceOne(c, t, 0, batch(['after']));
      return {
        add,
        produced,
        plain,
        committed: await walk(c, t, 1),
        uncommitted: await walk(c, t, 0),
        lso: await latest(c, t, 1),
        hw: await latest(c, t, 0),
      };
    },
  );

  scenario(
    'Transactions: after EndTxn commit the marker is a control batch and read_committed reads every record',
    async ({ c, name }) => {
      const { t, txnId, p } = await openTransaction(c, name);
      const end = await endTxn(c, txnId, p, true);
      await settled(c, t);
      return {
        end,
        committed: await walk(c, t, 1),
        uncommitted: await walk(c, t, 0),
        lso: await latest(c, t, 1),
        hw: await latest(c, t, 0),
      };
    },
  );

  scenario(
    'Transactions: after EndTxn abort read_committed answers the aborted transaction in range',
    async ({ c, name }) => {
      const { t, txnId, p } = await openTransaction(c, name);
      const end = await endTxn(c, txnId, p, false);
      await settled(c, t);
      const after = await produceOne(c, t, 0, batch(['later']));
      return {
        end,
        after,
        committed: await walk(c, t, 1),
        uncommitted: await walk(c, t, 0),
        lso: await latest(c, t, 1),
      };
    },
  );

  scenario(
    'Transactions: a second InitProducerId aborts the open transaction and fences the old epoch',
    async ({ c, name }) => {
      const { t, txnId, p } = await openTransaction(c, name);
      const bumped = await initTxn(c, txnId);
      await settled(c, t);
      const staleProduce = await produceTxn(c, txnId, t, 0, txnBatch(['zombie'], p, 3));
      const staleAdd = await addPartitions(c, txnId, p, t, [0]);
      const staleEnd = await c.request(API.EndTxn, TV.EndTxn, {
        transactionalId: txnId,
        producerId: p.producerId,
        producerEpoch: p.producerEpoch,
        committed: true,
      });
      return {
        bumpedEpoch: bumped.producerEpoch - p.producerEpoch,
        staleProduce,
        staleAdd,
        staleEnd,
        committed: await walk(c, t, 1),
        lso: await latest(c, t, 1),
      };
    },
  );

  scenario(
    'Transactions: one Fetch for the whole log after a commit, read_committed and read_uncommitted',
    async ({ c, name }) => {
      const { t, txnId, p } = await openTransaction(c, name);
      await endTxn(c, txnId, p, true);
      await settled(c, t);
      await produceOne(c, t, 0, batch(['later']));
      return { committed: await fetchIso(c, t, 0, 1), uncommitted: await fetchIso(c, t, 0, 0) };
    },
  );

  scenario(
    'Transactions: TxnOffsetCommit holds offsets (OffsetFetch requireStable answers UNSTABLE_OFFSET_COMMIT) until the commit',
    async ({ c, name }) => {
      const t = await topic(c, name('topic'));
      const group = name('group');
      const txnId = name('txn');
      const p = await initTxn(c, txnId);
      const ids = { transactionalId: txnId, producerId: p.producerId, producerEpoch: p.producerEpoch };
      const addOffsets = await c.request(API.AddOffsetsToTxn, TV.AddOffsetsToTxn, { ...ids, groupId: group });
      await retrying(
        'FindCoordinator(group)',
        () => c.request(API.FindCoordinator, V.FindCoordinator, { key: group, keyType: 0 }),
        (r) => r.errorCode,
      );
      const txnCommit = await c.request(API.TxnOffsetCommit, TV.TxnOffsetCommit, {
        ...ids,
        groupId: group,
        generationId: -1,
        memberId: '',
        groupInstanceId: null,
        topics: [{ name: t, partitions: [{ partitionIndex: 0, committedOffset: 7, committedMetadata: 'm' }] }],
      });
      const offsetFetch = (requireStable: boolean) =>
        c.request(API.OffsetFetch, 7, {
          groupId: group,
          topics: [{ name: t, partitionIndexes: [0] }],
          requireStable,
        });
      const pendingStable = await offsetFetch(true);
      const pendingPlain = await offsetFetch(false);
      const end = await endTxn(c, txnId, p, true);
      let afterCommit = await offsetFetch(true);
      for (let i = 0; i < 100 && afterCommit.topics[0].partitions[0].errorCode !== 0; i++) {
        await sleep(50);
        afterCommit = await offsetFetch(true);
      }
      return { addOffsets, txnCommit, pendingStable, pendingPlain, end, afterCommit };
    },
  );

  scenario('Transactions: EndTxn without an open transaction', async ({ c, name }) => {
    const txnId = name('txn');
    const p = await initTxn(c, txnId);
    const commit = await c.request(API.EndTxn, TV.EndTxn, {
      transactionalId: txnId,
      producerId: p.producerId,
      producerEpoch: p.producerEpoch,
      committed: true,
    });
    const abort = await c.request(API.EndTxn, TV.EndTxn, {
      transactionalId: txnId,
      producerId: p.producerId,
      producerEpoch: p.producerEpoch,
      committed: false,
    });
    return { commit, abort };
  });

  scenario(
    'Transactions: AddPartitionsToTxn with a wrong epoch or an unknown transactional id',
    async ({ c, name }) => {
      const t = await topic(c, name('topic'));
      const txnId = name('txn');
      const p = await initTxn(c, txnId);
      const wrongEpoch = await addPartitions(c, txnId, { ...p, producerEpoch: p.producerEpoch + 1 }, t, [0]);
      const unknownId = await addPartitions(c, name('never-initialised'), p, t, [0]);
      return { wrongEpoch, unknownId };
    },
  );

  scenario(
    'Transactions: a transactional Produce to a partition never added to the transaction is refused',
    async ({ c, name }) => {
      const t = await topic(c, name('topic'));
      const txnId = name('txn');
      const p = await initTxn(c, txnId);
      const produced = await produceTxn(c, txnId, t, 0, txnBatch(['stray'], p, 0));
      return { produced, hw: await latest(c, t, 0) };
    },
  );
});
