/**
 * Browser-side helpers shared by the panel scripts: the VS Code webview API, the panel's typed channel to its host
 * (requests with ids, answered by a reply carrying the same id, and the host's pushes), tiny DOM builders (no
 * innerHTML with data: text only), and the @vscode-elements components the panels use. No node, no vscode imports.
 *
 * `channel<P>()` types both directions from the panel's protocol P (src/shared/<panel>-messages.ts, see
 * src/shared/ipc.ts): `request('open', {...})` with an unknown type name or a wrong payload does not compile.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-divider/index.js';
import type {
  PayloadArgs,
  Protocol,
  PushHandlers,
  PushMessage,
  PushName,
  Reply,
  RequestName,
  ResultOf,
} from '../shared/ipc';

interface VsCodeApi {
  postMessage(msg: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

export const vscode: VsCodeApi = acquireVsCodeApi();

/** A panel's side of its protocol P: requests it sends, pushes it receives. */
export interface Channel<P extends Protocol> {
  /** Send a request; resolves with the host's reply (ok, or an error message, also shown in the status line). */
  request<K extends RequestName<P>>(type: K, ...payload: PayloadArgs<P, K>): Promise<Reply<ResultOf<P, K>>>;
  /** Route host messages: replies resolve their request, each push goes to its handler. Call once. */
  listen(handlers: PushHandlers<P>): void;
}

let nextId = 1;
const pending = new Map<number, (r: Reply<unknown>) => void>();

export function channel<P extends Protocol>(): Channel<P> {
  function request<K extends RequestName<P>>(type: K, ...[payload]: PayloadArgs<P, K>): Promise<Reply<ResultOf<P, K>>> {
    const id = nextId++;
    return new Promise((resolve) => {
      pending.set(id, (r) => {
        if (!r.ok && r.error) showStatus(r.error, 'error');
        // The host answers request `id` with the reply of this request's type (its handler's declared result).
        resolve(r as Reply<ResultOf<P, K>>);
      });
      vscode.postMessage({ ...payload, type, id });
    });
  }
  function listen(handlers: PushHandlers<P>): void {
    const handles = (type: string): type is PushName<P> => Object.prototype.hasOwnProperty.call(handlers, type);
    window.addEventListener('message', (ev: MessageEvent<unknown>) => {
      const m = ev.data;
      if (isReply(m)) {
        const done = pending.get(m.id);
        pending.delete(m.id);
        done?.(m);
      } else if (typeof m === 'object' && m !== null && 'type' in m && typeof m.type === 'string' && handles(m.type)) {
        // Pushes come from this panel's own host controller, whose post() is typed HostMessage<P>.
        deliver(handlers, m as PushMessage<P>);
      }
    });
  }
  return { request, listen };
}

function deliver<P extends Protocol, K extends PushName<P>>(handlers: PushHandlers<P>, m: PushMessage<P, K>): void {
  const handler = handlers[m.type];
  handler(m);
}

function isReply(m: unknown): m is Reply<unknown> {
  return (
    typeof m === 'object' &&
    m !== null &&
    'type' in m &&
    m.type === 'reply' &&
    'id' in m &&
    typeof m.id === 'number' &&
    'ok' in m &&
    typeof m.ok === 'boolean'
  );
}

type Attrs = Record<string, string | number | boolean | undefined | null>;
type Child = Node | string | null | undefined | false;

/** Build an element: attributes set with setAttribute (booleans as presence), children as text or nodes. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs,
  ...children: Child[]
): HTMLElementTagNameMap[K];
export function h(tag: string, attrs?: Attrs, ...children: Child[]): HTMLElement;
export function h(tag: string, attrs: Attrs = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return el;
}

export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number> = {},
  ...children: (Node | string)[]
): SVGElementTagNameMap[K] {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return el;
}

export function icon(name: string, title?: string): HTMLElement {
  return h('span', { class: `codicon codicon-${name}`, title, 'aria-hidden': title ? undefined : 'true' });
}

/**
 * The element with this id; with `tag`, checked to be that element (e.g. 'vscode-checkbox'), so its properties
 * (checked, value, disabled) are typed from the component's declaration.
 */
export function byId(id: string): HTMLElement;
export function byId<K extends keyof HTMLElementTagNameMap>(id: string, tag: K): HTMLElementTagNameMap[K];
export function byId(id: string, tag?: keyof HTMLElementTagNameMap): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  if (tag !== undefined && el.localName !== tag) throw new Error(`#${id} is a <${el.localName}>, not a <${tag}>`);
  return el;
}

/** A button from @vscode-elements with an optional codicon and a click handler. */
export function button(
  label: string,
  onClick: () => void,
  opts: { id?: string; icon?: string; secondary?: boolean; title?: string; disabled?: boolean } = {},
): HTMLElementTagNameMap['vscode-button'] {
  const b = h(
    'vscode-button',
    { id: opts.id, icon: opts.icon, secondary: opts.secondary, title: opts.title, disabled: opts.disabled },
    label,
  );
  b.addEventListener('click', () => {
    if (!b.disabled) onClick();
  });
  return b;
}

/** Value of a vscode-textfield / vscode-textarea / vscode-single-select ('' before the component is defined). */
export function valueOf(el: { value?: string }): string {
  return String(el.value ?? '');
}

export function setValue(el: { value: string }, v: string): void {
  el.value = v;
}

export function checked(el: { checked?: boolean }): boolean {
  return !!el.checked;
}

/** Replace the options of a vscode-single-select, keeping the selection when it still exists. */
export function setOptions(
  select: HTMLElementTagNameMap['vscode-single-select'],
  options: { value: string; label: string }[],
  selected: string,
): void {
  // eslint-disable-next-line no-restricted-syntax -- a fingerprint of the option list, not a partition
  const current = options.map((o) => `${o.value}\u0000${o.label}`).join('\u0001');
  if (select.dataset.options !== current) {
    select.replaceChildren(...options.map((o) => h('vscode-option', { value: o.value }, o.label)));
    select.dataset.options = current;
  }
  if (valueOf(select) !== selected) setValue(select, selected);
}

export function showStatus(text: string, kind: 'info' | 'error' = 'info'): void {
  const el = document.getElementById('status');
  if (!el) return;
  el.textContent = text;
  el.className = `status ${kind}`;
}

export function formatTime(ms: number): string {
  if (ms < 0) return '–';
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}
