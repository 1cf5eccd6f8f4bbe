// Bundles with esbuild: the extension (node, cjs, vscode external), the CLI, and the webview scripts (browser).
import * as esbuild from 'esbuild';
import * as fs from 'fs';
import * as path from 'path';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));

const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning', absWorkingDir: root };

const builds = [];
if (fs.existsSync(path.join(root, 'src/extension/extension.ts'))) {
  builds.push({
    ...common,
    entryPoints: ['src/extension/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
  });
}
builds.push({
  ...common,
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/cli.js',
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  banner: { js: '#!/usr/bin/env node' },
});
const webviewDir = path.join(root, 'src/webview');
const webviewEntries = fs.existsSync(webviewDir)
  ? fs
      .readdirSync(webviewDir)
      .filter((f) => f.endsWith('-panel.ts'))
      .map((f) => `src/webview/${f}`)
  : [];
if (webviewEntries.length) {
  builds.push({
    ...common,
    entryPoints: webviewEntries,
    outdir: 'dist/webview',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  });
}

// Codicons ship with the extension (node_modules is not packaged).
const codiconSrc = path.join(root, 'node_modules/@vscode/codicons/dist');
const codiconDst = path.join(root, 'dist/codicons');
if (fs.existsSync(codiconSrc)) {
  fs.mkdirSync(codiconDst, { recursive: true });
  for (const f of ['codicon.css', 'codicon.ttf']) fs.copyFileSync(path.join(codiconSrc, f), path.join(codiconDst, f));
}

if (watch) {
  for (const b of builds) (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  fs.chmodSync(path.join(root, 'dist/cli.js'), 0o755);
}
