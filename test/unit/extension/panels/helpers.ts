/** Shared fixtures of the panel controller tests: a real Broker on a temp dir and a recorder of posted messages. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Broker } from '../../../../src/broker/broker';
import { FakeClock } from '../../../../src/broker/clock';
import type { Reply } from '../../../../src/shared/ipc';

export interface Fixture {
  broker: Broker;
  dir: string;
  clock: FakeClock;
  close(): Promise<void>;
}

export async function openBroker(): Promise<Fixture> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-panels-'));
  const clock = new FakeClock();
  const broker = await Broker.open({ dataDir: path.join(dir, 'data'), clock, flushIntervalMs: 5 });
  return {
    broker,
    dir,
    clock,
    async close() {
      await broker.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Records what a controller posts to its webview. */
export class Posted<S> {
  readonly messages: unknown[] = [];
  readonly post = (m: unknown): void => {
    this.messages.push(m);
  };

  snapshot(): S {
    for (let i = this.messages.length - 1; i >= 0; i--) {
      const m = this.messages[i] as { type: string; state?: S };
      if (m.type === 'snapshot' && m.state) return m.state;
    }
    throw new Error('no snapshot was posted');
  }

  reply(id: number): Reply {
    const r = this.messages.find((m) => (m as Reply).type === 'reply' && (m as Reply).id === id) as Reply | undefined;
    if (!r) throw new Error(`no reply to request ${id}`);
    return r;
  }
}

/** Move the fake clock in steps until `cond` holds (heartbeats, rejoins and session timeouts run on it). */
export async function until(
  clock: FakeClock,
  cond: () => boolean,
  what: string,
  stepMs = 250,
  maxSteps = 400,
): Promise<void> {
  for (let i = 0; i < maxSteps; i++) {
    if (cond()) return;
    clock.advance(stepMs);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 1));
  }
  if (!cond()) throw new Error(`timed out waiting for: ${what}`);
}
