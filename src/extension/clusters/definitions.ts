/**
 * Cluster definitions: the `kafkaLite.clusters` setting (an array of plain objects) validated into typed
 * definitions with one clear error per problem, and a definition plus its secrets turned into WireCluster
 * options (TLS files read, SASL credentials attached). vscode-free.
 *
 * What is stored where: the definition (name, bootstrap servers, security protocol, SASL mechanism, username,
 * CA / client certificate / key file paths, rejectUnauthorized, production) lives in settings; the password and
 * the key passphrase live only in VS Code's SecretStorage under `secretKey(name, kind)` and never in a
 * definition, a setting or a log line. A definition read from a workspace (a cloned repository's settings)
 * connects out to the cluster it names; it cannot change how the local broker listens.
 *
 * A stored secret is bound to what it was entered for (`secretBinding`: security protocol, SASL mechanism,
 * user name, the bootstrap servers, the CA file and certificate checking). `unsealSecret` gives it back only
 * for a definition with the same binding, so a cloned repository that defines a cluster with the name of one
 * of the user's clusters but other servers (or certificate checking off) never receives its password.
 */
import * as fs from 'fs';
import type * as tls from 'tls';
import type { WireClusterOptions } from './wire';

export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/** Where a definition came from: the user's own settings, or a workspace/folder settings file. */
export type DefinitionScope = 'user' | 'workspace';

export interface ClusterDefinition {
  name: string;
  bootstrapServers: string[];
  securityProtocol: SecurityProtocol;
  saslMechanism?: SaslMechanism;
  username?: string;
  /** A PEM file of the CA(s) to trust; undefined = the system's trust store. */
  caFile?: string;
  /** Client certificate and key (PEM) for mutual TLS. */
  certFile?: string;
  keyFile?: string;
  /** false only when the user accepted an unverified (e.g. self-signed) certificate explicitly. */
  rejectUnauthorized: boolean;
  /** Ask before the first write of a session. */
  production: boolean;
}

export interface ScopedDefinition extends ClusterDefinition {
  scope: DefinitionScope;
}

export interface ClusterSecrets {
  password?: string;
  keyPassphrase?: string;
}

/** The SecretStorage key of one secret of one cluster. */
export function secretKey(name: string, kind: 'password' | 'keyPassphrase'): string {
  return `kafkaLite.cluster.${kind}:${name}`;
}

/** What a secret is bound to: a definition with another binding does not receive it. */
export function secretBinding(d: ClusterDefinition): string {
  return JSON.stringify([
    d.securityProtocol,
    d.saslMechanism ?? '',
    d.username ?? '',
    [...d.bootstrapServers].map((s) => s.toLowerCase()).sort(),
    d.caFile ?? '',
    d.rejectUnauthorized,
  ]);
}

/** The stored form of a secret: the value and the binding of the definition it was entered for. */
export function sealSecret(value: string, d: ClusterDefinition): string {
  return JSON.stringify({ v: 1, value, boundTo: secretBinding(d) });
}

/**
 * The secret stored for `d`, or why it is withheld: 'absent' (nothing stored) or 'rebound' (it was entered for
 * other servers, another user or other TLS settings, or is not in the sealed form).
 */
export function unsealSecret(
  stored: string | undefined,
  d: ClusterDefinition,
): { value: string } | { withheld: 'absent' | 'rebound' } {
  if (stored === undefined) return { withheld: 'absent' };
  try {
    const o = JSON.parse(stored) as { v?: unknown; value?: unknown; boundTo?: unknown };
    if (o && o.v === 1 && typeof o.value === 'string' && o.boundTo === secretBinding(d)) return { value: o.value };
  } catch {
    // not the sealed form
  }
  return { withheld: 'rebound' };
}

export const EMBEDDED_NAME = 'Kafka Lite (this window)';

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/;

/** One bootstrap server "host:port" checked; returns the problem or undefined. */
export function bootstrapProblem(server: string): string | undefined {
  const m = HOST_PORT.exec(server);
  if (!m) return `"${server}" is not host:port (e.g. broker-1.example.com:9092)`;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return `"${server}": port ${port} is not between 1 and 65535`;
  return undefined;
}

export function parseBootstrap(text: string): { servers: string[]; problem?: string } {
  const servers = text
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (servers.length === 0) return { servers, problem: 'give at least one bootstrap server (host:port)' };
  for (const s of servers) {
    const p = bootstrapProblem(s);
    if (p) return { servers, problem: p };
  }
  return { servers };
}

