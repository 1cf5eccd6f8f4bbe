/**
 * Lag sampling benchmark (`npm run bench -- --json --only lag`): the real LagSampler
 * (src/extension/model/lag-sampler.ts) at its default 5 s interval against a broker holding 100 consumer groups,
 * each with committed offsets on the 8 partitions of one of 10 topics (records in every partition, so each sample
 * computes 800 partition lags). For a fixed period (20 s; KAFKA_LITE_BENCH_LAG_SECONDS overrides) the process's
 * CPU time (process.cpuUsage: user + system) is divided by the wall time, 3 runs.
 * Figures: lag_sampling_cpu_percent (the worst run; target < 1% of one core, the extension host's budget; the
 * figure includes the idle broker's own timers, so it is an upper bound for the sampling alone),
 * lag_sampling_cpu_percent_range ("min-max" over the runs), lag_sample_ms (median time of one sample of all 100
 * groups, measured separately), lag_sampler_samples (samples taken per run) and lag_idle_cpu_percent (the same
 * broker for the same period without the sampler, the part of the figure that is not sampling).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Broker } from '../src/broker/broker';
import { systemClock } from '../src/broker/clock';
import { LagSampler } from '../src/extension/model/lag-sampler';

const GROUPS = 100;
const TOPICS = 10;
const PARTITIONS = 8;
const RUNS = 3;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function setUp(broker: Broker): Promise<void> {
  for (let t = 0; t < TOPICS; t++) {
    await broker.createTopic(`lag-${t}`, PARTITIONS);
    for (let p = 0; p < PARTITIONS; p++) {
      await broker.produce(
        `lag-${t}`,
        Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
        { partition: p },
      );
    }
  }
  for (let g = 0; g < GROUPS; g++) {
    const topic = `lag-${g % TOPICS}`;
    const r = await broker.commitOffsets(
      `bench-lag-${g}`,
      '',
      -1,
      Array.from({ length: PARTITIONS }, (_, p) => ({ topic, partition: p, offset: (g + p) % 20, metadata: null })),
    );
    if (r.some((x) => x.errorCode !== 0)) throw new Error('a setup commit failed');
  }
}

export async function run(): Promise<Record<string, number | string>> {
  const seconds = Number(process.env.KAFKA_LITE_BENCH_LAG_SECONDS ?? 20);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-bench-lag-'));
  const broker = await Broker.open({ dataDir: dir, clock: systemClock });
  try {
    await setUp(broker);
    // one sample of every group, timed on its own
    const once = new LagSampler({ getBroker: () => broker });
    const sampleMs: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t0 = process.hrtime.bigint();
      once.sampleNow();
      sampleMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    if (once.groups().length !== GROUPS) throw new Error(`sampled ${once.groups().length} groups, not ${GROUPS}`);
    const cpuPercentOver = async (ms: number): Promise<number> => {
      const cpu0 = process.cpuUsage();
      const wall0 = process.hrtime.bigint();
      await new Promise((res) => setTimeout(res, ms));
      const cpu = process.cpuUsage(cpu0);
      return (100 * (cpu.user + cpu.system)) / (Number(process.hrtime.bigint() - wall0) / 1e3);
    };
    const idle = await cpuPercentOver(seconds * 1000);
    const percents: number[] = [];
    let samples = 0;
    for (let r = 0; r < RUNS; r++) {
      const sampler = new LagSampler({ getBroker: () => broker });
      sampler.start();
      percents.push(await cpuPercentOver(seconds * 1000));
      sampler.stop();
      samples = sampler.samples;
    }
    const worst = Math.max(...percents);
    const range = `${Math.min(...percents).toFixed(3)}-${worst.toFixed(3)}`;
    console.log(
      `lag sampling of ${GROUPS} groups x ${PARTITIONS} partitions every ${new LagSampler({ getBroker: () => broker }).intervalMs / 1000} s: ` +
        `${worst.toFixed(3)}% CPU (worst of ${RUNS} runs of ${seconds} s; range ${range}%; target < 1%), ` +
        `one sample ${median(sampleMs).toFixed(2)} ms (median), ${samples} samples per run; without the sampler ${idle.toFixed(3)}%`,
    );
    return {
      lag_sampling_cpu_percent: +worst.toFixed(3),
      lag_sampling_cpu_percent_range: range,
      lag_sample_ms: +median(sampleMs).toFixed(3),
      lag_sampler_samples: samples,
      lag_idle_cpu_percent: +idle.toFixed(3),
    };
  } finally {
    await broker.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
