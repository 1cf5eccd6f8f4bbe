/**
 * The Transactions and Schema Registry views of the "Kafka Lite" container and their commands: Abort Transaction
 * (tree and palette, confirmed by a modal naming the transactional id), Copy Schema, Open Schema (an untitled
 * editor in the schema's language), Delete Subject (confirmed), and Turn On Schema Registry (the welcome's link).
 * Both views read this window's embedded broker only; another cluster shows a "not available" node. The nodes
 * come from model/transaction-tree.ts and model/schema-tree.ts; NodeTreeProvider maps them to TreeItems and
 * refreshes, debounced, on the broker's transactionChanged / txnMarker events and on writes to `_schemas`.
 * The `kafkaLite.schemaRegistry` context key (on / off / failed) picks the Schema Registry view's welcome.
 * Called once from views/register.ts.
 */
import * as vscode from 'vscode';
import type { Broker } from '../../broker/broker';
import type { BrokerEvents } from '../../broker/types';
import type { SchemaRegistry } from '../../schema-registry/registry';
import type { BrokerHost } from '../broker-host';
import { KEEP_OPEN } from '../commands/common';
import type { RegistryAvailability } from '../model/schema-tree';
import {
  OPEN_SCHEMA_COMMAND,
  deleteSubjectConfirmation,
  schemaChildren,
  schemaDocument,
  subjectNodes,
} from '../model/schema-tree';
import type { SideNode } from '../model/side-node';
import type { TransactionNode } from '../model/transaction-tree';
import {
  OPEN_TXN_STATES,
  abortTransactionConfirmation,
  transactionChildren,
  transactionNodes,
} from '../model/transaction-tree';

export const TXN_VIEW_ID = 'kafkaLite.transactions';
export const SCHEMA_VIEW_ID = 'kafkaLite.schemas';
export const TXN_SCHEMA_COMMANDS = {
  abortTransaction: 'kafkaLite.transaction.abort',
  copySchema: 'kafkaLite.schema.copy',
  openSchema: OPEN_SCHEMA_COMMAND,
  deleteSubject: 'kafkaLite.schema.deleteSubject',
  enableRegistry: 'kafkaLite.schemaRegistry.enable',
} as const;

const DEBOUNCE_MS = 250;

/** A TreeDataProvider over SideNodes: children from a function, refreshes debounced on broker events. */
export class NodeTreeProvider implements vscode.TreeDataProvider<SideNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<SideNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];
  private unsubscribe: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private subscribedTo: Broker | undefined;

  constructor(
    private readonly host: BrokerHost,
    private readonly children: (element?: SideNode) => SideNode[],
    private readonly events: (b: Broker, refresh: () => void) => (() => void)[],
  ) {
    this.disposables.push(host.onDidChange(() => this.onHostChange()));
    this.onHostChange();
  }

  refresh(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.changed.fire(undefined);
  }

  scheduleRefresh(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.changed.fire(undefined);
    }, DEBOUNCE_MS);
  }

  getChildren(element?: SideNode): SideNode[] {
    return this.children(element);
  }

  getParent(element: SideNode): SideNode | undefined {
    return element.parent;
  }

  getTreeItem(node: SideNode): vscode.TreeItem {
    const item = new vscode.TreeItem(
      node.label,
      node.collapsible ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
    );
    item.id = node.id;
    item.description = node.description;
    item.tooltip = node.tooltip;
    item.contextValue = node.contextValue;
    if (node.icon)
      item.iconPath = new vscode.ThemeIcon(
        node.icon.id,
        node.icon.color ? new vscode.ThemeColor(node.icon.color) : undefined,
      );
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
      if (broker) this.unsubscribe.push(...this.events(broker, () => this.scheduleRefresh()));
    }
    this.refresh();
  }
}

export interface TxnSchemaViews {
  transactions: NodeTreeProvider;
  schemas: NodeTreeProvider;
  transactionsView: vscode.TreeView<SideNode>;
  schemasView: vscode.TreeView<SideNode>;
}

function on<K extends keyof BrokerEvents>(b: Broker, ev: K, fn: (e: BrokerEvents[K]) => void): () => void {
  return b.on(ev, fn);
}

