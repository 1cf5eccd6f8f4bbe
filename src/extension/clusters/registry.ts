/**
 * ClusterRegistry: the configured clusters of `kafkaLite.clusters` (user and workspace settings), their secrets
 * (SecretStorage only), which cluster the Topics and Consumer Groups views show, and the connections to them.
 *
 * Guarantees:
 *  - definitions are re-read when the setting changes; invalid entries become one warning each (and an error row
 *    in the Clusters view), never a crash; a workspace entry may not reuse a user entry's name;
 *  - passwords and key passphrases are read from and written to SecretStorage keyed by the cluster's name and
 *    sealed to the definition they were entered for (definitions.ts sealSecret): a definition with other
 *    servers, user or TLS checks under the same name (a cloned repository's) does not receive them; they are
 *    never written to settings and never logged;
 *  - nothing connects by itself: a cluster is used only when a person says so, and a cluster defined by the
 *    workspace's settings in an untrusted (Restricted Mode) workspace asks first;
 *  - a cluster marked production asks a modal confirmation naming it before the first write of the session;
 *  - the active remote cluster's snapshot is refreshed on demand and every REFRESH_MS while it is shown; a
 *    failing refresh keeps the last snapshot and says so on the banner.
 */
import * as vscode from 'vscode';
import type { BrokerHost } from '../broker-host';
import type { ClusterReader, MessageNode } from '../model/tree-model';
import { formatTimestamp } from '../model/format';
import type { Cluster } from './cluster';
import type { ClusterDefinition, ClusterSecrets, ScopedDefinition } from './definitions';
import {
  EMBEDDED_NAME,
  kcatProperties,
  parseDefinitions,
  sealSecret,
  secretKey,
  toSetting,
  unsealSecret,
  wireOptions,
} from './definitions';
import { EmbeddedCluster } from './embedded';
import { ClusterSnapshot } from './snapshot';
import { WireCluster } from './wire';
import type { PanelSource } from '../panels/panel-source';
import { EMBEDDED_SOURCE } from '../panels/panel-source';

export const CLUSTERS_SETTING = 'clusters';
/** How often the views re-read the remote cluster they show. */
export const REFRESH_MS = 10_000;

