/**
 * Transactions benchmark (`npm run bench -- --json --only transactions`). The broker runs in a child process
 * (bench/wire-child) and one raw wire client (test/reference/wire.ts) sends pre-encoded v2 batches of 1,000
 * records of 100 bytes, one request at a time (acks=1), so the figures are the broker's cost, not a client's:
 *   txn_vs_idempotent_ratio              one transaction of 10 batches (AddPartitionsToTxn, 10 Produce, EndTxn
 *                                        commit) vs the same 10 batches from an idempotent producer, timed as a
 *                                        pair with the order alternating; the median of the 150 pairs of five
 *                                        rounds. Pairs at this grain (a few ms each) keep a load change on the
 *                                        shared machine from landing on one side: whole rounds alternated gave
 *                                        0.32-0.61 between identical runs.
 *   read_committed_vs_uncommitted_ratio  a Fetch of the whole transactional topic (every fifth transaction
 *                                        aborted) with isolation_level read_committed vs read_uncommitted,
 *                                        records/s, after one warm-up read of each; the median of 20 pairs in
 *                                        alternating order. Both read the same requests and bytes (printed): the
 *                                        read paths differ only in the last-stable-offset bound (the end of the
 *                                        log here) and the aborted-transaction list. The 1.12-1.80 of the
 *                                        earlier five-round version was noise and order: each read of 33 MB
 *                                        takes 15-60 ms, the first read of round 0 was read_uncommitted on a
 *                                        cold path, and one GC pause or other process decides a round; paired
 *                                        and warmed it reads 0.96-1.06.
 * The per-transaction times printed (AddPartitionsToTxn, Produce, EndTxn) show where the time goes. Each round's
 * transactional time includes waiting until its last marker is in (the last stable offset reaches the log end).
 */
import { fork } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  computeBatchCrc,
  encodeRecordBatch,
  OFFSET_ATTRIBUTES,
  OFFSET_BASE_SEQUENCE,
  OFFSET_CRC,
  TRANSACTIONAL_BIT,
} from '../src/broker/storage/record-batch';
import type { Msg } from '../test/reference/wire';
import { API, WireClient } from '../test/reference/wire';

const RECORDS_PER_BATCH = 1000;
const RECORD_BYTES = 100;
const BATCHES_PER_TXN = 10;
const TXNS = 30; // 300 batches, 300,000 records per round
const ROUNDS = 5;
const READ_PAIRS = 20;

type Child = ReturnType<typeof fork>;

function check(what: string, errorCode: number): void {
  if (errorCode !== 0) throw new Error(`${what} answered error ${errorCode}`);
}

/** `count` batches for one producer, sequences 0, 1000, ... (the first batch of the run is encoded once). */
function batches(producerId: number, producerEpoch: number, transactional: boolean, count: number): Buffer[] {
  const value = Buffer.alloc(RECORD_BYTES, 120);
  const now = Date.now();
  const records = Array.from({ length: RECORDS_PER_BATCH }, () => ({ key: null, value, headers: [], timestamp: now }));
  const template = encodeRecordBatch(records, { producerId, producerEpoch, baseSequence: 0, compression: 0 });
  if (transactional)
    template.writeInt16BE(template.readInt16BE(OFFSET_ATTRIBUTES) | TRANSACTIONAL_BIT, OFFSET_ATTRIBUTES);
  return Array.from({ length: count }, (_, i) => {
    const b = Buffer.from(template);
    b.writeInt32BE(i * RECORDS_PER_BATCH, OFFSET_BASE_SEQUENCE);
    b.writeUInt32BE(computeBatchCrc(b, 0, b.length), OFFSET_CRC);
    return b;
  });
}

/** Errors a broker answers while a new topic's leader or the transaction coordinator is being set up. */
const NOT_READY = new Set([3, 5, 6, 14, 15, 16]);

async function produce(c: WireClient, topic: string, records: Buffer, transactionalId: string | null): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const r = await c.request(API.Produce, 8, {
      transactionalId,
      acks: 1,
      timeoutMs: 30000,
      topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
    });
    const code = r.responses[0].partitionResponses[0].errorCode as number;
    // Apache Kafka (the reference run) may need a moment to elect a new topic's leader.
    if (NOT_READY.has(code) && attempt < 100) {
      await new Promise((res) => setTimeout(res, 50));
      continue;
    }
    check(`Produce to ${topic}`, code);
    return;
  }
}

async function createTopic(c: WireClient, name: string): Promise<void> {
  const r = await c.request(API.CreateTopics, 4, {
    topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 30000,
    validateOnly: false,
  });
  check(`CreateTopics ${name}`, r.topics[0].errorCode);
}