export function registerTxnSchemaViews(context: vscode.ExtensionContext, host: BrokerHost): TxnSchemaViews {
  /** The embedded broker of this window; undefined while another window's broker (or none) is shown. */
  const embedded = (): Broker | undefined => (host.broker && !host.broker.isClosed ? host.broker : undefined);
  const registryEnabled = () =>
    vscode.workspace.getConfiguration('kafkaLite').get<boolean>('schemaRegistry.enabled', true);
  const registry = (): RegistryAvailability => {
    if (!embedded()) return host.cluster ? { kind: 'otherCluster' } : { kind: 'off' };
    const engine = host.schemaRegistryEngine;
    return engine ? { kind: 'embedded', registry: engine, url: host.schemaRegistryUrl } : { kind: 'off' };
  };

  const transactions = new NodeTreeProvider(
    host,
    (element) => {
      const b = embedded();
      if (!b && !host.cluster && host.state !== 'external') return []; // the welcome says the broker is not running
      return element ? transactionChildren(b, element) : transactionNodes(b, Date.now());
    },
    (b, refresh) => [on(b, 'transactionChanged', refresh), on(b, 'txnMarker', refresh), on(b, 'append', refresh)],
  );
  const schemas = new NodeTreeProvider(
    host,
    (element) => {
      const a = registry();
      return element ? schemaChildren(a, element) : subjectNodes(a);
    },
    (b, refresh) => [
      on(b, 'append', (e) => {
        if (e.topic === '_schemas') refresh();
      }),
    ],
  );
  const transactionsView = vscode.window.createTreeView(TXN_VIEW_ID, { treeDataProvider: transactions });
  const schemasView = vscode.window.createTreeView(SCHEMA_VIEW_ID, {
    treeDataProvider: schemas,
    showCollapseAll: true,
  });

  const setRegistryContext = () => {
    const state = host.schemaRegistryEngine ? 'on' : registryEnabled() ? 'failed' : 'off';
    void vscode.commands.executeCommand('setContext', 'kafkaLite.schemaRegistry', state);
  };
  setRegistryContext();
  // an open transaction's age grows: redraw every few seconds while the view shows one
  const ages = setInterval(() => {
    const b = embedded();
    if (!transactionsView.visible || !b) return;
    if (b.listTransactions().some((t) => (OPEN_TXN_STATES as readonly string[]).includes(t.state)))
      transactions.refresh();
  }, 5000);

  const requireEmbedded = (what: string): Broker | undefined => {
    const b = embedded();
    if (!b)
      void vscode.window.showWarningMessage(
        host.cluster
          ? `${what} is not available for this cluster: it works on the embedded broker of this window.`
          : 'The Kafka Lite broker is not running.',
      );
    return b;
  };

  const abortTransaction = async (arg?: unknown) => {
    const b = requireEmbedded('Abort Transaction');
    if (!b) return;
    let id =
      typeof arg === 'string'
        ? arg
        : typeof arg === 'object' && arg !== null && typeof (arg as TransactionNode).transactionalId === 'string'
          ? (arg as TransactionNode).transactionalId
          : undefined;
    if (id === undefined) {
      const open = b.listTransactions().filter((t) => t.state === 'Ongoing');
      if (open.length === 0) {
        void vscode.window.showInformationMessage('There is no open transaction to abort.');
        return;
      }
      const picked = await vscode.window.showQuickPick(
        open.map((t) => ({ label: t.transactionalId, description: `producer ${t.producerId} · ${t.state}` })),
        { ...KEEP_OPEN, title: 'Kafka Lite', placeHolder: 'Abort the open transaction of which transactional id?' },
      );
      if (!picked) return;
      id = picked.label;
    }
    const d = b.describeTransaction(id);
    if (!d || d.state !== 'Ongoing') {
      void vscode.window.showWarningMessage(
        d
          ? `"${id}" has no open transaction to abort (its state is ${d.state}).`
          : `There is no transactional id "${id}".`,
      );
      transactions.refresh();
      return;
    }
    const c = abortTransactionConfirmation(d);
    const ok = await vscode.window.showWarningMessage(
      c.message,
      { modal: true, detail: c.detail },
      'Abort Transaction',
    );
    if (ok !== 'Abort Transaction') return;
    try {
      const after = await b.abortTransaction(id);
      void vscode.window.showInformationMessage(
        `Aborted the transaction of "${id}": ABORT markers on ${d.partitions.length} partition(s); producer ${after.producerId} is fenced (epoch ${after.producerEpoch} now).`,
      );
    } catch (e) {
      void vscode.window.showErrorMessage(`Could not abort the transaction of "${id}": ${(e as Error).message}`);
    }
    transactions.refresh();
  };

  /** The subject and version a schema command acts on: from its node, {subject, version}, or a quick pick. */
  const schemaTarget = async (
    reg: SchemaRegistry,
    arg: unknown,
    placeHolder: string,
  ): Promise<{ subject: string; version: number | 'latest' } | undefined> => {
    if (typeof arg === 'object' && arg !== null) {
      const o = arg as { kind?: string; subject?: unknown; version?: unknown };
      if (typeof o.subject === 'string')
        return {
          subject: o.subject,
          version: o.kind !== 'subject' && typeof o.version === 'number' ? o.version : 'latest',
        };
    }
    const subjects = reg.listSubjects();
    if (subjects.length === 0) {
      void vscode.window.showInformationMessage('The Schema Registry has no subjects yet.');
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(subjects, { ...KEEP_OPEN, title: 'Kafka Lite', placeHolder });
    return picked ? { subject: picked, version: 'latest' } : undefined;
  };
  const requireRegistry = (what: string): SchemaRegistry | undefined => {
    if (!requireEmbedded(what)) return undefined;
    const r = host.schemaRegistryEngine;
    if (!r)
      void vscode.window.showWarningMessage(
        'The embedded Schema Registry is off: turn on kafkaLite.schemaRegistry.enabled and restart the broker.',
      );
    return r;
  };
  const schemaCommand =
    (
      what: string,
      placeHolder: string,
      run: (reg: SchemaRegistry, subject: string, version: number | 'latest') => Promise<void>,
    ) =>
    async (arg?: unknown) => {
      const reg = requireRegistry(what);
      if (!reg) return;
      const t = await schemaTarget(reg, arg, placeHolder);
      if (!t) return;
      try {
        await run(reg, t.subject, t.version);
      } catch (e) {
        void vscode.window.showErrorMessage(`${what} failed for subject "${t.subject}": ${(e as Error).message}`);
      }
    };

  context.subscriptions.push(
    transactions,
    schemas,
    transactionsView,
    schemasView,
    { dispose: () => clearInterval(ages) },
    host.onDidChange(setRegistryContext),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('kafkaLite.schemaRegistry')) {
        setRegistryContext();
        schemas.refresh();
      }
    }),
    vscode.commands.registerCommand(TXN_SCHEMA_COMMANDS.abortTransaction, abortTransaction),
    vscode.commands.registerCommand(
      TXN_SCHEMA_COMMANDS.copySchema,
      schemaCommand('Copy Schema', 'Copy the latest schema of which subject?', async (reg, subject, version) => {
        const sv = reg.getVersion(subject, version);
        await vscode.env.clipboard.writeText(schemaDocument(sv, []).content);
        void vscode.window.showInformationMessage(`Copied the schema of ${subject} v${sv.version} (id ${sv.id}).`);
      }),
    ),
    vscode.commands.registerCommand(
      TXN_SCHEMA_COMMANDS.openSchema,
      schemaCommand('Open Schema', 'Open the latest schema of which subject?', async (reg, subject, version) => {
        const sv = reg.getVersion(subject, version);
        const doc = await vscode.workspace.openTextDocument(schemaDocument(sv, await vscode.languages.getLanguages()));
        await vscode.window.showTextDocument(doc, { preview: true });
      }),
    ),
    vscode.commands.registerCommand(
      TXN_SCHEMA_COMMANDS.deleteSubject,
      schemaCommand('Delete Subject', 'Delete which subject?', async (reg, subject) => {
        const c = deleteSubjectConfirmation(subject, reg.listVersions(subject).length);
        const ok = await vscode.window.showWarningMessage(
          c.message,
          { modal: true, detail: c.detail },
          'Delete Subject',
        );
        if (ok !== 'Delete Subject') return;
        const gone = await reg.deleteSubject(subject);
        void vscode.window.showInformationMessage(
          `Deleted subject "${subject}" (version${gone.length === 1 ? '' : 's'} ${gone.join(', ')}).`,
        );
        schemas.refresh();
      }),
    ),
    vscode.commands.registerCommand(TXN_SCHEMA_COMMANDS.enableRegistry, async () => {
      await vscode.workspace
        .getConfiguration('kafkaLite')
        .update('schemaRegistry.enabled', true, vscode.ConfigurationTarget.Workspace);
      if (host.state === 'running') await vscode.commands.executeCommand('kafkaLite.broker.restart');
    }),
  );
  return { transactions, schemas, transactionsView, schemasView };
}
