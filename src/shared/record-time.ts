/**
 * Record timestamps as a person reads and types them: shown in local time with the zone's offset from UTC
 * ("2026-12-01 13:05:09.120 UTC+01:00"), so a screenshot or a copied line says which clock it is; typed as local
 * time ("2026-12-01 13:05", seconds optional), ISO 8601 with a zone ("…T12:05:09Z", "…+01:00"), or milliseconds
 * since 1970. Pure functions (the zone offset is passed in, so tests fix it); used by the record browser webview.
 */

/** "UTC", "UTC+01:00", "UTC-03:30" for an offset in minutes east of UTC. */
export function utcOffsetLabel(minutesEast: number): string {
  if (minutesEast === 0) return 'UTC';
  const sign = minutesEast > 0 ? '+' : '-';
  const m = Math.abs(minutesEast);
  return `UTC${sign}${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

/** Minutes east of UTC of the local zone at `ms` (Date's getTimezoneOffset is minutes west). */
export function localOffsetMinutes(ms: number): number {
  return -new Date(ms).getTimezoneOffset();
}

/** `ms` as wall-clock time in a zone `minutesEast` of UTC, with that zone's label; "–" for no timestamp (-1). */
export function formatZonedTime(ms: number, minutesEast = localOffsetMinutes(ms)): string {
  if (ms < 0 || !Number.isFinite(ms)) return '–';
  const d = new Date(ms + minutesEast * 60_000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)} ` +
    utcOffsetLabel(minutesEast)
  );
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/;

/**
 * A typed time as milliseconds since 1970, or undefined when it is none of the accepted forms. Local time (no zone
 * written) is read in the zone `offsetAt(ms)` minutes east of UTC (default: this machine's zone at that moment).
 */
export function parseTypedTime(
  text: string,
  offsetAt: (approxMs: number) => number = localOffsetMinutes,
): number | undefined {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  const m = LOCAL.exec(t);
  if (m) {
    const [y, mo, d, hh, mm] = m.slice(1, 6).map(Number);
    const ss = m[6] ? Number(m[6]) : 0;
    const ms = m[7] ? Number(m[7].padEnd(3, '0')) : 0;
    const asUtc = Date.UTC(y, mo - 1, d, hh, mm, ss, ms);
    const back = new Date(asUtc);
    if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || hh > 23 || mm > 59 || ss > 59) return undefined;
    // the zone's offset at the wall-clock time (read twice so a DST edge settles on the right side)
    const first = asUtc - offsetAt(asUtc) * 60_000;
    return asUtc - offsetAt(first) * 60_000;
  }
  // ISO 8601 with a zone (Z or ±hh:mm): Date.parse reads those exactly
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(t)) {
    const n = Date.parse(t);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}
