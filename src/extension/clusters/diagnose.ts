/**
 * Test Connection: reaches a configured cluster one step at a time so a failure names its cause — the DNS
 * name that does not resolve, the host:port that refuses, a timeout, the TLS certificate that is not trusted
 * (its subject and issuer, and why: self-signed, unknown CA, hostname mismatch, expired), a SASL mechanism the
 * server does not enable (with the list it enables, from SaslHandshake), or failed authentication — and, when
 * everything works, what the cluster is (brokers, controller, topic count). vscode-free; each step has its own
 * timeout and every socket is closed before returning.
 */
import * as dns from 'dns';
import * as net from 'net';
import * as tls from 'tls';
import type { ClusterDefinition, ClusterSecrets } from './definitions';
import { wireOptions } from './definitions';
import { WireCluster } from './wire';

export type DiagnosisStep = 'config' | 'dns' | 'tcp' | 'timeout' | 'tls' | 'sasl-mechanism' | 'auth' | 'kafka';

export interface CertificateInfo {
  subject: string;
  issuer: string;
  selfSigned: boolean;
  /** Node's verification code, e.g. DEPTH_ZERO_SELF_SIGNED_CERT, ERR_TLS_CERT_ALTNAME_INVALID. */
  code: string;
  reason: string;
}

export type Diagnosis =
  | { ok: true; message: string; brokers: number; controllerId: number; topics: number }
  | { ok: false; step: DiagnosisStep; message: string; certificate?: CertificateInfo };

export interface DiagnoseOptions {
  timeoutMs?: number;
  readFile?: (p: string) => Buffer;
}

const REASONS: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'it is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'it is signed by a self-signed CA that is not trusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'it is signed by an unknown CA',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'it is signed by an unknown CA',
  UNABLE_TO_GET_ISSUER_CERT: 'it is signed by an unknown CA',
  CERT_HAS_EXPIRED: 'it has expired',
  CERT_NOT_YET_VALID: 'it is not valid yet',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its names do not include the host',
};

function splitHostPort(server: string): { host: string; port: number } {
  const i = server.lastIndexOf(':');
  const host = server.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(server.slice(i + 1)) };
}

function dn(x: tls.Certificate | undefined): string {
  if (!x) return '(none)';
  return (
    Object.entries(x)
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
      .join(', ') || '(empty)'
  );
}

function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Error, cleanup?: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => {
      cleanup?.();
      reject(onTimeout());
    }, ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

class StepError extends Error {
  constructor(
    readonly step: DiagnosisStep,
    message: string,
    readonly certificate?: CertificateInfo,
  ) {
    super(message);
  }
}

function tcpConnect(host: string, port: number, ms: number): Promise<net.Socket> {
  const s = net.connect({ host, port });
  return withTimeout(
    new Promise<net.Socket>((resolve, reject) => {
      s.once('connect', () => resolve(s));
      s.once('error', (e: NodeJS.ErrnoException) => {
        s.destroy();
        if (e.code === 'ECONNREFUSED')
          reject(new StepError('tcp', `${host}:${port} refused the connection: nothing listens on that port`));
        else reject(new StepError('tcp', `cannot connect to ${host}:${port}: ${e.code ?? e.message}`));
      });
    }),
    ms,
    () =>
      new StepError(
        'timeout',
        `no answer from ${host}:${port} within ${ms / 1000} s (a firewall, or the wrong host or port)`,
      ),
    () => s.destroy(),
  );
}

function tlsUpgrade(
  socket: net.Socket,
  host: string,
  port: number,
  base: tls.ConnectionOptions,
  ms: number,
): Promise<tls.TLSSocket> {
  const servername = net.isIP(host) ? undefined : host;
  const t = tls.connect({ ...base, socket, servername, rejectUnauthorized: false });
  return withTimeout(
    new Promise<tls.TLSSocket>((resolve, reject) => {
      t.once('secureConnect', () => resolve(t));
      t.once('error', (e: NodeJS.ErrnoException) => {
        t.destroy();
        reject(
          new StepError(
            'tls',
            `the TLS handshake with ${host}:${port} failed: ${e.message}` +
              (/wrong version number|packet length too long|ECONNRESET/i.test(e.message + (e.code ?? ''))
                ? ' (is this a TLS listener? try PLAINTEXT or SASL_PLAINTEXT)'
                : ''),
          ),
        );
      });
    }),
    ms,
    () =>
      new StepError(
        'timeout',
        `the TLS handshake with ${host}:${port} got no answer within ${ms / 1000} s (is this a TLS listener?)`,
      ),
    () => t.destroy(),
  );
}

