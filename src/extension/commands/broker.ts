/**
 * Broker commands: Start / Stop / Restart Broker, Copy Bootstrap Address, Reveal Data Folder, Verify Data, Show Log, the
 * status bar's quick pick, and the hidden diagnostics command the benchmark and tests read (activation timing
 * and extension-host event-loop delay). Registered once from extension.ts.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { formatVerifyReport, verifyDataDir } from '../../broker/storage/verify';
import type { BrokerHost } from '../broker-host';
import type { Diagnostics } from '../diagnostics';
import { KEEP_OPEN } from './common';

export function registerBrokerCommands(
  context: vscode.ExtensionContext,
  host: BrokerHost,
  log: vscode.LogOutputChannel,
  diagnostics: Diagnostics,
): void {
  const copyBootstrap = async (): Promise<string | undefined> => {
    const address = host.bootstrap;
    if (!address) {
      void vscode.window.showWarningMessage('Kafka Lite: the broker is not running, so there is no address to copy.');
      return undefined;
    }
    await vscode.env.clipboard.writeText(address);
    void vscode.window.setStatusBarMessage(`$(check) Copied ${address}`, 3000);
    return address;
  };

  /**
   * Verify Data: CRC-check every batch, index and meta file of this window's data folder, read-only (what
   * `kafka-lite verify` does), safe while this window's broker runs. The report goes to the log; the result is a
   * notification. Resolves to the report's ok flag (undefined when there is no folder), for tests.
   */
  const verifyData = async (): Promise<boolean | undefined> => {
    const dir = host.dataDir;
    if (!dir || !fs.existsSync(dir)) {
      void vscode.window.showWarningMessage('Kafka Lite: there is no data folder to verify yet.');
      return undefined;
    }
    const report = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Kafka Lite: verifying data', cancellable: false },
      (progress) => verifyDataDir(dir, { onProgress: (d) => progress.report({ message: d.partition }) }),
    );
    log.info(`Verify Data of ${dir}:\n${formatVerifyReport(report).join('\n')}`);
    const damaged = report.partitions.filter((p) => !p.ok).length;
    if (report.ok) {
      void vscode.window.showInformationMessage(
        `Kafka Lite: ${report.partitions.length} partition(s) verified, no damage found.`,
      );
    } else {
      // not awaited: the notification stays until dismissed, and the command's result must not wait for it
      void vscode.window
        .showErrorMessage(
          `Kafka Lite: damage found in ${damaged} partition(s) or meta file(s); the log names each file and offset.`,
          'Show Log',
        )
        .then((choice) => {
          if (choice === 'Show Log') log.show();
        });
    }
    return report.ok;
  };

  context.subscriptions.push(
    vscode.commands.registerCommand('kafkaLite.broker.start', () => host.start()),
    vscode.commands.registerCommand('kafkaLite.broker.stop', () => host.stop('stoppedByUser')),
    vscode.commands.registerCommand('kafkaLite.broker.restart', () => host.restart()),
    vscode.commands.registerCommand('kafkaLite.broker.copyBootstrap', copyBootstrap),
    vscode.commands.registerCommand('kafkaLite.broker.connectViews', () => host.connectViews()),
    vscode.commands.registerCommand('kafkaLite.showLog', () => log.show()),
    vscode.commands.registerCommand('kafkaLite.broker.verifyData', () => verifyData()),
    vscode.commands.registerCommand('kafkaLite.broker.copySchemaRegistryUrl', async () => {
      const url = host.schemaRegistryUrl;
      if (!url) {
        void vscode.window.showWarningMessage(
          'Kafka Lite: the Schema Registry is not running (the broker is stopped, or kafkaLite.schemaRegistry.enabled is off).',
        );
        return undefined;
      }
      await vscode.env.clipboard.writeText(url);
      void vscode.window.setStatusBarMessage(`$(check) Copied ${url}`, 3000);
      return url;
    }),
    vscode.commands.registerCommand('kafkaLite.broker.revealDataFolder', async () => {
      const dir = host.dataDir;
      if (!dir || !fs.existsSync(dir)) {
        void vscode.window.showWarningMessage(
          'Kafka Lite: there is no data folder yet (open a folder and start the broker).',
        );
        return;
      }
      const uri = vscode.Uri.file(dir);
      const inWorkspace = vscode.workspace.getWorkspaceFolder(uri) !== undefined;
      if (inWorkspace) {
        // The folder is normally hidden by nothing, but reveal a file inside so the Explorer expands it.
        const marker = fs.readdirSync(dir).find((f) => f !== '.lock') ?? '';
        await vscode.commands.executeCommand(
          'revealInExplorer',
          marker ? vscode.Uri.file(path.join(dir, marker)) : uri,
        );
      } else {
        await vscode.commands.executeCommand('revealFileInOS', uri);
      }
    }),
    vscode.commands.registerCommand('kafkaLite.broker.menu', async () => {
      type Item = vscode.QuickPickItem & { run: () => unknown };
      const items: Item[] = [];
      if (host.state === 'running') {
        items.push(
          { label: '$(copy) Copy Bootstrap Address', description: host.bootstrap, run: copyBootstrap },
          { label: '$(debug-restart) Restart Broker', run: () => host.restart() },
          { label: '$(debug-stop) Stop Broker', run: () => host.stop('stoppedByUser') },
        );
      } else if (host.state === 'external') {
        items.push(
          { label: '$(copy) Copy Bootstrap Address', description: host.bootstrap, run: copyBootstrap },
          { label: '$(plug) Connect Views to Its Broker (read-only)', run: () => host.connectViews() },
          { label: '$(debug-start) Try to Start Here', run: () => host.start() },
        );
      } else if (host.state !== 'starting') {
        items.push({ label: '$(debug-start) Start Broker', run: () => host.start() });
      }
      items.push(
        {
          label: '$(folder) Reveal Data Folder',
          description: host.dataDir,
          run: () => vscode.commands.executeCommand('kafkaLite.broker.revealDataFolder'),
        },
        { label: '$(output) Show Log', run: () => log.show() },
      );
      const picked = await vscode.window.showQuickPick(items, { ...KEEP_OPEN, title: `Kafka Lite — ${host.state}` });
      await picked?.run();
    }),
    // Hidden (not in the palette): for tests and bench/vscode.ts.
    vscode.commands.registerCommand('kafkaLite.internal.diagnostics', (opts?: { resetLoop?: boolean }) =>
      diagnostics.snapshot(opts?.resetLoop === true),
    ),
  );
}
