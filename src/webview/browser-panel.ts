/**
 * Record browser (browser side): topic/partition pickers, seek (beginning, end, offset, timestamp), paging,
 * filter (substring or regex on key, value, header), live tail, and the records table with copy / produce-a-copy
 * actions. For a compacted topic: Compact now, and a row marking each gap in the offsets (records compaction
 * removed). Renders host snapshots; saves its inputs with setState. Messages: src/shared/browser-messages.ts.
 */
import type {
  BrowserProtocol,
  BrowserSavedState,
  BrowserSnapshot,
  RecordFilter,
  RecordRow,
  Seek,
} from '../shared/browser-messages';
import {
  brokerStatus,
  button,
  byId,
  channel,
  checked,
  formatTime,
  h,
  icon,
  setOptions,
  setValue,
  showStatus,
  valueOf,
  vscode,
} from './common';

const { request, listen } = channel<BrowserProtocol>();

const saved = vscode.getState() as BrowserSavedState | undefined;
let state: BrowserSavedState = saved ?? {
  topic: '',
  partition: null,
  seek: { kind: 'beginning' },
  filter: { text: '', regex: false, field: 'any' },
  tail: false,
};
let snap: BrowserSnapshot | null = null;
let lastFilter = '';
/** The snapshot error on screen, taken away once a snapshot no longer has it. */
let shownError: string | null = null;
const compression = ['', 'gzip', 'snappy', 'lz4', 'zstd'];

const app = byId('app');
app.append(
  h('h2', {}, icon('list-flat'), ' Browse records'),
  h(
    'div',
    { class: 'row' },
    h('vscode-single-select', { id: 'topic', class: 'grow', title: 'Topic' }),
    h('vscode-single-select', { id: 'partition', title: 'Partition' }),
    button('Beginning', () => void open({ kind: 'beginning' }), {
      id: 'seek-beginning',
      icon: 'debug-step-back',
      secondary: true,
    }),
    button('End', () => void open({ kind: 'end' }), { id: 'seek-end', icon: 'debug-step-over', secondary: true }),
    h('vscode-textfield', { id: 'seek-offset', class: 'narrow', placeholder: 'offset' }),
    button('Go', () => seekOffset(), { id: 'seek-offset-go', secondary: true, title: 'Seek to this offset' }),
    h('vscode-textfield', { id: 'seek-time', placeholder: 'timestamp (ISO or ms)' }),
    button('Go', () => seekTime(), {
      id: 'seek-time-go',
      secondary: true,
      title: 'Seek to the first record at or after this time',
    }),
  ),
  h(
    'div',
    { class: 'row' },
    icon('filter'),
    h('vscode-textfield', {
      id: 'filter',
      class: 'grow',
      placeholder: 'filter: substring (case-insensitive) or regex',
    }),
    h(
      'vscode-single-select',
      { id: 'filter-field' },
      h('vscode-option', { value: 'any' }, 'key, value or header'),
      h('vscode-option', { value: 'key' }, 'key'),
      h('vscode-option', { value: 'value' }, 'value'),
      h('vscode-option', { value: 'header' }, 'header'),
    ),
    h('vscode-checkbox', { id: 'filter-regex', label: 'regex' }),
    button('Apply', () => void open(state.seek), { id: 'apply-filter', icon: 'search' }),
    h('vscode-checkbox', { id: 'tail', label: 'Live tail' }),
  ),
  h(
    'div',
    { class: 'row' },
    button('Previous', () => void request('page', { direction: 'prev' }), {
      id: 'prev',
      icon: 'chevron-left',
      secondary: true,
    }),
    button('Next', () => void request('page', { direction: 'next' }), {
      id: 'next',
      icon: 'chevron-right',
      secondary: true,
    }),
    h('span', { id: 'range', class: 'hint' }),
    button('Compact now', () => void compactNow(), {
      id: 'compact',
      icon: 'fold',
      secondary: true,
      title: 'Keep only the latest record of each key (cleanup.policy=compact); offsets do not change',
    }),
  ),
  h('div', { id: 'status', class: 'status', role: 'status' }),
  h('div', { id: 'note', class: 'hint' }),
  h('table', { id: 'records', class: 'data records' }),
);