/** Verify the peer certificate as a client with rejectUnauthorized would; undefined when it is trusted. */
function certificateProblem(t: tls.TLSSocket, host: string): CertificateInfo | undefined {
  const cert = t.getPeerCertificate();
  const subject = dn(cert?.subject);
  const issuer = dn(cert?.issuer);
  const selfSigned = subject === issuer;
  let code: string | undefined;
  if (!t.authorized) code = String(t.authorizationError ?? 'UNKNOWN');
  else {
    const idErr = tls.checkServerIdentity(host, cert) as (Error & { code?: string }) | undefined;
    if (idErr) code = idErr.code ?? 'ERR_TLS_CERT_ALTNAME_INVALID';
  }
  if (!code) return undefined;
  return { subject, issuer, selfSigned, code, reason: REASONS[code] ?? code };
}

/** SaslHandshake v1: the server's answer for `mechanism` and the mechanisms it enables. */
function saslHandshake(
  s: net.Socket,
  mechanism: string,
  where: string,
  ms: number,
): Promise<{ errorCode: number; mechanisms: string[] }> {
  const clientId = Buffer.from('kafka-lite-test');
  const mech = Buffer.from(mechanism);
  const req = Buffer.alloc(4 + 2 + 2 + 4 + 2 + clientId.length + 2 + mech.length);
  let p = req.writeInt32BE(req.length - 4, 0);
  p = req.writeInt16BE(17, p);
  p = req.writeInt16BE(1, p);
  p = req.writeInt32BE(1, p);
  p = req.writeInt16BE(clientId.length, p);
  p += clientId.copy(req, p);
  p = req.writeInt16BE(mech.length, p);
  mech.copy(req, p);
  return withTimeout(
    new Promise((resolve, reject) => {
      let buf = Buffer.alloc(0);
      s.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length < 4 || buf.length < 4 + buf.readInt32BE(0)) return;
        try {
          let q = 8;
          const errorCode = buf.readInt16BE(q);
          q += 2;
          const n = buf.readInt32BE(q);
          q += 4;
          const mechanisms: string[] = [];
          for (let i = 0; i < n; i++) {
            const len = buf.readInt16BE(q);
            q += 2;
            mechanisms.push(buf.toString('utf8', q, q + len));
            q += len;
          }
          resolve({ errorCode, mechanisms });
        } catch {
          reject(
            new StepError(
              'sasl-mechanism',
              `${where} answered SaslHandshake with something that does not decode: is it a SASL listener?`,
            ),
          );
        }
      });
      s.once('close', () =>
        reject(
          new StepError(
            'sasl-mechanism',
            `${where} closed the connection on SaslHandshake: it is not a SASL listener (try PLAINTEXT or SSL)`,
          ),
        ),
      );
      s.once('error', () => undefined);
      s.write(req);
    }),
    ms,
    () => new StepError('timeout', `${where} did not answer SaslHandshake within ${ms / 1000} s`),
  );
}

function authMessage(e: unknown, d: ClusterDefinition): string | undefined {
  const err = e as Error & { name?: string; type?: string };
  const text = `${err.name ?? ''} ${err.type ?? ''} ${err.message ?? ''}`;
  if (/SASLAuthentication|SASL_AUTHENTICATION_FAILED|Authentication failed|invalid credentials/i.test(text)) {
    // kafkajs prefixes the server's words with its own "SASL SCRAM SHA256 authentication failed:": said once.
    const server = (err.message ?? '').replace(/^SASL\b.*?\bauthentication failed:\s*/i, '').replace(/\.?\s*$/, '');
    return (
      `authentication failed for user "${d.username}" (${d.saslMechanism}): ${server || 'the server refused the credentials'}. ` +
      'Check the user name and password (Edit Cluster\u2026 asks for them again).'
    );
  }
  return undefined;
}