async function initProducerId(c: WireClient, transactionalId: string | null): Promise<Msg> {
  for (let attempt = 0; ; attempt++) {
    // Apache Kafka creates __transaction_state on the first FindCoordinator and answers "not ready" meanwhile.
    const retry = async (code: number) => {
      if (!NOT_READY.has(code) && code !== 51) return false;
      if (attempt >= 200) return false;
      await new Promise((res) => setTimeout(res, 100));
      return true;
    };
    if (transactionalId !== null) {
      const f = await c.request(API.FindCoordinator, 2, { key: transactionalId, keyType: 1 });
      if (await retry(f.errorCode as number)) continue;
      check('FindCoordinator(transaction)', f.errorCode);
    }
    const r = await c.request(API.InitProducerId, 1, { transactionalId, transactionTimeoutMs: 60000 });
    if (await retry(r.errorCode as number)) continue;
    check('InitProducerId', r.errorCode);
    return r;
  }
}

/** Milliseconds spent in each request type of the transactional transactions (printed, to see where the time goes). */
const spent = { add: 0, produce: 0, end: 0, settle: 0, transactions: 0 };

/** One transaction of BATCHES_PER_TXN batches: AddPartitionsToTxn, the Produce requests, EndTxn. */
async function oneTransaction(
  c: WireClient,
  topic: string,
  txnId: string,
  p: Msg,
  bs: Buffer[],
  committed: boolean,
): Promise<void> {
  let ts = performance.now();
  for (;;) {
    const add = await c.request(API.AddPartitionsToTxn, 3, {
      transactionalId: txnId,
      producerId: p.producerId,
      producerEpoch: p.producerEpoch,
      topics: [{ name: topic, partitions: [0] }],
    });
    const code = add.results[0].results[0].partitionErrorCode as number;
    // CONCURRENT_TRANSACTIONS: the previous transaction's markers are still being written (Apache Kafka writes
    // them after answering EndTxn); asked again at once, the best case for the broker.
    if (code === 51) continue;
    check('AddPartitionsToTxn', code);
    break;
  }
  spent.add += performance.now() - ts;
  ts = performance.now();
  for (const b of bs) await produce(c, topic, b, txnId);
  spent.produce += performance.now() - ts;
  ts = performance.now();
  for (;;) {
    const end = await c.request(API.EndTxn, 3, {
      transactionalId: txnId,
      producerId: p.producerId,
      producerEpoch: p.producerEpoch,
      committed,
    });
    if (end.errorCode === 51) continue; // CONCURRENT_TRANSACTIONS: the previous markers are still being written
    check('EndTxn', end.errorCode);
    break;
  }
  spent.end += performance.now() - ts;
  spent.transactions++;
}

/** Until the last marker is in: the last stable offset has reached the log end. */
async function settle(c: WireClient, topic: string): Promise<void> {
  const ts = performance.now();
  for (;;) {
    const [lso, hw] = await Promise.all([listLatest(c, topic, 1), listLatest(c, topic, 0)]);
    if (lso === hw) break;
  }
  spent.settle += performance.now() - ts;
}

/**
 * One round: TXNS pairs, each the same BATCHES_PER_TXN batches sent once by an idempotent producer and once as
 * one transaction, the order alternating per pair. Pairing at this grain keeps a load change on the machine
 * (other processes) from landing on one side only. Returns records/s of each side and the pair ratios.
 */
async function pairedRound(
  c: WireClient,
  round: number,
  prefix = '',
): Promise<{ idem: number; txn: number; ratios: number[] }> {
  const idemTopic = `${prefix}idem-${round}`;
  const txnTopic = `${prefix}txn-${round}`;
  const txnId = `${prefix}bench-txn-${round}`;
  const ip = await initProducerId(c, null);
  const tp = await initProducerId(c, txnId);
  const ib = batches(ip.producerId, ip.producerEpoch, false, TXNS * BATCHES_PER_TXN);
  const tb = batches(tp.producerId, tp.producerEpoch, true, TXNS * BATCHES_PER_TXN);
  let idemMs = 0;
  let txnMs = 0;
  const ratios: number[] = [];
  for (let t = 0; t < TXNS; t++) {
    const slice = (xs: Buffer[]) => xs.slice(t * BATCHES_PER_TXN, (t + 1) * BATCHES_PER_TXN);
    const idem = async () => {
      const t0 = performance.now();
      for (const b of slice(ib)) await produce(c, idemTopic, b, null);
      return performance.now() - t0;
    };
    const txn = async () => {
      const t0 = performance.now();
      await oneTransaction(c, txnTopic, txnId, tp, slice(tb), true);
      return performance.now() - t0;
    };
    let a: number;
    let b: number;
    if ((t + round) % 2 === 0) {
      a = await idem();
      b = await txn();
    } else {
      b = await txn();
      a = await idem();
    }
    idemMs += a;
    txnMs += b;
    ratios.push(a / b);
  }
  // The round's transactional time includes waiting until its last marker is in.
  const ts = performance.now();
  await settle(c, txnTopic);
  txnMs += performance.now() - ts;
  const records = TXNS * BATCHES_PER_TXN * RECORDS_PER_BATCH;
  return { idem: records / (idemMs / 1000), txn: records / (txnMs / 1000), ratios };
}

