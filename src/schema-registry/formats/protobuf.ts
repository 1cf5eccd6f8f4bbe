/**
 * Protobuf schemas (.proto text, proto2 or proto3) through protobufjs. A schema is valid when protobufjs parses it
 * and every type it names resolves: against its references (each `import "<name>"` must be one of the schema's
 * references, parsed into the same root) or the google/protobuf well-known types protobufjs ships (any, duration,
 * empty, field_mask, struct, timestamp, wrappers, descriptor).
 * A schema may also be given as a base64 serialized FileDescriptorProto (what Confluent's serializers register):
 * it is turned into .proto text (protobuf-descriptor.ts), which is what the registry stores and parses; an
 * invalid one is refused naming why. `formatted(p, 'serialized')` gives any schema back as a base64
 * FileDescriptorProto.
 *
 * Compatibility compares the messages the writer schema defines, by full name and field number (the wire format
 * knows only numbers):
 * - a message the writer defines and the reader lacks: incompatible;
 * - a field number whose type changed: incompatible, except within the wire-compatible groups of the Protobuf
 *   language guide ({int32, uint32, int64, uint64, bool}, {sint32, sint64}, {fixed32, sfixed32},
 *   {fixed64, sfixed64}, {string, bytes}); a message or enum type counts as changed when its full name differs;
 * - a field number that became repeated or stopped being repeated, or whose map key type changed: incompatible;
 * - a field moved into a oneof that has other fields: incompatible;
 * - a field added or removed: compatible (the other side skips or defaults it), unless it is proto2 `required`;
 * - a renamed field (same number and type): compatible; enum values and options are not compared.
 * The canonical form is the file's own FileDescriptorProto with every type reference fully qualified (without
 * its file name and default json names), so formatting, comments, relative or absolute type names, and text
 * versus descriptor do not make a new schema.
 */
import * as protobuf from 'protobufjs';
import type { ResolvedReference, SchemaFormat } from './format';
import { stableStringify } from './format';
import {
  canonicalDescriptor,
  decodeDescriptor,
  describeParsed,
  descriptorToProto,
  encodeDescriptor,
  looksLikeDescriptor,
  ownFile,
} from './protobuf-descriptor';

export interface ParsedProtobuf {
  root: protobuf.Root;
  /** Full names (no leading dot) of the messages this schema itself defines, nested ones included. */
  messages: string[];
  canonical: string;
  /** The .proto text: the schema as sent, or the text a descriptor was turned into. */
  text: string;
  /** The file's own FileDescriptorProto (protobufjs descriptor objects), type references fully qualified. */
  descriptor: Record<string, unknown>;
}

function allTypes(ns: protobuf.NamespaceBase, out: protobuf.Type[] = []): protobuf.Type[] {
  for (const o of ns.nestedArray) {
    if (o instanceof protobuf.Type) out.push(o);
    if (o instanceof protobuf.Namespace || o instanceof protobuf.Type) allTypes(o, out);
  }
  return out;
}

const fullName = (o: protobuf.ReflectionObject) => o.fullName.replace(/^\./, '');

// eslint-disable-next-line @typescript-eslint/no-require-imports -- protobufjs ships descriptor.proto as JSON
const DESCRIPTOR_JSON = require('protobufjs/google/protobuf/descriptor.json') as protobuf.INamespace;

function wellKnown(name: string): protobuf.INamespace | null {
  if (!name.startsWith('google/protobuf/')) return null;
  if (name === 'google/protobuf/descriptor.proto') return DESCRIPTOR_JSON;
  return protobuf.common.get(name);
}

/** A schema given as a descriptor, as .proto text (an Error naming the problem when it is not a valid one). */
function descriptorText(schema: string): string {
  try {
    return descriptorToProto(decodeDescriptor(schema));
  } catch (e) {
    throw new Error(
      `Invalid schema: the schema is base64 but not a valid serialized FileDescriptorProto: ${(e as Error).message}`,
      { cause: e },
    );
  }
}

