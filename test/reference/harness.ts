/**
 * The reference tier's two brokers and its scenario runner. Root hooks (loaded by .mocharc.reference.json) start
 * Apache Kafka once (scripts/reference-kafka.mjs) and Kafka Lite in-process (engine + wire server, as the compat
 * harness does) before every test file, and stop both after. `scenario(title, fn)` is one mocha test that runs
 * `fn` against both brokers at once, each with its own connections, and compares what `fn` returns
 * (compare.ts, known-differences.ts). Topic and group names come from `ctx.name()`, the same on both brokers and
 * unique per scenario. Also the request helpers the scenarios share (create a topic and wait until it leads,
 * produce a batch, fetch, list offsets, join a group), written against the raw client of wire.ts.
 */
import * as path from 'path';
import type { Running } from '../compat/harness';
import { removeDir, startBroker } from '../compat/harness';
import { encodeRecordBatch, type EncodableRecord } from '../../src/broker/storage/record-batch';
import { compareAnswers } from './compare';
import { API, WireClient, type Msg } from './wire';

interface ReferenceKafka {
  version: string;
  bootstrap: string;
  port: number;
  pid: number;
  startupMs: number;
  logFile: string;
  rssKb(): number | null;
  stop(): Promise<void>;
}

interface ReferenceKafkaModule {
  startKafka(opts?: { dir?: string; timeoutMs?: number }): Promise<ReferenceKafka>;
}

/** scripts/reference-kafka.mjs, from the repository root (found above the compiled file or the working dir). */
export function referenceKafkaModule(): ReferenceKafkaModule {
  const candidates = [path.resolve(process.cwd(), 'scripts/reference-kafka.mjs')];
  for (let d = __dirname; d !== path.dirname(d); d = path.dirname(d))
    candidates.push(path.join(d, 'scripts/reference-kafka.mjs'));
  let last: unknown;
  for (const c of candidates) {
    try {
      // Node >= 20.19 loads an ES module (without top-level await) with require.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return require(c) as ReferenceKafkaModule;
    } catch (e) {
      last = e;
      if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw e;
    }
  }
  throw new Error(`scripts/reference-kafka.mjs not found: ${(last as Error)?.message}`);
}

export interface Peer {
  name: 'Kafka' | 'Kafka Lite';
  port: number;
}

let kafka: ReferenceKafka | undefined;
let lite: Running | undefined;
let peers: Peer[] = [];

export function currentPeers(): Peer[] {
  if (peers.length !== 2) throw new Error('the reference brokers are not running (root hooks did not start them)');
  return peers;
}

