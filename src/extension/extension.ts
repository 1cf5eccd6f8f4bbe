/**
 * Kafka Lite's composition root: builds the extension's parts in order — log channel, broker host, views,
 * commands, status bar, panels, lifecycle (auto start) — and tears the broker down on deactivation.
 * activate() never throws for a broker problem (BrokerHost reports those) and returns the API tests use.
 */
import * as vscode from 'vscode';
import { BrokerHost } from './broker-host';
import { registerBrokerCommands } from './commands/broker';
import { registerGroupCommands } from './commands/groups';
import { registerTopicCommands } from './commands/topics';
import { Diagnostics } from './diagnostics';
import { registerLifecycle } from './lifecycle';
import { registerPanels } from './panels/register';
import { registerStatusBar } from './status-bar';
import type { Views } from './views/register';
import { registerViews } from './views/register';

export interface KafkaLiteApi {
  host: BrokerHost;
  views: Views;
  diagnostics: Diagnostics;
}

let host: BrokerHost | undefined;

export function activate(context: vscode.ExtensionContext): KafkaLiteApi {
  const activateStart = performance.now();
  const log = vscode.window.createOutputChannel('Kafka Lite', { log: true });
  host = new BrokerHost(log, { activateStart, marks: {} });
  const diagnostics = new Diagnostics(host);
  context.subscriptions.push(log, diagnostics);

  const views = registerViews(context, host);
  registerBrokerCommands(context, host, log, diagnostics);
  registerTopicCommands(context, host, log);
  const lag = registerGroupCommands(context, host, log);
  registerStatusBar(context, host);
  try {
    registerPanels(context, host, log, lag.sampler, views.clusters.registry);
  } catch (e) {
    log.error(`The panels could not be registered: ${(e as Error).stack ?? e}`);
  }
  host.timings.marks.registered = performance.now();
  registerLifecycle(context, host);
  return { host, views, diagnostics };
}

export async function deactivate(): Promise<void> {
  await host?.dispose();
  host = undefined;
}