export class ClusterRegistry implements vscode.Disposable {
  private defs: ScopedDefinition[] = [];
  private _errors: string[] = [];
  private readonly warned = new Set<string>();
  private readonly connections = new Map<string, WireCluster>();
  /** The definition (as its setting object) each connection was opened with. */
  private readonly connectionKeys = new Map<string, string>();
  private readonly confirmedWrites = new Set<string>();
  private _active: string | undefined;
  private snapshot: ClusterSnapshot | undefined;
  private lastError: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly host: BrokerHost,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.reload();
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`kafkaLite.${CLUSTERS_SETTING}`)) this.reload();
      }),
    );
  }

  // ------------------------------------------------------------------ definitions

  get definitions(): readonly ScopedDefinition[] {
    return this.defs;
  }
  get errors(): readonly string[] {
    return this._errors;
  }
  definition(name: string): ScopedDefinition | undefined {
    return this.defs.find((d) => d.name === name);
  }

  private reload(): void {
    const inspected = vscode.workspace.getConfiguration('kafkaLite').inspect<unknown>(CLUSTERS_SETTING);
    const user = parseDefinitions(inspected?.globalValue, 'user');
    const ws = parseDefinitions(inspected?.workspaceValue, 'workspace');
    const folder = parseDefinitions(inspected?.workspaceFolderValue, 'workspace');
    const defs: ScopedDefinition[] = [...user.definitions];
    const errors = [...user.errors, ...ws.errors, ...folder.errors];
    for (const d of [...ws.definitions, ...folder.definitions]) {
      if (defs.some((x) => x.name === d.name)) {
        errors.push(`cluster "${d.name}" of the workspace settings has the name of another cluster; it is ignored`);
      } else defs.push(d);
    }
    this.defs = defs;
    this._errors = errors;
    for (const e of errors) {
      if (this.warned.has(e)) continue;
      this.warned.add(e);
      this.log.warn(`kafkaLite.clusters: ${e}`);
      void vscode.window.showWarningMessage(`Kafka Lite: ${e}`);
    }
    // Definitions changed: drop connections whose definition changed or went away.
    for (const name of [...this.connections.keys()]) {
      const d = this.definition(name);
      if (!d || JSON.stringify(toSetting(d)) !== this.connectionKeys.get(name)) this.dropConnection(name);
    }
    if (this._active && !this.definition(this._active)) void this.use(undefined);
    this.changed.fire();
  }

  /** Write the definitions of one settings scope (user or workspace), replacing `oldName` (edit) or adding. */
  async save(d: ClusterDefinition, scope: 'user' | 'workspace', oldName?: string): Promise<void> {
    const target = scope === 'user' ? vscode.ConfigurationTarget.Global : vscode.ConfigurationTarget.Workspace;
    const inspected = vscode.workspace.getConfiguration('kafkaLite').inspect<unknown[]>(CLUSTERS_SETTING);
    const current = (scope === 'user' ? inspected?.globalValue : inspected?.workspaceValue) ?? [];
    const list = Array.isArray(current) ? [...current] : [];
    const at = list.findIndex((e) => (e as { name?: string })?.name === (oldName ?? d.name));
    if (at >= 0) list[at] = toSetting(d);
    else list.push(toSetting(d));
    // A person edited this definition: the secrets entered for its old form follow it (rebound to the new form).
    const old = this.definition(oldName ?? d.name);
    const kept = old ? await this.readSecrets(old.name) : {};
    await vscode.workspace.getConfiguration('kafkaLite').update(CLUSTERS_SETTING, list, target);
    if (oldName && oldName !== d.name) {
      await this.secrets.delete(secretKey(oldName, 'password'));
      await this.secrets.delete(secretKey(oldName, 'keyPassphrase'));
    }
    await this.writeSecrets(d, kept);
    this.dropConnection(oldName ?? d.name);
    this.dropConnection(d.name);
    this.reload();
  }

  async remove(name: string): Promise<void> {
    const d = this.definition(name);
    if (!d) return;
    if (this._active === name) await this.use(undefined);
    const target = d.scope === 'user' ? vscode.ConfigurationTarget.Global : vscode.ConfigurationTarget.Workspace;
    const inspected = vscode.workspace.getConfiguration('kafkaLite').inspect<unknown[]>(CLUSTERS_SETTING);
    const current = (d.scope === 'user' ? inspected?.globalValue : inspected?.workspaceValue) ?? [];
    const list = (Array.isArray(current) ? current : []).filter((e) => (e as { name?: string })?.name !== name);
    await vscode.workspace
      .getConfiguration('kafkaLite')
      .update(CLUSTERS_SETTING, list.length ? list : undefined, target);
    await this.secrets.delete(secretKey(name, 'password'));
    await this.secrets.delete(secretKey(name, 'keyPassphrase'));
    this.dropConnection(name);
    this.reload();
  }

  // ------------------------------------------------------------------ secrets

  /**
   * The secrets stored for the cluster named `name`, each only if it was entered for this very definition
   * (same servers, user, mechanism and TLS checks); a withheld one is logged by name, never by value.
   */
  async readSecrets(name: string): Promise<ClusterSecrets> {
    const d = this.definition(name);
    if (!d) return {};
    const out: ClusterSecrets = {};
    for (const kind of ['password', 'keyPassphrase'] as const) {
      const got = unsealSecret(await this.secrets.get(secretKey(name, kind)), d);
      if ('value' in got) out[kind] = got.value;
      else if (got.withheld === 'rebound')
        this.log.warn(
          `The ${kind === 'password' ? 'password' : 'key passphrase'} stored for cluster "${name}" was entered for other servers or settings than its definition now names (${d.bootstrapServers.join(', ')}); it is not sent. Edit the cluster to enter it again.`,
        );
    }
    return out;
  }

  /** undefined = leave as is, '' = delete, else store (sealed to the cluster's current definition). */
  async storeSecrets(name: string, s: { password?: string; keyPassphrase?: string }): Promise<void> {
    const d = this.definition(name);
    if (!d) throw new Error(`there is no cluster named "${name}"`);
    await this.writeSecrets(d, s);
    this.dropConnection(name);
  }

  private async writeSecrets(d: ClusterDefinition, s: { password?: string; keyPassphrase?: string }): Promise<void> {
    for (const kind of ['password', 'keyPassphrase'] as const) {
      const v = s[kind];
      if (v === undefined) continue;
      if (v === '') await this.secrets.delete(secretKey(d.name, kind));
      else await this.secrets.store(secretKey(d.name, kind), sealSecret(v, d));
    }
  }

  // ------------------------------------------------------------------ trust and writes

  /**
   * May we connect to this cluster now? A cluster from the workspace's settings in an untrusted workspace asks
   * first (a cloned repository could name any address). Resolves false when the person declines.
   */
  async mayConnect(d: ScopedDefinition): Promise<boolean> {
    if (d.scope === 'user' || vscode.workspace.isTrusted) return true;
    const go = await vscode.window.showWarningMessage(
      `Connect to "${d.name}" (${d.bootstrapServers.join(', ')})?`,
      {
        modal: true,
        detail:
          'This cluster is defined by this workspace\u2019s settings, and the workspace is not trusted (Restricted Mode). ' +
          'Kafka Lite sends your stored credentials for it only if you connect.',
      },
      'Connect',
    );
    return go === 'Connect';
  }

  /** Before a write to `cluster`: a production cluster asks once per session, naming it. */
  async confirmWrite(cluster: Cluster, what: string): Promise<boolean> {
    const d = this.definition(cluster.name);
    if (!d?.production || this.confirmedWrites.has(d.name)) return true;
    const go = await vscode.window.showWarningMessage(
      `"${d.name}" is marked as a production cluster. ${what}?`,
      {
        modal: true,
        detail: `This is the first change to ${d.name} (${d.bootstrapServers.join(', ')}) in this session. Later changes in this session do not ask again.`,
      },
      `Yes, change ${d.name}`,
    );
    if (go !== `Yes, change ${d.name}`) return false;
    this.confirmedWrites.add(d.name);
    return true;
  }

  // ------------------------------------------------------------------ connections

  /** The Cluster for a name (EMBEDDED_NAME: this window's broker, when it runs). Throws with a clear message. */
  async open(name: string): Promise<Cluster> {
    if (name === EMBEDDED_NAME) {
      const b = this.host.broker;
      if (!b) throw new Error('this window\u2019s broker is not running');
      return new EmbeddedCluster(b, {
        address: () => (this.host.port ? { host: this.host.host ?? '127.0.0.1', port: this.host.port } : undefined),
      });
    }
    const d = this.definition(name);
    if (!d) throw new Error(`there is no cluster named "${name}"`);
    const existing = this.connections.get(name);
    if (existing) return existing;
    const c = new WireCluster(wireOptions(d, await this.readSecrets(name)));
    this.connections.set(name, c);
    this.connectionKeys.set(name, JSON.stringify(toSetting(d)));
    return c;
  }

  private dropConnection(name: string): void {
    const c = this.connections.get(name);
    if (!c) return;
    this.connections.delete(name);
    this.connectionKeys.delete(name);
    // The views keep showing the cluster: the next refresh reconnects with the new definition or secrets.
    if (this.snapshot?.cluster === c && this._active === name) {
      const d = this.definition(name);
      if (d) void this.readSecrets(name).then((s) => this.replaceSnapshotCluster(d, s));
    }
    void c.close();
  }

  private replaceSnapshotCluster(d: ClusterDefinition, s: ClusterSecrets): void {
    try {
      const c = new WireCluster(wireOptions(d, s));
      this.connections.set(d.name, c);
      this.connectionKeys.set(d.name, JSON.stringify(toSetting(d)));
      this.snapshot = new ClusterSnapshot(c);
      void this.refresh();
    } catch (e) {
      this.lastError = (e as Error).message;
      this.changed.fire();
    }
  }

  /**
   * Where a panel opened now works: the remote cluster the views show (connected, after the untrusted-workspace
   * question), or this window's broker. Rejects with the reason when the remote cluster cannot be opened.
   */
  async panelSource(): Promise<PanelSource> {
    const name = this._active;
    if (name === undefined) return EMBEDDED_SOURCE;
    const d = this.definition(name);
    if (!d) throw new Error(`there is no cluster named "${name}"`);
    if (!(await this.mayConnect(d))) throw new Error(`not connected to "${name}"`);
    const cluster = await this.open(name);
    if (!(cluster instanceof WireCluster)) return EMBEDDED_SOURCE;
    return {
      kind: 'remote',
      name,
      production: d.production,
      cluster,
      connect: (clientId) => cluster.sibling(clientId),
      confirmWrite: (what) => this.confirmWrite(cluster, what),
      kcatProperties: kcatProperties(d),
    };
  }

  // ------------------------------------------------------------------ the views' cluster

  /** The remote cluster the views show, or undefined for this window's broker. */
  get active(): string | undefined {
    return this._active;
  }

  /**
   * Show `name` in the Topics and Consumer Groups views (undefined: this window's broker). Resolves true when
   * the first snapshot was read; on failure the views stay on what they showed and the error is shown.
   */
  async use(name: string | undefined): Promise<boolean> {
    this.stopTimer();
    if (name === undefined || name === EMBEDDED_NAME) {
      this._active = undefined;
      this.snapshot = undefined;
      this.lastError = undefined;
      this.changed.fire();
      return true;
    }
    const d = this.definition(name);
    if (!d) throw new Error(`there is no cluster named "${name}"`);
    if (!(await this.mayConnect(d))) return false;
    const cluster = await this.open(name);
    const snap = new ClusterSnapshot(cluster);
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `Kafka Lite: reading ${name}…` },
      () => snap.refresh(),
    );
    this._active = name;
    this.snapshot = snap;
    this.lastError = undefined;
    this.log.info(`The views show cluster ${name} (${d.bootstrapServers.join(', ')}).`);
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
    this.changed.fire();
    return true;
  }

  /** Re-read the active remote cluster now (Refresh button, timer). Never rejects. */
  refresh(): Promise<void> {
    const snap = this.snapshot;
    if (!snap) return Promise.resolve();
    this.refreshing ??= snap
      .refresh()
      .then(
        (changed) => {
          const hadError = this.lastError !== undefined;
          this.lastError = undefined;
          if (changed || hadError) this.changed.fire();
        },
        (e: unknown) => {
          const msg = e instanceof Error ? e.message : String(e);
          if (this.lastError !== msg) this.log.warn(`Refreshing ${snap.cluster.name} failed: ${msg}`);
          this.lastError = msg;
          this.changed.fire();
        },
      )
      .finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /** What the views read while a remote cluster is active (undefined: this window's broker, as before). */
  get reader(): ClusterReader | undefined {
    return this._active ? this.snapshot : undefined;
  }

  /** The row above a view's list while it shows a remote cluster. */
  banner(view: 'topics' | 'groups'): MessageNode | undefined {
    const name = this._active;
    const snap = this.snapshot;
    if (!name || !snap) return undefined;
    const d = this.definition(name);
    // The time of day is enough beside the list (the tooltip has the full date).
    const when = snap.refreshedAt ? new Date(snap.refreshedAt).toTimeString().slice(0, 8) : 'never';
    const full = snap.refreshedAt ? formatTimestamp(snap.refreshedAt) : 'never';
    return {
      kind: 'message',
      id: `${view}:status:cluster`,
      label: `Cluster: ${name}${d?.production ? ' (production)' : ''}`,
      description: this.lastError ? `refresh failed · data of ${when}` : `read ${when}`,
      tooltip:
        `${name}: ${d?.bootstrapServers.join(', ') ?? ''}\n` +
        `Read at ${full}.\n` +
        (this.lastError ? `The last refresh failed: ${this.lastError}\n` : '') +
        `Re-read every ${REFRESH_MS / 1000} s and on Refresh. Use "Kafka Lite (this window)" in the Clusters view to go back.`,
      icon: this.lastError
        ? { id: 'warning', color: 'list.warningForeground' }
        : { id: 'cloud', color: d?.production ? 'list.errorForeground' : undefined },
      contextValue: 'clusterBanner',
      collapsible: false,
    };
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  dispose(): void {
    this.stopTimer();
    for (const d of this.disposables.splice(0)) d.dispose();
    for (const c of this.connections.values()) void c.close();
    this.connections.clear();
    this.changed.dispose();
  }
}
