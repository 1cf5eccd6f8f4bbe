/**
 * Browser-side helpers shared by the panel scripts: the VS Code webview API, requests with ids (the host answers
 * each with a reply carrying the same id), tiny DOM builders (no innerHTML with data: text only), and the
 * @vscode-elements components the panels use. No node, no vscode imports.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-divider/index.js';
import type { Reply } from '../shared/validate';

interface VsCodeApi {
  postMessage(msg: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

export const vscode: VsCodeApi = acquireVsCodeApi();

let nextId = 1;
const pending = new Map<number, (r: Reply) => void>();

/** Send a request; resolves with the host's reply (ok or an error message). Errors show in the status line. */
export function request(type: string, payload: Record<string, unknown> = {}): Promise<Reply> {
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, (r) => {
      if (!r.ok && r.error) showStatus(r.error, 'error');
      resolve(r);
    });
    vscode.postMessage({ ...payload, type, id });
  });
}

/** Route host messages: replies resolve their request, snapshots go to `onSnapshot`. */
export function listen<S>(onSnapshot: (state: S) => void): void {
  window.addEventListener('message', (ev: MessageEvent) => {
    const m = ev.data as { type?: string; id?: number; state?: S };
    if (m?.type === 'reply' && typeof m.id === 'number') {
      const done = pending.get(m.id);
      pending.delete(m.id);
      done?.(m as unknown as Reply);
    } else if (m?.type === 'snapshot' && m.state) {
      onSnapshot(m.state);
    }
  });
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

export function svg(
  tag: string,
  attrs: Record<string, string | number> = {},
  ...children: (Node | string)[]
): SVGElement {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return el;
}

export function icon(name: string, title?: string): HTMLElement {
  return h('span', { class: `codicon codicon-${name}`, title, 'aria-hidden': title ? undefined : 'true' });
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el as T;
}

/** A button from @vscode-elements with an optional codicon and a click handler. */
export function button(
  label: string,
  onClick: () => void,
  opts: { id?: string; icon?: string; secondary?: boolean; title?: string; disabled?: boolean } = {},
): HTMLElement {
  const b = h(
    'vscode-button',
    { id: opts.id, icon: opts.icon, secondary: opts.secondary, title: opts.title, disabled: opts.disabled },
    label,
  );
  b.addEventListener('click', () => {
    if (!(b as unknown as { disabled?: boolean }).disabled) onClick();
  });
  return b;
}

/** Value of a vscode-textfield / vscode-textarea / vscode-single-select. */
export function valueOf(el: Element): string {
  return String((el as unknown as { value?: string }).value ?? '');
}

export function setValue(el: Element, v: string): void {
  (el as unknown as { value: string }).value = v;
}

export function checked(el: Element): boolean {
  return !!(el as unknown as { checked?: boolean }).checked;
}

/** Replace the options of a vscode-single-select, keeping the selection when it still exists. */
export function setOptions(select: Element, options: { value: string; label: string }[], selected: string): void {
  const current = options.map((o) => `${o.value}\u0000${o.label}`).join('\u0001');
  if ((select as HTMLElement).dataset.options !== current) {
    select.replaceChildren(...options.map((o) => h('vscode-option', { value: o.value }, o.label)));
    (select as HTMLElement).dataset.options = current;
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
