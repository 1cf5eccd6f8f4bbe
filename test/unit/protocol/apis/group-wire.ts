/**
 * Test helper for the group and config API tests: a real broker behind the protocol server on an ephemeral port,
 * and a raw client that sends one hand-built request (spec field order, classic or flexible encoding) and hands
 * back a reader positioned after the response header. `Enc`/`Dec` pick classic or compact encodings by the
 * version's flexibility, so a test writes each field once, in the order the Kafka message spec lists it.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { BrokerOptions } from '../../../../src/broker/broker';
import { Broker } from '../../../../src/broker/broker';
import { Reader } from '../../../../src/protocol/codec/reader';
import type { Writer } from '../../../../src/protocol/codec/writer';
import type { KafkaServer } from '../../../../src/protocol/server';
import { startKafkaServer } from '../../../../src/protocol/server';
import { frame, RawClient } from '../helpers';

/** Field writers for one request, classic or flexible. */
export class Enc {
  constructor(
    readonly w: Writer,
    readonly flexible: boolean,
  ) {}
  str(s: string): this {
    if (this.flexible) this.w.compactString(s);
    else this.w.string(s);
    return this;
  }
  nstr(s: string | null): this {
    if (this.flexible) this.w.compactNullableString(s);
    else this.w.nullableString(s);
    return this;
  }
  bytes(b: Buffer): this {
    if (this.flexible) this.w.compactBytes(b);
    else this.w.bytes(b);
    return this;
  }
  len(n: number | null): this {
    if (this.flexible) this.w.compactArrayLength(n);
    else this.w.arrayLength(n);
    return this;
  }
  i8(v: number): this {
    this.w.int8(v);
    return this;
  }
  i16(v: number): this {
    this.w.int16(v);
    return this;
  }
  i32(v: number): this {
    this.w.int32(v);
    return this;
  }
  i64(v: number): this {
    this.w.int64(v);
    return this;
  }
  bool(v: boolean): this {
    this.w.bool(v);
    return this;
  }
  /** End of a struct: its tagged-field section (flexible versions only). */
  tags(): this {
    if (this.flexible) this.w.emptyTaggedFields();
    return this;
  }
}

/** Field readers for one response, classic or flexible. */
export class Dec {
  constructor(
    readonly r: Reader,
    readonly flexible: boolean,
  ) {}
  str(): string {
    return this.flexible ? this.r.compactString() : this.r.string();
  }
  nstr(): string | null {
    return this.flexible ? this.r.compactNullableString() : this.r.nullableString();
  }
  bytes(): Buffer {
    return (this.flexible ? this.r.compactNullableBytes() : this.r.nullableBytes()) ?? Buffer.alloc(0);
  }
  len(): number {
    return this.flexible ? this.r.compactArrayLength() : this.r.arrayLength();
  }
  i8(): number {
    return this.r.int8();
  }
  i16(): number {
    return this.r.int16();
  }
  i32(): number {
    return this.r.int32();
  }
  i64(): number {
    return this.r.int64();
  }
  bool(): boolean {
    return this.r.bool();
  }
  tags(): void {
    if (this.flexible) this.r.skipTaggedFields();
  }
  /** Read n items. */
  many<T>(read: () => T): T[] {
    const n = this.len();
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(read());
    return out;
  }
  /** Asserts the whole response was read. */
  end(): void {
    assert.strictEqual(this.r.remaining, 0, 'the response has no bytes left over');
  }
}

export class GroupWire {
  private correlation = 1;

  private constructor(
    readonly dir: string,
    readonly broker: Broker,
    readonly server: KafkaServer,
    readonly client: RawClient,
    /** What the server logged, one `<level> <message>` line each (an unexpected engine failure is logged). */
    readonly logs: string[],
  ) {}

