import * as assert from 'assert';
import { formatZonedTime, parseTypedTime, utcOffsetLabel } from '../../../src/shared/record-time';

describe('record times as a person reads and types them', () => {
  const t = Date.UTC(2026, 11, 1, 12, 5, 9, 120);

  it('shows the time in the given zone with its offset from UTC', () => {
    assert.strictEqual(formatZonedTime(t, 0), '2026-12-01 12:05:09.120 UTC');
    assert.strictEqual(formatZonedTime(t, 60), '2026-12-01 13:05:09.120 UTC+01:00');
    assert.strictEqual(formatZonedTime(t, -210), '2026-12-01 08:35:09.120 UTC-03:30');
    assert.strictEqual(formatZonedTime(-1, 0), '–');
    assert.strictEqual(utcOffsetLabel(330), 'UTC+05:30');
  });

  it('reads local time in the given zone, ISO with a zone exactly, and milliseconds as they are', () => {
    const plusOne = () => 60;
    assert.strictEqual(parseTypedTime('2026-12-01 13:05:09.12', plusOne), t);
    assert.strictEqual(parseTypedTime('2026-12-01 13:05', plusOne), Date.UTC(2026, 11, 1, 12, 5));
    assert.strictEqual(parseTypedTime('2026-12-01T12:05:09.120Z', plusOne), t);
    assert.strictEqual(parseTypedTime('2026-12-01T14:05:09.120+02:00', plusOne), t);
    assert.strictEqual(parseTypedTime(String(t)), t);
  });

  it('a shown time typed back finds the same instant', () => {
    const shown = formatZonedTime(t, 60).replace(/ UTC.*$/, '');
    assert.strictEqual(
      parseTypedTime(shown, () => 60),
      t,
    );
  });

  it('refuses what is not a time', () => {
    for (const bad of ['yesterday', '2026-02-30 10:00', '2026-12-01 25:00', '12:05', '']) {
      assert.strictEqual(
        parseTypedTime(bad, () => 0),
        undefined,
        bad,
      );
    }
  });
});
