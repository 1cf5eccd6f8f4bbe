import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import type { BrowserProtocol } from '../../../src/shared/browser-messages';
import { validateBrowserRequest } from '../../../src/shared/browser-messages';
import type { NoPayload, PayloadOf, Protocol, Req, RequestHandlers, RequestName } from '../../../src/shared/ipc';
import { dispatch, okReply, requestValidator } from '../../../src/shared/ipc';
import type { ProducerProtocol } from '../../../src/shared/producer-messages';
import { emptyProducerForm, validateProducerRequest } from '../../../src/shared/producer-messages';
import type { StepperProtocol } from '../../../src/shared/stepper-messages';
import { validateStepperRequest } from '../../../src/shared/stepper-messages';
import type { Validation } from '../../../src/shared/validate';
import { int } from '../../../src/shared/validate';

/** One payload per declared request: the compiler demands an entry for every request type of the protocol. */
type Samples<P extends Protocol> = {
  [K in RequestName<P>]: PayloadOf<P, K>;
};

const browserSamples: Samples<BrowserProtocol> = {
  ready: {},
  open: {
    topic: 'events',
    partition: null,
    seek: { kind: 'timestamp', timestamp: 1_700_000_000_000 },
    filter: { text: 'k1', regex: true, field: 'header' },
    tail: false,
  },
  page: { direction: 'prev' },
  setTail: { tail: true },
  copyRecord: { partition: 1, offset: 42 },
  produceCopy: { partition: 0, offset: 7 },
  compact: {},
  exportRecords: { format: 'csv', scope: 'selection', selection: [{ partition: 0, offset: 3 }] },
  copyKcat: { partition: 2, offset: 5 },
  setIsolation: { isolation: 'read_committed' },
};

const producerSamples: Samples<ProducerProtocol> = {
  ready: {},
  send: {
    form: {
      ...emptyProducerForm(),
      topic: 'orders',
      partition: 2,
      key: 'k-{{i}}',
      value: '{"n": {{i}}}',
      valueFormat: 'json',
      headers: [{ key: 'src', value: 'web' }],
      timestamp: 1_700_000_000_000,
      copies: 3,
      idempotent: false,
    },
  },
  resendLast: {},
  skipSequence: { topic: 'orders', partition: 1 },
  setIdempotent: { idempotent: true },
  createTopic: { name: 'fresh', partitions: 4 },
  sendFile: { path: 'records.jsonl', topic: 'orders', partition: null, idempotent: true },
  openBrowser: { topic: 'orders', partition: 0, offset: 9 },
  pickFile: {},
  txnBegin: { transactionalId: 'orders-tx', timeoutMs: 60_000, topic: 'orders' },
  txnCommit: {},
  txnAbort: {},
  txnFence: {},
  checkSchema: {
    form: { ...emptyProducerForm(), topic: 'orders', mode: 'schema', value: '{"id": 1}', subject: 'orders-value' },
  },
  pickSchemaFile: {},
};

const stepperSamples: Samples<StepperProtocol> = {
  ready: {},
  select: { topic: 'clicks', groupId: 'analytics' },
  addConsumer: {},
  poll: { consumer: 'consumer-1', max: 5 },
  commit: { consumer: 'consumer-1' },
  crash: { consumer: 'consumer-2' },
  leave: { consumer: 'consumer-3' },
  remove: { consumer: 'consumer-12' },
  isolation: { level: 'read_committed' },
};

function roundTrips(name: string, samples: Record<string, object>, validate: (raw: unknown) => Validation<unknown>) {
  let id = 100;
  for (const [type, payload] of Object.entries(samples)) {
    const sent = { ...payload, type, id: id++ };
    assert.deepStrictEqual(validate(sent), { ok: true, value: sent }, `${name} "${type}"`);
  }
}

