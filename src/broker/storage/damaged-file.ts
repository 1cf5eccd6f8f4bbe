/**
 * Keeping a damaged file: before a meta file that failed its checks is repaired (rewritten without its bad
 * lines), its bytes are copied beside it as `<name>.corrupt-<UTC time>` so nothing is lost for good and a person
 * can look at it. The copy is never read by the broker.
 *
 * Callers: topic-store.ts, offsets/offset-store.ts, producers/producer-state.ts.
 */
import * as fs from 'fs';

/** `<file>.corrupt-20250102T030405123Z` (no ':' so the name is valid on every platform). */
export function corruptCopyName(file: string, now: number): string {
  const stamp = new Date(now).toISOString().replace(/[-:.]/g, '');
  return `${file}.corrupt-${stamp}`;
}

/** Copy `file` to its corrupt-copy name (a second copy in the same millisecond gets a counter); returns the path. */
export function keepDamagedCopy(file: string, now: number): string {
  let target = corruptCopyName(file, now);
  for (let i = 1; fs.existsSync(target); i++) target = `${corruptCopyName(file, now)}-${i}`;
  fs.copyFileSync(file, target);
  return target;
}
