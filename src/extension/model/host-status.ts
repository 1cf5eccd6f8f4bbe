/**
 * The broker host's observable status as plain data: what the views, the status bar and the tests read.
 * No vscode here, so the tree models that turn a status into nodes are unit-tested.
 */
import type { LockInfo } from './lock-file';

/** 'external' = another window owns this workspace's data directory; its broker is reachable at `bootstrap`. */
export type HostState = 'stopped' | 'starting' | 'running' | 'error' | 'external';

/** Why the broker is stopped, so the views can say it (and offer the right action). */
export type StopReason = 'noFolder' | 'untrusted' | 'autoStartOff' | 'stoppedByUser' | 'notStarted';

export interface HostStatus {
  state: HostState;
  /** host:port the broker listens on (running), or the owner's (external). */
  bootstrap?: string;
  dataDir?: string;
  stopReason?: StopReason;
  /** Error message when state is 'error'. */
  error?: string;
  /** Who owns the data directory when state is 'external'. */
  owner?: LockInfo;
  /** In 'external' state: the views read the owner's broker over the Kafka protocol (read-only) at this address. */
  connectedTo?: string;
}