  static async open(opts: Partial<BrokerOptions> = {}): Promise<GroupWire> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-group-wire-'));
    const broker = await Broker.open({ dataDir: dir, logger: () => undefined, ...opts });
    const logs: string[] = [];
    const server = await startKafkaServer({ broker, port: 0, logger: (level, m) => logs.push(`${level} ${m}`) });
    const client = await RawClient.connect(server.port);
    return new GroupWire(dir, broker, server, client, logs);
  }

  /** Another connection to the same server (a second group member). */
  async connect(): Promise<RawClient> {
    return RawClient.connect(this.server.port);
  }

  /**
   * Send one request and return the response body. `flexible` says whether the version is flexible (request
   * header v2 and compact encodings; the response header then has a tagged-field section).
   */
  async call(
    apiKey: number,
    version: number,
    flexible: boolean,
    body: (e: Enc) => void,
    client: RawClient = this.client,
  ): Promise<Dec> {
    const id = this.correlation++;
    const before = client.frames.length;
    client.send(frame(apiKey, version, id, (w) => body(new Enc(w, flexible)), { headerV2: flexible }));
    const frames = await client.waitFrames(before + 1, 5000);
    const r = new Reader(frames[before]);
    assert.strictEqual(r.int32(), id, 'correlation id');
    if (flexible) r.skipTaggedFields();
    return new Dec(r, flexible);
  }

  /**
   * Make one engine method throw a plain Error (not a KafkaError: a bug or an I/O failure the engine did not
   * expect) until the test ends; returns the message it throws.
   */
  failEngine(method: keyof Broker & string): string {
    const message = `${method} failed: disk on fire`;
    (this.broker as unknown as Record<string, unknown>)[method] = () => {
      throw new Error(message);
    };
    return message;
  }

  async close(): Promise<void> {
    this.client.end();
    await this.server.close();
    await this.broker.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface JoinAnswer {
  errorCode: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  skipAssignment: boolean;
  memberId: string;
  members: { memberId: string; groupInstanceId: string | null; metadata: Buffer }[];
}

/** JoinGroup v9 (flexible) with one "range" protocol of the "consumer" type. */
export async function joinV9(
  wire: GroupWire,
  groupId: string,
  memberId: string,
  groupInstanceId: string | null,
  opts: { metadata?: Buffer; reason?: string | null; client?: RawClient } = {},
): Promise<JoinAnswer> {
  const d = await wire.call(
    11,
    9,
    true,
    (e) =>
      e
        .str(groupId)
        .i32(30000)
        .i32(60000)
        .str(memberId)
        .nstr(groupInstanceId)
        .str('consumer')
        .len(1)
        .str('range')
        .bytes(opts.metadata ?? Buffer.from([0, 1]))
        .tags()
        .nstr(opts.reason ?? null)
        .tags(),
    opts.client,
  );
  d.i32(); // throttle time
  const answer: JoinAnswer = {
    errorCode: d.i16(),
    generationId: d.i32(),
    protocolType: d.nstr(),
    protocolName: d.nstr(),
    leader: d.str(),
    skipAssignment: d.bool(),
    memberId: d.str(),
    members: d.many(() => {
      const m = { memberId: d.str(), groupInstanceId: d.nstr(), metadata: d.bytes() };
      d.tags();
      return m;
    }),
  };
  d.tags();
  d.end();
  return answer;
}

/** SyncGroup v5 (flexible); returns [errorCode, protocolType, protocolName, assignment]. */
export async function syncV5(
  wire: GroupWire,
  groupId: string,
  generationId: number,
  memberId: string,
  assignments: [string, Buffer][],
  opts: { groupInstanceId?: string | null; protocolName?: string | null; client?: RawClient } = {},
): Promise<[number, string | null, string | null, Buffer]> {
  const d = await wire.call(
    14,
    5,
    true,
    (e) => {
      e.str(groupId)
        .i32(generationId)
        .str(memberId)
        .nstr(opts.groupInstanceId ?? null)
        .nstr('consumer')
        .nstr(opts.protocolName === undefined ? 'range' : opts.protocolName)
        .len(assignments.length);
      for (const [m, a] of assignments) e.str(m).bytes(a).tags();
      e.tags();
    },
    opts.client,
  );
  d.i32();
  const out: [number, string | null, string | null, Buffer] = [d.i16(), d.nstr(), d.nstr(), d.bytes()];
  d.tags();
  d.end();
  return out;
}

/** A Stable group of one static member (instance "i1"), joined at v9 and synced at v5 with `assignment`. */
export async function stableStaticGroup(
  wire: GroupWire,
  groupId: string,
  assignment = Buffer.from('plan-1'),
): Promise<JoinAnswer> {
  const joined = await joinV9(wire, groupId, '', 'i1');
  assert.strictEqual(joined.errorCode, 0, 'the static member joins at once');
  const [code] = await syncV5(wire, groupId, joined.generationId, joined.memberId, [[joined.memberId, assignment]], {
    groupInstanceId: 'i1',
  });
  assert.strictEqual(code, 0);
  return joined;
}
