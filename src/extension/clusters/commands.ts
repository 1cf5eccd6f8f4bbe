/**
 * The Clusters commands: Add Cluster… (a multi-step quick input), Edit Cluster…, Remove Cluster, Test Connection,
 * Use This Cluster, Copy to Kafka Lite… / Copy to Cluster…, and the admin actions on a remote cluster's rows
 * (create/delete topic, add partitions, reset offsets, delete group). Thin: validation, connections, the copy
 * and the diagnosis live in vscode-free modules; these ask the questions, guard production clusters, show the
 * cluster's own error when it refuses (ACLs), and return their result ({error} after showing it), never throw.
 * Every command takes optional arguments so tests drive it without prompts.
 */
import * as vscode from 'vscode';
import type { ConfigEntry, OffsetResetSpec } from '../../broker/types';
import type { BrokerHost } from '../broker-host';
import { KEEP_OPEN, parseInteger } from '../commands/common';
import type { Cluster } from './cluster';
import type { CopyResult, CopySelection } from './copy';
import { copyRecords, parseWhen } from './copy';
import type { ClusterDefinition, SaslMechanism, SecurityProtocol } from './definitions';
import { EMBEDDED_NAME, nameProblem, parseBootstrap, SASL_MECHANISMS, SECURITY_PROTOCOLS } from './definitions';
import type { Diagnosis } from './diagnose';
import { diagnose } from './diagnose';
import type { ClusterRegistry } from './registry';

interface Failure {
  error: string;
}

/** Arguments that skip the prompts of Add/Edit Cluster (tests). */
export interface ClusterInput extends Partial<ClusterDefinition> {
  password?: string;
  keyPassphrase?: string;
  scope?: 'user' | 'workspace';
}

function nameOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object' && typeof (arg as { name?: unknown }).name === 'string')
    return (arg as { name: string }).name;
  return undefined;
}

function topicOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object' && typeof (arg as { topic?: unknown }).topic === 'string')
    return (arg as { topic: string }).topic;
  return undefined;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function registerClusterCommands(
  context: vscode.ExtensionContext,
  registry: ClusterRegistry,
  host: BrokerHost,
  log: vscode.LogOutputChannel,
): void {
  const fail = (what: string, e: unknown): Failure => {
    const msg = message(e);
    log.warn(`${what}: ${msg}`);
    void vscode.window.showErrorMessage(`Kafka Lite: ${what}: ${msg}`);
    return { error: msg };
  };
  const reg = (id: string, fn: (...args: never[]) => unknown) =>
    context.subscriptions.push(vscode.commands.registerCommand(id, fn as (...args: unknown[]) => unknown));

  /** Ask for a cluster definition step by step; `start` fills defaults (Edit) or skips questions (tests). */
  async function askDefinition(
    title: string,
    start: ClusterInput,
    oldName?: string,
  ): Promise<
    { d: ClusterDefinition; password?: string; keyPassphrase?: string; scope: 'user' | 'workspace' } | undefined
  > {
    const steps = (n: number) => `${title} (${n})`;
    const taken = registry.definitions.map((d) => d.name).filter((n) => n !== oldName);
    const name =
      start.name ??
      (await vscode.window.showInputBox({
        ...KEEP_OPEN,
        title: steps(1),
        prompt: 'A name for the cluster (shown in the Clusters view; its password is stored under it)',
        placeHolder: 'e.g. staging',
        value: oldName,
        validateInput: (v) => (v === '' ? undefined : nameProblem(v, taken)),
      }));
    if (name === undefined || nameProblem(name, taken)) return undefined;
    const bootstrapText =
      start.bootstrapServers?.join(',') ??
      (await vscode.window.showInputBox({
        ...KEEP_OPEN,
        title: steps(2),
        prompt: 'Bootstrap servers: host:port, comma-separated',
        placeHolder: 'broker-1.example.com:9092,broker-2.example.com:9092',
        value: registry.definition(oldName ?? '')?.bootstrapServers.join(','),
        validateInput: (v) => (v === '' ? undefined : parseBootstrap(v).problem),
      }));
    if (bootstrapText === undefined) return undefined;
    const bootstrap = parseBootstrap(bootstrapText);
    if (bootstrap.problem) return undefined;
    const old = oldName ? registry.definition(oldName) : undefined;
    const protocol: SecurityProtocol | undefined =
      start.securityProtocol ??
      ((
        await vscode.window.showQuickPick(
          SECURITY_PROTOCOLS.map((p) => ({
            label: p,
            description: {
              PLAINTEXT: 'no encryption, no login',
              SSL: 'TLS, no login (or a client certificate)',
              SASL_PLAINTEXT: 'login, no encryption',
              SASL_SSL: 'TLS and login (managed clusters)',
            }[p],
            picked: old?.securityProtocol === p,
          })),
          { ...KEEP_OPEN, title: steps(3), placeHolder: 'Security protocol' },
        )
      )?.label as SecurityProtocol | undefined);
    if (!protocol) return undefined;
    const sasl = protocol.startsWith('SASL_');
    const useTls = protocol === 'SSL' || protocol === 'SASL_SSL';
    let mechanism: SaslMechanism | undefined;
    let username: string | undefined;
    let password: string | undefined = start.password;
    if (sasl) {
      mechanism =
        start.saslMechanism ??
        ((await vscode.window.showQuickPick([...SASL_MECHANISMS], {
          ...KEEP_OPEN,
          title: steps(4),
          placeHolder: 'SASL mechanism',
        })) as SaslMechanism | undefined);
      if (!mechanism) return undefined;
      username =
        start.username ??
        (await vscode.window.showInputBox({
          ...KEEP_OPEN,
          title: steps(5),
          prompt: 'User name',
          value: old?.username,
          validateInput: (v) => (v.trim() ? undefined : 'a user name is needed'),
        }));
      if (!username) return undefined;
      if (password === undefined) {
        password = await vscode.window.showInputBox({
          ...KEEP_OPEN,
          title: steps(6),
          prompt: old
            ? 'Password (kept in the OS keychain; leave empty to keep the stored one)'
            : 'Password (kept in the OS keychain, never in settings)',
          password: true,
        });
        if (password === undefined) return undefined;
        if (password === '' && old) password = undefined;
      }
    }
    let caFile = start.caFile ?? (start.name ? undefined : old?.caFile);
    let certFile = start.certFile ?? (start.name ? undefined : old?.certFile);
    let keyFile = start.keyFile ?? (start.name ? undefined : old?.keyFile);
    let keyPassphrase = start.keyPassphrase;
    if (useTls && !start.name) {
      const ca = await vscode.window.showQuickPick(
        [
          {
            label: 'System trust store',
            description: 'a public CA signed the brokers\u2019 certificates',
            id: 'system',
          },
          { label: 'A CA file (PEM)\u2026', description: 'a private CA', id: 'file' },
        ],
        { ...KEEP_OPEN, title: steps(7), placeHolder: 'Which certificates to trust' },
      );
      if (!ca) return undefined;
      if (ca.id === 'file') {
        const picked = await vscode.window.showOpenDialog({
          canSelectMany: false,
          openLabel: 'Trust this CA',
          filters: { PEM: ['pem', 'crt', 'cer'] },
        });
        if (!picked?.[0]) return undefined;
        caFile = picked[0].fsPath;
      } else caFile = undefined;
      const mtls = await vscode.window.showQuickPick(
        [
          { label: 'No client certificate', id: 'no' },
          { label: 'A client certificate and key (PEM)\u2026', id: 'yes' },
        ],
        { ...KEEP_OPEN, title: steps(8), placeHolder: 'Client certificate (mutual TLS)' },
      );
      if (!mtls) return undefined;
      if (mtls.id === 'yes') {
        const cert = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Client certificate' });
        const key = cert
          ? await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Client key' })
          : undefined;
        if (!cert?.[0] || !key?.[0]) return undefined;
        certFile = cert[0].fsPath;
        keyFile = key[0].fsPath;
        keyPassphrase = await vscode.window.showInputBox({
          ...KEEP_OPEN,
          title: steps(9),
          prompt: 'Key passphrase (empty when the key has none; kept in the OS keychain)',
          password: true,
        });
        if (keyPassphrase === undefined) return undefined;
      } else {
        certFile = undefined;
        keyFile = undefined;
      }
    }
    const production =
      start.production ??
      (start.name
        ? false
        : (
            await vscode.window.showQuickPick(
              [
                {
                  label: 'No',
                  description: 'changes need no confirmation',
                  value: false,
                  picked: old?.production !== true,
                },
                {
                  label: 'Yes, a production cluster',
                  description: 'the first change of each session asks first',
                  value: true,
                  picked: old?.production === true,
                },
              ],
              { ...KEEP_OPEN, title: steps(10), placeHolder: 'Is this a production cluster?' },
            )
          )?.value);
    if (production === undefined) return undefined;
    const scope =
      start.scope ??
      old?.scope ??
      (vscode.workspace.workspaceFolders?.length
        ? (
            await vscode.window.showQuickPick(
              [
                { label: 'User settings', description: 'every workspace on this machine', id: 'user' as const },
                {
                  label: 'Workspace settings',
                  description: 'this workspace (shared if .vscode/settings.json is committed)',
                  id: 'workspace' as const,
                },
              ],
              {
                ...KEEP_OPEN,
                title: steps(11),
                placeHolder: 'Where to keep the definition (secrets always go to the OS keychain)',
              },
            )
          )?.id
        : 'user');
    if (!scope) return undefined;
    return {
      d: {
        name: name.trim(),
        bootstrapServers: bootstrap.servers,
        securityProtocol: protocol,
        saslMechanism: mechanism,
        username: username?.trim(),
        caFile: useTls ? caFile : undefined,
        certFile: useTls ? certFile : undefined,
        keyFile: useTls ? keyFile : undefined,
        rejectUnauthorized: start.rejectUnauthorized ?? old?.rejectUnauthorized ?? true,
        production,
      },
      password,
      keyPassphrase,
      scope,
    };
  }

  async function save(
    title: string,
    input: ClusterInput,
    oldName?: string,
  ): Promise<ClusterDefinition | Failure | undefined> {
    const asked = await askDefinition(title, input, oldName);
    if (!asked) return undefined;
    try {
      await registry.save(asked.d, asked.scope, oldName);
      await registry.storeSecrets(asked.d.name, { password: asked.password, keyPassphrase: asked.keyPassphrase });
      log.info(
        `Cluster ${asked.d.name} saved in the ${asked.scope} settings (${asked.d.bootstrapServers.join(', ')}, ${asked.d.securityProtocol}).`,
      );
      if (!input.name) {
        void vscode.window
          .showInformationMessage(`Kafka Lite: cluster "${asked.d.name}" saved.`, 'Test Connection', 'Use This Cluster')
          .then((a) => {
            if (a === 'Test Connection') void vscode.commands.executeCommand('kafkaLite.clusters.test', asked.d.name);
            if (a === 'Use This Cluster') void vscode.commands.executeCommand('kafkaLite.clusters.use', asked.d.name);
          });
      }
      return asked.d;
    } catch (e) {
      return fail(`saving cluster ${asked.d.name} failed`, e);
    }
  }

  async function pickCluster(placeHolder: string, includeEmbedded: boolean): Promise<string | undefined> {
    const items = [
      ...(includeEmbedded ? [{ label: EMBEDDED_NAME }] : []),
      ...registry.definitions.map((d) => ({ label: d.name, description: d.bootstrapServers.join(', ') })),
    ];
    if (items.length === 0) {
      void vscode.window
        .showInformationMessage('Kafka Lite: no cluster is configured yet.', 'Add Cluster…')
        .then((a) => {
          if (a) void vscode.commands.executeCommand('kafkaLite.clusters.add');
        });
      return undefined;
    }
    return (await vscode.window.showQuickPick(items, { ...KEEP_OPEN, placeHolder, title: 'Kafka Lite' }))?.label;
  }

  /** The remote cluster the views show (for the admin actions on its rows). */
  async function activeRemote(): Promise<Cluster | undefined> {
    const name = registry.active;
    if (!name) {
      void vscode.window.showWarningMessage(
        'Kafka Lite: the views show this window\u2019s broker, not a remote cluster.',
      );
      return undefined;
    }
    return registry.open(name);
  }

  /** Run a write on a remote cluster: production guard, the cluster's own error, a refresh after. */
  async function remoteWrite<T>(what: string, fn: (c: Cluster) => Promise<T>): Promise<T | Failure | undefined> {
    const c = await activeRemote();
    if (!c) return undefined;
    if (!(await registry.confirmWrite(c, what))) return undefined;
    try {
      const r = await fn(c);
      log.info(`${c.name}: ${what}: done.`);
      await registry.refresh();
      return r;
    } catch (e) {
      return fail(`${c.name} refused: ${what}`, e);
    }
  }

  reg('kafkaLite.clusters.add', (input?: ClusterInput) => save('Add Cluster', input ?? {}));

  reg('kafkaLite.clusters.edit', async (arg?: unknown, input?: ClusterInput) => {
    const name = nameOf(arg) ?? (await pickCluster('Cluster to edit', false));
    if (!name || name === EMBEDDED_NAME) return undefined;
    if (!registry.definition(name)) return fail('Edit Cluster', new Error(`there is no cluster named "${name}"`));
    return save('Edit Cluster', input ?? {}, name);
  });

  reg('kafkaLite.clusters.remove', async (arg?: unknown, opts?: { confirm?: boolean }) => {
    const name = nameOf(arg) ?? (await pickCluster('Cluster to remove', false));
    if (!name || name === EMBEDDED_NAME) return undefined;
    if (opts?.confirm !== false) {
      const go = await vscode.window.showWarningMessage(
        `Remove cluster "${name}"?`,
        {
          modal: true,
          detail:
            'Its definition is removed from settings and its password from the OS keychain. The cluster itself is not changed.',
        },
        'Remove',
      );
      if (go !== 'Remove') return undefined;
    }
    try {
      await registry.remove(name);
      return { removed: name };
    } catch (e) {
      return fail(`removing cluster ${name} failed`, e);
    }
  });

  reg('kafkaLite.clusters.test', async (arg?: unknown, opts?: { quiet?: boolean }): Promise<Diagnosis | undefined> => {
    const name = nameOf(arg) ?? (await pickCluster('Cluster to test', false));
    if (!name || name === EMBEDDED_NAME) return undefined;
    const d = registry.definition(name);
    if (!d) return undefined;
    if (!(await registry.mayConnect(d))) return undefined;
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Kafka Lite: testing ${name}…` },
      async () => diagnose(d, await registry.readSecrets(name)),
    );
    log.info(`Test Connection ${name}: ${result.message}`);
    if (opts?.quiet) return result;
    if (result.ok) {
      void vscode.window.showInformationMessage(`Kafka Lite: ${result.message}`, 'Use This Cluster').then((a) => {
        if (a) void vscode.commands.executeCommand('kafkaLite.clusters.use', name);
      });
    } else {
      const actions = result.certificate
        ? ['Accept This Certificate\u2026', 'Edit Cluster\u2026']
        : ['Edit Cluster\u2026'];
      void vscode.window.showErrorMessage(`Kafka Lite: ${name}: ${result.message}`, ...actions).then((a) => {
        if (a === 'Edit Cluster\u2026') void vscode.commands.executeCommand('kafkaLite.clusters.edit', name);
        if (a === 'Accept This Certificate\u2026')
          void vscode.commands.executeCommand('kafkaLite.clusters.acceptCertificate', name, result);
      });
    }
    return result;
  });

  reg('kafkaLite.clusters.acceptCertificate', async (arg?: unknown, diagnosis?: Diagnosis) => {
    const name = nameOf(arg);
    const d = name ? registry.definition(name) : undefined;
    if (!d) return undefined;
    const cert = diagnosis && !diagnosis.ok ? diagnosis.certificate : undefined;
    const go = await vscode.window.showWarningMessage(
      `Connect to "${d.name}" without verifying its certificate?`,
      {
        modal: true,
        detail:
          (cert ? `Its certificate: subject ${cert.subject}; issuer ${cert.issuer}; ${cert.reason}.\n\n` : '') +
          'Kafka Lite will accept ANY certificate from these servers, so anyone between you and them can read your ' +
          'records and your password. Do this only for a test cluster with a self-signed certificate. ' +
          'The safer way is Edit Cluster\u2026 with the CA file that signed it.',
      },
      'Accept Without Verification',
    );
    if (go !== 'Accept Without Verification') return undefined;
    await registry.save({ ...d, rejectUnauthorized: false }, d.scope, d.name);
    log.warn(`Cluster ${d.name}: certificate verification turned off by the user.`);
    return { accepted: d.name };
  });

  reg('kafkaLite.clusters.use', async (arg?: unknown) => {
    const name =
      nameOf(arg) ?? (await pickCluster('Show which cluster in the Topics and Consumer Groups views?', true));
    if (!name) return undefined;
    try {
      const ok = await registry.use(name === EMBEDDED_NAME ? undefined : name);
      return ok ? { using: name } : undefined;
    } catch (e) {
      return fail(`reading ${name} failed`, e);
    }
  });

  reg('kafkaLite.clusters.refresh', () => registry.refresh());

  // ------------------------------------------------------------------ copy

  async function askSelection(): Promise<CopySelection | undefined> {
    const how = await vscode.window.showQuickPick(
      [
        { label: 'The last N records of each partition', id: 'lastN' as const },
        { label: 'A time range of record timestamps', id: 'timeRange' as const },
        { label: 'Every record', id: 'all' as const },
      ],
      { ...KEEP_OPEN, title: 'Copy records', placeHolder: 'Which records?' },
    );
    if (!how) return undefined;
    if (how.id === 'all') return { kind: 'all' };
    if (how.id === 'lastN') {
      const n = await vscode.window.showInputBox({
        ...KEEP_OPEN,
        title: 'Copy records',
        prompt: 'How many records of each partition (the newest)?',
        value: '100',
        validateInput: (v) => (parseInteger(v, 1) === undefined ? 'a whole number of at least 1' : undefined),
      });
      const perPartition = n === undefined ? undefined : parseInteger(n, 1);
      return perPartition === undefined ? undefined : { kind: 'lastN', perPartition };
    }
    const when = (prompt: string, value: string) =>
      vscode.window.showInputBox({
        ...KEEP_OPEN,
        title: 'Copy records',
        prompt: `${prompt}: "now", "-15m", "-2h", "-1d" or an ISO date (2026-12-01T10:00)`,
        value,
        validateInput: (v) => (parseWhen(v) === undefined ? 'not a time Kafka Lite reads' : undefined),
      });
    const from = await when('From (inclusive)', '-1h');
    const to = from === undefined ? undefined : await when('To (exclusive)', 'now');
    if (from === undefined || to === undefined) return undefined;
    return { kind: 'timeRange', from: parseWhen(from)!, to: parseWhen(to)! };
  }

  async function runCopy(
    source: Cluster,
    target: Cluster,
    topic: string,
    input?: { targetTopic?: string; selection?: CopySelection },
  ) {
    const targetTopic =
      input?.targetTopic ??
      (await vscode.window.showInputBox({
        ...KEEP_OPEN,
        title: `Copy ${source.name} / ${topic} to ${target.name}`,
        prompt: `Topic on ${target.name} (created with the same partitions when missing)`,
        value: topic,
        validateInput: (v) => (v.trim() ? undefined : 'a topic name is needed'),
      }));
    if (!targetTopic) return undefined;
    const selection = input?.selection ?? (await askSelection());
    if (!selection) return undefined;
    if (!(await registry.confirmWrite(target, `Copy records into ${targetTopic}`))) return undefined;
    try {
      const result: CopyResult = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `Copying ${topic} to ${target.name}`,
          cancellable: true,
        },
        async (progress, token) => {
          const ac = new AbortController();
          token.onCancellationRequested(() => ac.abort());
          let shown = 0;
          return copyRecords(
            source,
            target,
            { sourceTopic: topic, targetTopic: targetTopic.trim(), selection },
            {
              signal: ac.signal,
              onProgress: (p) => {
                const pct = p.total > 0 ? (p.copied / p.total) * 100 : 100;
                progress.report({
                  increment: pct - shown,
                  message: `${p.copied.toLocaleString('en-US')} of ≤ ${p.total.toLocaleString('en-US')} records`,
                });
                shown = pct;
              },
            },
          );
        },
      );
      const text =
        `${result.cancelled ? 'Cancelled after copying' : 'Copied'} ${result.copied.toLocaleString('en-US')} record(s) ` +
        `from ${source.name} / ${topic} to ${target.name} / ${targetTopic}` +
        `${result.targetCreated ? ' (topic created)' : ''} in ${(result.ms / 1000).toFixed(1)} s.`;
      log.info(text);
      void vscode.window.showInformationMessage(`Kafka Lite: ${text}`);
      await registry.refresh();
      return result;
    } catch (e) {
      return fail(`copying ${topic} to ${target.name} failed`, e);
    }
  }

  reg(
    'kafkaLite.clusters.copyToLocal',
    async (node?: unknown, input?: { targetTopic?: string; selection?: CopySelection }) => {
      const topic = topicOf(node);
      const source = await activeRemote();
      if (!source || !topic) return undefined;
      if (!host.broker) return fail('Copy to Kafka Lite', new Error('this window\u2019s broker is not running'));
      return runCopy(source, await registry.open(EMBEDDED_NAME), topic, input);
    },
  );

  reg(
    'kafkaLite.clusters.copyToCluster',
    async (node?: unknown, clusterName?: string, input?: { targetTopic?: string; selection?: CopySelection }) => {
      const topic = topicOf(node);
      if (!topic) return undefined;
      const name = clusterName ?? (await pickCluster(`Copy ${topic} to which cluster?`, false));
      if (!name) return undefined;
      const d = registry.definition(name);
      if (!d || !(await registry.mayConnect(d))) return undefined;
      try {
        // From the cluster the views show: this window's broker, or the remote one whose row was clicked.
        const source = registry.active ? await registry.open(registry.active) : await registry.open(EMBEDDED_NAME);
        return runCopy(source, await registry.open(name), topic, input);
      } catch (e) {
        return fail(`copying ${topic} to ${name} failed`, e);
      }
    },
  );

  // ------------------------------------------------------------------ admin actions on the remote cluster

  reg('kafkaLite.clusters.remote.createTopic', async (input?: { name?: string; partitions?: number }) => {
    const name =
      input?.name ??
      (await vscode.window.showInputBox({
        ...KEEP_OPEN,
        title: 'Create topic',
        prompt: `Topic name on ${registry.active ?? ''}`,
      }));
    if (!name) return undefined;
    const n =
      input?.partitions ??
      parseInteger(
        (await vscode.window.showInputBox({ ...KEEP_OPEN, title: 'Create topic', prompt: 'Partitions', value: '1' })) ??
          '',
        1,
      );
    if (!n) return undefined;
    return remoteWrite(`Create topic ${name} with ${n} partition(s)`, (c) => c.createTopic(name, n));
  });

  reg('kafkaLite.clusters.remote.deleteTopic', async (node?: unknown, opts?: { confirm?: boolean }) => {
    const topic = topicOf(node);
    if (!topic) return undefined;
    if (opts?.confirm !== false) {
      const typed = await vscode.window.showInputBox({
        ...KEEP_OPEN,
        title: `Delete topic ${topic} on ${registry.active ?? ''}`,
        prompt: `Every record of "${topic}" on ${registry.active ?? ''} is deleted. Type the topic's name to delete it.`,
        placeHolder: topic,
        validateInput: (v) => (v === '' || v === topic ? undefined : `Type "${topic}" exactly (Escape cancels).`),
      });
      if (typed !== topic) return undefined;
    }
    return remoteWrite(`Delete topic ${topic}`, (c) => c.deleteTopic(topic));
  });

  reg('kafkaLite.clusters.remote.addPartitions', async (node?: unknown, total?: number) => {
    const topic = topicOf(node);
    if (!topic) return undefined;
    const current = (node as { partitions?: number })?.partitions ?? 1;
    const n =
      total ??
      parseInteger(
        (await vscode.window.showInputBox({
          ...KEEP_OPEN,
          title: `Add partitions to ${topic}`,
          prompt: `New total (now ${current})`,
          value: String(current + 1),
        })) ?? '',
        current + 1,
      );
    if (!n) return undefined;
    return remoteWrite(`Grow ${topic} to ${n} partitions`, (c) => c.addPartitions(topic, n));
  });

  /**
   * Topic configs on the remote cluster: every config with its value (defaults, sensitive ones masked by the
   * cluster), pick one to change it (an empty value resets it to the default). With `changes` (tests, scripts):
   * no prompts, those changes are written. Resolves with the configs as they are after the change.
   */
  reg('kafkaLite.clusters.remote.topicConfigs', async (node?: unknown, changes?: Record<string, string | null>) => {
    const topic = topicOf(node);
    if (!topic) return undefined;
    const c = await activeRemote();
    if (!c) return undefined;
    let edit = changes;
    if (!edit) {
      let entries: ConfigEntry[];
      try {
        entries = await c.topicConfigs(topic);
      } catch (e) {
        return fail(`${c.name}: could not read the configs of ${topic}`, e);
      }
      const picked = await vscode.window.showQuickPick(
        entries.map((e) => ({
          label: e.name,
          description: e.sensitive ? '(sensitive)' : (e.value ?? 'null'),
          detail: e.readOnly ? 'read-only' : e.isDefault ? 'default' : 'set on this topic',
          entry: e,
        })),
        { ...KEEP_OPEN, title: `Configs of ${topic} on ${c.name}`, placeHolder: 'Pick a config to change it' },
      );
      if (!picked || picked.entry.readOnly) return undefined;
      const value = await vscode.window.showInputBox({
        ...KEEP_OPEN,
        title: `${topic} on ${c.name}: ${picked.label}`,
        prompt: 'The new value; empty resets it to the cluster\u2019s default',
        value: picked.entry.sensitive ? '' : (picked.entry.value ?? ''),
      });
      if (value === undefined) return undefined;
      edit = { [picked.label]: value === '' ? null : value };
    }
    const what = Object.entries(edit)
      .map(([k, v]) => (v === null ? `reset ${k}` : `set ${k}=${v}`))
      .join(', ');
    const done = await remoteWrite(`On topic ${topic}: ${what}`, async (cl) => {
      await cl.alterTopicConfigs(topic, edit!);
      return cl.topicConfigs(topic);
    });
    if (Array.isArray(done)) void vscode.window.setStatusBarMessage(`$(check) ${c.name}: ${topic}: ${what}`, 3000);
    return done;
  });

  reg('kafkaLite.clusters.remote.resetOffsets', async (node?: unknown, topicArg?: string, spec?: OffsetResetSpec) => {
    const groupId = (node as { groupId?: string })?.groupId ?? (typeof node === 'string' ? node : undefined);
    if (!groupId) return undefined;
    const topic =
      topicArg ??
      (node as { topic?: string })?.topic ??
      (await vscode.window.showInputBox({ ...KEEP_OPEN, title: `Reset ${groupId}`, prompt: 'Topic' }));
    if (!topic) return undefined;
    const how =
      spec ??
      (
        await vscode.window.showQuickPick(
          [
            { label: 'Earliest', spec: { kind: 'earliest' } as OffsetResetSpec },
            { label: 'Latest', spec: { kind: 'latest' } as OffsetResetSpec },
          ],
          { ...KEEP_OPEN, title: `Reset ${groupId} on ${topic}` },
        )
      )?.spec;
    if (!how) return undefined;
    const partition = (node as { partition?: number })?.partition;
    return remoteWrite(`Reset the offsets of group ${groupId} on ${topic} to ${how.kind}`, (c) =>
      c.resetOffsets(groupId, topic, how, partition),
    );
  });

  reg('kafkaLite.clusters.remote.deleteGroup', async (node?: unknown, opts?: { confirm?: boolean }) => {
    const groupId = (node as { groupId?: string })?.groupId ?? (typeof node === 'string' ? node : undefined);
    if (!groupId) return undefined;
    if (opts?.confirm !== false) {
      const go = await vscode.window.showWarningMessage(
        `Delete group "${groupId}" on ${registry.active ?? ''}?`,
        { modal: true, detail: 'Its committed offsets are deleted; the cluster refuses while it has members.' },
        'Delete',
      );
      if (go !== 'Delete') return undefined;
    }
    return remoteWrite(`Delete group ${groupId}`, (c) => c.deleteGroup(groupId));
  });
}
