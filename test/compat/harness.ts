/**
 * Compat-tier harness: a real Broker on a temp directory plus the wire server on an ephemeral port, and a
 * polling helper (real clients run on real time; we wait for observable states, never for fixed sleeps alone;
 * a failed assertion inside the wait fails at once instead of at the timeout).
 */
import { AssertionError } from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { BrokerOptions } from '../../src/broker/broker';
import { Broker } from '../../src/broker/broker';
import type { KafkaServer, KafkaServerOptions } from '../../src/protocol/server';
import { startKafkaServer } from '../../src/protocol/server';

export interface Running {
  dir: string;
  broker: Broker;
  server: KafkaServer;
  logs: string[];
  bootstrap: string;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

export async function startBroker(
  brokerOpts: Partial<BrokerOptions> = {},
  serverOpts: Partial<KafkaServerOptions> = {},
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-compat-')),
): Promise<Running> {
  const logs: string[] = [];
  const logger = (level: string, msg: string) => logs.push(`${level} ${msg}`);
  const open = async () => {
    const broker = await Broker.open({ dataDir: dir, initialRebalanceDelayMs: 0, ...brokerOpts, logger });
    const server = await startKafkaServer({ broker, port: 0, logger, ...serverOpts });
    return { broker, server };
  };
  const first = await open();
  const running: Running = {
    dir,
    broker: first.broker,
    server: first.server,
    logs,
    bootstrap: `127.0.0.1:${first.server.port}`,
    async stop() {
      await running.server.close();
      await running.broker.close();
    },
    async restart() {
      await running.stop();
      const next = await open();
      running.broker = next.broker;
      running.server = next.server;
      running.bootstrap = `127.0.0.1:${next.server.port}`;
    },
  };
  return running;
}

/**
 * Poll `probe` every 50 ms until it returns a truthy value, and return that value; time out after timeoutMs.
 * Return a falsy value for "not yet". An AssertionError (node's assert) thrown by the probe fails the wait at
 * once with that very error: an assertion states what must already be true, so waiting cannot fix it and would
 * only hide the real failure behind a timeout. Any other error (e.g. "there is no topic" while a client is still
 * creating it) counts as "not yet", and the last one is named in the timeout message.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 20000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      if (e instanceof AssertionError) {
        e.message = `while waiting for ${what}: ${e.message}`;
        throw e;
      }
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** A file under the repository's test/ folder, found from the working directory or above the compiled test. */
export function testFile(rel: string): string {
  const candidates = [path.resolve(process.cwd(), rel)];
  for (let d = __dirname; d !== path.dirname(d); d = path.dirname(d)) candidates.push(path.join(d, rel));
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) throw new Error(`${rel} not found (looked in ${candidates[0]} and above ${__dirname})`);
  return found;
}

/** Run a client program that prints one JSON object on stdout; a non-zero exit, a timeout or no JSON rejects with its stderr. */
export function runJsonProgram(
  cmd: string,
  args: string[],
  label: string,
  timeoutMs = 60000,
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${label} timed out after ${timeoutMs} ms; stderr:\n${err}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`${label} exited ${code}; stderr:\n${err}`));
      try {
        resolve(JSON.parse(out) as Record<string, unknown>);
      } catch {
        reject(new Error(`${label} printed no JSON; stdout:\n${out}\nstderr:\n${err}`));
      }
    });
  });
}

export const KCAT = '/usr/bin/kcat';

/** Run Debian's kcat; resolves with its output and exit code (never rejects on a non-zero exit). */
export function kcat(
  args: string[],
  opts: { input?: string; timeoutMs?: number } = {},
): Promise<{ stdout: Buffer; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(KCAT, args, { stdio: [opts.input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kcat ${args.join(' ')} timed out; stderr: ${err}`));
    }, opts.timeoutMs ?? 60000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout: Buffer.concat(out), stderr: err, code });
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
  });
}
