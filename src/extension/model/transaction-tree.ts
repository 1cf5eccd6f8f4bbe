/**
 * The Transactions view's nodes, vscode-free: one node per transactional id whose transaction is open (Ongoing,
 * or PrepareCommit / PrepareAbort while its markers are written) — transactional id, producer id and epoch,
 * state, partitions, age — each expanding to its partitions (with the first offset of the open transaction there,
 * when the log knows it). contextValues: `transaction.ongoing` (Abort Transaction is offered), `transaction.preparing`,
 * `txnPartition`. A cluster other than this window's embedded broker gets one "not available" node.
 */
import type { Broker } from '../../broker/broker';
import type { TransactionDescription } from '../../broker/transactions/coordinator';
import { formatAge, formatCount, formatTimestamp, plural } from './format';
import type { SideNode } from './side-node';
import { errorText, sideMessage } from './side-node';

/** What the view reads of the broker. */
export type TransactionReader = Pick<Broker, 'listTransactions' | 'describeTransaction' | 'openTransactions'>;

export const OPEN_TXN_STATES = ['Ongoing', 'PrepareCommit', 'PrepareAbort'] as const;

export interface TransactionNode extends SideNode {
  kind: 'transaction';
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  state: string;
  partitions: { topic: string; partition: number }[];
}

export interface TxnPartitionNode extends SideNode {
  kind: 'txnPartition';
  transactionalId: string;
  topic: string;
  partition: number;
}

export const TXN_NOT_AVAILABLE =
  'Transactions are not available for this cluster: the view shows the embedded broker of this window';

export function transactionNodeId(transactionalId: string): string {
  return `txn:${encodeURIComponent(transactionalId)}`;
}

/** The view's root: the open transactions, oldest first; undefined reader = not the embedded broker. */
export function transactionNodes(reader: TransactionReader | undefined, now: number): SideNode[] {
  if (!reader) return [sideMessage('txn:unavailable', TXN_NOT_AVAILABLE, { icon: { id: 'info' } })];
  let open: TransactionDescription[];
  let known = 0;
  try {
    const listed = reader.listTransactions();
    known = listed.length;
    open = listed
      .filter((t) => (OPEN_TXN_STATES as readonly string[]).includes(t.state))
      .map((t) => reader.describeTransaction(t.transactionalId))
      .filter((d): d is TransactionDescription => d !== undefined);
  } catch (e) {
    return [
      sideMessage('txn:error', 'Could not list transactions', { description: errorText(e), icon: { id: 'error' } }),
    ];
  }
  if (open.length === 0)
    return [
      sideMessage('txn:none', 'No open transactions', {
        description: known > 0 ? `${plural(known, 'transactional id')} known, none in a transaction` : undefined,
        tooltip:
          'A transactional producer (transactional.id set) appears here from its first send in a transaction until it commits or aborts.',
        icon: { id: 'info' },
      }),
    ];
  return open
    .sort((a, b) => a.startTimestamp - b.startTimestamp || a.transactionalId.localeCompare(b.transactionalId))
    .map((d): TransactionNode => {
      const age = d.startTimestamp >= 0 ? formatAge(d.startTimestamp, now).replace(/ ago$/, '') : 'not started';
      const ongoing = d.state === 'Ongoing';
      return {
        kind: 'transaction',
        id: transactionNodeId(d.transactionalId),
        transactionalId: d.transactionalId,
        producerId: d.producerId,
        producerEpoch: d.producerEpoch,
        state: d.state,
        partitions: d.partitions.map((p) => ({ topic: p.topic, partition: p.partition })),
        label: d.transactionalId,
        description: `${d.state} · producer ${d.producerId} epoch ${d.producerEpoch} · ${plural(d.partitions.length, 'partition')} · ${age}`,
        tooltip:
          `transactional id ${d.transactionalId}\nstate ${d.state}\nproducer id ${d.producerId}, epoch ${d.producerEpoch}\n` +
          `started ${d.startTimestamp >= 0 ? `${formatTimestamp(d.startTimestamp)} (${formatAge(d.startTimestamp, now)})` : '—'}, ` +
          `timeout ${formatCount(d.timeoutMs)} ms\n` +
          `partitions: ${d.partitions.map((p) => `${p.topic}-${p.partition}`).join(', ') || 'none yet'}` +
          (d.groups.length ? `\noffsets for groups: ${d.groups.join(', ')}` : '') +
          (ongoing ? '\nAbort Transaction ends it with ABORT markers and fences the producer.' : ''),
        icon: ongoing ? { id: 'git-pull-request-draft', color: 'list.warningForeground' } : { id: 'loading~spin' },
        contextValue: ongoing ? 'transaction.ongoing' : 'transaction.preparing',
        collapsible: d.partitions.length > 0,
      };
    });
}

/** A transaction's partitions, with where its records start in each (the log's view of the open transaction). */
export function txnPartitionNodes(reader: TransactionReader, node: TransactionNode): SideNode[] {
  return [...node.partitions]
    .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
    .map((p): TxnPartitionNode => {
      let first: number | undefined;
      try {
        first = reader
          .openTransactions(p.topic, p.partition)
          .find((t) => t.producerId === node.producerId)?.firstOffset;
      } catch {
        first = undefined;
      }
      return {
        kind: 'txnPartition',
        id: `${node.id}:${encodeURIComponent(p.topic)}:${p.partition}`,
        transactionalId: node.transactionalId,
        topic: p.topic,
        partition: p.partition,
        label: `${p.topic} [${p.partition}]`,
        description: first !== undefined ? `from offset ${formatCount(first)}` : 'no records written yet',
        tooltip:
          first !== undefined
            ? `The transaction's records on ${p.topic} partition ${p.partition} start at offset ${first}: a read_committed consumer stops there until it ends.`
            : `Added to the transaction; no record of it is on ${p.topic} partition ${p.partition} yet.`,
        icon: { id: 'list-ordered' },
        contextValue: 'txnPartition',
        collapsible: false,
        parent: node,
        command: {
          command: 'kafkaLite.panels.browse',
          title: 'Browse Records',
          arguments: [{ topic: p.topic, partition: p.partition, offset: first }],
        },
      };
    });
}

export function transactionChildren(reader: TransactionReader | undefined, node: SideNode): SideNode[] {
  return reader && node.kind === 'transaction' ? txnPartitionNodes(reader, node as TransactionNode) : [];
}

/** The question before Abort Transaction, naming the id (as kafka-transactions.sh abort is told it). */
export function abortTransactionConfirmation(node: {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  partitions: unknown[];
}): { message: string; detail: string } {
  return {
    message: `Abort the open transaction of "${node.transactionalId}"?`,
    detail:
      `ABORT markers are written to its ${plural(node.partitions.length, 'partition')}, so read_committed consumers skip its records, ` +
      `and producer ${node.producerId} (epoch ${node.producerEpoch}) is fenced: its next send or commit fails with an epoch error ` +
      'until the app initializes its transactions again. This is what kafka-transactions.sh abort does.',
  };
}
