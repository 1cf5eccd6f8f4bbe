/** Shared fixtures of the groups tests: a coordinator on a FakeClock, join requests, a promise-settling helper. */
import type { GroupCoordinator } from '../../../../src/broker/api';
import { FakeClock } from '../../../../src/broker/clock';
import { ErrorCode } from '../../../../src/broker/errors';
import { createGroupCoordinator } from '../../../../src/broker/groups/coordinator';
import { encodeSubscription } from '../../../../src/broker/groups/consumer-protocol';
import type { JoinGroupRequest, JoinGroupResult } from '../../../../src/broker/types';

/** Let every already-resolved promise callback run (FakeClock timers resolve promises synchronously; their thens run later). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface Harness {
  clock: FakeClock;
  coord: GroupCoordinator;
  events: { event: string; payload: any }[];
}

export function harness(initialRebalanceDelayMs = 0): Harness {
  const clock = new FakeClock();
  const events: { event: string; payload: any }[] = [];
  const coord = createGroupCoordinator({
    clock,
    initialRebalanceDelayMs,
    logger: () => undefined,
    onEvent: (event, payload) => events.push({ event, payload }),
  });
  return { clock, coord, events };
}

export function joinRequest(over: Partial<JoinGroupRequest> = {}): JoinGroupRequest {
  return {
    groupId: 'g',
    memberId: '',
    groupInstanceId: null,
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 30_000,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: encodeSubscription({ topics: ['t'] }) }],
    clientId: 'client',
    clientHost: '/127.0.0.1',
    requireKnownMemberId: true,
    ...over,
  };
}

/** The v4+ first-join round trip: get MEMBER_ID_REQUIRED and an id, then the join that parks. */
export async function joinNew(
  coord: GroupCoordinator,
  over: Partial<JoinGroupRequest> = {},
): Promise<{ memberId: string; result: Promise<JoinGroupResult> }> {
  const first = await coord.join(joinRequest({ ...over, memberId: '' }));
  if (first.errorCode !== ErrorCode.MEMBER_ID_REQUIRED)
    throw new Error(`expected MEMBER_ID_REQUIRED, got ${first.errorCode}`);
  return { memberId: first.memberId, result: coord.join(joinRequest({ ...over, memberId: first.memberId })) };
}

/** Track whether a promise has settled yet. */
export function track<T>(p: Promise<T>): { done: () => boolean; value: () => T | undefined } {
  let done = false;
  let value: T | undefined;
  void p.then((v) => {
    done = true;
    value = v;
  });
  return { done: () => done, value: () => value };
}

/** Seeded PRNG (mulberry32), so a randomized test replays the same way every run. */
export { prng as rng } from '../storage/helpers';
