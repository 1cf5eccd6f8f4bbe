/**
 * Record browser (browser side): topic/partition pickers, seek (beginning, end, offset, timestamp), paging,
 * filter (substring or regex on key, value, header), live tail, and the records table with copy / produce-a-copy
 * actions. For a compacted topic: Compact now, and a row marking each gap in the offsets (records compaction
 * removed). Renders host snapshots; saves its inputs with setState. Messages: src/shared/browser-messages.ts.
 * Export: the ticked rows, the page or every match of the filter to JSON Lines, JSON or CSV (the host asks where);
 * "Copy as kcat command" per record. A large key or value (many lines or characters) shows as a one-line preview
 * that opens on click. Times are local with their UTC offset; the time seek box takes local time too.
 * Transactions: a read_uncommitted / read_committed switch; COMMIT / ABORT markers as rows of their own, records of
 * an aborted transaction greyed with a caption, and a line saying where read_committed stopped (the host's
 * stableNote).
 * Where: a header line names the place the panel works (this window's broker, or a remote cluster with a cloud);
 * on a remote cluster Compact now is hidden, and the saved state remembers the cluster so that a panel restored
 * after a reload does not read this window's broker instead.
 */
import type {
  BrowserProtocol,
  BrowserSavedState,
  BrowserSnapshot,
  ExportFormatId,
  IsolationLevel,
  ExportScope,
  RecordFilter,
  RecordRef,
  RecordRow,
  Seek,
} from '../shared/browser-messages';
import { MAX_SELECTION } from '../shared/browser-messages';
import { formatZonedTime, parseTypedTime } from '../shared/record-time';
import {
  brokerStatus,
  button,
  byId,
  channel,
  checked,
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
/** The ticked rows ("partition:offset"), kept while they stay on the page. */
const ticked = new Set<string>();
const refKey = (r: RecordRef) => `${r.partition}:${r.offset}`;
/** A key or value longer than this (characters or lines) is shown as a one-line preview that opens on click. */
const BIG_CHARS = 300;
const BIG_LINES = 6;

const app = byId('app');
app.append(
  h('h2', {}, icon('list-flat'), ' Browse records'),
  h('div', { id: 'panel-source', 'data-testid': 'panel-source', class: 'hint' }),
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
    h('vscode-textfield', {
      id: 'seek-time',
      placeholder: 'time: 2026-12-01 13:05 (local), ISO or ms',
      title: 'Local time (YYYY-MM-DD HH:MM[:SS]), ISO 8601 with a zone, or milliseconds since 1970',
    }),
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
    h(
      'vscode-single-select',
      {
        id: 'isolation',
        title:
          'read_uncommitted: every record, with transaction markers and aborted records shown. read_committed: what a read_committed consumer sees (up to the last stable offset, no aborted records)',
      },
      h('vscode-option', { value: 'read_uncommitted' }, 'read_uncommitted'),
      h('vscode-option', { value: 'read_committed' }, 'read_committed'),
    ),
    h('vscode-checkbox', {
      id: 'compact-rows',
      label: 'One line per record',
      title: 'Each record on one line, cut short',
    }),
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
  h(
    'div',
    { class: 'row' },
    icon('export'),
    h(
      'vscode-single-select',
      { id: 'export-scope', title: 'What to export' },
      h('vscode-option', { value: 'all' }, 'every record the filter matches'),
      h('vscode-option', { value: 'page' }, 'the records on this page'),
      h('vscode-option', { value: 'selection' }, 'the ticked records'),
    ),
    h(
      'vscode-single-select',
      { id: 'export-format', title: 'File format' },
      h('vscode-option', { value: 'jsonl' }, 'JSON Lines'),
      h('vscode-option', { value: 'json' }, 'JSON'),
      h('vscode-option', { value: 'csv' }, 'CSV'),
    ),
    button('Export…', () => void exportNow(), {
      id: 'export',
      secondary: true,
      title: 'Save these records to a file (binary keys and values as base64)',
    }),
    h('span', { id: 'ticked-count', class: 'hint' }),
  ),
  h('div', { id: 'status', class: 'status', role: 'status' }),
  h('div', { id: 'note', class: 'hint' }),
  h('div', { id: 'stable-note', class: 'hint' }),
  h('table', { id: 'records', class: 'data records' }),
);

const topicSel = byId('topic', 'vscode-single-select');
const partSel = byId('partition', 'vscode-single-select');
const filterEl = byId('filter', 'vscode-textfield');
const fieldSel = byId('filter-field', 'vscode-single-select');
const regexEl = byId('filter-regex', 'vscode-checkbox');
const tailEl = byId('tail', 'vscode-checkbox');
const isolationSel = byId('isolation', 'vscode-single-select');

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
    ...state,
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
  const n = parseTypedTime(raw);
  if (n === undefined || n < 0)
    return showStatus(
      `"${raw}" is not a time: type local time (2026-12-01 13:05), ISO 8601 with a zone (2026-12-01T12:05:00Z) or ms since 1970.`,
      'error',
    );
  void open({ kind: 'timestamp', timestamp: Math.floor(n) });
}

