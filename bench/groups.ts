/**
 * Groups benchmark (`npm run bench -- --json --only groups`):
 *  - rebalance_10_members_ms: 10 in-process consumers join one group on real timers (systemClock, 20 ms heartbeats,
 *    short timeouts); time from the first join until all ten are stable in one generation with the group Stable;
 *  - commits_per_s: sequential single-partition commits through Broker.commitOffsets (each one line appended to
 *    the offsets log before it resolves);
 *  - idempotent_vs_plain_ratio: the same pre-encoded batches appended through Broker.appendRecordSet (the wire
 *    path) by a plain and an idempotent producer, in alternating rounds of 2,000 batches (~30 ms each; rounds of
 *    250 made the figure swing between 0.6 and 1.3 from run to run); idempotent throughput / plain throughput
 *    over all rounds (target >= 0.9: the sequence check costs < 10%). The median of the per-round ratios is
 *    printed too.
 * Everything lives in a temp dir deleted at the end.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Broker } from '../src/broker/broker';
import { systemClock } from '../src/broker/clock';
import { encodeRecordBatch } from '../src/broker/storage/record-batch';
import { GroupConsumer } from '../src/client';

const MEMBERS = 10;
const RECORDS_PER_BATCH = 10;
const VALUE_BYTES = 100;
const BATCHES_PER_ROUND = 2000;
const ROUNDS = 16;

async function rebalanceTenMembers(broker: Broker): Promise<number> {
  await broker.createTopic('rebalance', 12);
  const consumers = Array.from(
    { length: MEMBERS },
    (_, i) =>
      new GroupConsumer(broker, {
        groupId: 'bench-rebalance',
        topics: ['rebalance'],
        clientId: `m${i}`,
        sessionTimeoutMs: 2000,
        rebalanceTimeoutMs: 3000,
        heartbeatIntervalMs: 20,
      }),
  );
  const start = process.hrtime.bigint();
  const joins = consumers.map((c) => c.join());
  const deadline = Date.now() + 30_000;
  for (;;) {
    const d = broker.describeGroup('bench-rebalance');
    const gen = consumers[0].generationId;
    if (
      d.state === 'Stable' &&
      d.members.length === MEMBERS &&
      d.generationId === gen &&
      consumers.every((c) => c.state === 'stable' && c.generationId === gen)
    )
      break;
    if (Date.now() > deadline)
      throw new Error(`10 members did not settle within 30 s (state ${d.state}, ${d.members.length} members)`);
    await new Promise((r) => setTimeout(r, 1));
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  await Promise.all(joins);
  const owned = consumers.flatMap((c) => c.assignment().map((tp) => tp.partition));
  if (new Set(owned).size !== 12 || owned.length !== 12)
    throw new Error(`bad assignment after the rebalance: ${owned}`);
  for (const c of consumers) await c.leave();
  return ms;
}

async function commitsPerSecond(broker: Broker): Promise<number> {
  await broker.createTopic('commits', 1);
  const n = 3000;
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const r = await broker.commitOffsets('bench-commits', '', -1, [
      { topic: 'commits', partition: 0, offset: i, metadata: null },
    ]);
    if (r[0].errorCode !== 0) throw new Error(`commit failed with ${r[0].errorCode}`);
  }
  const s = Number(process.hrtime.bigint() - start) / 1e9;
  return n / s;
}

function batch(producerId: number, producerEpoch: number, baseSequence: number): Buffer {
  const now = Date.now();
  const records = Array.from({ length: RECORDS_PER_BATCH }, (_, i) => ({
    key: Buffer.from(`k${i}`),
    value: Buffer.alloc(VALUE_BYTES, i),
    headers: [],
    timestamp: now,
  }));
  return encodeRecordBatch(records, { producerId, producerEpoch, baseSequence, compression: 0 });
}

async function idempotentVsPlain(
  broker: Broker,
): Promise<{ ratio: number; median: number; plain: number; idempotent: number }> {
  await broker.createTopic('plain', 1);
  await broker.createTopic('idem', 1);
  const { producerId, producerEpoch } = await broker.initProducerId(null);
  // Encode every batch up front, the same records for both producers (they differ only in the producer fields).
  const plainBatches: Buffer[] = [];
  const idemBatches: Buffer[] = [];
  for (let r = 0; r < ROUNDS + 1; r++) {
    for (let i = 0; i < BATCHES_PER_ROUND; i++) {
      plainBatches.push(batch(-1, -1, -1));
      idemBatches.push(batch(producerId, producerEpoch, (r * BATCHES_PER_ROUND + i) * RECORDS_PER_BATCH));
    }
  }
  let next = 0;
  let nextPlain = 0;
  const timeRound = (fn: () => void): number => {
    const start = process.hrtime.bigint();
    fn();
    return Number(process.hrtime.bigint() - start) / 1e9;
  };
  const plainRound = () => {
    for (let i = 0; i < BATCHES_PER_ROUND; i++) broker.appendRecordSet('plain', 0, plainBatches[nextPlain++]);
  };
  const idemRound = () => {
    for (let i = 0; i < BATCHES_PER_ROUND; i++) {
      const r = broker.appendRecordSet('idem', 0, idemBatches[next++]);
      if (r.duplicate) throw new Error('unexpected duplicate');
    }
  };
  // Warm-up round of each, not timed.
  plainRound();
  idemRound();
  let plainS = 0;
  let idemS = 0;
  const ratios: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    let p: number;
    let q: number;
    if (r % 2 === 0) {
      p = timeRound(plainRound);
      q = timeRound(idemRound);
    } else {
      q = timeRound(idemRound);
      p = timeRound(plainRound);
    }
    plainS += p;
    idemS += q;
    ratios.push(p / q);
    await broker.flush();
  }
  const total = ROUNDS * BATCHES_PER_ROUND;
  const plain = total / plainS;
  const idempotent = total / idemS;
  ratios.sort((a, b) => a - b);
  const median = (ratios[(ROUNDS - 1) >> 1] + ratios[ROUNDS >> 1]) / 2;
  return { ratio: idempotent / plain, median, plain, idempotent };
}

export async function run(): Promise<Record<string, number>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-bench-groups-'));
  const broker = await Broker.open({ dataDir: dir, clock: systemClock, initialRebalanceDelayMs: 0 });
  try {
    const rebalance = await rebalanceTenMembers(broker);
    console.log(
      `rebalance of ${MEMBERS} in-process members (20 ms heartbeats): ${rebalance.toFixed(1)} ms from first join to all stable`,
    );
    const commits = await commitsPerSecond(broker);
    console.log(`commits through Broker.commitOffsets: ${commits.toFixed(0)} commits/s`);
    const idem = await idempotentVsPlain(broker);
    console.log(
      `produce, ${RECORDS_PER_BATCH}-record batches: plain ${idem.plain.toFixed(0)} batches/s, idempotent ${idem.idempotent.toFixed(0)} batches/s, ratio ${idem.ratio.toFixed(3)} (target >= 0.9; median of per-round ratios ${idem.median.toFixed(3)})`,
    );
    return {
      rebalance_10_members_ms: Math.round(rebalance * 10) / 10,
      commits_per_s: Math.round(commits),
      idempotent_vs_plain_ratio: Math.round(idem.ratio * 1000) / 1000,
    };
  } finally {
    await broker.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
