/**
 * The status bar item: the broker's state and address (`Kafka Lite 127.0.0.1:9092`); a click opens the
 * Stop / Restart / Copy quick pick (kafkaLite.broker.menu). Follows BrokerHost.onDidChange.
 */
import * as vscode from 'vscode';
import type { BrokerHost } from './broker-host';

export function registerStatusBar(context: vscode.ExtensionContext, host: BrokerHost): vscode.StatusBarItem {
  const item = vscode.window.createStatusBarItem('kafkaLite.status', vscode.StatusBarAlignment.Left, 10);
  item.name = 'Kafka Lite';
  item.command = 'kafkaLite.broker.menu';
  const update = () => {
    const s = host.status();
    item.backgroundColor = undefined;
    switch (s.state) {
      case 'running':
        item.text = `$(database) Kafka Lite ${s.bootstrap ?? ''}`;
        item.tooltip = `Kafka Lite broker running at ${s.bootstrap}\nData: ${s.dataDir}\nClick for Stop / Restart / Copy address`;
        break;
      case 'starting':
        item.text = '$(loading~spin) Kafka Lite starting…';
        item.tooltip = 'Opening the broker and recovering its logs';
        break;
      case 'external':
        item.text = `$(plug) Kafka Lite ${s.bootstrap ?? ''} (other window)`;
        item.tooltip = `${s.dataDir} is in use by ${s.owner?.window ?? 'another window'} (pid ${s.owner?.pid ?? '?'})`;
        break;
      case 'error':
        item.text = '$(error) Kafka Lite';
        item.tooltip = `The broker could not start: ${s.error}`;
        item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
        break;
      case 'stopped':
        item.text = '$(circle-slash) Kafka Lite stopped';
        item.tooltip = s.stopReason === 'noFolder' ? 'Open a folder to run a broker' : 'Click to start the broker';
        break;
    }
    item.show();
  };
  update();
  context.subscriptions.push(item, host.onDidChange(update));
  return item;
}
