/**
 * Producer panel (browser side): the form (topic, partition, key, value, headers, timestamp, copies,
 * idempotence), the idempotence controls and the results list. Renders host snapshots; saves the form with
 * setState so a reload restores it. Messages: src/shared/producer-messages.ts.
 */
import type {
  HeaderRow,
  ProducerForm,
  ProducerProtocol,
  ProducerSavedState,
  ProducerSnapshot,
  ValueFormat,
} from '../shared/producer-messages';
import {
  RECORDS_FILE_FORMAT,
  VALUE_FORMATS,
  decodeTypedBytes,
  emptyProducerForm,
  partitionSummaryLine,
} from '../shared/producer-messages';
import { topicNameProblem } from '../shared/topic-name';
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

const { request, listen } = channel<ProducerProtocol>();

const savedState = vscode.getState() as Partial<ProducerSavedState> | undefined;
const saved = savedState?.form;
let form: ProducerForm = saved ? { ...emptyProducerForm(), ...saved } : emptyProducerForm();
let snap: ProducerSnapshot | null = null;
/** The prefill already loaded: kept in the saved state, so a re-created webview does not load it over the form. */
let appliedPrefill: string | null = savedState?.appliedPrefill ?? null;
/** Outcomes up to this number are not shown any more (a newer problem replaced them). */
let setAside = 0;

const app = byId('app');
app.append(
  h('h2', {}, icon('send'), ' Produce records'),
  h(
    'div',
    { class: 'grid' },
    h('label', { for: 'topic' }, 'Topic'),
    h(
      'div',
      { class: 'row' },
      h('vscode-single-select', { id: 'topic', class: 'grow' }),
      h('vscode-textfield', { id: 'new-topic', placeholder: 'new topic name' }),
      h('vscode-textfield', { id: 'new-partitions', class: 'narrow', value: '3', title: 'partitions' }),
      button('Create', () => void createTopic(), {
        id: 'create-topic',
        icon: 'add',
        secondary: true,
        title: 'Create the topic and select it',
      }),
    ),
    h('label', { for: 'partition' }, 'Partition'),
    h('vscode-single-select', { id: 'partition' }),
    h('label', { for: 'key' }, 'Key'),
    h('vscode-textfield', { id: 'key', placeholder: 'empty = no key;  {{i}} = copy number' }),
    h('label', { for: 'value' }, 'Value'),
    h(
      'div',
      { class: 'col' },
      h('vscode-textarea', { id: 'value', rows: 5, placeholder: 'text or JSON;  {{i}} = copy number' }),
      h(
        'div',
        { class: 'row' },
        h(
          'vscode-single-select',
          { id: 'value-format', class: 'narrow' },
          h('vscode-option', { value: 'text' }, 'Text'),
          h('vscode-option', { value: 'json' }, 'JSON'),
          h('vscode-option', { value: 'hex' }, 'Bytes (hex)'),
          h('vscode-option', { value: 'base64' }, 'Bytes (base64)'),
        ),
        button('Format JSON', formatJson, { id: 'format-json', icon: 'json', secondary: true }),
        h('span', { id: 'json-check', class: 'hint' }),
      ),
    ),
    h('label', {}, 'Headers'),
    h(
      'div',
      { class: 'col' },
      h('div', { id: 'headers', class: 'col' }),
      h(
        'div',
        {},
        button(
          'Add header',
          () => {
            form.headers.push({ key: '', value: '' });
            renderHeaders();
            save();
          },
          { id: 'add-header', icon: 'add', secondary: true },
        ),
      ),
    ),
    h('label', { for: 'timestamp' }, 'Timestamp'),
    h(
      'div',
      { class: 'row' },
      h('vscode-checkbox', { id: 'ts-explicit', label: 'explicit' }),
      h('vscode-textfield', {
        id: 'timestamp',
        placeholder: 'ms since epoch or 2024-01-31T12:00:00Z (unchecked = now)',
        class: 'grow',
      }),
    ),
    h('label', { for: 'copies' }, 'Copies'),
    h(
      'div',
      { class: 'row' },
      h('vscode-textfield', { id: 'copies', class: 'narrow', value: '1' }),
      h('span', { class: 'hint' }, '{{i}} in key, value and headers becomes 1..N'),
    ),
    h('label', {}, 'Producer'),
    h('vscode-checkbox', {
      id: 'idempotent',
      label: 'Idempotent (producer id + sequence numbers; a retry is stored once)',
    }),
  ),
  h(
    'div',
    { class: 'row actions' },
    button('Send', () => void send(), { id: 'send', icon: 'send' }),
    h('vscode-textfield', {
      id: 'file',
      placeholder: 'records.json or records.jsonl (in the workspace)',
      class: 'grow',
    }),
    button('Browse…', () => void pickFile(), {
      id: 'pick-file',
      icon: 'folder-opened',
      secondary: true,
      title: 'Pick a .jsonl or .json file in the workspace',
    }),
    button('Send many from file', () => void sendFile(), { id: 'send-file', icon: 'file', secondary: true }),
  ),
  h('div', { id: 'file-format', class: 'hint' }, RECORDS_FILE_FORMAT),
  h('div', { id: 'status', class: 'status', role: 'status' }),
  h('vscode-divider', {}),
  h('h3', {}, icon('shield'), ' Idempotence'),
  h('div', { id: 'idem-info', class: 'hint' }),
  h('table', { id: 'sequences', class: 'data' }),
  h(
    'div',
    { class: 'row actions' },
    button('Resend last batch', () => void request('resendLast'), {
      id: 'resend',
      icon: 'refresh',
      secondary: true,
      title: 'Send the exact same batch again, as a client retry after a lost acknowledgement',
    }),
    button('Skip a sequence number', () => void skip(), {
      id: 'skip',
      icon: 'debug-step-over',
      secondary: true,
      title: 'The next batch to the last partition jumps one sequence number',
    }),
  ),
  h('div', { id: 'outcome', class: 'outcome' }),
  h('vscode-divider', {}),
  h('h3', {}, icon('list-ordered'), ' Results'),
  h('table', { id: 'results', class: 'data' }),
);

