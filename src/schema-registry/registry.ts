/**
 * SchemaRegistry: the engine of the embedded Schema Registry (Confluent's REST API semantics, no HTTP here).
 *
 * Guarantees:
 * - subjects hold versions 1, 2, ...; every distinct schema (type + canonical text + references) has one global
 *   id, the same under every subject, never reused once handed out (also across restarts and permanent deletes);
 * - registering a schema the subject already has (compared canonically) returns its id and writes nothing;
 * - what is stored is the schema's text as sent, except where its format says otherwise (a Protobuf schema sent as
 *   a base64 FileDescriptorProto is stored as its .proto text, so it shares the id of that text); reads can ask
 *   for another form (`format`, e.g. Protobuf's `serialized`), a form the schema's format lacks answers the text;
 * - a new version is checked against the subject's live versions under its compatibility level (the subject's,
 *   else the global one, else BACKWARD): the latest one, or all for the *_TRANSITIVE levels; NONE checks nothing;
 * - soft delete hides versions (still readable by id and with `deleted`), permanent delete (only after a soft
 *   one) removes them; a version another live schema references cannot be deleted;
 * - READONLY mode (global or per subject) refuses registrations and deletes;
 * - every change is durable in the SchemaLog before the call resolves, and `open` replays it, so a restart gives
 *   the same subjects, versions, ids, deletions and configs. Changes are applied one at a time, in call order.
 * Errors are RegistryError with Confluent's status and error code.
 */
import { errors, RegistryError } from './errors';
import type { ResolvedReference, SchemaFormat } from './formats/format';
import { avroFormat } from './formats/avro';
import { jsonSchemaFormat } from './formats/json-schema';
import { protobufFormat } from './formats/protobuf';
import type { LogRecord, SchemaLog, SchemaValue } from './log';
import { decodeRecord } from './log';
import type {
  CompatibilityLevel,
  CompatibilityResult,
  Mode,
  SchemaById,
  SchemaInput,
  SchemaReference,
  SchemaType,
  SubjectVersion,
} from './types';
import { COMPATIBILITY_LEVELS, DEFAULT_COMPATIBILITY, MODES, SCHEMA_TYPES } from './types';

const FORMATS: Record<SchemaType, SchemaFormat<unknown>> = {
  AVRO: avroFormat as SchemaFormat<unknown>,
  JSON: jsonSchemaFormat as SchemaFormat<unknown>,
  PROTOBUF: protobufFormat as SchemaFormat<unknown>,
};

export type Logger = (level: 'info' | 'warn' | 'error', message: string) => void;

/** A version selector as the API takes it: a number, or "latest" / -1. */
export type VersionSpec = number | 'latest';

interface Parsed {
  type: SchemaType;
  parsed: unknown;
  identity: string;
}

const MAX_VERSION = 2 ** 31 - 1;

/** "latest", "-1" or 1..2^31-1; anything else is 42202. */
export function parseVersion(text: string | number): VersionSpec {
  const s = String(text);
  if (s === 'latest' || s === '-1') return 'latest';
  if (/^[0-9]+$/.test(s)) {
    const n = Number(s);
    if (n >= 1 && n <= MAX_VERSION) return n;
  }
  throw errors.invalidVersion(s);
}

export function parseCompatibility(value: unknown): CompatibilityLevel {
  const up = typeof value === 'string' ? value.toUpperCase() : value;
  if (!COMPATIBILITY_LEVELS.includes(up as CompatibilityLevel)) throw errors.invalidCompatibility(value);
  return up as CompatibilityLevel;
}

export function parseMode(value: unknown): Mode {
  const up = typeof value === 'string' ? value.toUpperCase() : value;
  if (!MODES.includes(up as Mode)) throw errors.invalidMode(value);
  return up as Mode;
}

export class SchemaRegistry {
  /** subject → version → record (ordered by version when listed). */
  private readonly subjects = new Map<string, Map<number, SubjectVersion>>();
  /** id → the schema (kept while any version, live or soft-deleted, uses it). */
  private readonly ids = new Map<number, SchemaById & { identity: string }>();
  private readonly idByIdentity = new Map<string, number>();
  private readonly parsedById = new Map<number, Parsed>();
  private maxId = 0;
  private globalCompatibility: CompatibilityLevel | undefined;
  private readonly subjectCompatibility = new Map<string, CompatibilityLevel>();
  private globalMode: Mode | undefined;
  private readonly subjectMode = new Map<string, Mode>();
  private queue: Promise<unknown> = Promise.resolve();
  /** Records the replay could not use, with why (also logged as warnings). */
  readonly skipped: { offsetIndex: number; reason: string }[] = [];

