/**
 * BrokerHost: owns this window's broker — the engine (Broker) and its Kafka wire server — for the workspace's
 * data directory. It starts, stops and restarts them (one operation at a time), takes the data-directory lock,
 * falls back to the next free port, logs broker events to the "Kafka Lite" log channel, and publishes its
 * status through `onDidChange`.
 *
 * Guarantees: start/stop never throw (a failure becomes the 'error' state, an error notification with
 * "Show Log", and a log line); two windows never write one data directory (the second sees 'external' and the
 * owner's address, and on "Connect Views" reads the owner's broker over the Kafka protocol, read-only, refreshed
 * every 2 s and dropped when the owner goes away); stop closes the server first, then the broker (which writes its
 * clean-shutdown marker), then releases the lock. `broker` is undefined unless this window runs the broker;
 * `cluster` is what the views read: this window's broker, the owner's (when connected), or nothing.
 *
 * Called by extension.ts (activation/deactivation), the commands, the views, the status bar and the panels;
 * returned on the extension API ({host}) for tests.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { Broker } from '../broker/broker';
import type { ConnectionEvent, KafkaServer } from '../protocol/server';
import { startKafkaServer } from '../protocol/server';
import type { SchemaRegistry } from '../schema-registry/registry';
import type { EmbeddedSchemaRegistry } from '../schema-registry-server';
import { startEmbeddedSchemaRegistry } from '../schema-registry-server';
import type { DataDirLock, LockInfo } from './model/lock-file';
import { acquireLock, isProcessAlive, readLock } from './model/lock-file';
import type { ClusterReader } from './model/tree-model';
import { RemoteClusterSnapshot } from './remote-cluster';
import type { HostState, HostStatus, StopReason } from './model/host-status';
import { listenWithFallback } from './model/port-fallback';
import { ClientLog } from './model/log-lines';
import type { HostSettings } from './settings';
import { LOOPBACK_HOSTS, readSettings, resolveDataDir, workspaceRoot } from './settings';

let sessionCounter = 0;

/** How often the views re-read the owning window's broker, and after how many failed reads they give up. */
export const REMOTE_REFRESH_MS = 2000;
export const REMOTE_MAX_FAILURES = 3;

export interface HostTimings {
  /** performance.now() when activate() began. */
  activateStart: number;
  /** performance.now() when the server first accepted connections (undefined until then). */
  listening?: number;
  /** performance.now() of the first start's steps, for the activation breakdown. */
  marks: Record<string, number>;
}

