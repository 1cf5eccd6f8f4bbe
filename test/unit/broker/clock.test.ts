// The injected clocks: FakeClock fires due timers in due order (ties in the order they were set), includes
// timers set while firing, never fires a cleared one and ends at the target time; systemClock's timers can be
// cancelled.
import * as assert from 'assert';
import { FakeClock, systemClock } from '../../../src/broker/clock';

describe('clock', () => {
  it('FakeClock fires timers in due order, ties in the order they were set, each seeing its own due time', () => {
    const clock = new FakeClock(1000);
    const fired: string[] = [];
    const at = (name: string) => () => fired.push(`${name}@${clock.now()}`);
    clock.setTimeout(at('late'), 30);
    clock.setTimeout(at('tie-1'), 10);
    clock.setTimeout(at('early'), 5);
    clock.setTimeout(at('tie-2'), 10);
    clock.setTimeout(at('tie-3'), 10);
    clock.setTimeout(at('beyond'), 51);
    clock.advance(50);
    assert.deepStrictEqual(fired, ['early@1005', 'tie-1@1010', 'tie-2@1010', 'tie-3@1010', 'late@1030']);
    assert.strictEqual(clock.now(), 1050);
    assert.strictEqual(clock.pendingTimers(), 1);
  });

  it('FakeClock fires a timer set while firing when it falls due in the same advance, and not one past it', () => {
    const clock = new FakeClock(0);
    const fired: number[] = [];
    clock.setTimeout(() => {
      fired.push(clock.now());
      clock.setTimeout(() => fired.push(clock.now()), 5);
      clock.setTimeout(() => fired.push(-1), 100);
    }, 10);
    clock.advance(20);
    assert.deepStrictEqual(fired, [10, 15]);
    assert.strictEqual(clock.pendingTimers(), 1);
  });

  it('FakeClock never fires a cleared timer; a negative delay is due now; clearing undefined is harmless', () => {
    const clock = new FakeClock(0);
    const fired: string[] = [];
    const a = clock.setTimeout(() => fired.push('a'), 10);
    clock.setTimeout(() => fired.push('b'), 10);
    clock.setTimeout(() => fired.push(`neg@${clock.now()}`), -50);
    clock.clearTimeout(a);
    clock.clearTimeout(undefined);
    clock.advance(0);
    assert.deepStrictEqual(fired, ['neg@0']);
    clock.advance(10);
    assert.deepStrictEqual(fired, ['neg@0', 'b']);
    assert.strictEqual(clock.pendingTimers(), 0);
  });

  it('systemClock runs a timer after its delay and never runs a cancelled one', async () => {
    const clock = systemClock;
    const fired: string[] = [];
    const cancelled = clock.setTimeout(() => fired.push('cancelled'), 5);
    clock.setTimeout(() => fired.push('kept'), 5);
    clock.clearTimeout(cancelled);
    clock.clearTimeout(undefined);
    await new Promise((r) => setTimeout(r, 40));
    assert.deepStrictEqual(fired, ['kept']);
    const before = Date.now();
    assert.ok(Math.abs(clock.now() - before) < 1000);
  });
});
