/**
 * ListTransactions (key 66), v0-1 (flexible): the transactional ids the coordinator knows (kafka-transactions.sh
 * list, Admin.listTransactions), each with its producer id and state. Filters: states (Kafka's names; a name that
 * is no state is returned in UnknownStateFilters and matches nothing), producer ids, and from v1 a duration
 * (only transactions running at least that many ms; -1 = no filter), and from v2 (Kafka 4.1+, KIP-1152:
 * kafka-transactions.sh list --transactional-id-pattern, ListTransactionsOptions.filterOnTransactionalIdPattern)
 * a regular expression the whole transactional id must match (null or empty = no filter; Java's syntax, read as a
 * JavaScript RegExp: the same for the patterns people write; one that does not compile is
 * INVALID_REGULAR_EXPRESSION). Empty filters match everything.
 */
import { ErrorCode } from '../../broker/errors';
import { TransactionCoordinator } from '../../broker/transactions/coordinator';
import { arr, f } from '../codec/schema';
import { defineApi } from './api';

interface ListTransactionsRequest {
  stateFilters: string[];
  producerIdFilters: number[];
  durationFilter: number;
  transactionalIdPattern: string | null;
}

interface ListTransactionsResponse {
  throttleTimeMs: number;
  errorCode: number;
  unknownStateFilters: string[];
  transactionStates: { transactionalId: string; producerId: number; transactionState: string }[];
}

export const listTransactions = defineApi<ListTransactionsRequest, ListTransactionsResponse>({
  apiKey: 66,
  name: 'ListTransactions',
  minVersion: 0,
  maxVersion: 2,
  flexibleFrom: 0,
  request: [
    arr('stateFilters', 'string'),
    arr('producerIdFilters', 'int64'),
    f('durationFilter', 'int64', '1+', { def: -1 }),
    f('transactionalIdPattern', 'string', '2+', { nullable: true, def: null }),
  ],
  response: [
    f('throttleTimeMs', 'int32'),
    f('errorCode', 'int16'),
    arr('unknownStateFilters', 'string'),
    arr('transactionStates', [
      f('transactionalId', 'string'),
      f('producerId', 'int64'),
      f('transactionState', 'string'),
    ]),
  ],
  handle(ctx, req) {
    let idPattern: RegExp | undefined;
    if (req.transactionalIdPattern) {
      try {
        idPattern = new RegExp(`^(?:${req.transactionalIdPattern})$`);
      } catch (e) {
        ctx.log(
          'info',
          `client ${ctx.clientId}: ListTransactions pattern ${JSON.stringify(req.transactionalIdPattern)} is not a regular expression: ${(e as Error).message}`,
        );
        return {
          throttleTimeMs: 0,
          errorCode: ErrorCode.INVALID_REGULAR_EXPRESSION,
          unknownStateFilters: [],
          transactionStates: [],
        };
      }
    }
    const unknown = req.stateFilters.filter((s) => !TransactionCoordinator.isStateName(s));
    const known = req.stateFilters.filter((s) => TransactionCoordinator.isStateName(s));
    const transactionStates =
      req.stateFilters.length > 0 && known.length === 0
        ? []
        : ctx.broker
            .listTransactions({
              states: known,
              producerIds: req.producerIdFilters,
              minDurationMs: req.durationFilter,
              idPattern,
            })
            .map((t) => ({ transactionalId: t.transactionalId, producerId: t.producerId, transactionState: t.state }));
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, unknownStateFilters: unknown, transactionStates };
  },
});
