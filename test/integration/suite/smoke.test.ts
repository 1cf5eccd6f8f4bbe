// Runs inside the real extension host: the Kafka Lite extension is installed in development mode, activates
// without throwing, and contributes its broker commands. Run by test/integration/index.ts.
import * as assert from 'assert';
import * as vscode from 'vscode';

describe('Kafka Lite in the extension host (smoke)', () => {
  it('is present under its id and activates', async () => {
    const ext = vscode.extensions.getExtension('kafka-lite.kafka-lite');
    assert.ok(ext, 'extension kafka-lite.kafka-lite is loaded');
    await ext.activate();
    assert.strictEqual(ext.isActive, true);
  });

  it('registers the "Start Broker" command', async () => {
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('kafkaLite.broker.start'), 'kafkaLite.broker.start is registered');
  });
});
