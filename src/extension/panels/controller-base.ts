/**
 * What every panel controller shares: validate an incoming webview message, dispatch it to the handler its
 * protocol (src/shared/<panel>-messages.ts) declares for its type, and answer with a reply carrying the request's
 * id (ok with the declared result, or the error in plain words). Controllers are vscode-free so they are unit
 * tested with a real Broker; the vscode glue (PanelSlot in panel-slot.ts, set up by index.ts) only forwards
 * messages here.
 */
import type { Broker } from '../../broker/broker';
import { KafkaError, errorName } from '../../broker/errors';
import type { Protocol, ReplyOf, RequestHandlers, RequestMessage } from '../../shared/ipc';
import { dispatch, inUserWords, okReply } from '../../shared/ipc';
import type { Validation } from '../../shared/validate';

export type PanelLog = (level: 'info' | 'warn' | 'error', line: string) => void;

export const noLog: PanelLog = () => undefined;

/** The broker the panel works against; undefined while the workspace broker is stopped. */
export type BrokerGetter = () => Broker | undefined;

export class PanelError extends Error {}

/**
 * Keeps a panel subscribed to the broker behind a getter: update() re-subscribes when that broker changed
 * (started, restarted, stopped), dispose() drops the subscriptions.
 */
export class BrokerWatch {
  private current: Broker | undefined;
  private offs: (() => void)[] = [];

  constructor(
    private readonly getBroker: BrokerGetter,
    private readonly subscribe: (broker: Broker) => (() => void)[],
  ) {}

  update(): void {
    const b = this.getBroker();
    if (b === this.current) return;
    this.dispose();
    this.current = b;
    if (b) this.offs = this.subscribe(b);
  }

  dispose(): void {
    for (const off of this.offs) off();
    this.offs = [];
  }
}

/** Runs a panel's requests one at a time, in arrival order; a failed request does not block the next. */
export class RequestQueue {
  private tail: Promise<void> = Promise.resolve();

  run(task: () => Promise<void>): Promise<void> {
    const next = this.tail.then(task);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/** A message for a person: KafkaErrors carry their Kafka name and code. */
export function describeError(e: unknown): string {
  if (e instanceof KafkaError) return `${e.message} (${errorName(e.code)}, ${e.code})`;
  if (e instanceof Error) return e.message;
  return String(e);
}

export function requireBroker(get: BrokerGetter): Broker {
  const b = get();
  if (!b || b.isClosed)
    throw new PanelError('The Kafka Lite broker is not running. Start it (Kafka Lite: Start Broker) and try again.');
  return b;
}

/**
 * Validate `raw`, run the handler of its type, then post the reply. Invalid messages are logged with one clear line
 * and answered (when they carry a usable id) with ok:false and the problem in the person's words (`labels`: the
 * fields a person types, see inUserWords in src/shared/ipc.ts).
 */
export async function handleRequest<P extends Protocol>(
  panel: string,
  raw: unknown,
  validate: (raw: unknown) => Validation<RequestMessage<P>>,
  handlers: RequestHandlers<P>,
  post: (msg: ReplyOf<P>) => void,
  log: PanelLog,
  labels: Readonly<Record<string, string>> = {},
): Promise<void> {
  const v = validate(raw);
  if (!v.ok) {
    log('warn', `[${panel}] rejected a message from the webview: ${v.error}`);
    const id = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
    if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) {
      post({ type: 'reply', id, ok: false, error: inUserWords(v.error, labels) });
    }
    return;
  }
  const req = v.value;
  try {
    post(okReply(req.id, await dispatch(handlers, req)));
  } catch (e) {
    const msg = describeError(e);
    if (!(e instanceof PanelError) && !(e instanceof KafkaError))
      log('error', `[${panel}] ${req.type} failed: ${(e as Error)?.stack ?? msg}`);
    post({ type: 'reply', id: req.id, ok: false, error: msg });
  }
}
