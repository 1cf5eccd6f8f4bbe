/**
 * The retention and cleaner timers when a pass goes wrong (src/broker/storage/retention-scheduler.ts, through
 * the log manager on a FakeClock): a cleaner pass that cannot open an unopened partition is logged and the
 * cleaner keeps running (nothing is thrown out of the timer), and a manager crashed by a listener of the
 * retention's own recordsDeleted event is left with no timer armed.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { Harness, Manager } from './helpers';
import { append, batch, batchOf, harness } from './helpers';

const RETENTION_CHECK_MS = 10_000;
const CLEANER_MS = 5_000;

describe('storage: retention and cleaner timers after a failing or crashing pass', () => {
  let h: Harness;
  let m: Manager | undefined;
  beforeEach(() => {
    h = harness();
  });
  afterEach(async () => {
    await m?.close();
    fs.rmSync(h.dir, { recursive: true, force: true });
  });

  it('a cleaner pass that cannot open an unopened partition is logged, and the next pass cleans it once it can', async () => {
    const open = () => h.open({ retentionCheckIntervalMs: 3_600_000, cleanerIntervalMs: CLEANER_MS });
    m = await open();
    await m.createTopic('c', 1, { 'cleanup.policy': 'compact', 'segment.bytes': '300' });
    for (let i = 0; i < 6; i++)
      append(
        m,
        'c',
        0,
        batch([
          { key: Buffer.from(`k${i % 2}`), value: Buffer.from(`v${i}`.padEnd(80, '.')), headers: [], timestamp: 1_000 },
        ]),
      );
    await m.close();
    m = await open(); // clean restart: c-0 is left unopened until the cleaner opens it
    const dir = path.join(h.dir, 'topics', 'c-0');
    fs.renameSync(dir, `${dir}.moved`);
    fs.writeFileSync(dir, 'not a directory');
    h.clock.advance(CLEANER_MS);
    await m.cleanerIdle();
    h.clock.advance(CLEANER_MS);
    await m.cleanerIdle();
    const errors = h.logs.filter((l) => l.startsWith('error: '));
    assert.strictEqual(errors.length, 2, h.logs.join('\n'));
    for (const e of errors) assert.match(e, /^error: log cleaner: could not open partition c-0: /);
    fs.rmSync(dir);
    fs.renameSync(`${dir}.moved`, dir);
    h.clock.advance(CLEANER_MS);
    await m.cleanerIdle();
    assert.strictEqual(h.events.filter((e) => e.name === 'logCompacted').length, 1, 'the next pass cleaned c-0');
  });

  it('a manager crashed by a recordsDeleted listener during a retention pass keeps no timer armed', async () => {
    let crashOnDelete = false;
    m = await h.open({
      retentionCheckIntervalMs: RETENTION_CHECK_MS,
      cleanerIntervalMs: CLEANER_MS,
      onEvent: (name) => {
        if (name === 'recordsDeleted' && crashOnDelete) m!.crash();
      },
    });
    await m.createTopic('t', 1, { 'segment.bytes': '500', 'retention.ms': '60000' });
    for (let i = 0; i < 10; i++) append(m, 't', 0, batchOf(2, `r${i}`, h.clock.now() - 120_000, 100));
    await m.flush();
    crashOnDelete = true;
    h.clock.advance(RETENTION_CHECK_MS);
    assert.strictEqual(h.clock.pendingTimers(), 0, 'no timer is left armed after the crash');
    m = undefined; // crashed: nothing to close
  });
});
