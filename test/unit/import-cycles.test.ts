/**
 * No import cycle in the engine: the modules of src/broker and src/protocol form a directed acyclic graph, type-only
 * imports and re-exports included (a type cycle is still two modules that cannot be understood, moved or tested
 * one without the other). The graph is read with the TypeScript compiler's own import scanner and resolver, so
 * every import form counts (`import`, `import type`, `export … from`, `require`, `import()`), and a cycle through
 * another folder (src/shared, src/client) counts too when it passes through the engine. A failure names every
 * cycle as a path of files, so the fix (move the shared piece into the module both import) is plain.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';

function repoRoot(): string {
  for (let d = __dirname; d !== path.dirname(d); d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, 'tsconfig.base.json')) && fs.existsSync(path.join(d, 'package.json'))) return d;
  }
  throw new Error(`no repository root (a folder with tsconfig.base.json and package.json) above ${__dirname}`);
}

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** file -> the source files (inside `within`) it imports; followed from `starts` through everything reachable. */
export function importGraph(starts: string[], within: string): Map<string, string[]> {
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
  };
  const graph = new Map<string, string[]>();
  const todo = [...starts];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (graph.has(file)) continue;
    const info = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
    const targets = new Set<string>();
    for (const ref of info.importedFiles) {
      if (!ref.fileName.startsWith('.')) continue; // packages and node built-ins cannot close a cycle
      const resolved = ts.resolveModuleName(ref.fileName, file, options, ts.sys).resolvedModule?.resolvedFileName;
      if (!resolved || resolved.endsWith('.d.ts') || !resolved.startsWith(within)) continue;
      targets.add(path.resolve(resolved));
    }
    graph.set(file, [...targets].sort());
    for (const t of targets) if (!graph.has(t)) todo.push(t);
  }
  return graph;
}

/** Every cycle, one per strongly connected component (Tarjan), as a closed path of files. */
export function importCycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) components.push(component);
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  // Show each component as one concrete cycle: a shortest path from its first file back to itself.
  return components.map((component) => {
    const members = new Set(component);
    const start = [...members].sort()[0];
    const previous = new Map<string, string>();
    const queue = [start];
    for (let i = 0; i < queue.length; i++) {
      for (const w of graph.get(queue[i]) ?? []) {
        if (!members.has(w)) continue;
        if (w === start) {
          const cycle = [start];
          for (let at = queue[i]; at !== start; at = previous.get(at)!) cycle.splice(1, 0, at);
          return [...cycle, start];
        }
        if (!previous.has(w)) {
          previous.set(w, queue[i]);
          queue.push(w);
        }
      }
    }
    return [start, start];
  });
}

describe('import cycles', () => {
  const root = repoRoot();
  const src = path.join(root, 'src');

  it('finds a cycle, type-only imports included, and names its files in order (self-check)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kl-cycles-'));
    try {
      fs.writeFileSync(path.join(dir, 'a.ts'), `import type { B } from './b';\nexport interface A { b: B }\n`);
      fs.writeFileSync(path.join(dir, 'b.ts'), `export { c } from './c';\nexport interface B { n: number }\n`);
      fs.writeFileSync(path.join(dir, 'c.ts'), `import type { A } from './a';\nexport const c = (a: A) => a;\n`);
      fs.writeFileSync(path.join(dir, 'd.ts'), `import { c } from './c';\nexport const d = c;\n`);
      const cycles = importCycles(importGraph([path.join(dir, 'd.ts')], dir));
      assert.deepStrictEqual(
        cycles.map((c) => c.map((f) => path.basename(f))),
        [['a.ts', 'b.ts', 'c.ts', 'a.ts']],
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('src/broker and src/protocol import each other without a cycle', () => {
    const engine = [...sources(path.join(src, 'broker')), ...sources(path.join(src, 'protocol'))];
    assert.ok(engine.length > 50, 'the engine has sources');
    const inEngine = (f: string) =>
      f.startsWith(path.join(src, 'broker') + path.sep) || f.startsWith(path.join(src, 'protocol') + path.sep);
    const cycles = importCycles(importGraph(engine, src + path.sep)).filter((c) => c.some(inEngine));
    assert.deepStrictEqual(
      cycles.map((c) => c.map((f) => path.relative(root, f)).join(' -> ')),
      [],
      'these modules import each other in a circle: move what they share into a module both import',
    );
  });
});