  private constructor(
    private readonly log: SchemaLog,
    private readonly logger: Logger,
  ) {}

  /**
   * Replay the log into memory. The store is created by the first write, not here: a workspace that never
   * registers a schema gets no `_schemas` topic in its tree (and an empty workspace keeps its "No topics yet").
   */
  static async open(log: SchemaLog, logger: Logger = () => {}): Promise<SchemaRegistry> {
    const reg = new SchemaRegistry(log, logger);
    const stored = log.readAll();
    stored.forEach((r, i) => {
      const rec = decodeRecord(r.key, r.value);
      if (typeof rec === 'string') {
        reg.skipped.push({ offsetIndex: i, reason: rec });
        logger('warn', `schema registry: skipped record ${i} of the _schemas log: ${rec}`);
      } else reg.apply(rec);
    });
    for (const [id, s] of reg.ids) {
      try {
        s.identity = reg.identityOf(s);
        reg.idByIdentity.set(s.identity, id);
      } catch (e) {
        logger('warn', `schema registry: schema id ${id} no longer parses: ${(e as Error).message}`);
      }
    }
    return reg;
  }

  // ------------------------------------------------------------------ state from records

  private apply(rec: LogRecord): void {
    switch (rec.key.keytype) {
      case 'SCHEMA': {
        const { subject, version } = rec.key;
        const v = rec.value as SchemaValue | null;
        const versions = this.subjects.get(subject);
        if (v === null) {
          versions?.delete(version);
          if (versions && versions.size === 0) this.subjects.delete(subject);
          this.dropUnusedIds();
          return;
        }
        let vs = versions;
        if (!vs) this.subjects.set(subject, (vs = new Map()));
        vs.set(version, { ...v, subject, version });
        if (!this.ids.has(v.id)) {
          this.ids.set(v.id, {
            id: v.id,
            schemaType: v.schemaType,
            schema: v.schema,
            references: v.references,
            identity: '',
          });
        }
        this.maxId = Math.max(this.maxId, v.id);
        return;
      }
      case 'CONFIG': {
        const level = (rec.value as { compatibilityLevel: CompatibilityLevel } | null)?.compatibilityLevel;
        if (rec.key.subject === null) this.globalCompatibility = level;
        else if (level) this.subjectCompatibility.set(rec.key.subject, level);
        else this.subjectCompatibility.delete(rec.key.subject);
        return;
      }
      case 'MODE': {
        const mode = (rec.value as { mode: Mode } | null)?.mode;
        if (rec.key.subject === null) this.globalMode = mode;
        else if (mode) this.subjectMode.set(rec.key.subject, mode);
        else this.subjectMode.delete(rec.key.subject);
        return;
      }
      case 'DELETE_SUBJECT': {
        const upTo = (rec.value as { version: number }).version;
        for (const v of this.subjects.get(rec.key.subject)?.values() ?? []) if (v.version <= upTo) v.deleted = true;
        return;
      }
      case 'MAX_ID':
        this.maxId = Math.max(this.maxId, (rec.value as { maxId: number }).maxId);
        return;
    }
  }

  private dropUnusedIds(): void {
    const used = new Set<number>();
    for (const vs of this.subjects.values()) for (const v of vs.values()) used.add(v.id);
    for (const [id, s] of this.ids) {
      if (used.has(id)) continue;
      this.ids.delete(id);
      this.parsedById.delete(id);
      if (this.idByIdentity.get(s.identity) === id) this.idByIdentity.delete(s.identity);
    }
  }

  private async write(records: LogRecord[]): Promise<void> {
    let result: { recreated: boolean };
    try {
      result = await this.log.append(records);
    } catch (e) {
      throw errors.store(`the schema registry could not store the change: ${(e as Error).message}`);
    }
    const state = result.recreated ? this.snapshot() : [];
    if (state.length > 0) {
      // someone deleted the _schemas topic: write the whole state back so it stays the source of truth (a store
      // that never existed, the first write of a fresh registry, has nothing to write back)
      this.logger('warn', 'schema registry: the _schemas topic was missing; it was re-created with the full state');
      await this.log.append([...state, ...records]);
    }
    for (const r of records) this.apply(r);
  }