export const mochaHooks = {
  async beforeAll(this: Mocha.Context): Promise<void> {
    this.timeout(180_000);
    const t0 = Date.now();
    const [k, l] = await Promise.all([referenceKafkaModule().startKafka(), startBroker()]);
    kafka = k;
    lite = l;
    peers = [
      { name: 'Kafka', port: k.port },
      { name: 'Kafka Lite', port: l.server.port },
    ];
    // Kafka creates __consumer_offsets on the first FindCoordinator; wait for it here so that no scenario sees
    // COORDINATOR_NOT_AVAILABLE from a broker that is merely still starting its group coordinator.
    const c = await WireClient.connect(k.port);
    try {
      for (let i = 0; ; i++) {
        const r = await c.request(API.FindCoordinator, 2, { key: 'warm-up', keyType: 0 });
        if (r.errorCode === 0) break;
        if (i > 300) throw new Error(`Kafka's group coordinator did not come up (error ${r.errorCode})`);
        await sleep(100);
      }
      // ... and __transaction_state on the first InitProducerId (COORDINATOR_LOAD_IN_PROGRESS until it leads).
      for (let i = 0; ; i++) {
        const r = await c.request(API.InitProducerId, V.InitProducerId, {
          transactionalId: null,
          transactionTimeoutMs: 60000,
        });
        if (r.errorCode === 0) break;
        if (i > 300) throw new Error(`Kafka's producer id manager did not come up (error ${r.errorCode})`);
        await sleep(100);
      }
    } finally {
      c.close();
    }
    console.log(
      `  reference Kafka ${k.version} on ${k.bootstrap}: answering Metadata ${(k.startupMs / 1000).toFixed(1)} s after spawn, RSS ${Math.round((k.rssKb() ?? 0) / 1024)} MiB; Kafka Lite on ${l.bootstrap}; ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
  },
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(60_000);
    await Promise.all([kafka?.stop(), lite?.stop()]);
    if (lite) removeDir(lite.dir);
  },
};

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Ctx {
  peer: Peer;
  /** The scenario's first connection. */
  c: WireClient;
  /** Another connection (closed after the scenario). */
  connect(clientId?: string): Promise<WireClient>;
  /** A name unique to this scenario, the same on both brokers. */
  name(prefix?: string): string;
}

let scenarioCount = 0;

/** One test: run `fn` on both brokers at once and compare the answers. */
export function scenario(title: string, fn: (ctx: Ctx) => Promise<unknown>, timeoutMs = 30_000): void {
  const id = ++scenarioCount;
  it(title, async function () {
    this.timeout(timeoutMs);
    const run = async (peer: Peer) => {
      const conns: WireClient[] = [];
      const connect = async (clientId?: string) => {
        const w = await WireClient.connect(peer.port, clientId);
        conns.push(w);
        return w;
      };
      let names = 0;
      try {
        const c = await connect();
        return await fn({ peer, c, connect, name: (prefix = 'r') => `${prefix}-${id}-${names++}` });
      } catch (e) {
        (e as Error).message = `${peer.name}: ${(e as Error).message}`;
        throw e;
      } finally {
        for (const w of conns) w.close();
      }
    };
    const [k, l] = currentPeers();
    const [a, b] = await Promise.all([run(k), run(l)]);
    compareAnswers(title, a, b);
  });
}

// ------------------------------------------------------------------ request helpers

export const V = {
  Produce: 8,
  Fetch: 11,
  ListOffsets: 7,
  Metadata: 8,
  CreateTopics: 4,
  DeleteTopics: 3,
  CreatePartitions: 1,
  DescribeConfigs: 3,
  DeleteRecords: 1,
  InitProducerId: 1,
  FindCoordinator: 2,
  JoinGroup: 5,
  SyncGroup: 3,
  Heartbeat: 3,
  LeaveGroup: 3,
  DescribeGroups: 4,
  ListGroups: 2,
  OffsetCommit: 7,
  OffsetFetch: 5,
  OffsetDelete: 0,
  DeleteGroups: 1,
} as const;

/** Metadata for named topics without auto-creating them. */
export function metadata(c: WireClient, topics: string[] | null, allowAutoTopicCreation = false): Promise<Msg> {
  return c.request(API.Metadata, V.Metadata, {
    topics: topics === null ? null : topics.map((name) => ({ name })),
    allowAutoTopicCreation,
  });
}

/** Wait until every partition of `topic` has a leader in the broker's metadata (Kafka propagates asynchronously). */
export async function waitLeaders(c: WireClient, topic: string, partitions: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const m = await metadata(c, [topic]);
    const t = m.topics[0];
    if (
      t &&
      t.errorCode === 0 &&
      t.partitions.length === partitions &&
      t.partitions.every((p: Msg) => p.leaderId >= 0 && p.errorCode === 0)
    )
      return;
    await sleep(50);
  }
  throw new Error(`topic ${topic} has no leader for all ${partitions} partitions`);
}

export async function createTopics(
  c: WireClient,
  topics: { name: string; numPartitions?: number; replicationFactor?: number; configs?: Record<string, string> }[],
  opts: { validateOnly?: boolean } = {},
): Promise<Msg> {
  return c.request(API.CreateTopics, V.CreateTopics, {
    topics: topics.map((t) => ({
      name: t.name,
      numPartitions: t.numPartitions ?? 1,
      replicationFactor: t.replicationFactor ?? 1,
      assignments: [],
      configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
    })),
    timeoutMs: 30000,
    validateOnly: opts.validateOnly ?? false,
  });
}

/** Create a topic that must succeed, and wait until it is ready for produce and fetch. */
export async function topic(
  c: WireClient,
  name: string,
  numPartitions = 1,
  configs: Record<string, string> = {},
): Promise<string> {
  const r = await createTopics(c, [{ name, numPartitions, configs }]);
  if (r.topics[0].errorCode !== 0)
    throw new Error(`create topic ${name}: error ${r.topics[0].errorCode} ${r.topics[0].errorMessage}`);
  await waitLeaders(c, name, numPartitions);
  // Kafka's metadata cache can name a leader a moment before its replica manager leads the partition (a produce
  // then answers NOT_LEADER_OR_FOLLOWER): ListOffsets goes through the replica manager, so wait for it too.
  for (let p = 0; p < numPartitions; p++) {
    for (let i = 0; (await listOffset(c, name, p, -1)).errorCode !== 0; i++) {
      if (i > 200) throw new Error(`${name}-${p} does not answer ListOffsets`);
      await sleep(25);
    }
  }
  return name;
}

export interface BatchOpts {
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  timestamps?: number[];
  baseTimestamp?: number;
}

/** One record batch holding `values` (key k<i>), timestamps baseTimestamp + i unless given. */
export function batch(values: string[], opts: BatchOpts = {}): Buffer {
  const base = opts.baseTimestamp ?? 1_700_000_000_000;
  const records: EncodableRecord[] = values.map((v, i) => ({
    key: Buffer.from(`k${i}`),
    value: Buffer.from(v),
    headers: [],
    timestamp: opts.timestamps?.[i] ?? base + i,
  }));
  return encodeRecordBatch(records, {
    producerId: opts.producerId ?? -1,
    producerEpoch: opts.producerEpoch ?? -1,
    baseSequence: opts.baseSequence ?? -1,
    compression: 0,
  });
}

export function produce(
  c: WireClient,
  topicName: string,
  partition: number,
  records: Buffer | null,
  opts: { acks?: number; version?: number } = {},
): Promise<Msg> {
  return c.request(API.Produce, opts.version ?? V.Produce, {
    transactionalId: null,
    acks: opts.acks ?? -1,
    timeoutMs: 30000,
    topicData: [{ name: topicName, partitionData: [{ index: partition, records }] }],
  });
}

/** The partition response of a one-partition produce. */
export async function produceOne(
  c: WireClient,
  topicName: string,
  partition: number,
  records: Buffer | null,
  opts: { acks?: number } = {},
): Promise<Msg> {
  const r = await produce(c, topicName, partition, records, opts);
  return r.responses[0].partitionResponses[0];
}

export function fetch(
  c: WireClient,
  topicName: string,
  partition: number,
  fetchOffset: number,
  opts: {
    maxWaitMs?: number;
    minBytes?: number;
    maxBytes?: number;
    partitionMaxBytes?: number;
    /** 0 read_uncommitted (default), 1 read_committed. */
    isolationLevel?: 0 | 1;
  } = {},
): Promise<Msg> {
  return c.request(
    API.Fetch,
    V.Fetch,
    {
      replicaId: -1,
      maxWaitMs: opts.maxWaitMs ?? 0,
      minBytes: opts.minBytes ?? 1,
      maxBytes: opts.maxBytes ?? 52428800,
      isolationLevel: opts.isolationLevel ?? 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        {
          topic: topicName,
          partitions: [
            {
              partition,
              currentLeaderEpoch: -1,
              fetchOffset,
              logStartOffset: -1,
              partitionMaxBytes: opts.partitionMaxBytes ?? 1048576,
            },
          ],
        },
      ],
      forgottenTopicsData: [],
      rackId: '',
    },
    { timeoutMs: (opts.maxWaitMs ?? 0) + 15000 },
  );
}

/** The partition answer of a one-partition fetch. */
export async function fetchOne(
  c: WireClient,
  topicName: string,
  partition: number,
  fetchOffset: number,
  opts: Parameters<typeof fetch>[4] = {},
): Promise<Msg> {
  const r = await fetch(c, topicName, partition, fetchOffset, opts);
  return { errorCode: r.errorCode, ...r.responses[0].partitions[0] };
}

/** ListOffsets for one partition at `timestamp` (-1 latest, -2 earliest, -3 max timestamp). */
export async function listOffset(c: WireClient, topicName: string, partition: number, timestamp: number): Promise<Msg> {
  const r = await c.request(API.ListOffsets, V.ListOffsets, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [{ name: topicName, partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp }] }],
  });
  return r.topics[0].partitions[0];
}

/** Consumer-protocol subscription metadata (version 0) for `topics`. */
export function subscription(topics: string[]): Buffer {
  const parts = [Buffer.from([0, 0])];
  const n = Buffer.alloc(4);
  n.writeInt32BE(topics.length);
  parts.push(n);
  for (const t of topics) {
    const l = Buffer.alloc(2);
    l.writeInt16BE(Buffer.byteLength(t));
    parts.push(l, Buffer.from(t));
  }
  parts.push(Buffer.from([0xff, 0xff, 0xff, 0xff])); // null user data
  return Buffer.concat(parts);
}

export function joinGroup(
  c: WireClient,
  groupId: string,
  memberId: string,
  topics: string[],
  opts: { sessionTimeoutMs?: number; rebalanceTimeoutMs?: number; protocolName?: string } = {},
): Promise<Msg> {
  return c.request(
    API.JoinGroup,
    V.JoinGroup,
    {
      groupId,
      sessionTimeoutMs: opts.sessionTimeoutMs ?? 10000,
      rebalanceTimeoutMs: opts.rebalanceTimeoutMs ?? 10000,
      memberId,
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [{ name: opts.protocolName ?? 'range', metadata: subscription(topics) }],
    },
    { timeoutMs: (opts.rebalanceTimeoutMs ?? 10000) + 15000 },
  );
}

/** JoinGroup v4+ twice: the first answers MEMBER_ID_REQUIRED with the id to use, the second joins with it. */
export async function joinNew(
  c: WireClient,
  groupId: string,
  topics: string[],
  opts: Parameters<typeof joinGroup>[4] = {},
): Promise<{ first: Msg; joined: Msg }> {
  const first = await joinGroup(c, groupId, '', topics, opts);
  const joined = await joinGroup(c, groupId, first.memberId, topics, opts);
  return { first, joined };
}

export function syncGroup(
  c: WireClient,
  groupId: string,
  generationId: number,
  memberId: string,
  assignments: { memberId: string; assignment: Buffer }[] = [],
): Promise<Msg> {
  return c.request(API.SyncGroup, V.SyncGroup, { groupId, generationId, memberId, groupInstanceId: null, assignments });
}

export function heartbeat(c: WireClient, groupId: string, generationId: number, memberId: string): Promise<Msg> {
  return c.request(API.Heartbeat, V.Heartbeat, { groupId, generationId, memberId, groupInstanceId: null });
}

export function describeGroups(c: WireClient, groups: string[]): Promise<Msg> {
  return c.request(API.DescribeGroups, V.DescribeGroups, { groups, includeAuthorizedOperations: false });
}

export function commitOffsets(
  c: WireClient,
  groupId: string,
  generation: number,
  memberId: string,
  topicName: string,
  offsets: [number, number][],
): Promise<Msg> {
  return c.request(API.OffsetCommit, V.OffsetCommit, {
    groupId,
    generationIdOrMemberEpoch: generation,
    memberId,
    groupInstanceId: null,
    topics: [
      {
        name: topicName,
        partitions: offsets.map(([partitionIndex, committedOffset]) => ({
          partitionIndex,
          committedOffset,
          committedLeaderEpoch: -1,
          committedMetadata: 'm',
        })),
      },
    ],
  });
}

export function fetchOffsets(c: WireClient, groupId: string, topics: { name: string; partitions: number[] }[] | null) {
  return c.request(API.OffsetFetch, V.OffsetFetch, {
    groupId,
    topics: topics === null ? null : topics.map((t) => ({ name: t.name, partitionIndexes: t.partitions })),
  });
}
