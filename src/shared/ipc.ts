/**
 * Typed message maps of the webview panels. Each panel declares its protocol once, in
 * src/shared/<panel>-messages.ts: every request its webview may send (type name -> the payload fields beside `type`
 * and `id`, and the result a successful reply carries) and every message the host pushes unasked (type name -> its
 * fields). Both sides take their types from that one declaration:
 * - the webview's `request()` and `listen()` (src/webview/common.ts): an unknown type name, a missing, renamed or
 *   mistyped payload field, or a use of the reply the declaration does not allow fails to compile;
 * - the host's runtime validator (`requestValidator`, one validator per declared request whose output type is that
 *   request's payload, so a missing validator or a validator that forgets a field does not compile) and its handler
 *   table (`RequestHandlers`, one handler per declared request, returning that request's result).
 *
 * Wire format: webview -> host `{ type, id, ...payload }`; host -> webview `{ type: 'reply', id, ok: true }` (plus
 * `result` when the request declares one) or `{ type: 'reply', id, ok: false, error }`, and pushes
 * `{ type, ...fields }`.
 *
 * Types and small pure functions, no Node and no DOM types: compiled into the webview bundles too.
 */
import type { Validation } from './validate';
import { fail, requestId, validateWith } from './validate';

/** One request's declaration: its payload and the result of a successful reply (void: the reply carries none). */
export interface Req<Payload extends object, Result = void> {
  payload: Payload;
  result: Result;
}

/** A request with no payload fields (besides `type` and `id`). */
export type NoPayload = Record<never, never>;

/**
 * What a panel declares: its requests (webview -> host) and its pushes (host -> webview). Declare it as a type
 * alias (an interface has no index signature, so it would not satisfy this constraint).
 */
export interface Protocol {
  requests: { [type: string]: Req<object, unknown> };
  pushes: { [type: string]: object };
}

export type RequestName<P extends Protocol> = keyof P['requests'] & string;
export type PayloadOf<P extends Protocol, K extends RequestName<P>> = P['requests'][K]['payload'];
export type ResultOf<P extends Protocol, K extends RequestName<P>> = P['requests'][K]['result'];

/** The payload argument of `request(type, payload)`: optional (and empty) for a request without payload. */
export type PayloadArgs<P extends Protocol, K extends RequestName<P>> = keyof PayloadOf<P, K> extends never
  ? [payload?: Record<string, never>]
  : [payload: PayloadOf<P, K>];

/** One request as the host's validator yields it: `{ type, id, ...payload }`. */
export type RequestOf<P extends Protocol, K extends RequestName<P>> = { type: K; id: number } & PayloadOf<P, K>;

/** Any request of the protocol (or of the types K), a union the host narrows on `type`. */
export type RequestMessage<P extends Protocol, K extends RequestName<P> = RequestName<P>> = {
  [J in K]: RequestOf<P, J>;
}[K];

/** The host's answer to a request: same id, ok (with the declared result, if any) or an error message. */
export type Reply<Result = void> =
  | ({ type: 'reply'; id: number; ok: true; error?: undefined } & ResultField<Result>)
  | { type: 'reply'; id: number; ok: false; error: string; result?: undefined };

type ResultField<Result> = [Result] extends [void] ? { result?: undefined } : { result: Result };

/** A reply to any request of the protocol. */
export type ReplyOf<P extends Protocol> = Reply<ResultOf<P, RequestName<P>>>;

export type PushName<P extends Protocol> = keyof P['pushes'] & string;
export type PushOf<P extends Protocol, K extends PushName<P>> = { type: K } & P['pushes'][K];
export type PushMessage<P extends Protocol, K extends PushName<P> = PushName<P>> = { [J in K]: PushOf<P, J> }[K];

/** Everything the host posts to the panel's webview. */
export type HostMessage<P extends Protocol> = PushMessage<P> | ReplyOf<P>;

/** Host side: one handler per declared request, returning the declared result. */
export type RequestHandlers<P extends Protocol> = {
  [K in RequestName<P>]: (req: RequestOf<P, K>) => Promise<ResultOf<P, K>> | ResultOf<P, K>;
};

/** Webview side: one handler per declared push. */
export type PushHandlers<P extends Protocol> = {
  [K in PushName<P>]: (msg: PushOf<P, K>) => void;
};

/** One runtime validator per declared request: checks the raw message field by field, returns the payload. */
export type PayloadValidators<P extends Protocol> = {
  [K in RequestName<P>]: (o: Record<string, unknown>) => PayloadOf<P, K>;
};

/** A successful reply: carries `result` unless the request declares none (void). */
export function okReply<Result>(id: number, result: Result): Reply<Result> {
  const reply =
    result === undefined
      ? { type: 'reply' as const, id, ok: true as const }
      : { type: 'reply' as const, id, ok: true as const, result };
  // The compiler cannot resolve Reply's conditional result field for a generic Result; the two branches above are
  // exactly its two cases.
  return reply as Reply<Result>;
}

/** Run the handler declared for `req.type` (the host's dispatch, typed per request). */
export function dispatch<P extends Protocol, K extends RequestName<P>>(
  handlers: RequestHandlers<P>,
  req: RequestMessage<P, K>,
): Promise<ResultOf<P, K>> | ResultOf<P, K> {
  const handler = handlers[req.type];
  return handler(req);
}

/**
 * The runtime validator of a protocol's requests: `type` must name a declared request (unknown types are rejected
 * by name), `id` must be a request id, and the rest is checked by that request's payload validator. The result
 * holds only what the validators return (fields a webview adds are dropped).
 */
export function requestValidator<P extends Protocol>(
  validators: PayloadValidators<P>,
): (raw: unknown) => Validation<RequestMessage<P>> {
  const known = (t: string): t is RequestName<P> => Object.prototype.hasOwnProperty.call(validators, t);
  return (raw) =>
    validateWith(raw, (o) => {
      const type = o.type;
      if (typeof type !== 'string') fail('field "type" must be a string');
      if (!known(type)) fail(`unknown message type "${type}"`);
      return build(validators, type, o);
    });
}

function build<P extends Protocol, K extends RequestName<P>>(
  validators: PayloadValidators<P>,
  type: K,
  o: Record<string, unknown>,
): RequestMessage<P, K> {
  const id = requestId(o);
  const message: RequestOf<P, K> = { ...validators[type](o), type, id };
  return message;
}

/**
 * A validator's complaint about a request, in the words of the person who typed it. `labels` names the fields a
 * person fills in (e.g. `copies: 'Copies'`): `field "copies" must be between 1 and 10000, got 0` becomes
 * `Copies must be between 1 and 10000, got 0.`, and `field "name": A topic name …` becomes the sentence after the
 * colon. A complaint about any other field means the panel itself sent something wrong: it is said as such.
 */
export function inUserWords(error: string, labels: Readonly<Record<string, string>>): string {
  const m = /^field "([^"]+)"(:\s*|\s+)(.*)$/s.exec(error);
  const label = m && Object.prototype.hasOwnProperty.call(labels, m[1]) ? labels[m[1]] : undefined;
  if (m && label !== undefined) {
    const rest = m[3].replace(/\.$/, '');
    const sentence = m[2].startsWith(':') ? rest : `${label} ${rest}`;
    return `${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}.`;
  }
  return `The panel sent a request Kafka Lite cannot accept (${error}). Reopen the panel; if this happens again, it is a bug.`;
}
