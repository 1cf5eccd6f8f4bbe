// InitProducerId (key 22) refusals, over a stand-in engine: which failures are storage failures (a system error
// with a syscall and an E-code) and which are bugs; PRODUCER_FENCED downgraded only for v0-3; the warning lines
// that say why (the response has no message field), and none for a CONCURRENT_TRANSACTIONS a client retries.
import * as assert from 'assert';
import type { Broker } from '../../../../src/broker/broker';
import { ErrorCode, KafkaError } from '../../../../src/broker/errors';
import { initProducerId } from '../../../../src/protocol/apis/22-init-producer-id';
import { ctxOf } from './mutants-helpers';

describe('InitProducerId refusals and their log lines (stand-in engine)', () => {
  const failing = (e: unknown): Partial<Broker> => ({
    initProducerId: () => Promise.reject(e),
  });
  const init = async (broker: Partial<Broker>, version: number, producerId = -1, producerEpoch = -1) => {
    const ctx = ctxOf(broker, version);
    const resp = await initProducerId.handle(ctx, {
      transactionalId: 'tx',
      transactionTimeoutMs: 60000,
      producerId,
      producerEpoch,
    });
    assert.ok(resp, 'an answer');
    return { resp, logs: ctx.logs };
  };

  it('a system error (syscall and E-code) is KAFKA_STORAGE_ERROR with -1 id and epoch, logged as an error', async () => {
    const e = Object.assign(new Error('ENOSPC: no space left on device, write'), { syscall: 'write', code: 'ENOSPC' });
    const { resp, logs } = await init(failing(e), 5);
    assert.deepStrictEqual(resp, {
      throttleTimeMs: 0,
      errorCode: ErrorCode.KAFKA_STORAGE_ERROR,
      producerId: -1,
      producerEpoch: -1,
    });
    assert.strictEqual(logs.length, 1);
    assert.match(logs[0], /^error client mutants-test: InitProducerId failed \(56\): .*ENOSPC/);
  });

  it('an error with an E-code but no syscall (a Node argument error) is a bug: -1, logged with what failed', async () => {
    const e = Object.assign(new TypeError('bad argument'), { code: 'ERR_INVALID_ARG_TYPE' });
    const { resp, logs } = await init(failing(e), 5);
    assert.deepStrictEqual(resp, { throttleTimeMs: 0, errorCode: -1, producerId: -1, producerEpoch: -1 });
    assert.match(logs[0], /^error InitProducerId: unexpected failure: TypeError: bad argument/);
    assert.match(logs[1], /^warn client mutants-test: InitProducerId refused \(-1\): bad argument$/);
  });

  it('PRODUCER_FENCED is sent as is from v4, and as INVALID_PRODUCER_EPOCH to v3', async () => {
    const fenced = failing(new KafkaError(ErrorCode.PRODUCER_FENCED, 'epoch 0 is fenced by epoch 2'));
    assert.strictEqual((await init(fenced, 4, 7, 0)).resp.errorCode, ErrorCode.PRODUCER_FENCED);
    assert.strictEqual((await init(fenced, 3, 7, 0)).resp.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
  });

  it('v3 keeps every other refusal code, with a warning naming it', async () => {
    const { resp, logs } = await init(
      failing(new KafkaError(ErrorCode.INVALID_TRANSACTION_TIMEOUT, 'too long a timeout')),
      3,
    );
    assert.deepStrictEqual(resp, {
      throttleTimeMs: 0,
      errorCode: ErrorCode.INVALID_TRANSACTION_TIMEOUT,
      producerId: -1,
      producerEpoch: -1,
    });
    assert.deepStrictEqual(logs, ['warn client mutants-test: InitProducerId refused (50): too long a timeout']);
  });

  it('CONCURRENT_TRANSACTIONS answers -1 id and epoch without a warning (the client retries it at once)', async () => {
    const { resp, logs } = await init(
      failing(new KafkaError(ErrorCode.CONCURRENT_TRANSACTIONS, 'a transaction is completing')),
      5,
    );
    assert.deepStrictEqual(resp, {
      throttleTimeMs: 0,
      errorCode: ErrorCode.CONCURRENT_TRANSACTIONS,
      producerId: -1,
      producerEpoch: -1,
    });
    assert.deepStrictEqual(logs, []);
  });

  it('an id without an epoch is refused with a warning naming both', async () => {
    const { resp, logs } = await init({}, 5, 7, -1);
    assert.strictEqual(resp.errorCode, ErrorCode.INVALID_REQUEST);
    assert.deepStrictEqual(logs, [
      'warn client mutants-test: InitProducerId refused (42): a producer id and epoch are given together or not at all; got id 7, epoch -1',
    ]);
  });
});
