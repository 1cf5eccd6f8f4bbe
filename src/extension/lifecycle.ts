/**
 * When the broker starts by itself: at activation in a trusted workspace with kafkaLite.autoStart on and a
 * folder open; in a restricted workspace it waits and offers a start (and starts when trust is granted); when
 * kafkaLite.* settings change while it runs, it offers a restart. Called once from extension.ts.
 */
import * as vscode from 'vscode';
import type { BrokerHost } from './broker-host';
import { readSettings, workspaceRoot } from './settings';

export function registerLifecycle(context: vscode.ExtensionContext, host: BrokerHost): void {
  const autoStart = () => {
    if (!workspaceRoot()) {
      host.setStopped('noFolder');
      return;
    }
    if (!readSettings().autoStart) {
      host.setStopped('autoStartOff');
      return;
    }
    if (!vscode.workspace.isTrusted) {
      host.setStopped('untrusted');
      void vscode.window
        .showInformationMessage(
          'Kafka Lite does not start its broker automatically in a restricted workspace.',
          'Start Broker',
        )
        .then((a) => {
          if (a) void host.start();
        });
      return;
    }
    void host.start();
  };
  context.subscriptions.push(
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      if (host.state === 'stopped' && readSettings().autoStart) void host.start();
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(() => {
      if (host.state === 'stopped') autoStart();
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      const relevant = [
        'port',
        'host',
        'dataDirectory',
        'autoCreateTopics',
        'defaultPartitions',
        'flushIntervalMs',
      ].some((k) => e.affectsConfiguration(`kafkaLite.${k}`));
      if (relevant && host.state === 'running') {
        void vscode.window
          .showInformationMessage('Kafka Lite settings changed; restart the broker to apply them.', 'Restart')
          .then((a) => {
            if (a) void host.restart();
          });
      }
    }),
  );
  autoStart();
}
