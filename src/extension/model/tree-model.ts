/**
 * The sidebar's tree model: turns what the broker knows (topics, partitions, groups, members, lag) into plain
 * node objects — label, description, tooltip, icon, contextValue, a stable id — without knowing about vscode.
 * The providers in src/extension/views map these nodes to TreeItems one to one.
 *
 * Guarantees: ids are stable across refreshes (so VS Code keeps expansion and selection); every node knows its
 * parent (for TreeView.reveal); contextValues are the ones package.json menus match (`topic`, `partition`,
 * `group.empty`, `group.active`, `groupPartition`, `member`); a broker that is not running, or a call that
 * fails, becomes a message node instead of an exception. Long lists are paged by `pageChildren`.
 */
import type { Broker } from '../../broker/broker';
import type { GroupDescription, PartitionInfo } from '../../broker/types';
import { parseCleanupPolicy } from '../../shared/cleanup-policy';
import { formatAge, formatBytes, formatCount, formatOffsetRange, formatTimestamp, plural } from './format';
import type { HostStatus } from './host-status';

/** The part of the Broker the views read; a remote cluster could implement it too. */
export type ClusterReader = Pick<Broker, 'listTopics' | 'partitions' | 'listGroups' | 'describeGroup' | 'groupLag'>;

export interface IconSpec {
  /** A codicon id, e.g. 'symbol-event'. */
  id: string;
  /** A theme color id, e.g. 'list.warningForeground'. */
  color?: string;
}

interface NodeBase {
  id: string;
  label: string;
  description?: string;
  tooltip?: string;
  icon?: IconSpec;
  contextValue: string;
  collapsible: boolean;
  parent?: TreeNode;
  /** Command run on click: [command id, ...arguments]. */
  command?: { command: string; title: string; arguments?: unknown[] };
}

export interface TopicNode extends NodeBase {
  kind: 'topic';
  topic: string;
  partitions: number;
}
export interface PartitionNode extends NodeBase {
  kind: 'partition';
  topic: string;
  partition: number;
}
export interface DetailNode extends NodeBase {
  kind: 'detail';
}
export interface GroupNode extends NodeBase {
  kind: 'group';
  groupId: string;
  state: string;
  members: number;
  totalLag: number;
}
export interface GroupSectionNode extends NodeBase {
  kind: 'groupSection';
  groupId: string;
  section: 'members' | 'partitions';
}
export interface MemberNode extends NodeBase {
  kind: 'member';
  groupId: string;
  memberId: string;
}
export interface GroupPartitionNode extends NodeBase {
  kind: 'groupPartition';
  groupId: string;
  topic: string;
  partition: number;
  lag: number;
}
export interface MessageNode extends NodeBase {
  kind: 'message';
}
export interface LoadMoreNode extends NodeBase {
  kind: 'loadMore';
  /** The id of the parent whose list continues ('' = the root). */
  parentKey: string;
}

export type TreeNode =
  | TopicNode
  | PartitionNode
  | DetailNode
  | GroupNode
  | GroupSectionNode
  | MemberNode
  | GroupPartitionNode
  | MessageNode
  | LoadMoreNode;

/** Children a tree node shows before its "Load more" row; each click shows this many more. */
export const TREE_PAGE_SIZE = 200;
export const LOAD_MORE_COMMAND = 'kafkaLite.view.loadMore';

