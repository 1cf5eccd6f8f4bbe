/**
 * The embedded Schema Registry's HTTP server: Confluent's REST API (the endpoints its serializers and tools use)
 * over node's `http` module, on 127.0.0.1 only, answering from a SchemaRegistry engine (src/schema-registry).
 *
 * Contract:
 * - responses are JSON with content type `application/vnd.schemaregistry.v1+json`; request bodies are read as
 *   JSON whatever the JSON-ish content type (`application/vnd.schemaregistry.v1+json`,
 *   `application/vnd.schemaregistry+json`, `application/json`, none); another type is 415;
 * - errors are `{"error_code": <code>, "message": <text>}` with Confluent's status and code (40401, 40402, 40403,
 *   409, 42201, 42202, 42203, ...); an unknown path is 404/404, a known path with another method 405/405, a body
 *   that is not JSON 400/400 (`error_code` 50005 is what Confluent's clients use for that on their side);
 * - request bodies are bounded (`maxBodyBytes`, default 16 MiB): a larger one is answered 413 without being read
 *   further, and its connection is closed.
 * - `?format=` (GET /schemas/ids/{id}[/schema], GET /subjects/{s}/versions/{v}[/schema], POST /subjects/{s}) asks
 *   for another form of the schema: `serialized` gives a Protobuf schema as a base64 FileDescriptorProto; a form
 *   the schema's type lacks gives the stored text, as with no format.
 * Endpoints: see `route` below and the README's "Schema Registry" section.
 */
import * as http from 'http';
import type { AddressInfo } from 'net';
import { RegistryError } from '../schema-registry/errors';
import type { Logger, SchemaRegistry, VersionSpec } from '../schema-registry/registry';
import { parseCompatibility, parseMode, parseVersion } from '../schema-registry/registry';
import type { SchemaInput, SubjectVersion } from '../schema-registry/types';

export const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface SchemaRegistryServerOptions {
  registry: SchemaRegistry;
  /** 0 picks a free port. */
  port: number;
  maxBodyBytes?: number;
  logger?: Logger;
}

export interface SchemaRegistryServer {
  readonly host: string;
  readonly port: number;
  /** http://127.0.0.1:<port> */
  readonly url: string;
  close(): Promise<void>;
}