const topicSel = byId('topic', 'vscode-single-select');
const partSel = byId('partition', 'vscode-single-select');
const filterEl = byId('filter', 'vscode-textfield');
const fieldSel = byId('filter-field', 'vscode-single-select');
const regexEl = byId('filter-regex', 'vscode-checkbox');
const tailEl = byId('tail', 'vscode-checkbox');

function save(): void {
  vscode.setState(state);
}

function readFilter(): RecordFilter {
  const f = valueOf(fieldSel);
  return {
    text: valueOf(filterEl),
    regex: checked(regexEl),
    field: f === 'key' || f === 'value' || f === 'header' ? f : 'any',
  };
}

async function open(seek: Seek): Promise<void> {
  const topic = valueOf(topicSel);
  if (!topic) return showStatus('Pick a topic.', 'error');
  const p = valueOf(partSel);
  state = {
    topic,
    partition: p === 'all' || p === '' ? null : Number(p),
    seek,
    filter: readFilter(),
    tail: checked(tailEl),
  };
  save();
  showStatus('Reading…');
  const r = await request('open', {
    topic: state.topic,
    partition: state.partition,
    seek: state.seek,
    filter: state.filter,
    tail: state.tail,
  });
  if (r.ok) showStatus('');
}

async function compactNow(): Promise<void> {
  showStatus('Compacting…');
  const r = await request('compact');
  if (r.ok) showStatus('');
}

function seekOffset(): void {
  const raw = valueOf(byId('seek-offset', 'vscode-textfield')).trim();
  if (!/^\d+$/.test(raw)) return showStatus(`"${raw}" is not an offset (a whole number ≥ 0).`, 'error');
  void open({ kind: 'offset', offset: Number(raw) });
}

function seekTime(): void {
  const raw = valueOf(byId('seek-time', 'vscode-textfield')).trim();
  const n = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(n) || n < 0)
    return showStatus(`"${raw}" is not a time: use an ISO date (2024-01-31T12:00:00Z) or ms since 1970.`, 'error');
  void open({ kind: 'timestamp', timestamp: Math.floor(n) });
}

function renderSelects(): void {
  const topics = snap?.topics ?? [];
  const names = topics.map((t) => t.name);
  if (state.topic && !names.includes(state.topic)) names.unshift(state.topic);
  setOptions(
    topicSel,
    [{ value: '', label: '(pick a topic)' }, ...names.map((n) => ({ value: n, label: n }))],
    state.topic,
  );
  const count = topics.find((t) => t.name === state.topic)?.partitions ?? 0;
  setOptions(
    partSel,
    [
      { value: 'all', label: 'all partitions' },
      ...Array.from({ length: count }, (_, i) => ({ value: String(i), label: `partition ${i}` })),
    ],
    state.partition === null ? 'all' : String(state.partition),
  );
}

function cell(text: string | null, kind: string, cls: string): HTMLElement {
  if (text === null) return h('td', { class: `${cls} null` }, 'null');
  return h(
    'td',
    { class: `${cls} ${kind}` },
    kind === 'json'
      ? h('pre', {}, text)
      : kind === 'binary'
        ? h('code', { title: 'binary, shown as hex' }, text)
        : text,
  );
}

function row(r: RecordRow): HTMLElement {
  const copy = button(
    '',
    () =>
      void request('copyRecord', { partition: r.partition, offset: r.offset }).then(
        (x) => x.ok && showStatus(`Copied record ${r.partition}@${r.offset} as JSON.`),
      ),
    { icon: 'copy', secondary: true, title: 'Copy as JSON' },
  );
  const again = button('', () => void request('produceCopy', { partition: r.partition, offset: r.offset }), {
    icon: 'send',
    secondary: true,
    title: 'Produce a copy (opens the producer prefilled)',
  });
  const ts = h(
    'td',
    { class: 'time', title: r.timestampType === 1 ? 'LogAppendTime' : 'CreateTime' },
    formatTime(r.timestamp),
  );
  return h(
    'tr',
    { class: 'record', 'data-partition': r.partition, 'data-offset': r.offset },
    h('td', { class: 'num partition' }, String(r.partition)),
    h('td', { class: 'num offset' }, String(r.offset)),
    ts,
    cell(r.key, r.keyKind, 'key'),
    cell(r.value, r.valueKind, 'value'),
    h(
      'td',
      { class: 'headers' },
      ...r.headers.map((x) => h('div', {}, h('b', {}, x.key), '=', x.value ?? 'null')),
      r.compression ? h('span', { class: 'tag' }, compression[r.compression] ?? `codec ${r.compression}`) : null,
    ),
    h('td', { class: 'actions' }, copy, again),
  );
}