const topicSel = byId('topic', 'vscode-single-select');
const partSel = byId('partition', 'vscode-single-select');
const keyEl = byId('key', 'vscode-textfield');
const valueEl = byId('value', 'vscode-textarea');
const fmtSel = byId('value-format', 'vscode-single-select');
const tsCheck = byId('ts-explicit', 'vscode-checkbox');
const tsEl = byId('timestamp', 'vscode-textfield');
const copiesEl = byId('copies', 'vscode-textfield');
const idemEl = byId('idempotent', 'vscode-checkbox');

function save(): void {
  const state: ProducerSavedState = { form, appliedPrefill };
  vscode.setState(state);
}

function loadForm(f: ProducerForm): void {
  form = { ...emptyProducerForm(), ...f, headers: f.headers.map((x) => ({ ...x })) };
  setValue(keyEl, form.key);
  setValue(valueEl, form.value);
  setValue(fmtSel, form.valueFormat);
  tsCheck.checked = form.timestamp !== null;
  setValue(tsEl, form.timestamp === null ? '' : String(form.timestamp));
  setValue(copiesEl, String(form.copies));
  idemEl.checked = form.idempotent;
  renderHeaders();
  renderSelects();
  checkJson();
  save();
}

function readForm(): ProducerForm | string {
  const copies = Number(valueOf(copiesEl).trim() || '1');
  if (!Number.isInteger(copies) || copies < 1 || copies > 10000)
    return 'Copies must be a whole number from 1 to 10000.';
  let timestamp: number | null = null;
  if (checked(tsCheck)) {
    const raw = valueOf(tsEl).trim();
    const n = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
    if (!Number.isFinite(n) || n < 0) return `"${raw}" is not a timestamp: use milliseconds since 1970 or an ISO date.`;
    timestamp = Math.floor(n);
  }
  const p = valueOf(partSel);
  form = {
    topic: valueOf(topicSel),
    partition: p === 'auto' || p === '' ? null : Number(p),
    key: valueOf(keyEl),
    value: valueOf(valueEl),
    valueFormat: (VALUE_FORMATS as readonly string[]).includes(valueOf(fmtSel))
      ? (valueOf(fmtSel) as ValueFormat)
      : 'text',
    headers: form.headers,
    timestamp,
    copies,
    idempotent: checked(idemEl),
  };
  save();
  return form;
}

function checkJson(): boolean {
  const out = byId('json-check');
  if (valueOf(fmtSel) !== 'json') {
    out.textContent = '';
    return true;
  }
  try {
    JSON.parse(valueOf(valueEl).split('{{i}}').join('1'));
    out.textContent = '✓ valid JSON';
    out.className = 'hint ok';
    return true;
  } catch (e) {
    out.textContent = `✗ ${(e as Error).message}`;
    out.className = 'hint error';
    return false;
  }
}

function formatJson(): void {
  try {
    setValue(valueEl, JSON.stringify(JSON.parse(valueOf(valueEl)), null, 2));
    setValue(fmtSel, 'json');
    readForm();
    checkJson();
  } catch (e) {
    showStatus(`Cannot format: the value is not valid JSON (${(e as Error).message}).`, 'error');
  }
}

