/**
 * Produce (key 0), v0-13 (flexible from v9); only record batch v2 (magic 2) is stored. v13 names topics by id
 * (request and response): the ids are mapped to names before the by-name path and back after it; an unknown id
 * answers UNKNOWN_TOPIC_ID (100) for its partitions and is never auto-created (there is no name to create). v0-2 are advertised although they normally
 * carry old message sets, because librdkafka 2.0 (Debian's kcat) compresses with gzip/snappy/lz4 only when the
 * broker's Produce range includes version 0 (it checks "supports v0" for those codecs, "supports v7" for zstd).
 * Such clients still send v3+ with record batch v2; an old message set (magic 0/1) is refused per partition with
 * UNSUPPORTED_FOR_MESSAGE_FORMAT (43).
 * Each partition's record set goes to Broker.appendRecordSet as the bytes the client sent (no per-record work).
 * acks=0 -> no response at all; acks=1 -> answer after the append; acks=-1 -> answer after broker.flush()
 * (durable per the flush policy). Unknown topics are auto-created when the broker allows it, else error 3; an
 * illegal topic name also answers UNKNOWN_TOPIC_OR_PARTITION (3, retriable), as Kafka does, and is never created.
 * A refused append to an existing partition reports that partition's logStartOffset (the Java producer reads it
 * on OUT_OF_ORDER_SEQUENCE_NUMBER), except for the errors Kafka answers with -1 (NO_LOG_START_ERRORS).
 * A record set refused because of particular records (a keyless record on a compacted topic) is refused whole
 * with INVALID_RECORD (87); from v8 the partition's RecordErrors name each such record by its index in the batch
 * and ErrorMessage says why. The v10+ tagged CurrentLeader/NodeEndpoints are never sent: this broker leads every
 * partition, so NOT_LEADER_OR_FOLLOWER never happens.
 * Transactions: a request with a transactional id is refused (INVALID_TXN_STATE) unless the broker has a transaction
 * coordinator (Broker.acceptsTransactions); then each transactional batch goes through the coordinator's check
 * (Broker.appendRecordSet with the transactional id), whose error code is answered per partition as Kafka does
 * (e.g. INVALID_TXN_STATE for a partition not added to the transaction, INVALID_PRODUCER_EPOCH / PRODUCER_FENCED).
 * A transactional batch without a transactional id is TRANSACTIONAL_ID_AUTHORIZATION_FAILED (53); a control batch
 * from a client is INVALID_RECORD.
 */
import { type Broker, TxnVerificationError } from '../../broker/broker';
import { ErrorCode, KafkaError } from '../../broker/errors';
import { MAGIC_V2, OFFSET_MAGIC } from '../../broker/storage/record-batch';
import { arr, f } from '../codec/schema';
import { defineApi, errorCodeOf, errorMessageOf } from './api';
import { topicNameProblem } from '../../shared/topic-name';
import { BATCH_HEADER_SIZE, LOG_OVERHEAD, OFFSET_BATCH_LENGTH } from '../../broker/storage/record-batch';
import { topicIdFromBytes } from '../../broker/topic-id';
import type { RequestContext } from './api';

interface ProduceRequest {
  transactionalId: string | null;
  acks: number;
  timeoutMs: number;
  topicData: { name: string; topicId?: Buffer; partitionData: { index: number; records: Buffer | null }[] }[];
}

interface PartitionResponse {
  index: number;
  errorCode: number;
  baseOffset: number;
  logAppendTimeMs: number;
  logStartOffset: number;
  recordErrors: { batchIndex: number; batchIndexErrorMessage: string | null }[];
  errorMessage: string | null;
}

interface ProduceResponse {
  responses: { name: string; topicId?: Buffer; partitionResponses: PartitionResponse[] }[];
  throttleTimeMs: number;
}

/**
 * Errors Kafka answers with logStartOffset -1 although the partition exists (the batch never reached its log:
 * it is unreadable or too large); every other refusal of a produce to an existing partition carries the
 * partition's log start offset.
 */
const NO_LOG_START_ERRORS: ReadonlySet<number> = new Set([
  ErrorCode.CORRUPT_MESSAGE,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.MESSAGE_TOO_LARGE,
  ErrorCode.RECORD_LIST_TOO_LARGE,
  ErrorCode.KAFKA_STORAGE_ERROR,
]);

