/**
 * JSON Schema through ajv: a schema is valid when ajv compiles it (draft-07 by default; `$schema` 2019-09 and
 * 2020-12 select those drafts, draft-06 is understood, any other `$schema` compiles without meta-validation).
 * Referenced schemas are added to ajv under their reference name, so `{"$ref": "<name>"}` resolves.
 *
 * Compatibility: can every document the writer schema accepts be read under the reader schema? Checked
 * structurally, for the common cases (each rule below rejects the change it names):
 * - `type`: the writer's types must be among the reader's ("integer" is read as "number"); a reader that
 *   gains a `type` the writer lacked narrows it.
 * - `enum` / `const`: the reader must allow every value the writer allows.
 * - objects: a property the writer has and the reader removed is refused when the reader's content model is
 *   closed (`additionalProperties: false`), and checked against the reader's `additionalProperties` schema when
 *   that is one; a property the reader added is refused when the writer's content model is open (old documents
 *   may carry that name with any value) unless the reader's property accepts anything; a name the reader newly
 *   `required`s is refused; closing an open content model is refused; common properties are compared recursively.
 * - arrays: `items` compared recursively.
 * - bounds: a reader that tightens `maxLength`, `minLength`, `maximum`, `minimum`, `exclusiveMaximum`,
 *   `exclusiveMinimum`, `maxItems`, `minItems`, `maxProperties`, `minProperties` or changes `pattern` is refused.
 * - `anyOf` / `oneOf`: each writer branch must be readable by some reader branch.
 * - local `$ref`s (`#/...`) are followed; other `$ref`s must be the same string in both.
 * - anything else that differs (`allOf`, `not`, `if`/`then`/`else`, `patternProperties`, `dependencies`,
 *   `dependentSchemas`, `prefixItems`, ...) is not analysed and reported as incompatible, never silently accepted.
 */
import Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import Ajv2019 from 'ajv/dist/2019';
import Ajv2020 from 'ajv/dist/2020';
import draft6 from 'ajv/dist/refs/json-schema-draft-06.json';
import type { ResolvedReference, SchemaFormat } from './format';
import { parseJson, stableStringify } from './format';

type Json = unknown;
type Obj = Record<string, unknown>;

export interface ParsedJsonSchema {
  root: Json;
  canonical: string;
}

function ajvFor(schema: Json): Ajv {
  const meta = isObj(schema) && typeof schema.$schema === 'string' ? schema.$schema : '';
  const opts = { strict: false, allErrors: false, validateFormats: false } as const;
  if (meta.includes('2020-12')) return new Ajv2020(opts);
  if (meta.includes('2019-09')) return new Ajv2019(opts);
  const ajv = new Ajv({ ...opts, validateSchema: meta === '' || /draft-0[67]/.test(meta) });
  if (meta.includes('draft-06')) ajv.addMetaSchema(draft6);
  return ajv;
}

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A validator for documents of this JSON schema (with its references), for decoding records. Throws as `parse`. */
export function compileJsonSchema(schema: string, references: ResolvedReference[]): ValidateFunction {
  const root = parseJson(schema, 'JSON schema');
  const ajv = ajvFor(root);
  for (const ref of references)
    ajv.addSchema(parseJson(ref.schema, `referenced schema "${ref.name}"`) as object, ref.name);
  return ajv.compile(root as object);
}

export const jsonSchemaFormat: SchemaFormat<ParsedJsonSchema> = {
  parse(schema: string, references: ResolvedReference[]): ParsedJsonSchema {
    const root = parseJson(schema, 'JSON schema');
    if (!isObj(root) && typeof root !== 'boolean')
      throw new Error('Invalid schema: a JSON schema must be an object or a boolean');
    const ajv = ajvFor(root);
    try {
      for (const ref of references) {
        const refRoot = parseJson(ref.schema, `referenced schema "${ref.name}"`);
        ajv.addSchema(refRoot as object, ref.name);
      }
      ajv.compile(root as object);
    } catch (e) {
      throw new Error(`Invalid schema: ${(e as Error).message}`, { cause: e });
    }
    return { root, canonical: stableStringify(root) };
  },
  canonical: (p) => p.canonical,
  canRead(reader, writer) {
    const out: string[] = [];
    compare(reader.root, writer.root, '#', { readerRoot: reader.root, writerRoot: writer.root, seen: new Set(), out });
    return out;
  },
};

interface Ctx {
  readerRoot: Json;
  writerRoot: Json;
  seen: Set<string>;
  out: string[];
}