  /** Every record needed to rebuild the current state. */
  private snapshot(): LogRecord[] {
    const out: LogRecord[] = [];
    if (this.maxId > 0) out.push({ key: { keytype: 'MAX_ID' }, value: { maxId: this.maxId } });
    if (this.globalCompatibility)
      out.push({ key: { keytype: 'CONFIG', subject: null }, value: { compatibilityLevel: this.globalCompatibility } });
    if (this.globalMode) out.push({ key: { keytype: 'MODE', subject: null }, value: { mode: this.globalMode } });
    for (const [s, level] of this.subjectCompatibility)
      out.push({ key: { keytype: 'CONFIG', subject: s }, value: { compatibilityLevel: level } });
    for (const [s, mode] of this.subjectMode) out.push({ key: { keytype: 'MODE', subject: s }, value: { mode } });
    for (const vs of this.subjects.values())
      for (const v of vs.values())
        out.push({ key: { keytype: 'SCHEMA', subject: v.subject, version: v.version }, value: { ...v } });
    return out;
  }

  /** Run changes one at a time, in call order. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  // ------------------------------------------------------------------ parsing

  private resolveReferences(refs: SchemaReference[], seen = new Set<string>()): ResolvedReference[] {
    const out: ResolvedReference[] = [];
    for (const ref of refs) {
      if (!ref || typeof ref.name !== 'string' || typeof ref.subject !== 'string' || !Number.isInteger(ref.version))
        throw errors.invalidSchema('Invalid schema: a reference needs a name, a subject and a version');
      // eslint-disable-next-line no-restricted-syntax -- a schema reference (subject, version), not a partition
      const key = `${ref.subject}\u0000${ref.version}`;
      if (seen.has(key)) continue;
      const target =
        ref.version === -1 ? this.latest(ref.subject, false) : this.subjects.get(ref.subject)?.get(ref.version);
      if (!target)
        throw errors.invalidSchema(
          `Invalid schema: reference "${ref.name}" names subject '${ref.subject}' version ${ref.version}, which does not exist`,
        );
      seen.add(key);
      out.push(...this.resolveReferences(target.references, seen));
      out.push({ name: ref.name, schema: target.schema });
    }
    return out;
  }

  private parse(input: SchemaInput): Parsed {
    if (typeof input.schema !== 'string') throw errors.invalidSchema('Invalid schema: "schema" must be a string');
    const type = input.schemaType ?? 'AVRO';
    if (!SCHEMA_TYPES.includes(type))
      throw errors.invalidSchema(`Invalid schema type ${JSON.stringify(type)}: the types are AVRO, JSON and PROTOBUF`);
    const refs = input.references ?? [];
    if (!Array.isArray(refs)) throw errors.invalidSchema('Invalid schema: "references" must be a list');
    const resolved = this.resolveReferences(refs);
    const format = FORMATS[type];
    let parsed: unknown;
    try {
      parsed = format.parse(input.schema, resolved);
    } catch (e) {
      throw errors.invalidSchema((e as Error).message);
    }
    const refKey = refs.map((r) => `${r.name}=${r.subject}@${r.version}`).join(',');
    // eslint-disable-next-line no-restricted-syntax -- a schema's identity (type, canonical text, references), not a partition
    return { type, parsed, identity: `${type}\u0000${format.canonical(parsed)}\u0000${refKey}` };
  }

  private identityOf(s: SchemaById): string {
    return this.parse(s).identity;
  }

  /** The schema text in the form `format` asks for (the stored text when empty or unknown to its format). */
  private formatSchema(s: SchemaById, format: string | undefined): string {
    if (!format) return s.schema;
    const fmt = FORMATS[s.schemaType].formatted;
    if (!fmt) return s.schema;
    return fmt(this.parsedOf(s).parsed, format) ?? s.schema;
  }

  private parsedOf(v: SchemaById): Parsed {
    let p = this.parsedById.get(v.id);
    if (!p) {
      p = this.parse(v);
      this.parsedById.set(v.id, p);
    }
    return p;
  }

  // ------------------------------------------------------------------ reading

  private versionsOf(subject: string, includeDeleted: boolean): SubjectVersion[] {
    const vs = this.subjects.get(subject);
    if (!vs) return [];
    return [...vs.values()].filter((v) => includeDeleted || !v.deleted).sort((a, b) => a.version - b.version);
  }

