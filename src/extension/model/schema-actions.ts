/**
 * Register Schema from File… and Set Compatibility Level…, vscode-free. The schema type follows the file's
 * extension (.avsc Avro, .proto Protobuf, .json JSON Schema). `registerVerdict` runs the registry's own
 * compatibility check (the one behind POST /compatibility/subjects/{s}/versions) against the subject's live
 * versions under its effective level BEFORE anything is saved, and words the modal: compatible (the version it
 * would become), already registered (nothing to write), not compatible (the registry's messages, one per line, and
 * no way to register: the registry would refuse it anyway; under NONE nothing is ever refused), or an invalid
 * schema (the registry's 42201 message). `registerSchema` then calls the registry's register, which checks again.
 * `compatibilityChoices` lists the seven levels with the current one marked.
 */
import type { SchemaRegistry } from '../../schema-registry/registry';
import { RegistryError } from '../../schema-registry/registry';
import type { CompatibilityLevel, SchemaInput, SchemaType } from '../../schema-registry/types';
import { COMPATIBILITY_LEVELS } from '../../schema-registry/types';

export type SchemaActionsRegistry = Pick<
  SchemaRegistry,
  | 'listSubjects'
  | 'listVersions'
  | 'getVersion'
  | 'lookup'
  | 'testCompatibility'
  | 'effectiveCompatibility'
  | 'getGlobalCompatibility'
  | 'getSubjectCompatibility'
  | 'register'
  | 'setCompatibility'
>;

export const SCHEMA_FILE_EXTENSIONS = ['avsc', 'proto', 'json'] as const;

/** The schema type a file's name implies; undefined for any other extension. */
export function schemaTypeOfFile(fileName: string): SchemaType | undefined {
  const m = /\.([A-Za-z]+)$/.exec(fileName);
  switch (m?.[1].toLowerCase()) {
    case 'avsc':
      return 'AVRO';
    case 'proto':
      return 'PROTOBUF';
    case 'json':
      return 'JSON';
    default:
      return undefined;
  }
}

export type RegisterVerdict =
  | { kind: 'compatible'; level: CompatibilityLevel; nextVersion: number; message: string; detail: string }
  | { kind: 'exists'; level: CompatibilityLevel; version: number; id: number; message: string; detail: string }
  | { kind: 'incompatible'; level: CompatibilityLevel; messages: string[]; message: string; detail: string }
  | { kind: 'invalid'; message: string; detail: string };

/** The label of the modal's button that registers (only on a compatible verdict). */
export const REGISTER_BUTTON = 'Register';

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** What registering `input` under `subject` would do, decided by the registry's check; writes nothing. */
export function registerVerdict(reg: SchemaActionsRegistry, subject: string, input: SchemaInput): RegisterVerdict {
  const type = input.schemaType ?? 'AVRO';
  let live: number[] = [];
  try {
    live = reg.listVersions(subject);
  } catch {
    live = []; // a new subject
  }
  const level = reg.effectiveCompatibility(subject);
  let result: { isCompatible: boolean; messages: string[] };
  try {
    result = reg.testCompatibility(subject, null, input);
  } catch (e) {
    const plain =
      e instanceof RegistryError && e.code === 42201
        ? `The file is not a valid ${type} schema: ${e.message}`
        : `The registry could not check the schema: ${errorMessage(e)}`;
    return { kind: 'invalid', message: `Cannot register under ${subject}`, detail: plain };
  }
  if (live.length > 0) {
    try {
      const same = reg.lookup(subject, input);
      return {
        kind: 'exists',
        level,
        version: same.version,
        id: same.id,
        message: `${subject} already has this schema as version ${same.version} (id ${same.id}).`,
        detail: 'Nothing to register: registering it again returns the same version and id.',
      };
    } catch {
      // not registered yet under this subject
    }
  }
  if (!result.isCompatible) {
    const latest = live.length > 0 ? Math.max(...live) : 0;
    const against = level.endsWith('_TRANSITIVE')
      ? `its versions ${live.map((v) => `v${v}`).join(', ')}`
      : `v${latest}`;
    return {
      kind: 'incompatible',
      level,
      messages: result.messages,
      message: `Not compatible with ${subject} ${against} under ${level}`,
      detail:
        result.messages.join('\n') +
        `\n\nNothing was registered. Change the schema, or the subject's compatibility level (Set Compatibility Level…).`,
    };
  }
  let all: number[] = live;
  try {
    all = reg.listVersions(subject, { deleted: true });
  } catch {
    // a new subject
  }
  const nextVersion = (all.length > 0 ? Math.max(...all) : 0) + 1;
  if (live.length === 0)
    return {
      kind: 'compatible',
      level,
      nextVersion,
      message: `Register as version ${nextVersion} of the new subject ${subject}?`,
      detail: `A ${type} schema; later versions are checked against it under ${level}.`,
    };
  return {
    kind: 'compatible',
    level,
    nextVersion,
    message: `Compatible with ${subject} under ${level}: register as version ${nextVersion}?`,
    detail:
      level === 'NONE'
        ? 'The level is NONE: the registry checks nothing, so consumers of earlier versions may fail to read it.'
        : `The registry checked it against ${level.endsWith('_TRANSITIVE') ? 'every live version' : `v${Math.max(...live)}`}.`,
  };
}

