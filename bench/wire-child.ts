/**
 * Child process of bench/wire.ts: a Broker + wire server on an ephemeral port, so the event-loop delay measured
 * is the broker's alone. Protocol over IPC: sends {port}; on {cmd:'loop-start'} starts perf_hooks'
 * monitorEventLoopDelay, on {cmd:'loop-stop'} replies {loopP99Ms, loopMaxMs}; on {cmd:'exit'} closes cleanly.
 */
import type { IntervalHistogram } from 'perf_hooks';
import { monitorEventLoopDelay } from 'perf_hooks';
import { Broker } from '../src/broker/broker';
import { startKafkaServer } from '../src/protocol/server';

async function main(): Promise<void> {
  const dataDir = process.argv[2];
  const flushIntervalMs = process.env.KAFKA_LITE_FLUSH_MS ? Number(process.env.KAFKA_LITE_FLUSH_MS) : undefined;
  const broker = await Broker.open({ dataDir, initialRebalanceDelayMs: 0, flushIntervalMs });
  const server = await startKafkaServer({ broker, port: 0 });
  let h: IntervalHistogram | null = null;
  process.on('message', (m: { cmd: string }) => void onMessage(m));
  async function onMessage(m: { cmd: string }): Promise<void> {
    if (m.cmd === 'loop-start') {
      h = monitorEventLoopDelay({ resolution: 5 });
      h.enable();
      process.send!({ ok: true });
    } else if (m.cmd === 'loop-stop' && h) {
      h.disable();
      process.send!({ loopP99Ms: h.percentile(99) / 1e6, loopMaxMs: h.max / 1e6 });
    } else if (m.cmd === 'exit') {
      await server.close();
      await broker.close();
      process.exit(0);
    }
  }
  process.send!({ port: server.port });
}

void main();
