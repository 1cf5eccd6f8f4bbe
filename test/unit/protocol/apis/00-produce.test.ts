// Produce (key 0) with acks=all: the answer is the durability promise, so it must not exist before
// broker.flush() has resolved. The flush here is held by the test: releasing it is the only thing that can let
// the handler answer. The release flag is read at the moment the answer appears, so an early answer fails however
// late it comes; the release itself waits on a timer longer than the request's own timeout, so even an answer
// that waits "at most timeoutMs" for the flush comes before it (Node fires the earlier timer first) and fails.
import * as assert from 'assert';
import type { RequestContext } from '../../../../src/protocol/apis/api';
import { produce } from '../../../../src/protocol/apis/00-produce';
import { FakeBroker } from '../helpers';

/** A broker whose flush() stays pending until the test calls release(). */
class HeldFlushBroker extends FakeBroker {
  released = false;
  private releaseFns: (() => void)[] = [];
  private onFlush: (() => void)[] = [];

  override flush(): Promise<void> {
    this.flushes++;
    for (const f of this.onFlush.splice(0)) f();
    return new Promise<void>((resolve) => this.releaseFns.push(resolve));
  }
  /** Resolves when flush() has been called (at once when it already was). */
  flushCalled(): Promise<void> {
    return this.flushes > 0 ? Promise.resolve() : new Promise((r) => this.onFlush.push(r));
  }
  release(): void {
    this.released = true;
    for (const f of this.releaseFns.splice(0)) f();
  }
}

function ctxFor(broker: FakeBroker): RequestContext {
  return {
    broker: broker.asBroker(),
    cluster: { nodeId: 1, host: '127.0.0.1', port: 9092, clusterId: 'test' },
    apiVersion: 7,
    clientId: 'acks-all-test',
    clientHost: '127.0.0.1',
    connectionId: 1,
    log: () => undefined,
    onClose: () => () => undefined,
  };
}

/** A record set the handler accepts as record batch v2 (magic byte 2 at offset 16). */
function recordSet(): Buffer {
  const b = Buffer.alloc(70, 3);
  b[16] = 2;
  return b;
}

/** The request's own timeout: shorter than the hold below. */
const TIMEOUT_MS = 1;
/** How long the test holds the flush after the handler reached it (a timer set after any of the handler's). */
const HOLD_MS = 25;

const request = (acks: number) => ({
  transactionalId: null,
  acks,
  timeoutMs: TIMEOUT_MS,
  topicData: [{ name: 't', partitionData: [{ index: 0, records: recordSet() }] }],
});

/** Every pending microtask and the current turn's I/O callbacks have run once this resolves. */
const drained = () => new Promise<void>((r) => setImmediate(r));

describe('Produce API (acks)', () => {
  it('acks=all is not answered while the flush is pending, and is answered once the flush resolves', async () => {
    const broker = new HeldFlushBroker();
    let answered = false;
    let releasedWhenAnswered: boolean | undefined;
    const handling = Promise.resolve(produce.handle(ctxFor(broker), request(-1))).then((resp) => {
      answered = true;
      releasedWhenAnswered = broker.released;
      return resp;
    });
    // Either the handler reaches the flush or it answers without one: both end this wait.
    await Promise.race([broker.flushCalled(), handling]);
    assert.strictEqual(broker.flushes, 1, 'acks=all asks the broker for a flush');
    assert.strictEqual(broker.appends.length, 1, 'the records were appended before the flush');
    await drained();
    assert.strictEqual(answered, false, 'no answer may exist while the flush is still pending');

    await new Promise<void>((r) => setTimeout(r, HOLD_MS));
    assert.strictEqual(answered, false, 'still no answer past the request timeout while the flush is pending');
    broker.release();
    const resp = await handling;
    assert.strictEqual(releasedWhenAnswered, true, 'the answer appeared only after the flush was released');
    assert.ok(resp, 'acks=all gets a response');
    const [part] = resp.responses[0].partitionResponses;
    assert.deepStrictEqual([part.index, part.errorCode, part.baseOffset], [0, 0, 0]);
  });

  it('acks=1 is answered after the append without waiting for a flush', async () => {
    const broker = new HeldFlushBroker();
    const resp = await produce.handle(ctxFor(broker), request(1));
    assert.ok(resp);
    assert.strictEqual(broker.flushes, 0);
    assert.strictEqual(resp.responses[0].partitionResponses[0].errorCode, 0);
  });
});
