/**
 * Producer panel (browser side): the form (topic, partition, key, value, headers, timestamp, copies,
 * idempotence), the idempotence controls and the results list, and the form's three modes: plain, transactional
 * (a transactional id, Begin / Send / Commit / Abort, a second producer that fences the first, and the drawing of
 * each partition's log with the open transaction, the markers, the last stable offset and the high watermark) and
 * schema (a subject, or a local schema file registered if needed, the JSON value checked and encoded as the host
 * answers checkSchema). Renders host snapshots;
 * saves the form (and the transactional producer, so a reloaded window goes on with it) with setState. A header
 * line (data-testid panel-source) says where the panel works ("Working on: team-kafka (production)", a cloud when
 * remote); the remote cluster's name is saved too, so a panel restored after a reload says where it worked.
 * On a remote cluster what the wire cannot tell (the broker's side of the sequences, the coordinator's state) reads
 * "unknown".
 * Messages: src/shared/producer-messages.ts.
 */
import type {
  HeaderRow,
  ProducerForm,
  ProducerMode,
  ProducerProtocol,
  ProducerSavedState,
  ProducerSnapshot,
  SavedTxnProducer,
  SchemaCheck,
  SchemaSourceKind,
  TxnPartitionDrawing,
  TxnView,
  ValueFormat,
} from '../shared/producer-messages';
import {
  DEFAULT_TRANSACTION_TIMEOUT_MS,
  MAX_TRANSACTION_TIMEOUT_MS,
  PRODUCER_MODES,
  RECORDS_FILE_FORMAT,
  SCHEMA_SOURCES,
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
  formatTime,
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
let form: Required<ProducerForm> = saved ? { ...emptyProducerForm(), ...saved } : emptyProducerForm();
/** The transactional producer last shown (saved, so a reloaded window's host goes on with it). */
let savedTxn: SavedTxnProducer | null = savedState?.txn ?? null;
let lastCheck: SchemaCheck | null = null;
let checkTimer: ReturnType<typeof setTimeout> | undefined;
let checkSeq = 0;
let snap: ProducerSnapshot | null = null;
/** The prefill already loaded: kept in the saved state, so a re-created webview does not load it over the form. */
let appliedPrefill: string | null = savedState?.appliedPrefill ?? null;
/** Outcomes up to this number are not shown any more (a newer problem replaced them). */
let setAside = 0;

const app = byId('app');
app.append(
  h('h2', {}, icon('send'), ' Produce records'),
  h('div', { id: 'panel-source', 'data-testid': 'panel-source', class: 'hint panel-source' }),
  h('div', { id: 'source-note', class: 'hint', hidden: true }),
  h(
    'div',
    { class: 'grid' },
    h('label', { for: 'mode' }, 'Mode'),
    h(
      'div',
      { class: 'row' },
      h(
        'vscode-single-select',
        { id: 'mode' },
        h('vscode-option', { value: 'plain' }, 'Plain'),
        h('vscode-option', { value: 'transactional' }, 'Transactional'),
        h('vscode-option', { value: 'schema' }, 'Schema (Avro, Protobuf, JSON Schema)'),
      ),
      h('span', { id: 'mode-hint', class: 'hint' }),
    ),
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
          { id: 'value-format', class: 'narrow plain-only' },
          h('vscode-option', { value: 'text' }, 'Text'),
          h('vscode-option', { value: 'json' }, 'JSON'),
          h('vscode-option', { value: 'hex' }, 'Bytes (hex)'),
          h('vscode-option', { value: 'base64' }, 'Bytes (base64)'),
        ),
        button('Format JSON', formatJson, { id: 'format-json', icon: 'json', secondary: true }),
        h('span', { id: 'json-check', class: 'hint plain-only' }),
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
    h('label', { class: 'not-txn' }, 'Producer'),
    h('vscode-checkbox', {
      id: 'idempotent',
      class: 'not-txn',
      label: 'Idempotent (producer id + sequence numbers; a retry is stored once)',
    }),
  ),
  h(
    'div',
    { id: 'schema-section', class: 'mode-section', hidden: true },
    h('h3', {}, icon('symbol-structure'), ' Schema'),
    h('div', { id: 'schema-registry', class: 'hint' }),
    h(
      'div',
      { class: 'grid' },
      h('label', { for: 'schema-source' }, 'Schema from'),
      h(
        'vscode-single-select',
        { id: 'schema-source' },
        h('vscode-option', { value: 'subject' }, 'a registry subject'),
        h('vscode-option', { value: 'file' }, 'a local schema file'),
      ),
      h('label', { for: 'subject', class: 'schema-subject-only' }, 'Subject'),
      h('vscode-single-select', { id: 'subject', class: 'schema-subject-only' }),
      ...schemaFileRows(),
      h('label', { for: 'message-type', id: 'message-type-label' }, 'Message'),
      h('vscode-single-select', { id: 'message-type' }),
    ),
    h('div', { id: 'schema-check', class: 'hint schema-check', role: 'status' }),
  ),
  h(
    'div',
    { id: 'txn-section', class: 'mode-section', hidden: true },
    h('h3', {}, icon('git-commit'), ' Transaction'),
    h(
      'div',
      { class: 'grid' },
      h('label', { for: 'txn-id' }, 'Transactional id'),
      h(
        'div',
        { class: 'row' },
        h('vscode-textfield', { id: 'txn-id', class: 'grow', placeholder: 'e.g. orders-writer-1' }),
        h('label', { for: 'txn-timeout', class: 'hint' }, 'timeout (ms)'),
        h('vscode-textfield', { id: 'txn-timeout', class: 'narrow', value: String(DEFAULT_TRANSACTION_TIMEOUT_MS) }),
      ),
    ),
    h(
      'div',
      { class: 'row actions' },
      button('Begin', () => void txnBegin(), {
        id: 'txn-begin',
        icon: 'debug-start',
        title: 'Begin a transaction (InitProducerId first when the panel has no producer for this id)',
      }),
      button('Send', () => void send(), {
        id: 'txn-send',
        icon: 'send',
        secondary: true,
        title: 'Send the form’s records inside the open transaction (AddPartitionsToTxn first for a new partition)',
      }),
      button('Commit', () => void txnEnd(true), { id: 'txn-commit', icon: 'check', title: 'EndTxn(commit)' }),
      button('Abort', () => void txnEnd(false), {
        id: 'txn-abort',
        icon: 'close',
        secondary: true,
        title: 'EndTxn(abort)',
      }),
      button('Start a second producer with the same id', () => void request('txnFence'), {
        id: 'txn-fence',
        icon: 'person-add',
        secondary: true,
        title: 'InitProducerId again with the same transactional id: the panel’s producer is fenced',
      }),
    ),
    h('div', { id: 'txn-info', class: 'txn-info' }),
    h('div', { id: 'txn-log' }),
    h('ul', { id: 'txn-events', class: 'txn-events' }),
  ),
  h(
    'div',
    { class: 'row actions' },
    button('Send', () => void send(), { id: 'send', icon: 'send' }),
    h('vscode-textfield', {
      id: 'file',
      placeholder: 'records.json or records.jsonl (in the workspace)',
      class: 'grow plain-only',
    }),
    button('Browse…', () => void pickFile(), {
      id: 'pick-file',
      icon: 'folder-opened',
      secondary: true,
      title: 'Pick a .jsonl or .json file in the workspace',
    }),
    button('Send many from file', () => void sendFile(), { id: 'send-file', icon: 'file', secondary: true }),
  ),
  h('div', { id: 'file-format', class: 'hint plain-only' }, RECORDS_FILE_FORMAT),
  h('div', { id: 'status', class: 'status', role: 'status' }),
  h('vscode-divider', {}),
  h(
    'div',
    { id: 'idem-section', class: 'not-txn' },
    h('h3', {}, icon('shield'), ' Idempotence'),
    h('div', { id: 'idem-info', class: 'hint' }),
    h('table', { id: 'sequences', class: 'data' }),
  ),
  h(
    'div',
    { id: 'idem-actions', class: 'row actions not-txn' },
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
const modeSel = byId('mode', 'vscode-single-select');
const txnIdEl = byId('txn-id', 'vscode-textfield');
const txnTimeoutEl = byId('txn-timeout', 'vscode-textfield');
const subjectSel = byId('subject', 'vscode-single-select');
const messageSel = byId('message-type', 'vscode-single-select');
const schemaSourceSel = byId('schema-source', 'vscode-single-select');
const schemaFileEl = byId('schema-file', 'vscode-textfield');
const schemaPartSel = byId('schema-part', 'vscode-single-select');
const fileSubjectEl = byId('schema-file-subject', 'vscode-textfield');
const registerEl = byId('register-schema', 'vscode-checkbox');
/** The local schema file last filled in from kafkaLite.schemas.localFiles (replaced when the topic changes). */
let presetFile: string | null = null;

/** Schema mode, local file: the file (Browse…), the part it encodes, the subject, "Register the schema if needed". */
function schemaFileRows(): HTMLElement[] {
  return [
    h('label', { for: 'schema-file', class: 'schema-file-only' }, 'Schema file'),
    h(
      'div',
      { class: 'row schema-file-only' },
      h('vscode-textfield', {
        id: 'schema-file',
        class: 'grow',
        placeholder: 'schemas/order.avsc, .proto or .json (JSON Schema), in the workspace',
      }),
      button('Browse…', () => void pickSchemaFile(), {
        id: 'pick-schema-file',
        icon: 'folder-opened',
        secondary: true,
        title: 'Pick a .avsc, .proto or .json (JSON Schema) file in the workspace',
      }),
      h('span', { id: 'schema-file-preset', class: 'hint' }),
    ),
    h('label', { for: 'schema-part', class: 'schema-file-only' }, 'Encodes'),
    h(
      'vscode-single-select',
      { id: 'schema-part', class: 'schema-file-only' },
      h('vscode-option', { value: 'value' }, 'the value'),
      h('vscode-option', { value: 'key' }, 'the key'),
    ),
    h('label', { for: 'schema-file-subject', class: 'schema-file-only' }, 'Subject'),
    h(
      'div',
      { class: 'row schema-file-only' },
      h('vscode-textfield', { id: 'schema-file-subject', class: 'grow' }),
      h('vscode-checkbox', {
        id: 'register-schema',
        label: 'Register the schema if needed',
        title:
          'Register the file’s schema under the subject when the registry does not hold it yet (the subject’s ' +
          'compatibility level decides); unticked, a schema that is not registered is refused',
      }),
    ),
  ];
}

function save(): void {
  // the remote cluster, so a reloaded window's panel says where it worked instead of falling back to this window
  const cluster = snap ? snap.cluster : (savedState?.cluster ?? null);
  const state: ProducerSavedState = { form, appliedPrefill, txn: savedTxn, cluster };
  vscode.setState(state);
}

/** "14:03:12" of a broker-clock time. */
const timeOfDay = (ms: number): string => formatTime(ms).slice(11, 19);

function loadForm(f: ProducerForm): void {
  form = { ...emptyProducerForm(), ...f, headers: f.headers.map((x) => ({ ...x })) };
  setValue(keyEl, form.key);
  setValue(valueEl, form.value);
  setValue(fmtSel, form.valueFormat);
  tsCheck.checked = form.timestamp !== null;
  setValue(tsEl, form.timestamp === null ? '' : String(form.timestamp));
  setValue(copiesEl, String(form.copies));
  idemEl.checked = form.idempotent;
  setValue(modeSel, form.mode);
  setValue(txnIdEl, form.transactionalId);
  setValue(txnTimeoutEl, String(form.transactionTimeoutMs));
  setValue(schemaSourceSel, form.schemaSource);
  setValue(schemaFileEl, form.schemaFile);
  setValue(schemaPartSel, form.schemaPart);
  setValue(fileSubjectEl, form.schemaFileSubject);
  registerEl.checked = form.registerSchema;
  renderHeaders();
  renderSelects();
  renderMode();
  checkJson();
  save();
}

function readForm(): Required<ProducerForm> | string {
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
  const timeoutText = valueOf(txnTimeoutEl).trim();
  const timeout = Number(timeoutText || String(DEFAULT_TRANSACTION_TIMEOUT_MS));
  const timeoutOk = Number.isInteger(timeout) && timeout >= 1 && timeout <= MAX_TRANSACTION_TIMEOUT_MS;
  const subjectPick = valueOf(subjectSel);
  const mode = valueOf(modeSel);
  const source = (SCHEMA_SOURCES as readonly string[]).includes(valueOf(schemaSourceSel))
    ? (valueOf(schemaSourceSel) as SchemaSourceKind)
    : form.schemaSource;
  const fromFile = source === 'file';
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
    mode: (PRODUCER_MODES as readonly string[]).includes(mode) ? (mode as ProducerMode) : 'plain',
    transactionalId: valueOf(txnIdEl).trim(),
    transactionTimeoutMs: timeoutOk ? timeout : form.transactionTimeoutMs,
    // the subject select: "by-topic:value", "by-topic:key" or "subject:<name>" ('' before it has options)
    subject: subjectPick.startsWith('subject:')
      ? subjectPick.slice('subject:'.length)
      : subjectPick === ''
        ? form.subject
        : '',
    schemaPart: fromFile
      ? valueOf(schemaPartSel) === 'key'
        ? 'key'
        : 'value'
      : subjectPick === 'by-topic:key'
        ? 'key'
        : subjectPick.startsWith('by-topic:')
          ? 'value'
          : form.schemaPart,
    messageType: valueOf(messageSel),
    schemaSource: source,
    schemaFile: valueOf(schemaFileEl).trim(),
    schemaFileSubject: valueOf(fileSubjectEl).trim(),
    registerSchema: checked(registerEl),
  };
  save();
  if (!timeoutOk)
    return `The transaction timeout must be a whole number of milliseconds from 1 to ${MAX_TRANSACTION_TIMEOUT_MS}.`;
  return form;
}

function checkJson(): boolean {
  const out = byId('json-check');
  if (valueOf(fmtSel) !== 'json' || form.mode === 'schema') {
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
  const t = form.topic || '<topic>';
  const subjects = snap?.schemas.subjects ?? [];
  const subjectOptions = [
    { value: 'by-topic:value', label: `by topic: ${t}-value (the value)` },
    { value: 'by-topic:key', label: `by topic: ${t}-key (the key)` },
    ...subjects.map((n) => ({ value: `subject:${n}`, label: n })),
  ];
  if (form.subject && !subjects.includes(form.subject))
    subjectOptions.push({ value: `subject:${form.subject}`, label: `${form.subject} (not registered)` });
  setOptions(subjectSel, subjectOptions, form.subject ? `subject:${form.subject}` : `by-topic:${form.schemaPart}`);
  const types = lastCheck?.messageTypes ?? [];
  const hashed =
    form.mode === 'schema' && form.schemaSource === 'file' ? /#(.+)$/.exec(form.schemaFile)?.[1] : undefined;
  setOptions(
    messageSel,
    [
      {
        value: '',
        label: hashed
          ? `as the file path names it (#${hashed})`
          : types.length
            ? `the first message (${types[0]})`
            : 'the first message',
      },
      ...types.map((n) => ({ value: n, label: n })),
    ],
    types.includes(form.messageType) ? form.messageType : '',
  );
  const proto = types.length > 0;
  byId('message-type').hidden = !proto;
  byId('message-type-label').hidden = !proto;
  fileSubjectEl.placeholder = `${t}-${form.schemaPart} (by topic; type another subject to use it)`;
  setValue(schemaPartSel, form.schemaPart);
}

/**
 * Local file mode: the topic's file from kafkaLite.schemas.localFiles fills the file box when it is empty, or when
 * what it holds was filled in the same way for another topic (a file typed or picked by hand stays).
 */
function presetSchemaFile(): void {
  const hint = byId('schema-file-preset');
  const mapped = snap?.schemas.localFiles?.[form.topic]?.[form.schemaPart];
  if (form.mode !== 'schema' || form.schemaSource !== 'file') return;
  // the path as the setting writes it: "file.proto#pkg.Message" names the message (the host reads it so)
  if (mapped !== undefined && (form.schemaFile === '' || form.schemaFile === presetFile)) {
    if (form.schemaFile !== mapped) {
      setValue(schemaFileEl, mapped);
      presetFile = mapped;
      readForm();
    }
  } else if (mapped === undefined && form.schemaFile === presetFile && presetFile !== null) {
    setValue(schemaFileEl, '');
    presetFile = null;
    readForm();
  }
  const shown = form.schemaFile !== '' && form.schemaFile === presetFile;
  hint.textContent = shown ? `from kafkaLite.schemas.localFiles (topic "${form.topic}")` : '';
  hint.dataset.preset = String(shown);
}

/** Show the parts of the form the mode uses. */
function renderMode(): void {
  const mode = form.mode;
  for (const el of document.querySelectorAll<HTMLElement>('.plain-only')) el.hidden = mode !== 'plain';
  for (const el of document.querySelectorAll<HTMLElement>('.not-txn')) el.hidden = mode === 'transactional';
  for (const id of ['pick-file', 'send-file']) byId(id).hidden = mode !== 'plain';
  // transactional mode sends from the transaction's own row (Begin, Send, Commit, Abort)
  byId('send').hidden = mode === 'transactional';
  byId('txn-section').hidden = mode !== 'transactional';
  byId('schema-section').hidden = mode !== 'schema';
  const fromFile = form.schemaSource === 'file';
  for (const el of document.querySelectorAll<HTMLElement>('.schema-file-only')) el.hidden = !fromFile;
  for (const el of document.querySelectorAll<HTMLElement>('.schema-subject-only')) el.hidden = fromFile;
  presetSchemaFile();
  if (snap) renderSchemas(snap);
  document.body.dataset.mode = mode;
  byId('mode-hint').textContent = {
    plain: 'records as typed (text, JSON or bytes)',
    transactional: 'records inside a transaction: Begin, Send, then Commit or Abort',
    schema: "the JSON value encoded with a registered schema (or a local schema file) in Confluent's wire format",
  }[mode];
  if (mode === 'schema') scheduleCheck();
}

/** Ask the host whether the JSON fits the subject's schema (debounced while typing). */
function scheduleCheck(): void {
  if (checkTimer) clearTimeout(checkTimer);
  checkTimer = setTimeout(() => void runCheck(), 200);
}

async function runCheck(): Promise<void> {
  if (form.mode !== 'schema') return;
  const out = byId('schema-check');
  const fromFile = form.schemaSource === 'file';
  // a local file is checked without the registry (sending needs it: the check says so)
  if (!snap?.schemas.running && !fromFile) {
    out.textContent = '';
    return;
  }
  if (fromFile && !form.topic && !form.schemaFileSubject) {
    out.textContent = 'Pick a topic (the subject is named after it) or type a subject.';
    out.className = 'hint schema-check';
    return;
  }
  if (!fromFile && !form.topic && !form.subject) {
    out.textContent = 'Pick a topic (the subject is named after it) or a subject.';
    out.className = 'hint schema-check';
    return;
  }
  const mine = ++checkSeq;
  const r = await request('checkSchema', { form });
  if (mine !== checkSeq || !r.ok) return;
  const c = r.result;
  const hadTypes = (lastCheck?.messageTypes ?? []).join();
  lastCheck = c;
  if ((c.messageTypes ?? []).join() !== hadTypes) renderSelects();
  out.replaceChildren();
  out.dataset.subject = c.subject;
  out.dataset.file = c.file ?? '';
  const registry = c.registry
    ? h(
        'div',
        { id: 'schema-registry-state', class: `registry-state ${c.registry.state}`, 'data-state': c.registry.state },
        c.registry.text,
      )
    : null;
  if (c.problem !== null) {
    out.className = 'hint schema-check error';
    out.dataset.ok = 'false';
    out.append(`✗ ${c.problem}`);
    return;
  }
  out.className = 'hint schema-check ok';
  out.dataset.ok = 'true';
  const what = c.messageType ? ` message ${c.messageType}` : '';
  if (c.file !== undefined) {
    out.append(
      `✓ fits the local ${c.format} schema ${c.file}${what}: ${c.size} bytes in Confluent's wire format `,
      h('code', { id: 'schema-bytes' }, c.bytesHex ?? ''),
    );
    if (registry) out.append(registry);
    return;
  }
  out.append(
    `✓ fits ${c.format} schema "${c.subject}" v${c.version} (id ${c.schemaId})${what}: ${c.size} bytes in Confluent's wire format `,
    h('code', { id: 'schema-bytes' }, c.bytesHex ?? ''),
  );
}

function renderSchemas(s: ProducerSnapshot): void {
  const reg = byId('schema-registry');
  reg.dataset.running = String(s.schemas.running);
  const fromFile = form.schemaSource === 'file';
  const withWhat = fromFile
    ? 'the local schema file (registered under the subject when you send, if the box is ticked)'
    : "the subject's latest schema";
  reg.textContent = s.schemas.running
    ? `Embedded Schema Registry at ${s.schemas.url ?? '(address unknown)'}: ${s.schemas.subjects.length} subject(s). ` +
      `The value (or key) is typed as JSON; the panel encodes it with ${withWhat}: magic byte 0, the ` +
      `4-byte schema id, Protobuf's message indexes, then the Avro / Protobuf / JSON payload.`
    : fromFile
      ? 'The embedded Schema Registry is off (or the broker is stopped): the value is checked against the local file, ' +
        'but sending needs the registry for the schema id. Turn on the setting "kafkaLite.schemaRegistry.enabled" ' +
        'and restart the broker.'
      : 'The embedded Schema Registry is off (or the broker is stopped), so schema mode cannot encode. Turn on the ' +
        'setting "kafkaLite.schemaRegistry.enabled" and restart the broker.';
  reg.className = s.schemas.running ? 'hint' : 'hint error';
  if (s.schemas.running) reg.dataset.url = s.schemas.url ?? '';
}

const CELL_WHAT: Record<string, string> = {
  plain: '',
  committed: 'committed',
  aborted: 'aborted',
  open: 'open txn',
  'open-other': 'other txn',
  commit: 'COMMIT',
  abort: 'ABORT',
};

/** One partition: its cells in offset order, the LSO and HW lines before the offsets they stand at. */
function drawPartition(d: TxnPartitionDrawing): HTMLElement {
  const row = h('div', { class: 'cells' });
  const mark = (at: number) => {
    const lso = at === d.lastStableOffset;
    const hw = at === d.highWatermark;
    if (!lso && !hw) return;
    const label = lso && hw ? `LSO = HW ${at}` : lso ? `LSO ${at}` : `HW ${at}`;
    row.append(
      h(
        'div',
        {
          class: `mark${lso ? ' lso' : ''}${hw ? ' hw' : ''}`,
          'data-offset': at,
          title: lso && hw ? 'last stable offset = high watermark' : lso ? 'last stable offset' : 'high watermark',
        },
        h('span', { class: 'label' }, label),
        h('div', { class: 'line' }),
      ),
    );
  };
  let lsoDrawn = false;
  for (const c of d.cells) {
    if (!lsoDrawn && c.offset >= d.lastStableOffset && d.lastStableOffset < d.highWatermark) {
      mark(d.lastStableOffset);
      lsoDrawn = true;
    }
    if (c.kind === 'gap') {
      row.append(h('div', { class: 'cell gap', title: `offsets ${c.offset}–${(c.gapTo ?? c.offset) - 1}` }, '…'));
      continue;
    }
    row.append(
      h(
        'div',
        {
          class: `cell ${c.kind}`,
          'data-offset': c.offset,
          'data-kind': c.kind,
          title: `offset ${c.offset}${c.producerId !== undefined && c.producerId >= 0 ? `, producer id ${c.producerId}` : ''}`,
        },
        String(c.offset),
        h('span', { class: 'what' }, CELL_WHAT[c.kind] ?? ''),
      ),
    );
  }
  // a remote cluster's drawing has no cells (the wire tells the offsets only): the two lines still show
  if (d.cells.length === 0 && d.lastStableOffset < d.highWatermark) mark(d.lastStableOffset);
  mark(d.highWatermark);
  return h(
    'div',
    {
      class: 'txn-partition',
      'data-partition': d.partition,
      'data-lso': d.lastStableOffset,
      'data-hw': d.highWatermark,
    },
    h('div', { class: 'hint' }, `partition ${d.partition}`),
    row,
    h('div', { class: 'caption' }, d.caption),
  );
}

function renderTxn(t: TxnView | null): void {
  const info = byId('txn-info');
  const log = byId('txn-log');
  const events = byId('txn-events');
  // a fenced producer may still try: the broker's refusal is what the panel shows then
  const open = !!t && t.state !== 'ready';
  byId('txn-commit', 'vscode-button').disabled = !open;
  byId('txn-send', 'vscode-button').disabled = !open;
  byId('txn-abort', 'vscode-button').disabled = !open;
  byId('txn-fence', 'vscode-button').disabled = !t;
  if (!t) {
    info.dataset.state = 'none';
    info.textContent =
      'Type a transactional id and press Begin: the panel asks the coordinator for a producer id and epoch ' +
      '(InitProducerId), then each Send adds its partition to the transaction and writes records a read_committed ' +
      'consumer only sees after Commit.';
    log.replaceChildren();
    events.replaceChildren();
    return;
  }
  info.dataset.state = t.state;
  const stateText = { ready: 'no transaction open', open: 'transaction open', fenced: 'fenced' }[t.state];
  const parts = t.partitions.map((p) => `${p.topic}-${p.partition}`).join(', ');
  const timeout =
    t.timesOutAt >= 0
      ? ` · the coordinator aborts it at ${timeOfDay(t.timesOutAt)} if it is still open (timeout ${t.timeoutMs} ms)`
      : '';
  info.replaceChildren(
    h('span', { class: `state ${t.state}` }, stateText),
    ` · "${t.transactionalId}": producer id ${t.producerId}, epoch ${t.producerEpoch}`,
    t.coordinatorState ? ` · coordinator: ${t.coordinatorState}` : snap?.remote ? ' · coordinator: unknown' : '',
    parts ? ` · in the transaction: ${parts} (${t.openRecords} record(s))` : '',
    t.second ? ` · second producer: id ${t.second.producerId}, epoch ${t.second.producerEpoch}` : '',
    timeout,
  );
  log.replaceChildren(
    t.topic
      ? h(
          'div',
          { class: 'txn-partition txn-legend' },
          h('span', {}, `Topic "${t.topic}":`),
          ...(['committed', 'open', 'open-other', 'aborted', 'commit', 'abort'] as const).map((k) =>
            h('span', {}, h('span', { class: `cell ${k}` }), k === 'open' ? 'open transaction' : CELL_WHAT[k]),
          ),
          h('span', {}, 'blue line: last stable offset (LSO) · red line: high watermark (HW)'),
        )
      : h('div', { class: 'hint' }, 'Send to draw the topic’s log here.'),
    ...t.drawings.map(drawPartition),
  );
  events.replaceChildren(...t.events.slice(-8).map((e) => h('li', {}, `${timeOfDay(e.at)} ${e.text}`)));
  const keep: SavedTxnProducer = {
    transactionalId: t.transactionalId,
    producerId: t.producerId,
    producerEpoch: t.producerEpoch,
    timeoutMs: t.timeoutMs,
    topic: t.topic,
  };
  // a remote cluster's transactional producer is not taken up after a reload (this window's broker's would be)
  if (!snap?.remote && JSON.stringify(keep) !== JSON.stringify(savedTxn)) {
    savedTxn = keep;
    save();
  }
}

async function txnBegin(): Promise<void> {
  const f = readForm();
  if (typeof f === 'string') return refuse(f);
  if (!f.transactionalId)
    return refuse('Type a transactional id first (any name; producers sharing it fence each other).');
  if (!f.topic) return refuse('Pick a topic first: the panel draws its log.');
  await request('txnBegin', { transactionalId: f.transactionalId, timeoutMs: f.transactionTimeoutMs, topic: f.topic });
}

async function txnEnd(commit: boolean): Promise<void> {
  showStatus(commit ? 'Committing…' : 'Aborting…');
  const r = await request(commit ? 'txnCommit' : 'txnAbort');
  if (r.ok) showStatus(commit ? 'Committed.' : 'Aborted.');
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
  if (f.mode !== 'schema' && f.valueFormat === 'json' && !checkJson()) return refuse('The value is not valid JSON.');
  if (f.mode !== 'schema' && (f.valueFormat === 'hex' || f.valueFormat === 'base64')) {
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

async function pickSchemaFile(): Promise<void> {
  const r = await request('pickSchemaFile');
  if (r.ok && r.result.path !== null) {
    setValue(schemaFileEl, r.result.path);
    presetFile = null;
    readForm();
    renderSelects();
    renderMode();
    showStatus(`Picked ${r.result.path}: the value is checked against it as you type.`);
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
      committed: 'pass-filled',
      aborted: 'circle-slash',
      fenced: 'error',
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

/** The header line: where the panel works (a cloud when remote), and what stays this window's on a remote cluster. */
function renderSource(s: ProducerSnapshot): void {
  const line = byId('panel-source');
  line.dataset.remote = String(s.remote);
  line.replaceChildren(icon(s.remote ? 'cloud' : 'vm'), s.lostSource ? ` ${s.lostSource}` : ` Working on: ${s.where}`);
  const note = byId('source-note');
  note.hidden = !s.remote || !!s.lostSource;
  note.textContent = s.remote
    ? "Schema mode encodes with this window's Schema Registry (its schema ids go to the cluster as they are). " +
      "What the wire does not tell is shown as unknown: the broker's side of the sequences, the coordinator's " +
      'state, and which records of a partition are open, committed or aborted (the drawing shows its offsets).' +
      (s.topicsProblem ? ` ${s.topicsProblem}` : '')
    : '';
  if (s.lostSource) showStatus(s.lostSource, 'error');
}

function render(s: ProducerSnapshot): void {
  const clusterChanged = snap?.cluster !== s.cluster;
  snap = s;
  if (clusterChanged) save();
  renderSource(s);
  if (s.prefill && s.prefillId !== null && s.prefillId !== appliedPrefill) {
    appliedPrefill = s.prefillId;
    loadForm(s.prefill);
  }
  renderSelects();
  idemEl.checked = s.idempotent;
  form.idempotent = s.idempotent;
  renderSchemas(s);
  presetSchemaFile();
  renderTxn(s.txn);
  if (form.mode === 'schema') scheduleCheck();
  document.body.classList.toggle('stopped', !s.brokerRunning || !!s.lostSource);
  if (!s.lostSource) brokerStatus(s.brokerRunning);

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
        h(
          'td',
          { class: 'num' },
          r.brokerNextSequence >= 0 ? String(r.brokerNextSequence) : s.remote ? 'unknown' : '–',
        ),
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

for (const el of [keyEl, valueEl, tsEl, copiesEl, txnIdEl, txnTimeoutEl])
  el.addEventListener('input', () => {
    readForm();
    checkJson();
    if (form.mode === 'schema') scheduleCheck();
  });
for (const el of [schemaFileEl, fileSubjectEl])
  el.addEventListener('input', () => {
    readForm();
    if (form.mode === 'schema') scheduleCheck();
  });
for (const el of [
  topicSel,
  partSel,
  fmtSel,
  modeSel,
  subjectSel,
  messageSel,
  schemaSourceSel,
  schemaPartSel,
  registerEl,
])
  el.addEventListener('change', () => {
    readForm();
    renderSelects();
    renderMode();
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
