/**
 * What every command module shares: reading the target from a tree node or plain arguments, getting the running
 * broker (or telling the person why there is none), and turning a failure into an error message.
 *
 * Convention: commands accept optional arguments so tests and other commands call them without prompts, and
 * return their result (or `{error}` after showing the error message), never throw.
 */
import * as vscode from 'vscode';
import type { Broker } from '../../broker/broker';
import type { BrokerHost } from '../broker-host';

export interface CommandFailure {
  error: string;
}

/** The first argument of a command: a tree node ({topic, partition?, groupId?}), a string, or nothing. */
export interface Target {
  topic?: string;
  partition?: number;
  groupId?: string;
}

export function targetOf(arg: unknown, key: 'topic' | 'groupId'): Target {
  if (typeof arg === 'string') return { [key]: arg };
  if (arg && typeof arg === 'object') {
    const o = arg as Record<string, unknown>;
    return {
      topic: typeof o.topic === 'string' ? o.topic : undefined,
      partition: typeof o.partition === 'number' ? o.partition : undefined,
      groupId: typeof o.groupId === 'string' ? o.groupId : undefined,
    };
  }
  return {};
}

/** The running broker, or undefined after a warning that says why there is none (with Start Broker when that helps). */
export function brokerOrWarn(host: BrokerHost): Broker | undefined {
  const b = host.broker;
  if (b) return b;
  const why =
    host.state === 'external'
      ? `another window owns this workspace's broker (${host.bootstrap ?? 'address unknown'}); do this from that window`
      : host.state === 'starting'
        ? 'the broker is still starting'
        : 'the broker is not running';
  void vscode.window
    .showWarningMessage(
      `Kafka Lite: ${why}.`,
      ...(host.state === 'stopped' || host.state === 'error' ? ['Start Broker'] : []),
    )
    .then((a) => {
      if (a === 'Start Broker') void host.start();
    });
  return undefined;
}

export function fail(log: vscode.LogOutputChannel, what: string, e: unknown): CommandFailure {
  const msg = e instanceof Error ? e.message : String(e);
  log.warn(`${what}: ${msg}`);
  void vscode.window.showErrorMessage(`${what}: ${msg}`);
  return { error: msg };
}

/**
 * Spread into the options of every quick pick and input box the extension shows. When the command palette closes,
 * VS Code gives the focus back to the editor it came from; for a webview panel (the producer, stepper and browser
 * are ones) that focus can land after our picker has opened, and a picker that closes on focus loss then vanishes
 * before the person sees it (microsoft/vscode#93950; the e2e tier hit it in about one run of three). Escape still
 * dismisses the picker.
 */
export const KEEP_OPEN = { ignoreFocusOut: true } as const;

/** Quick pick of the broker's topics; undefined when dismissed or there are none. */
export async function pickTopic(broker: Broker, placeHolder: string): Promise<string | undefined> {
  const topics = broker
    .listTopics()
    .map((t) => t.name)
    .sort();
  if (topics.length === 0) {
    void vscode.window.showInformationMessage('Kafka Lite: there are no topics yet.', 'Create Topic').then((a) => {
      if (a) void vscode.commands.executeCommand('kafkaLite.topic.create');
    });
    return undefined;
  }
  return vscode.window.showQuickPick(topics, { ...KEEP_OPEN, placeHolder, title: 'Kafka Lite' });
}

export async function pickGroup(broker: Broker, placeHolder: string): Promise<string | undefined> {
  const groups = broker.listGroups();
  if (groups.length === 0) {
    void vscode.window.showInformationMessage('Kafka Lite: there are no consumer groups yet.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    groups.map((g) => ({ label: g.groupId, description: g.state })),
    { ...KEEP_OPEN, placeHolder, title: 'Kafka Lite' },
  );
  return picked?.label;
}

export function parseInteger(text: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const t = text.trim();
  if (!/^[+-]?\d+$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isSafeInteger(n) && n >= min && n <= max ? n : undefined;
}
