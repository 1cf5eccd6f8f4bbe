/**
 * The consumer stepper panel's message protocol, declared once (StepperProtocol: each request's payload and
 * result, and the host's pushes) as the source of both sides' types: the host
 * (src/extension/panels/stepper-controller.ts, whose handlers and the validator below are typed from it) and the
 * webview (src/webview/stepper-panel.ts, whose requests are). Requests carry an `id`, replies echo it, and the host
 * pushes its whole state as a `snapshot` after every change (group events, polls, commits, timer ticks). The typing
 * machinery is src/shared/ipc.ts.
 */
import type { HostMessage, NoPayload, Req, RequestMessage } from './ipc';
import { requestValidator } from './ipc';
import type { LagSeriesView } from './lag-series';
import { fail, int, nonEmptyStr, obj, oneOf, str, topicName } from './validate';

export const STEPPER_VIEW_TYPE = 'kafkaLite.consumerStepper';
export const MAX_POLL = 500;

/** What the consumer stepper's webview asks of the host; no request has a result beyond ok / error. */
export type StepperProtocol = {
  requests: {
    /** The webview is ready: push a snapshot. */
    ready: Req<NoPayload>;
    /** Step this group on this topic (another topic makes every consumer of the panel leave). */
    select: Req<{ topic: string; groupId: string }>;
    addConsumer: Req<NoPayload>;
    /** `consumer` is a panel-local name ("consumer-1"); poll reads at most `max` records. */
    poll: Req<{ consumer: string; max: number }>;
    commit: Req<{ consumer: string }>;
    crash: Req<{ consumer: string }>;
    leave: Req<{ consumer: string }>;
    remove: Req<{ consumer: string }>;
    /** The isolation level of the shown group's panel consumers (those added later too). */
    isolation: Req<{ level: StepperIsolationLevel }>;
  };
  pushes: {
    /** The host's whole state, after every change. */
    snapshot: { state: StepperSnapshot };
  };
};

export type StepperRequest = RequestMessage<StepperProtocol>;

export type StepperIsolationLevel = 'read_uncommitted' | 'read_committed';
export const ISOLATION_LEVELS: readonly StepperIsolationLevel[] = ['read_uncommitted', 'read_committed'];

export interface PolledRecordRow {
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
  /** Already delivered to some consumer of this panel before (a redelivery after a crash or rebalance). */
  redelivered: boolean;
}

export type LocalConsumerState = 'idle' | 'joining' | 'stable' | 'left' | 'crashed';

export interface LocalConsumerView {
  /** Panel-local name ("consumer-1"), the handle used by poll/commit/crash/leave. */
  name: string;
  /** The group it is a member of (the panel can step consumers of several groups on the same topic). */
  groupId: string;
  memberId: string;
  state: LocalConsumerState;
  isLeader: boolean;
  generationId: number;
  partitions: number[];
  /** Current positions of its partitions (partition -> next offset to read). */
  positions: { partition: number; position: number }[];
  lastPoll: PolledRecordRow[];
  /** For crashed members still in the group: when the broker will expire the session (ms of the broker clock). */
  sessionExpiresAt: number | null;
  note: string | null;
}

export interface GroupMemberView {
  memberId: string;
  clientId: string;
  /** Name of the panel consumer, or null for a member from another client (e.g. a kafkajs app). */
  local: string | null;
  partitions: number[];
}

export interface PartitionView {
  partition: number;
  logStartOffset: number;
  logEndOffset: number;
  /** -1 when the group has no commit. */
  committed: number;
  /** Position of the panel consumer owning it, or null. */
  position: number | null;
  owner: string | null;
  /** Broker.groupLag's definition: log end - committed (log end - log start when never committed). */
  lag: number;
  /** The first offset of the oldest transaction still open, else the log end. */
  lastStableOffset: number;
  /** Its read_committed owner has read everything below the LSO and waits for the open transaction to end. */
  waitingAtLso: boolean;
  /** `by`: who committed, for a person: the panel consumer's name, else the member's client id, else its id. */
  history: { offset: number; memberId: string; by: string; generationId: number; timestamp: number }[];
}

