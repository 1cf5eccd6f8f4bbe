// `npm start`: builds the extension and opens it in VS Code on demo-workspace/.
// - With a desktop VS Code (`code` on PATH that is not code-server): `code --extensionDevelopmentPath=<root>`.
// - Otherwise: the browser VS Code (code-server 4.100.3 from .vscode-test/code-server, installed on first use by
//   scripts/setup-code-server.sh) on 127.0.0.1:8080 or the next free port; prints the URL to open. Ctrl+C stops it.
// Flags: --browser (use code-server even when desktop VS Code exists), --port N, --host H, --workspace DIR,
//        --no-build, --help.
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const option = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : dflt;
};

if (flag('--help') || flag('-h')) {
  console.log(`usage: npm start -- [--browser] [--port 8080] [--host 127.0.0.1] [--workspace DIR] [--no-build]
Opens Kafka Lite (development build) in desktop VS Code when 'code' is on PATH, else in the browser VS Code
(code-server) whose URL is printed.`);
  process.exit(0);
}

const workspace = path.resolve(option('--workspace', path.join(root, 'demo-workspace')));
const host = option('--host', '127.0.0.1');
const firstPort = Number(option('--port', '8080'));

function die(msg) {
  console.error(`[start] ${msg}`);
  process.exit(1);
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) die(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
}

/** A desktop VS Code CLI on PATH (not code-server, whose --version says "with Code"). */
function desktopCode() {
  if (flag('--browser')) return undefined;
  const which = spawnSync('sh', ['-c', 'command -v code'], { encoding: 'utf8' });
  const bin = which.stdout.trim();
  if (which.status !== 0 || !bin) return undefined;
  let real = bin;
  try {
    real = fs.realpathSync(bin);
  } catch {
    /* keep bin */
  }
  if (real.includes('code-server')) return undefined;
  const v = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 15000 });
  if (v.status !== 0 || /with Code|code-server/i.test(v.stdout)) return undefined;
  return bin;
}

function portFree(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

async function pickPort() {
  for (let p = firstPort; p < firstPort + 50; p++) if (await portFree(p)) return p;
  die(`no free port in ${firstPort}..${firstPort + 49} on ${host}`);
}

function healthy(origin) {
  return new Promise((resolve) => {
    const req = http.get(`${origin}/healthz`, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.setTimeout(2000, () => {
      req.destroy();
      resolve(false);
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
if (!flag('--no-build')) {
  console.log('[start] building (npm run build)…');
  run('npm', ['run', '--silent', 'build']);
}
if (!fs.existsSync(path.join(root, 'dist', 'extension.js'))) die('dist/extension.js is missing after the build');
fs.mkdirSync(workspace, { recursive: true });

const code = desktopCode();
if (code) {
  console.log(`[start] opening desktop VS Code (${code}) on ${workspace}`);
  const r = spawnSync(code, [`--extensionDevelopmentPath=${root}`, workspace], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

console.log('[start] no desktop VS Code on PATH: using the browser VS Code (code-server)');
run('bash', [path.join(root, 'scripts', 'setup-code-server.sh')]);

const cacheDir = path.join(root, '.vscode-test');
const bin = path.join(cacheDir, 'code-server', 'node_modules', '.bin', 'code-server');
const userDataDir = path.join(cacheDir, 'start-user-data');
const extensionsDir = path.join(cacheDir, 'start-extensions');
const settingsFile = path.join(userDataDir, 'User', 'settings.json');
// Defaults for keys the user has not set (their own edits in this profile are kept).
const defaults = {
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'workbench.startupEditor': 'none',
  'remote.autoForwardPorts': false, // the broker's port is not a web app to open in the browser
  'git.openRepositoryInParentFolders': 'never',
};
let userSettings = {};
try {
  userSettings = JSON.parse(fs.readFileSync(settingsFile, 'utf8'));
} catch {
  /* absent or hand-edited with comments: only write when absent */
}
if (!fs.existsSync(settingsFile) || Object.keys(defaults).some((k) => !(k in userSettings))) {
  if (!fs.existsSync(settingsFile) || Object.keys(userSettings).length > 0) {
    fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
    fs.writeFileSync(settingsFile, JSON.stringify({ ...defaults, ...userSettings }, null, 2));
  }
}
fs.mkdirSync(extensionsDir, { recursive: true });
const configFile = path.join(cacheDir, 'start-config.yaml');
fs.writeFileSync(configFile, 'auth: none\ncert: false\n');

const port = await pickPort();
if (port !== firstPort) console.log(`[start] port ${firstPort} is taken; using ${port}`);
const origin = `http://${host}:${port}`;
const child = spawn(
  bin,
  [
    '--config',
    configFile,
    '--auth',
    'none',
    '--bind-addr',
    `${host}:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    extensionsDir,
    workspace,
  ],
  { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: process.env },
);
const serverLog = [];
const keep = (b) => {
  serverLog.push(b.toString());
  if (flag('--verbose')) process.stdout.write(b);
};
child.stdout.on('data', keep);
child.stderr.on('data', keep);

let stopping = false;
function stop(code) {
  if (stopping) return;
  stopping = true;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    /* gone */
  }
  setTimeout(() => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    process.exit(code);
  }, 1500).unref();
}
process.on('SIGINT', () => {
  console.log('\n[start] stopping code-server…');
  stop(0);
});
process.on('SIGTERM', () => stop(0));
child.on('exit', (c, sig) => {
  if (stopping) return process.exit(0);
  console.error(
    `[start] code-server exited (code ${c}, signal ${sig}):\n${serverLog.join('').split('\n').slice(-30).join('\n')}`,
  );
  process.exit(1);
});

const deadline = Date.now() + 60000;
while (!(await healthy(origin))) {
  if (Date.now() > deadline) {
    console.error(serverLog.join(''));
    stop(1);
    die(`code-server did not answer on ${origin} within 60 s`);
  }
  await new Promise((r) => setTimeout(r, 250));
}

const payload = [
  ['extensionDevelopmentPath', `vscode-remote://${host}:${port}${root}`],
  ['skipWelcome', 'true'],
];
const url = `${origin}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
console.log(`
[start] Kafka Lite is running in the browser VS Code. Open this URL (the extension loads in development mode):

  ${url}

[start] workspace: ${workspace}
[start] Ctrl+C stops it.`);
