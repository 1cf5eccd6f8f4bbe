/**
 * Self-measurement of the extension for benchmarks and tests: activation time (activate() until the broker
 * accepts connections) and the extension host's event-loop delay (perf_hooks.monitorEventLoopDelay).
 * When the (undocumented) setting `kafkaLite.internal.diagnosticsFile` names a file, a snapshot is written there
 * every second with the loop histogram of that second, so a benchmark driving a real VS Code from outside can
 * read the figures. Nothing is written otherwise.
 */
import * as fs from 'fs';
import type { IntervalHistogram } from 'perf_hooks';
import { monitorEventLoopDelay } from 'perf_hooks';
import * as vscode from 'vscode';
import type { BrokerHost } from './broker-host';

export interface LoopStats {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Seconds covered by the histogram. */
  windowS: number;
}

export interface DiagnosticsSnapshot {
  writtenAt: number;
  state: string;
  bootstrap?: string;
  /** activate() start until the server listened, ms; undefined until it has. */
  activationMs?: number;
  /** ms after activate() began at which each start-up step finished (first start only). */
  activationSteps: Record<string, number>;
  loop: LoopStats;
}

export class Diagnostics implements vscode.Disposable {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 5 });
  private windowStart = performance.now();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly host: BrokerHost) {
    this.histogram.enable();
    const file = vscode.workspace.getConfiguration('kafkaLite').get<string>('internal.diagnosticsFile');
    if (file) {
      this.timer = setInterval(() => this.writeTo(file), 1000);
      this.timer.unref();
    }
  }

  snapshot(resetLoop = false): DiagnosticsSnapshot {
    const h = this.histogram;
    const ms = (ns: number) => Math.round((ns / 1e6) * 100) / 100;
    const t = this.host.timings;
    const snap: DiagnosticsSnapshot = {
      writtenAt: Date.now(),
      state: this.host.state,
      bootstrap: this.host.bootstrap,
      activationMs: t.listening !== undefined ? Math.round((t.listening - t.activateStart) * 10) / 10 : undefined,
      activationSteps: Object.fromEntries(
        Object.entries(t.marks).map(([k, v]) => [k, Math.round((v - t.activateStart) * 10) / 10]),
      ),
      loop: {
        p50Ms: h.count > 0 ? ms(h.percentile(50)) : 0,
        p99Ms: h.count > 0 ? ms(h.percentile(99)) : 0,
        maxMs: h.count > 0 ? ms(h.max) : 0,
        windowS: Math.round((performance.now() - this.windowStart) / 100) / 10,
      },
    };
    if (resetLoop) {
      h.reset();
      this.windowStart = performance.now();
    }
    return snap;
  }

  private writeTo(file: string): void {
    try {
      const snap = this.snapshot(true);
      fs.appendFileSync(file, JSON.stringify(snap) + '\n');
    } catch {
      // diagnostics are best effort
    }
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.histogram.disable();
  }
}