/** A row standing for offsets [from, to] of a partition that compaction removed. */
function gapRow(partition: number, from: number, to: number): HTMLElement {
  const what = from === to ? `offset ${from}` : `offsets ${from}–${to}`;
  return h(
    'tr',
    { class: 'gap', 'data-partition': partition, 'data-from': from, 'data-to': to },
    h('td', { class: 'num partition' }, String(partition)),
    h('td', { colspan: 6 }, icon('fold'), ` ${what}: removed by compaction (a later record has the same key)`),
  );
}

/** The rows, with a gap row wherever a partition's offsets skip (only meaningful unfiltered, on a compacted topic). */
function rowsWithGaps(s: BrowserSnapshot): HTMLElement[] {
  if (!s.compacted || s.filter.text !== '') return s.rows.map(row);
  const last = new Map<number, number>();
  // On the first page, a gap may also open the log: count from each partition's log start.
  if (!s.hasPrev && !s.tail) for (const r of s.ranges) last.set(r.partition, r.logStartOffset - 1);
  const out: HTMLElement[] = [];
  for (const r of s.rows) {
    const prev = last.get(r.partition);
    if (prev !== undefined && r.offset > prev + 1) out.push(gapRow(r.partition, prev + 1, r.offset - 1));
    last.set(r.partition, r.offset);
    out.push(row(r));
  }
  return out;
}

function render(s: BrowserSnapshot): void {
  snap = s;
  if (s.topic !== state.topic) {
    // another topic (or none: the open one was deleted): positions typed for the old one mean nothing here
    setValue(byId('seek-offset', 'vscode-textfield'), '');
    setValue(byId('seek-time', 'vscode-textfield'), '');
  }
  // The host's page is the truth: its topic (also none, after a deletion), partition, filter and tail mode.
  state = { ...state, topic: s.topic, partition: s.partition, filter: s.filter, tail: s.tail };
  save();
  renderSelects();
  const f = JSON.stringify(s.filter);
  if (f !== lastFilter) {
    lastFilter = f;
    setValue(filterEl, state.filter.text);
    setValue(fieldSel, state.filter.field);
    regexEl.checked = state.filter.regex;
  }
  tailEl.checked = s.tail;
  byId('prev', 'vscode-button').disabled = !s.hasPrev || s.tail;
  byId('next', 'vscode-button').disabled = !s.hasNext || s.tail;
  byId('range').textContent = s.ranges.map((r) => `p${r.partition}: ${r.logStartOffset}…${r.logEndOffset}`).join('   ');
  brokerStatus(s.brokerRunning);
  if (s.brokerRunning && s.error) showStatus(s.error, 'error');
  else if (shownError !== null && byId('status').textContent === shownError) showStatus('');
  shownError = s.brokerRunning ? s.error : null;
  byId('note').textContent = s.note ?? '';
  const table = byId('records');
  table.replaceChildren(
    h(
      'tr',
      {},
      h('th', {}, 'P'),
      h('th', {}, 'Offset'),
      h('th', {}, 'Timestamp'),
      h('th', {}, 'Key'),
      h('th', {}, 'Value'),
      h('th', {}, 'Headers'),
      h('th', {}, ''),
    ),
    ...rowsWithGaps(s),
  );
  byId('compact').hidden = !s.compacted;
  if (s.tail) table.lastElementChild?.scrollIntoView({ block: 'nearest' });
  document.body.dataset.ready = 'true';
}

topicSel.addEventListener('change', () => {
  if (valueOf(topicSel) !== state.topic) {
    state.topic = valueOf(topicSel);
    state.partition = null;
    renderSelects();
    void open({ kind: 'beginning' });
  }
});
partSel.addEventListener('change', () => void open({ kind: 'beginning' }));
tailEl.addEventListener('change', () => void request('setTail', { tail: checked(tailEl) }));
filterEl.addEventListener('keydown', (e) => {
  if ((e as KeyboardEvent).key === 'Enter') void open(state.seek);
});

listen({ snapshot: (m) => render(m.state) });
renderSelects();
void request('ready');