/** Register after a compatible verdict; the line the window shows, naming the version and id. */
export async function registerSchema(
  reg: SchemaActionsRegistry,
  subject: string,
  input: SchemaInput,
): Promise<{ id: number; version: number; message: string }> {
  try {
    const r = await reg.register(subject, input);
    return { ...r, message: `Registered ${subject} version ${r.version} (schema id ${r.id}).` };
  } catch (e) {
    if (e instanceof RegistryError && e.code === 42201)
      throw new Error(`The file is not a valid ${input.schemaType ?? 'AVRO'} schema: ${e.message}`, { cause: e });
    throw e;
  }
}

/** The level a subject row shows and whether it is the subject's own or inherited from the global one. */
export function subjectLevel(
  reg: Pick<SchemaActionsRegistry, 'getSubjectCompatibility' | 'getGlobalCompatibility'>,
  subject: string,
): { level: CompatibilityLevel; own: boolean } {
  try {
    return { level: reg.getSubjectCompatibility(subject), own: true };
  } catch {
    return { level: reg.getGlobalCompatibility(), own: false };
  }
}

export interface CompatibilityChoice {
  label: CompatibilityLevel;
  description?: string;
  detail: string;
  picked: boolean;
}

const LEVEL_MEANING: Record<CompatibilityLevel, string> = {
  NONE: 'no check: any schema registers',
  BACKWARD: 'the new schema reads data written with the latest version',
  BACKWARD_TRANSITIVE: 'the new schema reads data written with every version',
  FORWARD: 'the latest version reads data written with the new schema',
  FORWARD_TRANSITIVE: 'every version reads data written with the new schema',
  FULL: 'both BACKWARD and FORWARD against the latest version',
  FULL_TRANSITIVE: 'both BACKWARD and FORWARD against every version',
};

/** The quick pick's items: the seven levels in Confluent's order, the current one marked. */
export function compatibilityChoices(current: CompatibilityLevel, inherited = false): CompatibilityChoice[] {
  return COMPATIBILITY_LEVELS.map((label) => ({
    label,
    description: label === current ? (inherited ? 'current (global)' : 'current') : undefined,
    detail: LEVEL_MEANING[label],
    picked: label === current,
  }));
}

/** Set the level of a subject (or the global one, subject null); the line the window shows. */
export async function setCompatibilityLevel(
  reg: SchemaActionsRegistry,
  subject: string | null,
  level: CompatibilityLevel,
): Promise<string> {
  await reg.setCompatibility(subject, level);
  return subject === null
    ? `The global compatibility level is ${level} now (subjects without their own level follow it).`
    : `${subject}'s compatibility level is ${level} now.`;
}
