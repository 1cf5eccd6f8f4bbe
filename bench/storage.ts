/**
 * Storage benchmark (`npm run bench -- --json --only storage`): the engine's append path against plain
 * sequential fs.writeSync of the same bytes, range reads, reopening a 1 GiB partition after a crash, peak RSS,
 * compacting 256 MiB of a compacted topic, and 10,000 partitions (2,000 topics × 5): restart time (clean, lazy;
 * and after a crash, eager), open files and RSS, and appends round-robin over more partitions than the segment
 * file cache holds (every append reopens its file).
 * Batches of 1,000 records with 100-byte values are encoded before timing: this measures the log, not the
 * encoder. Everything lives in a temp dir deleted at the end.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { monitorEventLoopDelay } from 'perf_hooks';
import { Broker } from '../src/broker/broker';
import { systemClock } from '../src/broker/clock';
import { openLogManager } from '../src/broker/storage/log-manager';
import { encodeRecordBatch } from '../src/broker/storage/record-batch';

const RECORDS_PER_BATCH = 1000;
const VALUE_BYTES = 100;
const TARGET_BYTES = 1 << 30;
const MB = 1024 * 1024;

function makeBatches(count: number): Buffer[] {
  const out: Buffer[] = [];
  const now = Date.now();
  for (let b = 0; b < count; b++) {
    const records = [];
    for (let i = 0; i < RECORDS_PER_BATCH; i++) {
      const value = Buffer.alloc(VALUE_BYTES, (b * 31 + i) & 0xff);
      records.push({ key: Buffer.from(`key-${i}`), value, headers: [], timestamp: now + i });
    }
    out.push(encodeRecordBatch(records, { producerId: -1, producerEpoch: -1, baseSequence: -1, compression: 0 }));
  }
  return out;
}

export async function run(): Promise<Record<string, number>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-bench-storage-'));
  const quiet = () => undefined;
  try {
    const batches = makeBatches(16);
    const batchBytes = batches[0].length;
    const count = Math.ceil(TARGET_BYTES / batchBytes);
    const options = {
      dataDir: path.join(dir, 'data'),
      clock: systemClock,
      flush: { intervalMs: 50 },
      logger: quiet,
      onEvent: quiet,
    };

    // The engine's append (validate every batch's CRC-32C + stamp + write + index) and a raw sequential
    // fs.writeSync of the same bytes, interleaved in rounds so both see the same page-cache and writeback state.
    const logs = await openLogManager(options);
    await logs.createTopic('bench', 1);
    const rawPath = path.join(dir, 'raw.bin');
    const fd = fs.openSync(rawPath, 'w');
    let rawNs = 0n;
    let appendNs = 0n;
    let rawPos = 0;
    let bytes = 0;
    const ROUND = 64;
    for (let done = 0; done < count; done += ROUND) {
      const n = Math.min(ROUND, count - done);
      let t = process.hrtime.bigint();
      for (let i = 0; i < n; i++) {
        const b = batches[(done + i) % batches.length];
        rawPos += fs.writeSync(fd, b, 0, b.length, rawPos);
      }
      rawNs += process.hrtime.bigint() - t;
      t = process.hrtime.bigint();
      for (let i = 0; i < n; i++) {
        const b = batches[(done + i) % batches.length];
        const headers = logs.parseRecordSet('bench', 0, b);
        logs.appendValidated('bench', 0, b, headers);
        bytes += b.length;
      }
      appendNs += process.hrtime.bigint() - t;
    }
    fs.closeSync(fd);
    fs.rmSync(rawPath);
    const rawMbPerS = rawPos / MB / (Number(rawNs) / 1e9);
    const appendSeconds = Number(appendNs) / 1e9;
    await logs.flush();
    const appendRecordsPerS = (count * RECORDS_PER_BATCH) / appendSeconds;
    const appendMbPerS = bytes / MB / appendSeconds;

    // Range reads, 1 MiB at a time, from the start to the end.
    let t0 = process.hrtime.bigint();
    let offset = 0;
    let readBytes = 0;
    const end = logs.partitionInfo('bench', 0).logEndOffset;
    while (offset < end) {
      const res = logs.read('bench', 0, offset, MB);
      readBytes += res.records.length;
      // every batch holds RECORDS_PER_BATCH records and has the same size
      offset += (res.records.length / batchBytes) * RECORDS_PER_BATCH;
    }
    const readSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const readMbPerS = readBytes / MB / readSeconds;

    // Crash (no close, no marker), then time the reopen: only the tail past the recovery point is checked.
    (logs as unknown as { crash(): void }).crash();
    t0 = process.hrtime.bigint();
    const reopened = await openLogManager(options);
    const reopenMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const info = reopened.partitionInfo('bench', 0);
    if (info.logEndOffset !== end || reopened.openedCleanly)
      throw new Error(`reopen lost data: end ${info.logEndOffset} != ${end}`);
    (reopened as unknown as { crash(): void }).crash();

    // Worst case: no recovery point at all, every byte of the 1 GiB is CRC-checked.
    fs.rmSync(path.join(options.dataDir, 'recovery-point-offset-checkpoint'));
    t0 = process.hrtime.bigint();
    const scanned = await openLogManager(options);
    const fullScanMs = Number(process.hrtime.bigint() - t0) / 1e6;
    if (scanned.partitionInfo('bench', 0).logEndOffset !== end) throw new Error('full-scan reopen lost data');
    await scanned.close();
    const peakRssMb = process.resourceUsage().maxRSS / 1024;

    // Compaction: 256 MiB of a compacted topic in which every batch rewrites the same 1,000 keys, then Compact
    // Topic Now (roll, flush, clean). Measured after the peak RSS above, which stays the 1 GiB log's figure.
    const compactOptions = { ...options, dataDir: path.join(dir, 'compact') };
    const compactLogs = await openLogManager(compactOptions);
    await compactLogs.createTopic('compacted', 1, { 'cleanup.policy': 'compact' });
    const compactCount = Math.ceil((256 * MB) / batchBytes);
    for (let i = 0; i < compactCount; i++) {
      const b = Buffer.from(batches[i % batches.length]);
      compactLogs.appendValidated('compacted', 0, b, compactLogs.parseRecordSet('compacted', 0, b));
    }
    const rssBeforeCompact = process.memoryUsage().rss;
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    t0 = process.hrtime.bigint();
    const [cs] = await compactLogs.compactTopic('compacted');
    const compactSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    loop.disable();
    const compactRssGrowthMb = (process.memoryUsage().rss - rssBeforeCompact) / MB;
    if (cs.recordsAfter !== RECORDS_PER_BATCH)
      throw new Error(`compaction kept ${cs.recordsAfter} records, expected ${RECORDS_PER_BATCH}`);
    await compactLogs.close();

    const many = await manyPartitions(path.join(dir, 'many'), batches);

    const figures = {
      ...many,
      append_records_per_s: Math.round(appendRecordsPerS),
      append_mb_per_s: round1(appendMbPerS),
      raw_write_mb_per_s: round1(rawMbPerS),
      append_vs_raw_ratio: Math.round((appendMbPerS / rawMbPerS) * 100) / 100,
      read_mb_per_s: round1(readMbPerS),
      reopen_1gib_ms: Math.round(reopenMs),
      reopen_1gib_full_scan_ms: Math.round(fullScanMs),
      peak_rss_mb: round1(peakRssMb),
      compact_mb_per_s: round1(cs.bytesBefore / MB / compactSeconds),
      compact_256mib_ms: Math.round(compactSeconds * 1000),
      compact_rss_growth_mb: round1(compactRssGrowthMb),
      compact_event_loop_max_ms: round1(loop.max / 1e6),
    };
    console.log(
      `log size: ${(bytes / MB).toFixed(0)} MiB in ${count} batches of ${RECORDS_PER_BATCH} records (${VALUE_BYTES}-byte values)`,
    );
    console.log(`append: ${figures.append_records_per_s.toLocaleString()} records/s, ${figures.append_mb_per_s} MB/s`);
    console.log(`raw fs.writeSync: ${figures.raw_write_mb_per_s} MB/s; append/raw = ${figures.append_vs_raw_ratio}`);
    console.log(`range read (1 MiB fetches): ${figures.read_mb_per_s} MB/s`);
    console.log(
      `reopen 1 GiB after a crash: ${figures.reopen_1gib_ms} ms (tail past the recovery point); with no recovery point (full CRC scan): ${figures.reopen_1gib_full_scan_ms} ms`,
    );
    console.log(`peak RSS: ${figures.peak_rss_mb} MB`);
    console.log(
      `compaction of 256 MiB (${cs.recordsBefore.toLocaleString()} → ${cs.recordsAfter.toLocaleString()} records): ${figures.compact_256mib_ms} ms, ${figures.compact_mb_per_s} MB/s, RSS growth ${figures.compact_rss_growth_mb} MB, longest event-loop stall ${figures.compact_event_loop_max_ms} ms`,
    );
    return figures;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function openFds(): number {
  try {
    return fs.readdirSync('/proc/self/fd').length;
  } catch {
    return -1; // not Linux
  }
}

/** 10,000 partitions: restart, open files, RSS, and appends that evict from the segment file cache. */
async function manyPartitions(dataDir: string, batches: Buffer[]): Promise<Record<string, number>> {
  const quiet = () => undefined;
  const options = { dataDir, clock: systemClock, flush: { intervalMs: 50 }, logger: quiet, onEvent: quiet };
  const TOPICS = 2000;
  const PER_TOPIC = 5;
  const small = encodeRecordBatch(
    [{ key: Buffer.from('k'), value: Buffer.alloc(VALUE_BYTES, 1), headers: [], timestamp: Date.now() }],
    { producerId: -1, producerEpoch: -1, baseSequence: -1, compression: 0 },
  );
  let logs = await openLogManager(options);
  let t0 = process.hrtime.bigint();
  for (let t = 0; t < TOPICS; t++) await logs.createTopic(`t${t}`, PER_TOPIC);
  const createMs = Number(process.hrtime.bigint() - t0) / 1e6;
  // One record in every partition, so each has a segment with data.
  for (let t = 0; t < TOPICS; t++)
    for (let p = 0; p < PER_TOPIC; p++) {
      const b = Buffer.from(small);
      logs.appendValidated(`t${t}`, p, b, logs.parseRecordSet(`t${t}`, p, b));
    }
  await logs.close();

  // Clean restart: partitions open lazily.
  t0 = process.hrtime.bigint();
  logs = await openLogManager(options);
  const restartMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (logs.partitionInfo(`t${TOPICS - 1}`, PER_TOPIC - 1).logEndOffset !== 1) throw new Error('restart lost data');
  const fdsAfterRestart = openFds();

  // Appends round-robin over 2,048 partitions (4× the default 512 open files): every append reopens its file.
  const ROUND_ROBIN = 2048;
  const count = Math.ceil((256 * MB) / batches[0].length);
  t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const k = i % ROUND_ROBIN;
    const topic = `t${Math.floor(k / PER_TOPIC)}`;
    const b = batches[i % batches.length];
    logs.appendValidated(topic, k % PER_TOPIC, b, logs.parseRecordSet(topic, k % PER_TOPIC, b));
  }
  const evictingSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await logs.flush();
  // Touch every partition (a read each), then count what is open.
  for (let t = 0; t < TOPICS; t++) for (let p = 0; p < PER_TOPIC; p++) logs.read(`t${t}`, p, 0, 1024);
  const fdsAllUsed = openFds();
  const rssMb = process.memoryUsage().rss / MB;
  await logs.close();

  // The whole broker (log, offsets, producer state) as the extension opens it: the first open has no producer
  // snapshot yet and rebuilds it from every partition's log, so the second one is timed (every later start).
  await (await Broker.open({ dataDir, logger: quiet })).close();
  t0 = process.hrtime.bigint();
  const broker = await Broker.open({ dataDir, logger: quiet });
  const brokerOpenMs = Number(process.hrtime.bigint() - t0) / 1e6;
  await broker.close();

  // After a crash every partition is opened and its tail checked at once (see docs/ARCHITECTURE.md).
  logs = await openLogManager(options);
  (logs as unknown as { crash(): void }).crash();
  t0 = process.hrtime.bigint();
  logs = await openLogManager(options);
  const uncleanMs = Number(process.hrtime.bigint() - t0) / 1e6;
  await logs.close();

  const figures = {
    create_10k_partitions_ms: Math.round(createMs),
    restart_10k_partitions_ms: Math.round(restartMs),
    broker_open_10k_partitions_ms: Math.round(brokerOpenMs),
    restart_10k_partitions_after_crash_ms: Math.round(uncleanMs),
    open_files_10k_partitions: fdsAllUsed,
    open_files_10k_partitions_after_restart: fdsAfterRestart,
    rss_10k_partitions_mb: round1(rssMb),
    append_evicting_records_per_s: Math.round((count * RECORDS_PER_BATCH) / evictingSeconds),
  };
  console.log(
    `10,000 partitions (${TOPICS} topics × ${PER_TOPIC}): created in ${figures.create_10k_partitions_ms} ms; clean restart ${figures.restart_10k_partitions_ms} ms (Broker.open ${figures.broker_open_10k_partitions_ms} ms); restart after a crash ${figures.restart_10k_partitions_after_crash_ms} ms`,
  );
  console.log(
    `open files: ${figures.open_files_10k_partitions_after_restart} after the restart, ${figures.open_files_10k_partitions} with every partition used; RSS ${figures.rss_10k_partitions_mb} MB`,
  );
  console.log(
    `append round-robin over ${ROUND_ROBIN} partitions (more than the segment files kept open): ${figures.append_evicting_records_per_s.toLocaleString()} records/s`,
  );
  return figures;
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
