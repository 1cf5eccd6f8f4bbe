/**
 * Protobuf schemas as serialized FileDescriptorProtos (what Confluent's Protobuf serializers register, base64
 * encoded, and read back with `?format=serialized`), beside the .proto text the registry stores.
 *
 * Contract:
 * - `looksLikeDescriptor(text)`: the text is standard base64 (padded, no whitespace); .proto text never is (it
 *   needs braces or semicolons), so the registry takes such a schema as a descriptor;
 * - `decodeDescriptor(base64)`: the FileDescriptorProto as a plain object (protobufjs's descriptor.proto types),
 *   or an Error naming what is wrong (not base64, not a FileDescriptorProto, a construct this registry does not
 *   carry: groups, editions);
 * - `descriptorToProto(fd)`: .proto text of that file: syntax, package, imports (public/weak kept), file options,
 *   messages (fields with labels, proto3 `optional`, oneofs, maps from their map-entry types, defaults, json_name
 *   when not the default, packed/deprecated/other known options, nested types and enums, reserved ranges and names,
 *   extension ranges, extensions), enums (values, options, reserved), services and methods. Type names stay fully
 *   qualified (a leading dot), except a name of the file's own package that no enclosing message shadows, which is
 *   written relative to the package. Options the descriptor types do not declare (custom options) are not kept;
 * - `describeParsed(...)`: the FileDescriptorProto of a parsed, resolved .proto file (its own definitions only, not
 *   those of the schemas it imports), with every type reference fully qualified — so the same file written as
 *   text or sent as a descriptor describes itself alike, which is what the canonical form compares. Map fields get
 *   their map-entry types (after the message's declared nested types); proto3 `optional` fields their synthetic
 *   oneofs (after the real ones); `jsonName` is set on every field (protoc's default unless given);
 * - `canonicalDescriptor(fd)`: a copy without what does not change the schema (the file name, default json names);
 * - `encodeDescriptor(fd)`: its base64 serialized bytes.
 */
import * as protobuf from 'protobufjs';
import * as descriptor from 'protobufjs/ext/descriptor';

/* eslint-disable @typescript-eslint/no-explicit-any -- descriptor objects are protobufjs's toObject output */
type Obj = Record<string, any>;

const SCALARS: Record<string, string> = {
  double: 'TYPE_DOUBLE',
  float: 'TYPE_FLOAT',
  int64: 'TYPE_INT64',
  uint64: 'TYPE_UINT64',
  int32: 'TYPE_INT32',
  fixed64: 'TYPE_FIXED64',
  fixed32: 'TYPE_FIXED32',
  bool: 'TYPE_BOOL',
  string: 'TYPE_STRING',
  bytes: 'TYPE_BYTES',
  uint32: 'TYPE_UINT32',
  sfixed32: 'TYPE_SFIXED32',
  sfixed64: 'TYPE_SFIXED64',
  sint32: 'TYPE_SINT32',
  sint64: 'TYPE_SINT64',
};
const SCALAR_OF_TYPE: Record<string, string> = Object.fromEntries(Object.entries(SCALARS).map(([k, v]) => [v, k]));

const FIELD_MAX = 536870911;
const ENUM_MAX = 2147483647;

const fdType = descriptor.FileDescriptorProto as unknown as protobuf.Type;
const optionTypes = {
  file: descriptor.FileOptions as unknown as protobuf.Type,
  message: descriptor.MessageOptions as unknown as protobuf.Type,
  field: descriptor.FieldOptions as unknown as protobuf.Type,
  enum: descriptor.EnumOptions as unknown as protobuf.Type,
  enumValue: descriptor.EnumValueOptions as unknown as protobuf.Type,
  oneof: descriptor.OneofOptions as unknown as protobuf.Type,
  service: descriptor.ServiceOptions as unknown as protobuf.Type,
  method: descriptor.MethodOptions as unknown as protobuf.Type,
};
type OptionKind = keyof typeof optionTypes;
/** Options that the text form expresses otherwise (or that only protoc's internals set). */
const SKIPPED_OPTIONS = new Set(['uninterpretedOption', 'features', 'mapEntry', 'editionDefaults', 'featureSupport']);

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function looksLikeDescriptor(text: string): boolean {
  return text.length >= 4 && BASE64.test(text);
}

