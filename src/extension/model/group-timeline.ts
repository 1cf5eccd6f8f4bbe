/**
 * What happened to a consumer group, as a short timeline a person reads beside the assignment diagram
 * (vscode-free, pure apart from the bounded list): between two Stable generations, which partitions moved from
 * which member to which ("partition 2: consumer-3 → consumer-4"), which were newly assigned or revoked, who joined,
 * and who went (left with LeaveGroup, or removed when its session expired); plus the entries the stepper adds as
 * they happen (rebalance started, committed).
 *
 * Guarantees: movesBetween lists every partition whose owner differs between the two generations, sorted by
 * partition, and nothing else; a first generation (no previous one) reports its partitions as assigned. A
 * GroupTimeline keeps at most `limit` entries (oldest dropped). Used by src/extension/panels/stepper-controller.ts.
 */

/** One Stable generation of a group on one topic: who owns which partition, and each member's name for people. */
export interface GenerationAssignment {
  generationId: number;
  /** partition -> member id */
  owners: ReadonlyMap<number, string>;
  /** member id -> the name shown (the stepper's consumer name, else the client id) */
  names: ReadonlyMap<string, string>;
}

/** from/to are names; null: the partition had no owner (newly assigned) / has none now (revoked). */
export interface PartitionMove {
  partition: number;
  from: string | null;
  to: string | null;
}

export type TimelineKind =
  | 'joined'
  | 'left'
  | 'expired'
  | 'rebalance'
  | 'generation'
  | 'assigned'
  | 'revoked'
  | 'moved'
  | 'committed'
  | 'isolation';

export interface TimelineEntry {
  /** Broker clock, ms. */
  at: number;
  kind: TimelineKind;
  text: string;
}

/** Why a member of the previous generation is gone. */
export type Departure = 'left' | 'expired' | 'unknown';

export function movesBetween(prev: GenerationAssignment | null, next: GenerationAssignment): PartitionMove[] {
  const nameIn = (g: GenerationAssignment, id: string) => g.names.get(id) ?? id;
  const parts = new Set<number>([...(prev?.owners.keys() ?? []), ...next.owners.keys()]);
  const out: PartitionMove[] = [];
  for (const p of [...parts].sort((a, b) => a - b)) {
    const before = prev?.owners.get(p);
    const after = next.owners.get(p);
    if (before === after) continue;
    out.push({
      partition: p,
      from: before === undefined ? null : nameIn(prev!, before),
      to: after === undefined ? null : nameIn(next, after),
    });
  }
  return out;
}

export function moveText(m: PartitionMove): string {
  if (m.from === null) return `partition ${m.partition} assigned to ${m.to}`;
  if (m.to === null) return `partition ${m.partition} revoked from ${m.from}`;
  return `partition ${m.partition}: ${m.from} \u2192 ${m.to}`;
}

/**
 * The entries for reaching `next`: members who went (and why), who joined, the generation, then each partition
 * that changed owner.
 */
export function generationEntries(
  prev: GenerationAssignment | null,
  next: GenerationAssignment,
  at: number,
  departure: (memberId: string) => Departure,
): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  const before = new Set(prev?.names.keys() ?? []);
  const after = new Set(next.names.keys());
  for (const id of before) {
    if (after.has(id)) continue;
    const who = prev!.names.get(id) ?? id;
    const why = departure(id);
    out.push(
      why === 'expired'
        ? { at, kind: 'expired', text: `${who}'s session expired: the broker removed it` }
        : why === 'left'
          ? { at, kind: 'left', text: `${who} left (LeaveGroup)` }
          : { at, kind: 'left', text: `${who} is no longer a member` },
    );
  }
  for (const id of after) if (!before.has(id)) out.push({ at, kind: 'joined', text: `${next.names.get(id)} joined` });
  out.push({
    at,
    kind: 'generation',
    text: `generation ${next.generationId}: ${after.size} member${after.size === 1 ? '' : 's'}`,
  });
  for (const m of movesBetween(prev, next)) {
    out.push({ at, kind: m.from === null ? 'assigned' : m.to === null ? 'revoked' : 'moved', text: moveText(m) });
  }
  return out;
}

/** A bounded, oldest-first list of a group's entries, with its last Stable generation and what moved into it. */
export class GroupTimeline {
  private list: TimelineEntry[] = [];
  last: GenerationAssignment | null = null;
  lastMoves: PartitionMove[] = [];

  constructor(private readonly limit = 40) {}

  add(...entries: TimelineEntry[]): void {
    this.list.push(...entries);
    if (this.list.length > this.limit) this.list.splice(0, this.list.length - this.limit);
  }

  /** A Stable generation was seen; records its entries unless it is the one already recorded. */
  reached(next: GenerationAssignment, at: number, departure: (memberId: string) => Departure): boolean {
    if (this.last && this.last.generationId === next.generationId) return false;
    this.add(...generationEntries(this.last, next, at, departure));
    this.lastMoves = movesBetween(this.last, next);
    this.last = next;
    return true;
  }

  /** The generation found when the group is first shown: remembered, with one entry, without listing its members as news. */
  baseline(next: GenerationAssignment, at: number): void {
    if (this.last) return;
    const n = next.names.size;
    this.add({
      at,
      kind: 'generation',
      text: `generation ${next.generationId}: ${n} member${n === 1 ? '' : 's'} (when shown)`,
    });
    this.last = next;
  }

  entries(): TimelineEntry[] {
    return [...this.list];
  }
}