describe('panel message maps (src/shared/ipc.ts)', () => {
  it('each panel validator accepts every declared request, typed from its map, and returns it unchanged', () => {
    roundTrips('browser', browserSamples, validateBrowserRequest);
    roundTrips('producer', producerSamples, validateProducerRequest);
    roundTrips('stepper', stepperSamples, validateStepperRequest);
  });

  it('a validator keeps only declared fields, names an unknown type and rejects a missing type or a bad id', () => {
    const v = validateStepperRequest({ type: 'commit', id: 3, consumer: 'consumer-1', extra: 'ignored' });
    assert.deepStrictEqual(v, { ok: true, value: { type: 'commit', id: 3, consumer: 'consumer-1' } });
    assert.deepStrictEqual(validateStepperRequest({ type: 'loadPage', id: 1 }), {
      ok: false,
      error: 'unknown message type "loadPage"',
    });
    // an inherited name is not a declared request
    assert.deepStrictEqual(validateStepperRequest({ type: 'toString', id: 1 }), {
      ok: false,
      error: 'unknown message type "toString"',
    });
    assert.deepStrictEqual(validateStepperRequest({ id: 1 }), { ok: false, error: 'field "type" must be a string' });
    assert.deepStrictEqual(validateStepperRequest({ type: 'poll', id: -1, consumer: 'consumer-1', max: 1 }), {
      ok: false,
      error: 'field "id" must be between 0 and 9007199254740991, got -1',
    });
    assert.deepStrictEqual(validateStepperRequest([]), { ok: false, error: 'message must be an object' });
  });

  it('a payload field named like the envelope cannot override the type or id', () => {
    type Echo = { requests: { echo: Req<{ n: number }> }; pushes: Record<string, never> };
    const sneaky = requestValidator<Echo>({
      echo: (o) => ({ n: int(o, 'n', 0, 9), ...{ type: 'other', id: 99 } }),
    });
    assert.deepStrictEqual(sneaky({ type: 'echo', id: 1, n: 2 }), {
      ok: true,
      value: { type: 'echo', id: 1, n: 2 },
    });
  });

  it('a successful reply carries a result only for a request that declares one', () => {
    assert.deepStrictEqual(okReply(4, undefined), { type: 'reply', id: 4, ok: true });
    assert.deepStrictEqual(okReply(5, { count: 3 }), { type: 'reply', id: 5, ok: true, result: { count: 3 } });
  });

  it('dispatch runs the handler declared for the request type with the validated request', async () => {
    type Counter = {
      requests: { add: Req<{ n: number }, number>; reset: Req<NoPayload> };
      pushes: Record<string, never>;
    };
    let total = 10;
    const handlers: RequestHandlers<Counter> = {
      add: (req) => (total += req.n),
      reset: async () => {
        total = 0;
      },
    };
    assert.strictEqual(await dispatch(handlers, { type: 'add', id: 1, n: 5 }), 15);
    assert.strictEqual(await dispatch(handlers, { type: 'reset', id: 2 }), undefined);
    assert.strictEqual(total, 0);
  });
});

function repoRoot(): string {
  for (let d = __dirname; d !== path.dirname(d); d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, 'src', 'shared', 'ipc.ts')) && fs.existsSync(path.join(d, 'package.json'))) return d;
  }
  throw new Error(`no repository root with src/shared/ipc.ts above ${__dirname}`);
}

/**
 * Snippets type-checked as if they were files of the repository (webview ones in src/webview, host ones in
 * src/shared), with the webview's environment: DOM lib, no Node types. `ok` must compile; every other snippet
 * must fail with an error matching its pattern.
 */
const webviewHead = `import type { BrowserProtocol } from '../shared/browser-messages';
import type { StepperProtocol } from '../shared/stepper-messages';
import { channel } from './common';
const browser = channel<BrowserProtocol>();
const stepper = channel<StepperProtocol>();
`;
const hostHead = `import type { RequestHandlers } from './ipc';
import { requestValidator } from './ipc';
import type { StepperProtocol } from './stepper-messages';
`;
const stepperValidators = (poll: string, remove = `remove: () => ({ consumer: 'consumer-1' }),`) => `
requestValidator<StepperProtocol>({
  ready: () => ({}),
  select: () => ({ topic: 't', groupId: 'g' }),
  addConsumer: () => ({}),
  poll: ${poll},
  commit: () => ({ consumer: 'consumer-1' }),
  crash: () => ({ consumer: 'consumer-1' }),
  leave: () => ({ consumer: 'consumer-1' }),
  isolation: () => ({ level: 'read_committed' }),
  ${remove}
});
`;
const stepperHandlers = (poll: string) => `
const handlers: RequestHandlers<StepperProtocol> = {
  ready: () => undefined,
  select: async (req) => void req.groupId.length,
  addConsumer: () => undefined,
  poll: ${poll},
  commit: (req) => void req.consumer,
  crash: () => undefined,
  leave: () => undefined,
  remove: () => undefined,
  isolation: () => undefined,
};
void handlers;
`;

interface Snippet {
  dir: 'webview' | 'shared';
  code: string;
  /** undefined: must compile cleanly. */
  error?: RegExp;
}

