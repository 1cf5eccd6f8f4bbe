/**
 * Host side of the Group Details panel, vscode-free: one consumer group's state and members, its lag now
 * (Broker.groupLag, the tree's definition), its lag over time (the LagSampler's series: total, and per partition
 * on expand in the webview) and the offset resets made to it this session (ResetHistory), the lasting record of
 * what Reset Group Offsets changed. Pushes a full snapshot after every change: a lag sample, a commit, a group
 * event, a reset. Messages: GroupDetailsProtocol (src/shared/group-details-messages.ts), each one validated.
 * Created by the panel's PanelSlot (group-details.ts) and by unit tests.
 */
import type { Broker } from '../../broker/broker';
import type { RequestHandlers } from '../../shared/ipc';
import type {
  GroupDetailsHostMessage,
  GroupDetailsProtocol,
  GroupDetailsSnapshot,
} from '../../shared/group-details-messages';
import { validateGroupDetailsRequest } from '../../shared/group-details-messages';
import type { LagSampler } from '../model/lag-sampler';
import type { ResetHistory } from '../model/reset-history';
import type { BrokerGetter, PanelLog } from './controller-base';
import { BrokerWatch, PanelError, RequestQueue, describeError, handleRequest, noLog } from './controller-base';

export interface GroupDetailsControllerOptions {
  getBroker: BrokerGetter;
  post: (msg: GroupDetailsHostMessage) => void;
  sampler: LagSampler;
  resets: ResetHistory;
  log?: PanelLog;
  groupId?: string;
  /** Run Reset Group Offsets… on a group (the command's preview and confirmation). */
  resetOffsets?: (groupId: string) => Promise<unknown>;
  openStepper?: (groupId: string) => void;
}

export class GroupDetailsController {
  private groupId: string;
  private readonly log: PanelLog;
  private readonly requests = new RequestQueue();
  private readonly offs: (() => void)[] = [];
  private readonly brokerWatch = new BrokerWatch(
    () => this.opts.getBroker(),
    (b) => [
      b.on('groupChanged', (e) => {
        if (e.groupId === this.groupId) this.schedulePush();
      }),
      b.on('offsetsCommitted', (e) => {
        if (e.groupId === this.groupId) this.schedulePush();
      }),
    ],
  );
  private pushTimer: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(private readonly opts: GroupDetailsControllerOptions) {
    this.groupId = opts.groupId ?? '';
    this.log = opts.log ?? noLog;
    this.offs.push(
      opts.sampler.onSample(() => this.pushSnapshot()),
      opts.resets.onChange(() => this.pushSnapshot()),
    );
    this.brokerWatch.update();
  }

  handle(raw: unknown): Promise<void> {
    return this.requests.run(() =>
      handleRequest(
        'group details',
        raw,
        validateGroupDetailsRequest,
        this.handlers,
        (m) => this.opts.post(m),
        this.log,
        {
          groupId: 'The group id',
        },
      ),
    );
  }

  /** Show this group (from the tree or the palette). */
  show(groupId: string): void {
    this.groupId = groupId;
    this.pushSnapshot();
  }

  get shownGroup(): string {
    return this.groupId;
  }

  brokerChanged(): void {
    this.brokerWatch.update();
    this.pushSnapshot();
  }

  dispose(): void {
    this.disposed = true;
    this.brokerWatch.dispose();
    for (const off of this.offs) off();
    if (this.pushTimer) clearTimeout(this.pushTimer);
  }

  private readonly handlers: RequestHandlers<GroupDetailsProtocol> = {
    ready: () => this.pushSnapshot(),
    select: (req) => this.show(req.groupId),
    resetOffsets: async () => {
      if (!this.groupId) throw new PanelError('Pick a group first.');
      await this.opts.resetOffsets?.(this.groupId);
    },
    openStepper: () => {
      if (!this.groupId) throw new PanelError('Pick a group first.');
      this.opts.openStepper?.(this.groupId);
    },
  };

  private schedulePush(): void {
    if (this.pushTimer || this.disposed) return;
    this.pushTimer = setTimeout(() => {
      this.pushTimer = undefined;
      this.pushSnapshot();
    }, 50);
  }

  snapshot(): GroupDetailsSnapshot {
    const broker = this.opts.getBroker();
    const running = !!broker && !broker.isClosed;
    const base: GroupDetailsSnapshot = {
      brokerRunning: running,
      groups: [],
      groupId: this.groupId,
      group: null,
      lag: [],
      totalLag: 0,
      lagHistory: this.groupId ? (this.opts.sampler.view(this.groupId) ?? null) : null,
      resets: this.groupId ? this.opts.resets.forGroup(this.groupId) : [],
      error: null,
    };
    if (!running) return base;
    base.groups = broker.listGroups().map((g) => g.groupId);
    if (!this.groupId) return base;
    const listed = broker.listGroups().find((g) => g.groupId === this.groupId);
    if (!listed) {
      base.error = `The broker has no group "${this.groupId}" (deleted, or no consumer has joined it or committed yet).`;
      return base;
    }
    base.group = this.describe(broker, listed.state);
    const lag = broker.groupLag(this.groupId);
    base.lag = lag.partitions.map((p) => ({
      topic: p.topic,
      partition: p.partition,
      committed: p.committedOffset,
      logEnd: p.logEndOffset,
      lag: p.lag,
    }));
    base.totalLag = lag.totalLag;
    return base;
  }

  private describe(broker: Broker, listedState: string): GroupDetailsSnapshot['group'] {
    try {
      const d = broker.describeGroup(this.groupId);
      return {
        state: d.state === 'Dead' ? listedState : d.state,
        generationId: d.generationId,
        members: d.members.map((m) => ({
          memberId: m.memberId,
          clientId: m.clientId,
          partitions: m.assignedPartitions.map((a) => `${a.topic} [${a.partitions.join(', ')}]`).join('; '),
        })),
      };
    } catch {
      return { state: listedState, generationId: 0, members: [] };
    }
  }

  pushSnapshot(): void {
    if (this.disposed) return;
    try {
      this.opts.post({ type: 'snapshot', state: this.snapshot() });
    } catch (e) {
      this.log('error', `[group details] snapshot failed: ${describeError(e)}`);
    }
  }
}