/** Transactions of BATCHES_PER_TXN batches, every abortEvery-th aborted (the read data). */
async function transactionalRound(c: WireClient, topic: string, txnId: string, abortEvery: number): Promise<void> {
  const p = await initProducerId(c, txnId);
  const bs = batches(p.producerId, p.producerEpoch, true, TXNS * BATCHES_PER_TXN);
  for (let t = 0; t < TXNS; t++) {
    const committed = !(abortEvery > 0 && t % abortEvery === abortEvery - 1);
    await oneTransaction(c, topic, txnId, p, bs.slice(t * BATCHES_PER_TXN, (t + 1) * BATCHES_PER_TXN), committed);
  }
  await settle(c, topic);
}

async function listLatest(c: WireClient, topic: string, isolationLevel: 0 | 1): Promise<number> {
  const r = await c.request(API.ListOffsets, 7, {
    replicaId: -1,
    isolationLevel,
    topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1 }] }],
  });
  check('ListOffsets', r.topics[0].partitions[0].errorCode);
  return Number(r.topics[0].partitions[0].offset);
}

/** Fetch the whole partition from offset 0 to its end for this isolation level; records/s of data records. */
async function fetchAll(c: WireClient, topic: string, isolationLevel: 0 | 1, dataRecords: number): Promise<number> {
  const end = await listLatest(c, topic, isolationLevel);
  const t0 = performance.now();
  let offset = 0;
  const seen = fetched[isolationLevel];
  while (offset < end) {
    const r = await c.request(API.Fetch, 11, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 4 * 1048576,
      isolationLevel,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        {
          topic,
          partitions: [
            {
              partition: 0,
              currentLeaderEpoch: -1,
              fetchOffset: offset,
              logStartOffset: -1,
              partitionMaxBytes: 4 * 1048576,
            },
          ],
        },
      ],
      forgottenTopicsData: [],
      rackId: '',
    });
    const part = r.responses[0].partitions[0];
    check('Fetch', part.errorCode);
    seen.requests++;
    seen.bytes += (part.records as Buffer | null)?.length ?? 0;
    const next = lastOffsetAfter(part.records as Buffer | null);
    if (next <= offset) throw new Error(`Fetch at ${offset} made no progress`);
    offset = next;
  }
  return dataRecords / ((performance.now() - t0) / 1000);
}

/** Requests and record bytes of the fetch rounds, per isolation level (printed: both read the same bytes). */
const fetched = [
  { requests: 0, bytes: 0 },
  { requests: 0, bytes: 0 },
];

/** The offset after the last batch of a fetched record set (baseOffset + lastOffsetDelta + 1 of the last whole batch). */
function lastOffsetAfter(records: Buffer | null): number {
  let next = -1;
  if (!records) return next;
  for (let pos = 0; pos + 61 <= records.length;) {
    const size = 12 + records.readInt32BE(pos + 8);
    if (pos + size > records.length) break;
    next = Number(records.readBigInt64BE(pos)) + records.readInt32BE(pos + 23) + 1;
    pos += size;
  }
  return next;
}

let pairedRuns = 0;

/**
 * The paired txn_vs_idempotent_ratio against any broker on 127.0.0.1:port (bench/reference.ts runs it against
 * Apache Kafka and Kafka Lite's `serve`, with the same wire client): `rounds` rounds of TXNS pairs.
 */
export async function pairedRatio(
  port: number,
  rounds = ROUNDS,
): Promise<{ ratio: number; p25: number; p75: number; perTxnMs: { add: number; produce: number; end: number } }> {
  const c = await WireClient.connect(port, 'bench-transactions-ref');
  const before = { ...spent };
  const prefix = `p${++pairedRuns}-`;
  try {
    const ratios: number[] = [];
    for (let round = 0; round < rounds; round++) {
      await createTopic(c, `${prefix}idem-${round}`);
      await createTopic(c, `${prefix}txn-${round}`);
      ratios.push(...(await pairedRound(c, round, prefix)).ratios);
    }
    const n = spent.transactions - before.transactions;
    return {
      ratio: median(ratios),
      p25: quantile(ratios, 0.25),
      p75: quantile(ratios, 0.75),
      perTxnMs: {
        add: (spent.add - before.add) / n,
        produce: (spent.produce - before.produce) / n,
        end: (spent.end - before.end) / n,
      },
    };
  } finally {
    c.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * q)];

