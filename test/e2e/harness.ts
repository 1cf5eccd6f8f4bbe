// Playwright + code-server harness: runs the extension in a real VS Code (code-server 4.100.3 = VS Code 1.100.3,
// installed by scripts/setup-code-server.sh into .vscode-test/code-server) driven by Debian's Chromium.
// Owns: finding the install, ephemeral ports, temp user-data/extension dirs with settings.json, starting and
// killing code-server (its whole process group), the browser, and person-like UI helpers (command palette,
// activity bar, tree rows, webview frames, themes, screenshots into test-artifacts/e2e/).
// Guarantees: a missing code-server or browser is a loud failure (never a skip); every process it starts is
// killed on close(), on a failed start, and at process exit.
// Called by: test/e2e/*.test.ts (startVsCode), test/integration/run-code-server.ts (launchCodeServer,
// launchBrowser, workbenchUrl), bench/vscode.ts.
import type { ChildProcess } from 'child_process';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as util from 'util';
import type { Browser, Frame, Locator, Page } from 'playwright-core';
import { chromium } from 'playwright-core';

export const CODE_SERVER_VERSION = '4.100.3';
export const CHROMIUM_PATH = process.env.KAFKA_LITE_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** The project root: $KAFKA_LITE_ROOT, else the nearest folder upwards with the kafka-lite package.json and a
 * tsconfig.json (works from test/, out/ and a private --outDir when run from the project). */
export function projectRoot(): string {
  const env = process.env.KAFKA_LITE_ROOT;
  if (env) return path.resolve(env);
  return findRoot(__dirname) ?? findRoot(process.cwd()) ?? fail(`kafka-lite package.json not found above ${__dirname}`);
}
function fail(msg: string): never {
  throw new Error(msg);
}
function findRoot(start: string): string | undefined {
  let dir = start;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    // tsconfig.json tells the source tree from a compiled out-dir (tsc copies an imported package.json there).
    if (fs.existsSync(pkg) && fs.existsSync(path.join(dir, 'tsconfig.json'))) {
      try {
        if (JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'kafka-lite') return dir;
      } catch {
        /* keep walking */
      }
    }
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** Path of the code-server launcher; throws with the fix when the cache folder is absent. */
export function codeServerBin(): string {
  const dir = process.env.KAFKA_LITE_CODE_SERVER_DIR ?? path.join(projectRoot(), '.vscode-test', 'code-server');
  const bin = path.join(dir, 'node_modules', '.bin', 'code-server');
  if (!fs.existsSync(bin) || !fs.existsSync(path.join(dir, `.installed-${CODE_SERVER_VERSION}`))) {
    throw new Error(
      `code-server ${CODE_SERVER_VERSION} is not installed in ${dir}: run scripts/setup-code-server.sh ` +
        '(npm run setup:vscode) first',
    );
  }
  return bin;
}

/** A free TCP port on 127.0.0.1 (bound once and released; the OS hands out ephemeral ports round-robin). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

// ---- process bookkeeping: whatever we start dies with us ----------------------------------------------------
const liveGroups = new Set<number>();
const tempDirs = new Set<string>();
let exitHookInstalled = false;
function track(pid: number): void {
  liveGroups.add(pid);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const g of liveGroups) {
        try {
          process.kill(-g, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
      for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
    });
  }
}

async function killGroup(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  const exited = child.exitCode !== null || child.signalCode !== null;
  const gone = exited ? Promise.resolve() : new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    /* group already gone */
  }
  const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 5000).unref());
  if ((await Promise.race([gone, timer])) === 'timeout') {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  // The group may outlive its leader (extension hosts, pty hosts): make sure nothing stays behind.
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* gone */
  }
  liveGroups.delete(pid);
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.setTimeout(2000, () => {
      req.destroy();
      resolve(0);
    });
  });
}

// ---- code-server --------------------------------------------------------------------------------------------
export interface CodeServerOptions {
  /** Folder to open; a fresh empty temp folder when absent. */
  workspace?: string;
  /** User settings (merged over the harness defaults). */
  settings?: Record<string, unknown>;
  /** Extra environment for code-server; the extension host inherits it. KAFKA_LITE_TEST=1 is always set. */
  env?: Record<string, string>;
  /** .vsix files installed into the fresh extensions dir before start (e.g. the packaged extension). */
  installVsix?: string[];
}

