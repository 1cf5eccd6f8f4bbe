import * as assert from 'assert';
import type { GenerationAssignment } from '../../../../src/extension/model/group-timeline';
import { GroupTimeline, generationEntries, movesBetween } from '../../../../src/extension/model/group-timeline';

const gen = (generationId: number, owners: [number, string][], names: [string, string][]): GenerationAssignment => ({
  generationId,
  owners: new Map(owners),
  names: new Map(names),
});

describe('group timeline', () => {
  const g3 = gen(
    3,
    [
      [0, 'm1'],
      [1, 'm2'],
      [2, 'm3'],
    ],
    [
      ['m1', 'consumer-1'],
      ['m2', 'consumer-2'],
      ['m3', 'consumer-3'],
    ],
  );
  const g4 = gen(
    4,
    [
      [0, 'm1'],
      [1, 'm2'],
      [2, 'm4'],
    ],
    [
      ['m1', 'consumer-1'],
      ['m2', 'consumer-2'],
      ['m4', 'consumer-4'],
    ],
  );

  it('names exactly the partitions whose owner changed, by the names of the old and the new owner', () => {
    assert.deepStrictEqual(movesBetween(g3, g4), [{ partition: 2, from: 'consumer-3', to: 'consumer-4' }]);
    assert.deepStrictEqual(movesBetween(g3, g3), []);
  });

  it('a first generation assigns every partition; a partition left without owner is revoked', () => {
    assert.deepStrictEqual(
      movesBetween(null, g3).map((m) => [m.partition, m.from, m.to]),
      [
        [0, null, 'consumer-1'],
        [1, null, 'consumer-2'],
        [2, null, 'consumer-3'],
      ],
    );
    const shrunk = gen(5, [[0, 'm1']], [['m1', 'consumer-1']]);
    assert.deepStrictEqual(movesBetween(g3, shrunk), [
      { partition: 1, from: 'consumer-2', to: null },
      { partition: 2, from: 'consumer-3', to: null },
    ]);
  });

  it('the entries of a generation: who went and why, who joined, the generation, then what moved', () => {
    const texts = generationEntries(g3, g4, 10, (id) => (id === 'm3' ? 'expired' : 'unknown')).map(
      (e) => `${e.kind}: ${e.text}`,
    );
    assert.deepStrictEqual(texts, [
      "expired: consumer-3's session expired: the broker removed it",
      'joined: consumer-4 joined',
      'generation: generation 4: 3 members',
      'moved: partition 2: consumer-3 \u2192 consumer-4',
    ]);
    const left = generationEntries(g3, g4, 10, () => 'left').map((e) => e.text);
    assert.strictEqual(left[0], 'consumer-3 left (LeaveGroup)');
  });

  it('records a generation once, keeps its moves, and holds at most `limit` entries', () => {
    const t = new GroupTimeline(5);
    assert.ok(t.reached(g3, 1, () => 'unknown'));
    assert.ok(!t.reached(g3, 2, () => 'unknown'), 'the same generation again adds nothing');
    assert.ok(t.reached(g4, 3, () => 'left'));
    assert.deepStrictEqual(t.lastMoves, [{ partition: 2, from: 'consumer-3', to: 'consumer-4' }]);
    const e = t.entries();
    assert.strictEqual(e.length, 5);
    assert.strictEqual(e.at(-1)!.text, 'partition 2: consumer-3 \u2192 consumer-4');
  });
});