export async function run(): Promise<Record<string, number>> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-bench-txn-'));
  const child: Child = fork(path.join(__dirname, 'wire-child.js'), [path.join(tmp, 'broker')], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let c: WireClient | undefined;
  try {
    const { port } = await new Promise<{ port: number }>((resolve) =>
      child.once('message', (m) => resolve(m as { port: number })),
    );
    c = await WireClient.connect(port, 'bench-transactions');
    const idem: number[] = [];
    const txn: number[] = [];
    const ratios: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      await createTopic(c, `idem-${round}`);
      await createTopic(c, `txn-${round}`);
      const r = await pairedRound(c, round);
      idem.push(r.idem);
      txn.push(r.txn);
      ratios.push(...r.ratios);
    }

    // The read data: one topic whose every fifth transaction was aborted.
    await createTopic(c, 'mixed');
    await transactionalRound(c, 'mixed', 'bench-mixed', 5);
    const dataRecords = TXNS * BATCHES_PER_TXN * RECORDS_PER_BATCH;
    const rc: number[] = [];
    const ru: number[] = [];
    const readRatios: number[] = [];
    // Two warm-up reads (the first read of a mode pays for JIT and buffers), then paired reads in alternating order.
    await fetchAll(c, 'mixed', 0, dataRecords);
    await fetchAll(c, 'mixed', 1, dataRecords);
    fetched.forEach((x) => ((x.requests = 0), (x.bytes = 0)));
    for (let round = 0; round < READ_PAIRS; round++) {
      let u: number;
      let k: number;
      if (round % 2 === 0) {
        u = await fetchAll(c, 'mixed', 0, dataRecords);
        k = await fetchAll(c, 'mixed', 1, dataRecords);
      } else {
        k = await fetchAll(c, 'mixed', 1, dataRecords);
        u = await fetchAll(c, 'mixed', 0, dataRecords);
      }
      ru.push(u);
      rc.push(k);
      readRatios.push(k / u);
    }

    const [idemRate, txnRate, rcRate, ruRate] = [median(idem), median(txn), median(rc), median(ru)];
    const pairRatio = median(ratios);
    const f = (xs: number[]) => xs.map((x) => Math.round(x)).join(', ');
    console.log(
      `idempotent produce    ${TXNS * BATCHES_PER_TXN} x ${RECORDS_PER_BATCH} records: ${Math.round(idemRate)} records/s (rounds ${f(idem)})`,
    );
    console.log(
      `transactional produce ${TXNS} transactions of ${BATCHES_PER_TXN} batches: ${Math.round(txnRate)} records/s (rounds ${f(txn)}); ratio of the medians ${(txnRate / idemRate).toFixed(2)}, median of ${ratios.length} paired ratios ${pairRatio.toFixed(2)} (p25 ${quantile(ratios, 0.25).toFixed(2)}, p75 ${quantile(ratios, 0.75).toFixed(2)})`,
    );
    const ms = (x: number) => x.toFixed(0);
    const per = (x: number) => (x / spent.transactions).toFixed(2);
    console.log(
      `  per transaction (${spent.transactions}): AddPartitionsToTxn ${per(spent.add)} ms, ${BATCHES_PER_TXN} Produce ${per(spent.produce)} ms, EndTxn ${per(spent.end)} ms; waiting for the last markers ${ms(spent.settle)} ms in all`,
    );
    console.log(`fetch read_uncommitted: ${Math.round(ruRate)} records/s`);
    console.log(
      `fetch read_committed:   ${Math.round(rcRate)} records/s; ratio of the medians ${(rcRate / ruRate).toFixed(2)}, median of ${readRatios.length} paired ratios ${median(readRatios).toFixed(2)} (p25 ${quantile(readRatios, 0.25).toFixed(2)}, p75 ${quantile(readRatios, 0.75).toFixed(2)})`,
    );
    console.log(
      `  per read of the topic: read_uncommitted ${fetched[0].requests / READ_PAIRS} requests, ${Math.round(fetched[0].bytes / READ_PAIRS)} bytes; read_committed ${fetched[1].requests / READ_PAIRS} requests, ${Math.round(fetched[1].bytes / READ_PAIRS)} bytes`,
    );
    return {
      idempotent_produce_records_per_s: Math.round(idemRate),
      txn_produce_records_per_s: Math.round(txnRate),
      txn_vs_idempotent_ratio: Number(pairRatio.toFixed(3)),
      read_uncommitted_fetch_records_per_s: Math.round(ruRate),
      read_committed_fetch_records_per_s: Math.round(rcRate),
      read_committed_vs_uncommitted_ratio: Number(median(readRatios).toFixed(3)),
    };
  } finally {
    c?.close();
    child.send({ cmd: 'exit' });
    await new Promise((r) => child.once('exit', r));
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
