/**
 * The record browser's operation driver (browser-reader.ts): an operation that meets only plain values (this
 * window's broker) finishes within the call, one that meets a promise (a remote cluster) goes on asynchronously,
 * a rejected read is thrown at the operation where it waited (its try/catch sees it), and an operation whose
 * panel moved elsewhere is abandoned at its next wait, its finally blocks run.
 */
import * as assert from 'assert';
import type { Op } from '../../../../src/extension/panels/browser-reader';
import { all, drive, wait } from '../../../../src/extension/panels/browser-reader';

describe('record browser: the operation driver', () => {
  function* sum(values: (number | Promise<number>)[]): Op<number> {
    let total = 0;
    for (const v of values) total += yield* wait(v);
    return total;
  }

  it('plain values: the result is there when the call returns, not a promise', () => {
    const got = drive(sum([1, 2, 3]));
    assert.strictEqual(got, 6);
  });

  it('a promise: the rest runs once it resolves, in order', async () => {
    const got = drive(sum([1, Promise.resolve(2), 3, Promise.resolve(4)]));
    assert.ok(got instanceof Promise);
    assert.strictEqual(await got, 10);
  });

  it("a rejected read reaches the operation's own try/catch, and an uncaught one rejects the result", async () => {
    function* guarded(): Op<string> {
      try {
        yield* wait(Promise.reject(new Error('LEADER_NOT_AVAILABLE')));
        return 'read';
      } catch (e) {
        return `caught ${(e as Error).message}`;
      }
    }
    assert.strictEqual(await drive(guarded()), 'caught LEADER_NOT_AVAILABLE');
    await assert.rejects(Promise.resolve(drive(sum([Promise.reject(new Error('gone'))]))), /gone/);
    function* syncThrow(): Op<number> {
      yield* wait(1);
      throw new Error('no topic');
    }
    assert.throws(() => drive(syncThrow()), /no topic/);
  });

  it('a stale operation stops at its next wait and runs its finally blocks', async () => {
    let stale = false;
    const steps: string[] = [];
    function* op(): Op<void> {
      try {
        steps.push('first');
        yield* wait(Promise.resolve(1));
        steps.push('second');
        stale = true;
        yield* wait(Promise.resolve(2));
        steps.push('third');
      } finally {
        steps.push('finally');
      }
    }
    assert.strictEqual(await drive(op(), () => stale), undefined);
    assert.deepStrictEqual(steps, ['first', 'second', 'finally']);
  });

  it('all(): plain values stay plain, one promise among them makes one promise of all', async () => {
    assert.deepStrictEqual(all([1, 2]), [1, 2]);
    const mixed = all([1, Promise.resolve(2)]);
    assert.ok(mixed instanceof Promise);
    assert.deepStrictEqual(await mixed, [1, 2]);
  });
});
