import * as assert from 'assert';
import { isLoopbackHost, listenHostFrom } from '../../../../src/extension/model/loopback-host';

describe('kafkaLite.host: where a non-loopback address may come from', () => {
  it('loopback addresses are recognised; wildcards, LAN addresses and names are not', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1']) {
      assert.ok(isLoopbackHost(h), h);
    }
    for (const h of ['0.0.0.0', '::', '192.168.1.5', 'evil.example.com', '127.0.0.1.evil.com', '']) {
      assert.ok(!isLoopbackHost(h), h);
    }
  });

  it("a repository's .vscode/settings.json cannot open the broker to the network: 0.0.0.0 there is ignored with a message", () => {
    const r = listenHostFrom({ defaultValue: '127.0.0.1', workspaceValue: '0.0.0.0' });
    assert.strictEqual(r.host, '127.0.0.1');
    assert.match(r.ignored ?? '', /kafkaLite\.host "0\.0\.0\.0" in the workspace settings is ignored/);
    const folder = listenHostFrom({ defaultValue: '127.0.0.1', workspaceFolderValue: '10.0.0.7' });
    assert.strictEqual(folder.host, '127.0.0.1');
    assert.match(folder.ignored ?? '', /folder settings/);
  });

  it("the user's own setting is honoured, also when a workspace tries to override it with another address", () => {
    assert.deepStrictEqual(listenHostFrom({ defaultValue: '127.0.0.1', globalValue: '0.0.0.0' }), { host: '0.0.0.0' });
    const r = listenHostFrom({ globalValue: '192.168.1.5', workspaceValue: '0.0.0.0' });
    assert.strictEqual(r.host, '192.168.1.5');
    assert.ok(r.ignored);
  });

  it('a workspace may still choose another loopback address; nothing set means 127.0.0.1', () => {
    assert.deepStrictEqual(listenHostFrom({ globalValue: '0.0.0.0', workspaceValue: '::1' }), { host: '::1' });
    assert.deepStrictEqual(listenHostFrom({ defaultValue: '127.0.0.1' }), { host: '127.0.0.1' });
    assert.deepStrictEqual(listenHostFrom(undefined), { host: '127.0.0.1' });
    assert.deepStrictEqual(listenHostFrom({ globalValue: '  ' }), { host: '127.0.0.1' });
  });
});
