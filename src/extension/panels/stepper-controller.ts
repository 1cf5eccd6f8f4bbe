/**
 * Host side of the consumer stepper, vscode-free: a person adds in-process consumers (real members of the group
 * through src/client's GroupConsumer, so they can share a group with a kafkajs app), then polls, commits, crashes
 * or removes them one at a time and watches the assignment, positions, commits and lag move. Switching to another
 * group on the same topic keeps the consumers of the first one, so two groups can be stepped side by side and
 * seen reading the same records independently (switching the topic makes every consumer leave). Pushes a full
 * snapshot after every change (group events from the broker, polls, commits).
 *
 * Guarantees: the panel remembers every (group, partition, offset) it has delivered to any of its consumers, so a
 * record delivered again to the same group after a crash or rebalance is flagged as redelivered (another group
 * reading it is not a redelivery); consumers never outlive the panel (dispose makes them leave). Its messages are
 * StepperProtocol's (src/shared/stepper-messages.ts). Created by the stepper's PanelSlot (panel-slot.ts; its spec
 * and the commands calling preset() and handle() are in index.ts) and by unit tests.
 *
 * Where it works is a PanelSource (panel-source.ts): this window's broker, or any Kafka cluster. On a remote
 * cluster the same GroupConsumer runs over the wire (src/extension/clusters/wire-member.ts), each member on a
 * connection of its own under client id `kafka-lite-stepper-<n>`; what the panel shows is read through the
 * source's cluster (topics, groups, committed offsets, log offsets and the LSO) every REMOTE_REFRESH_MS while the
 * panel is visible (setVisible; a hidden panel's members keep heartbeating, but nothing is read) and after
 * every action, with the one lag definition of src/broker/lag.ts. Adding a consumer (a join rebalances the
 * group's other members) awaits source.confirmWrite first. It never commits by itself: Commit is a button,
 * and the first commit to a group awaits source.confirmWrite (declined: nothing is committed, and the panel says
 * so). What the wire cannot tell (the generation of a group without a member in this panel, who committed when it
 * was not this panel) is shown as unknown. Switching source makes every member leave and resets the panel; a
 * panel restored after a reload that was on a remote cluster waits for setSource instead of falling back to this
 * window's broker.
 */
import type { PanelSource, RemoteSource } from './panel-source';
import { EMBEDDED_SOURCE, sameSource, sourceLabel } from './panel-source';
import type { Broker } from '../../broker/broker';
import { computeGroupLag } from '../../broker/lag';
import type { CommitHistoryEntry, GroupDescription, GroupListing } from '../../broker/types';
import type { RequestHandlers } from '../../shared/ipc';
import { GroupConsumer } from '../../client/consumer';
import type { PartitionOffsets } from '../../client/consumer-transport';
import type { CommittedOffsetRow } from '../clusters/cluster';
import {
  STEPPER_CLIENT_PREFIX,
  WireConsumerTransport,
  lastStableOffsets,
  wireMemberConnection,
} from '../clusters/wire-member';
import { generationEntries, movesBetween } from '../model/group-timeline';
import type { GenerationAssignment, TimelineEntry } from '../model/group-timeline';
import { GroupTimeline } from '../model/group-timeline';
import type { LagSampler } from '../model/lag-sampler';
import type {
  GroupMemberView,
  LocalConsumerView,
  OtherGroupView,
  PartitionView,
  PolledRecordRow,
  StepperHostMessage,
  StepperIsolationLevel,
  StepperProtocol,
  StepperSnapshot,
} from '../../shared/stepper-messages';
import { STEPPER_FIELD_LABELS, validateStepperRequest } from '../../shared/stepper-messages';
import type { BrokerGetter, PanelLog } from './controller-base';
import {
  PanelError,
  describeError,
  handleRequest,
  noLog,
  requireBroker,
  RequestQueue,
  BrokerWatch,
} from './controller-base';
import { shortText } from './record-format';

export const DEFAULT_SESSION_TIMEOUT_MS = 10_000;
const MAX_LOCAL_CONSUMERS = 16;
/** How often a panel on a remote cluster reads it again (the embedded broker pushes events instead). */
export const REMOTE_REFRESH_MS = 1500;
/** At most this many other groups' committed offsets are read per refresh on a remote cluster. */
const MAX_REMOTE_OTHER_GROUPS = 30;
/** How often the other groups' committed offsets are read again on a remote cluster. */
const OTHER_GROUPS_MS = 10_000;

export interface StepperControllerOptions {
  getBroker: BrokerGetter;
  post: (msg: StepperHostMessage) => void;
  log?: PanelLog;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  topic?: string;
  groupId?: string;
  /** Shown once, e.g. after a reload: "the consumers of this panel left the group". */
  caption?: string | null;
  /** Lag over time for the chart; without it the snapshot's lagHistory is null. */
  lagSampler?: LagSampler;
  /**
   * Restored after a reload from the saved state of a panel that worked on this remote cluster (its label): the
   * panel does nothing until setSource says where it works now.
   */
  restoredFrom?: string;
  /** How often a remote source is read again (tests shorten it). */
  remoteRefreshMs?: number;
}

/**
 * What a snapshot reads, for the panel's topic: live from this window's broker, or from the last read of a
 * remote cluster.
 */
interface StepperView {
  now: number;
  topics: { name: string; partitions: number }[];
  groups: GroupListing[];
  describe(groupId: string): GroupDescription | undefined;
  partitionCount(topic: string): number | undefined;
  /** Offsets of a partition of the panel's topic. */
  offsets(partition: number): PartitionOffsets | undefined;
  /** The group's committed offsets on the panel's topic (partition -> offset). */
  committed(groupId: string): Map<number, number>;
  history(groupId: string, partition: number): CommitHistoryEntry[];
  /**
   * A remote cluster's: DescribeGroups tells neither generation nor leader (known only through a member of this
   * panel), and who committed is known only for this panel's commits.
   */
  remote: boolean;
}

/** One read of a remote cluster for the panel's topic. */
interface RemoteRead {
  topic: string;
  at: number;
  topics: { name: string; partitions: number }[];
  groups: GroupListing[];
  described: Map<string, GroupDescription>;
  offsets: Map<number, PartitionOffsets>;
  committed: Map<string, Map<number, number>>;
}

interface LocalConsumer {
  name: string;
  groupId: string;
  consumer: GroupConsumer;
  /** The embedded broker it is a member on; null on a remote cluster. */
  broker: Broker | null;
  /** Its own connection on a remote cluster (closed once it left or crashed). */
  wire: WireConsumerTransport | null;
  lastPoll: PolledRecordRow[];
  crashedAt: number | null;
  note: string | null;
  joining: Promise<void> | null;
}

