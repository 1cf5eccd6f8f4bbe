/**
 * Hand-built requests and field-by-field answers for the consumer-group APIs (JoinGroup 11, SyncGroup 14,
 * Heartbeat 12, LeaveGroup 13, DescribeGroups 15, ListGroups 16, DeleteGroups 42), per version, from Kafka's
 * message specs. Each reader checks that nothing is left after the last field of its version.
 */
import * as assert from 'assert';
import type { Reader } from '../../../../src/protocol/codec/reader';
import type { Wire } from './harness';

export interface Joined {
  errorCode: number;
  generationId: number;
  protocolName: string;
  leader: string;
  memberId: string;
  members: { memberId: string; groupInstanceId: string | null; metadata: string }[];
}

function done(r: Reader, what: string): void {
  assert.strictEqual(r.remaining, 0, `${what}: nothing after the last field`);
}

export async function joinGroup(
  wire: Wire,
  version: number,
  req: {
    groupId: string;
    memberId?: string;
    instanceId?: string | null;
    sessionTimeoutMs?: number;
    rebalanceTimeoutMs?: number;
    protocols?: [string, string][];
  },
): Promise<Joined> {
  const r = await wire.call(11, version, (w) => {
    w.string(req.groupId).int32(req.sessionTimeoutMs ?? 10000);
    if (version >= 1) w.int32(req.rebalanceTimeoutMs ?? 10000);
    w.string(req.memberId ?? '');
    if (version >= 5) w.nullableString(req.instanceId ?? null);
    w.string('consumer');
    const protocols = req.protocols ?? [['range', 'meta']];
    w.arrayLength(protocols.length);
    for (const [name, meta] of protocols) w.string(name).bytes(Buffer.from(meta));
  });
  if (version >= 2) assert.strictEqual(r.int32(), 0, 'throttle time');
  const out: Joined = {
    errorCode: r.int16(),
    generationId: r.int32(),
    protocolName: r.string(),
    leader: r.string(),
    memberId: r.string(),
    members: [],
  };
  const n = r.arrayLength();
  for (let i = 0; i < n; i++) {
    const memberId = r.string();
    const groupInstanceId = version >= 5 ? r.nullableString() : null;
    out.members.push({ memberId, groupInstanceId, metadata: r.bytes().toString() });
  }
  done(r, `JoinGroup v${version}`);
  return out;
}

export async function syncGroup(
  wire: Wire,
  version: number,
  req: { groupId: string; generationId: number; memberId: string; assignments: [string, string][] },
): Promise<{ errorCode: number; assignment: string }> {
  const r = await wire.call(14, version, (w) => {
    w.string(req.groupId).int32(req.generationId).string(req.memberId);
    if (version >= 3) w.nullableString(null);
    w.arrayLength(req.assignments.length);
    for (const [m, a] of req.assignments) w.string(m).bytes(Buffer.from(a));
  });
  if (version >= 1) assert.strictEqual(r.int32(), 0, 'throttle time');
  const out = { errorCode: r.int16(), assignment: r.bytes().toString() };
  done(r, `SyncGroup v${version}`);
  return out;
}

export async function heartbeat(
  wire: Wire,
  version: number,
  groupId: string,
  generationId: number,
  memberId: string,
): Promise<number> {
  const r = await wire.call(12, version, (w) => {
    w.string(groupId).int32(generationId).string(memberId);
    if (version >= 3) w.nullableString(null);
  });
  if (version >= 1) assert.strictEqual(r.int32(), 0, 'throttle time');
  const code = r.int16();
  done(r, `Heartbeat v${version}`);
  return code;
}

export async function leaveGroup(
  wire: Wire,
  version: number,
  groupId: string,
  memberIds: string[],
): Promise<{ errorCode: number; members: [string, string | null, number][] }> {
  const r = await wire.call(13, version, (w) => {
    w.string(groupId);
    if (version < 3) w.string(memberIds[0]);
    else {
      w.arrayLength(memberIds.length);
      for (const m of memberIds) w.string(m).nullableString(null);
    }
  });
  if (version >= 1) assert.strictEqual(r.int32(), 0, 'throttle time');
  const errorCode = r.int16();
  const members: [string, string | null, number][] = [];
  if (version >= 3) {
    const n = r.arrayLength();
    for (let i = 0; i < n; i++) members.push([r.string(), r.nullableString(), r.int16()]);
  }
  done(r, `LeaveGroup v${version}`);
  return { errorCode, members };
}

export interface Described {
  errorCode: number;
  groupId: string;
  state: string;
  protocolType: string;
  protocol: string;
  members: {
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    clientHost: string;
    metadata: string;
    assignment: string;
  }[];
}

export async function describeGroups(wire: Wire, version: number, groupIds: string[]): Promise<Described[]> {
  const r = await wire.call(15, version, (w) => {
    w.arrayLength(groupIds.length);
    for (const g of groupIds) w.string(g);
    if (version >= 3) w.bool(true);
  });
  if (version >= 1) assert.strictEqual(r.int32(), 0, 'throttle time');
  const out: Described[] = [];
  const n = r.arrayLength();
  for (let i = 0; i < n; i++) {
    const d: Described = {
      errorCode: r.int16(),
      groupId: r.string(),
      state: r.string(),
      protocolType: r.string(),
      protocol: r.string(),
      members: [],
    };
    const nm = r.arrayLength();
    for (let j = 0; j < nm; j++) {
      const memberId = r.string();
      const groupInstanceId = version >= 4 ? r.nullableString() : null;
      d.members.push({
        memberId,
        groupInstanceId,
        clientId: r.string(),
        clientHost: r.string(),
        metadata: r.bytes().toString(),
        assignment: r.bytes().toString(),
      });
    }
    if (version >= 3) assert.strictEqual(r.int32(), -2147483648, 'authorized operations');
    out.push(d);
  }
  done(r, `DescribeGroups v${version}`);
  return out;
}

export async function listGroups(wire: Wire, version: number): Promise<{ errorCode: number; groups: string[] }> {
  const r = await wire.call(16, version, () => undefined);
  if (version >= 1) assert.strictEqual(r.int32(), 0, 'throttle time');
  const errorCode = r.int16();
  const groups: string[] = [];
  const n = r.arrayLength();
  for (let i = 0; i < n; i++) groups.push(`${r.string()}:${r.string()}`);
  done(r, `ListGroups v${version}`);
  return { errorCode, groups };
}

export async function deleteGroups(wire: Wire, version: number, groupIds: string[]): Promise<[string, number][]> {
  const r = await wire.call(42, version, (w) => {
    w.arrayLength(groupIds.length);
    for (const g of groupIds) w.string(g);
  });
  assert.strictEqual(r.int32(), 0, 'throttle time');
  const out: [string, number][] = [];
  const n = r.arrayLength();
  for (let i = 0; i < n; i++) out.push([r.string(), r.int16()]);
  done(r, `DeleteGroups v${version}`);
  return out;
}

/** One member joins (v1) and syncs its own assignment; returns its id and generation. */
export async function soloMember(wire: Wire, groupId: string, assignment = 'asg'): Promise<[string, number]> {
  const j = await joinGroup(wire, 1, { groupId });
  if (j.errorCode !== 0) throw new Error(`join failed with ${j.errorCode}`);
  const s = await syncGroup(wire, 0, {
    groupId,
    generationId: j.generationId,
    memberId: j.memberId,
    assignments: [[j.memberId, assignment]],
  });
  if (s.errorCode !== 0) throw new Error(`sync failed with ${s.errorCode}`);
  return [j.memberId, j.generationId];
}
