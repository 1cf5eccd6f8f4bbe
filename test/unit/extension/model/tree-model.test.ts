import * as assert from 'assert';
import type {
  GroupDescription,
  GroupListing,
  PartitionInfo,
  PartitionLag,
  TopicInfo,
} from '../../../../src/broker/types';
import type {
  ClusterReader,
  GroupNode,
  TopicNode,
  TreeNode,
  PartitionNode,
} from '../../../../src/extension/model/tree-model';
import {
  childrenOf,
  groupNodes,
  pageChildren,
  remoteBannerNode,
  statusNodes,
  topicNodes,
} from '../../../../src/extension/model/tree-model';

/** A small in-memory cluster: what the views read from a Broker, with nothing else. */
class FakeCluster implements ClusterReader {
  topics = new Map<string, PartitionInfo[]>();
  groups = new Map<string, { desc: GroupDescription; lag: PartitionLag[] }>();
  failTopics = false;

  configs = new Map<string, Record<string, string>>();
  addTopic(name: string, ends: number[], now = Date.now()): void {
    this.topics.set(
      name,
      ends.map((end, partition) => ({
        topic: name,
        partition,
        logStartOffset: 0,
        logEndOffset: end,
        sizeBytes: end * 100,
        segmentCount: 1,
        lastTimestamp: end > 0 ? now : -1,
      })),
    );
  }
  addGroup(
    groupId: string,
    members: { clientId: string; assigned: [string, number[]][] }[],
    lag: PartitionLag[],
  ): void {
    this.groups.set(groupId, {
      desc: {
        groupId,
        state: members.length > 0 ? 'Stable' : 'Empty',
        protocolType: 'consumer',
        protocol: 'RoundRobinAssigner',
        generationId: members.length > 0 ? 3 : 0,
        leader: members.length > 0 ? 'm-0' : null,
        members: members.map((m, i) => ({
          memberId: `m-${i}`,
          groupInstanceId: null,
          clientId: m.clientId,
          clientHost: '/127.0.0.1',
          metadata: Buffer.alloc(0),
          assignment: Buffer.alloc(0),
          assignedPartitions: m.assigned.map(([topic, partitions]) => ({ topic, partitions })),
        })),
      },
      lag,
    });
  }
  listTopics(): TopicInfo[] {
    if (this.failTopics) throw new Error('storage is closed');
    return [...this.topics.keys()].map((name) => ({
      name,
      topicId: '',
      partitions: this.topics.get(name)!.length,
      configs: this.configs.get(name) ?? {},
      createdAt: 0,
    }));
  }
  partitions(topic: string): PartitionInfo[] {
    const p = this.topics.get(topic);
    if (!p) throw new Error(`there is no topic "${topic}"`);
    return p;
  }
  listGroups(): GroupListing[] {
    return [...this.groups.values()].map((g) => ({
      groupId: g.desc.groupId,
      protocolType: 'consumer',
      state: g.desc.state,
    }));
  }
  describeGroup(groupId: string): GroupDescription {
    const g = this.groups.get(groupId);
    if (!g) throw new Error('no such group');
    return g.desc;
  }
  groupLag(groupId: string): { partitions: PartitionLag[]; totalLag: number } {
    const lag = this.groups.get(groupId)?.lag ?? [];
    return { partitions: lag, totalLag: lag.reduce((s, p) => s + p.lag, 0) };
  }
}

const labels = (nodes: TreeNode[]) => nodes.map((n) => n.label);