export interface CodeServer {
  port: number;
  /** Base URL, e.g. http://127.0.0.1:41234 */
  origin: string;
  workspace: string;
  userDataDir: string;
  extensionsDir: string;
  /** The last lines code-server printed (stdout and stderr). */
  log(): string;
  stop(): Promise<void>;
}

export const DEFAULT_SETTINGS: Record<string, unknown> = {
  'workbench.colorTheme': 'Default Dark Modern',
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'chat.commandCenter.enabled': false,
  'git.enabled': false,
  'remote.autoForwardPorts': false, // no "application running on port …" toasts over the UI
  'kafkaLite.port': 0,
};

function mkTemp(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.add(d);
  return d;
}

export function writeUserSettings(userDataDir: string, settings: Record<string, unknown>): void {
  const dir = path.join(userDataDir, 'User');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'settings.json'), JSON.stringify(settings, null, 2));
}

/** Starts code-server on an ephemeral port and resolves when it answers /healthz. Kills it on failure. */
export async function launchCodeServer(opts: CodeServerOptions = {}): Promise<CodeServer> {
  const bin = codeServerBin();
  const port = await freePort();
  const ownWorkspace = opts.workspace === undefined;
  const workspace = opts.workspace ?? mkTemp('kafka-lite-ws-');
  fs.mkdirSync(workspace, { recursive: true });
  const base = mkTemp('kafka-lite-vscode-');
  const userDataDir = path.join(base, 'user-data');
  const extensionsDir = path.join(base, 'extensions');
  fs.mkdirSync(extensionsDir, { recursive: true });
  writeUserSettings(userDataDir, { ...DEFAULT_SETTINGS, ...(opts.settings ?? {}) });
  for (const vsix of opts.installVsix ?? []) {
    const r = spawnSync(
      bin,
      ['--extensions-dir', extensionsDir, '--user-data-dir', userDataDir, '--install-extension', vsix],
      {
        encoding: 'utf8',
        env: {
          ...process.env,
          XDG_CONFIG_HOME: path.join(base, 'xdg-config'),
          XDG_DATA_HOME: path.join(base, 'xdg-data'),
        },
        timeout: 120_000,
      },
    );
    if (r.status !== 0) {
      fs.rmSync(base, { recursive: true, force: true });
      throw new Error(`code-server --install-extension ${vsix} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
    }
  }
  const configFile = path.join(base, 'config.yaml');
  fs.writeFileSync(configFile, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);

  const args = [
    '--config',
    configFile,
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    extensionsDir,
    workspace,
  ];
  const child = spawn(bin, args, {
    detached: true, // own process group: close() kills code-server, its server child and the extension hosts
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      KAFKA_LITE_TEST: '1',
      KAFKA_LITE_TEST_WORKSPACE: workspace,
      KAFKA_LITE_ROOT: projectRoot(),
      XDG_CONFIG_HOME: path.join(base, 'xdg-config'),
      XDG_DATA_HOME: path.join(base, 'xdg-data'),
      ...(opts.env ?? {}),
    },
  });
  if (child.pid !== undefined) track(child.pid);
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(l);
    if (lines.length > 400) lines.splice(0, lines.length - 400);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exitInfo: string | undefined;
  child.on('exit', (code, sig) => {
    exitInfo = `code-server exited (code ${code}, signal ${sig})`;
  });

  const origin = `http://127.0.0.1:${port}`;
  let stopped = false;
  const server: CodeServer = {
    port,
    origin,
    workspace,
    userDataDir,
    extensionsDir,
    log: () => lines.join('\n'),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await killGroup(child);
      for (const d of [base, ...(ownWorkspace ? [workspace] : [])]) {
        fs.rmSync(d, { recursive: true, force: true });
        tempDirs.delete(d);
      }
    },
  };

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exitInfo) {
      await server.stop();
      throw new Error(`${exitInfo} before it was ready; its output:\n${lines.join('\n')}`);
    }
    if ((await httpStatus(`${origin}/healthz`)) === 200) break;
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`code-server did not answer on ${origin} within 60 s; its output:\n${lines.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return server;
}

/** The workbench URL that opens `workspace` with the payload (development/test paths on the remote side). */
export function workbenchUrl(
  server: Pick<CodeServer, 'origin' | 'port' | 'workspace'>,
  payload: { extensionDevelopmentPath?: string; extensionTestsPath?: string } = {},
): string {
  const remote = (p: string) => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const entries: [string, string][] = [];
  if (payload.extensionDevelopmentPath)
    entries.push(['extensionDevelopmentPath', remote(payload.extensionDevelopmentPath)]);
  if (payload.extensionTestsPath) entries.push(['extensionTestsPath', remote(payload.extensionTestsPath)]);
  entries.push(['skipWelcome', 'true']);
  return `${server.origin}/?folder=${encodeURIComponent(server.workspace)}&payload=${encodeURIComponent(JSON.stringify(entries))}`;
}

/** Launches Debian's Chromium headless (fails loudly when it is missing). */
export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: apt-get install -y chromium (or set KAFKA_LITE_CHROMIUM)`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

// ---- running a test module inside the extension host ----------------------------------------------------------
export interface ExtensionTestsOptions extends CodeServerOptions {
  /** Absolute path of the compiled module exporting run(): Promise<void> (with or without .js). */
  extensionTestsPath: string;
  /** Extension folder loaded in development mode (default: the project root). */
  extensionDevelopmentPath?: string;
  /** Give up after this long (default 10 minutes) -> exit code 1. */
  timeoutMs?: number;
  /** Each console line of the extension host (mocha's reporter included); default prints to stdout/stderr. */
  onLog?: (type: string, line: string) => void;
}

/** Workbench start-up chatter that hides the test report in CI logs (KAFKA_LITE_VERBOSE=1 shows it). */
const HOST_NOISE =
  /^(Creating a socket|Resolving connection token|Resolved connection token|Updating additional builtin extensions cache|\[Service Worker\] registered|ChatSessionStore:)/;

function formatHostLog(args: unknown): string {
  if (!Array.isArray(args)) return String(args);
  if (typeof args[0] === 'string') return util.format(...(args as unknown[]));
  return args.map((a) => (typeof a === 'string' ? a : util.inspect(a))).join(' ');
}

/**
 * Loads `extensionTestsPath` in the real extension host of a fresh code-server and resolves with its exit code
 * (0: run() resolved, 1: rejected, threw, crashed or timed out). Always stops code-server and the browser.
 * Used by test/integration/run-code-server.ts and by benchmarks that must measure inside VS Code.
 */
export async function runExtensionTests(opts: ExtensionTestsOptions): Promise<number> {
  const timeoutMs = opts.timeoutMs ?? 10 * 60_000;
  const onLog =
    opts.onLog ??
    ((type: string, line: string) => (type === 'error' ? process.stderr : process.stdout).write(line + '\n'));
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    server = await launchCodeServer(opts);
    browser = await launchBrowser();
    const page = await browser.newPage();
    let settle!: (code: number) => void;
    const exitCode = new Promise<number>((resolve) => (settle = resolve));
    await page.exposeFunction('codeAutomationExit', (code: number) => settle(Number(code)));
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown) => {
      const line = formatHostLog(args);
      // The workbench cannot reach the extension gallery without internet access: harmless noise.
      if (/open-vsx\.org|marketplace\.visualstudio\.com/.test(line)) return;
      if (!process.env.KAFKA_LITE_VERBOSE && HOST_NOISE.test(line)) return;
      onLog(type, line);
    });
    page.on('pageerror', (e) => onLog('error', `[workbench error] ${e.message}`));
    page.on('crash', () => {
      onLog('error', '[run-extension-tests] the workbench page crashed');
      settle(1);
    });
    const url = workbenchUrl(server, {
      extensionDevelopmentPath: opts.extensionDevelopmentPath ?? projectRoot(),
      extensionTestsPath: opts.extensionTestsPath.replace(/\.js$/, ''),
    });
    await page.goto(url);
    const srv = server;
    const timeout = new Promise<number>((resolve) => {
      timer = setTimeout(() => {
        onLog('error', `[run-extension-tests] no result from the extension host within ${timeoutMs / 1000} s`);
        onLog('error', srv.log().split('\n').slice(-40).join('\n'));
        resolve(1);
      }, timeoutMs);
    });
    return await Promise.race([exitCode, timeout]);
  } finally {
    if (timer) clearTimeout(timer);
    await browser?.close().catch(() => undefined);
    await server?.stop();
  }
}