/** Run every step against the first reachable bootstrap server, then a real connection through WireCluster. */
export async function diagnose(
  d: ClusterDefinition,
  secrets: ClusterSecrets,
  opts: DiagnoseOptions = {},
): Promise<Diagnosis> {
  const ms = opts.timeoutMs ?? 5000;
  let options;
  try {
    options = wireOptions(d, secrets, opts.readFile);
  } catch (e) {
    return { ok: false, step: 'config', message: (e as Error).message };
  }
  const sasl = d.securityProtocol === 'SASL_PLAINTEXT' || d.securityProtocol === 'SASL_SSL';
  const useTls = d.securityProtocol === 'SSL' || d.securityProtocol === 'SASL_SSL';
  try {
    const { host, port } = splitHostPort(d.bootstrapServers[0]);
    if (!net.isIP(host)) {
      try {
        await withTimeout(
          dns.promises.lookup(host),
          ms,
          () => new StepError('timeout', `looking up ${host} took more than ${ms / 1000} s`),
        );
      } catch (e) {
        if (e instanceof StepError) throw e;
        const code = (e as NodeJS.ErrnoException).code;
        throw new StepError(
          'dns',
          code === 'ENOTFOUND' || code === 'EAI_AGAIN'
            ? `the host "${host}" was not found by DNS (${code}): check the bootstrap server's name`
            : `looking up "${host}" failed: ${code ?? (e as Error).message}`,
        );
      }
    }
    let socket: net.Socket = await tcpConnect(host, port, ms);
    try {
      if (useTls) {
        const t = await tlsUpgrade(socket, host, port, options.ssl ?? {}, ms);
        socket = t;
        const problem = certificateProblem(t, host);
        if (problem && d.rejectUnauthorized) {
          throw new StepError(
            'tls',
            `the TLS certificate of ${host}:${port} is not trusted: ${problem.reason} (${problem.code}). ` +
              `Subject ${problem.subject}; issuer ${problem.issuer}. ` +
              (problem.code === 'ERR_TLS_CERT_ALTNAME_INVALID'
                ? 'Connect with a name the certificate lists.'
                : 'Give the CA file that signed it.'),
            problem,
          );
        }
      }
      if (sasl) {
        const mech = d.saslMechanism ?? 'PLAIN';
        const r = await saslHandshake(socket, mech, `${host}:${port}`, ms);
        if (r.errorCode !== 0 || !r.mechanisms.includes(mech)) {
          throw new StepError(
            'sasl-mechanism',
            `${host}:${port} does not enable SASL ${mech}; it enables ${r.mechanisms.length ? r.mechanisms.join(', ') : 'no mechanism'}`,
          );
        }
      }
    } finally {
      socket.destroy();
    }
    const cluster = new WireCluster({ ...options, connectionTimeoutMs: ms, requestTimeoutMs: ms, retries: 0 });
    try {
      const desc = await cluster.describeCluster();
      const topics = await cluster.listTopics();
      return {
        ok: true,
        brokers: desc.brokers.length,
        controllerId: desc.controllerId,
        topics: topics.total,
        message:
          `Connected to ${d.name}: ${desc.brokers.length} broker(s) (${desc.brokers.map((b) => `${b.host}:${b.port}`).join(', ')}), ` +
          `controller ${desc.controllerId}, ${topics.total} topic(s).`,
      };
    } catch (e) {
      const auth = sasl ? authMessage(e, d) : undefined;
      if (auth) throw new StepError('auth', auth);
      const m = (e as Error).message;
      if (/ECONNREFUSED/.test(m))
        throw new StepError('tcp', `${d.name}: a broker the cluster names refused the connection: ${m}`);
      if (/timed? ?out/i.test(m)) throw new StepError('timeout', `${d.name} did not answer in time: ${m}`);
      throw new StepError('kafka', `${d.name}: ${m}`);
    } finally {
      await cluster.close();
    }
  } catch (e) {
    if (e instanceof StepError) return { ok: false, step: e.step, message: e.message, certificate: e.certificate };
    return { ok: false, step: 'kafka', message: (e as Error).message };
  }
}