export function nameProblem(name: string, taken: Iterable<string> = []): string | undefined {
  const n = name.trim();
  if (!n) return 'a cluster needs a name';
  if (n.length > 80) return 'a cluster name has at most 80 characters';
  if (n === EMBEDDED_NAME) return `"${EMBEDDED_NAME}" is the embedded broker's name`;
  for (const t of taken) if (t === n) return `there is already a cluster named "${n}"`;
  return undefined;
}

/**
 * Validate the setting's value. Returns the good definitions and one error per bad entry, naming the entry
 * (by name, or by its position) and the field. Secrets found in an entry are errors: they belong in
 * SecretStorage.
 */
export function parseDefinitions(
  raw: unknown,
  scope: DefinitionScope = 'user',
): {
  definitions: ScopedDefinition[];
  errors: string[];
} {
  const definitions: ScopedDefinition[] = [];
  const errors: string[] = [];
  if (raw === undefined || raw === null) return { definitions, errors };
  if (!Array.isArray(raw)) return { definitions, errors: ['kafkaLite.clusters must be an array of clusters'] };
  const names = new Set<string>();
  raw.forEach((entry, i) => {
    const where = `kafkaLite.clusters[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      errors.push(`${where} is not an object`);
      return;
    }
    const e = entry as Record<string, unknown>;
    const label = typeof e.name === 'string' && e.name.trim() ? `cluster "${e.name.trim()}"` : where;
    const problem = (msg: string) => errors.push(`${label}: ${msg}`);
    for (const secret of ['password', 'keyPassphrase', 'sasl.password', 'ssl.key.password']) {
      if (secret in e) {
        problem(
          `"${secret}" must not be in settings; Kafka Lite keeps it in the OS keychain (Edit Cluster… asks for it)`,
        );
        return;
      }
    }
    const name = typeof e.name === 'string' ? e.name.trim() : '';
    const np = nameProblem(name, names);
    if (np) return problem(np);
    const bootstrapRaw = e.bootstrapServers;
    const bootstrapText = Array.isArray(bootstrapRaw)
      ? bootstrapRaw.filter((s) => typeof s === 'string').join(',')
      : typeof bootstrapRaw === 'string'
        ? bootstrapRaw
        : '';
    const b = parseBootstrap(bootstrapText);
    if (b.problem) return problem(`bootstrapServers: ${b.problem}`);
    const protocol = (e.securityProtocol ?? 'PLAINTEXT') as string;
    if (!SECURITY_PROTOCOLS.includes(protocol as SecurityProtocol))
      return problem(`securityProtocol "${protocol}" is not one of ${SECURITY_PROTOCOLS.join(', ')}`);
    const sasl = protocol.startsWith('SASL_');
    let mechanism: SaslMechanism | undefined;
    if (sasl) {
      mechanism = (e.saslMechanism ?? 'PLAIN') as SaslMechanism;
      if (!SASL_MECHANISMS.includes(mechanism))
        return problem(`saslMechanism "${String(e.saslMechanism)}" is not one of ${SASL_MECHANISMS.join(', ')}`);
      if (typeof e.username !== 'string' || !e.username) return problem(`${protocol} needs a username`);
    }
    const file = (key: string): string | undefined | null => {
      const v = e[key];
      if (v === undefined || v === null || v === '') return undefined;
      if (typeof v !== 'string') {
        problem(`${key} must be a file path`);
        return null;
      }
      return v;
    };
    const caFile = file('caFile');
    const certFile = file('certFile');
    const keyFile = file('keyFile');
    if (caFile === null || certFile === null || keyFile === null) return;
    if (!!certFile !== !!keyFile) return problem('a client certificate needs both certFile and keyFile');
    const tlsOn = protocol === 'SSL' || protocol === 'SASL_SSL';
    if (!tlsOn && (caFile || certFile))
      return problem(`caFile/certFile/keyFile need securityProtocol SSL or SASL_SSL, not ${protocol}`);
    if (e.rejectUnauthorized !== undefined && typeof e.rejectUnauthorized !== 'boolean')
      return problem('rejectUnauthorized must be true or false');
    if (e.production !== undefined && typeof e.production !== 'boolean')
      return problem('production must be true or false');
    names.add(name);
    definitions.push({
      name,
      bootstrapServers: b.servers,
      securityProtocol: protocol as SecurityProtocol,
      saslMechanism: mechanism,
      username: sasl ? (e.username as string) : undefined,
      caFile,
      certFile,
      keyFile,
      rejectUnauthorized: e.rejectUnauthorized !== false,
      production: e.production === true,
      scope,
    });
  });
  return { definitions, errors };
}

/** The settings object of a definition (what Add/Edit Cluster writes; no secrets, no defaults spelled out). */
export function toSetting(d: ClusterDefinition): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: d.name,
    bootstrapServers: d.bootstrapServers,
    securityProtocol: d.securityProtocol,
  };
  if (d.saslMechanism) out.saslMechanism = d.saslMechanism;
  if (d.username) out.username = d.username;
  if (d.caFile) out.caFile = d.caFile;
  if (d.certFile) out.certFile = d.certFile;
  if (d.keyFile) out.keyFile = d.keyFile;
  if (!d.rejectUnauthorized) out.rejectUnauthorized = false;
  if (d.production) out.production = true;
  return out;
}

/**
 * WireCluster options for a definition. Reads the PEM files (an unreadable file is an error naming it);
 * a SASL definition without a password is an error asking for one.
 */
export function wireOptions(
  d: ClusterDefinition,
  secrets: ClusterSecrets,
  readFile: (p: string) => Buffer = (p) => fs.readFileSync(p),
): WireClusterOptions {
  const read = (what: string, p: string) => {
    try {
      return readFile(p);
    } catch (e) {
      throw new Error(
        `${d.name}: cannot read the ${what} file ${p}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        { cause: e },
      );
    }
  };
  let ssl: tls.ConnectionOptions | undefined;
  if (d.securityProtocol === 'SSL' || d.securityProtocol === 'SASL_SSL') {
    ssl = { rejectUnauthorized: d.rejectUnauthorized };
    if (d.caFile) ssl.ca = [read('CA', d.caFile)];
    if (d.certFile && d.keyFile) {
      ssl.cert = read('client certificate', d.certFile);
      ssl.key = read('client key', d.keyFile);
      if (secrets.keyPassphrase) ssl.passphrase = secrets.keyPassphrase;
    }
  }
  let sasl: WireClusterOptions['sasl'];
  if (d.securityProtocol === 'SASL_PLAINTEXT' || d.securityProtocol === 'SASL_SSL') {
    if (secrets.password === undefined)
      throw new Error(`${d.name}: no password stored for ${d.username ?? 'its user'}; use Edit Cluster… to enter it`);
    sasl = {
      mechanism: (d.saslMechanism ?? 'PLAIN').toLowerCase() as 'plain' | 'scram-sha-256' | 'scram-sha-512',
      username: d.username ?? '',
      password: secrets.password,
    };
  }
  return { name: d.name, brokers: d.bootstrapServers, ssl, sasl, clientId: 'kafka-lite' };
}

