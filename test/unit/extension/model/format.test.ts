import * as assert from 'assert';
import { formatAge, formatBytes, formatCount, formatOffsetRange } from '../../../../src/extension/model/format';
import { topicNameProblem } from '../../../../src/shared/topic-name';

describe('sidebar formatting', () => {
  it('offsets get thousands separators and ranges are half-open', () => {
    assert.strictEqual(formatCount(1234567), '1,234,567');
    assert.strictEqual(formatOffsetRange(0, 1500), '[0 … 1,500)');
  });

  it('sizes use binary units', () => {
    assert.strictEqual(formatBytes(0), '0 B');
    assert.strictEqual(formatBytes(1023), '1023 B');
    assert.strictEqual(formatBytes(1536), '1.5 KiB');
    assert.strictEqual(formatBytes(5 * 1024 * 1024), '5.0 MiB');
    assert.strictEqual(formatBytes(300 * 1024 * 1024 * 1024), '300 GiB');
  });

  it('ages are relative to now and an empty partition says so', () => {
    const now = 1_000_000_000;
    assert.strictEqual(formatAge(-1, now), 'no records');
    assert.strictEqual(formatAge(now - 2000, now), 'just now');
    assert.strictEqual(formatAge(now - 42_000, now), '42 s ago');
    assert.strictEqual(formatAge(now - 5 * 60_000, now), '5 min ago');
    assert.strictEqual(formatAge(now - 3 * 3600_000, now), '3 h ago');
    assert.strictEqual(formatAge(now - 3 * 86400_000, now), '3 d ago');
  });
});

describe('topic name validation (as you type)', () => {
  it('accepts Kafka-legal names', () => {
    for (const n of ['orders', 'a.b_c-d', 'X'.repeat(249), '..a'])
      assert.strictEqual(topicNameProblem(n), undefined, n);
  });
  it('names the broken rule', () => {
    assert.match(topicNameProblem('') ?? '', /empty/);
    assert.match(topicNameProblem('.') ?? '', /cannot be named "\."/);
    assert.match(topicNameProblem('..') ?? '', /cannot be named "\.\."/);
    assert.match(topicNameProblem('x'.repeat(250)) ?? '', /at most 249 .*250/);
    assert.match(topicNameProblem('my topic') ?? '', /contains a space/);
    assert.match(topicNameProblem('a/b') ?? '', /contains "\/"/);
  });
});

describe('the input box rule and the engine rule agree', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const engine = require('../../../../src/broker/storage/configs') as { assertValidTopicName(n: unknown): void };
  const names = [
    'orders',
    'a',
    '.',
    '..',
    '...',
    '.hidden',
    'a b',
    'ä',
    'x/y',
    'x:y',
    'x'.repeat(249),
    'x'.repeat(250),
    '',
    'A-Z_0.9',
    'tab\t',
    'emoji😀',
  ];
  for (const name of names) {
    it(`"${name.length > 20 ? `${name.slice(0, 8)}…(${name.length})` : name}"`, () => {
      let engineOk = true;
      try {
        engine.assertValidTopicName(name);
      } catch {
        engineOk = false;
      }
      assert.strictEqual(topicNameProblem(name) === undefined, engineOk);
    });
  }
});
