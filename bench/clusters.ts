/**
 * Clusters bench: a Kafka Lite broker in a child process (bench/wire-child.ts) read as a remote cluster over
 * loopback through WireCluster, the way "Use This Cluster" reads any Kafka.
 *   remote_tree_ms      a fresh connection's full tree (ClusterSnapshot.refresh + the root nodes of both views)
 *                       of a cluster with 1,000 topics and 100 groups with committed offsets; target < 2 s
 *   remote_page_ms      a page of 100 records (1 KB each) fetched from a remote partition; target < 200 ms
 *   remote_browser_page_ms  the record browser (its controller on a RemoteSource) opening a page of 100 decoded
 *                       records of that remote topic: one partition at an offset, the end, the whole topic merged
 *                       (the slowest of the three, median of 3 runs); target < 500 ms
 *   copy_records_per_s  copyRecords of 100,000 records of 1 KB from the remote cluster into an in-process
 *                       Kafka Lite (EmbeddedCluster); target >= 20,000 records/s
 * Each figure is the median of 3 runs; `*_min` / `*_max` give the range.
 */
import { fork } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Kafka, logLevel } from 'kafkajs';
import { Broker } from '../src/broker/broker';
import { copyRecords } from '../src/extension/clusters/copy';
import { EmbeddedCluster } from '../src/extension/clusters/embedded';
import { ClusterSnapshot } from '../src/extension/clusters/snapshot';
import { WireCluster } from '../src/extension/clusters/wire';
import { BrowserController } from '../src/extension/panels/browser-controller';
import type { BrowserSnapshot } from '../src/shared/browser-messages';
import { groupNodes, topicNodes } from '../src/extension/model/tree-model';

const TOPICS = 1000;
const GROUPS = 100;
const COPY_RECORDS = 100_000;
const RECORD_BYTES = 1024;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function figures(name: string, xs: number[], digits = 0): Record<string, number> {
  const round = (x: number) => Number(x.toFixed(digits));
  return {
    [name]: round(median(xs)),
    [`${name}_min`]: round(Math.min(...xs)),
    [`${name}_max`]: round(Math.max(...xs)),
  };
}