/** The environment variable a copied kcat command reads the password from (the secret itself is never copied). */
export const KCAT_PASSWORD_VARIABLE = 'KAFKA_PASSWORD';

/**
 * librdkafka properties (kcat's `-X name=value`) that reach the cluster `d` describes: security protocol, SASL
 * mechanism and user, CA, client certificate and key, and certificate checks off when the user accepted that.
 * The password is `$KAFKA_PASSWORD`, for the shell to expand: no secret is ever part of the text.
 */
export function kcatProperties(d: ClusterDefinition): string[] {
  const out: string[] = [];
  if (d.securityProtocol !== 'PLAINTEXT') out.push(`security.protocol=${d.securityProtocol.toLowerCase()}`);
  if (d.securityProtocol === 'SASL_PLAINTEXT' || d.securityProtocol === 'SASL_SSL') {
    out.push(`sasl.mechanisms=${d.saslMechanism ?? 'PLAIN'}`);
    out.push(`sasl.username=${d.username ?? ''}`);
    out.push(`sasl.password=$${KCAT_PASSWORD_VARIABLE}`);
  }
  if (d.securityProtocol === 'SSL' || d.securityProtocol === 'SASL_SSL') {
    if (d.caFile) out.push(`ssl.ca.location=${d.caFile}`);
    if (d.certFile) out.push(`ssl.certificate.location=${d.certFile}`);
    if (d.keyFile) out.push(`ssl.key.location=${d.keyFile}`);
    if (!d.rejectUnauthorized) out.push('enable.ssl.certificate.verification=false');
  }
  return out;
}