describe('topics tree model', () => {
  it('lists topics sorted by name with partition and record counts', () => {
    const c = new FakeCluster();
    c.addTopic('payments', [5, 7]);
    c.addTopic('orders', [1000]);
    const roots = topicNodes(c);
    assert.deepStrictEqual(labels(roots), ['orders', 'payments']);
    assert.strictEqual(roots[1].description, '2 partitions · 12 records');
    assert.strictEqual(roots[0].description, '1 partition · 1,000 records');
    assert.strictEqual(roots[0].contextValue, 'topic');
    assert.strictEqual(roots[0].id, 'topic:orders');
  });

  it('says a compacted topic is compacted and counts its records as at most the offset span', () => {
    const c = new FakeCluster();
    c.addTopic('profiles', [40, 2]);
    c.configs.set('profiles', { 'cleanup.policy': 'compact,delete' });
    const [t] = topicNodes(c);
    assert.strictEqual(t.description, '2 partitions · compacted · ≤ 42 records');
    assert.match(t.tooltip ?? '', /cleanup\.policy=compact/);
  });

  it('a partition shows [log start … log end), its size, and expands to its offsets', () => {
    const c = new FakeCluster();
    c.addTopic('orders', [0, 1500]);
    const topic = topicNodes(c)[0] as TopicNode;
    const parts = childrenOf(c, topic) as PartitionNode[];
    assert.deepStrictEqual(labels(parts), ['partition 0', 'partition 1']);
    assert.match(parts[1].description ?? '', /^\[0 … 1,500\) · 146 KiB · just now$/);
    assert.match(parts[0].description ?? '', /no records/);
    assert.strictEqual(parts[1].parent, topic, 'getParent works for reveal');
    const details = childrenOf(c, parts[1]);
    const byLabel = Object.fromEntries(details.map((d) => [d.label, d.description]));
    assert.strictEqual(byLabel['log start offset'], '0');
    assert.strictEqual(byLabel['log end offset'], '1,500');
    assert.strictEqual(byLabel['records'], '1,500');
  });

  it('after retention or DeleteRecords moved the log start, a topic counts only the records left (end - start)', () => {
    const c = new FakeCluster();
    c.addTopic('clicks', [1000, 300]);
    const [p0, p1] = c.topics.get('clicks')!;
    p0.logStartOffset = 800; // retention deleted offsets 0..799
    p1.logStartOffset = 300; // DeleteRecords up to the end: nothing left
    const topic = topicNodes(c)[0] as TopicNode;
    assert.strictEqual(topic.description, '2 partitions · 200 records');
    assert.match(topic.tooltip ?? '', /2 partitions, 200 records,/);
    const parts = childrenOf(c, topic) as PartitionNode[];
    const details = Object.fromEntries(childrenOf(c, parts[0]).map((d) => [d.label, d.description]));
    assert.deepStrictEqual(
      [details['log start offset'], details['log end offset'], details['records']],
      ['800', '1,000', '200'],
    );
  });

  it('ids stay the same across rebuilds, so expansion survives a refresh', () => {
    const c = new FakeCluster();
    c.addTopic('a', [1, 2]);
    const first = childrenOf(c, topicNodes(c)[0]).map((n) => n.id);
    c.addTopic('a', [10, 20]);
    const second = childrenOf(c, topicNodes(c)[0]).map((n) => n.id);
    assert.deepStrictEqual(first, second);
  });

  it('a failing broker becomes an error node, not an exception', () => {
    const c = new FakeCluster();
    c.failTopics = true;
    const roots = topicNodes(c);
    assert.strictEqual(roots.length, 1);
    assert.strictEqual(roots[0].kind, 'message');
    assert.match(roots[0].description ?? '', /storage is closed/);
  });

  it('long lists are paged with a "Load more…" node that names how many remain', () => {
    const c = new FakeCluster();
    for (let i = 0; i < 450; i++) c.addTopic(`t${String(i).padStart(3, '0')}`, [1]);
    const page = pageChildren('topics', '', topicNodes(c), 200);
    assert.strictEqual(page.length, 201);
    const more = page[200];
    assert.strictEqual(more.kind, 'loadMore');
    assert.strictEqual(more.description, '250 more');
    assert.deepStrictEqual(more.command?.arguments, ['topics', '']);
    assert.strictEqual(pageChildren('topics', '', topicNodes(c), 600).length, 450);
  });
});

describe('consumer groups tree model', () => {
  function cluster(): FakeCluster {
    const c = new FakeCluster();
    c.addTopic('orders', [10, 10, 10]);
    c.addGroup(
      'billing',
      [
        { clientId: 'billing-app', assigned: [['orders', [0, 1]]] },
        { clientId: 'billing-app-2', assigned: [['orders', [2]]] },
      ],
      [
        { topic: 'orders', partition: 0, committedOffset: 10, logEndOffset: 10, lag: 0 },
        { topic: 'orders', partition: 1, committedOffset: 4, logEndOffset: 10, lag: 6 },
      ],
    );
    c.addGroup('audit', [], [{ topic: 'orders', partition: 0, committedOffset: -1, logEndOffset: 10, lag: 10 }]);
    return c;
  }

  it('a group shows state, member count and total lag; its contextValue says whether it has members', () => {
    const roots = groupNodes(cluster()) as GroupNode[];
    const billing = roots.find((g) => g.groupId === 'billing')!;
    const audit = roots.find((g) => g.groupId === 'audit')!;
    assert.strictEqual(billing.description, 'Stable · 2 members · lag 6');
    assert.strictEqual(billing.contextValue, 'group.active');
    assert.strictEqual(audit.description, 'Empty · 0 members · lag 10');
    assert.strictEqual(audit.contextValue, 'group.empty');
    assert.strictEqual(billing.icon?.color, 'list.warningForeground', 'lag > 0 is highlighted');
  });

  it('members list client id, host and assigned partitions', () => {
    const c = cluster();
    const billing = groupNodes(c).find((g) => g.label === 'billing')!;
    const [members] = childrenOf(c, billing);
    const rows = childrenOf(c, members);
    assert.deepStrictEqual(labels(rows), ['billing-app', 'billing-app-2']);
    assert.strictEqual(rows[0].description, '/127.0.0.1 · orders[0,1]');
    assert.strictEqual(rows[0].icon?.id, 'star-full', 'the leader is marked');
  });

  it('partitions show committed, log end and lag, with a warning icon only where lag > 0', () => {
    const c = cluster();
    const billing = groupNodes(c).find((g) => g.label === 'billing')!;
    const [, partitions] = childrenOf(c, billing);
    const rows = childrenOf(c, partitions);
    assert.deepStrictEqual(
      rows.map((r) => [r.label, r.description, r.icon?.id]),
      [
        ['orders [0]', 'committed 10 · end 10 · lag 0', 'pass'],
        ['orders [1]', 'committed 4 · end 10 · lag 6', 'warning'],
      ],
    );
    assert.strictEqual(rows[1].contextValue, 'groupPartition');
  });

  it('an empty group says it has no active members; nothing committed says so', () => {
    const c = new FakeCluster();
    c.addGroup('idle', [], []);
    const g = groupNodes(c)[0];
    const [members, partitions] = childrenOf(c, g);
    assert.deepStrictEqual(labels(childrenOf(c, members)), ['No active members']);
    assert.deepStrictEqual(labels(childrenOf(c, partitions)), ['No committed offsets']);
  });
});