// ---- the session used by e2e tests --------------------------------------------------------------------------
export interface StartOptions extends CodeServerOptions {
  /** Load the extension from the project root (default true). */
  loadExtension?: boolean;
  /** Viewport (default 1400x900). */
  viewport?: { width: number; height: number };
}

export interface Session {
  page: Page;
  /** The workbench URL opened (with the payload). */
  url: string;
  /** code-server's port (not the broker's). */
  port: number;
  workspace: string;
  userDataDir: string;
  /** Saves test-artifacts/e2e/<name>.png and returns its path. */
  screenshot(name: string): Promise<string>;
  /**
   * Opens the command palette, types the title and runs the matching command. Resolves once the palette has let
   * go of its input (closed, or handed the widget to a picker the command opened), so the next quick-input step
   * never types into the palette.
   */
  runCommand(title: string): Promise<void>;
  /** The input of the quick input (a picker or input box) whose placeholder, prompt or title matches, once shown. */
  quickInput(match: RegExp, timeoutMs?: number): Promise<Locator>;
  /**
   * Right-clicks `row` and runs its context-menu entry `label`: the entry is hovered until the menu marks it as
   * focused, then Enter runs it (a mouse click on a menu that is still laying itself out can land as a mere hover).
   */
  contextMenu(row: Locator, label: string): Promise<void>;
  /**
   * VS Code's own file dialog (a quick input in code-server): types `file`, waits until the folder listing shows
   * its name, then presses the dialog's OK button `okLabel` until that button is gone (while the dialog still
   * reads the typed path a press can be taken as "go to that folder").
   */
  pickFile(file: string, okLabel: string): Promise<void>;
  /** "Developer: Reload Window", waiting for the new workbench page (not the old one that is unloading). */
  reloadWindow(): Promise<void>;
  /** Shows the "Kafka Lite" activity-bar container (does not toggle it closed when already shown). */
  openKafkaLiteContainer(): Promise<void>;
  /** The first tree/list row whose text matches. */
  treeRow(label: string | RegExp): Locator;
  /** Polls every frame (webviews are nested iframes) until one holds `selector`. */
  findWebviewFrame(selector: string, timeoutMs?: number): Promise<Frame>;
  /**
   * Switches the color theme as a person does ("Preferences: Color Theme", its name, Enter) and waits until the
   * workbench shows it; nothing when it is on already. (Writing `workbench.colorTheme` into settings.json is not
   * picked up by code-server's workbench here.)
   */
  setTheme(kind: 'light' | 'dark'): Promise<void>;
  /** Merges settings into the user settings.json (VS Code picks the change up live). */
  updateSettings(settings: Record<string, unknown>): Promise<void>;
  /** Waits for a status-bar entry whose text matches and returns that text. */
  statusBarText(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Browser console lines and page errors seen so far (useful in failure messages). */
  consoleLog(): string[];
  /** code-server's recent output. */
  serverLog(): string;
  /**
   * For an afterEach hook: when the test failed, save a screenshot named after it and print what had the focus,
   * the open quick input and the last browser console lines, so a CI failure can be understood from its log.
   */
  recordFailure(test: { title: string; state?: string } | undefined): Promise<void>;
  close(): Promise<void>;
}

export const ARTIFACTS_DIR = path.join(projectRoot(), 'test-artifacts', 'e2e');

const THEMES = { light: 'Light Modern', dark: 'Dark Modern' } as const;

/** Starts code-server with the extension in development mode, opens it in Chromium, waits for the workbench. */
export async function startVsCode(opts: StartOptions = {}): Promise<Session> {
  const server = await launchCodeServer(opts);
  let browser: Browser | undefined;
  const consoleLines: string[] = [];
  try {
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1400, height: 900 } });
    const page = await context.newPage();
    page.on('console', (m) => {
      consoleLines.push(`[${m.type()}] ${m.text()}`);
      if (consoleLines.length > 500) consoleLines.shift();
    });
    page.on('pageerror', (e) => consoleLines.push(`[pageerror] ${e.message}`));
    const url = workbenchUrl(server, opts.loadExtension === false ? {} : { extensionDevelopmentPath: projectRoot() });
    await page.goto(url);
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    const session = makeSession(server, browser, page, url, consoleLines, opts.settings ?? {});
    return session;
  } catch (e) {
    await browser?.close().catch(() => undefined);
    const log = server.log();
    await server.stop();
    const err = e instanceof Error ? e : new Error(String(e));
    err.message += `\n--- code-server output ---\n${log.split('\n').slice(-40).join('\n')}`;
    throw err;
  }
}

