/**
 * Reads the `kafkaLite.*` settings into one typed object (defaults match package.json's
 * contributes.configuration) and resolves the data directory against the first workspace folder.
 * Called by BrokerHost each time it starts, so a restart picks up changed settings.
 * `host`: a non-loopback address is taken only from the user's own settings, never from a workspace or folder
 * settings file (model/loopback-host.ts); a refused value is shown once as a warning and loopback is used.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { listenHostFrom } from './model/loopback-host';

export interface HostSettings {
  autoStart: boolean;
  port: number;
  host: string;
  dataDirectory: string;
  autoCreateTopics: boolean;
  defaultPartitions: number;
  flushIntervalMs: number;
  groupInitialRebalanceDelayMs: number;
  schemaRegistryEnabled: boolean;
  schemaRegistryPort: number;
}

export const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

/** Refused workspace values already warned about (one warning per value per session, not one per start). */
const warnedHosts = new Set<string>();

export function readSettings(): HostSettings {
  const c = vscode.workspace.getConfiguration('kafkaLite');
  const int = (key: string, def: number, min: number, max: number) => {
    const v = c.get<number>(key, def);
    return Number.isInteger(v) && v >= min && v <= max ? v : def;
  };
  const host = listenHostFrom(c.inspect<string>('host'));
  if (host.ignored && !warnedHosts.has(host.ignored)) {
    warnedHosts.add(host.ignored);
    void vscode.window.showWarningMessage(`Kafka Lite: ${host.ignored}`);
  }
  return {
    autoStart: c.get<boolean>('autoStart', true),
    port: int('port', 9092, 0, 65535),
    host: host.host,
    dataDirectory: c.get<string>('dataDirectory', '.kafka-lite').trim() || '.kafka-lite',
    autoCreateTopics: c.get<boolean>('autoCreateTopics', true),
    defaultPartitions: int('defaultPartitions', 1, 1, 10000),
    flushIntervalMs: int('flushIntervalMs', 50, 0, 60000),
    groupInitialRebalanceDelayMs: int('groupInitialRebalanceDelayMs', 0, 0, 300000),
    schemaRegistryEnabled: c.get<boolean>('schemaRegistry.enabled', true),
    schemaRegistryPort: int('schemaRegistry.port', 8081, 0, 65535),
  };
}

/** The first workspace folder's path on disk, or undefined (no folder, or a non-file workspace). */
export function workspaceRoot(): string | undefined {
  const f = vscode.workspace.workspaceFolders?.find((w) => w.uri.scheme === 'file');
  return f?.uri.fsPath;
}

export function resolveDataDir(root: string, dataDirectory: string): string {
  return path.resolve(root, dataDirectory);
}
