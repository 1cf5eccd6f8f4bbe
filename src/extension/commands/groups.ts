/**
 * Consumer group commands: Reset Group Offsets… (earliest / latest / timestamp / offset / shift, for all the
 * group's partitions, one topic or one partition; a modal preview of each partition's committed → new offset, from
 * the engine's dry run, before anything is written, then a lasting confirmation of what changed: a notification
 * (Show Group Details / Show Log), a line in the output log and a record in the session's ResetHistory, listed by
 * the Group Details panel) and Delete Group… (modal confirmation). Both are refused while the group has active
 * members; the person sees the broker's own reason. Each accepts its inputs as arguments (a tree node or a group
 * id first) so tests run it without prompts. Also sets up lag over time and Show Group Details
 * (panels/group-details.ts) and returns those services. Registered from extension.ts.
 */
import { TopicPartitionMap } from '../../shared/topic-partition';
import * as vscode from 'vscode';
import type { Broker } from '../../broker/broker';
import type { OffsetCommitEntry, OffsetResetSpec } from '../../broker/types';
import type { BrokerHost } from '../broker-host';
import type { ResetRow } from '../model/confirm';
import type { LagServices } from '../panels/group-details';
import { registerLagServices } from '../panels/group-details';
import { resetDone, resetPreview } from '../model/confirm';
import { formatCount } from '../model/format';
import type { CommandFailure } from './common';
import { fail, KEEP_OPEN, parseInteger, pickGroup, brokerOrWarn, targetOf } from './common';

export interface ResetArgs {
  spec: OffsetResetSpec;
  /** Show the preview (current → new per partition) and ask before applying; default: only when prompted. */
  confirm?: boolean;
  /** null/undefined = every partition the group has committed. */
  topic?: string | null;
  partition?: number | null;
}

/** The reset's target in words, for the preview's question. */
function describeSpec(spec: OffsetResetSpec): string {
  switch (spec.kind) {
    case 'earliest':
      return 'the earliest offsets (log start)';
    case 'latest':
      return 'the latest offsets (log end)';
    case 'timestamp':
      return `the first records at or after ${new Date(spec.timestamp).toISOString()}`;
    case 'offset':
      return `offset ${formatCount(spec.offset)}`;
    case 'shift':
      return spec.by < 0 ? `${formatCount(-spec.by)} records back` : `${formatCount(spec.by)} records ahead`;
  }
}

function activeMembers(broker: Broker, groupId: string): number {
  try {
    return broker.describeGroup(groupId).members.length;
  } catch {
    return 0;
  }
}

/** Parses "2024-05-01T10:00:00Z", "2024-05-01 10:00" (local) or epoch milliseconds. */
export function parseTimestamp(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  const ms = Date.parse(t.includes('T') || t.endsWith('Z') ? t : t.replace(' ', 'T'));
  return Number.isFinite(ms) ? ms : undefined;
}

async function askSpec(): Promise<OffsetResetSpec | undefined> {
  const kinds = [
    {
      label: 'earliest',
      detail: 'The log start offset: the group re-reads everything still stored',
      reset: 'earliest' as const,
    },
    { label: 'latest', detail: 'The log end offset: the group skips everything stored now', reset: 'latest' as const },
    { label: 'timestamp', detail: 'The first record at or after a date and time', reset: 'timestamp' as const },
    { label: 'offset', detail: 'A specific offset (clamped into [log start, log end])', reset: 'offset' as const },
    { label: 'shift', detail: 'Move the committed offset by N (negative = back)', reset: 'shift' as const },
  ];
  const picked = await vscode.window.showQuickPick(kinds, {
    ...KEEP_OPEN,
    title: 'Kafka Lite: Reset Offsets to…',
    placeHolder: 'Where should the group resume?',
  });
  if (!picked) return undefined;
  switch (picked.reset) {
    case 'earliest':
    case 'latest':
      return { kind: picked.reset };
    case 'timestamp': {
      const v = await vscode.window.showInputBox({
        ...KEEP_OPEN,
        title: 'Kafka Lite: Reset Offsets to a time',
        prompt: 'Date and time (ISO 8601, or local "YYYY-MM-DD HH:MM"), or epoch milliseconds',
        value: new Date(Date.now() - 3600_000).toISOString(),
        validateInput: (s) => (parseTimestamp(s) === undefined ? 'Not a date and time I can read.' : undefined),
      });
      const ts = v === undefined ? undefined : parseTimestamp(v);
      return ts === undefined ? undefined : { kind: 'timestamp', timestamp: ts };
    }
    case 'offset': {
      const v = await vscode.window.showInputBox({
        ...KEEP_OPEN,
        title: 'Kafka Lite: Reset Offsets to an offset',
        prompt: 'Offset',
        validateInput: (s) => (parseInteger(s, 0) === undefined ? 'A whole number ≥ 0.' : undefined),
      });
      const n = v === undefined ? undefined : parseInteger(v, 0);
      return n === undefined ? undefined : { kind: 'offset', offset: n };
    }
    case 'shift': {
      const v = await vscode.window.showInputBox({
        ...KEEP_OPEN,
        title: 'Kafka Lite: Shift Offsets by',
        prompt: 'Number of records to move (e.g. -10 to re-read the last ten)',
        validateInput: (s) =>
          parseInteger(s, Number.MIN_SAFE_INTEGER) === undefined ? 'A whole number, e.g. -10 or 5.' : undefined,
      });
      const n = v === undefined ? undefined : parseInteger(v, Number.MIN_SAFE_INTEGER);
      return n === undefined ? undefined : { kind: 'shift', by: n };
    }
  }
}