/** Follow a local `$ref` (`#/definitions/x`, `#/$defs/x`) to the schema it names; undefined if it is not local. */
function deref(schema: Json, root: Json): Json {
  for (let hops = 0; hops < 32 && isObj(schema) && typeof schema.$ref === 'string'; hops++) {
    const ref = schema.$ref;
    if (ref !== '#' && !ref.startsWith('#/')) return schema;
    let node: Json = root;
    for (const raw of ref.slice(2).split('/').filter(Boolean)) {
      const part = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      node = isObj(node) ? node[part] : Array.isArray(node) ? node[Number(part)] : undefined;
    }
    if (node === undefined) return schema;
    schema = node;
  }
  return schema;
}

/** A schema that accepts every document. */
function acceptsAnything(s: Json): boolean {
  if (s === true) return true;
  if (!isObj(s)) return false;
  return Object.keys(s).every((k) =>
    ['$id', '$schema', 'title', 'description', '$comment', 'default', 'examples'].includes(k),
  );
}

function typesOf(s: Obj): string[] | undefined {
  if (typeof s.type === 'string') return [s.type];
  if (Array.isArray(s.type)) return s.type.filter((t): t is string => typeof t === 'string');
  return undefined;
}

function allowedValues(s: Obj): unknown[] | undefined {
  if ('const' in s) return [s.const];
  if (Array.isArray(s.enum)) return s.enum as unknown[];
  return undefined;
}

const MAX_KEYS = ['maxLength', 'maximum', 'exclusiveMaximum', 'maxItems', 'maxProperties'];
const MIN_KEYS = ['minLength', 'minimum', 'exclusiveMinimum', 'minItems', 'minProperties'];
const HANDLED = new Set([
  '$id',
  '$schema',
  '$ref',
  '$comment',
  '$defs',
  'definitions',
  'title',
  'description',
  'default',
  'examples',
  'format',
  'readOnly',
  'writeOnly',
  'deprecated',
  'type',
  'enum',
  'const',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'pattern',
  'anyOf',
  'oneOf',
  ...MAX_KEYS,
  ...MIN_KEYS,
]);

function compare(readerIn: Json, writerIn: Json, path: string, ctx: Ctx): void {
  const reader = deref(readerIn, ctx.readerRoot);
  const writer = deref(writerIn, ctx.writerRoot);
  const key = `${path}|${stableStringify(reader)}|${stableStringify(writer)}`;
  if (ctx.seen.has(key)) return; // a recursive schema: this pair is already being compared
  ctx.seen.add(key);
  const fail = (what: string): void => {
    ctx.out.push(`${path}: ${what}`);
  };

  if (acceptsAnything(reader) || writer === false) return;
  if (reader === false) return fail('the reader accepts nothing (false) where the writer accepted documents');
  if (!isObj(reader)) return fail('the reader schema is not a schema object');
  const w: Obj = isObj(writer) ? writer : {}; // writer === true: accepts anything

  if (typeof reader.$ref === 'string' || typeof w.$ref === 'string') {
    if (reader.$ref !== w.$ref)
      fail(`reference changed from ${JSON.stringify(w.$ref)} to ${JSON.stringify(reader.$ref)}`);
  }

  // combinators: every writer branch must be readable by some reader branch
  const rBranches = (
    Array.isArray(reader.anyOf) ? reader.anyOf : Array.isArray(reader.oneOf) ? reader.oneOf : undefined
  ) as Json[] | undefined;
  const wBranches = (Array.isArray(w.anyOf) ? w.anyOf : Array.isArray(w.oneOf) ? w.oneOf : undefined) as
    Json[] | undefined;
  if (rBranches || wBranches) {
    const writerAlts = wBranches ?? [stripCombinators(w)];
    const readerAlts = rBranches ?? [stripCombinators(reader)];
    writerAlts.forEach((wb, i) => {
      const readable = readerAlts.some((rb) => {
        const sub: Ctx = { ...ctx, out: [] };
        compare(rb, wb, `${path}/anyOf/${i}`, sub);
        return sub.out.length === 0;
      });
      if (!readable) fail(`no branch of the reader's anyOf/oneOf reads the writer's branch ${i}`);
    });
    if (rBranches && wBranches) return;
  }

  const rTypes = typesOf(reader);
  const wTypes = typesOf(w);
  if (rTypes) {
    if (!wTypes) fail(`type narrowed to ${JSON.stringify(rTypes)} (the writer allowed any type)`);
    else {
      const lost = wTypes.filter((t) => !rTypes.includes(t) && !(t === 'integer' && rTypes.includes('number')));
      if (lost.length > 0) fail(`type changed from ${JSON.stringify(w.type)} to ${JSON.stringify(reader.type)}`);
    }
  }

  const rValues = allowedValues(reader);
  if (rValues) {
    const wValues = allowedValues(w);
    if (!wValues) fail('enum added: the writer allowed any value');
    else {
      const rSet = new Set(rValues.map(stableStringify));
      const missing = wValues.filter((v) => !rSet.has(stableStringify(v)));
      if (missing.length > 0) fail(`enum values removed: ${missing.map((v) => JSON.stringify(v)).join(', ')}`);
    }
  }

  for (const k of MAX_KEYS) {
    const r = reader[k];
    if (typeof r === 'number' && !(typeof w[k] === 'number' && (w[k] as number) <= r)) fail(`${k} tightened to ${r}`);
  }
  for (const k of MIN_KEYS) {
    const r = reader[k];
    if (typeof r === 'number' && !(typeof w[k] === 'number' && (w[k] as number) >= r)) fail(`${k} tightened to ${r}`);
  }
  if (typeof reader.pattern === 'string' && reader.pattern !== w.pattern)
    fail(`pattern changed to ${JSON.stringify(reader.pattern)}`);

  compareObject(reader, w, path, ctx, fail);

  if (reader.items !== undefined && !Array.isArray(reader.items)) {
    const wItems = w.items === undefined ? true : w.items;
    if (Array.isArray(wItems)) fail('items changed from a tuple to a list');
    else compare(reader.items, wItems, `${path}/items`, ctx);
  } else if (Array.isArray(reader.items) && stableStringify(reader.items) !== stableStringify(w.items)) {
    fail('tuple items changed (not analysed)');
  }

  for (const k of new Set([...Object.keys(reader), ...Object.keys(w)])) {
    if (HANDLED.has(k)) continue;
    if (stableStringify(reader[k]) !== stableStringify(w[k])) fail(`"${k}" changed (not analysed, so refused)`);
  }
}