interface Reply {
  status: number;
  body: unknown;
  /** Send `body` (a string) as is, not as JSON. */
  raw?: boolean;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const notFound = () => new HttpError(404, 'HTTP 404 Not Found');
const notAllowed = () => new HttpError(405, 'HTTP 405 Method Not Allowed');

function flag(query: URLSearchParams, name: string): boolean {
  return (query.get(name) ?? '').toLowerCase() === 'true';
}

function versionJson(v: SubjectVersion): Record<string, unknown> {
  return {
    subject: v.subject,
    version: v.version,
    id: v.id,
    ...(v.schemaType === 'AVRO' ? {} : { schemaType: v.schemaType }),
    ...(v.references.length > 0 ? { references: v.references } : {}),
    schema: v.schema,
    ...(v.deleted ? { deleted: true } : {}),
  };
}

function schemaInput(body: unknown): SchemaInput {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new RegistryError(
      422,
      42201,
      'Invalid schema: the request body must be a JSON object with a "schema" string',
    );
  const b = body as Record<string, unknown>;
  if (typeof b.schema !== 'string' || b.schema.length === 0)
    throw new RegistryError(422, 42201, 'Invalid schema: the request body needs a non-empty "schema" string');
  const type = b.schemaType === undefined || b.schemaType === null ? undefined : b.schemaType;
  if (type !== undefined && typeof type !== 'string')
    throw new RegistryError(422, 42201, 'Invalid schema: "schemaType" must be a string');
  return {
    schema: b.schema,
    schemaType: type === undefined ? undefined : (type.toUpperCase() as SchemaInput['schemaType']),
    references: (b.references ?? []) as SchemaInput['references'],
  };
}

function schemaId(text: string): number {
  if (!/^[0-9]+$/.test(text)) throw new RegistryError(404, 40403, `Schema ${text} not found`);
  return Number(text);
}

function bodyField(body: unknown, ...names: string[]): unknown {
  if (body === null || typeof body !== 'object') return undefined;
  for (const n of names) if (n in (body as object)) return (body as Record<string, unknown>)[n];
  return undefined;
}

/** The router: one request to one reply (throws RegistryError / HttpError). */
export async function route(
  registry: SchemaRegistry,
  method: string,
  parts: string[],
  query: URLSearchParams,
  body: unknown,
): Promise<Reply> {
  const ok = (b: unknown): Reply => ({ status: 200, body: b });
  const only = (...methods: string[]) => {
    if (!methods.includes(method)) throw notAllowed();
  };
  const deleted = flag(query, 'deleted');
  const format = query.get('format') ?? undefined;
  const [head, ...rest] = parts;

  if (parts.length === 0) {
    only('GET');
    return ok({});
  }

  if (head === 'schemas') {
    if (rest.length === 1 && rest[0] === 'types') {
      only('GET');
      return ok(registry.schemaTypes());
    }
    if (rest[0] === 'ids' && rest.length >= 2 && rest.length <= 3) {
      only('GET');
      const id = schemaId(rest[1]);
      const s = registry.getSchemaById(id, { format });
      if (rest.length === 2)
        return ok({
          ...(s.schemaType === 'AVRO' ? {} : { schemaType: s.schemaType }),
          ...(s.references.length > 0 ? { references: s.references } : {}),
          schema: s.schema,
        });
      if (rest[2] === 'schema') return { status: 200, body: s.schema, raw: true };
      if (rest[2] === 'versions') return ok(registry.versionsOfId(id, { deleted }));
      if (rest[2] === 'subjects') return ok([...new Set(registry.versionsOfId(id, { deleted }).map((v) => v.subject))]);
    }
    throw notFound();
  }

  if (head === 'subjects') {
    if (rest.length === 0) {
      only('GET');
      return ok(registry.listSubjects({ deleted, prefix: query.get('subjectPrefix') ?? undefined }));
    }
    const subject = rest[0];
    if (rest.length === 1) {
      only('POST', 'DELETE');
      if (method === 'POST') return ok(versionJson(registry.lookup(subject, schemaInput(body), { deleted, format })));
      return ok(await registry.deleteSubject(subject, { permanent: flag(query, 'permanent') }));
    }
    if (rest[1] !== 'versions') throw notFound();
    if (rest.length === 2) {
      only('GET', 'POST');
      if (method === 'GET') return ok(registry.listVersions(subject, { deleted }));
      const { id } = await registry.register(subject, schemaInput(body));
      return ok({ id });
    }
    const version: VersionSpec = parseVersion(rest[2]);
    if (rest.length === 3) {
      only('GET', 'DELETE');
      if (method === 'GET') return ok(versionJson(registry.getVersion(subject, version, { deleted, format })));
      return ok(await registry.deleteVersion(subject, version, { permanent: flag(query, 'permanent') }));
    }
    if (rest.length === 4 && rest[3] === 'schema') {
      only('GET');
      return { status: 200, body: registry.getVersion(subject, version, { deleted, format }).schema, raw: true };
    }
    if (rest.length === 4 && rest[3] === 'referencedby') {
      only('GET');
      return ok(registry.referencedBy(subject, version));
    }
    throw notFound();
  }

  if (head === 'config' && rest.length <= 1) {
    only('GET', 'PUT', 'DELETE');
    const subject = rest.length === 1 ? rest[0] : null;
    if (method === 'GET') {
      const level =
        subject === null
          ? registry.getGlobalCompatibility()
          : registry.getSubjectCompatibility(subject, flag(query, 'defaultToGlobal'));
      return ok({ compatibilityLevel: level });
    }
    if (method === 'PUT') {
      const level = parseCompatibility(bodyField(body, 'compatibility', 'compatibilityLevel'));
      return ok({ compatibility: await registry.setCompatibility(subject, level) });
    }
    return ok({ compatibilityLevel: await registry.deleteCompatibility(subject) });
  }

  if (head === 'mode' && rest.length <= 1) {
    const subject = rest.length === 1 ? rest[0] : null;
    only('GET', 'PUT', ...(subject === null ? [] : ['DELETE']));
    if (method === 'GET') return ok({ mode: registry.getMode(subject, flag(query, 'defaultToGlobal')) });
    if (method === 'PUT') return ok({ mode: await registry.setMode(subject, parseMode(bodyField(body, 'mode'))) });
    return ok({ mode: await registry.deleteMode(subject as string) });
  }

  if (head === 'compatibility' && rest[0] === 'subjects' && rest[2] === 'versions' && rest.length <= 4) {
    only('POST');
    const version = rest.length === 4 ? parseVersion(rest[3]) : null;
    const result = registry.testCompatibility(rest[1], version, schemaInput(body));
    return ok({
      is_compatible: result.isCompatible,
      ...(flag(query, 'verbose') ? { messages: result.messages } : {}),
    });
  }

  throw notFound();
}

const JSON_TYPES = /^application\/(vnd\.schemaregistry(\.v1)?\+json|json|octet-stream)\b/i;

export function startSchemaRegistryServer(opts: SchemaRegistryServerOptions): Promise<SchemaRegistryServer> {
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const logger = opts.logger ?? (() => {});
  const send = (res: http.ServerResponse, reply: Reply, close = false) => {
    const text = reply.raw ? String(reply.body) : JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      'Content-Type': CONTENT_TYPE,
      'Content-Length': Buffer.byteLength(text),
      ...(close ? { Connection: 'close' } : {}),
    });
    res.end(text);
  };
  const fail = (res: http.ServerResponse, status: number, code: number, message: string, close = false) =>
    send(res, { status, body: { error_code: code, message } }, close);

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse, raw: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    let parts: string[];
    try {
      parts = url.pathname
        .split('/')
        .filter((p) => p.length > 0)
        .map(decodeURIComponent);
    } catch {
      return fail(res, 404, 404, 'HTTP 404 Not Found');
    }
    let body: unknown = undefined;
    if (raw.length > 0) {
      const type = req.headers['content-type'];
      if (type && !JSON_TYPES.test(type)) return fail(res, 415, 415, 'HTTP 415 Unsupported Media Type');
      try {
        body = JSON.parse(raw.toString('utf8')) as unknown;
      } catch (e) {
        return fail(res, 400, 400, `the request body is not valid JSON: ${(e as Error).message}`);
      }
    }
    try {
      send(res, await route(opts.registry, req.method ?? 'GET', parts, url.searchParams, body));
    } catch (e) {
      if (e instanceof RegistryError) return fail(res, e.status, e.code, e.message);
      if (e instanceof HttpError) return fail(res, e.status, e.status, e.message);
      logger('error', `schema registry: ${req.method} ${url.pathname} failed: ${(e as Error).stack ?? String(e)}`);
      return fail(res, 500, 50001, `Error in the schema registry: ${(e as Error).message}`);
    }
  };

  const server = http.createServer((req, res) => {
    const tooLarge = () =>
      fail(res, 413, 413, `the request body is larger than ${maxBody} bytes, the limit of this schema registry`, true);
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBody) {
      tooLarge();
      res.on('finish', () => req.destroy());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > maxBody) {
        over = true;
        chunks.length = 0;
        tooLarge();
        res.on('finish', () => req.destroy());
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!over) void handle(req, res, Buffer.concat(chunks));
    });
    req.on('error', () => {});
  });
  server.on('clientError', (_e, socket) => socket.destroy());

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => {
      server.off('error', reject);
      server.on('error', (e) => logger('error', `schema registry server: ${e.message}`));
      const port = (server.address() as AddressInfo).port;
      resolve({
        host: '127.0.0.1',
        port,
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