  private latest(subject: string, includeDeleted: boolean): SubjectVersion | undefined {
    const vs = this.versionsOf(subject, includeDeleted);
    return vs[vs.length - 1];
  }

  listSubjects(opts: { deleted?: boolean; prefix?: string } = {}): string[] {
    return [...this.subjects.keys()]
      .filter((s) => this.versionsOf(s, opts.deleted === true).length > 0)
      .filter((s) => !opts.prefix || s.startsWith(opts.prefix))
      .sort();
  }

  listVersions(subject: string, opts: { deleted?: boolean } = {}): number[] {
    const vs = this.versionsOf(subject, opts.deleted === true);
    if (vs.length === 0) throw errors.subjectNotFound(subject);
    return vs.map((v) => v.version);
  }

  getVersion(subject: string, version: VersionSpec, opts: { deleted?: boolean; format?: string } = {}): SubjectVersion {
    const includeDeleted = opts.deleted === true;
    if (this.versionsOf(subject, includeDeleted).length === 0) throw errors.subjectNotFound(subject);
    const v = version === 'latest' ? this.latest(subject, includeDeleted) : this.subjects.get(subject)?.get(version);
    if (!v || (v.deleted && !includeDeleted)) throw errors.versionNotFound(version === 'latest' ? -1 : version);
    return { ...v, schema: this.formatSchema(v, opts.format) };
  }

  /** The schema with this id; `format` asks for another form of it (Protobuf: `serialized`). */
  getSchemaById(id: number, opts: { format?: string } = {}): SchemaById {
    const s = this.ids.get(id);
    if (!s) throw errors.schemaNotFound(id);
    const out = { id: s.id, schemaType: s.schemaType, schema: s.schema, references: s.references };
    return { ...out, schema: this.formatSchema(out, opts.format) };
  }

  /** The subject-versions using a schema id. */
  versionsOfId(id: number, opts: { deleted?: boolean } = {}): { subject: string; version: number }[] {
    if (!this.ids.has(id)) throw errors.schemaNotFound(id);
    const out: { subject: string; version: number }[] = [];
    for (const s of [...this.subjects.keys()].sort())
      for (const v of this.versionsOf(s, opts.deleted === true))
        if (v.id === id) out.push({ subject: s, version: v.version });
    return out;
  }

  /** Ids of the live schemas that reference subject/version. */
  referencedBy(subject: string, version: VersionSpec): number[] {
    const target = this.getVersion(subject, version);
    const ids = new Set<number>();
    for (const vs of this.subjects.values())
      for (const v of vs.values())
        if (!v.deleted && v.references.some((r) => r.subject === subject && r.version === target.version))
          ids.add(v.id);
    return [...ids].sort((a, b) => a - b);
  }

  /** POST /subjects/{subject}: the version of this subject holding this schema. */
  lookup(subject: string, input: SchemaInput, opts: { deleted?: boolean; format?: string } = {}): SubjectVersion {
    const vs = this.versionsOf(subject, opts.deleted === true);
    if (vs.length === 0) throw errors.subjectNotFound(subject);
    const { identity } = this.parse(input);
    const found = vs.reverse().find((v) => this.ids.get(v.id)?.identity === identity);
    if (!found) throw errors.schemaNotFound();
    return { ...found, schema: this.formatSchema(found, opts.format) };
  }

  schemaTypes(): SchemaType[] {
    return ['JSON', 'PROTOBUF', 'AVRO'];
  }

  // ------------------------------------------------------------------ compatibility

  /** The level that applies to a subject (its own, else the global one, else BACKWARD). */
  effectiveCompatibility(subject: string): CompatibilityLevel {
    return this.subjectCompatibility.get(subject) ?? this.globalCompatibility ?? DEFAULT_COMPATIBILITY;
  }

  getGlobalCompatibility(): CompatibilityLevel {
    return this.globalCompatibility ?? DEFAULT_COMPATIBILITY;
  }

  /** The subject's own level; 40408 when it has none (unless defaultToGlobal). */
  getSubjectCompatibility(subject: string, defaultToGlobal = false): CompatibilityLevel {
    const own = this.subjectCompatibility.get(subject);
    if (own) return own;
    if (defaultToGlobal) return this.getGlobalCompatibility();
    throw errors.subjectCompatibilityNotConfigured(subject);
  }