/** True when buf starts with a whole record batch (its header, and as many bytes as its batchLength says). */
function holdsWholeBatch(buf: Buffer): boolean {
  return buf.length >= BATCH_HEADER_SIZE && LOG_OVERHEAD + buf.readInt32BE(OFFSET_BATCH_LENGTH) <= buf.length;
}

/** The logStartOffset a refused append answers: the partition's, or -1 if it has none or Kafka sends none. */
function refusedLogStartOffset(broker: Broker, topic: string, partition: number, errorCode: number): number {
  if (NO_LOG_START_ERRORS.has(errorCode)) return -1;
  const t = broker.getTopic(topic);
  if (!t || !Number.isInteger(partition) || partition < 0 || partition >= t.partitions) return -1;
  try {
    return broker.partitionInfo(topic, partition).logStartOffset;
  } catch {
    return -1;
  }
}

/** A v13 request (topics by id): ids mapped to names, the by-name path, the answers mapped back to ids. */
async function produceByIds(ctx: RequestContext, req: ProduceRequest): Promise<ProduceResponse | null> {
  const named: ProduceRequest['topicData'] = [];
  const unknown = new Set<ProduceRequest['topicData'][number]>();
  for (const t of req.topicData) {
    const topic = ctx.broker.getTopicById(topicIdFromBytes(t.topicId ?? Buffer.alloc(16)));
    if (topic) named.push({ ...t, name: topic.name });
    else unknown.add(t);
  }
  const byName = await produceByNames(ctx, { ...req, topicData: named });
  if (byName === null) return null;
  let next = 0;
  const responses = req.topicData.map((t) => {
    if (!unknown.has(t)) return { ...byName.responses[next++], topicId: t.topicId };
    const id = topicIdFromBytes(t.topicId ?? Buffer.alloc(16));
    return {
      name: '',
      topicId: t.topicId,
      partitionResponses: t.partitionData.map((p) => ({
        index: p.index,
        errorCode: ErrorCode.UNKNOWN_TOPIC_ID,
        baseOffset: -1,
        logAppendTimeMs: -1,
        logStartOffset: -1,
        recordErrors: [],
        errorMessage: `there is no topic with id ${id}`,
      })),
    };
  });
  return { ...byName, responses };
}

export const produce = defineApi<ProduceRequest, ProduceResponse>({
  apiKey: 0,
  name: 'Produce',
  minVersion: 0,
  maxVersion: 13,
  flexibleFrom: 9,
  request: [
    f('transactionalId', 'string', '3+', { nullable: true }),
    f('acks', 'int16'),
    f('timeoutMs', 'int32'),
    arr('topicData', [
      f('name', 'string', '0-12'),
      f('topicId', 'uuid', '13+'),
      arr('partitionData', [f('index', 'int32'), f('records', 'records', '0+', { nullable: true })]),
    ]),
  ],
  response: [
    arr('responses', [
      f('name', 'string', '0-12'),
      f('topicId', 'uuid', '13+'),
      arr('partitionResponses', [
        f('index', 'int32'),
        f('errorCode', 'int16'),
        f('baseOffset', 'int64'),
        f('logAppendTimeMs', 'int64', '2+', { def: -1 }),
        f('logStartOffset', 'int64', '5+', { def: -1 }),
        arr(
          'recordErrors',
          [f('batchIndex', 'int32'), f('batchIndexErrorMessage', 'string', '8+', { nullable: true })],
          '8+',
        ),
        f('errorMessage', 'string', '8+', { nullable: true }),
      ]),
    ]),
    f('throttleTimeMs', 'int32', '1+'),
  ],
  handle(ctx, req) {
    return ctx.apiVersion >= 13 ? produceByIds(ctx, req) : produceByNames(ctx, req);
  },
});