export function decodeDescriptor(base64: string): Obj {
  if (!looksLikeDescriptor(base64)) throw new Error('the schema is not base64 text');
  let fd: Obj;
  try {
    const msg = fdType.decode(Buffer.from(base64, 'base64'));
    fd = fdType.toObject(msg, { enums: String, longs: Number, defaults: false, arrays: false }) as Obj;
  } catch (e) {
    throw new Error(`its bytes do not decode as one (${(e as Error).message})`, { cause: e });
  }
  const syntax = fd.syntax ?? 'proto2';
  if (syntax !== 'proto2' && syntax !== 'proto3')
    throw new Error(`its syntax is "${syntax}"; this registry takes proto2 and proto3 files`);
  if (!fd.messageType?.length && !fd.enumType?.length && !fd.service?.length && !fd.extension?.length)
    throw new Error('it defines no message, enum or service');
  return fd;
}

// ------------------------------------------------------------------ descriptor → .proto text

function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}"`;
}

const snake = (camel: string) => camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const camel = (sn: string) => sn.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

/** protoc's default json_name: underscores dropped, the letter after one upper-cased. */
export function defaultJsonName(name: string): string {
  let out = '';
  let up = false;
  for (const c of name) {
    if (c === '_') up = true;
    else {
      out += up ? c.toUpperCase() : c;
      up = false;
    }
  }
  return out;
}

function optionValue(kind: OptionKind, key: string, v: unknown): string {
  const field = optionTypes[kind].fields[key];
  if (field?.resolvedType instanceof protobuf.Enum || (field && !SCALARS[field.type] && typeof v === 'string'))
    return String(v);
  if (typeof v === 'string') return quote(v);
  return String(v);
}

/** `key = value` pairs of the options a descriptor options object sets (custom ones are not decoded). */
function optionPairs(kind: OptionKind, opts: Obj | undefined): [string, string][] {
  if (!opts) return [];
  optionTypes[kind].resolveAll();
  return Object.keys(opts)
    .filter((k) => !SKIPPED_OPTIONS.has(k) && opts[k] !== undefined && optionTypes[kind].fields[k])
    .map((k) => [snake(k), optionValue(kind, k, opts[k])]);
}

interface Scope {
  pkg: string;
  /** Full names (leading dot) of every message and enum the file defines. */
  defined: Set<string>;
}

/** A type reference as the text writes it (see the contract). */
function typeRef(full: string, enclosing: string[], scope: Scope): string {
  if (!full.startsWith('.')) return full;
  const prefix = scope.pkg ? `.${scope.pkg}.` : '.';
  if (!full.startsWith(prefix)) return full;
  const rest = full.slice(prefix.length);
  const first = rest.split('.')[0];
  for (const m of enclosing) if (scope.defined.has(`${m}.${first}`)) return full;
  return rest;
}

function rangesText(ranges: Obj[] | undefined, endExclusive: boolean, max: number): string[] {
  return (ranges ?? []).map((r) => {
    const start = Number(r.start ?? 0);
    const end = Number(r.end ?? start + 1) - (endExclusive ? 1 : 0);
    if (end === start) return String(start);
    return `${start} to ${end >= max ? 'max' : end}`;
  });
}

function defaultText(f: Obj): string {
  const v = String(f.defaultValue);
  if (f.type === 'TYPE_STRING') return quote(v);
  if (f.type === 'TYPE_BYTES') return `"${v}"`; // a descriptor keeps a bytes default C-escaped already
  return v;
}

class ProtoWriter {
  private readonly lines: string[] = [];
  constructor(private readonly scope: Scope) {}