export async function run(): Promise<Record<string, number>> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-bench-clusters-'));
  const child = fork(path.join(__dirname, 'wire-child.js'), [path.join(tmp, 'remote')], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const local = await Broker.open({ dataDir: path.join(tmp, 'local'), flushIntervalMs: 1000 });
  let remote: WireCluster | undefined;
  try {
    const { port } = await new Promise<{ port: number }>((resolve) =>
      child.once('message', (m) => resolve(m as { port: number })),
    );
    const bootstrap = `127.0.0.1:${port}`;
    const wire = new WireCluster({ name: 'bench-remote', brokers: [bootstrap], requestTimeoutMs: 30_000 });
    remote = wire;

    // 1,000 topics (one CreateTopics), a record in each, 100 groups with committed offsets.
    const t0 = performance.now();
    const admin = new Kafka({ clientId: 'bench', brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({
      topics: Array.from({ length: TOPICS }, (_, i) => ({
        topic: `t-${String(i).padStart(4, '0')}`,
        numPartitions: 2,
      })),
    });
    await admin.disconnect();
    for (let i = 0; i < TOPICS; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, j) =>
          wire.produce(`t-${String(i + j).padStart(4, '0')}`, [{ partition: 0, key: null, value: Buffer.from('x') }]),
        ),
      );
    }
    for (let g = 0; g < GROUPS; g++)
      await wire.resetOffsets(`g-${g}`, `t-${String(g).padStart(4, '0')}`, { kind: 'earliest' });
    console.log(
      `remote cluster: ${TOPICS} topics, ${GROUPS} groups made in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );

    const trees: number[] = [];
    for (let r = 0; r < 3; r++) {
      const fresh = new WireCluster({ name: 'bench-remote', brokers: [bootstrap], requestTimeoutMs: 30_000 });
      const s = performance.now();
      const snap = new ClusterSnapshot(fresh);
      await snap.refresh();
      const topics = topicNodes(snap);
      const groups = groupNodes(snap);
      trees.push(performance.now() - s);
      if (topics.length !== TOPICS || groups.length !== GROUPS)
        throw new Error(`the tree shows ${topics.length} topics and ${groups.length} groups`);
      await fresh.close();
    }
    console.log(
      `remote tree (${TOPICS} topics, ${GROUPS} groups): ${trees.map((x) => x.toFixed(0)).join(' / ')} ms (target < 2000)`,
    );

    // 100,000 records of 1 KB on the remote cluster, 4 partitions.
    await wire.createTopic('bulk', 4);
    const value = Buffer.alloc(RECORD_BYTES, 'r'.charCodeAt(0));
    const f0 = performance.now();
    for (let i = 0; i < COPY_RECORDS; i += 2000) {
      await wire.produce(
        'bulk',
        Array.from({ length: 2000 }, (_, j) => ({
          partition: (i + j) % 4,
          key: Buffer.from(`k${i + j}`),
          value,
          headers: [{ key: 'seq', value: Buffer.from(String(i + j)) }],
        })),
      );
    }
    console.log(
      `filled bulk with ${COPY_RECORDS} records of ${RECORD_BYTES} B in ${((performance.now() - f0) / 1000).toFixed(1)} s`,
    );

    const pages: number[] = [];
    for (let r = 0; r < 3; r++) {
      const s = performance.now();
      const page = await wire.fetch('bulk', r, 5000 + r * 1000, { maxRecords: 100 });
      pages.push(performance.now() - s);
      if (page.length !== 100) throw new Error(`a page of ${page.length} records`);
    }
    console.log(`remote page of 100 records: ${pages.map((x) => x.toFixed(1)).join(' / ')} ms (target < 200)`);

    const browserPages: number[] = [];
    {
      let last: BrowserSnapshot | undefined;
      const ctl = new BrowserController({
        getBroker: () => undefined,
        post: (m) => {
          if (m.type === 'snapshot') last = m.state;
        },
      });
      ctl.setSource({
        kind: 'remote',
        name: 'bench-remote',
        production: false,
        cluster: wire,
        connect: () => wire,
        confirmWrite: async () => false,
      });
      const filter = { text: '', regex: false, field: 'any' };
      let id = 1;
      const open = async (partition: number | null, seek: Record<string, unknown>): Promise<number> => {
        const s = performance.now();
        await ctl.handle({ type: 'open', id: id++, topic: 'bulk', partition, seek, filter, tail: false });
        const ms = performance.now() - s;
        if (last?.rows.length !== 100) throw new Error(`the browser showed ${last?.rows.length} rows, not 100`);
        return ms;
      };
      for (let r = 0; r < 3; r++) {
        const times = [
          await open(r, { kind: 'offset', offset: 5000 + r * 1000 }),
          await open(r, { kind: 'end' }),
          await open(null, { kind: 'beginning' }),
        ];
        console.log(
          `record browser on the remote cluster: offset ${times[0].toFixed(1)} ms, end ${times[1].toFixed(1)} ms, whole topic ${times[2].toFixed(1)} ms`,
        );
        browserPages.push(Math.max(...times));
      }
      ctl.dispose();
    }

    const rates: number[] = [];
    const target = new EmbeddedCluster(local);
    for (let r = 0; r < 3; r++) {
      const result = await copyRecords(wire, target, {
        sourceTopic: 'bulk',
        targetTopic: `bulk-copy-${r}`,
        selection: { kind: 'all' },
      });
      if (result.copied !== COPY_RECORDS) throw new Error(`copied ${result.copied} records`);
      rates.push(result.copied / (result.ms / 1000));
    }
    console.log(
      `copy ${COPY_RECORDS} records of 1 KB remote → Kafka Lite: ${rates.map((x) => x.toFixed(0)).join(' / ')} records/s (target >= 20000)`,
    );
    return {
      ...figures('remote_tree_ms', trees),
      ...figures('remote_page_ms', pages, 1),
      ...figures('remote_browser_page_ms', browserPages, 1),
      ...figures('copy_records_per_s', rates),
    };
  } finally {
    // Close the connections before the broker goes, so no socket sees a reset.
    await remote?.close();
    child.send({ cmd: 'exit' });
    await new Promise((r) => child.once('exit', r));
    await local.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