export class BrokerHost implements vscode.Disposable {
  private _state: HostState = 'stopped';
  private _stopReason: StopReason | undefined = 'notStarted';
  private _error: string | undefined;
  private _owner: LockInfo | undefined;
  private _broker: Broker | undefined;
  private server: KafkaServer | undefined;
  private schemaRegistry: EmbeddedSchemaRegistry | undefined;
  private lock: DataDirLock | undefined;
  private _dataDir: string | undefined;
  private unsubscribe: (() => void)[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private remote: RemoteClusterSnapshot | undefined;
  private remoteTimer: NodeJS.Timeout | undefined;
  private remoteFailures = 0;
  private remoteBusy: Promise<void> | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly sessionId = `${vscode.env.sessionId}:${process.pid}:${++sessionCounter}`;
  readonly onDidChange = this.changed.event;

  constructor(
    readonly log: vscode.LogOutputChannel,
    readonly timings: HostTimings = { activateStart: performance.now(), marks: {} },
    private readonly settings: () => HostSettings = readSettings,
  ) {}

  get state(): HostState {
    return this._state;
  }
  /** The engine, while this window runs it. */
  get broker(): Broker | undefined {
    return this._state === 'running' ? this._broker : undefined;
  }
  /** What the views read: this window's broker while it runs, the owner's broker while connected to it, else undefined. */
  get cluster(): ClusterReader | undefined {
    if (this._state === 'running') return this._broker;
    if (this._state === 'external' && this.remote?.hasSnapshot) return this.remote;
    return undefined;
  }
  get port(): number | undefined {
    if (this._state === 'running') return this.server?.port;
    if (this._state === 'external') return this._owner?.port || undefined;
    return undefined;
  }
  get host(): string | undefined {
    if (this._state === 'running') return this.server?.host;
    if (this._state === 'external') return this._owner?.host;
    return undefined;
  }
  /** The embedded Schema Registry's URL, while this window's broker runs with it. */
  /** The running registry engine (for decoding records in the panels); undefined when off or stopped. */
  get schemaRegistryEngine(): SchemaRegistry | undefined {
    return this._state === 'running' ? this.schemaRegistry?.registry : undefined;
  }

  get schemaRegistryUrl(): string | undefined {
    return this._state === 'running' ? this.schemaRegistry?.url : undefined;
  }
  /** `host:port` for clients' bootstrap.servers, when a broker serves this workspace. */
  get bootstrap(): string | undefined {
    const h = this.host;
    const p = this.port;
    if (!h || !p) return undefined;
    return h.includes(':') ? `[${h}]:${p}` : `${h}:${p}`;
  }
  get dataDir(): string | undefined {
    return this._dataDir ?? this.plannedDataDir();
  }

  status(): HostStatus {
    return {
      state: this._state,
      bootstrap: this.bootstrap,
      dataDir: this.dataDir,
      stopReason: this._state === 'stopped' ? this._stopReason : undefined,
      error: this._error,
      owner: this._owner,
      connectedTo: this._state === 'external' && this.remote?.hasSnapshot ? this.remote.address : undefined,
    };
  }

  /**
   * In 'external' state: show the owning window's broker in these views (read-only), re-read every 2 s.
   * Resolves true when connected; never rejects (a failure is a log line and a warning with "Try Again").
   */
  async connectViews(): Promise<boolean> {
    const owner = this._owner;
    if (this._state !== 'external' || !owner) {
      void vscode.window.showInformationMessage(
        "Kafka Lite: there is no other window's broker to connect to (this window " +
          (this._state === 'running' ? 'runs the broker itself).' : 'has no broker owned by another window).'),
      );
      return false;
    }
    if (this.remote?.hasSnapshot) return true;
    if (!owner.port) {
      this.log.warn(`${owner.window} has not published its broker's port yet; cannot connect the views.`);
      void vscode.window.showWarningMessage(
        `Kafka Lite: ${owner.window} has not started listening yet. Try again in a moment.`,
      );
      return false;
    }
    this.disconnectRemote();
    const remote = new RemoteClusterSnapshot(owner.host, owner.port);
    this.remote = remote;
    this.remoteFailures = 0;
    try {
      await remote.refresh();
    } catch (e) {
      if (this.remote === remote) this.disconnectRemote();
      const msg = `Kafka Lite could not read the broker of ${owner.window} at ${remote.address}: ${(e as Error).message}`;
      this.log.warn(msg);
      void vscode.window.showWarningMessage(msg, 'Try Again').then((a) => {
        // The owner may have gone meanwhile: then this window starts its own broker; else connect again.
        if (a === 'Try Again') void (this._owner && this.ownerGone(this._owner) ? this.start() : this.connectViews());
      });
      return false;
    }
    if (this.remote !== remote || this._state !== 'external') return false;
    this.log.info(`Views connected to the broker of ${owner.window} at ${remote.address} (read-only).`);
    this.remoteTimer = setInterval(() => void this.refreshRemote(), REMOTE_REFRESH_MS);
    this.changed.fire();
    return true;
  }

  /** Re-read the owner's broker now (the timer and the views' Refresh); fires onDidChange when something changed. */
  refreshRemote(): Promise<void> {
    if (!this.remote) return Promise.resolve();
    this.remoteBusy ??= this.doRefreshRemote().finally(() => (this.remoteBusy = undefined));
    return this.remoteBusy;
  }

  private async doRefreshRemote(): Promise<void> {
    const remote = this.remote;
    const owner = this._owner;
    if (!remote || !owner) return;
    const gone = this.ownerGone(owner);
    let failure: string | undefined = gone;
    if (!gone) {
      try {
        const changed = await remote.refresh();
        if (this.remote !== remote) return;
        this.remoteFailures = 0;
        if (changed) this.changed.fire();
        return;
      } catch (e) {
        if (this.remote !== remote) return;
        this.remoteFailures++;
        if (this.remoteFailures < REMOTE_MAX_FAILURES) return;
        failure = `${this.remoteFailures} reads in a row failed (${(e as Error).message})`;
      }
    }
    this.disconnectRemote();
    this.log.warn(`Disconnected the views from the broker of ${owner.window} at ${remote.address}: ${failure}.`);
    this.changed.fire();
    void vscode.window
      .showWarningMessage(`Kafka Lite: the broker of ${owner.window} is gone (${failure}).`, 'Try Again')
      .then((a) => {
        if (a === 'Try Again') void this.start();
      });
  }

  /** Why the owner no longer holds the data folder, or undefined while it does. */
  private ownerGone(owner: LockInfo): string | undefined {
    const dir = this._dataDir;
    if (!dir) return undefined;
    const now = readLock(dir);
    if (!now) return 'its lock is gone';
    if (now.sessionId !== owner.sessionId) return 'another window owns the folder now';
    if (!isProcessAlive(now.pid)) return `its process ${now.pid} is no longer running`;
    if (now.port !== owner.port) return `its broker moved to port ${now.port}`;
    return undefined;
  }

  private disconnectRemote(): void {
    if (this.remoteTimer) clearInterval(this.remoteTimer);
    this.remoteTimer = undefined;
    const remote = this.remote;
    this.remote = undefined;
    this.remoteFailures = 0;
    void remote?.close();
  }

  /** Mark why the broker is not running without starting it (activation in a restricted workspace, no folder). */
  setStopped(reason: StopReason): void {
    if (this._state !== 'stopped') return;
    this._stopReason = reason;
    this.changed.fire();
  }

  /** Start the broker; resolves true when it runs. Never rejects. */
  start(): Promise<boolean> {
    return this.serialize(() => this.doStart());
  }

  /** Stop the broker cleanly; never rejects. */
  stop(reason: StopReason = 'stoppedByUser'): Promise<void> {
    return this.serialize(() => this.doStop(reason));
  }

  async restart(): Promise<boolean> {
    await this.stop('stoppedByUser');
    return this.start();
  }

  async dispose(): Promise<void> {
    this.disconnectRemote();
    await this.stop('stoppedByUser');
    this.changed.dispose();
  }

  private serialize<T>(op: () => Promise<T>): Promise<T> {
    const next = this.queue.then(op, op);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private plannedDataDir(): string | undefined {
    const root = workspaceRoot();
    return root ? resolveDataDir(root, this.settings().dataDirectory) : undefined;
  }

  private setState(state: HostState, extra: { error?: string; owner?: LockInfo; stopReason?: StopReason } = {}): void {
    // A connection to another window's broker lasts only while the same owner holds the folder.
    const sameOwner = extra.owner?.sessionId === this._owner?.sessionId && extra.owner?.port === this._owner?.port;
    if (this.remote && (state !== 'external' || !sameOwner)) this.disconnectRemote();
    this._state = state;
    this._error = extra.error;
    this._owner = extra.owner;
    if (extra.stopReason) this._stopReason = extra.stopReason;
    this.changed.fire();
  }

  private async doStart(): Promise<boolean> {
    if (this._state === 'running') return true;
    this.mark('startBegun');
    const settings = this.settings();
    const root = workspaceRoot();
    if (!root) {
      this.log.info('No folder is open: the broker keeps its data in the workspace folder, so it does not start.');
      this.setState('stopped', { stopReason: 'noFolder' });
      return false;
    }
    const dataDir = resolveDataDir(root, settings.dataDirectory);
    this._dataDir = dataDir;
    let broker: Broker | undefined;
    let server: KafkaServer | undefined;
    let lock: DataDirLock | undefined;
    try {
      prepareDataDir(dataDir);
      const taken = acquireLock(dataDir, {
        pid: process.pid,
        sessionId: this.sessionId,
        window: `${vscode.workspace.name ?? path.basename(root)} (${vscode.env.appName})`,
        host: settings.host,
        startedAt: Date.now(),
      });
      if (taken.kind === 'held') {
        this.log.warn(
          `The data folder ${dataDir} is in use by ${taken.owner.window} (pid ${taken.owner.pid}); ` +
            `its broker listens on ${taken.owner.host}:${taken.owner.port}. This window does not start a second broker.`,
        );
        const sameOwner =
          this._state === 'external' &&
          this.remote?.hasSnapshot === true &&
          this._owner?.sessionId === taken.owner.sessionId &&
          this._owner?.port === taken.owner.port;
        this.setState('external', { owner: taken.owner });
        if (!sameOwner) this.offerExternal(taken.owner, dataDir);
        return false;
      }
      lock = taken.lock;
      if (taken.tookOverStale) {
        this.log.info(
          `Took over a stale lock of ${dataDir} left by pid ${taken.tookOverStale.pid} (no longer running).`,
        );
      }
      this.setState('starting');
      if (!LOOPBACK_HOSTS.has(settings.host)) {
        this.log.warn(`kafkaLite.host is ${settings.host}: the broker is reachable from other machines.`);
        void vscode.window.showWarningMessage(
          `Kafka Lite listens on ${settings.host}, not only on this machine: anyone who can reach it can read and write your topics.`,
        );
      }
      const t0 = performance.now();
      this.mark('lockTaken', t0);
      const opening = Broker.open({
        dataDir,
        flushIntervalMs: settings.flushIntervalMs,
        autoCreateTopics: settings.autoCreateTopics,
        defaultPartitions: settings.defaultPartitions,
        initialRebalanceDelayMs: settings.groupInitialRebalanceDelayMs,
        logger: (level, msg) => this.log[level](msg),
      });
      // A spinner in the status bar always; a notification too when recovery takes long (a large unclean log).
      const slow = setTimeout(() => {
        void vscode.window.withProgress(
          {
            location: vscode.ProgressLocation.Notification,
            title: `Kafka Lite: recovering the broker's logs in ${dataDir}…`,
          },
          () => opening.catch(() => undefined),
        );
      }, 1000);
      try {
        broker = await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Window, title: 'Kafka Lite: opening the broker…' },
          () => opening,
        );
      } finally {
        clearTimeout(slow);
      }
      const opened = broker;
      this.mark('brokerOpened');
      const outcome = await listenWithFallback(settings.port, (port) =>
        startKafkaServer({
          broker: opened,
          host: settings.host,
          port,
          logger: (level: 'info' | 'warn' | 'error', msg: string) => this.log[level](msg),
        }),
      );
      server = outcome.server;
      if (outcome.busyPorts.length > 0) {
        const msg = `Port ${settings.port} is in use; Kafka Lite listens on ${server.host}:${server.port} instead.`;
        this.log.warn(msg);
        void vscode.window.showInformationMessage(msg, 'Copy Address').then((a) => {
          if (a) void vscode.env.clipboard.writeText(`${server?.host}:${server?.port}`);
        });
      }
      if (settings.schemaRegistryEnabled)
        this.schemaRegistry = await this.startSchemaRegistry(opened, settings.schemaRegistryPort);
      lock.update({ port: server.port, host: server.host });
      this._broker = broker;
      this.server = server;
      this.lock = lock;
      this.subscribe(broker, server);
      this.timings.listening ??= performance.now();
      this.log.info(
        `Broker started: ${server.host}:${server.port}, data in ${dataDir} (opened in ${Math.round(performance.now() - t0)} ms).`,
      );
      this.setState('running');
      return true;
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.log.error(`The broker could not start: ${msg}`);
      await server?.close().catch(() => undefined);
      await broker?.close().catch(() => undefined);
      lock?.release();
      this._broker = undefined;
      this.server = undefined;
      this.lock = undefined;
      this.setState('error', { error: msg });
      void vscode.window
        .showErrorMessage(`Kafka Lite could not start the broker: ${msg}`, 'Show Log', 'Retry')
        .then((a) => {
          if (a === 'Show Log') this.log.show();
          if (a === 'Retry') void this.start();
        });
      return false;
    }
  }

