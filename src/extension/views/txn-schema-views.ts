/**
 * The Transactions and Schema Registry views of the "Kafka Lite" container and their commands: Abort Transaction
 * (tree and palette, confirmed by a modal naming the transactional id), Copy Schema, Open Schema (an untitled
 * editor in the schema's language), Delete Subject (confirmed), Turn On Schema Registry (the welcome's link),
 * Register Schema from File… (the active .avsc/.proto/.json editor or a picked workspace file; the registry's
 * compatibility verdict in a modal before anything is saved, model/schema-actions.ts) and Set (Global)
 * Compatibility Level… (a quick pick with the current level marked). The view's description is the global level.
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
import {
  SCHEMA_FILE_EXTENSIONS,
  REGISTER_BUTTON,
  compatibilityChoices,
  registerSchema,
  registerVerdict,
  schemaTypeOfFile,
  setCompatibilityLevel,
  subjectLevel,
} from '../model/schema-actions';
import { plural } from '../model/format';
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
  registerFromFile: 'kafkaLite.schema.registerFromFile',
  setCompatibility: 'kafkaLite.schema.setCompatibility',
  setGlobalCompatibility: 'kafkaLite.schemaRegistry.setGlobalCompatibility',
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
      if (!element && schemasView)
        schemasView.description = a.kind === 'embedded' ? `global ${a.registry.getGlobalCompatibility()}` : undefined;
      return element ? schemaChildren(a, element) : subjectNodes(a);
    },
    (b, refresh) => [
      on(b, 'append', (e) => {
        if (e.topic === '_schemas') refresh();
      }),
    ],
  );
  const transactionsView = vscode.window.createTreeView(TXN_VIEW_ID, { treeDataProvider: transactions });
  // eslint-disable-next-line prefer-const -- read by the provider above once created
  let schemasView: vscode.TreeView<SideNode> | undefined;
  schemasView = vscode.window.createTreeView(SCHEMA_VIEW_ID, {
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

  /** The schema file to register: the active editor's (unsaved edits included), else one picked in the workspace. */
  const schemaFile = async (): Promise<{ name: string; text: string } | undefined> => {
    const doc = vscode.window.activeTextEditor?.document;
    if (doc && schemaTypeOfFile(doc.fileName)) return { name: doc.fileName, text: doc.getText() };
    const picked = await vscode.window.showOpenDialog({
      title: 'Register Schema from File',
      defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
      canSelectMany: false,
      openLabel: 'Register',
      filters: { 'Schema files (Avro, Protobuf, JSON Schema)': [...SCHEMA_FILE_EXTENSIONS] },
    });
    const uri = picked?.[0];
    if (!uri) return undefined;
    if (!schemaTypeOfFile(uri.path)) {
      void vscode.window.showWarningMessage(
        `${uri.path.split('/').pop()} is not a schema file: pick a .avsc (Avro), .proto (Protobuf) or .json (JSON Schema) file.`,
      );
      return undefined;
    }
    return { name: uri.fsPath, text: Buffer.from(await vscode.workspace.fs.readFile(uri)).toString('utf8') };
  };
  /** A subject from the list, or a new one typed in. */
  const pickSubject = (reg: SchemaRegistry, suggestion: string): Promise<string | undefined> =>
    new Promise((resolve) => {
      const qp = vscode.window.createQuickPick();
      const existing = reg
        .listSubjects()
        .map((s) => ({ label: s, description: plural(reg.listVersions(s).length, 'version') }));
      qp.title = 'Register Schema from File';
      qp.placeholder = 'Register under which subject? Type a name for a new subject.';
      qp.ignoreFocusOut = true;
      qp.value = existing.some((e) => e.label === suggestion) ? '' : suggestion;
      const update = () => {
        const typed = qp.value.trim();
        qp.items =
          typed && !existing.some((e) => e.label === typed)
            ? [{ label: typed, description: 'new subject' }, ...existing]
            : existing;
      };
      update();
      let done = false;
      qp.onDidChangeValue(update);
      qp.onDidAccept(() => {
        done = true;
        resolve(qp.selectedItems[0]?.label ?? (qp.value.trim() || undefined));
        qp.hide();
      });
      qp.onDidHide(() => {
        if (!done) resolve(undefined);
        qp.dispose();
      });
      qp.show();
    });
  const registerFromFile = async (arg?: unknown) => {
    const reg = requireRegistry('Register Schema from File');
    if (!reg) return;
    const file = await schemaFile();
    if (!file) return;
    const schemaType = schemaTypeOfFile(file.name);
    if (!schemaType) return;
    const base = (file.name.split(/[\\/]/).pop() ?? '').replace(/\.[^.]+$/, '');
    const subject =
      typeof arg === 'object' && arg !== null && typeof (arg as { subject?: unknown }).subject === 'string'
        ? (arg as { subject: string }).subject
        : await pickSubject(reg, `${base}-value`);
    if (!subject) return;
    const input = { schema: file.text, schemaType };
    const v = registerVerdict(reg, subject, input);
    if (v.kind === 'invalid') {
      await vscode.window.showErrorMessage(v.message, { modal: true, detail: v.detail });
      return;
    }
    if (v.kind === 'incompatible') {
      // only a Cancel: the registry refuses an incompatible version, and nothing here bypasses its check
      await vscode.window.showWarningMessage(
        v.message,
        { modal: true, detail: v.detail },
        { title: 'Cancel', isCloseAffordance: true },
      );
      return;
    }
    if (v.kind === 'exists') {
      await vscode.window.showInformationMessage(v.message, { modal: true, detail: v.detail });
      return;
    }
    const ok = await vscode.window.showInformationMessage(
      v.message,
      { modal: true, detail: v.detail },
      REGISTER_BUTTON,
    );
    if (ok !== REGISTER_BUTTON) return;
    try {
      const r = await registerSchema(reg, subject, input);
      schemas.refresh();
      void vscode.window.showInformationMessage(r.message);
    } catch (e) {
      void vscode.window.showErrorMessage(`Could not register under ${subject}: ${(e as Error).message}`);
    }
  };
  const pickLevel = async (reg: SchemaRegistry, subject: string | null) => {
    const cur = subject === null ? { level: reg.getGlobalCompatibility(), own: true } : subjectLevel(reg, subject);
    const picked = await vscode.window.showQuickPick(compatibilityChoices(cur.level, !cur.own), {
      ...KEEP_OPEN,
      title: subject === null ? 'Global compatibility level' : `Compatibility level of ${subject}`,
      placeHolder: `The registry checks new versions under this level (now ${cur.level})`,
    });
    if (!picked) return;
    void vscode.window.showInformationMessage(await setCompatibilityLevel(reg, subject, picked.label));
    schemas.refresh();
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
    vscode.commands.registerCommand(TXN_SCHEMA_COMMANDS.registerFromFile, registerFromFile),
    vscode.commands.registerCommand(
      TXN_SCHEMA_COMMANDS.setCompatibility,
      schemaCommand('Set Compatibility Level', 'Set the compatibility level of which subject?', (reg, subject) =>
        pickLevel(reg, subject),
      ),
    ),
    vscode.commands.registerCommand(TXN_SCHEMA_COMMANDS.setGlobalCompatibility, async () => {
      const reg = requireRegistry('Set Global Compatibility Level');
      if (!reg) return;
      try {
        await pickLevel(reg, null);
      } catch (e) {
        void vscode.window.showErrorMessage(`Set Global Compatibility Level failed: ${(e as Error).message}`);
      }
    }),
    vscode.commands.registerCommand(TXN_SCHEMA_COMMANDS.enableRegistry, async () => {
      await vscode.workspace
        .getConfiguration('kafkaLite')
        .update('schemaRegistry.enabled', true, vscode.ConfigurationTarget.Workspace);
      if (host.state === 'running') await vscode.commands.executeCommand('kafkaLite.broker.restart');
    }),
  );
  return { transactions, schemas, transactionsView, schemasView };
}
