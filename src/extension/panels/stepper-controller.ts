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
 */
import type { PanelSource } from './panel-source';
import { EMBEDDED_SOURCE } from './panel-source';
import type { Broker } from '../../broker/broker';
import { computeGroupLag } from '../../broker/lag';
import type { GroupDescription } from '../../broker/types';
import type { RequestHandlers } from '../../shared/ipc';
import { GroupConsumer } from '../../client/consumer';
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
}

interface LocalConsumer {
  name: string;
  groupId: string;
  consumer: GroupConsumer;
  broker: Broker;
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

  /** Work on `source` from now on: this window's broker, or the remote cluster the views show. */
  setSource(source: PanelSource): void {
    this.source = source;
  }

  constructor(private readonly opts: StepperControllerOptions) {
    this.topic = opts.topic ?? '';
    this.groupId = opts.groupId ?? '';
    this.caption = opts.caption ?? null;
    this.log = opts.log ?? noLog;
    this.sessionTimeoutMs = opts.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS;
    this.watchBroker();
    this.offSample = opts.lagSampler?.onSample(() => this.schedulePush());
  }

  handle(raw: unknown): Promise<void> {
    return this.requests.run(() =>
      handleRequest(
        'stepper',
        raw,
        validateStepperRequest,
        this.handlers,
        (m) => this.opts.post(m),
        this.log,
        STEPPER_FIELD_LABELS,
      ),
    );
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

  brokerChanged(): void {
    const b = this.opts.getBroker();
    const stale = this.consumers.filter((c) => c.broker !== b);
    if (stale.length > 0) {
      this.consumers = this.consumers.filter((c) => c.broker === b);
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
    const all = this.consumers;
    this.consumers = [];
    await Promise.all(
      all.map(async (c) => {
        if (c.consumer.state === 'left' || c.consumer.state === 'crashed' || c.broker.isClosed) return;
        try {
          await c.consumer.leave();
        } catch {
          // the broker may be closing; the session timeout removes the member then
        }
      }),
    );
  }

  private watchBroker(): void {
    this.brokerWatch.update();
  }

  private subscribe(b: Broker): (() => void)[] {
    return [
      b.on('groupChanged', (e) => {
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
          else if (e.state === 'Stable') this.observeGeneration(b, e.groupId, false);
        }
        this.schedulePush();
      }),
      b.on('offsetsCommitted', (e) => {
        if (this.watched(e.groupId)) this.recordCommit(b, e.groupId, e.offsets);
        this.schedulePush();
      }),
      b.on('append', (e) => {
        if (e.topic === this.topic) this.schedulePush();
      }),
      b.on('txnMarker', (e) => {
        if (e.topic === this.topic) this.schedulePush();
      }),
      b.on('topicCreated', () => this.schedulePush()),
      b.on('topicDeleted', () => this.schedulePush()),
    ];
  }

  /** Coalesce bursts of broker events into one snapshot. */
  private schedulePush(): void {
    if (this.pushTimer || this.disposed) return;
    this.pushTimer = setTimeout(() => {
      this.pushTimer = undefined;
      if (!this.disposed) this.pushSnapshot();
    }, 30);
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

  /** The group's current generation on the panel's topic, when it is Stable. */
  private stableGeneration(b: Broker, groupId: string): GenerationAssignment | undefined {
    let d: GroupDescription;
    try {
      d = b.describeGroup(groupId);
    } catch {
      return undefined;
    }
    if (d.state !== 'Stable') return undefined;
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
  private observeGeneration(b: Broker, groupId: string, quiet: boolean): void {
    const next = this.stableGeneration(b, groupId);
    if (!next) return;
    const t = this.timeline(groupId);
    if (quiet && !t.last) {
      t.baseline(next, b.clock.now());
      return;
    }
    t.reached(next, b.clock.now(), (memberId) => {
      const c = this.consumers.find((x) => x.consumer.memberId === memberId && x.groupId === groupId);
      if (!c) return 'unknown';
      if (c.consumer.state === 'crashed') return 'expired';
      if (c.consumer.state === 'left') return 'left';
      return 'unknown';
    });
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
    const broker = requireBroker(this.opts.getBroker);
    if (this.groupId === '') throw new PanelError('Pick a topic and a group first.');
    if (this.levelOf(this.groupId) === level) {
      this.pushSnapshot();
      return;
    }
    this.isolation.set(this.groupId, level);
    for (const c of this.consumers) if (c.groupId === this.groupId) c.consumer.isolationLevel = level;
    this.timeline(this.groupId).add({ at: broker.clock.now(), kind: 'isolation', text: `isolation level ${level}` });
    this.pendingCaption = null;
    this.caption =
      level === 'read_committed'
        ? `Group "${this.groupId}" reads read_committed: its consumers stop at each partition's last stable offset (LSO), ` +
          `the first offset of a transaction still open, and never see aborted records.`
        : `Group "${this.groupId}" reads read_uncommitted: its consumers read up to the log end, records of open and aborted transactions included.`;
    this.pushSnapshot();
  }

  private async select(topic: string, groupId: string): Promise<void> {
    const broker = requireBroker(this.opts.getBroker);
    if (!broker.getTopic(topic)) throw new PanelError(`There is no topic "${topic}".`);
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
    for (const c of this.consumers) {
      if (c.consumer.state !== 'left' && c.consumer.state !== 'crashed') {
        try {
          await c.consumer.leave();
        } catch {
          // ignore: it is going away
        }
      }
    }
    this.consumers = [];
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

  private addConsumer(): void {
    const broker = requireBroker(this.opts.getBroker);
    if (this.topic === '' || this.groupId === '') throw new PanelError('Pick a topic and a group first.');
    if (!broker.getTopic(this.topic)) throw new PanelError(`There is no topic "${this.topic}".`);
    const active = this.consumers.filter((c) => c.consumer.state !== 'left');
    if (active.length >= MAX_LOCAL_CONSUMERS)
      throw new PanelError(`At most ${MAX_LOCAL_CONSUMERS} consumers per panel.`);
    const name = `consumer-${++this.counter}`;
    const consumer = new GroupConsumer(broker, {
      groupId: this.groupId,
      topics: [this.topic],
      clientId: `kafka-lite-stepper/${name}`,
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
    await c.consumer.commit();
    const parts = c.consumer.assignment();
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
    c.crashedAt = c.broker.clock.now();
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
    this.pendingCaption = null;
    this.caption = `${name} left the group cleanly (LeaveGroup): the group rebalances at once, without waiting for a session timeout.`;
    this.pushSnapshot();
  }

  private async remove(name: string): Promise<void> {
    const c = this.find(name);
    if (c.consumer.state !== 'left' && c.consumer.state !== 'crashed') {
      try {
        await c.consumer.leave();
      } catch {
        // removing anyway
      }
    }
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
  private advanceCaption(broker: Broker): void {
    const p = this.pendingCaption;
    if (!p) return;
    const local = this.consumers.find((c) => c.name === p.name);
    const describe = (groupId: string): GroupDescription | undefined => {
      try {
        return broker.describeGroup(groupId);
      } catch {
        return undefined;
      }
    };
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
      this.setCaption(
        `${p.name} joined group "${local.groupId}": the rebalance is over, the group is Stable at generation ${d.generationId}. ${owners(d)}.`,
        null,
      );
      return;
    }
    const d = describe(p.groupId);
    if (d && d.members.some((m) => m.memberId === p.memberId)) return; // its session has not expired yet
    if (d && d.state !== 'Stable' && d.state !== 'Empty' && d.state !== 'Dead') return; // still rebalancing
    const seconds = Math.round(this.sessionTimeoutMs / 1000);
    this.setCaption(
      d && d.members.length > 0
        ? `${p.name}'s session timed out (${seconds} s without a heartbeat): the broker removed it from group "${p.groupId}" ` +
            `and the group rebalanced to generation ${d.generationId}. ${owners(d)}. They start from the last committed offsets, ` +
            `so what ${p.name} read without committing is delivered again.`
        : `${p.name}'s session timed out (${seconds} s without a heartbeat): the broker removed it from group "${p.groupId}", ` +
            `which has no members left. The next consumer to join starts from the last committed offsets.`,
      null,
    );
  }

  /** The partitions where a read_committed consumer has read everything below the LSO while records lie beyond. */
  private waitingAtLso(c: LocalConsumer): { partition: number; lso: number; end: number }[] {
    if (c.consumer.isolationLevel !== 'read_committed' || c.consumer.state !== 'stable') return [];
    const out: { partition: number; lso: number; end: number }[] = [];
    for (const a of c.consumer.assignment()) {
      if (a.topic !== this.topic) continue;
      const end = c.broker.partitionInfo(a.topic, a.partition).logEndOffset;
      const lso = c.broker.lastStableOffset(a.topic, a.partition);
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
    const broker = this.opts.getBroker();
    const running = !!broker && !broker.isClosed;
    const base: StepperSnapshot = {
      brokerRunning: running,
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
      now: running ? broker.clock.now() : Date.now(),
      caption: this.caption,
      error: this.error,
    };
    if (!running) return base;
    for (const c of this.consumers) if (c.consumer.memberId) this.memberNames.set(c.consumer.memberId, c.name);
    this.advanceCaption(broker);
    base.caption = this.caption;
    if (this.groupId) {
      this.observeGeneration(broker, this.groupId, true);
      const t = this.timelines.get(this.groupId);
      base.timeline = t?.entries() ?? [];
      base.moves = t?.lastMoves ?? [];
      base.lagHistory = this.opts.lagSampler?.view(this.groupId, 120) ?? null;
    }
    base.topics = broker.listTopics().map((t) => ({ name: t.name, partitions: t.partitions }));
    base.groups = broker.listGroups().map((g) => g.groupId);
    const topicInfo = this.topic ? broker.getTopic(this.topic) : undefined;
    let desc: GroupDescription | undefined;
    if (this.groupId) {
      try {
        desc = broker.describeGroup(this.groupId);
      } catch {
        desc = undefined;
      }
    }
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
        desc.state === 'Dead'
          ? (broker.listGroups().find((g) => g.groupId === this.groupId)?.state ?? 'Empty')
          : desc.state;
      base.group = {
        state: state === 'Dead' ? 'Empty' : state,
        generationId: desc.generationId,
        leader: desc.leader,
        members,
      };
    }
    // Members of each group a panel consumer belongs to (a crashed member shows its countdown while still in it).
    const membersOf = new Map<string, Set<string>>();
    const inGroup = (groupId: string, memberId: string): boolean => {
      let set = membersOf.get(groupId);
      if (!set) {
        try {
          set = new Set(broker.describeGroup(groupId).members.map((m) => m.memberId));
        } catch {
          set = new Set();
        }
        membersOf.set(groupId, set);
      }
      return set.has(memberId);
    };
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
    if (topicInfo) {
      const all = Array.from({ length: topicInfo.partitions }, (_, i) => i);
      const committed = new Map<number, number>();
      if (this.groupId) {
        for (const c of broker.fetchOffsets(this.groupId, [{ topic: this.topic, partitions: all }]))
          committed.set(c.partition, c.offset);
      }
      // Every partition of the topic, with Broker.groupLag's one definition of lag (never committed: from log start).
      const lagOf = new Map(
        computeGroupLag(
          all.map((p) => ({ topic: this.topic, partition: p, offset: committed.get(p) ?? -1 })),
          [],
          (t, p) => broker.partitionInfo(t, p),
        ).partitions.map((r) => [r.partition, r.lag]),
      );
      const waiting = new Set(
        this.consumers
          .filter((c) => c.groupId === this.groupId)
          .flatMap((c) => this.waitingAtLso(c).map((w) => w.partition)),
      );
      base.partitions = all.map((p): PartitionView => {
        const info = broker.partitionInfo(this.topic, p);
        const com = committed.get(p) ?? -1;
        const ownerName = owner.get(p) ?? null;
        const localOwner = this.consumers.find((c) => c.name === ownerName && c.consumer.state === 'stable');
        const clientIds = new Map((desc?.members ?? []).map((m) => [m.memberId, m.clientId]));
        const history = this.groupId
          ? broker
              .commitHistory(this.groupId, this.topic, p)
              .slice(-8)
              .reverse()
              .map((e) => ({
                ...e,
                by: this.memberNames.get(e.memberId) ?? (clientIds.get(e.memberId) || e.memberId || 'an admin reset'),
              }))
          : [];
        return {
          partition: p,
          logStartOffset: info.logStartOffset,
          logEndOffset: info.logEndOffset,
          committed: com,
          position: localOwner ? localOwner.consumer.position(this.topic, p) : null,
          owner: ownerName,
          lag: lagOf.get(p) ?? 0,
          lastStableOffset: broker.lastStableOffset(this.topic, p),
          waitingAtLso: waiting.has(p),
          history,
        };
      });
      base.otherGroups = this.otherGroups(broker, all);
    }
    return base;
  }

  private otherGroups(broker: Broker, all: number[]): OtherGroupView[] {
    const out: OtherGroupView[] = [];
    for (const g of broker.listGroups()) {
      if (g.groupId === this.groupId) continue;
      const offs = broker
        .fetchOffsets(g.groupId, [{ topic: this.topic, partitions: all }])
        .filter((c) => c.offset >= 0);
      let subscribed: boolean;
      try {
        subscribed = broker
          .describeGroup(g.groupId)
          .members.some((m) => m.assignedPartitions.some((a) => a.topic === this.topic));
      } catch {
        subscribed = false;
      }
      if (offs.length === 0 && !subscribed) continue;
      const lag = computeGroupLag(offs, [], (t, p) => broker.partitionInfo(t, p)).partitions;
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
