/**
 * `kafka-lite verify --data-dir <dir>`: a read-only deep check of a data directory (src/broker/storage/verify.ts):
 * one line per partition, one per problem; exit 0 when nothing is damaged, 1 when something is, 2 when it could
 * not check (no such directory, or a live process holds the folder's lock: a broker writing the folder could
 * make its newest bytes look torn; stop it first, or run Verify Data in the window that owns it).
 *
 * `kafka-lite serve`: the headless broker. Opens the engine on a data directory, starts the Kafka wire-protocol
 * server, prints `listening on <host>:<port>` (the real port, also with --port 0) once clients can connect, and
 * shuts down cleanly on SIGINT/SIGTERM (server closed, broker closed: clean-shutdown marker written), exit 0. Also
 * serves the embedded Schema Registry (src/schema-registry-server) on 127.0.0.1:<--schema-registry-port> (default
 * 8081; with --port 0 and no --schema-registry-port it takes a free port too; --no-schema-registry turns it off)
 * and prints `schema registry on http://127.0.0.1:<port>` right after the `listening on` line (both are serving
 * by then; the `listening on` line stays the first line). A
 * shutdown that cannot write its bookkeeping (a full disk) lists what it could not write and still exits 0 when
 * the log itself is intact; 1 when it is not. Output never kills the broker (a closed stdout is ignored).
 * Startup failures (port in use, unwritable directory, bad flags) print one line on stderr and exit 1.
 * Bundled to dist/cli.js (package.json bin `kafka-lite`).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Broker, DEFAULT_INITIAL_REBALANCE_DELAY_MS } from './broker/broker';
import { ShutdownIncompleteError } from './broker/errors';
import type { KafkaServer } from './protocol/server';
import { startKafkaServer } from './protocol/server';
import type { EmbeddedSchemaRegistry } from './schema-registry-server';
import { startEmbeddedSchemaRegistry } from './schema-registry-server';
import { version } from '../package.json';
import { formatVerifyReport, verifyDataDir } from './broker/storage/verify';
import { isProcessAlive, readLock } from './extension/model/lock-file';

const USAGE = `Usage: kafka-lite serve [options]
       kafka-lite verify [--data-dir <dir>] [--json] [--shallow]

A local Kafka broker: the real Kafka wire protocol, logs in a directory, no JVM.

Options:
  --host <addr>        interface to listen on (default 127.0.0.1)
  --port <n>           port (default 9092; 0 picks a free one)
  --data-dir <dir>     where logs and metadata live (default ./.kafka-lite)
  --partitions <n>     partition count of auto-created topics (default 1)
  --no-auto-create     do not create unknown topics on produce/metadata
  --max-request-bytes <n>
                       largest request accepted (socket.request.max.bytes; default 104857600)
  --queued-max-request-bytes <n>
                       request bytes held in memory over all connections before reading
                       pauses (queued.max.request.bytes; default 134217728)
  --connections-max-idle-ms <n>
                       close connections idle this long (connections.max.idle.ms; default
                       600000; 0 never)
  --group-initial-rebalance-delay-ms <n>
                       how long a new group's first rebalance waits for more members
                       (default 0; Kafka's default is 3000)
  --schema-registry-port <n>
                       port of the embedded Schema Registry on 127.0.0.1 (default 8081; 0 picks a
                       free one; with --port 0 it defaults to a free one too)
  --no-schema-registry do not start the Schema Registry
  --quiet              log only warnings and errors
  --help               show this help
  --version            print the version

verify: check every batch (CRC-32C, offsets, records), every index and the meta files of the data directory,
read-only. Exit 0: no damage; 1: damage found; 2: could not check (e.g. a running broker holds the folder).
  --json               print the report as JSON
  --shallow            skip decoding the records (CRC and framing only)
`;

interface ServeOptions {
  host: string;
  port: number;
  dataDir: string;
  partitions: number;
  autoCreate: boolean;
  initialRebalanceDelayMs: number;
  quiet: boolean;
  json: boolean;
  shallow: boolean;
  maxRequestBytes?: number;
  queuedMaxRequestBytes?: number;
  connectionsMaxIdleMs?: number;
  /** undefined: 8081, or a free port when --port is 0. */
  schemaRegistryPort?: number;
  schemaRegistry: boolean;
}

type Command = 'serve' | 'verify' | 'help' | 'version';

