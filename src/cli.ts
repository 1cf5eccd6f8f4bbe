/**
 * `kafka-lite serve`: the headless broker. Opens the engine on a data directory, starts the Kafka wire-protocol
 * server, prints `listening on <host>:<port>` (the real port, also with --port 0) once clients can connect, and
 * shuts down cleanly on SIGINT/SIGTERM (server closed, broker closed: clean-shutdown marker written), exit 0.
 * Startup failures (port in use, unwritable directory, bad flags) print one line on stderr and exit 1.
 * Bundled to dist/cli.js (package.json bin `kafka-lite`).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Broker, DEFAULT_INITIAL_REBALANCE_DELAY_MS } from './broker/broker';
import type { KafkaServer } from './protocol/server';
import { startKafkaServer } from './protocol/server';
import { version } from '../package.json';

const USAGE = `Usage: kafka-lite serve [options]

A local Kafka broker: the real Kafka wire protocol, logs in a directory, no JVM.

Options:
  --host <addr>        interface to listen on (default 127.0.0.1)
  --port <n>           port (default 9092; 0 picks a free one)
  --data-dir <dir>     where logs and metadata live (default ./.kafka-lite)
  --partitions <n>     partition count of auto-created topics (default 1)
  --no-auto-create     do not create unknown topics on produce/metadata
  --group-initial-rebalance-delay-ms <n>
                       how long a new group's first rebalance waits for more members
                       (default 0; Kafka's default is 3000)
  --quiet              log only warnings and errors
  --help               show this help
  --version            print the version
`;

interface ServeOptions {
  host: string;
  port: number;
  dataDir: string;
  partitions: number;
  autoCreate: boolean;
  initialRebalanceDelayMs: number;
  quiet: boolean;
}

class UsageError extends Error {}

function parseArgs(argv: string[]): { command: 'serve' | 'help' | 'version'; opts: ServeOptions } {
  const opts: ServeOptions = {
    host: '127.0.0.1',
    port: 9092,
    dataDir: './.kafka-lite',
    partitions: 1,
    autoCreate: true,
    initialRebalanceDelayMs: DEFAULT_INITIAL_REBALANCE_DELAY_MS,
    quiet: false,
  };
  let command: 'serve' | 'help' | 'version' | null = null;
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
      case '--quiet':
        opts.quiet = true;
        break;
      default:
        throw new UsageError(`unknown argument "${a}"`);
    }
  }
  if (command === null) throw new UsageError('missing command (try "kafka-lite serve")');
  return { command, opts };
}

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
    (level === 'info' ? process.stdout : process.stderr).write(line);
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
    server = await startKafkaServer({ broker, host: opts.host, port: opts.port, logger: log });
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
  if (!isLoopback(opts.host)) {
    process.stderr.write(
      `WARNING: listening on ${opts.host}, not loopback: anyone who can reach this machine can read and write its topics (no authentication).\n`,
    );
  }
  process.stdout.write(`kafka-lite ${version}: data in ${dataDir}; listening on ${server.host}:${server.port}\n`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log('info', `${signal}: shutting down`);
    try {
      await server.close();
      await broker.close();
      process.stdout.write('kafka-lite stopped cleanly\n');
      process.exit(0);
    } catch (e) {
      process.stderr.write(`error during shutdown: ${(e as Error).message}\n`);
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
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
  try {
    await serve(parsed.opts);
  } catch (e) {
    process.stderr.write(`kafka-lite: ${(e as Error).message}\n`);
    process.exit(1);
  }
}

void main(process.argv.slice(2));