  text(): string {
    return this.lines.join('\n') + '\n';
  }

  line(indent: number, s: string): void {
    this.lines.push(`${'  '.repeat(indent)}${s}`);
  }

  options(indent: number, kind: OptionKind, opts: Obj | undefined): void {
    for (const [k, v] of optionPairs(kind, opts)) this.line(indent, `option ${k} = ${v};`);
  }

  fieldType(f: Obj, enclosing: string[]): string {
    if (f.type === 'TYPE_MESSAGE' || f.type === 'TYPE_ENUM' || (!f.type && f.typeName))
      return typeRef(f.typeName, enclosing, this.scope);
    if (f.type === 'TYPE_GROUP') throw new Error(`field ${f.name} is a group, which this registry does not carry`);
    const t = SCALAR_OF_TYPE[f.type];
    if (!t) throw new Error(`field ${f.name} has an unknown type ${JSON.stringify(f.type)}`);
    return t;
  }

  fieldOptions(f: Obj, proto3: boolean): string {
    const pairs: [string, string][] = [];
    if (f.defaultValue !== undefined && !proto3) pairs.push(['default', defaultText(f)]);
    if (f.jsonName !== undefined && f.jsonName !== defaultJsonName(f.name))
      pairs.push(['json_name', quote(f.jsonName)]);
    pairs.push(...optionPairs('field', f.options));
    return pairs.length ? ` [${pairs.map(([k, v]) => `${k} = ${v}`).join(', ')}]` : '';
  }

  field(indent: number, f: Obj, enclosing: string[], proto3: boolean, mapEntries: Map<string, Obj>, inOneof: boolean) {
    if (typeof f.name !== 'string' || !Number.isInteger(f.number)) throw new Error('a field lacks its name or number');
    const entry = f.label === 'LABEL_REPEATED' && f.typeName ? mapEntries.get(f.typeName) : undefined;
    let head: string;
    if (entry) {
      const key = entry.field?.find((x: Obj) => x.number === 1);
      const value = entry.field?.find((x: Obj) => x.number === 2);
      if (!key || !value) throw new Error(`map field ${f.name}'s entry type lacks its key or value`);
      head = `map<${this.fieldType(key, enclosing)}, ${this.fieldType(value, enclosing)}>`;
    } else {
      const label = inOneof
        ? ''
        : f.label === 'LABEL_REPEATED'
          ? 'repeated '
          : f.label === 'LABEL_REQUIRED'
            ? 'required '
            : !proto3 || f.proto3Optional
              ? 'optional '
              : '';
      head = `${label}${this.fieldType(f, enclosing)}`;
    }
    this.line(indent, `${head} ${f.name} = ${f.number}${this.fieldOptions(f, proto3)};`);
  }

  extensions(indent: number, exts: Obj[] | undefined, enclosing: string[]): void {
    const byExtendee = new Map<string, Obj[]>();
    for (const e of exts ?? []) {
      if (typeof e.extendee !== 'string') throw new Error(`extension ${e.name} names no extendee`);
      byExtendee.set(e.extendee, [...(byExtendee.get(e.extendee) ?? []), e]);
    }
    for (const [extendee, fields] of byExtendee) {
      this.line(indent, `extend ${typeRef(extendee, enclosing, this.scope)} {`);
      for (const f of fields) this.field(indent + 1, f, enclosing, false, new Map(), false);
      this.line(indent, '}');
    }
  }

  enum(indent: number, e: Obj): void {
    this.line(indent, `enum ${e.name} {`);
    this.options(indent + 1, 'enum', e.options);
    for (const v of e.value ?? []) {
      const opts = optionPairs('enumValue', v.options);
      this.line(
        indent + 1,
        `${v.name} = ${v.number ?? 0}${opts.length ? ` [${opts.map(([k, x]) => `${k} = ${x}`).join(', ')}]` : ''};`,
      );
    }
    const reserved = rangesText(e.reservedRange, false, ENUM_MAX);
    if (reserved.length) this.line(indent + 1, `reserved ${reserved.join(', ')};`);
    if (e.reservedName?.length) this.line(indent + 1, `reserved ${e.reservedName.map(quote).join(', ')};`);
    this.line(indent, '}');
  }