class UsageError extends Error {}

function parseArgs(argv: string[]): { command: Command; opts: ServeOptions } {
  const opts: ServeOptions = {
    host: '127.0.0.1',
    port: 9092,
    dataDir: './.kafka-lite',
    partitions: 1,
    autoCreate: true,
    initialRebalanceDelayMs: DEFAULT_INITIAL_REBALANCE_DELAY_MS,
    quiet: false,
    json: false,
    shallow: false,
    schemaRegistry: true,
  };
  let command: Command | null = null;
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  const int = (s: string, flag: string, min: number, max: number): number => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new UsageError(`${flag} must be an integer in ${min}..${max}, got "${s}"`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    const [flag, inline] = a.startsWith('--') && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    const take = () => (inline !== undefined ? inline : value(i++, flag));
    switch (flag) {
      case 'serve':
        command = command ?? 'serve';
        break;
      case 'verify':
        command = command ?? 'verify';
        break;
      case '--json':
        opts.json = true;
        break;
      case '--shallow':
        opts.shallow = true;
        break;
      case '--help':
      case '-h':
        return { command: 'help', opts };
      case '--version':
      case '-v':
        return { command: 'version', opts };
      case '--host':
        opts.host = take();
        break;
      case '--port':
        opts.port = int(take(), '--port', 0, 65535);
        break;
      case '--data-dir':
        opts.dataDir = take();
        break;
      case '--partitions':
        opts.partitions = int(take(), '--partitions', 1, 100000);
        break;
      case '--group-initial-rebalance-delay-ms':
        opts.initialRebalanceDelayMs = int(take(), flag, 0, 300000);
        break;
      case '--no-auto-create':
        opts.autoCreate = false;
        break;
      case '--max-request-bytes':
        opts.maxRequestBytes = int(take(), '--max-request-bytes', 1024, 0x7fffffff);
        break;
      case '--queued-max-request-bytes':
        opts.queuedMaxRequestBytes = int(take(), '--queued-max-request-bytes', 1024, Number.MAX_SAFE_INTEGER);
        break;
      case '--connections-max-idle-ms':
        opts.connectionsMaxIdleMs = int(take(), '--connections-max-idle-ms', 0, 0x7fffffff);
        break;
      case '--schema-registry-port':
        opts.schemaRegistryPort = int(take(), '--schema-registry-port', 0, 65535);
        break;
      case '--no-schema-registry':
        opts.schemaRegistry = false;
        break;
      case '--quiet':
        opts.quiet = true;
        break;
      default:
        throw new UsageError(`unknown argument "${a}"`);
    }
  }
  if (command === null) throw new UsageError('missing command (try "kafka-lite serve" or "kafka-lite verify")');
  return { command, opts };
}

/** `kafka-lite verify`: returns the exit code (never writes to the data directory). */
async function verify(opts: ServeOptions): Promise<number> {
  const dataDir = path.resolve(opts.dataDir);
  if (!fs.existsSync(dataDir) || !fs.statSync(dataDir).isDirectory()) {
    process.stderr.write(`kafka-lite verify: ${dataDir} is not a directory\n`);
    return 2;
  }
  const owner = readLock(dataDir);
  if (owner && owner.pid !== process.pid && isProcessAlive(owner.pid)) {
    process.stderr.write(
      `kafka-lite verify: ${dataDir} is in use by a running broker (${owner.window}, pid ${owner.pid}); stop it first or use "Kafka Lite: Verify Data" in that window\n`,
    );
    return 2;
  }
  const report = await verifyDataDir(dataDir, { deep: !opts.shallow });
  process.stdout.write(
    opts.json ? JSON.stringify(report, null, 2) + '\n' : formatVerifyReport(report).join('\n') + '\n',
  );
  return report.ok ? 0 : 1;
}

/**
 * Output that can never kill the broker: a closed or broken stdout/stderr (`kafka-lite serve | head -1`, a
 * terminal that went away) makes writes fail with EPIPE, reported as an 'error' event that would otherwise be
 * unhandled. After the first error that stream is written to no more; the broker keeps serving.
 */
function safeWriter(stream: NodeJS.WriteStream): (text: string) => void {
  let broken = false;
  stream.on('error', () => {
    broken = true;
  });
  return (text) => {
    if (broken || stream.destroyed || stream.writableEnded) return;
    try {
      stream.write(text);
    } catch {
      broken = true;
    }
  };
}

