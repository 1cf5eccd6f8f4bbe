/**
 * What the destructive commands show before they act, as pure functions (vscode-free, unit tested): Delete Topic
 * asks a person to type the topic's name when the topic holds records, and Reset Group Offsets previews each
 * partition's committed offset and the new one (as kafka-consumer-groups --reset-offsets --dry-run prints) and then
 * confirms what changed. Used by src/extension/commands/topics.ts and groups.ts.
 */
import { formatCount } from './format';

/** How Delete Topic confirms: a typed name when records would go, a modal Yes/No when the topic is empty. */
export type DeleteTopicConfirmation =
  | { kind: 'modal'; message: string; detail: string }
  | { kind: 'type-name'; prompt: string; placeHolder: string; validate(typed: string): string | undefined };

export function deleteTopicConfirmation(topic: string, records: number): DeleteTopicConfirmation {
  const gone = 'Every group\u2019s committed offsets for it are deleted too. This cannot be undone.';
  if (records <= 0) {
    return { kind: 'modal', message: `Delete topic "${topic}"?`, detail: `It holds no records. ${gone}` };
  }
  return {
    kind: 'type-name',
    prompt: `Topic "${topic}" holds ${formatCount(records)} record(s), which are deleted with it. ${gone} Type the topic's name to delete it.`,
    placeHolder: topic,
    // Nothing typed yet: no complaint, so the prompt (how many records go) stays readable; Enter on it deletes nothing.
    validate: (typed) =>
      typed === '' || typed === topic ? undefined : `Type "${topic}" exactly to delete it (Escape cancels).`,
  };
}

export interface ResetRow {
  topic: string;
  partition: number;
  /** The group's committed offset before the reset, -1 when it had none. */
  current: number;
  next: number;
}

/** One line per partition: `orders [0]: 12 → 0 (12 back)`, sorted by topic and partition. */
export function resetPreviewLines(rows: ResetRow[]): string[] {
  return [...rows]
    .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
    .map((r) => {
      const from = r.current < 0 ? 'none' : formatCount(r.current);
      const delta =
        r.current < 0
          ? ''
          : r.next === r.current
            ? ' (unchanged)'
            : r.next < r.current
              ? ` (${formatCount(r.current - r.next)} back)`
              : ` (${formatCount(r.next - r.current)} ahead)`;
      return `${r.topic} [${r.partition}]: ${from} \u2192 ${formatCount(r.next)}${delta}`;
    });
}

/** The question before a reset: its title line and the per-partition preview. */
export function resetPreview(groupId: string, how: string, rows: ResetRow[]): { message: string; detail: string } {
  const changing = rows.filter((r) => r.next !== r.current).length;
  return {
    message: `Reset the offsets of group "${groupId}" to ${how}?`,
    detail:
      `${changing} of ${rows.length} partition(s) change (committed \u2192 new):\n` +
      resetPreviewLines(rows).join('\n'),
  };
}

/** The confirmation after a reset. */
export function resetDone(groupId: string, rows: ResetRow[]): string {
  const changed = rows.filter((r) => r.next !== r.current);
  if (changed.length === 0) return `Offsets of group "${groupId}" were already there: nothing changed.`;
  return `Offsets of group "${groupId}" reset, ${changed.length} partition(s) changed: ${resetPreviewLines(changed).join('; ')}.`;
}
