/**
 * Child processes the wire and reference bench sections share: a command whose stdout goes to a file (so no pipe
 * into the bench process competes for the CPU), and the kafkajs produce->consume latency client
 * (bench/kafkajs-latency-child), which runs in its own process as a client application would: in the bench
 * process it shared a heap with whatever earlier sections left behind, and its GC pauses read as broker latency.
 */
import { fork, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** Run a command; its stdout goes to `stdoutFile` when given, else nowhere; stderr is collected. */
export function runProcess(
  cmd: string,
  args: string[],
  stdoutFile?: string,
): Promise<{ code: number | null; stderr: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const out = stdoutFile ? fs.openSync(stdoutFile, 'w') : 'ignore';
    const c = spawn(cmd, args, { stdio: ['ignore', out, 'pipe'] });
    if (typeof out === 'number') fs.closeSync(out);
    let stderr = '';
    c.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    c.on('error', reject);
    c.on('close', (code) => resolve({ code, stderr, ms: performance.now() - t0 }));
  });
}

/** kafkajs produce->consume latency at ~1,000 records/s against `bootstrap`, measured in a child process. */
export function kafkajsLatency(bootstrap: string): Promise<{ p50: number; p99: number; n: number }> {
  return new Promise((resolve, reject) => {
    const c = fork(path.join(__dirname, 'kafkajs-latency-child.js'), [bootstrap], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    c.once('message', (m) => resolve(m as { p50: number; p99: number; n: number }));
    c.once('error', reject);
    c.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`kafkajs latency child exited with ${code}`))));
  });
}
