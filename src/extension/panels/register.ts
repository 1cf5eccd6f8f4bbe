/**
 * Webview panels of Kafka Lite: the producer, the consumer stepper and the record browser, with the commands
 * that open them from the palette and the tree (topic -> Open Producer Panel / Browse Records, partition -> Browse
 * Records, group -> Open Consumer Stepper). Called once by src/extension/extension.ts during activation.
 * A panel works where the Topics and Consumer Groups views point when it is opened (panel-source.ts): this
 * window's broker, or the remote cluster they show.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { BrokerHost } from '../broker-host';
import { BROWSER_VIEW_TYPE, parseBrowserSavedState } from '../../shared/browser-messages';
import type { ProducerForm } from '../../shared/producer-messages';
import { PRODUCER_VIEW_TYPE, emptyProducerForm, parseProducerSavedState } from '../../shared/producer-messages';
import { STEPPER_VIEW_TYPE, parseStepperSavedState } from '../../shared/stepper-messages';
import { KEEP_OPEN } from '../commands/common';
import type { PanelTarget } from './args';
import { panelTarget } from './args';
import { SchemaDecoder } from '../../schema-registry/decode';
import type { SchemaRegistry } from '../../schema-registry/registry';
import type { ExportSink, SaveExport } from './browser-controller';
import { BrowserController } from './browser-controller';
import { EXPORT_FORMATS } from './record-export';
import type { PanelLog } from './controller-base';
import type { LagSampler } from '../model/lag-sampler';
import { PanelSlot } from './panel-slot';
import type { PanelSource } from './panel-source';
import { EMBEDDED_SOURCE } from './panel-source';
import type { ClusterRegistry } from '../clusters/registry';
import { ProducerController } from './producer-controller';
import { StepperController } from './stepper-controller';

export const PANEL_COMMANDS = {
  /** Palette, and tree: topic -> "Open Producer Panel" (then on that topic). */
  openProducer: 'kafkaLite.panels.openProducer',
  /** Tree: topic / partition -> "Browse Records". */
  browse: 'kafkaLite.panels.browse',
  openStepper: 'kafkaLite.panels.openStepper',
  browseRecords: 'kafkaLite.panels.browseRecords',
} as const;

