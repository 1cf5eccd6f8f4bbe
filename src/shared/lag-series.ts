/**
 * The lag-over-time series a panel draws (the consumer stepper's and the Group Details panel's chart), as the host
 * sends them: sample times (ms since the epoch, oldest first) with the group's total lag at each, and one line per
 * partition. Built by the LagSampler (src/extension/model/lag-sampler.ts) from Broker.groupLag, so the chart's lag
 * is the tree's and kafka-consumer-groups' lag (log end offset - committed offset).
 */
export interface LagLine {
  /** Sample times, oldest first. */
  t: number[];
  /** Lag at each time. */
  v: number[];
}

export interface PartitionLagLine extends LagLine {
  topic: string;
  partition: number;
}

export interface LagSeriesView {
  groupId: string;
  /** The sampling interval (the kafkaLite.lagSampling.intervalSeconds setting). */
  intervalMs: number;
  total: LagLine;
  partitions: PartitionLagLine[];
}