  private check(level: CompatibilityLevel, candidate: Parsed, against: SubjectVersion[]): string[] {
    if (level === 'NONE' || against.length === 0) return [];
    const transitive = level.endsWith('_TRANSITIVE');
    const base = level.replace('_TRANSITIVE', '');
    const olds = transitive ? against : [against[against.length - 1]];
    const messages: string[] = [];
    for (const old of [...olds].reverse()) {
      const prev = this.parsedOf(old);
      if (prev.type !== candidate.type) {
        messages.push(
          `version ${old.version} is ${prev.type}, the new schema is ${candidate.type}: a subject's schemas must share a type`,
        );
        continue;
      }
      const format = FORMATS[candidate.type];
      if (base === 'BACKWARD' || base === 'FULL') {
        for (const m of format.canRead(candidate.parsed, prev.parsed))
          messages.push(`${level}: the new schema cannot read data written with version ${old.version}: ${m}`);
      }
      if (base === 'FORWARD' || base === 'FULL') {
        for (const m of format.canRead(prev.parsed, candidate.parsed))
          messages.push(`${level}: version ${old.version} cannot read data written with the new schema: ${m}`);
      }
    }
    return messages;
  }

  /**
   * POST /compatibility/subjects/{s}/versions[/{v}]: is the schema compatible with that version (or, without one,
   * with the versions the subject's level checks)? The subject's level decides the direction.
   */
  testCompatibility(subject: string, version: VersionSpec | null, input: SchemaInput): CompatibilityResult {
    const candidate = this.parse(input);
    const level = this.effectiveCompatibility(subject);
    let against: SubjectVersion[];
    if (version === null) against = this.versionsOf(subject, false);
    else against = [this.getVersion(subject, version)];
    const effective = version === null ? level : (level.replace('_TRANSITIVE', '') as CompatibilityLevel);
    const messages = this.check(effective, candidate, against);
    return { isCompatible: messages.length === 0, messages };
  }

  // ------------------------------------------------------------------ changes

  private effectiveMode(subject: string | null): Mode {
    return (subject !== null ? this.subjectMode.get(subject) : undefined) ?? this.globalMode ?? 'READWRITE';
  }

  private assertWritable(subject: string): void {
    if (this.effectiveMode(subject) === 'READONLY') throw errors.readOnly(subject);
  }

  /** Register a schema under a subject: its existing version, or a new version after the compatibility check. */
  register(subject: string, input: SchemaInput): Promise<{ id: number; version: number }> {
    return this.serial(async () => {
      if (typeof subject !== 'string' || subject.length === 0 || [...subject].some((c) => c.charCodeAt(0) < 0x20))
        throw errors.invalidSubject(subject);
      this.assertWritable(subject);
      const candidate = this.parse(input);
      const live = this.versionsOf(subject, false);
      const existing = live.find((v) => this.ids.get(v.id)?.identity === candidate.identity);
      if (existing) return { id: existing.id, version: existing.version };
      const messages = this.check(this.effectiveCompatibility(subject), candidate, live);
      if (messages.length > 0) throw errors.incompatible(subject, messages);
      const id = this.idByIdentity.get(candidate.identity) ?? this.maxId + 1;
      const all = this.versionsOf(subject, true);
      const version = (all[all.length - 1]?.version ?? 0) + 1;
      const value: SchemaValue = {
        subject,
        version,
        id,
        schemaType: candidate.type,
        references: (input.references ?? []).map((r) => ({ name: r.name, subject: r.subject, version: r.version })),
        schema: FORMATS[candidate.type].stored?.(candidate.parsed) ?? input.schema,
        deleted: false,
      };
      await this.write([{ key: { keytype: 'SCHEMA', subject, version }, value }]);
      const stored = this.ids.get(id);
      if (stored) stored.identity = candidate.identity;
      this.idByIdentity.set(candidate.identity, id);
      this.parsedById.set(id, candidate);
      return { id, version };
    });
  }

  private assertNotReferenced(subject: string, version: number): void {
    const by = new Set<number>();
    for (const vs of this.subjects.values())
      for (const v of vs.values())
        if (!v.deleted && v.references.some((r) => r.subject === subject && r.version === version)) by.add(v.id);
    if (by.size > 0) throw errors.referenceExists(subject, version, [...by]);
  }