export class StepperController {
  private topic: string;
  private groupId: string;
  private consumers: LocalConsumer[] = [];
  private counter = 0;
  private delivered = new Set<string>();
  private caption: string | null;
  /**
   * What the caption describes while it is still going on: a consumer joining, or a crashed one whose session has
   * not timed out yet. Each snapshot checks it and, once it is over, says how it ended (the caption never stays
   * behind the group's real state).
   */
  private pendingCaption:
    | { kind: 'joining'; name: string }
    | { kind: 'crashed'; name: string; groupId: string; memberId: string; generationId: number }
    | null = null;
  /** Every member id a consumer of this panel had, with its name (for the commit history). */
  private readonly memberNames = new Map<string, string>();
  private error: string | null = null;
  private readonly brokerWatch = new BrokerWatch(
    () => this.opts.getBroker(),
    (b) => this.subscribe(b),
  );
  private pushTimer: NodeJS.Timeout | undefined;
  private readonly log: PanelLog;
  private readonly sessionTimeoutMs: number;
  private readonly requests = new RequestQueue();
  private disposed = false;
  /** Per group: the isolation level its panel consumers read with. */
  private readonly isolation = new Map<string, StepperIsolationLevel>();
  /** Per group: what happened to it while the panel watched (generations, moves, commits). */
  private readonly timelines = new Map<string, GroupTimeline>();
  private offSample: (() => void) | undefined;

  /** Where this panel works (panel-source.ts); set by the panel glue each time the panel is opened. */
  private source: PanelSource = EMBEDDED_SOURCE;
  /** Restored from a panel that worked on this remote cluster; nothing works until setSource. */
  private restoredFrom: string | null;
  /** The last read of the remote source, null before the first (or after a switch). */
  private remoteRead: RemoteRead | null = null;
  private remoteError: string | null = null;
  private refreshing: Promise<void> | null = null;
  private refreshAgain = false;
  private refreshTimer: NodeJS.Timeout | undefined;
  /** A hidden panel does not read its remote cluster periodically (setVisible). */
  private visible = true;
  /** Groups whose commits the person confirmed on the remote source (confirmWrite asked once per group). */
  private readonly confirmedCommits = new Set<string>();
  /** Remote only: commits seen per group and partition (this panel's with who, others' as unknown). */
  private readonly remoteHistory = new Map<string, Map<number, CommitHistoryEntry[]>>();
  /** Remote only: the other groups' committed offsets, read less often than the shown group's. */
  private otherCommitted = new Map<string, CommittedOffsetRow[]>();
  private otherGroupList: GroupListing[] = [];
  private otherDescribed = new Map<string, GroupDescription>();
  private otherCommittedAt = 0;
  private otherCommittedTopic = '';
  /** Remote only: each watched group's last state, to see a rebalance start between two reads. */
  private readonly remoteStates = new Map<string, string>();

  /**
   * Work on `source` from now on: this window's broker, or the remote cluster the views show. Another source than
   * the current one makes every consumer of the panel leave its group and resets the panel (topic, group,
   * timelines); the same source changes nothing.
   */
  setSource(source: PanelSource): void {
    const wasRestored = this.restoredFrom !== null;
    this.restoredFrom = null;
    if (sameSource(source, this.source) && !wasRestored) return;
    const before = this.source;
    this.source = source;
    const leaving = this.consumers;
    const had = leaving.map((c) => c.name);
    this.consumers = [];
    this.counter = 0;
    this.delivered.clear();
    this.timelines.clear();
    this.isolation.clear();
    this.memberNames.clear();
    this.confirmedCommits.clear();
    this.remoteHistory.clear();
    this.remoteStates.clear();
    this.remoteRead = null;
    this.remoteError = null;
    this.otherCommitted = new Map();
    this.otherGroupList = [];
    this.otherDescribed = new Map();
    this.otherCommittedAt = 0;
    this.topic = '';
    this.groupId = '';
    this.error = null;
    this.pendingCaption = null;
    this.caption =
      `Now working on ${sourceLabel(source)}.` +
      (had.length > 0 ? ` ${had.join(', ')} left their group on ${sourceLabel(before)}.` : '') +
      ' Pick a topic and a group.';
    // The members leave before any request made on the new source runs.
    void this.requests.run(() => Promise.all(leaving.map((c) => this.goodbye(c))).then(() => undefined));
    this.scheduleRefresh(0);
    this.pushSnapshot();
  }

  /** The panel was hidden or shown: a remote source is read periodically only while the panel is visible. */
  setVisible(visible: boolean): void {
    const shown = visible && !this.visible;
    this.visible = visible;
    if (shown) this.scheduleRefresh(0);
  }

  /** Where the panel works now (tests, the panel glue). */
  get where(): PanelSource {
    return this.source;
  }

  constructor(private readonly opts: StepperControllerOptions) {
    this.topic = opts.topic ?? '';
    this.groupId = opts.groupId ?? '';
    this.caption = opts.caption ?? null;
    this.restoredFrom = opts.restoredFrom ?? null;
    if (this.restoredFrom !== null) {
      this.topic = '';
      this.groupId = '';
      this.caption = null;
    }
    this.log = opts.log ?? noLog;
    this.sessionTimeoutMs = opts.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS;
    this.watchBroker();
    this.offSample = opts.lagSampler?.onSample(() => this.schedulePush());
  }

  handle(raw: unknown): Promise<void> {
    return this.requests.run(async () => {
      await handleRequest(
        'stepper',
        raw,
        validateStepperRequest,
        this.handlers,
        (m) => this.opts.post(m),
        this.log,
        STEPPER_FIELD_LABELS,
      );
      // A remote cluster pushes nothing: read it again right after each action.
      if (this.source.kind === 'remote') this.scheduleRefresh(30);
    });
  }

  /** Prefill the topic and/or group (opened from a tree node) while the panel has no consumers. */
  preset(topic: string | undefined, groupId: string | undefined): void {
    if (this.consumers.length > 0) return;
    if (topic) this.topic = topic;
    if (groupId) this.groupId = groupId;
    this.pushSnapshot();
  }

  /** Names of the panel's consumers (tests). */
  consumerNames(): string[] {
    return this.consumers.map((c) => c.name);
  }

  /** Resolves once every consumer that is joining has finished (tests drive a FakeClock meanwhile). */
  async joined(): Promise<void> {
    await Promise.all(this.consumers.map((c) => c.joining ?? Promise.resolve()));
  }

  /** The consumer's member id in its group ('' before it joined; tests). */
  memberIdOf(name: string): string {
    return this.find(name).consumer.memberId;
  }

  brokerChanged(): void {
    const b = this.opts.getBroker();
    const stale = this.consumers.filter((c) => c.broker !== null && c.broker !== b);
    if (stale.length > 0) {
      this.consumers = this.consumers.filter((c) => !stale.includes(c));
      this.pendingCaption = null;
      this.caption = `The broker restarted: ${stale.map((c) => c.name).join(', ')} left the group with it. Add consumers again.`;
    }
    this.watchBroker();
    this.pushSnapshot();
  }