  message(indent: number, m: Obj, parent: string, enclosing: string[], proto3: boolean): void {
    if (typeof m.name !== 'string') throw new Error('a message lacks its name');
    const full = `${parent}.${m.name}`;
    const inner = [full, ...enclosing];
    const mapEntries = new Map<string, Obj>();
    for (const n of m.nestedType ?? []) if (n.options?.mapEntry) mapEntries.set(`${full}.${n.name}`, n);
    this.line(indent, `message ${m.name} {`);
    this.options(indent + 1, 'message', m.options);
    const oneofs: Obj[] = m.oneofDecl ?? [];
    const done = new Set<number>();
    const fields: Obj[] = m.field ?? [];
    for (const f of fields) {
      const o = f.oneofIndex;
      if (o === undefined || f.proto3Optional) {
        this.field(indent + 1, f, inner, proto3, mapEntries, false);
        continue;
      }
      if (done.has(o)) continue;
      done.add(o);
      const decl = oneofs[o];
      if (!decl) throw new Error(`field ${f.name} names oneof ${o}, which message ${m.name} does not declare`);
      this.line(indent + 1, `oneof ${decl.name} {`);
      this.options(indent + 2, 'oneof', decl.options);
      for (const g of fields.filter((x) => x.oneofIndex === o && !x.proto3Optional))
        this.field(indent + 2, g, inner, proto3, mapEntries, true);
      this.line(indent + 1, '}');
    }
    for (const n of m.nestedType ?? []) if (!n.options?.mapEntry) this.message(indent + 1, n, full, inner, proto3);
    for (const e of m.enumType ?? []) this.enum(indent + 1, e);
    this.extensions(indent + 1, m.extension, inner);
    const ext = rangesText(m.extensionRange, true, FIELD_MAX);
    if (ext.length) this.line(indent + 1, `extensions ${ext.join(', ')};`);
    const reserved = rangesText(m.reservedRange, true, FIELD_MAX);
    if (reserved.length) this.line(indent + 1, `reserved ${reserved.join(', ')};`);
    if (m.reservedName?.length) this.line(indent + 1, `reserved ${m.reservedName.map(quote).join(', ')};`);
    this.line(indent, '}');
  }

  service(s: Obj): void {
    this.line(0, `service ${s.name} {`);
    this.options(1, 'service', s.options);
    for (const m of s.method ?? []) {
      const req = `${m.clientStreaming ? 'stream ' : ''}${typeRef(m.inputType, [], this.scope)}`;
      const res = `${m.serverStreaming ? 'stream ' : ''}${typeRef(m.outputType, [], this.scope)}`;
      const opts = optionPairs('method', m.options);
      if (opts.length) {
        this.line(1, `rpc ${m.name} (${req}) returns (${res}) {`);
        for (const [k, v] of opts) this.line(2, `option ${k} = ${v};`);
        this.line(1, '}');
      } else this.line(1, `rpc ${m.name} (${req}) returns (${res});`);
    }
    this.line(0, '}');
  }
}

function collectDefined(msgs: Obj[] | undefined, enums: Obj[] | undefined, parent: string, out: Set<string>): void {
  for (const e of enums ?? []) out.add(`${parent}.${e.name}`);
  for (const m of msgs ?? []) {
    out.add(`${parent}.${m.name}`);
    collectDefined(m.nestedType, m.enumType, `${parent}.${m.name}`, out);
  }
}