  /** DELETE /subjects/{s}/versions/{v}: soft, or permanent (only after a soft one). Returns the version. */
  deleteVersion(subject: string, spec: VersionSpec, opts: { permanent?: boolean } = {}): Promise<number> {
    return this.serial(async () => {
      this.assertWritable(subject);
      const permanent = opts.permanent === true;
      if (this.versionsOf(subject, permanent).length === 0) throw errors.subjectNotFound(subject);
      const v = spec === 'latest' ? this.latest(subject, permanent) : this.subjects.get(subject)?.get(spec);
      if (!v) throw errors.versionNotFound(spec === 'latest' ? -1 : spec);
      if (!permanent && v.deleted) throw errors.versionSoftDeleted(subject, v.version);
      if (permanent && !v.deleted) throw errors.versionNotSoftDeleted(subject, v.version);
      if (!permanent) this.assertNotReferenced(subject, v.version);
      const key = { keytype: 'SCHEMA' as const, subject, version: v.version };
      await this.write(
        permanent
          ? [
              { key: { keytype: 'MAX_ID' }, value: { maxId: this.maxId } },
              { key, value: null },
            ]
          : [{ key, value: { ...v, deleted: true } }],
      );
      return v.version;
    });
  }

  /** DELETE /subjects/{s}: soft-deletes every live version, or (permanent) removes the soft-deleted subject. */
  deleteSubject(subject: string, opts: { permanent?: boolean } = {}): Promise<number[]> {
    return this.serial(async () => {
      this.assertWritable(subject);
      const all = this.versionsOf(subject, true);
      if (all.length === 0) throw errors.subjectNotFound(subject);
      const live = all.filter((v) => !v.deleted);
      if (opts.permanent === true) {
        if (live.length > 0) throw errors.subjectNotSoftDeleted(subject);
        const records: LogRecord[] = [{ key: { keytype: 'MAX_ID' }, value: { maxId: this.maxId } }];
        for (const v of all) records.push({ key: { keytype: 'SCHEMA', subject, version: v.version }, value: null });
        if (this.subjectCompatibility.has(subject)) records.push({ key: { keytype: 'CONFIG', subject }, value: null });
        if (this.subjectMode.has(subject)) records.push({ key: { keytype: 'MODE', subject }, value: null });
        await this.write(records);
        return all.map((v) => v.version);
      }
      if (live.length === 0) throw errors.subjectSoftDeleted(subject);
      for (const v of live) this.assertNotReferenced(subject, v.version);
      const records: LogRecord[] = live.map((v) => ({
        key: { keytype: 'SCHEMA', subject, version: v.version },
        value: { ...v, deleted: true },
      }));
      records.push({
        key: { keytype: 'DELETE_SUBJECT', subject },
        value: { subject, version: live[live.length - 1].version },
      });
      await this.write(records);
      return live.map((v) => v.version);
    });
  }

  /** PUT /config (subject null) or /config/{subject}. */
  setCompatibility(subject: string | null, level: CompatibilityLevel): Promise<CompatibilityLevel> {
    return this.serial(async () => {
      await this.write([{ key: { keytype: 'CONFIG', subject }, value: { compatibilityLevel: level } }]);
      return level;
    });
  }

  /** DELETE /config or /config/{subject}: back to the default (global) / the global level (subject). */
  deleteCompatibility(subject: string | null): Promise<CompatibilityLevel> {
    return this.serial(async () => {
      const before = subject === null ? this.getGlobalCompatibility() : this.getSubjectCompatibility(subject);
      await this.write([{ key: { keytype: 'CONFIG', subject }, value: null }]);
      return before;
    });
  }

  getMode(subject: string | null, defaultToGlobal = false): Mode {
    if (subject === null) return this.globalMode ?? 'READWRITE';
    const own = this.subjectMode.get(subject);
    if (own) return own;
    if (defaultToGlobal) return this.globalMode ?? 'READWRITE';
    throw errors.subjectModeNotConfigured(subject);
  }

  setMode(subject: string | null, mode: Mode): Promise<Mode> {
    return this.serial(async () => {
      await this.write([{ key: { keytype: 'MODE', subject }, value: { mode } }]);
      return mode;
    });
  }

  deleteMode(subject: string): Promise<Mode> {
    return this.serial(async () => {
      const before = this.getMode(subject);
      await this.write([{ key: { keytype: 'MODE', subject }, value: null }]);
      return before;
    });
  }

  /** Wait for the changes in flight. */
  async idle(): Promise<void> {
    await this.queue;
  }
}

export { RegistryError };
