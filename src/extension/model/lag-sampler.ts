/**
 * Lag over time, sampled while the extension runs (vscode-free): every `intervalMs` the LagSampler asks the broker
 * for Broker.groupLag of every group it lists (the one definition of lag: log end offset - committed offset, log
 * end - log start for an assigned partition never committed; src/broker/lag.ts) and appends the group's total
 * and each partition's lag to fixed-size rings.
 *
 * Guarantees: memory is bounded, `capacity` samples per group and per partition (720 = one hour at the default
 * 5 s; the oldest is overwritten); a group the broker no longer lists, and a partition no longer in a group's lag
 * (its topic deleted, its offsets reset away), is dropped at the next sample; while no broker runs nothing is
 * sampled and nothing is dropped. The series are kept for the session only. Listeners run after each sample.
 * Used by the consumer stepper and the Group Details panel (src/extension/panels), wired in extension.ts, and
 * measured by bench/lag.ts.
 */
import type { Broker } from '../../broker/broker';
import type { LagLine, LagSeriesView, PartitionLagLine } from '../../shared/lag-series';
import { TopicPartitionMap } from '../../shared/topic-partition';

export const DEFAULT_LAG_INTERVAL_MS = 5000;
export const DEFAULT_LAG_CAPACITY = 720;

/** A fixed-capacity ring of (time, value) samples, oldest overwritten first. */
export class SampleRing {
  private readonly times: Float64Array;
  private readonly values: Float64Array;
  private start = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new Error(`a sample ring needs a capacity >= 1, not ${capacity}`);
    this.times = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
  }

  get length(): number {
    return this.count;
  }

  push(time: number, value: number): void {
    const i = (this.start + this.count) % this.capacity;
    this.times[i] = time;
    this.values[i] = value;
    if (this.count < this.capacity) this.count++;
    else this.start = (this.start + 1) % this.capacity;
  }

  /** The samples oldest first; with maxPoints, buckets of consecutive samples keep their largest value (a spike stays visible). */
  line(maxPoints = Infinity): LagLine {
    const t: number[] = [];
    const v: number[] = [];
    const stride = Math.max(1, Math.ceil(this.count / Math.max(1, maxPoints)));
    for (let k = 0; k < this.count; k += stride) {
      let best = -Infinity;
      let at = 0;
      for (let j = k; j < Math.min(this.count, k + stride); j++) {
        const i = (this.start + j) % this.capacity;
        if (this.values[i] >= best) best = this.values[i];
        at = this.times[i];
      }
      t.push(at);
      v.push(best);
    }
    return { t, v };
  }

  last(): { time: number; value: number } | undefined {
    if (this.count === 0) return undefined;
    const i = (this.start + this.count - 1) % this.capacity;
    return { time: this.times[i], value: this.values[i] };
  }
}

interface GroupSeries {
  total: SampleRing;
  partitions: TopicPartitionMap<SampleRing>;
}

export interface LagSamplerOptions {
  getBroker: () => Broker | undefined;
  intervalMs?: number;
  capacity?: number;
  /** The time stamped on a sample (default Date.now: the chart shows wall-clock times). */
  now?: () => number;
}

export class LagSampler {
  private readonly series = new Map<string, GroupSeries>();
  private readonly listeners = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;
  private _intervalMs: number;
  readonly capacity: number;
  private readonly now: () => number;
  /** How many samples were taken (every group at once counts as one). */
  samples = 0;

  constructor(private readonly opts: LagSamplerOptions) {
    this._intervalMs = validInterval(opts.intervalMs ?? DEFAULT_LAG_INTERVAL_MS);
    this.capacity = opts.capacity ?? DEFAULT_LAG_CAPACITY;
    this.now = opts.now ?? Date.now;
  }

  get intervalMs(): number {
    return this._intervalMs;
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  /** Sample now and then every intervalMs (the timer does not keep the process alive). */
  start(): void {
    this.stop();
    this.sampleNow();
    this.timer = setInterval(() => this.sampleNow(), this._intervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** A changed interval setting: restarts the timer when it runs. */
  setIntervalMs(ms: number): void {
    this._intervalMs = validInterval(ms);
    if (this.running) this.start();
  }

  onSample(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** One sample of every group's lag; a listener's failure does not stop the others. */
  sampleNow(): void {
    const broker = this.opts.getBroker();
    if (!broker || broker.isClosed) return;
    const at = this.now();
    const seen = new Set<string>();
    for (const g of broker.listGroups()) {
      let lag;
      try {
        lag = broker.groupLag(g.groupId);
      } catch {
        continue; // deleted between the listing and now: dropped below
      }
      seen.add(g.groupId);
      let s = this.series.get(g.groupId);
      if (!s) {
        s = { total: new SampleRing(this.capacity), partitions: new TopicPartitionMap() };
        this.series.set(g.groupId, s);
      }
      s.total.push(at, lag.totalLag);
      const rows = new TopicPartitionMap<true>();
      for (const p of lag.partitions) {
        rows.set(p.topic, p.partition, true);
        let ring = s.partitions.get(p.topic, p.partition);
        if (!ring) {
          ring = new SampleRing(this.capacity);
          s.partitions.set(p.topic, p.partition, ring);
        }
        ring.push(at, p.lag);
      }
      for (const [tp] of [...s.partitions.entries()]) {
        if (!rows.has(tp.topic, tp.partition)) s.partitions.delete(tp.topic, tp.partition);
      }
    }
    for (const id of [...this.series.keys()]) if (!seen.has(id)) this.series.delete(id);
    this.samples++;
    for (const l of [...this.listeners]) {
      try {
        l();
      } catch {
        // a panel that went away; the next sample still reaches the others
      }
    }
  }

  /** The groups with a series, sorted. */
  groups(): string[] {
    return [...this.series.keys()].sort();
  }

  /** Samples held for a group's total and for one partition (tests). */
  sampleCounts(groupId: string): { total: number; partitions: number[] } | undefined {
    const s = this.series.get(groupId);
    if (!s) return undefined;
    return { total: s.total.length, partitions: [...s.partitions.values()].map((r) => r.length) };
  }

  /** A group's series for a chart, each line at most maxPoints long; undefined when the group has none. */
  view(groupId: string, maxPoints = 240): LagSeriesView | undefined {
    const s = this.series.get(groupId);
    if (!s) return undefined;
    const partitions: PartitionLagLine[] = [...s.partitions.entries()]
      .map(([tp, ring]) => ({ topic: tp.topic, partition: tp.partition, ...ring.line(maxPoints) }))
      .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    return { groupId, intervalMs: this._intervalMs, total: s.total.line(maxPoints), partitions };
  }
}

function validInterval(ms: number): number {
  if (!Number.isFinite(ms) || ms < 100) throw new Error(`the lag sampling interval must be at least 100 ms, not ${ms}`);
  return ms;
}
