// Random walks over one transactional id shared by two producers (a current one and a zombie), checked step by
// step against a small model of Kafka's rules: who gets fenced, which moves are INVALID_TXN_STATE, which markers
// are written with which epoch, what the produce-path verifier answers, that timeouts abort, and that a crash
// (a new coordinator on the same files) changes nothing. Seeded, so a failure names the seed and the step.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FakeClock } from '../../../../src/broker/clock';
import { ErrorCode, KafkaError } from '../../../../src/broker/errors';
import type { Opened } from './helpers';
import { openCoordinator, RecordingMarkers, settle, tp } from './helpers';

/** mulberry32: a tiny seeded PRNG. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TIMEOUT = 1000;
const CHECK = 100;
const PARTITIONS = [tp('orders', 0), tp('orders', 1), tp('orders', 2), tp('payments', 0)];

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<number> {
  try {
    await (typeof p === 'function' ? p() : p);
    return ErrorCode.NONE;
  } catch (e) {
    if (e instanceof KafkaError) return e.code;
    throw e;
  }
}

describe('transaction coordinator: random walks against a model', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`seed ${seed}: 250 steps of init / add / end / time / crash agree with the model`, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kl-txn-random-'));
      const rand = rng(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
      const markers = new RecordingMarkers();
      const extra = { abortCheckIntervalMs: CHECK };
      let o: Opened = await openCoordinator(dir, { markers, extra });
      const model = {
        epoch: -1,
        state: 'none' as string,
        partitions: new Set<string>(),
        start: -1,
      };
      const producers: { epoch: number }[] = [];
      let pid = -1;
      let markerCount = 0;
      const expectMarkers = (commit: boolean, epoch: number) => {
        const call = markers.calls[markerCount++];
        assert.ok(call, 'a marker round was written');
        assert.deepStrictEqual(
          [call.marker.commit, call.marker.producerEpoch, [...call.partitions].sort()],
          [commit, epoch, [...model.partitions].sort()],
        );
      };
      try {
        for (let step = 0; step < 250; step++) {
          const where = `seed ${seed} step ${step}`;
          const op = pick(['init', 'add', 'add', 'add', 'end', 'time', 'crash'] as const);
          if (op === 'init') {
            const r = await o.coordinator.initProducerId('tx', TIMEOUT);
            if (model.state === 'Ongoing') {
              expectMarkers(false, model.epoch + 1);
              model.epoch += 2;
            } else model.epoch += 1;
            if (pid < 0) pid = r.producerId;
            assert.deepStrictEqual(r, { producerId: pid, producerEpoch: model.epoch }, where);
            model.state = 'Empty';
            model.partitions.clear();
            producers.push({ epoch: r.producerEpoch });
            if (producers.length > 2) producers.shift();
          } else if (op === 'add' && producers.length > 0) {
            const who = pick(producers);
            const p = pick(PARTITIONS);
            const code = await codeOf(() => o.coordinator.addPartitions('tx', pid, who.epoch, [p]));
            if (who.epoch !== model.epoch) assert.strictEqual(code, ErrorCode.PRODUCER_FENCED, where);
            else {
              assert.strictEqual(code, ErrorCode.NONE, where);
              if (model.state !== 'Ongoing') {
                model.start = o.clock.now();
                model.partitions.clear();
              }
              model.state = 'Ongoing';
              model.partitions.add(`${p.topic}-${p.partition}`);
            }
          } else if (op === 'end' && producers.length > 0) {
            const who = pick(producers);
            const commit = rand() < 0.5;
            const code = await codeOf(o.coordinator.endTxn('tx', pid, who.epoch, commit));
            if (who.epoch !== model.epoch) assert.strictEqual(code, ErrorCode.PRODUCER_FENCED, where);
            else if (model.state === 'Ongoing') {
              assert.strictEqual(code, ErrorCode.NONE, where);
              expectMarkers(commit, model.epoch);
              model.state = commit ? 'CompleteCommit' : 'CompleteAbort';
              model.partitions.clear();
            } else if ((model.state === 'CompleteCommit' && commit) || (model.state === 'CompleteAbort' && !commit))
              assert.strictEqual(code, ErrorCode.NONE, where);
            else assert.strictEqual(code, ErrorCode.INVALID_TXN_STATE, where);
          } else if (op === 'time') {
            o.clock.advance(Math.floor(rand() * 700));
            await settle();
            const d = o.coordinator.describe('tx');
            if (model.state === 'Ongoing') {
              const age = o.clock.now() - model.start;
              if (d?.state === 'CompleteAbort') {
                assert.ok(age > TIMEOUT, `${where}: aborted at age ${age}, before its timeout`);
                expectMarkers(false, model.epoch + 1);
                model.epoch += 1;
                model.state = 'CompleteAbort';
                model.partitions.clear();
              } else {
                assert.ok(age <= TIMEOUT + CHECK, `${where}: still Ongoing at age ${age}`);
              }
            }
          } else if (op === 'crash') {
            const clock = new FakeClock(o.clock.now());
            o = await openCoordinator(dir, { markers, clock, extra });
          }
          // The state and the verifier agree with the model after every step.
          const d = o.coordinator.describe('tx');
          if (model.state === 'none') assert.strictEqual(d, undefined, where);
          else {
            assert.deepStrictEqual(
              [d?.state, d?.producerEpoch, d?.partitions.map((x) => `${x.topic}-${x.partition}`).sort()],
              [model.state, model.epoch, [...model.partitions].sort()],
              where,
            );
            for (const p of PARTITIONS) {
              const key = `${p.topic}-${p.partition}`;
              const want =
                model.state === 'Ongoing' && model.partitions.has(key) ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE;
              assert.strictEqual(o.coordinator.verify('tx', pid, model.epoch, p), want, `${where}: verify ${key}`);
              if (model.epoch > 0)
                assert.strictEqual(
                  o.coordinator.verify('tx', pid, model.epoch - 1, p),
                  ErrorCode.INVALID_PRODUCER_EPOCH,
                  `${where}: a zombie is refused`,
                );
            }
          }
          assert.strictEqual(markers.calls.length, markerCount, `${where}: no unexpected marker round`);
        }
      } finally {
        await o.coordinator.close();
        await o.offsets.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
