/**
 * Child process of the "many partitions" tests in file-cache.test.ts (run under a lowered `ulimit -n`, so it is
 * a script, not a test): `node many-partitions-child.js <dataDir> <phase> <topics> <partitionsPerTopic>`.
 *
 *   create   open a broker, create the topics, produce 3 records to every 7th partition, close
 *   reopen   open it again, check every partition's log end offset and the records written by `create`, then
 *            append one record to every partition (round-robin, more partitions than open files), close
 *   verify   open it again and check the records of both phases
 *
 * Prints one JSON line {"ok":true,"openFds":n,...} on success; on any error it prints {"ok":false,"error":...}
 * and exits 1. Options of the storage engine may be passed as JSON in the env var KAFKA_LITE_STORAGE_OPTS.
 */
import * as fs from 'fs';
import { Broker } from '../../../../src/broker/broker';

function openFds(): number {
  try {
    return fs.readdirSync('/proc/self/fd').length;
  } catch {
    return -1;
  }
}

async function main(): Promise<void> {
  const [dataDir, phase, topicsArg, perTopicArg] = process.argv.slice(2);
  const topics = Number(topicsArg);
  const perTopic = Number(perTopicArg);
  const extra = JSON.parse(process.env.KAFKA_LITE_STORAGE_OPTS ?? '{}') as { maxOpenFiles?: number };
  const t0 = Date.now();
  const broker = await Broker.open({ dataDir, logger: () => undefined, ...extra });
  const openMs = Date.now() - t0;
  let peakFds = openFds();
  const name = (t: number) => `topic-${t}`;
  const firstPhase = (t: number, p: number) => (t * perTopic + p) % 7 === 0;
  const expect = (cond: boolean, what: string) => {
    if (!cond) throw new Error(what);
  };
  if (phase === 'create') {
    for (let t = 0; t < topics; t++) await broker.createTopic(name(t), perTopic);
    peakFds = Math.max(peakFds, openFds());
    for (let t = 0; t < topics; t++)
      for (let p = 0; p < perTopic; p++)
        if (firstPhase(t, p))
          for (let i = 0; i < 3; i++)
            await broker.produce(name(t), [{ value: `${name(t)}/${p}/${i}` }], { partition: p });
  } else {
    for (let t = 0; t < topics; t++) {
      for (let p = 0; p < perTopic; p++) {
        const info = broker.partitionInfo(name(t), p);
        const first = firstPhase(t, p) ? 3 : 0;
        const end = first + (phase === 'verify' ? 1 : 0);
        expect(info.logStartOffset === 0, `${name(t)}-${p}: log start ${info.logStartOffset}, expected 0`);
        expect(info.logEndOffset === end, `${name(t)}-${p}: log end ${info.logEndOffset}, expected ${end}`);
      }
    }
    for (let t = 0; t < topics; t++) {
      for (let p = 0; p < perTopic; p++) {
        const values = broker.readRecords(name(t), p, 0, 10).map((r) => r.value?.toString());
        const want: string[] = [];
        if (firstPhase(t, p)) for (let i = 0; i < 3; i++) want.push(`${name(t)}/${p}/${i}`);
        if (phase === 'verify') want.push(`second ${name(t)}/${p}`);
        expect(JSON.stringify(values) === JSON.stringify(want), `${name(t)}-${p}: read ${JSON.stringify(values)}`);
      }
      peakFds = Math.max(peakFds, openFds());
    }
    if (phase === 'reopen') {
      for (let t = 0; t < topics; t++)
        for (let p = 0; p < perTopic; p++)
          await broker.produce(name(t), [{ value: `second ${name(t)}/${p}` }], { partition: p });
      peakFds = Math.max(peakFds, openFds());
      await broker.flush();
    }
  }
  peakFds = Math.max(peakFds, openFds());
  await broker.close();
  console.log(JSON.stringify({ ok: true, openMs, peakFds, fdsAfterClose: openFds() }));
}

main().catch((e: Error) => {
  console.log(JSON.stringify({ ok: false, error: `${e.message}\n${e.stack ?? ''}` }));
  process.exit(1);
});
