/**
 * Registers the sidebar views of the "Kafka Lite" activity-bar container — Topics, Consumer Groups, and (from
 * txn-schema-views.ts) Transactions and Schema Registry — their Refresh and "Load more…" commands, and the
 * `kafkaLite.state` context key that viewsWelcome and menus use.
 * Called once from extension.ts; returns the providers (exposed on the extension API for tests and benches).
 */
import * as vscode from 'vscode';
import type { BrokerHost } from '../broker-host';
import type { TreeNode } from '../model/tree-model';
import { LOAD_MORE_COMMAND } from '../model/tree-model';
import type { ViewKind } from './tree-provider';
import { KafkaTreeProvider } from './tree-provider';
import type { TxnSchemaViews } from './txn-schema-views';
import { registerTxnSchemaViews } from './txn-schema-views';

export const VIEW_IDS: Record<ViewKind, string> = { topics: 'kafkaLite.topics', groups: 'kafkaLite.groups' };

export interface Views {
  topics: KafkaTreeProvider;
  groups: KafkaTreeProvider;
  topicsView: vscode.TreeView<TreeNode>;
  groupsView: vscode.TreeView<TreeNode>;
  /** Transactions and Schema Registry (txn-schema-views.ts). */
  txnSchema: TxnSchemaViews;
}

export function registerViews(context: vscode.ExtensionContext, host: BrokerHost): Views {
  const topics = new KafkaTreeProvider('topics', host);
  const groups = new KafkaTreeProvider('groups', host);
  const topicsView = vscode.window.createTreeView(VIEW_IDS.topics, { treeDataProvider: topics, showCollapseAll: true });
  const groupsView = vscode.window.createTreeView(VIEW_IDS.groups, { treeDataProvider: groups, showCollapseAll: true });
  const txnSchema = registerTxnSchemaViews(context, host);
  const setContext = () => void vscode.commands.executeCommand('setContext', 'kafkaLite.state', host.state);
  setContext();
  context.subscriptions.push(
    topics,
    groups,
    topicsView,
    groupsView,
    host.onDidChange(setContext),
    vscode.commands.registerCommand('kafkaLite.view.refresh', async () => {
      await host.refreshRemote();
      topics.refresh();
      groups.refresh();
      txnSchema.transactions.refresh();
      txnSchema.schemas.refresh();
    }),
    vscode.commands.registerCommand(LOAD_MORE_COMMAND, (viewKind: ViewKind, parentKey: string) =>
      (viewKind === 'groups' ? groups : topics).loadMore(parentKey),
    ),
  );
  return { topics, groups, topicsView, groupsView, txnSchema };
}
