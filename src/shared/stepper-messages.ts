/**
 * The consumer stepper panel's message protocol, declared once for the host (src/extension/panels/stepper-*)
 * and the webview (src/webview/stepper-panel.ts). Requests carry an `id`, replies echo it, and the host pushes
 * its whole state as a `snapshot` after every change (group events, polls, commits, timer ticks).
 */
import type { Reply, Validation } from './validate';
import { fail, int, nonEmptyStr, obj, requestId, str, topicName, validateByType } from './validate';

export const STEPPER_VIEW_TYPE = 'kafkaLite.consumerStepper';
export const MAX_POLL = 500;

export type StepperRequest =
  | { type: 'ready'; id: number }
  | { type: 'select'; id: number; topic: string; groupId: string }
  | { type: 'addConsumer'; id: number }
  | { type: 'poll'; id: number; consumer: string; max: number }
  | { type: 'commit'; id: number; consumer: string }
  | { type: 'crash'; id: number; consumer: string }
  | { type: 'leave'; id: number; consumer: string }
  | { type: 'remove'; id: number; consumer: string };

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
  lag: number;
  history: { offset: number; memberId: string; generationId: number; timestamp: number }[];
}

export interface OtherGroupView {
  groupId: string;
  state: string;
  positions: { partition: number; committed: number; lag: number }[];
}

export interface StepperSnapshot {
  brokerRunning: boolean;
  topics: { name: string; partitions: number }[];
  groups: string[];
  topic: string;
  groupId: string;
  group: { state: string; generationId: number; leader: string | null; members: GroupMemberView[] } | null;
  consumers: LocalConsumerView[];
  partitions: PartitionView[];
  otherGroups: OtherGroupView[];
  sessionTimeoutMs: number;
  /** The broker clock's now when the snapshot was made (the webview counts down from it). */
  now: number;
  /** Plain-language caption of the last thing that happened. */
  caption: string | null;
  error: string | null;
}

export type StepperHostMessage = { type: 'snapshot'; state: StepperSnapshot } | Reply;

function consumerName(o: Record<string, unknown>): string {
  const v = nonEmptyStr(o, 'consumer', 64);
  if (!/^consumer-\d{1,6}$/.test(v)) fail(`field "consumer": "${v}" is not a consumer of this panel`);
  return v;
}

export function validateStepperRequest(raw: unknown): Validation<StepperRequest> {
  return validateByType<StepperRequest>(raw, {
    ready: (o) => ({ type: 'ready', id: requestId(o) }),
    select: (o) => {
      const groupId = nonEmptyStr(o, 'groupId', 255);
      return { type: 'select', id: requestId(o), topic: topicName(o, 'topic'), groupId };
    },
    addConsumer: (o) => ({ type: 'addConsumer', id: requestId(o) }),
    poll: (o) => ({ type: 'poll', id: requestId(o), consumer: consumerName(o), max: int(o, 'max', 1, MAX_POLL) }),
    commit: (o) => ({ type: 'commit', id: requestId(o), consumer: consumerName(o) }),
    crash: (o) => ({ type: 'crash', id: requestId(o), consumer: consumerName(o) }),
    leave: (o) => ({ type: 'leave', id: requestId(o), consumer: consumerName(o) }),
    remove: (o) => ({ type: 'remove', id: requestId(o), consumer: consumerName(o) }),
  });
}

/** Saved by the webview; consumers are not saved: live members cannot survive a reload (they leave on dispose). */
export interface StepperSavedState {
  topic: string;
  groupId: string;
  pollMax: number;
}

export function parseStepperSavedState(raw: unknown): StepperSavedState | null {
  try {
    const o = obj(raw, 'state');
    return { topic: str(o, 'topic', 249), groupId: str(o, 'groupId', 255), pollMax: int(o, 'pollMax', 1, MAX_POLL) };
  } catch {
    return null;
  }
}