function renderHeaders(): void {
  const box = byId('headers');
  box.replaceChildren(
    ...form.headers.map((row: HeaderRow, i) => {
      const k = h('vscode-textfield', { placeholder: 'header name', value: row.key, class: 'header-key' });
      const v = h('vscode-textfield', { placeholder: 'header value', value: row.value, class: 'grow header-value' });
      k.addEventListener('input', () => {
        row.key = valueOf(k);
        save();
      });
      v.addEventListener('input', () => {
        row.value = valueOf(v);
        save();
      });
      return h(
        'div',
        { class: 'row' },
        k,
        v,
        button(
          '',
          () => {
            form.headers.splice(i, 1);
            renderHeaders();
            save();
          },
          { icon: 'trash', secondary: true, title: 'Remove header' },
        ),
      );
    }),
  );
}

function renderSelects(): void {
  const topics = snap?.topics ?? [];
  const names = topics.map((t) => t.name);
  if (form.topic && !names.includes(form.topic)) names.unshift(form.topic);
  setOptions(
    topicSel,
    [
      { value: '', label: topics.length ? '(pick a topic)' : '(no topics yet: create one)' },
      ...names.map((n) => ({ value: n, label: n })),
    ],
    form.topic,
  );
  const count = topics.find((t) => t.name === form.topic)?.partitions ?? 0;
  const parts = [
    { value: 'auto', label: 'automatic (by key)' },
    ...Array.from({ length: count }, (_, i) => ({ value: String(i), label: `partition ${i}` })),
  ];
  setOptions(partSel, parts, form.partition === null || form.partition >= count ? 'auto' : String(form.partition));
}

async function createTopic(): Promise<void> {
  const name = valueOf(byId('new-topic', 'vscode-textfield')).trim();
  const partitions = Number(valueOf(byId('new-partitions', 'vscode-textfield')).trim() || '1');
  if (!name) return refuse('Type a name for the new topic.');
  const problem = topicNameProblem(name);
  if (problem) return refuse(problem);
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > 10000)
    return refuse('Partitions must be a whole number from 1 to 10000.');
  const r = await request('createTopic', { name, partitions });
  if (r.ok) {
    form.topic = name;
    form.partition = null;
    save();
    renderSelects();
    setValue(byId('new-topic', 'vscode-textfield'), '');
    showStatus(`Created topic "${name}".`);
  }
}

async function send(): Promise<void> {
  const f = readForm();
  if (typeof f === 'string') return refuse(f);
  if (!f.topic) return refuse('Pick a topic first (or create one).');
  if (f.valueFormat === 'json' && !checkJson()) return refuse('The value is not valid JSON.');
  if (f.valueFormat === 'hex' || f.valueFormat === 'base64') {
    try {
      decodeTypedBytes(f.value.split('{{i}}').join('1'), f.valueFormat);
    } catch (e) {
      return refuse(`The value is not ${f.valueFormat}: ${(e as Error).message}`);
    }
  }
  showStatus('Sending…');
  const r = await request('send', { form: f });
  if (r.ok) showStatus('Sent.');
}

async function pickFile(): Promise<void> {
  const r = await request('pickFile');
  if (r.ok && r.result.path !== null) {
    setValue(byId('file', 'vscode-textfield'), r.result.path);
    showStatus(`Picked ${r.result.path}: press "Send many from file" to send its records.`);
  }
}

async function sendFile(): Promise<void> {
  const f = readForm();
  if (typeof f === 'string') return refuse(f);
  if (!f.topic) return refuse('Pick a topic first.');
  const path = valueOf(byId('file', 'vscode-textfield')).trim();
  if (!path) return refuse('Type the path of a .json or .jsonl file in the workspace.');
  showStatus(`Sending records from ${path}…`);
  const r = await request('sendFile', { path, topic: f.topic, partition: f.partition, idempotent: f.idempotent });
  if (r.ok) showStatus(`Sent the records of ${path}.`);
}

async function skip(): Promise<void> {
  const last = snap?.lastBatch;
  const f = readForm();
  const topic = last?.topic ?? (typeof f === 'string' ? '' : f.topic);
  const partition = last?.partition ?? (typeof f === 'string' ? null : f.partition) ?? 0;
  if (!topic) return refuse('Send a batch first: the skip applies to the partition of the last batch.');
  await request('skipSequence', { topic, partition });
}

