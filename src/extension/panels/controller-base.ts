/**
 * What every panel controller shares: validate an incoming webview message, dispatch it, and answer with a reply
 * carrying the request's id (ok, or the error in plain words). Controllers are vscode-free so they are unit
 * tested with a real Broker; the vscode glue (<name>-panel.ts) only forwards messages here.
 */
import type { Broker } from '../../broker/broker';
import { KafkaError, errorName } from '../../broker/errors';
import type { Reply, Validation } from '../../shared/validate';

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
 * Validate `raw`, run `run` with the typed request, then post the reply. Invalid messages are logged with one
 * clear line and answered (when they carry a usable id) with ok:false.
 */
export async function handleRequest<T extends { id: number; type: string }>(
  panel: string,
  raw: unknown,
  validate: (raw: unknown) => Validation<T>,
  run: (req: T) => Promise<void>,
  post: (msg: Reply) => void,
  log: PanelLog,
): Promise<void> {
  const v = validate(raw);
  if (!v.ok) {
    log('warn', `[${panel}] rejected a message from the webview: ${v.error}`);
    const id = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
    if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) {
      post({ type: 'reply', id, ok: false, error: `invalid message: ${v.error}` });
    }
    return;
  }
  try {
    await run(v.value);
    post({ type: 'reply', id: v.value.id, ok: true });
  } catch (e) {
    const msg = describeError(e);
    if (!(e instanceof PanelError) && !(e instanceof KafkaError))
      log('error', `[${panel}] ${v.value.type} failed: ${(e as Error)?.stack ?? msg}`);
    post({ type: 'reply', id: v.value.id, ok: false, error: msg });
  }
}