const snippets: Record<string, Snippet> = {
  ok: {
    dir: 'webview',
    code: `${webviewHead}
void browser.request('copyRecord', { partition: 0, offset: 5 }).then((r) => (r.ok ? 'copied' : r.error.toUpperCase()));
void browser.request('ready');
void browser.request('open', {
  topic: 'events',
  partition: null,
  seek: { kind: 'offset', offset: 3 },
  filter: { text: '', regex: false, field: 'any' },
  tail: false,
});
browser.listen({ snapshot: (m) => void m.state.rows.length });
const act = (t: 'commit' | 'crash') => stepper.request(t, { consumer: 'consumer-1' });
void act('crash');
`,
  },
  okHost: {
    dir: 'shared',
    code: `${hostHead}${stepperValidators(`(o) => ({ consumer: String(o.consumer), max: 1 })`)}${stepperHandlers(
      `async (req) => void (req.consumer.length + req.max)`,
    )}`,
  },
  renamedField: {
    dir: 'webview',
    code: `${webviewHead}void browser.request('copyRecord', { partiton: 0, offset: 5 });\n`,
    error: /'partiton' does not exist in type/,
  },
  missingField: {
    dir: 'webview',
    code: `${webviewHead}void browser.request('copyRecord', { offset: 5 });\n`,
    error: /Property 'partition' is missing/,
  },
  unknownType: {
    dir: 'webview',
    code: `${webviewHead}void browser.request('loadPage', { page: 2 });\n`,
    error: /Argument of type '"loadPage"' is not assignable/,
  },
  wrongFieldType: {
    dir: 'webview',
    code: `${webviewHead}void browser.request('page', { direction: 'sideways' });\n`,
    error: /Type '"sideways"' is not assignable to type '"next" \| "prev"'/,
  },
  payloadForNoPayloadRequest: {
    dir: 'webview',
    code: `${webviewHead}void stepper.request('addConsumer', { consumer: 'consumer-1' });\n`,
    error: /Type 'string' is not assignable to type 'never'/,
  },
  errorReadWithoutCheckingOk: {
    dir: 'webview',
    code: `${webviewHead}void browser.request('compact').then((r) => r.error.length);\n`,
    error: /'r.error' is possibly 'undefined'/,
  },
  resultOfARequestWithoutOne: {
    dir: 'webview',
    code: `${webviewHead}void browser.request('compact').then((r) => r.ok && r.result.rows);\n`,
    error: /'r.result' is possibly 'undefined'/,
  },
  unknownPush: {
    dir: 'webview',
    code: `${webviewHead}browser.listen({ snapshot: () => undefined, progress: () => undefined });\n`,
    error: /'progress' does not exist in type/,
  },
  validatorForgetsAField: {
    dir: 'shared',
    code: `${hostHead}${stepperValidators(`() => ({ consumer: 'consumer-1' })`)}`,
    error: /Property 'max' is missing/,
  },
  validatorMissing: {
    dir: 'shared',
    code: `${hostHead}${stepperValidators(`() => ({ consumer: 'consumer-1', max: 1 })`, '')}`,
    error: /Property 'remove' is missing/,
  },
  handlerReadsAnUndeclaredField: {
    dir: 'shared',
    code: `${hostHead}${stepperHandlers(`(req) => void req.maximum`)}`,
    error: /Property 'maximum' does not exist/,
  },
};

describe('panel message maps at compile time (TypeScript compiler API)', () => {
  const root = repoRoot();
  const files = new Map<string, { name: string; snippet: Snippet }>();
  let diagnostics: Map<string, string[]>;
  let elsewhere: string[];

  before(function () {
    this.timeout(120_000);
    for (const [name, snippet] of Object.entries(snippets)) {
      files.set(path.join(root, 'src', snippet.dir, `__ipc_probe_${name}.ts`), { name, snippet });
    }
    const options: ts.CompilerOptions = {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
      types: [],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      esModuleInterop: true,
    };
    const host = ts.createCompilerHost(options, true);
    const readSource = host.getSourceFile.bind(host);
    host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
      const probe = files.get(path.resolve(fileName));
      return probe
        ? ts.createSourceFile(fileName, probe.snippet.code, languageVersion, true)
        : readSource(fileName, languageVersion, onError, shouldCreate);
    };
    host.fileExists = (f) => files.has(path.resolve(f)) || ts.sys.fileExists(f);
    host.readFile = (f) => files.get(path.resolve(f))?.snippet.code ?? ts.sys.readFile(f);
    const program = ts.createProgram([...files.keys()], options, host);
    const text = (d: ts.Diagnostic) => ts.flattenDiagnosticMessageText(d.messageText, '\n');
    diagnostics = new Map();
    elsewhere = [];
    for (const d of ts.getPreEmitDiagnostics(program)) {
      const probe = d.file ? files.get(path.resolve(d.file.fileName)) : undefined;
      if (probe) diagnostics.set(probe.name, [...(diagnostics.get(probe.name) ?? []), text(d)]);
      else elsewhere.push(`${d.file ? path.relative(root, d.file.fileName) : '(options)'}: ${text(d)}`);
    }
  });

  it('the webview modules and the shared maps they import compile with the DOM lib and no Node types', () => {
    assert.deepStrictEqual(elsewhere, []);
  });

  it('a correct request, reply use and push handler compile in the webview, and correct host tables compile', () => {
    assert.deepStrictEqual(diagnostics.get('ok') ?? [], []);
    assert.deepStrictEqual(diagnostics.get('okHost') ?? [], []);
  });

  for (const [name, snippet] of Object.entries(snippets)) {
    if (!snippet.error) continue;
    it(`does not compile: ${name.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`)}`, () => {
      const got = diagnostics.get(name) ?? [];
      assert.ok(
        got.some((m) => snippet.error!.test(m)),
        `expected an error matching ${snippet.error}, got:\n${got.join('\n') || '(no error: it compiled)'}`,
      );
    });
  }
});
