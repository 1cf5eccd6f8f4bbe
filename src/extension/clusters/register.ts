/**
 * Wires the Clusters feature into the extension: the registry (definitions, secrets, the views' cluster), the
 * "Clusters" view and its commands. Called once from views/register.ts, which hands the registry to the Topics
 * and Consumer Groups providers as their RemoteViewSource.
 */
import * as vscode from 'vscode';
import type { BrokerHost } from '../broker-host';
import { registerClusterCommands } from './commands';
import { ClusterRegistry } from './registry';
import type { ClusterItem } from './view';
import { ClustersViewProvider } from './view';

export const CLUSTERS_VIEW_ID = 'kafkaLite.clusters';

export interface ClustersFeature {
  registry: ClusterRegistry;
  provider: ClustersViewProvider;
  view: vscode.TreeView<ClusterItem>;
}

export function registerClusters(context: vscode.ExtensionContext, host: BrokerHost): ClustersFeature {
  const registry = new ClusterRegistry(context.secrets, host, host.log);
  const provider = new ClustersViewProvider(registry, host);
  const view = vscode.window.createTreeView(CLUSTERS_VIEW_ID, { treeDataProvider: provider });
  const setContext = () =>
    void vscode.commands.executeCommand('setContext', 'kafkaLite.remoteCluster', registry.active !== undefined);
  setContext();
  context.subscriptions.push(registry, provider, view, registry.onDidChange(setContext));
  registerClusterCommands(context, registry, host, host.log);
  return { registry, provider, view };
}