  /** Every panel consumer leaves the group (the panel closes or the window reloads). */
  async dispose(): Promise<void> {
    this.disposed = true;
    this.brokerWatch.dispose();
    this.offSample?.();
    if (this.pushTimer) clearTimeout(this.pushTimer);
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    await this.leaveAll();
  }

  /** Every consumer of the panel leaves its group (LeaveGroup) and the remote ones close their connections. */
  private async leaveAll(): Promise<void> {
    const all = this.consumers;
    this.consumers = [];
    await Promise.all(all.map((c) => this.goodbye(c)));
  }

  /** LeaveGroup unless it left or crashed already; then its own connection (remote) closes. Never throws. */
  private async goodbye(c: LocalConsumer): Promise<void> {
    const gone = c.consumer.state === 'left' || c.consumer.state === 'crashed' || !!c.broker?.isClosed;
    if (!gone) {
      try {
        // A remote cluster that stopped answering must not hold the panel: its session timeout removes the member.
        await Promise.race([c.consumer.leave(), new Promise((r) => setTimeout(r, c.wire ? 5000 : 60_000).unref())]);
      } catch {
        // the broker may be closing; the session timeout removes the member then
      }
    }
    if (c.wire && !c.wire.closed) await c.wire.close().catch(() => undefined);
  }

  private watchBroker(): void {
    this.brokerWatch.update();
  }

  private subscribe(b: Broker): (() => void)[] {
    const local = () => this.source.kind === 'embedded' && this.restoredFrom === null;
    return [
      b.on('groupChanged', (e) => {
        if (!local()) return;
        if (this.watched(e.groupId)) {
          if (e.state === 'PreparingRebalance')
            this.timeline(e.groupId).add({
              at: b.clock.now(),
              kind: 'rebalance',
              text:
                e.generationId > 0
                  ? `rebalance started: every member rejoins (generation ${e.generationId} ends)`
                  : 'rebalance started: the first members join',
            });
          else if (e.state === 'Stable') this.observeGeneration(this.embeddedView(b), e.groupId, false);
        }
        this.schedulePush();
      }),
      b.on('offsetsCommitted', (e) => {
        if (!local()) return;
        if (this.watched(e.groupId)) this.recordCommit(b, e.groupId, e.offsets);
        this.schedulePush();
      }),
      b.on('append', (e) => {
        if (local() && e.topic === this.topic) this.schedulePush();
      }),
      b.on('txnMarker', (e) => {
        if (local() && e.topic === this.topic) this.schedulePush();
      }),
      b.on('topicCreated', () => local() && this.schedulePush()),
      b.on('topicDeleted', () => local() && this.schedulePush()),
    ];
  }

  /** Coalesce bursts of broker events into one snapshot (on a remote source: after reading it again). */
  private schedulePush(): void {
    if (this.source.kind === 'remote') {
      this.scheduleRefresh(30);
      return;
    }
    if (this.pushTimer || this.disposed) return;
    this.pushTimer = setTimeout(() => {
      this.pushTimer = undefined;
      if (!this.disposed) this.pushSnapshot();
    }, 30);
  }

  // ------------------------------------------------------------------ a remote source