function parseText(schema: string, references: ResolvedReference[], fromDescriptor: boolean): ParsedProtobuf {
  const root = new protobuf.Root();
  const refNames = new Set(references.map((r) => r.name));
  const added = new Set<string>();
  const addImports = (imports: string[] | undefined, of: string) => {
    for (const imp of imports ?? []) {
      if (refNames.has(imp)) continue;
      const common = wellKnown(imp);
      if (!common) throw new Error(`Invalid schema: ${of} imports "${imp}", which is not among its references`);
      if (!added.has(imp)) {
        added.add(imp);
        root.addJSON(common.nested ?? {});
      }
    }
  };
  try {
    for (const ref of references) {
      const r = protobuf.parse(ref.schema, root, { keepCase: true });
      addImports([...(r.imports ?? []), ...(r.weakImports ?? [])], `referenced schema "${ref.name}"`);
    }
    const before = new Set(allTypes(root).map(fullName));
    const main = protobuf.parse(schema, root, { keepCase: true });
    const messages = allTypes(root)
      .map(fullName)
      .filter((n) => !before.has(n));
    addImports([...(main.imports ?? []), ...(main.weakImports ?? [])], 'the schema');
    root.resolveAll();
    const own = ownFile(schema);
    // a file of enums only is a schema too (another file's reference); a file that defines nothing is not
    if (own.topLevel.length === 0) throw new Error('the schema defines no message, enum or service');
    const descriptor = describeParsed(root, own);
    return {
      root,
      messages,
      text: schema,
      descriptor,
      canonical: stableStringify(canonicalDescriptor(descriptor)),
    };
  } catch (e) {
    const msg = (e as Error).message;
    const what = fromDescriptor ? 'the .proto text of the FileDescriptorProto does not parse: ' : '';
    throw new Error(msg.startsWith('Invalid schema') ? msg : `Invalid schema: ${what}${msg}`, { cause: e });
  }
}

export const protobufFormat: SchemaFormat<ParsedProtobuf> = {
  parse(schema: string, references: ResolvedReference[]): ParsedProtobuf {
    const trimmed = schema.trim();
    if (looksLikeDescriptor(trimmed)) return parseText(descriptorText(trimmed), references, true);
    return parseText(schema, references, false);
  },
  canonical: (p) => p.canonical,
  stored: (p) => p.text,
  formatted: (p, format) => (format === 'serialized' ? encodeDescriptor(p.descriptor) : undefined),
  canRead(reader, writer) {
    const out: string[] = [];
    for (const name of writer.messages) {
      const w = writer.root.lookup(name);
      const r = reader.root.lookup(name);
      if (!(w instanceof protobuf.Type)) continue;
      if (!(r instanceof protobuf.Type)) {
        out.push(`message ${name} removed`);
        continue;
      }
      compareMessage(r, w, name, out);
    }
    return out;
  },
};

const WIRE_GROUPS = [
  ['int32', 'uint32', 'int64', 'uint64', 'bool'],
  ['sint32', 'sint64'],
  ['fixed32', 'sfixed32'],
  ['fixed64', 'sfixed64'],
  ['string', 'bytes'],
];

function typeName(f: protobuf.Field): string {
  return f.resolvedType ? fullName(f.resolvedType) : f.type;
}

function sameWireType(a: string, b: string): boolean {
  return a === b || WIRE_GROUPS.some((g) => g.includes(a) && g.includes(b));
}

function compareMessage(r: protobuf.Type, w: protobuf.Type, name: string, out: string[]): void {
  for (const wf of w.fieldsArray) {
    const rf = r.fieldsById[wf.id];
    const at = `${name}.${wf.name} (field ${wf.id})`;
    if (!rf) {
      if (wf.required) out.push(`${at}: required field removed`);
      continue;
    }
    const wt = typeName(wf);
    const rt = typeName(rf);
    if (!sameWireType(wt, rt)) out.push(`${at}: type changed from ${wt} to ${rt}`);
    if (wf.repeated !== rf.repeated || wf.map !== rf.map) out.push(`${at}: changed from ${label(wf)} to ${label(rf)}`);
    else if (wf instanceof protobuf.MapField && rf instanceof protobuf.MapField && wf.keyType !== rf.keyType)
      out.push(`${at}: map key type changed from ${wf.keyType} to ${rf.keyType}`);
    if (rf.required && !wf.required) out.push(`${at}: became required`);
    if (!wf.partOf && rf.partOf && rf.partOf.fieldsArray.length > 1)
      out.push(`${at}: moved into the oneof ${rf.partOf.name}, which has other fields`);
  }
  for (const rf of r.fieldsArray) {
    if (!w.fieldsById[rf.id] && rf.required) out.push(`${name}.${rf.name} (field ${rf.id}): required field added`);
  }
}

function label(f: protobuf.Field): string {
  return f.map ? 'a map' : f.repeated ? 'repeated' : 'singular';
}