const out = safeWriter(process.stdout);
const err = safeWriter(process.stderr);

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

async function serve(opts: ServeOptions): Promise<void> {
  const dataDir = path.resolve(opts.dataDir);
  try {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.accessSync(dataDir, fs.constants.W_OK);
  } catch (e) {
    throw new Error(
      `cannot use data directory ${dataDir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      { cause: e },
    );
  }
  const log = (level: 'info' | 'warn' | 'error', message: string) => {
    if (opts.quiet && level === 'info') return;
    const line = `${new Date().toISOString()} ${level.toUpperCase()} ${message}\n`;
    (level === 'info' ? out : err)(line);
  };
  const broker = await Broker.open({
    dataDir,
    autoCreateTopics: opts.autoCreate,
    defaultPartitions: opts.partitions,
    initialRebalanceDelayMs: opts.initialRebalanceDelayMs,
    logger: log,
  });
  let server: KafkaServer;
  try {
    server = await startKafkaServer({
      broker,
      host: opts.host,
      port: opts.port,
      logger: log,
      maxRequestBytes: opts.maxRequestBytes,
      queuedMaxRequestBytes: opts.queuedMaxRequestBytes,
      connectionsMaxIdleMs: opts.connectionsMaxIdleMs,
    });
  } catch (e) {
    await broker.close();
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE')
      throw new Error(`port ${opts.port} on ${opts.host} is already in use (try --port 0 for a free one)`, {
        cause: e,
      });
    if (err.code === 'EADDRNOTAVAIL')
      throw new Error(`cannot listen on ${opts.host}: no such local address`, { cause: e });
    throw new Error(`cannot listen on ${opts.host}:${opts.port}: ${err.message}`, { cause: e });
  }
  let registry: EmbeddedSchemaRegistry | undefined;
  if (opts.schemaRegistry) {
    const port = opts.schemaRegistryPort ?? (opts.port === 0 ? 0 : 8081);
    try {
      registry = await startEmbeddedSchemaRegistry(broker, { port, logger: log });
    } catch (e) {
      await server.close();
      await broker.close();
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE')
        throw new Error(
          `schema registry port ${port} on 127.0.0.1 is already in use (try --schema-registry-port 0, or --no-schema-registry)`,
          { cause: e },
        );
      throw new Error(`cannot start the schema registry: ${(e as Error).message}`, { cause: e });
    }
  }
  if (!isLoopback(opts.host)) {
    err(
      `WARNING: listening on ${opts.host}, not loopback: anyone who can reach this machine can read and write its topics (no authentication).\n`,
    );
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log('info', `${signal}: shutting down`);
    try {
      await registry?.close();
      await server.close();
      await broker.close();
      out('kafka-lite stopped cleanly\n');
      process.exit(0);
    } catch (e) {
      if (e instanceof ShutdownIncompleteError && e.logIntact) {
        // a full disk: the records are safe, some bookkeeping is not; the next start recovers it
        err(`kafka-lite stopped; the log is intact, but shutdown could not write:\n`);
        for (const what of e.notWritten) err(`  - ${what}\n`);
        err('the next start recovers from the log files\n');
        process.exit(0);
      }
      err(`error during shutdown: ${(e as Error).message}\n`);
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  // handlers first: a supervisor may send SIGTERM the moment it reads the ready line
  out(`kafka-lite ${version}: data in ${dataDir}; listening on ${server.host}:${server.port}\n`);
  if (registry) out(`kafka-lite ${version}: schema registry on ${registry.url}\n`);
}

async function main(argv: string[]): Promise<void> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`kafka-lite: ${(e as Error).message}\n\n${USAGE}`);
    process.exit(1);
  }
  if (parsed.command === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  if (parsed.command === 'version') {
    process.stdout.write(`${version}\n`);
    return;
  }
  if (parsed.command === 'verify') {
    let code: number;
    try {
      code = await verify(parsed.opts);
    } catch (e) {
      process.stderr.write(`kafka-lite verify: ${(e as Error).message}\n`);
      code = 2;
    }
    process.exit(code);
  }
  try {
    await serve(parsed.opts);
  } catch (e) {
    process.stderr.write(`kafka-lite: ${(e as Error).message}\n`);
    process.exit(1);
  }
}

void main(process.argv.slice(2));