function message(id: string, label: string, opts: Partial<NodeBase> = {}): MessageNode {
  return { kind: 'message', id, label, contextValue: 'message', collapsible: false, ...opts };
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Paging: at most `limit` items, then a "Load more…" node that raises the limit of this parent. */
export function pageChildren<T extends TreeNode>(
  viewId: string,
  parentKey: string,
  items: T[],
  limit: number,
  parent?: TreeNode,
): (T | LoadMoreNode)[] {
  if (items.length <= limit) return items;
  const more: LoadMoreNode = {
    kind: 'loadMore',
    id: `${viewId}:more:${parentKey}`,
    label: 'Load more…',
    description: `${formatCount(items.length - limit)} more`,
    contextValue: 'loadMore',
    collapsible: false,
    icon: { id: 'ellipsis' },
    parentKey,
    parent,
    command: { command: LOAD_MORE_COMMAND, title: 'Load more', arguments: [viewId, parentKey] },
  };
  return [...items.slice(0, limit), more];
}

/** The node a view shows instead of its content when the broker is not running here; undefined when it is. */
export function statusNodes(status: HostStatus, view: 'topics' | 'groups'): MessageNode[] | undefined {
  const id = (s: string) => `${view}:status:${s}`;
  switch (status.state) {
    case 'running':
      return undefined;
    case 'starting':
      return [message(id('starting'), 'Starting the broker…', { icon: { id: 'loading~spin' } })];
    case 'error':
      return [
        message(id('error'), 'The broker could not start', {
          description: status.error,
          tooltip: `${status.error ?? ''}\nClick to show the log.`,
          icon: { id: 'error', color: 'list.errorForeground' },
          command: { command: 'kafkaLite.showLog', title: 'Show Log' },
        }),
      ];
    case 'external': {
      if (status.connectedTo) return undefined;
      const o = status.owner;
      return [
        message(id('external'), `Broker owned by another window: ${status.bootstrap ?? 'address unknown'}`, {
          description: 'click to show it here (read-only)',
          tooltip:
            `The data folder ${status.dataDir ?? ''} is in use by ${o?.window ?? 'another window'}` +
            ` (pid ${o?.pid ?? '?'}, since ${o ? formatTimestamp(o.startedAt) : '?'}).\n` +
            'Its broker serves this workspace at the address shown. Click to connect these views to it (read-only); ' +
            'change things from that window.',
          icon: { id: 'plug' },
          command: { command: 'kafkaLite.broker.connectViews', title: 'Connect Views' },
        }),
      ];
    }
    case 'stopped': {
      switch (status.stopReason) {
        case 'noFolder':
          return [
            message(id('noFolder'), 'Open a folder to run a broker', {
              tooltip:
                'Kafka Lite keeps its broker data in the first workspace folder (.kafka-lite); no folder is open.',
              icon: { id: 'folder-opened' },
              command: { command: 'workbench.action.files.openFolder', title: 'Open Folder' },
            }),
          ];
        case 'untrusted':
          return [
            message(id('untrusted'), 'Restricted mode: the broker did not start', {
              description: 'click to start',
              tooltip: 'In a restricted workspace Kafka Lite does not start automatically. Click to start it anyway.',
              icon: { id: 'shield' },
              command: { command: 'kafkaLite.broker.start', title: 'Start Broker' },
            }),
          ];
        default:
          return [
            message(id('stopped'), 'The broker is stopped', {
              description: 'click to start',
              icon: { id: 'debug-stop' },
              command: { command: 'kafkaLite.broker.start', title: 'Start Broker' },
            }),
          ];
      }
    }
  }
}

/**
 * The first node of each view while it shows another window's broker over the wire (state 'external',
 * connected); undefined otherwise.
 */
export function remoteBannerNode(status: HostStatus, view: 'topics' | 'groups'): MessageNode | undefined {
  if (status.state !== 'external' || !status.connectedTo) return undefined;
  const owner = status.owner?.window ?? 'another window';
  return message(`${view}:status:remote`, `Connected to the broker of ${owner} at ${status.connectedTo} (read-only)`, {
    tooltip:
      `${status.dataDir ?? 'This data folder'} is owned by ${owner} (pid ${status.owner?.pid ?? '?'}). ` +
      'These views read its broker over the Kafka protocol every 2 seconds; create, delete, produce and reset from that window.',
    icon: { id: 'plug' },
  });
}

// ------------------------------------------------------------------ topics view

export function topicNodes(cluster: ClusterReader): TreeNode[] {
  let topics;
  try {
    topics = cluster.listTopics();
  } catch (e) {
    return [message('topics:error', 'Could not list topics', { description: errorText(e), icon: { id: 'error' } })];
  }
  return [...topics]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((t): TopicNode => {
      let records = 0;
      let size = 0;
      let described = true;
      let sizeUnknown = false;
      try {
        for (const p of cluster.partitions(t.name)) {
          records += p.logEndOffset - p.logStartOffset;
          size += p.sizeBytes;
          sizeUnknown ||= unknowns(p).size;
        }
      } catch {
        described = false;
      }
      // A compacted topic has gaps in its offsets, so the offset span is an upper bound of its records.
      const compacted = parseCleanupPolicy(t.configs['cleanup.policy']).compact;
      const count = compacted ? `compacted · ≤ ${plural(records, 'record')}` : plural(records, 'record');
      return {
        kind: 'topic',
        id: `topic:${t.name}`,
        topic: t.name,
        partitions: t.partitions,
        label: t.name,
        description: described ? `${plural(t.partitions, 'partition')} · ${count}` : plural(t.partitions, 'partition'),
        tooltip:
          `${t.name}\n${plural(t.partitions, 'partition')}, ${count}, ${sizeUnknown ? 'size on disk unknown' : `${formatBytes(size)} on disk`}` +
          (compacted
            ? '\ncleanup.policy=compact: keeps the latest record of each key; offsets keep their numbers, with gaps'
            : ''),
        icon: { id: 'symbol-event' },
        // package.json offers Compact Topic Now only on `topic.compacted`; every other topic action on both.
        contextValue: compacted ? 'topic.compacted' : 'topic',
        collapsible: true,
      };
    });
}

/** A partition is an ordered log: "list-ordered" (the codicon "symbol-array" draws as a literal "[ ]"). */
export const PARTITION_ICON = 'list-ordered';

export function partitionNodes(cluster: ClusterReader, topic: TopicNode): TreeNode[] {
  let parts: PartitionInfo[];
  try {
    parts = cluster.partitions(topic.topic);
  } catch (e) {
    return [message(`${topic.id}:error`, 'Could not read partitions', { description: errorText(e), parent: topic })];
  }
  const now = Date.now();
  return parts.map((p): PartitionNode => {
    const u = unknowns(p);
    return {
      kind: 'partition',
      id: `partition:${p.topic}:${p.partition}`,
      topic: p.topic,
      partition: p.partition,
      label: `partition ${p.partition}`,
      description:
        `${formatOffsetRange(p.logStartOffset, p.logEndOffset)} · ${u.size ? 'size unknown' : formatBytes(p.sizeBytes)} · ` +
        (u.time ? 'last record unknown' : formatAge(p.lastTimestamp, now)),
      tooltip:
        `${p.topic} partition ${p.partition}\nlog start offset ${formatCount(p.logStartOffset)}\n` +
        `log end offset ${formatCount(p.logEndOffset)}\n` +
        (u.size
          ? 'size on disk unknown (read over the Kafka protocol)'
          : `${formatBytes(p.sizeBytes)} in ${plural(p.segmentCount, 'segment')}`) +
        `\nlast record ${u.time ? 'unknown' : formatTimestamp(p.lastTimestamp)}`,
      icon: { id: PARTITION_ICON },
      contextValue: 'partition',
      collapsible: true,
      parent: topic,
    };
  });
}

/**
 * What a partition read over the wire (RemoteClusterSnapshot) cannot tell: a partition with records but no
 * segments has an unknown size, one with records but timestamp -1 an unknown newest-record time.
 */
function unknowns(p: PartitionInfo): { size: boolean; time: boolean } {
  const hasRecords = p.logEndOffset > p.logStartOffset;
  return { size: hasRecords && p.segmentCount === 0, time: hasRecords && p.lastTimestamp < 0 };
}

export function partitionDetailNodes(cluster: ClusterReader, node: PartitionNode): TreeNode[] {
  let p: PartitionInfo | undefined;
  try {
    p = cluster.partitions(node.topic)[node.partition];
  } catch (e) {
    return [message(`${node.id}:error`, 'Could not read the partition', { description: errorText(e), parent: node })];
  }
  if (!p) return [message(`${node.id}:gone`, 'This partition no longer exists', { parent: node })];
  const u = unknowns(p);
  const row = (key: string, label: string, description: string, icon: string): DetailNode => ({
    kind: 'detail',
    id: `${node.id}:${key}`,
    label,
    description,
    icon: { id: icon },
    contextValue: 'partitionDetail',
    collapsible: false,
    parent: node,
  });
  return [
    row('start', 'log start offset', formatCount(p.logStartOffset), 'debug-start'),
    row('end', 'log end offset', formatCount(p.logEndOffset), 'debug-step-over'),
    row('records', 'records', formatCount(p.logEndOffset - p.logStartOffset), 'list-ordered'),
    row(
      'size',
      'size on disk',
      u.size ? 'unknown' : `${formatBytes(p.sizeBytes)} · ${plural(p.segmentCount, 'segment')}`,
      'database',
    ),
    row(
      'last',
      'last record',
      u.time
        ? 'unknown'
        : p.lastTimestamp < 0
          ? 'none yet'
          : `${formatTimestamp(p.lastTimestamp)} (${formatAge(p.lastTimestamp, Date.now())})`,
      'clock',
    ),
  ];
}

// ------------------------------------------------------------------ groups view

function safeDescribe(cluster: ClusterReader, groupId: string): GroupDescription | undefined {
  try {
    return cluster.describeGroup(groupId);
  } catch {
    return undefined;
  }
}

export function groupNodeId(groupId: string): string {
  return `group:${encodeURIComponent(groupId)}`;
}

export function groupNodes(cluster: ClusterReader): TreeNode[] {
  let groups;
  try {
    groups = cluster.listGroups();
  } catch (e) {
    return [
      message('groups:error', 'Could not list consumer groups', { description: errorText(e), icon: { id: 'error' } }),
    ];
  }
  return groups.map((g): GroupNode => {
    const d = safeDescribe(cluster, g.groupId);
    const members = d?.members.length ?? 0;
    let totalLag = 0;
    try {
      totalLag = cluster.groupLag(g.groupId).totalLag;
    } catch {
      totalLag = 0;
    }
    // A group known only from its committed offsets describes as Dead; the listing calls it Empty, as Kafka does.
    const state = d && d.state !== 'Dead' ? d.state : g.state;
    return {
      kind: 'group',
      id: groupNodeId(g.groupId),
      groupId: g.groupId,
      state,
      members,
      totalLag,
      label: g.groupId,
      // Lag first: a narrow sidebar cuts the description's end off, and the lag is what a person looks for.
      description: `lag ${formatCount(totalLag)} · ${state} · ${plural(members, 'member')}`,
      tooltip:
        `${g.groupId}\nstate ${state}${d ? `, generation ${d.generationId}` : ''}\n` +
        `${plural(members, 'member')}, total lag ${formatCount(totalLag)}`,
      icon: totalLag > 0 ? { id: 'organization', color: 'list.warningForeground' } : { id: 'organization' },
      contextValue: members > 0 ? 'group.active' : 'group.empty',
      collapsible: true,
    };
  });
}

export function groupSectionNodes(cluster: ClusterReader, group: GroupNode): TreeNode[] {
  let lagCount = 0;
  try {
    lagCount = cluster.groupLag(group.groupId).partitions.length;
  } catch {
    lagCount = 0;
  }
  return [
    {
      kind: 'groupSection',
      id: `${group.id}:members`,
      groupId: group.groupId,
      section: 'members',
      label: 'Members',
      description: formatCount(group.members),
      icon: { id: 'person' },
      contextValue: 'groupSection.members',
      collapsible: true,
      parent: group,
    },
    {
      kind: 'groupSection',
      id: `${group.id}:partitions`,
      groupId: group.groupId,
      section: 'partitions',
      label: 'Partitions',
      description: formatCount(lagCount),
      icon: { id: PARTITION_ICON },
      contextValue: 'groupSection.partitions',
      collapsible: true,
      parent: group,
    },
  ];
}

export function memberNodes(cluster: ClusterReader, section: GroupSectionNode): TreeNode[] {
  const d = safeDescribe(cluster, section.groupId);
  if (!d || d.members.length === 0) {
    return [message(`${section.id}:none`, 'No active members', { parent: section, icon: { id: 'info' } })];
  }
  return d.members.map((m): MemberNode => {
    const assigned = m.assignedPartitions.map((a) => `${a.topic}[${a.partitions.join(',')}]`).join(' ');
    return {
      kind: 'member',
      id: `${section.id}:${encodeURIComponent(m.memberId)}`,
      groupId: section.groupId,
      memberId: m.memberId,
      label: m.clientId || m.memberId,
      description: `${m.clientHost} · ${assigned || 'no partitions assigned'}`,
      tooltip:
        `member ${m.memberId}${m.groupInstanceId ? ` (static ${m.groupInstanceId})` : ''}\nclient id ${m.clientId}\nhost ${m.clientHost}\n` +
        `assigned: ${assigned || 'nothing (idle)'}${d.leader === m.memberId ? '\ngroup leader' : ''}`,
      icon: { id: d.leader === m.memberId ? 'star-full' : 'account' },
      contextValue: 'member',
      collapsible: false,
      parent: section,
    };
  });
}

export function groupPartitionNodes(cluster: ClusterReader, section: GroupSectionNode): TreeNode[] {
  let lag;
  try {
    lag = cluster.groupLag(section.groupId);
  } catch (e) {
    return [message(`${section.id}:error`, 'Could not compute lag', { description: errorText(e), parent: section })];
  }
  if (lag.partitions.length === 0) {
    return [message(`${section.id}:none`, 'No committed offsets', { parent: section, icon: { id: 'info' } })];
  }
  return lag.partitions.map((p): GroupPartitionNode => ({
    kind: 'groupPartition',
    id: `${section.id}:${p.topic}:${p.partition}`,
    groupId: section.groupId,
    topic: p.topic,
    partition: p.partition,
    lag: p.lag,
    label: `${p.topic} [${p.partition}]`,
    description: `committed ${p.committedOffset < 0 ? 'none' : formatCount(p.committedOffset)} · end ${formatCount(p.logEndOffset)} · lag ${formatCount(p.lag)}`,
    tooltip:
      `${p.topic} partition ${p.partition}\ncommitted offset ${p.committedOffset < 0 ? 'none' : formatCount(p.committedOffset)}\n` +
      `log end offset ${formatCount(p.logEndOffset)}\nlag ${formatCount(p.lag)}`,
    icon: p.lag > 0 ? { id: 'warning', color: 'list.warningForeground' } : { id: 'pass', color: 'testing.iconPassed' },
    contextValue: 'groupPartition',
    collapsible: false,
    parent: section,
  }));
}

/** Children of any node of either view (the providers call this). */
export function childrenOf(cluster: ClusterReader, node: TreeNode): TreeNode[] {
  switch (node.kind) {
    case 'topic':
      return partitionNodes(cluster, node);
    case 'partition':
      return partitionDetailNodes(cluster, node);
    case 'group':
      return groupSectionNodes(cluster, node);
    case 'groupSection':
      return node.section === 'members' ? memberNodes(cluster, node) : groupPartitionNodes(cluster, node);
    default:
      return [];
  }
}