/** The outcome of the last request, unless the panel set it aside for a newer problem (refuse()). */
function renderOutcome(): void {
  const out = byId('outcome');
  out.replaceChildren();
  out.className = 'outcome';
  const o = snap?.outcome;
  if (o && (o.seq ?? 0) > setAside) {
    out.classList.add(o.kind);
    out.dataset.kind = o.kind;
    const ic = {
      sent: 'pass',
      'stored-once': 'pass-filled',
      'stored-twice': 'warning',
      'out-of-order': 'error',
      error: 'error',
    }[o.kind];
    out.append(icon(ic), ' ', h('span', { class: 'caption' }, o.caption));
    if (o.partitions && o.partitions.length > 1)
      out.append(
        h(
          'ul',
          { class: 'per-partition' },
          ...o.partitions.map((p) => h('li', { 'data-partition': p.partition }, partitionSummaryLine(p))),
        ),
      );
  }
}

/** A problem found before anything is sent: shown in the status line, and the older outcome is set aside. */
function refuse(text: string): void {
  setAside = snap?.outcome?.seq ?? setAside;
  renderOutcome();
  showStatus(text, 'error');
}

function render(s: ProducerSnapshot): void {
  snap = s;
  if (s.prefill && s.prefillId !== null && s.prefillId !== appliedPrefill) {
    appliedPrefill = s.prefillId;
    loadForm(s.prefill);
  }
  renderSelects();
  idemEl.checked = s.idempotent;
  form.idempotent = s.idempotent;
  document.body.classList.toggle('stopped', !s.brokerRunning);
  brokerStatus(s.brokerRunning);

  byId('idem-info').textContent = s.idempotent
    ? s.producerId >= 0
      ? `Producer id ${s.producerId}, epoch ${s.producerEpoch}. Each batch carries the sequence number of its first record; the broker keeps the last 5 per partition.`
      : 'Idempotent: the first send asks the broker for a producer id (InitProducerId).'
    : 'Idempotence is off: batches carry no producer id or sequence numbers, so the broker cannot detect retries.';
  byId('idem-info').dataset.producerId = String(s.producerId);
  const seq = byId('sequences');
  seq.replaceChildren(
    h(
      'tr',
      {},
      h('th', {}, 'Topic'),
      h('th', {}, 'Partition'),
      h('th', {}, 'Next sequence (producer)'),
      h('th', {}, 'Next sequence (broker)'),
    ),
    ...s.sequences.map((r) =>
      h(
        'tr',
        {},
        h('td', {}, r.topic),
        h('td', { class: 'num' }, String(r.partition)),
        h('td', { class: 'num' }, String(r.nextSequence)),
        h('td', { class: 'num' }, r.brokerNextSequence < 0 ? '–' : String(r.brokerNextSequence)),
      ),
    ),
  );
  seq.hidden = s.sequences.length === 0;
  byId('skip', 'vscode-button').disabled = !s.idempotent;

  renderOutcome();

  const res = byId('results');
  const rows = s.results.slice(-200).reverse();
  res.replaceChildren(
    h(
      'tr',
      {},
      h('th', {}, 'Topic'),
      h('th', {}, 'Partition'),
      h('th', {}, 'Offset'),
      h('th', {}, 'Key'),
      h('th', {}, ''),
    ),
    ...rows.map((r) => {
      const link = h(
        'a',
        { href: '#', class: 'browse', title: 'Open in the record browser' },
        icon('go-to-file'),
        ' browse',
      );
      link.addEventListener('click', (e) => {
        e.preventDefault();
        void request('openBrowser', { topic: r.topic, partition: r.partition, offset: r.offset });
      });
      return h(
        'tr',
        { class: r.duplicate ? 'result duplicate' : 'result' },
        h('td', {}, r.topic),
        h('td', { class: 'num partition' }, String(r.partition)),
        h('td', { class: 'num offset' }, String(r.offset)),
        h(
          'td',
          { class: 'key' },
          r.key ?? '(no key)',
          r.duplicate ? h('span', { class: 'tag' }, ' retry: original offset') : null,
        ),
        h('td', {}, link),
      );
    }),
  );
  res.hidden = rows.length === 0;
  document.body.dataset.ready = 'true';
}

for (const el of [keyEl, valueEl, tsEl, copiesEl])
  el.addEventListener('input', () => {
    readForm();
    checkJson();
  });
for (const el of [topicSel, partSel, fmtSel])
  el.addEventListener('change', () => {
    readForm();
    renderSelects();
    checkJson();
  });
tsCheck.addEventListener('change', () => readForm());
idemEl.addEventListener('change', () => {
  const f = readForm();
  if (typeof f !== 'string') void request('setIdempotent', { idempotent: f.idempotent });
});

listen({ snapshot: (m) => render(m.state) });
loadForm(form);
void request('ready');
