/**
 * The producer panel's schema mode with a LOCAL schema file (rather than a registry subject): a workspace .avsc,
 * .proto or .json (JSON Schema) file checks the JSON a person types and encodes it in Confluent's wire format.
 * vscode-free; the producer controller (producer-controller.ts) calls it from its schema code paths.
 *
 * Contract:
 * - The file is the form's `schemaFile`, relative to the workspace folder and inside it (local-schemas.ts's rules:
 *   no absolute path, no `..` or link leading out, a .avsc / .proto / .json name); `path#Message` names a .proto
 *   message when the form names none. It is read again when its modification time or size changes.
 * - Checking uses the registry path's encoder (formats/encode.ts SchemaEncoder) over the file's text, so a value
 *   that does not fit is refused naming the field exactly as in subject mode. The registry is not needed to check;
 *   when it runs, the check also says where the file stands under the subject (registered with its version and
 *   id, not yet, or refused by the subject's compatibility level with the reasons).
 * - Sending needs the schema id a deserializer resolves: with `registerSchema` the file's schema is registered under
 *   the subject (TopicNameStrategy `<topic>-<part>` unless the form names one), and a refusal (409 with the
 *   compatibility reasons, read-only, invalid) is a PanelError; without it the schema is looked up (POST
 *   /subjects/{s} semantics) and a schema not registered there is a PanelError saying to tick the box. Either way
 *   resolveForSend() throws before any record is produced, and the records carry the registry's id.
 * - The kafkaLite.schemas.localFiles setting's entries are offered (mappings()) so the panel preselects a topic's
 *   file; entries the setting refuses are left out (the record browser reports them).
 */
import * as fs from 'fs';
import * as path from 'path';
import { RegistryError } from '../../schema-registry/errors';
import type { EncoderSchemaSource } from '../../schema-registry/formats/encode';
import { SchemaEncoder } from '../../schema-registry/formats/encode';
import type { SchemaRegistry } from '../../schema-registry/registry';
import type { SchemaInput, SchemaType, SubjectVersion } from '../../schema-registry/types';
import type { LocalSchemaRegistryState, ProducerForm, SchemaRegistryView } from '../../shared/producer-messages';
import { schemaFileSubject } from '../../shared/producer-messages';
import { PanelError } from './controller-base';
import type { LocalSchemaSettings } from './local-schemas';
import { parseMapping, resolveEntry } from './local-schemas';

/** A schema the controller encodes with: the version (a local file's until it is registered), its encoder, a label. */
export interface ResolvedSchema {
  version: SubjectVersion;
  encoder: SchemaEncoder;
  /** How error messages name the schema ("the local schema schemas/order.avsc (Avro)"). */
  label: string;
  /** A .proto message named after "#" in the file's path, used when the form names none. */
  messageType?: string;
}

export interface ProducerSchemaFileOptions {
  /** The workspace folders; paths are relative to the first. */
  workspaceRoots: () => string[];
  /** The kafkaLite.schemas.localFiles setting, for preselecting a topic's file. */
  localSchemas?: () => LocalSchemaSettings;
  /** An open dialog for a schema file: its absolute path, or undefined when dismissed. */
  pickFile?: () => Promise<string | undefined>;
  getRegistry: () => SchemaRegistry | undefined;
}

type FormPart = Pick<ProducerForm, 'topic' | 'schemaPart' | 'schemaFile' | 'schemaFileSubject' | 'registerSchema'> &
  Pick<ProducerForm, 'messageType'>;

interface LoadedFile {
  /** As the form names it (without "#Message"). */
  written: string;
  stamp: string;
  input: SchemaInput & { schemaType: SchemaType };
  encoder: SchemaEncoder;
  /** The message named after "#" in the path, if any. */
  message?: string;
}

