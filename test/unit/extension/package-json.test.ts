/**
 * package.json's contributions checked against themselves and against the sources: every contributed command is
 * registered by src/extension and every registered command is contributed (or listed below as internal), menus and
 * welcome links name real commands, settings are documented. Registrations are found statically, from the syntax
 * tree of each src/extension file, so the unit tier catches a dropped registration without starting VS Code.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

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

/** Registered on purpose without a contribution: not for people, so not in the palette or any menu. */
const INTERNAL_COMMANDS: Record<string, string> = {
  'kafkaLite.view.loadMore': 'the "Load more…" tree row runs it with its view and parent',
  'kafkaLite.internal.diagnostics': 'tests and the benchmark read activation timing and event-loop delay with it',
};

interface CommandScan {
  /** Command ids passed to vscode.commands.registerCommand, directly or through a local wrapper. */
  registered: Map<string, string>;
  /** Command ids a source runs or attaches: executeCommand('…'), `command: '…'` (tree nodes), `x.command = '…'` (status bar). */
  referenced: Map<string, string>;
  /** First arguments of registrations the scanner could not resolve to a string (a new style it must learn). */
  unresolved: string[];
  /** Ids registered more than once (VS Code refuses the second registration at activation). */
  duplicates: string[];
}

function sourcesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sourcesUnder(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/**
 * Finds command registrations in TypeScript sources. A registration is a call whose callee ends in
 * `registerCommand`, or a call of a local function that passes its first parameter on as registerCommand's first
 * argument (like `const reg = (id, fn) => …registerCommand(id, …)`). Ids resolve from string literals, from
 * `const X = '…'` and from `const O = { k: '…' }` (as O.k) declared in any of the scanned files.
 */
export function scanCommands(files: { name: string; text: string }[]): CommandScan {
  const parsed = files.map((f) => ts.createSourceFile(f.name, f.text, ts.ScriptTarget.ES2022, true));
  const constants = new Map<string, string>();
  const stringOf = (e: ts.Expression | undefined): string | undefined => {
    while (e && (ts.isAsExpression(e) || ts.isParenthesizedExpression(e) || ts.isSatisfiesExpression(e)))
      e = e.expression;
    if (!e) return undefined;
    if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return e.text;
    if (ts.isIdentifier(e)) return constants.get(e.text);
    if (ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression))
      return constants.get(`${e.expression.text}.${e.name.text}`);
    return undefined;
  };
  for (const sf of parsed) {
    const visit = (n: ts.Node): void => {
      if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer) {
        let init: ts.Expression = n.initializer;
        while (ts.isAsExpression(init) || ts.isSatisfiesExpression(init)) init = init.expression;
        const direct = stringOf(init);
        if (direct !== undefined) constants.set(n.name.text, direct);
        if (ts.isObjectLiteralExpression(init)) {
          for (const p of init.properties) {
            if (ts.isPropertyAssignment(p) && ts.isIdentifier(p.name)) {
              const v = stringOf(p.initializer);
              if (v !== undefined) constants.set(`${n.name.text}.${p.name.text}`, v);
            }
          }
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }

  const result: CommandScan = { registered: new Map(), referenced: new Map(), unresolved: [], duplicates: [] };
  const where = (sf: ts.SourceFile, n: ts.Node) =>
    `${sf.fileName}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
  type Fn = ts.ArrowFunction | ts.FunctionExpression | ts.FunctionDeclaration;
  const isFn = (n: ts.Node): n is Fn =>
    ts.isArrowFunction(n) || ts.isFunctionExpression(n) || ts.isFunctionDeclaration(n);
  /** The name a function is called by: its own, or the variable it is assigned to. */
  const nameOf = (f: Fn): string | undefined =>
    ts.isFunctionDeclaration(f)
      ? f.name?.text
      : ts.isVariableDeclaration(f.parent) && ts.isIdentifier(f.parent.name)
        ? f.parent.name.text
        : undefined;
  const enclosingFn = (n: ts.Node): Fn | undefined => {
    for (let p: ts.Node | undefined = n.parent; p; p = p.parent) if (isFn(p)) return p;
    return undefined;
  };
  const calleeName = (c: ts.CallExpression): string | undefined =>
    ts.isIdentifier(c.expression)
      ? c.expression.text
      : ts.isPropertyAccessExpression(c.expression)
        ? c.expression.name.text
        : undefined;
  for (const sf of parsed) {
    // Local wrappers: functions whose first parameter is registerCommand's first argument.
    const wrappers = new Set<string>();
    const findWrappers = (n: ts.Node): void => {
      if (
        ts.isCallExpression(n) &&
        calleeName(n) === 'registerCommand' &&
        n.arguments[0] &&
        ts.isIdentifier(n.arguments[0])
      ) {
        const fn = enclosingFn(n);
        const first = fn?.parameters[0];
        const name = fn && nameOf(fn);
        if (first && ts.isIdentifier(first.name) && first.name.text === n.arguments[0].text && name) wrappers.add(name);
      }
      ts.forEachChild(n, findWrappers);
    };
    findWrappers(sf);
    const visit = (n: ts.Node): void => {
      if (ts.isCallExpression(n)) {
        const name = calleeName(n);
        const first = n.arguments[0];
        const isWrapper = name !== undefined && ts.isIdentifier(n.expression) && wrappers.has(name);
        if (first && (name === 'registerCommand' || isWrapper)) {
          const id = stringOf(first);
          const fn = enclosingFn(n);
          // The registerCommand(id, …) in a wrapper's own body is the wrapper, not a registration.
          const wrapperBody = name === 'registerCommand' && fn !== undefined && wrappers.has(nameOf(fn) ?? '');
          if (id !== undefined) {
            if (result.registered.has(id)) result.duplicates.push(`${id} (${where(sf, n)})`);
            result.registered.set(id, where(sf, n));
          } else if (!wrapperBody) result.unresolved.push(`${where(sf, n)}: ${first.getText(sf)}`);
        }
        if (first && name === 'executeCommand') {
          const id = stringOf(first);
          if (id?.startsWith('kafkaLite.')) result.referenced.set(id, where(sf, n));
        }
      }
      if (ts.isPropertyAssignment(n) && ts.isIdentifier(n.name) && n.name.text === 'command') {
        const id = stringOf(n.initializer);
        if (id?.startsWith('kafkaLite.')) result.referenced.set(id, where(sf, n));
      }
      if (
        ts.isBinaryExpression(n) &&
        n.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
        ts.isPropertyAccessExpression(n.left) &&
        n.left.name.text === 'command'
      ) {
        const id = stringOf(n.right);
        if (id?.startsWith('kafkaLite.')) result.referenced.set(id, where(sf, n));
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return result;
}

let extensionScan: CommandScan | undefined;
/** The scan of src/extension (parsed once for all the tests below). */
function scanExtension(): CommandScan {
  const dir = path.join(pkgPath, 'src', 'extension');
  return (extensionScan ??= scanCommands(
    sourcesUnder(dir).map((f) => ({ name: path.relative(pkgPath, f), text: fs.readFileSync(f, 'utf8') })),
  ));
}

const sorted = (xs: Iterable<string>) => [...xs].sort();

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

  it('every command link in a welcome view names a registered command', () => {
    const registered = scanExtension().registered;
    for (const w of pkg().contributes.viewsWelcome) {
      for (const m of w.contents.matchAll(/\(command:([\w.]+)\)/g))
        assert.ok(registered.has(m[1]), `the ${w.view} welcome links ${m[1]}, which src/extension does not register`);
    }
  });

  /** Evaluates the `when` forms the view menus use: `a == b`, `a =~ /re/`, joined with `&&`. */
  const holds = (when: string, ctx: Record<string, string>): boolean =>
    when.split('&&').every((clause) => {
      const c = clause.trim();
      const re = /^(\S+)\s*=~\s*\/(.*)\/$/.exec(c);
      if (re) return new RegExp(re[2]).test(ctx[re[1]] ?? '');
      const eq = /^(\S+)\s*==\s*(\S+)$/.exec(c);
      if (eq) return ctx[eq[1]] === eq[2];
      throw new Error(`unexpected when clause: ${c}`);
    });
  const menuOf = (contextValue: string): string[] =>
    pkg()
      .contributes.menus['view/item/context'].filter((m) =>
        holds(m.when ?? '', { view: 'kafkaLite.topics', viewItem: contextValue }),
      )
      .map((m) => m.command);

  it("Compact Topic Now is on a compacted topic's context menu only; every other topic action is on both", () => {
    const plain = menuOf('topic');
    const compacted = menuOf('topic.compacted');
    assert.ok(!plain.includes('kafkaLite.topic.compact'), 'not offered on a topic that does not compact');
    assert.ok(compacted.includes('kafkaLite.topic.compact'), 'offered on a compacted topic');
    assert.deepStrictEqual(
      compacted.filter((c) => c !== 'kafkaLite.topic.compact'),
      plain,
      'the other actions are the same',
    );
    assert.ok(plain.includes('kafkaLite.topic.delete') && plain.includes('kafkaLite.panels.openProducer'));
  });

  it('a topic offers one way to produce in the tree: the producer panel, inline and in its context menu', () => {
    const items = pkg().contributes.menus['view/item/context'].filter((m) =>
      holds(m.when ?? '', { view: 'kafkaLite.topics', viewItem: 'topic' }),
    ) as { command: string; group?: string }[];
    const produce = items.filter((m) => /produce|producer/i.test(m.command));
    assert.deepStrictEqual(
      produce.map((m) => [m.command, (m.group ?? '').split('@')[0]]),
      [
        ['kafkaLite.panels.openProducer', 'inline'],
        ['kafkaLite.panels.openProducer', '1_records'],
      ],
    );
  });

  it("the Consumer Groups view's welcome offers the Consumer Stepper", () => {
    const w = pkg().contributes.viewsWelcome.find((v) => v.view === 'kafkaLite.groups');
    assert.ok(w, 'a welcome for the Groups view');
    assert.match(w.contents, /\[Open Consumer Stepper\]\(command:kafkaLite\.panels\.openStepper\)/);
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
    const views = c.views[container.id] as { name: string; visibility?: string }[];
    for (const name of ['Topics', 'Consumer Groups', 'Transactions', 'Schema Registry'])
      assert.ok(
        views.some((v) => v.name === name),
        `a ${name} view`,
      );
    for (const v of views.filter((x) => x.name === 'Transactions' || x.name === 'Schema Registry'))
      assert.strictEqual(v.visibility, 'collapsed', `${v.name} starts collapsed`);
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

describe('commands: package.json and the registrations in src/extension agree', () => {
  it('the scanner finds registrations in every form the extension uses (self-check)', () => {
    const scan = scanCommands([
      {
        name: 'ids.ts',
        text: `export const LOAD = 'x.load';\nexport const CMDS = { open: 'x.open', close: 'x.close' } as const;`,
      },
      {
        name: 'a.ts',
        text: [
          `vscode.commands.registerCommand('x.direct', () => 1);`,
          `context.subscriptions.push(vscode.commands.registerCommand(\n  'x.nextLine',\n  async () => 2,\n));`,
          `vscode.commands.registerCommand(LOAD, () => 3);`,
          `vscode.commands.registerCommand(CMDS.open, () => 4);`,
          `const reg = (id: string, fn: () => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));`,
          `reg('x.wrapped', () => 5);`,
          `reg(\n  'x.wrappedNextLine',\n  () => 6,\n);`,
          `function add(id: string) { return vscode.commands.registerCommand(id, () => 7); }`,
          `add('x.declared');`,
          `void vscode.commands.executeCommand('kafkaLite.somewhere');`,
          `const node = { label: 'Start', command: { command: 'kafkaLite.fromNode', title: 'Start' } };`,
          `item.command = 'kafkaLite.fromStatusBar';`,
          `vscode.commands.registerCommand(makeId(), () => 8);`,
          `reg('x.direct', () => 9);`,
        ].join('\n'),
      },
    ]);
    assert.deepStrictEqual(sorted(scan.registered.keys()), [
      'x.declared',
      'x.direct',
      'x.load',
      'x.nextLine',
      'x.open',
      'x.wrapped',
      'x.wrappedNextLine',
    ]);
    assert.deepStrictEqual(sorted(scan.referenced.keys()), [
      'kafkaLite.fromNode',
      'kafkaLite.fromStatusBar',
      'kafkaLite.somewhere',
    ]);
    assert.deepStrictEqual(scan.unresolved, ['a.ts:19: makeId()']);
    assert.deepStrictEqual(scan.duplicates, ['x.direct (a.ts:20)']);
  });

  it('every registration in src/extension has an id the scanner can read', () => {
    assert.deepStrictEqual(scanExtension().unresolved, [], 'teach scanCommands this way of registering a command');
  });

  it('no command is registered twice', () => {
    assert.deepStrictEqual(scanExtension().duplicates, []);
  });

  it('every command package.json contributes is registered by src/extension', () => {
    const registered = scanExtension().registered;
    const missing = pkg()
      .contributes.commands.map((c) => c.command)
      .filter((id) => !registered.has(id));
    assert.deepStrictEqual(missing, [], 'contributed in package.json but never registered');
  });

  it('every command src/extension registers is contributed, except the internal ones', () => {
    const contributed = new Set(pkg().contributes.commands.map((c) => c.command));
    const registered = scanExtension().registered;
    const uncontributed = [...registered]
      .filter(([id]) => !contributed.has(id) && !(id in INTERNAL_COMMANDS))
      .map(([id, at]) => `${id} (${at})`);
    assert.deepStrictEqual(uncontributed, [], 'registered but not in package.json contributes.commands');
    for (const id of Object.keys(INTERNAL_COMMANDS)) {
      assert.ok(registered.has(id), `${id} is listed as internal but no longer registered: drop it from the list`);
      assert.ok(!contributed.has(id), `${id} is internal but contributed: drop it from INTERNAL_COMMANDS`);
    }
  });

  it('every kafkaLite command the extension runs, or attaches to a tree node or the status bar, is registered', () => {
    const scan = scanExtension();
    const dangling = [...scan.referenced].filter(([id]) => !scan.registered.has(id)).map(([id, at]) => `${id} (${at})`);
    assert.deepStrictEqual(dangling, []);
  });

  it('the .vsix holds only what the extension needs: package.json, README, LICENSE, CHANGELOG, media and dist', function () {
    this.timeout(60_000);
    const vsce = path.join(root, 'node_modules', '.bin', 'vsce');
    const r = spawnSync(vsce, ['ls', '--no-dependencies'], { cwd: root, encoding: 'utf8' });
    assert.strictEqual(r.status, 0, `vsce ls failed: ${r.stderr}`);
    const files = r.stdout.split('\n').filter(Boolean);
    const allowed = /^(package\.json|README\.md|LICENSE|CHANGELOG\.md|media\/[^/]+\.(css|svg)|dist\/.+\.(js|css|ttf))$/;
    assert.deepStrictEqual(
      files.filter((f) => !allowed.test(f)),
      [],
      'files in the .vsix that the extension does not need',
    );
    assert.ok(files.includes('dist/extension.js') && files.includes('CHANGELOG.md'), files.join(', '));
  });
});
