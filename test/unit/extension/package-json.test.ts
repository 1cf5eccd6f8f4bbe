import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';

const root = path.resolve(__dirname, '../../../..');
const pkgPath = fs.existsSync(path.join(root, 'package.json'))
  ? root
  : path.resolve(process.env.KAFKA_LITE_ROOT ?? process.cwd());

interface Pkg {
  contributes: {
    commands: { command: string; title: string; category?: string }[];
    menus: Record<string, { command: string; when?: string }[]>;
    configuration: { properties: Record<string, { default?: unknown; markdownDescription?: string }> };
    viewsContainers: { activitybar: { id: string; title: string; icon: string }[] };
    views: Record<string, { id: string; name: string }[]>;
    viewsWelcome: { view: string; contents: string }[];
  };
}

function pkg(): Pkg {
  return JSON.parse(fs.readFileSync(path.join(pkgPath, 'package.json'), 'utf8')) as Pkg;
}

describe('package.json contributions', () => {
  it('every command is in the "Kafka Lite" category with a kafkaLite.* id', () => {
    for (const c of pkg().contributes.commands) {
      assert.strictEqual(c.category, 'Kafka Lite', c.command);
      assert.match(c.command, /^kafkaLite\./);
    }
  });

  it('every command a menu names is contributed', () => {
    const p = pkg();
    const ids = new Set(p.contributes.commands.map((c) => c.command));
    for (const [menu, entries] of Object.entries(p.contributes.menus)) {
      for (const e of entries) assert.ok(ids.has(e.command), `${menu} names ${e.command}, which is not contributed`);
    }
  });

  it('node-only commands are hidden from the palette', () => {
    const hidden = pkg()
      .contributes.menus.commandPalette.filter((e) => e.when === 'false')
      .map((e) => e.command);
    assert.ok(hidden.includes('kafkaLite.topic.copyName'));
  });

  it('the palette reaches everything the issue lists', () => {
    const ids = new Set(pkg().contributes.commands.map((c) => c.command));
    for (const id of [
      'kafkaLite.broker.start',
      'kafkaLite.broker.stop',
      'kafkaLite.broker.restart',
      'kafkaLite.topic.create',
      'kafkaLite.topic.delete',
      'kafkaLite.record.produce',
      'kafkaLite.group.resetOffsets',
      'kafkaLite.group.delete',
      'kafkaLite.broker.copyBootstrap',
      'kafkaLite.broker.revealDataFolder',
      'kafkaLite.showLog',
    ]) {
      assert.ok(ids.has(id), id);
    }
  });

  it('every setting is documented and has a default', () => {
    const props = pkg().contributes.configuration.properties;
    for (const key of [
      'autoStart',
      'port',
      'host',
      'dataDirectory',
      'autoCreateTopics',
      'defaultPartitions',
      'flushIntervalMs',
    ]) {
      const p = props[`kafkaLite.${key}`];
      assert.ok(p, `kafkaLite.${key} is contributed`);
      assert.ok(p.default !== undefined, `kafkaLite.${key} has a default`);
      assert.ok((p.markdownDescription ?? '').length > 30, `kafkaLite.${key} is documented`);
    }
    assert.strictEqual(props['kafkaLite.port'].default, 9092);
    assert.strictEqual(props['kafkaLite.host'].default, '127.0.0.1');
    assert.strictEqual(props['kafkaLite.dataDirectory'].default, '.kafka-lite');
  });

  it('one activity-bar container "Kafka Lite" with Topics and Consumer Groups, its icon shipped', () => {
    const c = pkg().contributes;
    const [container] = c.viewsContainers.activitybar;
    assert.strictEqual(container.title, 'Kafka Lite');
    assert.ok(fs.existsSync(path.join(pkgPath, container.icon)), container.icon);
    assert.deepStrictEqual(
      c.views[container.id].map((v) => v.name),
      ['Topics', 'Consumer Groups'],
    );
    assert.ok(
      c.viewsWelcome.some(
        (w) =>
          w.view === 'kafkaLite.topics' &&
          /No topics yet\.\n\[Create Topic\]\(command:kafkaLite\.topic\.create\)/.test(w.contents),
      ),
    );
  });

  it('kafkaLite.host is machine-scoped and restricted: a workspace .vscode/settings.json cannot set it', () => {
    const host = pkg().contributes.configuration.properties['kafkaLite.host'] as {
      scope?: string;
      restricted?: boolean;
    };
    assert.strictEqual(host.scope, 'machine');
    assert.strictEqual(host.restricted, true);
  });
});
