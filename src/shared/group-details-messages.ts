/**
 * The Group Details panel's message protocol (GroupDetailsProtocol), the source of both sides' types: the host
 * (src/extension/panels/group-details-controller.ts, handlers and the validator below typed from it) and the
 * webview (src/webview/group-details-panel.ts). The host pushes its whole state as a `snapshot` after every change
 * (a lag sample, a commit, a group event, a reset). The typing machinery is src/shared/ipc.ts.
 */
import type { HostMessage, NoPayload, Req, RequestMessage } from './ipc';
import { requestValidator } from './ipc';
import type { LagSeriesView } from './lag-series';
import { bool, nonEmptyStr, obj, str } from './validate';

export const GROUP_DETAILS_VIEW_TYPE = 'kafkaLite.groupDetails';

export type GroupDetailsProtocol = {
  requests: {
    ready: Req<NoPayload>;
    /** Show this group. */
    select: Req<{ groupId: string }>;
    /** Run Reset Group Offsets… on the shown group (its preview and confirmation). */
    resetOffsets: Req<NoPayload>;
    /** Open the consumer stepper on the shown group. */
    openStepper: Req<NoPayload>;
  };
  pushes: {
    snapshot: { state: GroupDetailsSnapshot };
  };
};

export type GroupDetailsRequest = RequestMessage<GroupDetailsProtocol>;

export interface GroupDetailsSnapshot {
  brokerRunning: boolean;
  groups: string[];
  groupId: string;
  /** null when the broker does not know the group (deleted, or never seen). */
  group: {
    state: string;
    generationId: number;
    members: { memberId: string; clientId: string; partitions: string }[];
  } | null;
  /** Broker.groupLag now: one row per partition committed or assigned. */
  lag: { topic: string; partition: number; committed: number; logEnd: number; lag: number }[];
  totalLag: number;
  lagHistory: LagSeriesView | null;
  /** Offset resets of this group in this session, newest first. */
  resets: { at: number; how: string; summary: string; lines: string[] }[];
  error: string | null;
}

export type GroupDetailsHostMessage = HostMessage<GroupDetailsProtocol>;

export const validateGroupDetailsRequest = requestValidator<GroupDetailsProtocol>({
  ready: () => ({}),
  select: (o) => ({ groupId: nonEmptyStr(o, 'groupId', 255) }),
  resetOffsets: () => ({}),
  openStepper: () => ({}),
});

export interface GroupDetailsSavedState {
  groupId: string;
  perPartition: boolean;
}

export function parseGroupDetailsSavedState(raw: unknown): GroupDetailsSavedState | null {
  try {
    const o = obj(raw, 'state');
    return { groupId: str(o, 'groupId', 255), perPartition: bool(o, 'perPartition') };
  } catch {
    return null;
  }
}
