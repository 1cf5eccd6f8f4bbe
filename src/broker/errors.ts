/**
 * Kafka error codes (the numbers are Kafka's own, as on the wire) and the one error type the engine throws.
 * Every failure the engine reports to a caller is a KafkaError whose `code` the protocol layer can send as is
 * and whose message names the problem in plain words.
 */
export enum ErrorCode {
  UNKNOWN_SERVER_ERROR = -1,
  NONE = 0,
  OFFSET_OUT_OF_RANGE = 1,
  CORRUPT_MESSAGE = 2,
  UNKNOWN_TOPIC_OR_PARTITION = 3,
  INVALID_FETCH_SIZE = 4,
  LEADER_NOT_AVAILABLE = 5,
  NOT_LEADER_OR_FOLLOWER = 6,
  REQUEST_TIMED_OUT = 7,
  MESSAGE_TOO_LARGE = 10,
  OFFSET_METADATA_TOO_LARGE = 12,
  COORDINATOR_LOAD_IN_PROGRESS = 14,
  COORDINATOR_NOT_AVAILABLE = 15,
  NOT_COORDINATOR = 16,
  INVALID_TOPIC_EXCEPTION = 17,
  RECORD_LIST_TOO_LARGE = 18,
  INVALID_REQUIRED_ACKS = 21,
  ILLEGAL_GENERATION = 22,
  INCONSISTENT_GROUP_PROTOCOL = 23,
  INVALID_GROUP_ID = 24,
  UNKNOWN_MEMBER_ID = 25,
  INVALID_SESSION_TIMEOUT = 26,
  REBALANCE_IN_PROGRESS = 27,
  INVALID_COMMIT_OFFSET_SIZE = 28,
  INVALID_TIMESTAMP = 32,
  UNSUPPORTED_VERSION = 35,
  TOPIC_ALREADY_EXISTS = 36,
  INVALID_PARTITIONS = 37,
  INVALID_REPLICATION_FACTOR = 38,
  INVALID_REPLICA_ASSIGNMENT = 39,
  INVALID_CONFIG = 40,
  NOT_CONTROLLER = 41,
  INVALID_REQUEST = 42,
  UNSUPPORTED_FOR_MESSAGE_FORMAT = 43,
  POLICY_VIOLATION = 44,
  OUT_OF_ORDER_SEQUENCE_NUMBER = 45,
  DUPLICATE_SEQUENCE_NUMBER = 46,
  INVALID_PRODUCER_EPOCH = 47,
  INVALID_TXN_STATE = 48,
  INVALID_PRODUCER_ID_MAPPING = 49,
  INVALID_TRANSACTION_TIMEOUT = 50,
  CONCURRENT_TRANSACTIONS = 51,
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED = 53,
  UNSUPPORTED_COMPRESSION_TYPE = 76,
  OPERATION_NOT_ATTEMPTED = 55,
  KAFKA_STORAGE_ERROR = 56,
  UNKNOWN_PRODUCER_ID = 59,
  NON_EMPTY_GROUP = 68,
  GROUP_ID_NOT_FOUND = 69,
  MEMBER_ID_REQUIRED = 79,
  FENCED_INSTANCE_ID = 82,
  GROUP_SUBSCRIBED_TO_TOPIC = 86,
  INVALID_RECORD = 87,
  UNSTABLE_OFFSET_COMMIT = 88,
  PRODUCER_FENCED = 90,
  UNKNOWN_TOPIC_ID = 100,
  INCONSISTENT_TOPIC_ID = 103,
  TRANSACTIONAL_ID_NOT_FOUND = 105,
  INVALID_REGULAR_EXPRESSION = 128,
}

/** One record of a produced record set that made the engine refuse the whole set (Produce v8+ RecordErrors). */
export interface RecordError {
  /** The record's position in the partition's record set, counted from 0 (its index within its batch). */
  batchIndex: number;
  message: string;
}

export class KafkaError extends Error {
  constructor(
    public readonly code: ErrorCode,
    message: string,
    /** The records that caused the refusal, when particular records did (INVALID_RECORD). */
    public readonly recordErrors: RecordError[] = [],
  ) {
    super(message);
    this.name = ErrorCode[code] ?? 'KafkaError';
  }
}

/**
 * A shutdown that closed everything but could not write some of its bookkeeping (checkpoints, the clean-shutdown
 * marker, the producer state snapshot), typically on a full disk. `logIntact`: every record written before the
 * shutdown is in the log files (the next open recovers what was not written); false when the log itself could
 * not be flushed. `notWritten` names each file and why, in plain words.
 */
export class ShutdownIncompleteError extends Error {
  constructor(
    public readonly notWritten: string[],
    public readonly logIntact: boolean,
  ) {
    super(`shutdown could not write ${notWritten.join('; ')}`);
    this.name = 'ShutdownIncompleteError';
  }
}

export function errorName(code: number): string {
  return ErrorCode[code] ?? `ERROR_${code}`;
}
