/**
 * The lag-over-time chart of the consumer stepper and the Group Details panel, drawn as inline SVG (no library,
 * the panels' CSP allows no inline style): the group's total lag as a line, and with `perPartition` one line per
 * partition, an axis with the largest value and the first and last sample times, and the latest value. The data
 * is the host's LagSeriesView (src/shared/lag-series.ts); the svg carries data-total (the total's values,
 * comma-separated) and data-last for tests and screen readers' titles.
 */
import type { LagLine, LagSeriesView } from '../shared/lag-series';
import { svg } from './common';

const W = 560;
const H = 150;
const LEFT = 44;
const RIGHT = 10;
const TOP = 12;
const BOTTOM = 22;

function clock(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function drawLagChart(el: SVGSVGElement, series: LagSeriesView | null, opts: { perPartition: boolean }): void {
  el.setAttribute('viewBox', `0 0 ${W} ${H}`);
  el.setAttribute('class', 'lag-chart');
  el.setAttribute('role', 'img');
  el.replaceChildren();
  const total = series?.total ?? { t: [], v: [] };
  el.dataset.total = total.v.join(',');
  el.dataset.last = total.v.length ? String(total.v[total.v.length - 1]) : '';
  if (!series || total.t.length === 0) {
    el.append(
      svg(
        'text',
        { x: LEFT, y: H / 2, class: 'hint-text' },
        'No lag sample yet: the first one is taken within the sampling interval.',
      ),
    );
    return;
  }
  const lines: { line: LagLine; cls: string; label: string }[] = [];
  if (opts.perPartition) {
    series.partitions.forEach((p, i) =>
      lines.push({ line: p, cls: `lag-line part part-${i % 6}`, label: `${p.topic} [${p.partition}]` }),
    );
  }
  lines.push({ line: total, cls: 'lag-line total', label: 'total' });
  const all = lines.flatMap((l) => l.line.t);
  const t0 = Math.min(...all);
  const t1 = Math.max(...all, t0 + 1);
  const vmax = Math.max(1, ...lines.flatMap((l) => l.line.v));
  const x = (t: number) => LEFT + ((t - t0) / (t1 - t0)) * (W - LEFT - RIGHT);
  const y = (v: number) => TOP + (1 - v / vmax) * (H - TOP - BOTTOM);
  el.append(
    svg('line', { x1: LEFT, y1: y(0), x2: W - RIGHT, y2: y(0), class: 'axis' }),
    svg('line', { x1: LEFT, y1: TOP, x2: LEFT, y2: y(0), class: 'axis' }),
    svg('text', { x: LEFT - 4, y: TOP + 4, class: 'axis-label end' }, String(vmax)),
    svg('text', { x: LEFT - 4, y: y(0) + 4, class: 'axis-label end' }, '0'),
    svg('text', { x: LEFT, y: H - 6, class: 'axis-label' }, clock(t0)),
    svg('text', { x: W - RIGHT, y: H - 6, class: 'axis-label end' }, clock(t1)),
  );
  for (const l of lines) {
    const pts = l.line.t.map((t, i) => `${x(t).toFixed(1)},${y(l.line.v[i]).toFixed(1)}`).join(' ');
    const g = svg('g', { class: l.cls });
    g.append(svg('title', {}, `${l.label}: ${l.line.v[l.line.v.length - 1] ?? 0} now`));
    if (l.line.t.length === 1) g.append(svg('circle', { cx: x(l.line.t[0]), cy: y(l.line.v[0]), r: 2.5 }));
    else g.append(svg('polyline', { points: pts }));
    el.append(g);
  }
  const last = total.v[total.v.length - 1];
  el.append(svg('text', { x: W - RIGHT, y: TOP + 4, class: 'axis-label end now' }, `lag ${last} now`));
  el.setAttribute('aria-label', `total lag over time, ${last} now, at most ${vmax}`);
}

/** The legend of the per-partition lines (same classes as the lines). */
export function legendItems(series: LagSeriesView | null): { cls: string; label: string }[] {
  return (series?.partitions ?? []).map((p, i) => ({
    cls: `swatch part-${i % 6}`,
    label: `${p.topic} [${p.partition}]`,
  }));
}