const TYPES: Record<string, SchemaType> = { '.avsc': 'AVRO', '.proto': 'PROTOBUF', '.json': 'JSON' };
const LABELS: Record<SchemaType, string> = { AVRO: 'Avro', PROTOBUF: 'Protobuf', JSON: 'JSON Schema' };
/** The id a local file's encoding carries before the registry gave it one (only in the check's preview). */
const UNREGISTERED_ID = 0;
const TICK = 'tick "Register the schema if needed" to register it when sending';

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export class ProducerSchemaFile {
  private readonly cache = new Map<string, LoadedFile>();

  constructor(private readonly opts: ProducerSchemaFileOptions) {}

  /** The subject the form's file is registered (or looked up) under. */
  subject(form: FormPart): string {
    return schemaFileSubject(form);
  }

  /** The schema to check the form's value with: the file, under its registry id when it is registered already. */
  forCheck(form: FormPart): ResolvedSchema {
    const file = this.load(form);
    const registry = this.opts.getRegistry();
    let found: SubjectVersion | undefined;
    if (registry) {
      try {
        found = registry.lookup(this.subject(form), file.input);
      } catch {
        found = undefined;
      }
    }
    return this.resolved(form, file, found?.version ?? 0, found?.id ?? UNREGISTERED_ID);
  }

  /** What the check shows besides the fit: the file and where it stands under the subject. */
  describe(form: FormPart): { file: string; registry: LocalSchemaRegistryState; version?: number; schemaId?: number } {
    const file = this.load(form);
    const subject = this.subject(form);
    const registry = this.opts.getRegistry();
    if (!registry)
      return {
        file: file.written,
        registry: {
          state: 'off',
          text:
            'The embedded Schema Registry is off: the value is checked against the file, but sending needs the ' +
            "registry (Confluent's wire format carries a schema id that consumers resolve there). Turn on the " +
            'setting "kafkaLite.schemaRegistry.enabled" and restart the broker.',
        },
      };
    try {
      const v = registry.lookup(subject, file.input);
      return {
        file: file.written,
        version: v.version,
        schemaId: v.id,
        registry: {
          state: 'registered',
          text: `Registered under "${subject}" as version ${v.version} (id ${v.id}): the records carry id ${v.id}.`,
        },
      };
    } catch (e) {
      if (!isNotRegistered(e))
        return { file: file.written, registry: { state: 'error', text: `The registry cannot tell: ${message(e)}` } };
    }
    let verdict: { isCompatible: boolean; messages: string[] };
    try {
      verdict = registry.testCompatibility(subject, null, file.input);
    } catch (e) {
      return {
        file: file.written,
        registry: { state: 'error', text: `The registry cannot use ${file.written}: ${message(e)}` },
      };
    }
    if (!verdict.isCompatible)
      return {
        file: file.written,
        registry: {
          state: 'incompatible',
          text:
            `Not registered under "${subject}", and the registry would refuse it (compatibility ` +
            `${registry.effectiveCompatibility(subject)}): ${verdict.messages.join('; ')}.`,
        },
      };
    return {
      file: file.written,
      registry: {
        state: 'unregistered',
        text: form.registerSchema
          ? `Not registered under "${subject}" yet: sending registers it (the registry assigns its id).`
          : `Not registered under "${subject}": ${TICK}; until then sending is refused.`,
      },
    };
  }

  /**
   * The schema the records are encoded with, registered or looked up under the subject; throws a PanelError (and
   * nothing is sent) when the registry is off, refuses the schema, or does not hold it and the box is not ticked.
   */
  async resolveForSend(form: FormPart): Promise<ResolvedSchema> {
    const file = this.load(form);
    const w = file.written;
    const registry = this.opts.getRegistry();
    if (!registry)
      throw new PanelError(
        `Sending with the local schema ${w} needs the embedded Schema Registry: Confluent's wire format carries a ` +
          'schema id, which consumers resolve there. Turn on the setting "kafkaLite.schemaRegistry.enabled" and ' +
          'restart the broker. Nothing was sent.',
      );
    const subject = this.subject(form);
    if (form.registerSchema) {
      try {
        const { id, version } = await registry.register(subject, file.input);
        return this.resolved(form, file, version, id);
      } catch (e) {
        if (e instanceof RegistryError && e.status === 409) {
          let reasons: string[] = [];
          try {
            reasons = registry.testCompatibility(subject, null, file.input).messages;
          } catch {
            reasons = [];
          }
          throw new PanelError(
            `The Schema Registry refused to register ${w} under subject "${subject}" (409, compatibility ` +
              `${registry.effectiveCompatibility(subject)}): ${reasons.length ? reasons.join('; ') : e.message}. ` +
              'Nothing was sent.',
          );
        }
        const status = e instanceof RegistryError ? ` (${e.status}, error ${e.code})` : '';
        throw new PanelError(
          `The Schema Registry refused to register ${w} under subject "${subject}"${status}: ${message(e)} ` +
            'Nothing was sent.',
        );
      }
    }
    try {
      const v = registry.lookup(subject, file.input);
      return this.resolved(form, file, v.version, v.id);
    } catch (e) {
      if (e instanceof RegistryError && e.code === 40401)
        throw new PanelError(
          `The local schema ${w} is not registered: the Schema Registry has no subject "${subject}". ${cap(TICK)}, ` +
            'or register it first (Kafka Lite: Register Schema from File…). Nothing was sent.',
        );
      if (e instanceof RegistryError && e.code === 40403) {
        const n = registry.listVersions(subject).length;
        throw new PanelError(
          `The local schema ${w} is not registered under subject "${subject}" (its ${n} version(s) hold other ` +
            `schemas). ${cap(TICK)}, or register it first (Kafka Lite: Register Schema from File…). Nothing was sent.`,
        );
      }
      throw new PanelError(
        `The Schema Registry cannot look up ${w} under "${subject}": ${message(e)} Nothing was sent.`,
      );
    }
  }

  /** The open dialog: the picked file relative to the workspace folder, or undefined when dismissed. */
  async pick(): Promise<string | undefined> {
    if (!this.opts.pickFile) throw new PanelError('Picking a file is not available here; type its path.');
    const picked = await this.opts.pickFile();
    if (picked === undefined) return undefined;
    const root = this.root();
    const rel = root === undefined ? '' : path.relative(root, picked);
    if (root === undefined || rel === '' || rel.startsWith('..') || path.isAbsolute(rel))
      throw new PanelError(
        `"${picked}" is outside the workspace folder; a local schema file must be inside it. Copy it there first.`,
      );
    if (!TYPES[path.extname(picked).toLowerCase()])
      throw new PanelError(`"${rel}" is not a .avsc, .proto or .json (JSON Schema) file.`);
    return rel.split(path.sep).join('/');
  }

  /** The setting's files by topic and side (as written, "#Message" kept); undefined when it maps none. */
  mappings(): SchemaRegistryView['localFiles'] {
    const s = this.opts.localSchemas?.();
    if (!s) return undefined;
    const out: Record<string, { key?: string; value?: string }> = {};
    for (const [k, entry] of parseMapping(s.mapping, s.root)) {
      const [topic, side] = JSON.parse(k) as [string, 'key' | 'value' | undefined];
      if (side === undefined || !('written' in entry) || typeof entry.file !== 'string') continue;
      (out[topic] ??= {})[side] = entry.message === undefined ? entry.written : `${entry.written}#${entry.message}`;
    }
    return Object.keys(out).length ? out : undefined;
  }

  private root(): string | undefined {
    return this.opts.workspaceRoots()[0] ?? this.opts.localSchemas?.().root;
  }

  private resolved(form: FormPart, file: LoadedFile, version: number, id: number): ResolvedSchema {
    const registered = id === UNREGISTERED_ID ? '' : `, "${this.subject(form)}" v${version}, id ${id}`;
    return {
      version: {
        subject: this.subject(form),
        version,
        id,
        schemaType: file.input.schemaType,
        schema: file.input.schema,
        references: [],
        deleted: false,
      },
      encoder: file.encoder,
      messageType: file.message,
      label: `the local schema ${file.written} (${LABELS[file.input.schemaType]}${registered})`,
    };
  }

  /** The form's file, read and parsed (cached by modification time and size), or a PanelError naming the problem. */
  load(form: FormPart): LoadedFile {
    const typed = (form.schemaFile ?? '').trim();
    if (typed === '')
      throw new PanelError(
        'Pick a local schema file (.avsc, .proto or .json JSON Schema) in the workspace, or type its path.',
      );
    const entry = resolveEntry(typed, this.root());
    if (typeof entry.file !== 'string') throw new PanelError(`${cap(entry.file.error)}.`);
    const w = entry.written;
    let stat: fs.Stats;
    try {
      stat = fs.statSync(entry.file);
    } catch {
      throw new PanelError(`There is no file ${w} in the workspace folder.`);
    }
    if (!stat.isFile()) throw new PanelError(`The local schema ${w} is not a file.`);
    const stamp = `${stat.mtimeMs}:${stat.size}`;
    const hit = this.cache.get(entry.file);
    if (hit && hit.stamp === stamp) return { ...hit, message: entry.message };
    const schemaType = TYPES[path.extname(entry.file).toLowerCase()];
    const text = fs.readFileSync(entry.file, 'utf8');
    const source: EncoderSchemaSource = {
      getSchemaById: (id) => ({ id, schemaType, schema: text, references: [] }),
      getVersion: () => {
        throw new Error('a local schema file cannot use schema references (import the types into the file)');
      },
    };
    const encoder = new SchemaEncoder(source);
    try {
      encoder.messageTypes(UNREGISTERED_ID); // parses it
    } catch (e) {
      throw new PanelError(`The local schema ${w} does not parse as ${LABELS[schemaType]}: ${message(e)}`);
    }
    const loaded: LoadedFile = { written: w, stamp, input: { schema: text, schemaType }, encoder };
    this.cache.set(entry.file, loaded);
    return { ...loaded, message: entry.message };
  }
}

function isNotRegistered(e: unknown): boolean {
  return e instanceof RegistryError && (e.code === 40401 || e.code === 40403);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
