// The compat harness's waitFor (test/compat/harness.ts): a failed assertion inside the probe is reported at
// once as the test failure it is; other errors mean "not yet" and only the timeout reports them.
import * as assert from 'assert';
import { waitFor } from './harness';

describe('compat harness: waitFor', () => {
  it('rethrows an assertion failure from the probe at once, not after the timeout', async () => {
    const started = Date.now();
    let calls = 0;
    await assert.rejects(
      waitFor(
        'an impossible state',
        () => {
          calls++;
          assert.strictEqual(1 + 1, 3, 'arithmetic changed');
          return true;
        },
        20_000,
      ),
      (e: Error) =>
        e instanceof assert.AssertionError &&
        /while waiting for an impossible state: arithmetic changed/.test(e.message),
    );
    assert.strictEqual(calls, 1, 'the failing probe is not retried');
    assert.ok(Date.now() - started < 2_000, `failed after ${Date.now() - started} ms instead of at once`);
  });

  it('keeps polling through other errors until the probe succeeds', async () => {
    let calls = 0;
    const v = await waitFor('the third try', () => {
      calls++;
      if (calls < 3) throw new Error('not there yet');
      return 'ready';
    });
    assert.strictEqual(v, 'ready');
    assert.strictEqual(calls, 3);
  });

  it('names the last non-assertion error when it times out', async () => {
    await assert.rejects(
      waitFor(
        'a topic',
        () => {
          throw new Error('there is no topic "x"');
        },
        120,
      ),
      /timed out waiting for a topic: there is no topic "x"/,
    );
  });
});
