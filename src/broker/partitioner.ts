/**
 * Kafka's default partitioner: an explicit partition wins; otherwise murmur2 of the key, made positive, modulo
 * the partition count (the partition the Java client and kafkajs's default partitioner pick for that key);
 * keyless records spread across partitions (round-robin through the caller's counter).
 *
 * murmur2 is the 32-bit MurmurHash2 variant Kafka's Utils.murmur2 implements (seed 0x9747b28c, 4-byte
 * little-endian blocks). Callers: broker.ts (Broker.produce), the in-process producer.
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Kafka's murmur2 over the key bytes, as a signed 32-bit integer (as Java returns it). */
export function murmur2(buf: Uint8Array): number {
  const length = buf.length;
  let h = SEED ^ length;
  const blocks = length & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = length & 3;
  if (tail === 3) h ^= buf[blocks + 2] << 16;
  if (tail >= 2) h ^= buf[blocks + 1] << 8;
  if (tail >= 1) {
    h ^= buf[blocks];
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's Utils.toPositive: clears the sign bit (not Math.abs, which differs for negative numbers). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/** The partition for a record: keyed -> toPositive(murmur2(key)) % n; keyless -> the next round-robin slot. */
export function choosePartition(
  key: Buffer | string | null,
  numPartitions: number,
  nextRoundRobin: () => number,
): number {
  if (!Number.isInteger(numPartitions) || numPartitions < 1)
    throw new RangeError(`cannot choose among ${numPartitions} partitions`);
  if (key === null || key === undefined) return toPositive(nextRoundRobin()) % numPartitions;
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  return toPositive(murmur2(bytes)) % numPartitions;
}