function stripCombinators(s: Obj): Obj {
  const { anyOf: _a, oneOf: _o, ...rest } = s;
  return rest;
}

function compareObject(reader: Obj, w: Obj, path: string, ctx: Ctx, fail: (what: string) => void): void {
  const rProps = isObj(reader.properties) ? reader.properties : {};
  const wProps = isObj(w.properties) ? w.properties : {};
  const rAdditional = reader.additionalProperties ?? true;
  const wAdditional = w.additionalProperties ?? true;
  const rClosed = rAdditional === false;
  const wOpen = wAdditional !== false;
  const isObject = (s: Obj) =>
    isObj(s.properties) || 'additionalProperties' in s || Array.isArray(s.required) || typesOf(s)?.includes('object');
  if (!isObject(reader) && !isObject(w)) return;

  for (const [name, wp] of Object.entries(wProps)) {
    const at = `${path}/properties/${name}`;
    if (name in rProps) compare(rProps[name], wp, at, ctx);
    else if (rClosed) fail(`property "${name}" removed from a closed content model (additionalProperties: false)`);
    else if (rAdditional !== true) compare(rAdditional, wp, at, ctx);
  }
  for (const [name, rp] of Object.entries(rProps)) {
    if (name in wProps) continue;
    const at = `${path}/properties/${name}`;
    if (wAdditional === false) continue; // the writer never wrote this name
    if (wAdditional === true) {
      if (!acceptsAnything(deref(rp, ctx.readerRoot)))
        fail(`property "${name}" added to an open content model (old documents may hold "${name}" with any value)`);
    } else compare(rp, wAdditional, at, ctx);
  }
  const wRequired = new Set(Array.isArray(w.required) ? (w.required as string[]) : []);
  for (const name of Array.isArray(reader.required) ? (reader.required as string[]) : []) {
    if (!wRequired.has(name)) fail(`property "${name}" is now required`);
  }
  if (rClosed && wOpen) {
    const extra = wAdditional === true ? 'any name' : 'names outside "properties"';
    fail(`content model closed (additionalProperties: false) where the writer allowed ${extra}`);
  } else if (rAdditional !== true && rAdditional !== false && wAdditional !== false) {
    compare(rAdditional, wAdditional, `${path}/additionalProperties`, ctx);
  }
}