  /**
   * The Schema Registry is an extra: when it cannot start (every port of the fallback range taken, a damaged
   * `_schemas` topic), the broker still runs and the log says why.
   */
  private async startSchemaRegistry(broker: Broker, port: number): Promise<EmbeddedSchemaRegistry | undefined> {
    try {
      const outcome = await listenWithFallback(port, (p) =>
        startEmbeddedSchemaRegistry(broker, {
          port: p,
          logger: (level: 'info' | 'warn' | 'error', msg: string) => this.log[level](`schema registry: ${msg}`),
        }),
      );
      if (outcome.busyPorts.length > 0)
        this.log.warn(`Port ${port} is in use; the Schema Registry is on ${outcome.server.url} instead.`);
      this.log.info(`Schema Registry on ${outcome.server.url}.`);
      return outcome.server;
    } catch (e) {
      this.log.error(`The Schema Registry could not start (the broker runs without it): ${(e as Error).message}`);
      return undefined;
    }
  }

  private mark(name: string, at = performance.now()): void {
    this.timings.marks[name] ??= at;
  }

  private async doStop(reason: StopReason): Promise<void> {
    for (const u of this.unsubscribe.splice(0)) u();
    const server = this.server;
    const broker = this._broker;
    const lock = this.lock;
    const registry = this.schemaRegistry;
    this.schemaRegistry = undefined;
    this.server = undefined;
    this._broker = undefined;
    this.lock = undefined;
    const wasRunning = this._state === 'running';
    if (server || broker) {
      try {
        await registry?.close();
      } catch (e) {
        this.log.warn(`Closing the Schema Registry failed: ${(e as Error).message}`);
      }
      try {
        await server?.close();
      } catch (e) {
        this.log.warn(`Closing the server failed: ${(e as Error).message}`);
      }
      try {
        await broker?.close();
      } catch (e) {
        this.log.error(`Closing the broker failed: ${(e as Error).message}`);
      }
    }
    lock?.release();
    if (wasRunning) this.log.info('Broker stopped.');
    this.setState('stopped', { stopReason: reason });
  }