export function registerPanels(
  context: vscode.ExtensionContext,
  host: BrokerHost,
  log: vscode.LogOutputChannel,
  lagSampler?: LagSampler,
  clusters?: ClusterRegistry,
): void {
  const panelLog: PanelLog = (level, line) => log[level](line);
  const broker = () => host.broker;
  // one decoder per registry instance (it caches parsed schemas by id); a restarted broker's registry gets a new one
  let decoder: { registry: SchemaRegistry; decoder: SchemaDecoder } | undefined;
  const schemaDecoder = (): SchemaDecoder | undefined => {
    const registry = host.schemaRegistryEngine;
    if (!registry) return undefined;
    if (decoder?.registry !== registry) decoder = { registry, decoder: new SchemaDecoder(registry) };
    return decoder.decoder;
  };

  const browser: PanelSlot<BrowserController> = new PanelSlot(context, host, log, {
    viewType: BROWSER_VIEW_TYPE,
    title: 'Kafka Lite: Records',
    script: 'browser-panel',
    create: (post, saved) => {
      const c = new BrowserController({
        getBroker: broker,
        getSchemaDecoder: schemaDecoder,
        post,
        log: panelLog,
        copyToClipboard: async (text) => {
          await vscode.env.clipboard.writeText(text);
        },
        openProducer: (form) => void openProducer(form),
        saveExport,
        bootstrap: () => host.bootstrap,
        localSchemas: () => ({
          root: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
          mapping: vscode.workspace.getConfiguration('kafkaLite').get<unknown>('schemas.localFiles'),
        }),
      });
      const s = parseBrowserSavedState(saved);
      if (s) {
        try {
          c.restore(s.topic, s.partition, s.seek, s.filter, s.tail, s.remote);
        } catch {
          // the snapshot carries the error (topic deleted meanwhile, ...)
        }
      }
      return c;
    },
  });

  const producer: PanelSlot<ProducerController> = new PanelSlot(context, host, log, {
    viewType: PRODUCER_VIEW_TYPE,
    title: 'Kafka Lite: Producer',
    script: 'producer-panel',
    create: (post, saved) =>
      new ProducerController({
        getBroker: broker,
        post,
        log: panelLog,
        // The webview restores its own form from setState; the host needs the idempotence choice and the
        // transactional producer to go on with.
        idempotent: parseProducerSavedState(saved)?.form.idempotent,
        txnProducer: parseProducerSavedState(saved)?.txn,
        restoredCluster: parseProducerSavedState(saved)?.cluster,
        getSchemaRegistry: () => host.schemaRegistryEngine,
        schemaRegistryUrl: () => host.schemaRegistryUrl,
        workspaceRoots: () => (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
        openBrowser: (topic, partition, offset) => void openBrowser({ topic, partition, offset }),
        pickFile: async () => {
          const picked = await vscode.window.showOpenDialog({
            title: 'Send many from file: a .jsonl or .json file of records',
            defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
            canSelectMany: false,
            filters: { 'Records (JSON Lines, JSON)': ['jsonl', 'json'] },
            openLabel: 'Use this file',
          });
          return picked?.[0]?.fsPath;
        },
        localSchemas: () => ({
          root: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
          mapping: vscode.workspace.getConfiguration('kafkaLite').get<unknown>('schemas.localFiles'),
        }),
        pickSchemaFile: async () => {
          const picked = await vscode.window.showOpenDialog({
            title: 'Schema mode: a local schema file (.avsc, .proto, or .json JSON Schema)',
            defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
            canSelectMany: false,
            filters: { 'Schemas (Avro, Protobuf, JSON Schema)': ['avsc', 'proto', 'json'] },
            openLabel: 'Use this schema',
          });
          return picked?.[0]?.fsPath;
        },
      }),
  });

  const stepper: PanelSlot<StepperController> = new PanelSlot(context, host, log, {
    viewType: STEPPER_VIEW_TYPE,
    title: 'Kafka Lite: Consumer Stepper',
    script: 'stepper-panel',
    create: (post, saved) => {
      const s = parseStepperSavedState(saved);
      // Live members cannot survive a reload: the old consumers left when the window went away.
      return new StepperController({
        getBroker: broker,
        post,
        log: panelLog,
        lagSampler,
        topic: s?.topic,
        groupId: s?.groupId,
        restoredFrom: s?.remote,
        caption:
          s && s.topic
            ? 'The window was reloaded: the consumers of this panel left the group with it. Add consumers again to continue.'
            : null,
      });
    },
  });

  /** The record browser's export: a save dialog, then the file written with a cancellable progress notification. */
  const saveExport: SaveExport = async (target, write) => {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const uri = await vscode.window.showSaveDialog({
      title: `Export records as ${EXPORT_FORMATS[target.format].label}`,
      defaultUri: folder ? vscode.Uri.joinPath(folder, target.suggestedName) : undefined,
      filters: { [EXPORT_FORMATS[target.format].label]: [EXPORT_FORMATS[target.format].extension] },
      saveLabel: 'Export',
    });
    if (!uri) return undefined;
    const file = uri.fsPath;
    let cancelled = false;
    await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Exporting to ${path.basename(file)}`,
        cancellable: true,
      },
      async (progress, token) => {
        const out = fs.createWriteStream(file, { encoding: 'utf8' });
        const failed = new Promise<never>((_, reject) => out.once('error', reject));
        failed.catch(() => undefined);
        let shown = 0;
        const sink: ExportSink = {
          write: async (text) => {
            if (text === '') return;
            if (!out.write(text)) await Promise.race([new Promise<void>((r) => out.once('drain', () => r())), failed]);
          },
          progress: (n) => {
            if (target.total > 0)
              progress.report({ increment: ((n - shown) / target.total) * 100, message: `${n} record(s)` });
            shown = n;
          },
          get cancelled() {
            return token.isCancellationRequested;
          },
        };
        try {
          await write(sink);
          await Promise.race([new Promise<void>((r) => out.end(() => r())), failed]);
        } catch (e) {
          out.destroy();
          await fs.promises.rm(file, { force: true });
          throw e;
        }
        cancelled = token.isCancellationRequested;
        if (cancelled) await fs.promises.rm(file, { force: true });
      },
    );
    return { path: file, cancelled };
  };

  /** Where a panel opened now works; undefined (after saying why) when the views' remote cluster cannot be opened. */
  async function sourceNow(): Promise<PanelSource | undefined> {
    if (!clusters) return EMBEDDED_SOURCE;
    try {
      return await clusters.panelSource();
    } catch (e) {
      void vscode.window.showErrorMessage(`Kafka Lite: the panel cannot open on the cluster: ${(e as Error).message}`);
      return undefined;
    }
  }

  async function openProducer(form?: ProducerForm): Promise<void> {
    const source = await sourceNow();
    if (!source) return;
    producer.show((c) => {
      c.setSource(source);
      if (form) c.setPrefill(form);
    });
  }

  async function openBrowser(t: PanelTarget): Promise<void> {
    const source = await sourceNow();
    if (!source) return;
    browser.show((c) => {
      c.setSource(source);
      if (!t.topic) return;
      void c.open(
        t.topic,
        t.partition ?? null,
        t.offset !== undefined ? { kind: 'offset', offset: t.offset } : { kind: 'beginning' },
        { text: '', regex: false, field: 'any' },
        false,
      );
    });
  }

  async function pickTopic(placeHolder: string, source: PanelSource): Promise<string | undefined> {
    let topics: { label: string; description: string }[];
    if (source.kind === 'remote') {
      try {
        topics = (await source.cluster.listTopics()).topics.map((t) => ({
          label: t.name,
          description: `${t.partitions} partition(s)`,
        }));
      } catch (e) {
        void vscode.window.showErrorMessage(`Kafka Lite: ${source.name}: ${(e as Error).message}`);
        return undefined;
      }
    } else {
      const b = host.broker;
      if (!b) {
        void vscode.window.showWarningMessage('The Kafka Lite broker is not running.');
        return undefined;
      }
      topics = b.listTopics().map((t) => ({ label: t.name, description: `${t.partitions} partition(s)` }));
    }
    if (topics.length === 0) {
      void vscode.window.showInformationMessage('There are no topics yet. Create one first.');
      return undefined;
    }
    return (await vscode.window.showQuickPick(topics, { ...KEEP_OPEN, placeHolder }))?.label;
  }

  /** The topic a group reads: from its members' assignment, else its committed offsets. */
  function topicOfGroup(groupId: string): string | undefined {
    const b = host.broker;
    if (!b) return undefined;
    try {
      for (const m of b.describeGroup(groupId).members) for (const a of m.assignedPartitions) return a.topic;
    } catch {
      // a group known only from its offsets
    }
    return b.fetchOffsets(groupId, null).find((c) => c.offset >= 0)?.topic;
  }

  context.subscriptions.push(
    browser,
    producer,
    stepper,
    vscode.commands.registerCommand(PANEL_COMMANDS.openProducer, (...args: unknown[]) => {
      const t = panelTarget(args);
      return openProducer(
        t.topic ? { ...emptyProducerForm(), topic: t.topic, partition: t.partition ?? null } : undefined,
      );
    }),
    vscode.commands.registerCommand(PANEL_COMMANDS.browseRecords, async (...args: unknown[]) => {
      const t = panelTarget(args);
      if (!t.topic) {
        const source = await sourceNow();
        if (!source) return;
        t.topic = await pickTopic('Browse the records of which topic?', source);
        if (!t.topic) return;
      }
      await openBrowser(t);
    }),
    vscode.commands.registerCommand(PANEL_COMMANDS.browse, (...args: unknown[]) => openBrowser(panelTarget(args))),
    vscode.commands.registerCommand(PANEL_COMMANDS.openStepper, async (...args: unknown[]) => {
      const t = panelTarget(args);
      const source = await sourceNow();
      if (!source) return;
      const topic = t.topic ?? (t.groupId && source.kind === 'embedded' ? topicOfGroup(t.groupId) : undefined);
      const c = stepper.show((s) => s.setSource(source));
      if (topic && t.groupId) {
        void c.handle({ type: 'select', id: 0, topic, groupId: t.groupId });
      } else if (t.groupId || topic) {
        // half a selection: prefill what is known, the person picks the rest in the panel
        c.preset(topic, t.groupId);
      }
    }),
  );
}