export function registerGroupCommands(
  context: vscode.ExtensionContext,
  host: BrokerHost,
  log: vscode.LogOutputChannel,
): LagServices {
  const lag = registerLagServices(context, host, log);
  context.subscriptions.push(
    vscode.commands.registerCommand(
      'kafkaLite.group.resetOffsets',
      async (arg?: unknown, argsIn?: ResetArgs): Promise<OffsetCommitEntry[] | CommandFailure | undefined> => {
        const broker = brokerOrWarn(host);
        if (!broker) return undefined;
        const target = targetOf(arg, 'groupId');
        const groupId = target.groupId ?? (await pickGroup(broker, 'Group whose offsets to reset'));
        if (!groupId) return undefined;
        let topic: string | null = argsIn ? (argsIn.topic ?? null) : (target.topic ?? null);
        let partition: number | null = argsIn ? (argsIn.partition ?? null) : (target.partition ?? null);
        let spec = argsIn?.spec;
        // Asked interactively (or asked for with confirm: true): preview the change before applying it.
        const preview = !spec || argsIn?.confirm === true;
        if (!spec) {
          // Say it now rather than after three prompts; the broker still has the last word below.
          const members = activeMembers(broker, groupId);
          if (members > 0) {
            return fail(
              log,
              `Cannot reset offsets of group "${groupId}"`,
              new Error(`it has ${members} active member(s); stop its consumers first`),
            );
          }
          if (topic === null) {
            const committedTopics = [...new Set(broker.groupLag(groupId).partitions.map((p) => p.topic))].sort();
            const scope = await vscode.window.showQuickPick(
              [
                { label: 'All topics', description: committedTopics.join(', '), topic: null as string | null },
                ...committedTopics.map((t) => ({
                  label: t,
                  description: 'every partition',
                  topic: t as string | null,
                })),
              ],
              { ...KEEP_OPEN, title: `Kafka Lite: Reset Offsets of ${groupId}`, placeHolder: 'Which partitions?' },
            );
            if (!scope) return undefined;
            topic = scope.topic;
            partition = null;
          }
          spec = await askSpec();
          if (!spec) return undefined;
        }
        try {
          const committed = new TopicPartitionMap<number>();
          for (const c of broker.fetchOffsets(groupId, null)) committed.set(c.topic, c.partition, c.offset);
          const rows = (entries: OffsetCommitEntry[]): ResetRow[] =>
            entries.map((e) => ({
              topic: e.topic,
              partition: e.partition,
              current: committed.get(e.topic, e.partition) ?? -1,
              next: e.offset,
            }));
          if (preview) {
            const planned = await broker.resetOffsets(groupId, topic, partition, spec, { dryRun: true });
            const q = resetPreview(groupId, describeSpec(spec), rows(planned));
            const ok = await vscode.window.showWarningMessage(q.message, { modal: true, detail: q.detail }, 'Reset');
            if (ok !== 'Reset') return undefined;
          }
          const entries = await broker.resetOffsets(groupId, topic, partition, spec);
          const done = resetDone(groupId, rows(entries));
          lag.resets.add(groupId, describeSpec(spec), done, rows(entries));
          log.info(`${done} (${spec.kind})`);
          // The notification goes to the notification center when it hides; the log line and the Group Details
          // panel's list keep the record for the session.
          void vscode.window
            .showInformationMessage(`Kafka Lite: ${done}`, 'Show Group Details', 'Show Log')
            .then((a) => {
              if (a === 'Show Group Details') lag.showDetails(groupId);
              else if (a === 'Show Log') log.show(true);
            });
          return entries;
        } catch (e) {
          return fail(log, `Cannot reset offsets of group "${groupId}"`, e);
        }
      },
    ),
    vscode.commands.registerCommand(
      'kafkaLite.group.delete',
      async (arg?: unknown, opts?: { confirm?: boolean }): Promise<boolean | CommandFailure | undefined> => {
        const broker = brokerOrWarn(host);
        if (!broker) return undefined;
        const groupId = targetOf(arg, 'groupId').groupId ?? (await pickGroup(broker, 'Group to delete'));
        if (!groupId) return undefined;
        if (opts?.confirm !== false) {
          const ok = await vscode.window.showWarningMessage(
            `Delete consumer group "${groupId}"?`,
            {
              modal: true,
              detail:
                'Its committed offsets are deleted; a consumer that joins it again starts per its auto.offset.reset.',
            },
            'Delete',
          );
          if (ok !== 'Delete') return false;
        }
        try {
          await broker.deleteGroup(groupId);
          log.info(`Group deleted: ${groupId}.`);
          return true;
        } catch (e) {
          return fail(log, `Cannot delete group "${groupId}"`, e);
        }
      },
    ),
  );
  return lag;
}
