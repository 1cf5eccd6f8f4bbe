/**
 * Helpers of the topic metadata tests (topic-catalog.test.ts, topic-store-lines.test.ts): fresh data dirs removed
 * after each test, reading and writing `meta/topics.db` by hand, KafkaError matchers, and reading back values.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ErrorCode, KafkaError } from '../../../../src/broker/errors';
import { decodeRecordBatches } from '../../../../src/broker/storage/record-batch';
import type { Harness, Manager } from './helpers';
import { harness } from './helpers';

/** A harness per call; every one made is removed by `cleanup()` (call it in afterEach). */
export function harnesses(): { fresh(): Harness; cleanup(): void } {
  const dirs: string[] = [];
  return {
    fresh() {
      const h = harness();
      dirs.push(h.dir);
      return h;
    },
    cleanup() {
      for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
    },
  };
}

export function isKafkaError(code: ErrorCode, re?: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    if (!(e instanceof KafkaError)) throw new Error(`not a KafkaError: ${String(e)}`);
    if (e.code !== code) throw new Error(`error code ${e.code} (${e.message}), expected ${code}`);
    if (re && !re.test(e.message)) throw new Error(`message ${JSON.stringify(e.message)} does not match ${re}`);
    return true;
  };
}

export { ErrorCode };

export const dbFile = (h: Harness): string => path.join(h.dir, 'meta', 'topics.db');

/** The lines of topics.db as written (no trailing empty line). */
export function dbLines(h: Harness): string[] {
  return fs.readFileSync(dbFile(h), 'utf8').split('\n').filter(Boolean);
}

/** Replace topics.db with these lines (each ended by a newline). */
export function writeDb(h: Harness, lines: string[]): void {
  fs.mkdirSync(path.dirname(dbFile(h)), { recursive: true });
  fs.writeFileSync(dbFile(h), lines.map((l) => `${l}\n`).join(''));
}

/** A topics.db line as the store writes it. */
export function topicLine(
  name: string,
  fields: { topicId?: string; partitions?: unknown; configs?: unknown; createdAt?: number } = {},
): string {
  return JSON.stringify({
    _id: name,
    name,
    topicId: fields.topicId,
    partitions: fields.partitions ?? 1,
    configs: fields.configs ?? [],
    createdAt: fields.createdAt ?? 1700000000000,
  });
}

export function partitionDir(h: Harness, topic: string, partition: number): string {
  return path.join(h.dir, 'topics', `${topic}-${partition}`);
}

export function values(m: Manager, topic: string, partition: number): string[] {
  return decodeRecordBatches(m.read(topic, partition, 0, 1 << 30).records).flatMap((b) =>
    b.records.map((r) => r.value!.toString()),
  );
}

/** The warnings logged so far. */
export const warnings = (h: Harness): string[] => h.logs.filter((l) => l.startsWith('warn: '));
