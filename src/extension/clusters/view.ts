/**
 * The "Clusters" view (first in the Kafka Lite container): "Kafka Lite (this window)" first, then every
 * configured cluster, then one error row per invalid `kafkaLite.clusters` entry. The cluster the Topics and
 * Consumer Groups views show has a check mark; a production cluster is marked. contextValues: `cluster.embedded`,
 * `cluster.remote` (`.active` when shown), `cluster.error` — package.json's menus match them.
 */
import * as vscode from 'vscode';
import type { BrokerHost } from '../broker-host';
import { EMBEDDED_NAME } from './definitions';
import type { ClusterRegistry } from './registry';

export interface ClusterItem {
  kind: 'embedded' | 'remote' | 'error';
  name: string;
  /** For errors: the message. */
  text?: string;
}

export class ClustersViewProvider implements vscode.TreeDataProvider<ClusterItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ClusterItem | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[];

  constructor(
    private readonly registry: ClusterRegistry,
    private readonly host: BrokerHost,
  ) {
    this.disposables = [
      registry.onDidChange(() => this.changed.fire(undefined)),
      host.onDidChange(() => this.changed.fire(undefined)),
    ];
  }

  getChildren(element?: ClusterItem): ClusterItem[] {
    if (element) return [];
    return [
      { kind: 'embedded', name: EMBEDDED_NAME },
      ...this.registry.definitions.map((d): ClusterItem => ({ kind: 'remote', name: d.name })),
      ...this.registry.errors.map((e, i): ClusterItem => ({ kind: 'error', name: `error-${i}`, text: e })),
    ];
  }

  getTreeItem(c: ClusterItem): vscode.TreeItem {
    const active = this.registry.active;
    if (c.kind === 'error') {
      const item = new vscode.TreeItem('Invalid cluster setting', vscode.TreeItemCollapsibleState.None);
      item.id = `cluster:${c.name}`;
      item.description = c.text;
      item.tooltip = `${c.text}\nFix it in settings (kafkaLite.clusters).`;
      item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
      item.contextValue = 'cluster.error';
      item.command = { command: 'workbench.action.openSettingsJson', title: 'Open Settings' };
      return item;
    }
    if (c.kind === 'embedded') {
      const item = new vscode.TreeItem(EMBEDDED_NAME, vscode.TreeItemCollapsibleState.None);
      item.id = 'cluster:embedded';
      const on = active === undefined;
      item.description = `${this.host.bootstrap ?? this.host.state}${on ? ' · shown' : ''}`;
      item.tooltip = `The broker this window runs (${this.host.state}).${on ? '\nThe Topics and Consumer Groups views show it.' : '\nClick to show it in the Topics and Consumer Groups views.'}`;
      item.iconPath = new vscode.ThemeIcon(on ? 'pass-filled' : 'server-environment');
      item.contextValue = 'cluster.embedded';
      item.command = { command: 'kafkaLite.clusters.use', title: 'Use This Cluster', arguments: [c] };
      return item;
    }
    const d = this.registry.definition(c.name);
    const on = active === c.name;
    const item = new vscode.TreeItem(c.name, vscode.TreeItemCollapsibleState.None);
    item.id = `cluster:remote:${c.name}`;
    item.description =
      `${d?.bootstrapServers[0] ?? ''}${(d?.bootstrapServers.length ?? 0) > 1 ? ' …' : ''} · ${d?.securityProtocol ?? ''}` +
      `${d?.production ? ' · production' : ''}${on ? ' · shown' : ''}`;
    item.tooltip =
      `${c.name}\n${d?.bootstrapServers.join(', ')}\n${d?.securityProtocol}` +
      `${d?.saslMechanism ? ` ${d.saslMechanism} as ${d.username}` : ''}` +
      `${d?.caFile ? `\nCA ${d.caFile}` : ''}${d?.rejectUnauthorized === false ? '\nCERTIFICATE NOT VERIFIED (accepted by you)' : ''}` +
      `\ndefined in ${d?.scope === 'workspace' ? 'the workspace settings' : 'your user settings'}` +
      `${d?.production ? '\nproduction: the first change of a session asks first' : ''}`;
    item.iconPath = new vscode.ThemeIcon(
      on ? 'pass-filled' : 'cloud',
      d?.production ? new vscode.ThemeColor('list.errorForeground') : undefined,
    );
    item.contextValue = on ? 'cluster.remote.active' : 'cluster.remote';
    return item;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.changed.dispose();
  }
}