async function exportNow(): Promise<void> {
  const scopeValue = valueOf(byId('export-scope', 'vscode-single-select'));
  const formatValue = valueOf(byId('export-format', 'vscode-single-select'));
  const scope: ExportScope = scopeValue === 'page' || scopeValue === 'selection' ? scopeValue : 'all';
  const format: ExportFormatId = formatValue === 'json' || formatValue === 'csv' ? formatValue : 'jsonl';
  const onPage = new Set((snap?.rows ?? []).map(refKey));
  const selection = (snap?.rows ?? [])
    .filter((r) => ticked.has(refKey(r)))
    .map((r) => ({
      partition: r.partition,
      offset: r.offset,
    }));
  for (const k of [...ticked]) if (!onPage.has(k)) ticked.delete(k);
  if (scope === 'selection' && selection.length === 0)
    return showStatus('Tick the records to export first (the box at the start of each row).', 'error');
  showStatus('Exporting…');
  const r = await request('exportRecords', { format, scope, selection: selection.slice(0, MAX_SELECTION) });
  if (r.ok) showStatus('');
}

function renderTicked(): void {
  byId('ticked-count').textContent = ticked.size ? `${ticked.size} ticked` : '';
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

/** A one-line preview of a large text: its start with the whitespace folded, and how much there is. */
function preview(text: string, kind: string): string {
  let flat = text;
  if (kind === 'json') {
    try {
      flat = JSON.stringify(JSON.parse(text));
    } catch {
      // shown as it came
    }
  }
  flat = flat.replace(/\s+/g, ' ').trim();
  const lines = text.split('\n').length;
  const size = lines > 1 ? `${lines} lines, ${text.length} characters` : `${text.length} characters`;
  return `${flat.length > 60 ? `${flat.slice(0, 60)}…` : flat} (${size})`;
}

/** A key or value cell; `schema` is the decoder's caption ("Avro · orders-value v2 (id 3)", or why it failed). */
function cell(text: string | null, kind: string, cls: string, schema?: string): HTMLElement {
  if (text === null) return h('td', { class: `${cls} null` }, 'null');
  if (schema !== undefined) {
    const inner = cell(text, kind, cls);
    inner.prepend(h('div', { class: 'schema-caption' }, schema));
    return inner;
  }
  const full =
    kind === 'json'
      ? h('pre', {}, text)
      : kind === 'binary'
        ? h('code', { title: 'binary, shown as hex' }, text)
        : text;
  const big = text.length > BIG_CHARS || text.split('\n').length > BIG_LINES;
  if (!big) return h('td', { class: `${cls} ${kind}` }, full);
  return h(
    'td',
    { class: `${cls} ${kind} big` },
    h(
      'details',
      {},
      h('summary', { title: 'Show all of it' }, preview(text, kind)),
      typeof full === 'string' ? h('pre', {}, full) : full,
    ),
  );
}

/** A transaction marker (control batch): COMMIT or ABORT, its producer id and epoch, at its offset. */
function markerRow(r: RecordRow): HTMLElement {
  const m = r.marker!;
  const ts = h('td', { class: 'time', title: `${r.timestamp} ms since 1970` }, formatZonedTime(r.timestamp));
  return h(
    'tr',
    {
      class: `marker ${m.type.toLowerCase()}`,
      'data-partition': r.partition,
      'data-offset': r.offset,
      'data-marker': m.type,
    },
    h('td', {}, ''),
    h('td', { class: 'num partition' }, String(r.partition)),
    h('td', { class: 'num offset' }, String(r.offset)),
    ts,
    h(
      'td',
      { colspan: 4, class: 'marker-text' },
      icon(m.type === 'COMMIT' ? 'pass' : m.type === 'ABORT' ? 'circle-slash' : 'question'),
      ' ',
      h('b', {}, m.type),
      ` marker · producer ${m.producerId} · epoch ${m.producerEpoch}`,
      h(
        'span',
        { class: 'hint' },
        m.type === 'COMMIT'
          ? ' — the transaction’s records before it are committed'
          : m.type === 'ABORT'
            ? ' — the transaction’s records before it are aborted (read_committed consumers skip them)'
            : ' — a control record of an unknown type',
      ),
    ),
  );
}

function row(r: RecordRow): HTMLElement {
  if (r.marker) return markerRow(r);
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
  const kcat = button(
    '',
    () =>
      void request('copyKcat', { partition: r.partition, offset: r.offset }).then(
        (x) => x.ok && showStatus(`Copied the kcat command that prints record ${r.partition}@${r.offset}.`),
      ),
    { icon: 'terminal', secondary: true, title: 'Copy as kcat command' },
  );
  const ts = h(
    'td',
    {
      class: 'time',
      title: `${r.timestampType === 1 ? 'LogAppendTime' : 'CreateTime'}, ${r.timestamp} ms since 1970 (${new Date(r.timestamp).toISOString()})`,
    },
    formatZonedTime(r.timestamp),
  );
  const pick = h('input', {
    type: 'checkbox',
    class: 'pick',
    title: 'Tick to export',
    checked: ticked.has(refKey(r)),
  });
  pick.addEventListener('change', () => {
    if (pick.checked) ticked.add(refKey(r));
    else ticked.delete(refKey(r));
    renderTicked();
  });
  if (r.txn) ts.append(h('div', { class: `txn-caption ${r.txn.state}` }, r.txn.caption));
  return h(
    'tr',
    {
      class: r.txn ? `record txn-${r.txn.state}` : 'record',
      'data-partition': r.partition,
      'data-offset': r.offset,
      ...(r.txn ? { 'data-txn': r.txn.state } : {}),
    },
    h('td', { class: 'pick' }, pick),
    h('td', { class: 'num partition' }, String(r.partition)),
    h('td', { class: 'num offset' }, String(r.offset)),
    ts,
    cell(r.key, r.keyKind, 'key', r.keySchema),
    cell(r.value, r.valueKind, 'value', r.valueSchema),
    h(
      'td',
      { class: 'headers' },
      ...r.headers.map((x) => h('div', {}, h('b', {}, x.key), '=', x.value ?? 'null')),
      r.compression ? h('span', { class: 'tag' }, compression[r.compression] ?? `codec ${r.compression}`) : null,
    ),
    h('td', { class: 'actions' }, copy, kcat, again),
  );
}

/** A row standing for offsets [from, to] of a partition that compaction removed. */
function gapRow(partition: number, from: number, to: number): HTMLElement {
  const what = from === to ? `offset ${from}` : `offsets ${from}–${to}`;
  return h(
    'tr',
    { class: 'gap', 'data-partition': partition, 'data-from': from, 'data-to': to },
    h('td', {}, ''),
    h('td', { class: 'num partition' }, String(partition)),
    h('td', { colspan: 6 }, icon('fold'), ` ${what}: removed by compaction (a later record has the same key)`),
  );
}

/** The rows, with a gap row wherever a partition's offsets skip (only meaningful unfiltered, on a compacted topic). */
function rowsWithGaps(s: BrowserSnapshot): HTMLElement[] {
  // read_committed skips aborted records and markers: those offsets are not gaps of compaction
  if (!s.compacted || s.filter.text !== '' || s.isolation === 'read_committed') return s.rows.map(row);
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
  // a panel on a remote cluster remembers which one: restored after a reload, it does not read this window's broker
  if (s.remote) state.remote = s.where;
  else delete state.remote;
  save();
  byId('panel-source').replaceChildren(...(s.remote ? [icon('cloud'), ' '] : []), `Working on: ${s.where}`);
  renderSelects();
  const f = JSON.stringify(s.filter);
  if (f !== lastFilter) {
    lastFilter = f;
    setValue(filterEl, state.filter.text);
    setValue(fieldSel, state.filter.field);
    regexEl.checked = state.filter.regex;
  }
  tailEl.checked = s.tail;
  setValue(isolationSel, s.isolation);
  if (state.isolation !== s.isolation) {
    state = { ...state, isolation: s.isolation };
    save();
  }
  byId('stable-note').textContent = s.stableNote ?? '';
  byId('prev', 'vscode-button').disabled = !s.hasPrev || s.tail;
  byId('next', 'vscode-button').disabled = !s.hasNext || s.tail;
  byId('range').textContent = s.ranges.map((r) => `p${r.partition}: ${r.logStartOffset}…${r.logEndOffset}`).join('   ');
  brokerStatus(s.brokerRunning);
  if (s.brokerRunning && s.error) showStatus(s.error, 'error');
  else if (shownError !== null && byId('status').textContent === shownError) showStatus('');
  shownError = s.brokerRunning ? s.error : null;
  byId('note').textContent = s.note ?? '';
  // a tick belongs to a row of the page: rows that left the page are not exported as "ticked"
  const onPage = new Set(s.rows.map(refKey));
  for (const k of [...ticked]) if (!onPage.has(k)) ticked.delete(k);
  renderTicked();
  const all = h('input', {
    type: 'checkbox',
    id: 'tick-all',
    title: 'Tick every record on this page',
    checked: s.rows.length > 0 && ticked.size === s.rows.length,
  });
  all.addEventListener('change', () => {
    for (const r of s.rows)
      if (all.checked) ticked.add(refKey(r));
      else ticked.delete(refKey(r));
    for (const box of document.querySelectorAll<HTMLInputElement>('#records input.pick')) box.checked = all.checked;
    renderTicked();
  });
  const table = byId('records');
  table.replaceChildren(
    h(
      'tr',
      {},
      h('th', { class: 'pick' }, all),
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
  byId('compact').hidden = !s.compacted || s.remote; // the Kafka protocol has no request to compact a topic
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
isolationSel.addEventListener('change', () => {
  const v = valueOf(isolationSel);
  const isolation: IsolationLevel = v === 'read_committed' ? 'read_committed' : 'read_uncommitted';
  state = { ...state, isolation };
  save();
  showStatus('Reading…');
  void request('setIsolation', { isolation }).then((r) => r.ok && showStatus(''));
});
const compactEl = byId('compact-rows', 'vscode-checkbox');
const applyCompact = () => byId('records').classList.toggle('compact', state.compact === true);
compactEl.checked = state.compact === true;
applyCompact();
compactEl.addEventListener('change', () => {
  state = { ...state, compact: checked(compactEl) };
  save();
  applyCompact();
});
filterEl.addEventListener('keydown', (e) => {
  if ((e as KeyboardEvent).key === 'Enter') void open(state.seek);
});

listen({ snapshot: (m) => render(m.state) });
renderSelects();
// the host starts in read_uncommitted: a panel restored in read_committed asks for it again (before its first render)
const restoredIsolation = state.isolation;
if (restoredIsolation === 'read_committed') state = { ...state, isolation: undefined };
void request('ready').then(() => {
  if (restoredIsolation === 'read_committed') void request('setIsolation', { isolation: 'read_committed' });
});
