/**
 * The shape every API module exports, and the per-request context the server hands to it. One module per
 * Kafka API key lives next to this file (`00-produce.ts`, `18-api-versions.ts`, ...); registry.ts lists them.
 * A module declares its request/response layouts with the schema codec and implements `handle` against the
 * Broker facade only. Returning null from handle means "send no response" (Produce with acks=0).
 */
import type { Broker } from '../../broker/broker';
import { KafkaError } from '../../broker/errors';
import type { Schema } from '../codec/schema';

export type LogLevel = 'info' | 'warn' | 'error';

export interface ClusterIdentity {
  nodeId: number;
  host: string;
  port: number;
  clusterId: string;
}

export interface RequestContext {
  broker: Broker;
  cluster: ClusterIdentity;
  apiVersion: number;
  clientId: string;
  /** Remote address of the client, e.g. "127.0.0.1". */
  clientHost: string;
  connectionId: number;
  log(level: LogLevel, message: string): void;
  /** Register a callback for when the connection closes (long polls stop waiting); returns an unsubscribe. */
  onClose(cb: () => void): () => void;
}

// The registry holds modules of every request/response type side by side; `any` here is that heterogeneity.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface ApiModule<Req = any, Resp = any> {
  apiKey: number;
  name: string;
  minVersion: number;
  maxVersion: number;
  /** First flexible version (compact encodings, tagged fields, header v2/v1); Infinity when none implemented. */
  flexibleFrom: number;
  request: Schema;
  response: Schema;
  handle(ctx: RequestContext, req: Req): Resp | null | Promise<Resp | null>;
}

export function defineApi<Req, Resp>(m: ApiModule<Req, Resp>): ApiModule<Req, Resp> {
  return m;
}

/** Kafka error code of a failure; anything that is not a KafkaError is logged and reported as -1. */
export function errorCodeOf(ctx: RequestContext, e: unknown, what: string): number {
  if (e instanceof KafkaError) return e.code;
  ctx.log('error', `${what}: unexpected failure: ${(e as Error)?.stack ?? String(e)}`);
  return -1;
}

export function errorMessageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Group a flat per-partition list back into Kafka's topic -> partitions nesting, keeping first-seen order. */
export function groupByTopic<T extends { topic: string }, P>(
  items: T[],
  map: (item: T) => P,
): { name: string; partitions: P[] }[] {
  const out = new Map<string, P[]>();
  for (const it of items) {
    let list = out.get(it.topic);
    if (!list) out.set(it.topic, (list = []));
    list.push(map(it));
  }
  return [...out].map(([name, partitions]) => ({ name, partitions }));
}