/** Produce with topics named by name (v0-12, and v13 once its ids are mapped). */
async function produceByNames(ctx: RequestContext, req: ProduceRequest): Promise<ProduceResponse | null> {
  const { broker } = ctx;
  const acks = req.acks;
  const validAcks = acks === 0 || acks === 1 || acks === -1;
  const responses: ProduceResponse['responses'] = [];
  let appended = false;
  for (const t of req.topicData) {
    const parts: PartitionResponse[] = [];
    responses.push({ name: t.name, partitionResponses: parts });
    let topicError: { code: number; message: string } | null = null;
    if (!validAcks) {
      topicError = { code: ErrorCode.INVALID_REQUIRED_ACKS, message: `acks must be 0, 1 or -1 (all), got ${acks}` };
    } else if (req.transactionalId !== null && !broker.acceptsTransactions) {
      topicError = { code: ErrorCode.INVALID_TXN_STATE, message: 'transactions are not supported by Kafka Lite' };
    } else {
      const reason = topicNameProblem(t.name);
      if (reason) {
        // Kafka answers the retriable UNKNOWN_TOPIC_OR_PARTITION here (no such topic can exist), not 17.
        topicError = {
          code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          message: `there is no topic "${t.name}" and there cannot be one: ${reason}`,
        };
      } else {
        try {
          // An existing topic is appended to without an await, so requests stay in arrival order.
          const topic = broker.getTopic(t.name) ?? (await broker.ensureTopic(t.name));
          if (!topic)
            topicError = { code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message: `there is no topic "${t.name}"` };
        } catch (e) {
          topicError = { code: errorCodeOf(ctx, e, `Produce to "${t.name}"`), message: errorMessageOf(e) };
        }
      }
    }
    for (const p of t.partitionData) {
      const res: PartitionResponse = {
        index: p.index,
        errorCode: 0,
        baseOffset: -1,
        logAppendTimeMs: -1,
        logStartOffset: -1,
        recordErrors: [],
        errorMessage: null,
      };
      parts.push(res);
      let beforeLog = false;
      if (topicError) {
        res.errorCode = topicError.code;
        res.errorMessage = topicError.message;
        continue;
      }
      try {
        if (!p.records || p.records.length === 0) {
          throw new KafkaError(
            ErrorCode.CORRUPT_MESSAGE,
            'the produce request carries no record batch for this partition',
          );
        }
        if (p.records.length > OFFSET_MAGIC && p.records[OFFSET_MAGIC] !== MAGIC_V2) {
          throw new KafkaError(
            ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT,
            `message format magic ${p.records[OFFSET_MAGIC]} is not supported: Kafka Lite stores record batch v2 (magic 2) only`,
          );
        }
        // Kafka checks that the record set holds at least one whole batch before the log sees it: one cut short
        // is INVALID_RECORD answered without a log start offset (a later problem inside the log carries one).
        if (!holdsWholeBatch(p.records)) {
          beforeLog = true;
          throw new KafkaError(
            ErrorCode.INVALID_RECORD,
            `the record set (${p.records.length} bytes) is cut short: it does not hold one whole record batch`,
          );
        }
        const r = broker.appendRecordSet(t.name, p.index, p.records, req.transactionalId);
        res.baseOffset = r.baseOffset;
        res.logAppendTimeMs = r.logAppendTime;
        res.logStartOffset = r.logStartOffset;
        if (!r.duplicate) appended = true;
      } catch (e) {
        res.errorCode = errorCodeOf(ctx, e, `Produce to ${t.name}-${p.index}`);
        res.errorMessage = errorMessageOf(e);
        // Refused before the log (a cut record set, the transaction verifier): no log start offset, as Kafka.
        res.logStartOffset =
          beforeLog || e instanceof TxnVerificationError
            ? -1
            : refusedLogStartOffset(broker, t.name, p.index, res.errorCode);
        if (e instanceof KafkaError) {
          res.recordErrors = e.recordErrors.map((r) => ({
            batchIndex: r.batchIndex,
            batchIndexErrorMessage: r.message,
          }));
        }
        if (e instanceof KafkaError && e.code !== ErrorCode.NONE && acks !== 0) {
          // one line per rejected batch: the client sees the code, the log says why
          ctx.log(
            'warn',
            `client ${ctx.clientId}: produce to ${t.name}-${p.index} rejected (${res.errorCode}): ${res.errorMessage}`,
          );
        }
      }
    }
  }
  if (acks === 0) return null;
  if (acks === -1 && appended) await broker.flush();
  return { responses, throttleTimeMs: 0 };
}