  /** Read the remote source again in `ms` (sooner than the periodic read when asked sooner). */
  private scheduleRefresh(ms: number): void {
    if (this.disposed || this.source.kind !== 'remote') {
      if (this.refreshTimer) clearTimeout(this.refreshTimer);
      this.refreshTimer = undefined;
      return;
    }
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      void this.refresh().then(() => {
        if (this.visible) this.scheduleRefresh(this.opts.remoteRefreshMs ?? REMOTE_REFRESH_MS);
      });
    }, ms);
    this.refreshTimer.unref?.();
  }

  /**
   * Read the remote source for the panel's topic and groups, then push a snapshot. Concurrent calls share one
   * read (and ask for one more after it when something changed meanwhile). Resolves after the push.
   */
  refresh(): Promise<void> {
    if (this.source.kind !== 'remote') {
      this.pushSnapshot();
      return Promise.resolve();
    }
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    const source = this.source;
    const p = (async () => {
      do {
        this.refreshAgain = false;
        try {
          const read = await this.readRemote(source);
          if (this.source !== source) return;
          this.remoteRead = read;
          this.remoteError = null;
          this.noticeRemote(read);
        } catch (e) {
          if (this.source !== source) return;
          this.remoteError = `${source.name}: ${describeError(e)}`;
        }
        this.pushSnapshot();
      } while (this.refreshAgain && !this.disposed);
    })().finally(() => (this.refreshing = null));
    this.refreshing = p;
    return p;
  }

  private async readRemote(source: RemoteSource): Promise<RemoteRead> {
    const cluster = source.cluster;
    const topic = this.topic;
    const ids = new Set<string>();
    if (this.groupId) ids.add(this.groupId);
    for (const c of this.consumers) ids.add(c.groupId);
    // The shown group and the panel's groups at every read; the group list, the other groups and their commits
    // at most every OTHER_GROUPS_MS (a shared cluster may have many groups).
    const fresh = Date.now() - this.otherCommittedAt >= OTHER_GROUPS_MS || this.otherCommittedTopic !== topic;
    const [page, listed, mine] = await Promise.all([
      cluster.listTopics(),
      fresh ? cluster.listGroups() : null,
      cluster.describeGroups([...ids]),
    ]);
    if (listed) this.otherGroupList = listed;
    const groups = [...this.otherGroupList];
    for (const d of mine)
      if (!groups.some((g) => g.groupId === d.groupId) && d.state !== 'Dead')
        groups.push({ groupId: d.groupId, protocolType: d.protocolType, state: d.state });
    groups.sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
    const others = groups.filter((g) => !ids.has(g.groupId)).slice(0, MAX_REMOTE_OTHER_GROUPS);
    const otherIds = others.map((g) => g.groupId);
    if (fresh) this.otherDescribed = new Map((await cluster.describeGroups(otherIds)).map((d) => [d.groupId, d]));
    const read: RemoteRead = {
      topic,
      at: Date.now(),
      topics: page.topics.map((t) => ({ name: t.name, partitions: t.partitions })),
      groups: groups.map((g) => {
        const d = mine.find((x) => x.groupId === g.groupId);
        return d && d.state !== 'Dead' ? { ...g, state: d.state } : g;
      }),
      described: new Map([...this.otherDescribed, ...mine.map((d) => [d.groupId, d] as const)]),
      offsets: new Map(),
      committed: new Map(),
    };
    if (fresh) {
      this.otherCommittedAt = Date.now();
      this.otherCommittedTopic = topic;
    }
    if (!topic || !read.topics.some((t) => t.name === topic)) return read;
    const [parts, committed, otherCommitted] = await Promise.all([
      cluster.partitionsOf([topic]),
      Promise.all([...ids].map(async (g) => [g, await cluster.committedOffsets(g)] as const)),
      fresh ? Promise.all(otherIds.map(async (g) => [g, await cluster.committedOffsets(g)] as const)) : null,
    ]);
    if (otherCommitted) this.otherCommitted = new Map(otherCommitted);
    const lso = await lastStableOffsets(cluster, topic, parts.get(topic));
    for (const g of otherIds) {
      const rows = this.otherCommitted.get(g);
      if (rows) committed.push([g, rows] as const);
    }
    for (const p of parts.get(topic) ?? [])
      read.offsets.set(p.partition, {
        logStartOffset: p.logStartOffset,
        logEndOffset: p.logEndOffset,
        lastStableOffset: lso.get(p.partition) ?? p.logEndOffset,
      });
    for (const [g, rows] of committed)
      read.committed.set(
        g,
        new Map(rows.filter((r: CommittedOffsetRow) => r.topic === topic).map((r) => [r.partition, r.offset])),
      );
    return read;
  }

  /**
   * What changed between two reads of a remote cluster, for the timeline: a rebalance that started, a new
   * assignment (generation), commits nobody in this panel made.
   */
  private noticeRemote(read: RemoteRead): void {
    const view = this.remoteView(read);
    for (const groupId of new Set([this.groupId, ...this.consumers.map((c) => c.groupId)])) {
      if (!groupId) continue;
      const d = read.described.get(groupId);
      const state = d?.state ?? 'Dead';
      const before = this.remoteStates.get(groupId);
      this.remoteStates.set(groupId, state);
      if (
        before !== undefined &&
        before !== state &&
        (state === 'PreparingRebalance' || state === 'CompletingRebalance') &&
        before !== 'PreparingRebalance' &&
        before !== 'CompletingRebalance'
      )
        this.timeline(groupId).add({ at: read.at, kind: 'rebalance', text: 'rebalance started: every member rejoins' });
      if (state === 'Stable') this.observeGeneration(view, groupId, before === undefined);
      // Commits: each committed offset that changed since the last read and was not this panel's.
      const now = read.committed.get(groupId) ?? new Map<number, number>();
      const hist = this.remoteHistoryOf(groupId);
      const changed: { partition: number; offset: number }[] = [];
      for (const [p, off] of now) {
        const list = hist.get(p) ?? [];
        const last = list.at(-1);
        if (last?.offset === off) continue;
        if (last === undefined && before === undefined) {
          // first look: the offset is known, who committed it is not
          hist.set(p, [{ offset: off, memberId: '', generationId: -1, timestamp: -1 }]);
          continue;
        }
        list.push({ offset: off, memberId: '', generationId: -1, timestamp: read.at });
        hist.set(p, list.slice(-8));
        changed.push({ partition: p, offset: off });
      }
      if (changed.length > 0 && read.topic === this.topic)
        this.timeline(groupId).add({
          at: read.at,
          kind: 'committed',
          text: `a member outside this panel (unknown) committed ${changed
            .sort((a, b) => a.partition - b.partition)
            .map((c) => `partition ${c.partition} at ${c.offset}`)
            .join(', ')}`,
        });
    }
  }

  private remoteHistoryOf(groupId: string): Map<number, CommitHistoryEntry[]> {
    let m = this.remoteHistory.get(groupId);
    if (!m) this.remoteHistory.set(groupId, (m = new Map()));
    return m;
  }

  private remoteView(read: RemoteRead): StepperView {
    const sameTopic = read.topic === this.topic;
    return {
      now: Date.now(),
      topics: read.topics,
      groups: read.groups,
      describe: (g) => read.described.get(g),
      partitionCount: (t) => read.topics.find((x) => x.name === t)?.partitions,
      offsets: (p) => (sameTopic ? read.offsets.get(p) : undefined),
      committed: (g) => (sameTopic ? (read.committed.get(g) ?? new Map()) : new Map()),
      history: (g, p) => this.remoteHistory.get(g)?.get(p) ?? [],
      remote: true,
    };
  }

  private embeddedView(b: Broker): StepperView {
    return {
      now: b.clock.now(),
      get topics() {
        return b.listTopics().map((t) => ({ name: t.name, partitions: t.partitions }));
      },
      get groups() {
        return b.listGroups();
      },
      describe: (g) => {
        try {
          return b.describeGroup(g);
        } catch {
          return undefined;
        }
      },
      partitionCount: (t) => b.getTopic(t)?.partitions,
      offsets: (p) => {
        const info = b.partitionInfo(this.topic, p);
        return {
          logStartOffset: info.logStartOffset,
          logEndOffset: info.logEndOffset,
          lastStableOffset: b.lastStableOffset(this.topic, p),
        };
      },
      committed: (g) => {
        const n = b.getTopic(this.topic)?.partitions ?? 0;
        const all = Array.from({ length: n }, (_, i) => i);
        return new Map(b.fetchOffsets(g, [{ topic: this.topic, partitions: all }]).map((c) => [c.partition, c.offset]));
      },
      history: (g, p) => b.commitHistory(g, this.topic, p),
      remote: false,
    };
  }

  /** The view a snapshot reads now; undefined when there is nothing to read (broker stopped, nothing read yet). */
  private currentView(): StepperView | undefined {
    if (this.restoredFrom !== null) return undefined;
    if (this.source.kind === 'remote') return this.remoteRead ? this.remoteView(this.remoteRead) : undefined;
    const b = this.opts.getBroker();
    return b && !b.isClosed ? this.embeddedView(b) : undefined;
  }

  /** Before an action: the panel works somewhere (a restored remote panel waits for setSource). */
  private assertUsable(): void {
    if (this.restoredFrom !== null) throw new PanelError(this.detachedText()!);
    if (this.source.kind === 'embedded') requireBroker(this.opts.getBroker);
  }

  private detachedText(): string | null {
    return this.restoredFrom === null
      ? null
      : `This panel was working on ${this.restoredFrom}; open it again from that cluster's Consumer Groups view.`;
  }

  /** Does the topic exist where the panel works? (Remote: asks the cluster.) */
  private async topicExists(topic: string): Promise<boolean> {
    if (this.source.kind === 'remote') return (await this.source.cluster.partitionsOf([topic])).has(topic);
    return !!requireBroker(this.opts.getBroker).getTopic(topic);
  }

  /** The shown group and every group a consumer of the panel belongs to. */
  private watched(groupId: string): boolean {
    return groupId === this.groupId || this.consumers.some((c) => c.groupId === groupId);
  }

  private timeline(groupId: string): GroupTimeline {
    let t = this.timelines.get(groupId);
    if (!t) {
      t = new GroupTimeline();
      this.timelines.set(groupId, t);
    }
    return t;
  }

  /**
   * The group's current generation on the panel's topic, when it is Stable. On a remote cluster DescribeGroups
   * does not carry the generation: it is known from a member of this panel whose assignment agrees with the
   * description (-1 when no member of this panel is in the group; undefined while they have not caught up).
   */
  private stableGeneration(view: StepperView, groupId: string): GenerationAssignment | undefined {
    let d = view.describe(groupId);
    if (!d || d.state !== 'Stable') return undefined;
    if (view.remote) {
      const described = d;
      const mine = this.consumers.filter(
        (c) => c.groupId === groupId && described.members.some((m) => m.memberId === c.consumer.memberId),
      );
      if (mine.length > 0) {
        const agree = mine.every((c) => {
          const m = described.members.find((x) => x.memberId === c.consumer.memberId)!;
          const theirs = m.assignedPartitions.flatMap((a) => a.partitions.map((p) => `${a.topic}/${p}`)).sort();
          const own = c.consumer
            .assignment()
            .map((a) => `${a.topic}/${a.partition}`)
            .sort();
          return c.consumer.state === 'stable' && theirs.join(',') === own.join(',');
        });
        const generations = new Set(mine.map((c) => c.consumer.generationId));
        if (!agree || generations.size !== 1) return undefined;
        d = { ...d, generationId: [...generations][0] };
      }
    }
    const owners = new Map<number, string>();
    const names = new Map<string, string>();
    for (const m of d.members) {
      names.set(m.memberId, this.nameOf(m.memberId, m.clientId));
      for (const a of m.assignedPartitions) {
        if (a.topic !== this.topic) continue;
        for (const p of a.partitions) owners.set(p, m.memberId);
      }
    }
    return { generationId: d.generationId, owners, names };
  }

  private nameOf(memberId: string, clientId?: string): string {
    const local = this.consumers.find((c) => c.consumer.memberId === memberId);
    if (local) this.memberNames.set(memberId, local.name);
    return this.memberNames.get(memberId) ?? (clientId || memberId);
  }

  /** A Stable generation: what moved since the last one (quiet = the first look at a group: only its state). */
  private observeGeneration(view: StepperView, groupId: string, quiet: boolean): void {
    const next = this.stableGeneration(view, groupId);
    if (!next) return;
    const t = this.timeline(groupId);
    if (quiet && !t.last) {
      if (next.generationId < 0) {
        t.add({
          at: view.now,
          kind: 'generation',
          text: `${next.names.size} member(s) (when shown; generation unknown)`,
        });
        t.last = next;
      } else t.baseline(next, view.now);
      return;
    }
    const departure = (memberId: string) => {
      const c = this.consumers.find((x) => x.consumer.memberId === memberId && x.groupId === groupId);
      if (!c) return 'unknown' as const;
      if (c.consumer.state === 'crashed') return 'expired' as const;
      if (c.consumer.state === 'left') return 'left' as const;
      return 'unknown' as const;
    };
    if (next.generationId >= 0) {
      t.reached(next, view.now, departure);
      return;
    }
    // Generation unknown (a remote group without a member of this panel): a new assignment is a new generation.
    const same = (a: GenerationAssignment) =>
      a.owners.size === next.owners.size &&
      [...next.owners].every(([p, m]) => a.owners.get(p) === m) &&
      a.names.size === next.names.size &&
      [...next.names.keys()].every((m) => a.names.has(m));
    if (t.last && same(t.last)) return;
    t.add(
      ...generationEntries(t.last, next, view.now, departure).map((e) =>
        e.kind === 'generation'
          ? { ...e, text: `a new generation (number unknown over the wire): ${next.names.size} member(s)` }
          : e,
      ),
    );
    t.lastMoves = movesBetween(t.last, next);
    t.last = next;
  }

  private recordCommit(
    b: Broker,
    groupId: string,
    offsets: { topic: string; partition: number; offset: number }[],
  ): void {
    const mine = offsets.filter((o) => o.topic === this.topic).sort((x, y) => x.partition - y.partition);
    if (mine.length === 0) return;
    const last = b.commitHistory(groupId, this.topic, mine[0].partition).at(-1);
    const who = last?.memberId ? this.nameOf(last.memberId) : 'an admin reset';
    const entry: TimelineEntry = {
      at: b.clock.now(),
      kind: 'committed',
      text: `${who} committed ${mine.map((o) => `partition ${o.partition} at ${o.offset}`).join(', ')}`,
    };
    this.timeline(groupId).add(entry);
  }

  private levelOf(groupId: string): StepperIsolationLevel {
    return this.isolation.get(groupId) ?? 'read_uncommitted';
  }

  private find(name: string): LocalConsumer {
    const c = this.consumers.find((x) => x.name === name);
    if (!c) throw new PanelError(`There is no ${name} in this panel (it may have been removed).`);
    return c;
  }

  /** One handler per request of StepperProtocol (src/shared/stepper-messages.ts). */
  private readonly handlers: RequestHandlers<StepperProtocol> = {
    ready: () => this.pushSnapshot(),
    select: (req) => this.select(req.topic, req.groupId),
    addConsumer: () => this.addConsumer(),
    poll: (req) => this.poll(req.consumer, req.max),
    commit: (req) => this.commit(req.consumer),
    crash: (req) => this.crash(req.consumer),
    leave: (req) => this.leave(req.consumer),
    remove: (req) => this.remove(req.consumer),
    isolation: (req) => this.setIsolation(req.level),
  };

  private setIsolation(level: StepperIsolationLevel): void {
    this.assertUsable();
    if (this.groupId === '') throw new PanelError('Pick a topic and a group first.');
    if (this.levelOf(this.groupId) === level) {
      this.pushSnapshot();
      return;
    }
    this.isolation.set(this.groupId, level);
    for (const c of this.consumers) if (c.groupId === this.groupId) c.consumer.isolationLevel = level;
    this.timeline(this.groupId).add({ at: this.now(), kind: 'isolation', text: `isolation level ${level}` });
    this.pendingCaption = null;
    this.caption =
      level === 'read_committed'
        ? `Group "${this.groupId}" reads read_committed: its consumers stop at each partition's last stable offset (LSO), ` +
          `the first offset of a transaction still open, and never see aborted records.`
        : `Group "${this.groupId}" reads read_uncommitted: its consumers read up to the log end, records of open and aborted transactions included.`;
    this.pushSnapshot();
  }

  /** The clock the panel's times are on: the embedded broker's, else the real one. */
  private now(): number {
    const b = this.source.kind === 'embedded' ? this.opts.getBroker() : undefined;
    return b && !b.isClosed ? b.clock.now() : Date.now();
  }

  private async select(topic: string, groupId: string): Promise<void> {
    this.assertUsable();
    if (!(await this.topicExists(topic)))
      throw new PanelError(
        `There is no topic "${topic}"${this.source.kind === 'remote' ? ` on ${this.source.name}` : ''}.`,
      );
    if (topic === this.topic && groupId === this.groupId) {
      this.pushSnapshot();
      return;
    }
    if (topic === this.topic) {
      // Another group on the same topic: the consumers of the others stay, with their own positions and commits.
      const others = this.consumers.filter((c) => c.consumer.state !== 'left');
      this.groupId = groupId;
      this.pendingCaption = null;
      this.caption =
        others.length > 0
          ? `Now showing group "${groupId}". ${others.map((c) => `${c.name} (${c.groupId})`).join(', ')} stay in their group: ` +
            `each group has its own assignment and committed offsets, so a consumer added here reads the same records independently.`
          : `Group "${groupId}" on topic "${topic}". Add consumers to make them members of the group.`;
      this.pushSnapshot();
      return;
    }
    const had = this.consumers.map((c) => c.name);
    await this.leaveAll();
    this.delivered.clear();
    this.topic = topic;
    this.groupId = groupId;
    this.pendingCaption = null;
    this.caption =
      had.length > 0
        ? `Switched to group "${groupId}" on "${topic}"; ${had.join(', ')} left the previous group.`
        : `Group "${groupId}" on topic "${topic}". Add consumers to make them members of the group.`;
    this.pushSnapshot();
  }

  private async addConsumer(): Promise<void> {
    this.assertUsable();
    if (this.topic === '' || this.groupId === '') throw new PanelError('Pick a topic and a group first.');
    if (!(await this.topicExists(this.topic))) throw new PanelError(`There is no topic "${this.topic}".`);
    const active = this.consumers.filter((c) => c.consumer.state !== 'left');
    if (active.length >= MAX_LOCAL_CONSUMERS)
      throw new PanelError(`At most ${MAX_LOCAL_CONSUMERS} consumers per panel.`);
    const source = this.source;
    // Joining rebalances the group's other members on somebody's cluster: a production cluster asks first.
    if (
      source.kind === 'remote' &&
      !(await source.confirmWrite(`Add a consumer to group ${this.groupId} (its other members rebalance)`))
    ) {
      this.caption = `No consumer was added: joining group "${this.groupId}" on ${sourceLabel(source)} was declined.`;
      this.pushSnapshot();
      return;
    }
    const n = ++this.counter;
    const name = `consumer-${n}`;
    const broker = source.kind === 'embedded' ? requireBroker(this.opts.getBroker) : null;
    // On a remote cluster: a connection of its own (its JoinGroup blocks it), named so the cluster's users see who.
    const clientId = source.kind === 'remote' ? `${STEPPER_CLIENT_PREFIX}${n}` : `kafka-lite-stepper/${name}`;
    const wire =
      source.kind === 'remote'
        ? new WireConsumerTransport(wireMemberConnection((id) => source.connect(id), clientId, this.sessionTimeoutMs))
        : null;
    const consumer = new GroupConsumer(wire ?? broker!, {
      groupId: this.groupId,
      topics: [this.topic],
      clientId,
      sessionTimeoutMs: this.sessionTimeoutMs,
      rebalanceTimeoutMs: this.sessionTimeoutMs,
      heartbeatIntervalMs: this.opts.heartbeatIntervalMs ?? 1000,
      assignor: 'range',
      autoOffsetReset: 'earliest',
      isolationLevel: this.levelOf(this.groupId),
    });
    const local: LocalConsumer = {
      name,
      groupId: this.groupId,
      consumer,
      broker,
      wire,
      lastPoll: [],
      crashedAt: null,
      note: null,
      joining: null,
    };
    consumer.on('rebalance', () => this.schedulePush());
    consumer.on('revoked', () => this.schedulePush());
    consumer.on('error', (e: unknown) => {
      local.note = describeError(e);
      this.schedulePush();
    });
    local.joining = consumer
      .join()
      .then(() => {
        local.joining = null;
        this.schedulePush();
      })
      .catch((e: unknown) => {
        local.joining = null;
        local.note = `Could not join: ${describeError(e)}`;
        this.schedulePush();
      });
    this.consumers.push(local);
    this.setCaption(
      `${name} is joining group "${this.groupId}": every member of that group rejoins and its leader computes a new assignment (a rebalance).`,
      { kind: 'joining', name },
    );
    this.pushSnapshot();
  }

  private async poll(name: string, max: number): Promise<void> {
    const c = this.find(name);
    this.assertLive(c, 'poll');
    const records = await c.consumer.poll(max);
    let redelivered = 0;
    c.lastPoll = records.map((r) => {
      const k = `${c.groupId}:${r.partition}:${r.offset}`;
      const again = this.delivered.has(k);
      if (again) redelivered++;
      this.delivered.add(k);
      return {
        partition: r.partition,
        offset: r.offset,
        key: shortText(r.key),
        value: shortText(r.value),
        redelivered: again,
      };
    });
    const parts = c.consumer.assignment().map((a) => a.partition);
    if (this.source.kind === 'remote') await this.refresh(); // the LSO and log end as they are now
    const atLso = this.waitingAtLso(c);
    const lsoNote = atLso.length
      ? ` It stopped at the last stable offset of ${atLso
          .map((w) => `partition ${w.partition} (LSO ${w.lso}, log end ${w.end})`)
          .join(
            ', ',
          )}: a transaction is still open there, and a read_committed consumer reads past it only once it commits (or skips it if it aborts).`
      : '';
    if (records.length === 0) {
      this.pendingCaption = null;
      this.caption =
        parts.length === 0
          ? `${name} owns no partition (idle: the group has more members than the topic has partitions), so its poll returns nothing.`
          : `${name} polled partitions ${parts.join(', ')}: no new records past its positions.${lsoNote}`;
    } else {
      this.pendingCaption = null;
      this.caption =
        `${name} polled ${records.length} record(s); its positions advanced past them. Nothing is committed until it commits.` +
        (redelivered > 0
          ? ` ${redelivered} of them had been delivered before (highlighted): they were read again from the last committed offset.`
          : '') +
        lsoNote;
    }
    this.pushSnapshot();
  }

  private async commit(name: string): Promise<void> {
    const c = this.find(name);
    this.assertLive(c, 'commit');
    const source = this.source;
    if (source.kind === 'remote' && !this.confirmedCommits.has(c.groupId)) {
      // A write to somebody's cluster: the person says yes first (once per group), or nothing is committed.
      if (!(await source.confirmWrite(`Commit offsets of group ${c.groupId}`))) {
        this.pendingCaption = null;
        this.caption = `Nothing was committed: committing offsets of group "${c.groupId}" on ${sourceLabel(source)} was declined.`;
        this.pushSnapshot();
        return;
      }
      this.confirmedCommits.add(c.groupId);
    }
    await c.consumer.commit();
    const parts = c.consumer.assignment();
    if (source.kind === 'remote') {
      const hist = this.remoteHistoryOf(c.groupId);
      const at = Date.now();
      for (const a of parts) {
        if (a.topic !== this.topic) continue;
        const list = hist.get(a.partition) ?? [];
        list.push({
          offset: c.consumer.position(a.topic, a.partition),
          memberId: c.consumer.memberId,
          generationId: c.consumer.generationId,
          timestamp: at,
        });
        hist.set(a.partition, list.slice(-8));
      }
      const mine = parts.filter((a) => a.topic === this.topic);
      if (mine.length > 0)
        this.timeline(c.groupId).add({
          at,
          kind: 'committed',
          text: `${name} committed ${mine.map((a) => `partition ${a.partition} at ${c.consumer.position(a.topic, a.partition)}`).join(', ')}`,
        });
    }
    this.pendingCaption = null;
    this.caption =
      parts.length === 0
        ? `${name} owns no partition: there was nothing to commit.`
        : `${name} committed ${parts.map((a) => `partition ${a.partition} at ${c.consumer.position(a.topic, a.partition)}`).join(', ')}: ` +
          `whoever owns these partitions next starts there.`;
    this.pushSnapshot();
  }

  private crash(name: string): void {
    const c = this.find(name);
    this.assertLive(c, 'crash');
    const memberId = c.consumer.memberId;
    const generationId = c.consumer.generationId;
    c.consumer.crash();
    c.crashedAt = c.consumer.transport.clock.now();
    // A crashed process's connection is gone too; the cluster notices only when the session times out.
    if (c.wire) void c.wire.close().catch(() => undefined);
    this.pendingCaption = { kind: 'crashed', name, groupId: c.groupId, memberId, generationId };
    this.caption =
      `${name} crashed: no commit, no goodbye. The broker notices only when its session times out ` +
      `(${Math.round(this.sessionTimeoutMs / 1000)} s without a heartbeat); then the group rebalances and the new owner ` +
      `of its partitions starts from the last committed offset, so uncommitted records are delivered again.`;
    this.pushSnapshot();
  }

  private async leave(name: string): Promise<void> {
    const c = this.find(name);
    this.assertLive(c, 'leave');
    await c.consumer.leave();
    if (c.wire) await c.wire.close().catch(() => undefined);
    this.pendingCaption = null;
    this.caption = `${name} left the group cleanly (LeaveGroup): the group rebalances at once, without waiting for a session timeout.`;
    this.pushSnapshot();
  }

  private async remove(name: string): Promise<void> {
    const c = this.find(name);
    await this.goodbye(c);
    this.consumers = this.consumers.filter((x) => x !== c);
    this.pendingCaption = null;
    this.caption = `${name} was removed from the panel.`;
    this.pushSnapshot();
  }

  private setCaption(text: string, pending: StepperController['pendingCaption']): void {
    this.caption = text;
    this.pendingCaption = pending;
  }

  /** When what the caption describes is over (joined, session expired), say how it ended. */
  private advanceCaption(view: StepperView): void {
    const p = this.pendingCaption;
    if (!p) return;
    const local = this.consumers.find((c) => c.name === p.name);
    const describe = (groupId: string): GroupDescription | undefined => view.describe(groupId);
    const owners = (d: GroupDescription): string =>
      d.members
        .map((m) => {
          const parts = m.assignedPartitions.filter((a) => a.topic === this.topic).flatMap((a) => a.partitions);
          const who = this.memberNames.get(m.memberId) ?? (m.clientId || m.memberId);
          return parts.length
            ? `${who} owns ${parts.length === 1 ? 'partition' : 'partitions'} ${parts.sort((a, b) => a - b).join(', ')}`
            : `${who} is idle`;
        })
        .join('; ');
    if (p.kind === 'joining') {
      if (!local) {
        this.pendingCaption = null;
        return;
      }
      const k = local.consumer;
      if (k.state !== 'stable') return;
      const d = describe(local.groupId);
      if (!d || d.state !== 'Stable') return;
      if (!d.members.some((m) => m.memberId === k.memberId)) return; // a remote read older than the join
      const generation = view.remote ? k.generationId : d.generationId;
      this.setCaption(
        `${p.name} joined group "${local.groupId}": the rebalance is over, the group is Stable at generation ${generation}. ${owners(d)}.`,
        null,
      );
      return;
    }
    const d = describe(p.groupId);
    if (d && d.members.some((m) => m.memberId === p.memberId)) return; // its session has not expired yet
    if (d && d.state !== 'Stable' && d.state !== 'Empty' && d.state !== 'Dead') return; // still rebalancing
    const seconds = Math.round(this.sessionTimeoutMs / 1000);
    const generation = view.remote
      ? (this.consumers.find((c) => c.groupId === p.groupId && c.consumer.state === 'stable')?.consumer.generationId ??
        -1)
      : (d?.generationId ?? -1);
    this.setCaption(
      d && d.members.length > 0
        ? `${p.name}'s session timed out (${seconds} s without a heartbeat): the broker removed it from group "${p.groupId}" ` +
            `and the group rebalanced${generation >= 0 ? ` to generation ${generation}` : ''}. ${owners(d)}. They start from the last committed offsets, ` +
            `so what ${p.name} read without committing is delivered again.`
        : `${p.name}'s session timed out (${seconds} s without a heartbeat): the broker removed it from group "${p.groupId}", ` +
            `which has no members left. The next consumer to join starts from the last committed offsets.`,
      null,
    );
  }

  /** The partitions where a read_committed consumer has read everything below the LSO while records lie beyond. */
  private waitingAtLso(c: LocalConsumer, view = this.currentView()): { partition: number; lso: number; end: number }[] {
    if (c.consumer.isolationLevel !== 'read_committed' || c.consumer.state !== 'stable' || !view) return [];
    const out: { partition: number; lso: number; end: number }[] = [];
    for (const a of c.consumer.assignment()) {
      if (a.topic !== this.topic) continue;
      const o = view.offsets(a.partition);
      if (!o) continue;
      const end = o.logEndOffset;
      const lso = o.lastStableOffset;
      if (lso < end && c.consumer.position(a.topic, a.partition) >= lso) out.push({ partition: a.partition, lso, end });
    }
    return out;
  }

  private assertLive(c: LocalConsumer, what: string): void {
    const s = c.consumer.state;
    if (s === 'left' || s === 'crashed')
      throw new PanelError(
        `${c.name} has ${s === 'left' ? 'left the group' : 'crashed'}; it cannot ${what}. Add a new consumer.`,
      );
  }

  snapshot(): StepperSnapshot {
    const view = this.currentView();
    const remote = this.source.kind === 'remote' || this.restoredFrom !== null;
    const detached = this.detachedText();
    const base: StepperSnapshot = {
      brokerRunning: this.source.kind === 'remote' || detached !== null || !!view,
      where: this.restoredFrom ?? sourceLabel(this.source),
      remote,
      detached,
      topics: [],
      groups: [],
      topic: this.topic,
      groupId: this.groupId,
      group: null,
      consumers: [],
      partitions: [],
      otherGroups: [],
      isolationLevel: this.levelOf(this.groupId),
      timeline: [],
      moves: [],
      lagHistory: null,
      sessionTimeoutMs: this.sessionTimeoutMs,
      now: view ? view.now : Date.now(),
      caption: detached ?? this.caption,
      error: this.error ?? (this.source.kind === 'remote' ? this.remoteError : null),
    };
    if (!view) {
      if (this.source.kind === 'remote' && !this.remoteError && detached === null)
        base.caption = `Reading ${sourceLabel(this.source)}…`;
      return base;
    }
    for (const c of this.consumers) if (c.consumer.memberId) this.memberNames.set(c.consumer.memberId, c.name);
    this.advanceCaption(view);
    base.caption = this.caption;
    if (this.groupId) {
      this.observeGeneration(view, this.groupId, true);
      const t = this.timelines.get(this.groupId);
      base.timeline = t?.entries() ?? [];
      base.moves = t?.lastMoves ?? [];
      base.lagHistory = view.remote ? null : (this.opts.lagSampler?.view(this.groupId, 120) ?? null);
    }
    base.topics = view.topics;
    base.groups = view.groups.map((g) => g.groupId);
    const partitionCount = this.topic ? view.partitionCount(this.topic) : undefined;
    const desc = this.groupId ? view.describe(this.groupId) : undefined;
    const byMember = new Map(this.consumers.map((c) => [c.consumer.memberId, c]));
    const owner = new Map<number, string>();
    if (desc) {
      const members: GroupMemberView[] = desc.members.map((m) => {
        const parts = m.assignedPartitions.filter((a) => a.topic === this.topic).flatMap((a) => a.partitions);
        const local = byMember.get(m.memberId)?.name ?? null;
        for (const p of parts) owner.set(p, local ?? m.memberId);
        return { memberId: m.memberId, clientId: m.clientId, local, partitions: parts.sort((a, b) => a - b) };
      });
      // A group with no members and no generation describes as Dead; the tree (and Kafka's listing) call it Empty.
      const state =
        desc.state === 'Dead' ? (view.groups.find((g) => g.groupId === this.groupId)?.state ?? 'Empty') : desc.state;
      // Over the wire DescribeGroups carries neither generation nor leader: known through a member of this panel.
      const mine = this.consumers.filter(
        (c) => c.groupId === this.groupId && c.consumer.state === 'stable' && byMember.has(c.consumer.memberId),
      );
      const generationId = view.remote
        ? desc.members.length > 0
          ? (mine.find((c) => desc.members.some((m) => m.memberId === c.consumer.memberId))?.consumer.generationId ??
            -1)
          : -1
        : desc.generationId;
      const leader = view.remote
        ? (mine.find((c) => c.consumer.isLeader && desc.members.some((m) => m.memberId === c.consumer.memberId))
            ?.consumer.memberId ?? null)
        : desc.leader;
      base.group = { state: state === 'Dead' ? 'Empty' : state, generationId, leader, members };
    }
    // Members of each group a panel consumer belongs to (a crashed member shows its countdown while still in it).
    const inGroup = (groupId: string, memberId: string): boolean =>
      !!view.describe(groupId)?.members.some((m) => m.memberId === memberId);
    base.consumers = this.consumers.map((c): LocalConsumerView => {
      const k = c.consumer;
      const assignment = k.state === 'stable' ? k.assignment().filter((a) => a.topic === this.topic) : [];
      return {
        name: c.name,
        groupId: c.groupId,
        memberId: k.memberId,
        state: k.state,
        isLeader: k.isLeader,
        generationId: k.generationId,
        partitions: assignment.map((a) => a.partition).sort((a, b) => a - b),
        positions: assignment.map((a) => ({ partition: a.partition, position: k.position(a.topic, a.partition) })),
        lastPoll: c.lastPoll,
        sessionExpiresAt:
          k.state === 'crashed' && c.crashedAt !== null && inGroup(c.groupId, k.memberId)
            ? c.crashedAt + this.sessionTimeoutMs
            : null,
        note: c.note,
      };
    });
    if (partitionCount !== undefined) {
      const all = Array.from({ length: partitionCount }, (_, i) => i);
      const committed = this.groupId ? view.committed(this.groupId) : new Map<number, number>();
      // Every partition of the topic, with Broker.groupLag's one definition of lag (never committed: from log start).
      const lagOf = new Map(
        computeGroupLag(
          all.map((p) => ({ topic: this.topic, partition: p, offset: committed.get(p) ?? -1 })),
          [],
          (_t, p) => view.offsets(p),
        ).partitions.map((r) => [r.partition, r.lag]),
      );
      const waiting = new Set(
        this.consumers
          .filter((c) => c.groupId === this.groupId)
          .flatMap((c) => this.waitingAtLso(c, view).map((w) => w.partition)),
      );
      const clientIds = new Map((desc?.members ?? []).map((m) => [m.memberId, m.clientId]));
      base.partitions = all.flatMap((p): PartitionView[] => {
        const info = view.offsets(p);
        if (!info) return [];
        const com = committed.get(p) ?? -1;
        const ownerName = owner.get(p) ?? null;
        const localOwner = this.consumers.find((c) => c.name === ownerName && c.consumer.state === 'stable');
        const history = this.groupId
          ? view
              .history(this.groupId, p)
              .slice(-8)
              .reverse()
              .map((e) => ({
                ...e,
                by:
                  this.memberNames.get(e.memberId) ??
                  (clientIds.get(e.memberId) || e.memberId || (view.remote ? 'unknown' : 'an admin reset')),
              }))
          : [];
        return [
          {
            partition: p,
            logStartOffset: info.logStartOffset,
            logEndOffset: info.logEndOffset,
            committed: com,
            position: localOwner ? localOwner.consumer.position(this.topic, p) : null,
            owner: ownerName,
            lag: lagOf.get(p) ?? 0,
            lastStableOffset: info.lastStableOffset,
            waitingAtLso: waiting.has(p),
            history,
          },
        ];
      });
      base.otherGroups = this.otherGroups(view);
    }
    return base;
  }

  private otherGroups(view: StepperView): OtherGroupView[] {
    const out: OtherGroupView[] = [];
    for (const g of view.groups) {
      if (g.groupId === this.groupId) continue;
      const offs = [...view.committed(g.groupId)]
        .filter(([, offset]) => offset >= 0)
        .map(([partition, offset]) => ({ topic: this.topic, partition, offset }));
      const subscribed = !!view
        .describe(g.groupId)
        ?.members.some((m) => m.assignedPartitions.some((a) => a.topic === this.topic));
      if (offs.length === 0 && !subscribed) continue;
      const lag = computeGroupLag(offs, [], (_t, p) => view.offsets(p)).partitions;
      out.push({
        groupId: g.groupId,
        state: g.state,
        positions: lag.map((r) => ({ partition: r.partition, committed: r.committedOffset, lag: r.lag })),
      });
    }
    return out;
  }

  pushSnapshot(): void {
    if (this.disposed) return;
    try {
      this.opts.post({ type: 'snapshot', state: this.snapshot() });
    } catch (e) {
      this.log('error', `[stepper] snapshot failed: ${describeError(e)}`);
    }
  }
}
