import * as assert from 'assert';
import { crc32c, crc32cUpdate } from '../../../../src/broker/storage/crc32c';
import { prng, referenceCrc32c } from './helpers';

describe('storage: CRC-32C on long inputs', () => {
  const rand = prng(11);
  const data = Buffer.from(Array.from({ length: 400_000 }, () => Math.floor(rand() * 256)));

  it('gives the reference CRC for long inputs at every alignment, long enough for the word-at-a-time loop', () => {
    for (const len of [255, 256, 257, 1000, 4099, 65_536, 114_688, 114_689, 250_001]) {
      for (const start of [0, 1, 2, 3, 21]) {
        const piece = data.subarray(start, start + len);
        const expected = referenceCrc32c(piece);
        assert.strictEqual(crc32c(data, start, start + len), expected, `length ${len} at ${start}`);
      }
    }
  });

  it('continues a CRC across pieces cut anywhere, including mid-word', () => {
    const whole = crc32c(data);
    for (const cut of [1, 255, 256, 100_000, 300_000]) {
      assert.strictEqual(crc32cUpdate(crc32c(data, 0, cut), data, cut), whole, `cut at ${cut}`);
    }
  });

  it('changes when one bit of a long input flips', () => {
    const copy = Buffer.from(data.subarray(0, 200_000));
    const before = crc32c(copy);
    copy[123_456] ^= 0x10;
    assert.notStrictEqual(crc32c(copy), before);
    assert.strictEqual(crc32c(copy), referenceCrc32c(copy));
  });
});
