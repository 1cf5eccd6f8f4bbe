/**
 * How the sidebar writes numbers for people: offsets with thousands separators, sizes in binary units, record
 * ages relative to now, offset ranges as Kafka's half-open interval `[log start … log end)`.
 * Pure functions (no vscode), used by the tree models, the status bar, commands and panels; unit-tested directly.
 */
import type { CompactionStats } from '../../broker/types';

export function formatCount(n: number): string {
  return Math.trunc(n).toLocaleString('en-US');
}

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '?';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

export function formatOffsetRange(logStartOffset: number, logEndOffset: number): string {
  return `[${formatCount(logStartOffset)} … ${formatCount(logEndOffset)})`;
}

/** "just now", "42 s ago", "5 min ago", "3 h ago", "2 d ago"; "no records" for -1. */
export function formatAge(timestamp: number, now: number): string {
  if (timestamp < 0) return 'no records';
  const s = Math.floor((now - timestamp) / 1000);
  if (s < 0) return 'in the future';
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.floor(h / 24)} d ago`;
}

/** Local date and time to the second, e.g. "2025-03-01 14:05:09". */
export function formatTimestamp(timestamp: number): string {
  if (timestamp < 0) return '—';
  const d = new Date(timestamp);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** What a compaction of a topic did, over all its partitions: "Compacted "t": 3 superseded record(s) removed, 2 KiB → 1 KiB". */
export function formatCompaction(topic: string, stats: CompactionStats[]): string {
  let removed = 0;
  let before = 0;
  let after = 0;
  for (const s of stats) {
    removed += s.recordsBefore - s.recordsAfter;
    before += s.bytesBefore;
    after += s.bytesAfter;
  }
  if (removed === 0) return `Compacted "${topic}": no record was superseded`;
  return `Compacted "${topic}": ${formatCount(removed)} superseded record(s) removed, ${formatBytes(before)} → ${formatBytes(after)}`;
}
