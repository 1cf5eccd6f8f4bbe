/**
 * The Schema Registry view's nodes, vscode-free: subjects of the embedded registry (sorted), each expanding to
 * its versions, newest first, with schema type and global id. contextValues: `schemaSubject` (Copy Schema and Open
 * Schema act on its latest version, Register Schema from File…, Set Compatibility Level… and Delete Subject on the
 * subject; its description starts with its compatibility level, so a narrow sidebar that cuts the description
 * short still shows it, and its tooltip says everything) and `schemaVersion`. Also the text and editor
 * language a schema opens with. A cluster other than this window's embedded broker gets one "not available" node;
 * a registry that is off gets none (the view's welcome says how to turn it on).
 */
import type { SchemaRegistry } from '../../schema-registry/registry';
import type { SchemaType, SubjectVersion } from '../../schema-registry/types';
import { plural } from './format';
import { subjectLevel } from './schema-actions';
import type { SideNode } from './side-node';
import { errorText, sideMessage } from './side-node';

export type SchemaReader = Pick<
  SchemaRegistry,
  'listSubjects' | 'listVersions' | 'getVersion' | 'getSubjectCompatibility' | 'getGlobalCompatibility'
>;

export const OPEN_SCHEMA_COMMAND = 'kafkaLite.schema.open';

export interface SubjectNode extends SideNode {
  kind: 'subject';
  subject: string;
  latest: number;
}

export interface SchemaVersionNode extends SideNode {
  kind: 'schemaVersion';
  subject: string;
  version: number;
  schemaId: number;
  schemaType: SchemaType;
}

/** Where the registry is, for the view: this window's engine, off (or failed to start), or another cluster's. */
export type RegistryAvailability =
  { kind: 'embedded'; registry: SchemaReader; url?: string } | { kind: 'off' } | { kind: 'otherCluster' };

export const SCHEMAS_NOT_AVAILABLE =
  'The Schema Registry view is not available for this cluster: it shows the embedded registry of this window';

export function subjectNodeId(subject: string): string {
  return `subject:${encodeURIComponent(subject)}`;
}

export function subjectNodes(a: RegistryAvailability): SideNode[] {
  if (a.kind === 'off') return [];
  if (a.kind === 'otherCluster')
    return [sideMessage('schemas:unavailable', SCHEMAS_NOT_AVAILABLE, { icon: { id: 'info' } })];
  let subjects: string[];
  try {
    subjects = a.registry.listSubjects();
  } catch (e) {
    return [
      sideMessage('schemas:error', 'Could not list subjects', { description: errorText(e), icon: { id: 'error' } }),
    ];
  }
  if (subjects.length === 0)
    return [
      sideMessage('schemas:none', 'No subjects yet', {
        description: a.url,
        tooltip: `Serializers register schemas here (schema.registry.url=${a.url ?? 'the registry URL'}); each subject appears with its versions.`,
        icon: { id: 'info' },
      }),
    ];
  const out: SideNode[] = [];
  for (const subject of [...subjects].sort((x, y) => x.localeCompare(y))) {
    try {
      const versions = a.registry.listVersions(subject);
      const latest = a.registry.getVersion(subject, 'latest');
      const { level, own } = subjectLevel(a.registry, subject);
      const n: SubjectNode = {
        kind: 'subject',
        id: subjectNodeId(subject),
        subject,
        latest: latest.version,
        label: subject,
        description: `${level} · ${latest.schemaType} · ${plural(versions.length, 'version')} · latest v${latest.version} (id ${latest.id})`,
        tooltip: `subject ${subject}\n${plural(versions.length, 'version')}: ${versions.map((v) => `v${v}`).join(', ')}\nlatest v${latest.version}: ${latest.schemaType}, schema id ${latest.id}\ncompatibility ${level}${own ? '' : ' (the global level)'}`,
        icon: { id: 'symbol-structure' },
        contextValue: 'schemaSubject',
        collapsible: true,
      };
      out.push(n);
    } catch (e) {
      out.push(
        sideMessage(`${subjectNodeId(subject)}:error`, subject, { description: errorText(e), icon: { id: 'error' } }),
      );
    }
  }
  return out;
}

export function versionNodes(registry: SchemaReader, node: SubjectNode): SideNode[] {
  let versions: number[];
  try {
    versions = registry.listVersions(node.subject);
  } catch (e) {
    return [sideMessage(`${node.id}:error`, 'Could not list versions', { description: errorText(e), parent: node })];
  }
  return [...versions]
    .sort((a, b) => b - a)
    .map((v): SideNode => {
      let sv: SubjectVersion;
      try {
        sv = registry.getVersion(node.subject, v);
      } catch (e) {
        return sideMessage(`${node.id}:v${v}:error`, `v${v}`, { description: errorText(e), parent: node });
      }
      const refs = sv.references.length ? ` · ${plural(sv.references.length, 'reference')}` : '';
      const n: SchemaVersionNode = {
        kind: 'schemaVersion',
        id: `${node.id}:v${v}`,
        subject: node.subject,
        version: v,
        schemaId: sv.id,
        schemaType: sv.schemaType,
        label: `v${v}`,
        description: `${sv.schemaType} · id ${sv.id}${refs}`,
        tooltip:
          `${node.subject} version ${v}\n${sv.schemaType}, schema id ${sv.id}` +
          (sv.references.length
            ? `\nreferences: ${sv.references.map((r) => `${r.name} → ${r.subject} v${r.version}`).join(', ')}`
            : '') +
          '\nClick to open the schema.',
        icon: { id: 'file-code' },
        contextValue: 'schemaVersion',
        collapsible: false,
        parent: node,
        command: {
          command: OPEN_SCHEMA_COMMAND,
          title: 'Open Schema',
          arguments: [{ subject: node.subject, version: v }],
        },
      };
      return n;
    });
}

export function schemaChildren(a: RegistryAvailability, node: SideNode): SideNode[] {
  return a.kind === 'embedded' && node.kind === 'subject' ? versionNodes(a.registry, node as SubjectNode) : [];
}

/**
 * A schema as an editor shows it: Avro and JSON Schema pretty-printed as JSON, Protobuf as its .proto text, in the
 * first of the languages `available` that fits (a Protobuf language when an extension provides one, else plain text).
 */
export function schemaDocument(
  sv: Pick<SubjectVersion, 'schema' | 'schemaType'>,
  available: readonly string[],
): {
  content: string;
  language: string;
} {
  if (sv.schemaType === 'PROTOBUF') {
    const language = ['proto3', 'proto', 'protobuf'].find((l) => available.includes(l)) ?? 'plaintext';
    return { content: sv.schema.endsWith('\n') ? sv.schema : `${sv.schema}\n`, language };
  }
  let content = sv.schema;
  try {
    content = JSON.stringify(JSON.parse(sv.schema), null, 2);
  } catch {
    // a registry schema is JSON; shown as stored otherwise
  }
  return { content: `${content}\n`, language: 'json' };
}

/** The question before Delete Subject. */
export function deleteSubjectConfirmation(subject: string, versions: number): { message: string; detail: string } {
  return {
    message: `Delete subject "${subject}"?`,
    detail:
      `Its ${plural(versions, 'version')} are soft-deleted (as DELETE /subjects/${subject} does): serializers can no longer look them up by subject, ` +
      'records already written still decode by their schema id, and registering the schema again brings the subject back.',
  };
}