export interface OtherGroupView {
  groupId: string;
  state: string;
  positions: { partition: number; committed: number; lag: number }[];
}

export interface StepperSnapshot {
  brokerRunning: boolean;
  /** Where the panel works, for its header: "Kafka Lite (this window)", "team-kafka (production)". */
  where: string;
  /** It works on a remote cluster (or was, before a reload). */
  remote: boolean;
  /**
   * Restored after a reload from a panel that worked on a remote cluster: what the person does to continue (the
   * panel does nothing meanwhile); null otherwise.
   */
  detached: string | null;
  topics: { name: string; partitions: number }[];
  groups: string[];
  topic: string;
  groupId: string;
  group: { state: string; generationId: number; leader: string | null; members: GroupMemberView[] } | null;
  consumers: LocalConsumerView[];
  partitions: PartitionView[];
  otherGroups: OtherGroupView[];
  /** The shown group's isolation level in this panel. */
  isolationLevel: StepperIsolationLevel;
  /** What happened to the shown group, oldest first (joined, rebalance started, generation N, moved, committed…). */
  timeline: { at: number; kind: string; text: string }[];
  /** Partitions whose owner changed in the shown group's last rebalance; from/to null: newly assigned / revoked. */
  moves: { partition: number; from: string | null; to: string | null }[];
  /** The shown group's lag over time (sampled while the extension runs), null before its first sample. */
  lagHistory: LagSeriesView | null;
  sessionTimeoutMs: number;
  /** The broker clock's now when the snapshot was made (the webview counts down from it). */
  now: number;
  /** Plain-language caption of the last thing that happened. */
  caption: string | null;
  error: string | null;
}

export type StepperHostMessage = HostMessage<StepperProtocol>;

function consumerName(o: Record<string, unknown>): string {
  const v = nonEmptyStr(o, 'consumer', 64);
  if (!/^consumer-\d{1,6}$/.test(v)) fail(`field "consumer": "${v}" is not a consumer of this panel`);
  return v;
}

/** The fields a person types, by the name used in their error messages (see inUserWords in ipc.ts). */
export const STEPPER_FIELD_LABELS: Readonly<Record<string, string>> = {
  groupId: 'The group id',
  max: 'Poll max',
  topic: 'The topic',
};

/** The host's check of every message from the stepper webview. */
export const validateStepperRequest = requestValidator<StepperProtocol>({
  ready: () => ({}),
  select: (o) => {
    const groupId = nonEmptyStr(o, 'groupId', 255);
    return { topic: topicName(o, 'topic'), groupId };
  },
  addConsumer: () => ({}),
  poll: (o) => ({ consumer: consumerName(o), max: int(o, 'max', 1, MAX_POLL) }),
  commit: (o) => ({ consumer: consumerName(o) }),
  crash: (o) => ({ consumer: consumerName(o) }),
  leave: (o) => ({ consumer: consumerName(o) }),
  remove: (o) => ({ consumer: consumerName(o) }),
  isolation: (o) => ({ level: oneOf(o, 'level', ISOLATION_LEVELS) }),
});

/** Saved by the webview; consumers are not saved: live members cannot survive a reload (they leave on dispose). */
export interface StepperSavedState {
  topic: string;
  groupId: string;
  pollMax: number;
  /** The remote cluster the panel worked on (its header label), absent for this window's broker. */
  remote?: string;
}

export function parseStepperSavedState(raw: unknown): StepperSavedState | null {
  try {
    const o = obj(raw, 'state');
    const out: StepperSavedState = {
      topic: str(o, 'topic', 249),
      groupId: str(o, 'groupId', 255),
      pollMax: int(o, 'pollMax', 1, MAX_POLL),
    };
    if (typeof o.remote === 'string' && o.remote !== '') out.remote = str(o, 'remote', 300);
    return out;
  } catch {
    return null;
  }
}