export function descriptorToProto(fd: Obj): string {
  const pkg: string = fd.package ?? '';
  const root = pkg ? `.${pkg}` : '';
  const defined = new Set<string>();
  collectDefined(fd.messageType, fd.enumType, root, defined);
  const proto3 = fd.syntax === 'proto3';
  const w = new ProtoWriter({ pkg, defined });
  w.line(0, `syntax = "${proto3 ? 'proto3' : 'proto2'}";`);
  if (pkg) w.line(0, `package ${pkg};`);
  const deps: string[] = fd.dependency ?? [];
  const pub = new Set<number>(fd.publicDependency ?? []);
  const weak = new Set<number>(fd.weakDependency ?? []);
  deps.forEach((d, i) => w.line(0, `import ${pub.has(i) ? 'public ' : weak.has(i) ? 'weak ' : ''}${quote(d)};`));
  w.options(0, 'file', fd.options);
  for (const m of fd.messageType ?? []) w.message(0, m, root, [], proto3);
  for (const e of fd.enumType ?? []) w.enum(0, e);
  w.extensions(0, fd.extension, []);
  for (const s of fd.service ?? []) w.service(s);
  return w.text();
}

// ------------------------------------------------------------------ parsed .proto → descriptor

const full = (o: protobuf.ReflectionObject) => (o.fullName.startsWith('.') ? o.fullName : `.${o.fullName}`);

function descriptorOptions(kind: OptionKind, opts: Record<string, unknown> | undefined): Obj | undefined {
  if (!opts) return undefined;
  const type = optionTypes[kind];
  type.resolveAll();
  const out: Obj = {};
  for (const [k, v] of Object.entries(opts)) {
    const name = camel(k);
    const f = type.fields[name];
    if (!f || SKIPPED_OPTIONS.has(name) || v === undefined || typeof v === 'object') continue;
    out[name] = v;
  }
  return Object.keys(out).length ? out : undefined;
}

function pascal(name: string): string {
  const c = defaultJsonName(name);
  return c.charAt(0).toUpperCase() + c.slice(1);
}

function fieldDescriptor(f: protobuf.Field, proto3: boolean): Obj {
  const o: Obj = { name: f.name, number: f.id };
  o.label = f.repeated ? 'LABEL_REPEATED' : f.required ? 'LABEL_REQUIRED' : 'LABEL_OPTIONAL';
  const t = f.resolvedType;
  if (t instanceof protobuf.Type) {
    o.type = (t as protobuf.Type & { group?: boolean }).group ? 'TYPE_GROUP' : 'TYPE_MESSAGE';
    o.typeName = full(t);
  } else if (t instanceof protobuf.Enum) {
    o.type = 'TYPE_ENUM';
    o.typeName = full(t);
  } else o.type = SCALARS[f.type];
  const opts = (f.options ?? {}) as Record<string, unknown>;
  if (opts.default !== undefined && !proto3) o.defaultValue = String(opts.default);
  o.jsonName = typeof opts.json_name === 'string' ? opts.json_name : defaultJsonName(f.name);
  if (opts.proto3_optional === true) o.proto3Optional = true;
  const fo = descriptorOptions('field', opts);
  if (fo) o.options = fo;
  return o;
}

function reservedOf(reserved: (number[] | string)[] | undefined, endExclusive: boolean): [Obj[], string[]] {
  const ranges: Obj[] = [];
  const names: string[] = [];
  for (const r of reserved ?? []) {
    if (typeof r === 'string') names.push(r);
    else ranges.push({ start: r[0], end: r[1] + (endExclusive ? 1 : 0) });
  }
  return [ranges, names];
}

function enumDescriptor(e: protobuf.Enum): Obj {
  const o: Obj = {
    name: e.name,
    value: Object.entries(e.values).map(([name, number]) => {
      const v: Obj = { name, number };
      const vo = descriptorOptions('enumValue', (e.valuesOptions?.[name] ?? undefined) as Record<string, unknown>);
      if (vo) v.options = vo;
      return v;
    }),
  };
  const opts = descriptorOptions('enum', e.options);
  if (opts) o.options = opts;
  const [ranges, names] = reservedOf(e.reserved, false);
  if (ranges.length) o.reservedRange = ranges;
  if (names.length) o.reservedName = names;
  return o;
}

