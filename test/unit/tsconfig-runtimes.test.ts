/**
 * Each runtime compiles under its own settings (docs/ARCHITECTURE.md, "Layers"), and the settings bite: small
 * snippets are compiled with the TypeScript compiler API under the real tsconfig files, as if they were a file
 * in that runtime's folder. A DOM name is an error in the engine, the shared code and the extension host; a Node
 * name is an error in the webviews and the shared code; importing 'vscode' is an error everywhere except the
 * extension host; and what the runtime does have compiles cleanly. Also: every source file is included by the
 * tsconfig.json nearest to it (the one editors and ESLint use) and that config is one `npm run typecheck` runs.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

function repoRoot(): string {
  for (let d = __dirname; d !== path.dirname(d); d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, 'tsconfig.base.json')) && fs.existsSync(path.join(d, 'package.json'))) return d;
  }
  throw new Error(`no repository root (a folder with tsconfig.base.json and package.json) above ${__dirname}`);
}

const root = repoRoot();

/** A tsconfig file parsed the way tsc reads it (extends, include and paths resolved); config errors throw. */
function parseConfig(configFile: string): ts.ParsedCommandLine {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    configFile,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(`${configFile}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
      },
    },
  );
  if (!parsed) throw new Error(`${configFile} could not be read`);
  if (parsed.errors.length > 0) {
    throw new Error(
      `${configFile}: ${parsed.errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('; ')}`,
    );
  }
  return parsed;
}

// Library and @types files are parsed once and shared by every snippet program (as the language service does).
const sourceFileCache = new Map<string, ts.SourceFile>();

interface Finding {
  code: number;
  message: string;
}

/**
 * Compile `code` as the file `fileRel` (relative to the repository root, not written to disk) under the
 * compiler options of `configRel`, and return every diagnostic of the program.
 */
function compileSnippet(configRel: string, fileRel: string, code: string): Finding[] {
  const parsed = parseConfig(path.join(root, configRel));
  const options: ts.CompilerOptions = { ...parsed.options, noEmit: true, incremental: false };
  delete options.tsBuildInfoFile;
  const snippet = path.join(root, fileRel);
  assert.ok(!fs.existsSync(snippet), `the snippet must not shadow a real file: ${fileRel}`);
  const host = ts.createCompilerHost(options, true);
  const isSnippet = (f: string): boolean => path.resolve(f) === snippet;
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (f) => isSnippet(f) || fileExists.call(host, f);
  host.readFile = (f) => (isSnippet(f) ? code : readFile.call(host, f));
  host.getSourceFile = (f, languageVersion, onError, shouldCreate) => {
    if (isSnippet(f)) return ts.createSourceFile(f, code, languageVersion, true);
    const key = `${f}|${JSON.stringify(languageVersion)}`;
    let sf = sourceFileCache.get(key);
    if (!sf) {
      sf = getSourceFile.call(host, f, languageVersion, onError, shouldCreate);
      if (sf) sourceFileCache.set(key, sf);
    }
    return sf;
  };
  const program = ts.createProgram({ rootNames: [snippet], options, host });
  return ts.getPreEmitDiagnostics(program).map((d) => ({
    code: d.code,
    message: `${d.file ? `${path.relative(root, d.file.fileName)}: ` : ''}${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`,
  }));
}

function assertCompiles(configRel: string, fileRel: string, code: string): void {
  assert.deepStrictEqual(compileSnippet(configRel, fileRel, code), [], `${configRel} rejects:\n${code}`);
}

/** The snippet fails with exactly one diagnostic, of this code, whose message matches `pattern`. */
function assertRejects(configRel: string, fileRel: string, code: string, expected: number, pattern: RegExp): void {
  const found = compileSnippet(configRel, fileRel, code);
  assert.strictEqual(
    found.length,
    1,
    `${configRel} should reject with one error:\n${code}\ngot ${JSON.stringify(found)}`,
  );
  assert.strictEqual(found[0].code, expected, `${configRel}: ${found[0].message}`);
  assert.match(found[0].message, pattern);
}

const DOM_NAME = `export const title = document.title;\n`;
const NODE_NAME = `export const bytes = Buffer.from('x');\n`;
const VSCODE_IMPORT = `import * as vscode from 'vscode';\nexport const w = vscode.window;\n`;
// TS2584: "Cannot find name 'document'. Do you need to change your target library? ... include 'dom'."
const NO_DOM = 2584;
// TS2591: "Cannot find name 'Buffer'. Do you need to install type definitions for node? ... add 'node' to the types field"
const NO_NODE = 2591;
// TS2306: "File '.../src/extension/only-src-extension-may-import-vscode.d.ts' is not a module."
const NO_VSCODE = 2306;
// TS2593: "Cannot find name 'describe'. Do you need to install type definitions for a test runner? ..."
const NO_MOCHA = 2593;
const VSCODE_MESSAGE = /only-src-extension-may-import-vscode\.d\.ts' is not a module/;

describe('tsconfig: one set of compiler settings per runtime', function () {
  // The first snippet parses the ES2022, DOM and @types/node declarations (shared by the later ones).
  this.timeout(60_000);

  describe('engine (src/tsconfig.json: src/broker, src/protocol, src/client, src/cli.ts)', () => {
    const config = 'src/tsconfig.json';
    const file = 'src/broker/__tsconfig_snippet__.ts';

    it('rejects a DOM name (document.title)', () => {
      assertRejects(config, file, DOM_NAME, NO_DOM, /Cannot find name 'document'/);
    });

    it("rejects import * as vscode from 'vscode'", () => {
      assertRejects(config, file, VSCODE_IMPORT, NO_VSCODE, VSCODE_MESSAGE);
    });

    it("rejects mocha's globals (describe)", () => {
      assertRejects(config, file, `describe('x', () => undefined);\n`, NO_MOCHA, /Cannot find name 'describe'/);
    });

    it('compiles Node code (Buffer, fs) and imports of src/shared', () => {
      assertCompiles(
        config,
        file,
        `import * as fs from 'fs';\nimport { topicNameProblem } from '../shared/topic-name';\n` +
          `export const x = [Buffer.from('x').length, fs.existsSync('.'), topicNameProblem('t')];\n`,
      );
    });
  });

  describe('shared code (src/shared/tsconfig.json), used by the extension host and the webviews', () => {
    const config = 'src/shared/tsconfig.json';
    const file = 'src/shared/__tsconfig_snippet__.ts';

    it('rejects a DOM name (document.title)', () => {
      assertRejects(config, file, DOM_NAME, NO_DOM, /Cannot find name 'document'/);
    });

    it("rejects a Node name (Buffer.from('x'))", () => {
      assertRejects(config, file, NODE_NAME, NO_NODE, /Cannot find name 'Buffer'/);
    });

    it("rejects import * as vscode from 'vscode'", () => {
      assertRejects(config, file, VSCODE_IMPORT, NO_VSCODE, VSCODE_MESSAGE);
    });

    it('compiles plain ES2022 code', () => {
      assertCompiles(config, file, `export const x = Object.hasOwn({ a: 1 }, 'a') && ['a'].at(-1) === 'a';\n`);
    });
  });

  describe('extension host (src/extension/tsconfig.json)', () => {
    const config = 'src/extension/tsconfig.json';
    const file = 'src/extension/__tsconfig_snippet__.ts';

    it('rejects a DOM name (document.title)', () => {
      assertRejects(config, file, DOM_NAME, NO_DOM, /Cannot find name 'document'/);
    });

    it('compiles the vscode API together with Node and the engine', () => {
      assertCompiles(
        config,
        file,
        `import * as vscode from 'vscode';\nimport { systemClock } from '../broker/clock';\n` +
          `export const x = [vscode.window.showInformationMessage, Buffer.from('x'), systemClock];\n`,
      );
    });
  });

  describe('webviews (src/webview/tsconfig.json)', () => {
    const config = 'src/webview/tsconfig.json';
    const file = 'src/webview/__tsconfig_snippet__.ts';

    it("rejects a Node name (Buffer.from('x'))", () => {
      assertRejects(config, file, NODE_NAME, NO_NODE, /Cannot find name 'Buffer'/);
    });

    it("rejects a Node module (import * as fs from 'fs')", () => {
      assertRejects(config, file, `import * as fs from 'fs';\nexport const e = fs;\n`, 2307, /Cannot find module 'fs'/);
    });

    it("rejects import * as vscode from 'vscode'", () => {
      assertRejects(config, file, VSCODE_IMPORT, NO_VSCODE, VSCODE_MESSAGE);
    });

    it('compiles DOM code and imports of src/shared', () => {
      assertCompiles(
        config,
        file,
        `import { topicNameProblem } from '../shared/topic-name';\n` +
          `export const x = [document.title, document.querySelectorAll('p').length, topicNameProblem('t')];\n`,
      );
    });
  });

  describe('unit and compat tests (test/tsconfig.json)', () => {
    const config = 'test/tsconfig.json';
    const file = 'test/unit/__tsconfig_snippet__.ts';

    it('rejects a DOM name (document.title)', () => {
      assertRejects(config, file, DOM_NAME, NO_DOM, /Cannot find name 'document'/);
    });

    it("rejects import * as vscode from 'vscode'", () => {
      assertRejects(config, file, VSCODE_IMPORT, NO_VSCODE, VSCODE_MESSAGE);
    });

    it('compiles mocha tests on Node', () => {
      assertCompiles(config, file, `describe('x', () => it('y', () => void Buffer.from('x')));\n`);
    });
  });

  describe('coverage', () => {
    const solution = parseConfig(path.join(root, 'tsconfig.json'));
    const checked = new Set<string>(
      (solution.projectReferences ?? []).map((r) => path.resolve(ts.resolveProjectReferencePath(r))),
    );
    const included = new Map<string, Set<string>>();
    const filesOf = (config: string): Set<string> => {
      let files = included.get(config);
      if (!files) {
        files = new Set(parseConfig(config).fileNames.map((f) => path.resolve(f)));
        included.set(config, files);
      }
      return files;
    };

    function sources(dir: string): string[] {
      const out: string[] = [];
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) out.push(...sources(p));
        else if (e.name.endsWith('.ts')) out.push(p);
      }
      return out;
    }

    /** The tsconfig.json an editor, ESLint's project service and this test pick for a file: the nearest above it. */
    function nearestConfig(file: string): string {
      for (let d = path.dirname(file); d.startsWith(root); d = path.dirname(d)) {
        const c = path.join(d, 'tsconfig.json');
        if (fs.existsSync(c)) return c;
      }
      throw new Error(`no tsconfig.json above ${file}`);
    }

    it('the configs cover the folders the snippets stand for', () => {
      const expectations: [string, string[]][] = [
        ['src/tsconfig.json', ['src/broker/lag.ts', 'src/protocol/server.ts', 'src/client/index.ts', 'src/cli.ts']],
        ['src/shared/tsconfig.json', ['src/shared/validate.ts']],
        ['src/extension/tsconfig.json', ['src/extension/extension.ts']],
        ['src/webview/tsconfig.json', ['src/webview/common.ts']],
        ['test/tsconfig.json', ['test/unit/layering.test.ts', 'test/compat/harness.ts']],
      ];
      for (const [config, files] of expectations) {
        const have = filesOf(path.join(root, config));
        for (const f of files) assert.ok(have.has(path.join(root, f)), `${config} does not include ${f}`);
      }
    });

    it('every source file is included by its nearest tsconfig.json, and npm run typecheck runs that config', () => {
      const problems: string[] = [];
      for (const dir of ['src', 'test', 'bench']) {
        for (const file of sources(path.join(root, dir))) {
          const config = nearestConfig(file);
          const rel = path.relative(root, file);
          if (!checked.has(config))
            problems.push(`${rel}: ${path.relative(root, config)} is not referenced by tsconfig.json`);
          else if (!filesOf(config).has(file)) problems.push(`${rel}: not included by ${path.relative(root, config)}`);
        }
      }
      assert.deepStrictEqual(problems, []);
    });
  });
});