describe('view status nodes', () => {
  it('say why there is no broker, with the action that helps', () => {
    assert.strictEqual(statusNodes({ state: 'running' }, 'topics'), undefined);
    const noFolder = statusNodes({ state: 'stopped', stopReason: 'noFolder' }, 'topics')!;
    assert.match(noFolder[0].label, /Open a folder/);
    assert.strictEqual(noFolder[0].command?.command, 'workbench.action.files.openFolder');
    const untrusted = statusNodes({ state: 'stopped', stopReason: 'untrusted' }, 'groups')!;
    assert.strictEqual(untrusted[0].command?.command, 'kafkaLite.broker.start');
    const err = statusNodes({ state: 'error', error: 'EACCES: permission denied' }, 'topics')!;
    assert.strictEqual(err[0].description, 'EACCES: permission denied');
    assert.strictEqual(err[0].command?.command, 'kafkaLite.showLog');
    const ext = statusNodes(
      {
        state: 'external',
        bootstrap: '127.0.0.1:9093',
        owner: { pid: 42, sessionId: 's', window: 'shop (VS Code)', host: '127.0.0.1', port: 9093, startedAt: 0 },
      },
      'topics',
    )!;
    assert.match(ext[0].label, /127\.0\.0\.1:9093/);
    assert.match(ext[0].tooltip ?? '', /shop \(VS Code\).*pid 42/);
    assert.strictEqual(
      ext[0].command?.command,
      'kafkaLite.broker.connectViews',
      'clicking it connects the views to that broker',
    );
  });

  it("connected to another window's broker: no status node, and a first node names the owner and its address", () => {
    const owner = { pid: 42, sessionId: 's', window: 'shop (VS Code)', host: '127.0.0.1', port: 9093, startedAt: 0 };
    const connected = { state: 'external' as const, bootstrap: '127.0.0.1:9093', owner, connectedTo: '127.0.0.1:9093' };
    assert.strictEqual(statusNodes(connected, 'topics'), undefined);
    assert.strictEqual(
      remoteBannerNode(connected, 'groups')?.label,
      'Connected to the broker of shop (VS Code) at 127.0.0.1:9093 (read-only)',
    );
    assert.strictEqual(remoteBannerNode({ state: 'external', owner }, 'topics'), undefined, 'not before it connected');
    assert.strictEqual(remoteBannerNode({ state: 'running' }, 'topics'), undefined);
  });

  it('a partition read over the wire says its size and newest record time are unknown (not 0 B, not 1970)', () => {
    const c = new FakeCluster();
    c.topics.set('remote', [
      {
        topic: 'remote',
        partition: 0,
        logStartOffset: 0,
        logEndOffset: 5,
        sizeBytes: 0,
        segmentCount: 0,
        lastTimestamp: -1,
      },
    ]);
    const [p] = childrenOf(c, topicNodes(c)[0]);
    assert.match(p.description ?? '', /size unknown · last record unknown/);
    assert.doesNotMatch(p.tooltip ?? '', /1970|0 B/);
    const details = childrenOf(c, p);
    assert.strictEqual(details.find((d) => d.label === 'last record')?.description, 'unknown');
    assert.strictEqual(details.find((d) => d.label === 'size on disk')?.description, 'unknown');
  });
});