function extensionDescriptor(f: protobuf.Field, proto3: boolean): Obj {
  const o = fieldDescriptor(f, proto3);
  const target = f.extensionField?.parent;
  o.extendee = target ? full(target) : f.extend;
  delete o.jsonName;
  return o;
}

function messageDescriptor(t: protobuf.Type, proto3: boolean): Obj {
  const o: Obj = { name: t.name, field: [] };
  const nested: Obj[] = [];
  const enums: Obj[] = [];
  const exts: Obj[] = [];
  for (const n of t.nestedArray) {
    if (n instanceof protobuf.Type) nested.push(messageDescriptor(n, proto3));
    else if (n instanceof protobuf.Enum) enums.push(enumDescriptor(n));
    else if (n instanceof protobuf.Field && n.extend !== undefined) exts.push(extensionDescriptor(n, proto3));
  }
  const real = t.oneofsArray.filter((x) => !(x.fieldsArray.length === 1 && x.fieldsArray[0].options?.proto3_optional));
  const synthetic = t.oneofsArray.filter((x) => !real.includes(x));
  const oneofs = [...real, ...synthetic];
  for (const f of t.fieldsArray) {
    if (f.declaringField) continue; // the sister of an extension declared elsewhere
    const fd = fieldDescriptor(f, proto3);
    if (f instanceof protobuf.MapField) {
      const entryName = `${pascal(f.name)}Entry`;
      const key = fieldDescriptor(new protobuf.Field('key', 1, f.keyType), proto3);
      const value: Obj = { ...fd, name: 'value', number: 2, label: 'LABEL_OPTIONAL', jsonName: 'value' };
      delete value.options;
      delete value.proto3Optional;
      nested.push({ name: entryName, field: [key, value], options: { mapEntry: true } });
      fd.label = 'LABEL_REPEATED';
      fd.type = 'TYPE_MESSAGE';
      fd.typeName = `${full(t)}.${entryName}`;
    }
    if (f.partOf) fd.oneofIndex = oneofs.indexOf(f.partOf);
    o.field.push(fd);
  }
  if (nested.length) o.nestedType = nested;
  if (enums.length) o.enumType = enums;
  if (exts.length) o.extension = exts;
  if (oneofs.length) o.oneofDecl = oneofs.map((x) => ({ name: x.name }));
  if (t.extensions?.length) o.extensionRange = t.extensions.map(([s, e]) => ({ start: s, end: e + 1 }));
  const [ranges, names] = reservedOf(t.reserved, true);
  if (ranges.length) o.reservedRange = ranges;
  if (names.length) o.reservedName = names;
  const opts = descriptorOptions('message', t.options);
  if (opts) o.options = opts;
  return o;
}

function serviceDescriptor(s: protobuf.Service): Obj {
  const o: Obj = {
    name: s.name,
    method: s.methodsArray.map((m) => {
      m.resolve();
      const x: Obj = {
        name: m.name,
        inputType: m.resolvedRequestType ? full(m.resolvedRequestType) : m.requestType,
        outputType: m.resolvedResponseType ? full(m.resolvedResponseType) : m.responseType,
      };
      if (m.requestStream) x.clientStreaming = true;
      if (m.responseStream) x.serverStreaming = true;
      const mo = descriptorOptions('method', m.options);
      if (mo) x.options = mo;
      return x;
    }),
  };
  const opts = descriptorOptions('service', s.options);
  if (opts) o.options = opts;
  return o;
}

export interface OwnFile {
  syntax: 'proto2' | 'proto3';
  package: string | undefined;
  imports: string[];
  publicImports: string[];
  weakImports: string[];
  /** File-level options, as protobufjs parsed them. */
  options: Record<string, unknown> | undefined;
  /** Full names (no leading dot) of the file's top-level definitions, in declaration order. */
  topLevel: string[];
}

