/**
 * The offset resets made in this session (vscode-free), so their confirmation lasts: Reset Group Offsets adds
 * one record per applied reset (when, the group, where to, each changed partition's committed → new offset) and
 * the Group Details panel lists a group's records, newest first. Bounded: the last `limit` records over all
 * groups. Listeners run after each addition. Used by src/extension/commands/groups.ts and
 * src/extension/panels/group-details-controller.ts.
 */
import type { ResetRow } from './confirm';
import { resetPreviewLines } from './confirm';

export interface ResetRecord {
  /** ms since the epoch */
  at: number;
  groupId: string;
  /** The target in words ("the earliest offsets (log start)"). */
  how: string;
  /** The sentence the notification showed. */
  summary: string;
  /** One line per partition that changed: "orders [0]: 12 → 0 (12 back)". */
  lines: string[];
}

export class ResetHistory {
  private readonly records: ResetRecord[] = [];
  private readonly listeners = new Set<() => void>();

  constructor(private readonly limit = 200) {}

  add(groupId: string, how: string, summary: string, rows: ResetRow[], at = Date.now()): ResetRecord {
    const r: ResetRecord = {
      at,
      groupId,
      how,
      summary,
      lines: resetPreviewLines(rows.filter((x) => x.next !== x.current)),
    };
    this.records.push(r);
    if (this.records.length > this.limit) this.records.splice(0, this.records.length - this.limit);
    for (const l of [...this.listeners]) l();
    return r;
  }

  /** A group's resets, newest first. */
  forGroup(groupId: string): ResetRecord[] {
    return this.records.filter((r) => r.groupId === groupId).reverse();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