  private subscribe(broker: Broker, server: KafkaServer): void {
    const log = this.log;
    const lines = new ClientLog();
    this.unsubscribe.push(
      broker.on('topicCreated', (e) => log.info(`Topic created: ${e.topic} (${e.partitions} partition(s)).`)),
      broker.on('topicDeleted', (e) => log.info(`Topic deleted: ${e.topic}.`)),
      broker.on('partitionsCreated', (e) => log.info(`Topic ${e.topic} now has ${e.partitions} partitions.`)),
      broker.on('recordsDeleted', (e) =>
        log.info(`Records deleted: ${e.topic}[${e.partition}] now starts at ${e.logStartOffset}.`),
      ),
      broker.on('groupChanged', (e) => {
        const line = lines.group(e);
        if (line) log[line.level](line.text);
      }),
      broker.on('recoveryTruncated', (e) =>
        log.warn(`Recovery truncated ${e.bytes} byte(s) of ${e.topic}[${e.partition}]: ${e.reason}.`),
      ),
    );
    const onConnect = (c: ConnectionEvent) => {
      const line = lines.connected(c);
      log[line.level](line.text);
    };
    const onDisconnect = (c: ConnectionEvent) => {
      const line = lines.disconnected(c);
      log[line.level](line.text);
    };
    server.on('connection', onConnect);
    server.on('disconnect', onDisconnect);
    this.unsubscribe.push(() => {
      server.off('connection', onConnect);
      server.off('disconnect', onDisconnect);
    });
  }

  private offerExternal(owner: LockInfo, dataDir: string): void {
    const address = `${owner.host}:${owner.port}`;
    void vscode.window
      .showWarningMessage(
        `Kafka Lite: ${dataDir} is in use by ${owner.window} (pid ${owner.pid}). Its broker at ${address} serves this workspace; this window can show it read-only.`,
        'Connect Views',
        'Copy Address',
        'Try Again',
      )
      .then((a) => {
        if (a === 'Connect Views') void this.connectViews();
        if (a === 'Copy Address') void vscode.env.clipboard.writeText(address);
        if (a === 'Try Again') void this.start();
      });
  }
}

/** Create the data directory (with a .gitignore so its logs are not committed) and check it is writable. */
function prepareDataDir(dataDir: string): void {
  fs.mkdirSync(dataDir, { recursive: true });
  fs.accessSync(dataDir, fs.constants.W_OK);
  const ignore = path.join(dataDir, '.gitignore');
  if (!fs.existsSync(ignore)) {
    fs.writeFileSync(ignore, '# Kafka Lite broker data (logs, offsets): local state, not source.\n*\n');
  }
}