function makeSession(
  server: CodeServer,
  browser: Browser,
  page: Page,
  url: string,
  consoleLines: string[],
  initialSettings: Record<string, unknown>,
): Session {
  let settings: Record<string, unknown> = { ...DEFAULT_SETTINGS, ...initialSettings };
  let closed = false;

  const session: Session = {
    page,
    url,
    port: server.port,
    workspace: server.workspace,
    userDataDir: server.userDataDir,

    async screenshot(name) {
      fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
      const file = path.join(ARTIFACTS_DIR, `${name.replace(/[^\w.-]+/g, '-')}.png`);
      await page.screenshot({ path: file });
      return file;
    },

    async runCommand(title) {
      const input = page.locator('.quick-input-widget .quick-input-box input');
      // The palette can lose a keystroke while the workbench is still restoring, and it closes when focus leaves
      // it (a webview of an earlier test that finishes loading just then takes the focus): open it and type again
      // until the typed text is in it.
      for (let attempt = 0; ; attempt++) {
        await page.keyboard.press('Escape');
        await page.keyboard.press('Control+Shift+P');
        try {
          await input.waitFor({ state: 'visible', timeout: 5000 });
          await input.fill(`>${title}`, { timeout: 3000 });
          if ((await input.inputValue({ timeout: 1000 })) === `>${title}`) break;
          throw new Error('the palette lost the typed text');
        } catch (e) {
          if (attempt >= 4)
            throw new Error(`the command palette did not open or lost its input: ${(e as Error).message}`, {
              cause: e,
            });
        }
      }
      const row = page.locator('.quick-input-widget .monaco-list-row').filter({ hasText: title }).first();
      try {
        await row.waitFor({ state: 'visible', timeout: 15_000 });
      } catch {
        const shown = await page.locator('.quick-input-widget .monaco-list-row').allInnerTexts();
        throw new Error(`command "${title}" not found in the palette; rows shown: ${JSON.stringify(shown)}`);
      }
      await row.click();
      // The palette hides (or a picker the command opens takes the widget over, with its own empty value) before
      // the command's own steps begin: until then a "visible" quick input is still the palette.
      try {
        await page.waitForFunction(
          () => {
            const w = document.querySelector<HTMLElement>('.quick-input-widget');
            const i = w?.querySelector<HTMLInputElement>('.quick-input-box input');
            return !w || !i || w.style.display === 'none' || !i.value.startsWith('>');
          },
          undefined,
          { timeout: 10_000 },
        );
      } catch (e) {
        // a reload started by the command destroys the page's context: the palette is gone with it
        if (!/context was destroyed|navigat/i.test((e as Error).message)) throw e;
      }
    },

    async quickInput(match, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      const input = page.locator('.quick-input-widget .quick-input-box input');
      for (;;) {
        const seen = await page.evaluate(() => {
          const w = document.querySelector<HTMLElement>('.quick-input-widget');
          if (!w || w.style.display === 'none') return null;
          const i = w.querySelector<HTMLInputElement>('.quick-input-box input');
          return [
            i?.getAttribute('placeholder') ?? '',
            i?.getAttribute('aria-label') ?? '',
            w.querySelector('.quick-input-title')?.textContent ?? '',
            w.querySelector('.quick-input-message')?.textContent ?? '',
          ].join('\n');
        });
        if (seen !== null && match.test(seen) && (await input.isVisible())) return input;
        if (Date.now() > deadline) {
          throw new Error(`no quick input matching ${match} within ${timeoutMs} ms (shown: ${JSON.stringify(seen)})`);
        }
        await page.waitForTimeout(100);
      }
    },

    async contextMenu(row, label) {
      await row.click({ button: 'right' });
      const entry = page.locator('.monaco-menu .action-item', { hasText: label }).first();
      await entry.waitFor({ state: 'visible', timeout: 10_000 });
      const deadline = Date.now() + 10_000;
      for (;;) {
        await entry.hover();
        const focused = await entry
          .evaluate((el) => {
            const root = el.getRootNode() as Document | ShadowRoot; // menus may live in a shadow root
            return el.classList.contains('focused') || el.contains(root.activeElement);
          })
          .catch(() => false);
        if (focused) break;
        if (Date.now() > deadline) throw new Error(`the context-menu entry "${label}" did not take the focus`);
        await page.waitForTimeout(100);
      }
      await page.keyboard.press('Enter');
      await page.locator('.monaco-menu').first().waitFor({ state: 'hidden', timeout: 10_000 });
    },

    async pickFile(file, okLabel) {
      const quick = page.locator('.quick-input-widget');
      const input = quick.locator('.quick-input-box input');
      const ok = quick.locator('.monaco-button', { hasText: okLabel }).first();
      // The dialog is up once its OK button shows and it has put its start folder into the input (typing before
      // that is overwritten by the start folder).
      await ok.waitFor({ state: 'visible', timeout: 15_000 });
      const deadline = Date.now() + 15_000;
      while (!(await input.inputValue()).endsWith('/')) {
        if (Date.now() > deadline)
          throw new Error(`the file dialog showed no start folder: ${await input.inputValue()}`);
        await page.waitForTimeout(100);
      }
      for (let attempt = 0; ; attempt++) {
        if (!(await ok.isVisible())) return; // taken by the previous press
        // The dialog may still write its start folder into the input after a fill: until the file's row shows,
        // keep the input holding exactly the path.
        const row = quick.locator('.monaco-list-row', { hasText: path.basename(file) }).first();
        const shown = Date.now() + 15_000;
        for (;;) {
          if ((await input.inputValue()) !== file) await input.fill(file);
          if (await row.isVisible()) break;
          if (Date.now() > shown)
            throw new Error(`the file dialog did not list ${file}; its input holds ${await input.inputValue()}`);
          await page.waitForTimeout(250);
        }
        await page.waitForTimeout(300);
        const clicked = await ok
          .click({ timeout: 3000 })
          .then(() => true)
          .catch(() => false);
        if (!clicked && (await ok.isVisible())) await input.press('Enter');
        try {
          // gone with its OK button (the widget itself stays up when the command asks its next question)
          await ok.waitFor({ state: 'hidden', timeout: 3000 });
          return;
        } catch {
          if (attempt >= 4) throw new Error(`the file dialog did not take ${file} (button "${okLabel}")`);
        }
      }
    },

    async reloadWindow() {
      const loaded = page.waitForEvent('load', { timeout: 60_000 });
      await session.runCommand('Developer: Reload Window');
      await loaded;
      await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    },

    async openKafkaLiteContainer() {
      const item = page.locator('.activitybar [aria-label^="Kafka Lite"]').first();
      await item.waitFor({ state: 'visible', timeout: 30_000 });
      const li = page
        .locator('.activitybar li.action-item', { has: page.locator('[aria-label^="Kafka Lite"]') })
        .first();
      const isActive = async () =>
        (await item.getAttribute('aria-expanded')) === 'true' ||
        /\bchecked\b/.test((await li.getAttribute('class').catch(() => '')) ?? '') ||
        (
          await page
            .locator('.sidebar .composite.title')
            .innerText()
            .catch(() => '')
        )
          .toUpperCase()
          .includes('KAFKA LITE');
      if (!(await isActive())) {
        await item.click();
        await page.mouse.move(700, 450); // no hover tooltip over the activity bar in screenshots
      }
      const deadline = Date.now() + 10_000;
      while (!(await isActive())) {
        if (Date.now() > deadline) throw new Error('the Kafka Lite container did not open');
        await page.waitForTimeout(100);
      }
    },

    treeRow(label) {
      return page.locator('.monaco-list-row', { hasText: label }).first();
    },

    async findWebviewFrame(selector, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        for (const frame of page.frames()) {
          if (frame === page.mainFrame()) continue;
          try {
            if (await frame.$(selector)) return frame;
          } catch {
            /* frame detached or navigating */
          }
        }
        if (Date.now() > deadline) {
          throw new Error(
            `no webview frame holds "${selector}" after ${timeoutMs} ms (${page.frames().length} frames)`,
          );
        }
        await page.waitForTimeout(200);
      }
    },

    async setTheme(kind) {
      const want = kind === 'light' ? /(^|\s)vs(\s|$)/ : /(^|\s)vs-dark(\s|$)/;
      const workbenchClass = async () => (await page.locator('.monaco-workbench').first().getAttribute('class')) ?? '';
      if (want.test(await workbenchClass())) return;
      await session.runCommand('Preferences: Color Theme');
      const input = await session.quickInput(/color theme/i);
      await input.fill(THEMES[kind]);
      await page.locator('.quick-input-widget .monaco-list-row', { hasText: THEMES[kind] }).first().waitFor();
      await input.press('Enter');
      const deadline = Date.now() + 15_000;
      for (;;) {
        const cls = await workbenchClass();
        if (want.test(cls)) return;
        if (Date.now() > deadline) throw new Error(`theme did not switch to ${kind} (workbench class: ${cls})`);
        await page.waitForTimeout(150);
      }
    },

    async updateSettings(more) {
      settings = { ...settings, ...more };
      writeUserSettings(server.userDataDir, settings);
    },

    async statusBarText(pattern, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        // a window reload destroys the page's context under a read: read again on the new page
        const texts = await page
          .locator('.statusbar .statusbar-item')
          .allInnerTexts()
          .catch((e: Error) => {
            if (/context was destroyed|navigat/i.test(e.message)) return [] as string[];
            throw e;
          });
        const hit = texts.find((t) => pattern.test(t));
        if (hit !== undefined) return hit;
        if (Date.now() > deadline)
          throw new Error(`no status bar item matches ${pattern}; items: ${JSON.stringify(texts)}`);
        await page.waitForTimeout(200);
      }
    },

    consoleLog: () => [...consoleLines],
    serverLog: () => server.log(),

    async recordFailure(test) {
      if (!test || test.state !== 'failed' || closed) return;
      try {
        const file = await session.screenshot(`FAILED-${test.title}`);
        const state = await page.evaluate(() => {
          const a = document.activeElement;
          const q = document.querySelector('.quick-input-widget') as HTMLElement | null;
          return {
            focus: a ? `${a.tagName.toLowerCase()}.${String(a.className).replace(/\s+/g, '.')}` : 'none',
            quickInput: q
              ? {
                  shown: q.style.display !== 'none',
                  placeholder: q.querySelector('input')?.getAttribute('placeholder'),
                }
              : null,
            editors: [...document.querySelectorAll('.tabs-container .tab')].map((t) => t.getAttribute('aria-label')),
          };
        });
        console.log(`    [e2e] "${test.title}" failed; screenshot ${file}; state ${JSON.stringify(state)}`);
        console.log(
          `    [e2e] last console lines:\n${consoleLines
            .slice(-15)
            .map((l) => `      ${l}`)
            .join('\n')}`,
        );
      } catch (e) {
        console.log(`    [e2e] could not record the failure: ${(e as Error).message}`);
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      await browser.close().catch(() => undefined);
      await server.stop();
    },
  };
  return session;
}