/** What a .proto text itself declares (parsed on its own, unresolved). */
export function ownFile(schema: string): OwnFile {
  const own = protobuf.parse(schema, new protobuf.Root(), { keepCase: true });
  const topLevel: string[] = [];
  let options: Record<string, unknown> | undefined = own.root.options;
  const walk = (ns: protobuf.NamespaceBase) => {
    for (const n of ns.nestedArray) {
      if (n instanceof protobuf.Type || n instanceof protobuf.Enum || n instanceof protobuf.Service)
        topLevel.push(n.fullName.replace(/^\./, ''));
      else if (n instanceof protobuf.Field) topLevel.push(n.fullName.replace(/^\./, ''));
      else if (n instanceof protobuf.Namespace) walk(n);
    }
  };
  walk(own.root);
  if (own.package) {
    const pkgNs = own.root.lookup(own.package);
    if (pkgNs?.options) options = { ...options, ...pkgNs.options };
  }
  const pub = new Set<string>();
  for (const m of schema.matchAll(/\bimport\s+public\s+["']([^"']+)["']/g)) pub.add(m[1]);
  return {
    syntax: /\bsyntax\s*=\s*["']proto3["']/.test(schema) ? 'proto3' : 'proto2',
    package: own.package,
    imports: [...(own.imports ?? []), ...(own.weakImports ?? [])].filter((x, i, a) => a.indexOf(x) === i),
    publicImports: [...pub],
    weakImports: own.weakImports ?? [],
    options,
    topLevel,
  };
}

/** The FileDescriptorProto of a file whose definitions `own` lists, resolved in `root`. */
export function describeParsed(root: protobuf.Root, own: OwnFile): Obj {
  const proto3 = own.syntax === 'proto3';
  const fd: Obj = { syntax: own.syntax };
  if (own.package) fd.package = own.package;
  if (own.imports.length) {
    fd.dependency = own.imports;
    const pub = own.imports.map((d, i) => (own.publicImports.includes(d) ? i : -1)).filter((i) => i >= 0);
    const weak = own.imports.map((d, i) => (own.weakImports.includes(d) ? i : -1)).filter((i) => i >= 0);
    if (pub.length) fd.publicDependency = pub;
    if (weak.length) fd.weakDependency = weak;
  }
  const messages: Obj[] = [];
  const enums: Obj[] = [];
  const services: Obj[] = [];
  const exts: Obj[] = [];
  for (const name of own.topLevel) {
    const o = root.lookup(name);
    if (o instanceof protobuf.Type) messages.push(messageDescriptor(o, proto3));
    else if (o instanceof protobuf.Enum) enums.push(enumDescriptor(o));
    else if (o instanceof protobuf.Service) services.push(serviceDescriptor(o));
    else if (o instanceof protobuf.Field) exts.push(extensionDescriptor(o, proto3));
  }
  if (messages.length) fd.messageType = messages;
  if (enums.length) fd.enumType = enums;
  if (services.length) fd.service = services;
  if (exts.length) fd.extension = exts;
  const opts = descriptorOptions('file', own.options);
  if (opts) fd.options = opts;
  return fd;
}

/** The descriptor without what does not change the schema: the file name and json names that are the default. */
export function canonicalDescriptor(fd: Obj): Obj {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v === null || typeof v !== 'object') return v;
    const o = { ...(v as Obj) };
    if (typeof o.jsonName === 'string' && typeof o.name === 'string' && o.jsonName === defaultJsonName(o.name))
      delete o.jsonName;
    for (const k of Object.keys(o)) o[k] = strip(o[k]);
    return o;
  };
  const out = strip(fd) as Obj;
  delete out.name;
  return out;
}

export function encodeDescriptor(fd: Obj): string {
  const msg = fdType.fromObject(fd);
  return Buffer.from(fdType.encode(msg).finish()).toString('base64');
}
