// The engine's error type (src/broker/errors.ts): a KafkaError carries Kafka's code, is named after it in logs and
// stack traces, and keeps the records that caused a refusal; an incomplete shutdown names every file it could not
// write; errorName turns a wire code into Kafka's name, or a readable placeholder for a code it does not know.
import * as assert from 'assert';
import { ErrorCode, errorName, KafkaError, ShutdownIncompleteError } from '../../../src/broker/errors';

describe('engine errors', () => {
  it('a KafkaError keeps its code and message and is named after the code', () => {
    const e = new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'there is no topic "t"');
    assert.ok(e instanceof Error);
    assert.strictEqual(e.code, 3);
    assert.strictEqual(e.message, 'there is no topic "t"');
    assert.strictEqual(e.name, 'UNKNOWN_TOPIC_OR_PARTITION');
    assert.match(String(e), /^UNKNOWN_TOPIC_OR_PARTITION: there is no topic "t"$/);
    assert.deepStrictEqual(e.recordErrors, [], 'no record is blamed unless named');
  });

  it('a KafkaError with a code Kafka Lite does not name is called KafkaError, and keeps its record errors', () => {
    const e = new KafkaError(9999 as ErrorCode, 'odd', [{ batchIndex: 2, message: 'bad key' }]);
    assert.strictEqual(e.name, 'KafkaError');
    assert.strictEqual(e.code, 9999);
    assert.deepStrictEqual(e.recordErrors, [{ batchIndex: 2, message: 'bad key' }]);
  });

  it('an incomplete shutdown names each file not written and whether the log is intact', () => {
    const e = new ShutdownIncompleteError(['the checkpoint (ENOSPC)', 'the clean-shutdown marker (ENOSPC)'], true);
    assert.strictEqual(e.name, 'ShutdownIncompleteError');
    assert.strictEqual(
      e.message,
      'shutdown could not write the checkpoint (ENOSPC); the clean-shutdown marker (ENOSPC)',
    );
    assert.deepStrictEqual([e.notWritten.length, e.logIntact], [2, true]);
  });

  it("errorName gives Kafka's name of a code, and ERROR_<code> for one it does not know", () => {
    assert.strictEqual(errorName(0), 'NONE');
    assert.strictEqual(errorName(-1), 'UNKNOWN_SERVER_ERROR');
    assert.strictEqual(errorName(ErrorCode.FENCED_INSTANCE_ID), 'FENCED_INSTANCE_ID');
    assert.strictEqual(errorName(1234), 'ERROR_1234');
  });

  it("the codes are Kafka's own numbers on the wire", () => {
    const sample: [ErrorCode, number][] = [
      [ErrorCode.OFFSET_OUT_OF_RANGE, 1],
      [ErrorCode.NOT_COORDINATOR, 16],
      [ErrorCode.ILLEGAL_GENERATION, 22],
      [ErrorCode.REBALANCE_IN_PROGRESS, 27],
      [ErrorCode.INVALID_REQUEST, 42],
      [ErrorCode.KAFKA_STORAGE_ERROR, 56],
      [ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, 76],
      [ErrorCode.MEMBER_ID_REQUIRED, 79],
      [ErrorCode.INVALID_RECORD, 87],
    ];
    for (const [code, wire] of sample) assert.strictEqual(code, wire, errorName(code));
  });
});
