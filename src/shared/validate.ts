/**
 * Small hand-written validators for messages that cross the webview boundary. The host never trusts a webview:
 * every incoming message is checked field by field (type and range) before a controller sees it, and a rejected
 * message yields one clear line naming the field and the problem.
 *
 * Pure functions only (shared by the extension host and the webview bundles). Used by src/shared/*-messages.ts and
 * src/shared/ipc.ts (which dispatches on `type` and reads the request id).
 */

import { MAX_TOPIC_NAME_LENGTH, topicNameProblem } from './topic-name';

export type Validation<T> = { ok: true; value: T } | { ok: false; error: string };

/** Thrown inside a validator; caught by `validateWith` and turned into `{ ok: false }`. */
export class InvalidMessage extends Error {}

export function fail(message: string): never {
  throw new InvalidMessage(message);
}

export function validateWith<T>(raw: unknown, check: (o: Record<string, unknown>) => T): Validation<T> {
  try {
    return { ok: true, value: check(obj(raw, 'message')) };
  } catch (e) {
    if (e instanceof InvalidMessage) return { ok: false, error: e.message };
    throw e;
  }
}

export function obj(v: unknown, name: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`${name} must be an object`);
  return v as Record<string, unknown>;
}

export function str(o: Record<string, unknown>, field: string, maxLength = 1 << 20): string {
  const v = o[field];
  if (typeof v !== 'string') fail(`field "${field}" must be a string`);
  if (v.length > maxLength) fail(`field "${field}" is longer than ${maxLength} characters`);
  return v;
}

export function nonEmptyStr(o: Record<string, unknown>, field: string, maxLength = 1 << 20): string {
  const v = str(o, field, maxLength);
  if (v.length === 0) fail(`field "${field}" must not be empty`);
  return v;
}

export function bool(o: Record<string, unknown>, field: string): boolean {
  const v = o[field];
  if (typeof v !== 'boolean') fail(`field "${field}" must be true or false`);
  return v;
}

export function int(o: Record<string, unknown>, field: string, min: number, max: number): number {
  const v = o[field];
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(`field "${field}" must be an integer`);
  if (v < min || v > max) fail(`field "${field}" must be between ${min} and ${max}, got ${v}`);
  return v;
}

export function intOrNull(o: Record<string, unknown>, field: string, min: number, max: number): number | null {
  if (o[field] === null) return null;
  return int(o, field, min, max);
}

export function oneOf<T extends string>(o: Record<string, unknown>, field: string, allowed: readonly T[]): T {
  const v = o[field];
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    fail(`field "${field}" must be one of ${allowed.map((a) => `"${a}"`).join(', ')}`);
  }
  return v as T;
}

export function arr(o: Record<string, unknown>, field: string, maxItems: number): unknown[] {
  const v = o[field];
  if (!Array.isArray(v)) fail(`field "${field}" must be an array`);
  if (v.length > maxItems) fail(`field "${field}" has more than ${maxItems} items`);
  return v;
}

/** The request id every webview -> host message carries (echoed in the host's reply). */
export function requestId(o: Record<string, unknown>): number {
  return int(o, 'id', 0, Number.MAX_SAFE_INTEGER);
}

export const MAX_INT64_SAFE = Number.MAX_SAFE_INTEGER;
/** Kafka's topic-name rule: 1..249 of [a-zA-Z0-9._-], not "." or "..". */
export function topicName(o: Record<string, unknown>, field: string): string {
  const v = nonEmptyStr(o, field, MAX_TOPIC_NAME_LENGTH);
  const problem = topicNameProblem(v);
  if (problem) fail(`field "${field}": ${problem}`);
  return v;
}
