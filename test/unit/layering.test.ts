/**
 * The layering rules of docs/ARCHITECTURE.md, checked on the sources: src/broker/** never imports vscode or
 * net (the engine runs in plain Node and is tested with mocha); src/schema-registry never imports vscode, net or http
 * (its HTTP server lives in src/schema-registry-server); nothing outside src/extension imports vscode.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';

function repoRoot(): string {
  for (let d = __dirname; d !== path.dirname(d); d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, 'src', 'broker')) && fs.existsSync(path.join(d, 'package.json'))) return d;
  }
  return process.cwd();
}

function sources(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (/\.(ts|tsx|js|mjs|cjs)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Module specifiers imported or required by a source file. */
export function importsOf(text: string): string[] {
  const specs: string[] = [];
  const re =
    /(?:\bimport\s+(?:type\s+)?(?:[^'"]*?\sfrom\s+)?|\bexport\s+[^'"]*?\sfrom\s+|\brequire\s*\(\s*|\bimport\s*\(\s*)['"]([^'"]+)['"]/g;
  for (let m = re.exec(text); m; m = re.exec(text)) specs.push(m[1]);
  return specs;
}

describe('layering', () => {
  const root = repoRoot();

  it('finds imports in every form (self-check of the scanner)', () => {
    assert.deepStrictEqual(
      importsOf(
        `import * as vscode from 'vscode';\nimport { a } from "net";\nconst x = require('node:net');\nexport { b } from './b';\nawait import('vscode');\nimport 'side';`,
      ),
      ['vscode', 'net', 'node:net', './b', 'vscode', 'side'],
    );
  });

  it('src/broker never imports vscode, net or node:net', () => {
    const files = sources(path.join(root, 'src', 'broker'));
    assert.ok(files.length > 0, 'src/broker has sources');
    const offenders = files.filter((f) =>
      importsOf(fs.readFileSync(f, 'utf8')).some((s) => s === 'vscode' || s === 'net' || s === 'node:net'),
    );
    assert.deepStrictEqual(
      offenders.map((f) => path.relative(root, f)),
      [],
      'these engine files import vscode or net',
    );
  });

  it('src/schema-registry (the registry engine) never imports vscode, net or http', () => {
    const files = sources(path.join(root, 'src', 'schema-registry'));
    assert.ok(files.length > 0, 'src/schema-registry has sources');
    const banned = new Set(['vscode', 'net', 'node:net', 'http', 'node:http', 'https', 'node:https']);
    const offenders = files.filter((f) => importsOf(fs.readFileSync(f, 'utf8')).some((s) => banned.has(s)));
    assert.deepStrictEqual(
      offenders.map((f) => path.relative(root, f)),
      [],
      'these registry engine files import vscode, net or http',
    );
  });

  it('only src/extension imports vscode', () => {
    const ext = path.join(root, 'src', 'extension') + path.sep;
    const offenders = sources(path.join(root, 'src'))
      .filter((f) => !f.startsWith(ext))
      .filter((f) => importsOf(fs.readFileSync(f, 'utf8')).includes('vscode'));
    assert.deepStrictEqual(
      offenders.map((f) => path.relative(root, f)),
      [],
      'these files outside src/extension import vscode',
    );
  });
});
