/**
 * One TreeDataProvider class for both sidebar views: it asks the vscode-free tree model (model/tree-model.ts)
 * for nodes and maps each node to a TreeItem one to one. It owns paging limits per parent ("Load more…"),
 * shows the host's status node when the broker is not running here (or, connected to another window's broker,
 * renders that one below a "Connected to …" node), and refreshes — debounced — on broker
 * events (at most one refresh per 250 ms) and host state changes. Stable node ids keep expansion state across refreshes.
 *
 * Used by views/register.ts; tests and the benchmark call getChildren/getTreeItem through the extension API.
 */
import type { BrokerEvents } from '../../broker/types';
import * as vscode from 'vscode';
import type { Broker } from '../../broker/broker';
import type { BrokerHost } from '../broker-host';
import type { ClusterReader, TreeNode } from '../model/tree-model';
import {
  childrenOf,
  groupNodes,
  TREE_PAGE_SIZE,
  pageChildren,
  remoteBannerNode,
  statusNodes,
  topicNodes,
} from '../model/tree-model';

export type ViewKind = 'topics' | 'groups';

/**
 * Another cluster the views can show instead of this window's broker (clusters/registry.ts): while `reader` is
 * defined the views read it, put `banner` first, and prefix every contextValue with "remote." so the menus of
 * this window's broker (which act on the engine) do not appear on its rows.
 */
export interface RemoteViewSource {
  readonly reader: ClusterReader | undefined;
  banner(view: ViewKind): TreeNode | undefined;
  readonly onDidChange: vscode.Event<void>;
}

const REFRESH_EVENTS: Record<ViewKind, (keyof BrokerEvents)[]> = {
  topics: ['append', 'topicCreated', 'topicDeleted', 'partitionsCreated', 'recordsDeleted', 'logCompacted'],
  groups: ['append', 'groupChanged', 'offsetsCommitted', 'topicDeleted', 'recordsDeleted'],
};

export const REFRESH_DEBOUNCE_MS = 250;

export class KafkaTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly limits = new Map<string, number>();
  private readonly disposables: vscode.Disposable[] = [];
  private unsubscribe: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private subscribedTo: Broker | undefined;

  constructor(
    readonly kind: ViewKind,
    private readonly host: BrokerHost,
    private readonly remote?: RemoteViewSource,
  ) {
    this.disposables.push(host.onDidChange(() => this.onHostChange()));
    if (remote) this.disposables.push(remote.onDidChange(() => this.refresh()));
    this.onHostChange();
  }

  /** Refresh now (the Refresh button, tests). */
  refresh(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.changed.fire(undefined);
  }

  /**
   * Coalesce broker events: the first event schedules one refresh 250 ms later and later events ride along, so a
   * steady stream of appends refreshes the view at most four times a second (a trailing debounce would starve).
   */
  scheduleRefresh(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.changed.fire(undefined);
    }, REFRESH_DEBOUNCE_MS);
  }

  /** Show another page of the list under parentKey ('' = root). */
  loadMore(parentKey: string): void {
    this.limits.set(parentKey, (this.limits.get(parentKey) ?? TREE_PAGE_SIZE) + TREE_PAGE_SIZE);
    this.refresh();
  }

  getChildren(element?: TreeNode): TreeNode[] {
    const other = this.remote?.reader;
    if (other) {
      const key = element?.id ?? '';
      const list = element
        ? childrenOf(other, element)
        : this.kind === 'topics'
          ? topicNodes(other)
          : groupNodes(other);
      const paged = pageChildren(this.kind, key, list, this.limits.get(key) ?? TREE_PAGE_SIZE, element);
      const top = element ? undefined : this.remote?.banner(this.kind);
      return top ? [top, ...paged] : paged;
    }
    const hostStatus = this.host.status();
    const status = statusNodes(hostStatus, this.kind);
    const cluster = this.host.cluster;
    if (status || !cluster) return element ? [] : (status ?? []);
    const parentKey = element?.id ?? '';
    const all = element
      ? childrenOf(cluster, element)
      : this.kind === 'topics'
        ? topicNodes(cluster)
        : groupNodes(cluster);
    const page = pageChildren(this.kind, parentKey, all, this.limits.get(parentKey) ?? TREE_PAGE_SIZE, element);
    // Another window's broker, read over the wire: say so above the list.
    const banner = element ? undefined : remoteBannerNode(hostStatus, this.kind);
    return banner ? [banner, ...page] : page;
  }

  getParent(element: TreeNode): TreeNode | undefined {
    return element.parent;
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const item = new vscode.TreeItem(
      node.label,
      node.collapsible ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
    );
    item.id = node.id;
    item.description = node.description;
    item.tooltip = node.tooltip;
    item.contextValue = this.remote?.reader ? `remote.${node.contextValue}` : node.contextValue;
    if (node.icon) {
      item.iconPath = new vscode.ThemeIcon(
        node.icon.id,
        node.icon.color ? new vscode.ThemeColor(node.icon.color) : undefined,
      );
    }
    if (node.command) item.command = node.command;
    return item;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const u of this.unsubscribe.splice(0)) u();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.changed.dispose();
  }

  private onHostChange(): void {
    const broker = this.host.broker;
    if (broker !== this.subscribedTo) {
      for (const u of this.unsubscribe.splice(0)) u();
      this.subscribedTo = broker;
      if (broker) {
        for (const ev of REFRESH_EVENTS[this.kind]) this.unsubscribe.push(broker.on(ev, () => this.scheduleRefresh()));
      }
    }
    this.refresh();
  }
}
