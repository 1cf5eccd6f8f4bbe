/**
 * The compression codecs of record batch v2, beside the batch format (record-batch.ts) that names them in its
 * attributes (bits 0-2): the codec ids Kafka assigns, their names, and the one decompressor and compressor the
 * engine uses for a batch's records section. Everything a client may send is read (gzip, snappy in xerial framing
 * or as a raw block, lz4 frames, zstd); the engine's own encoder writes none and gzip only.
 *
 * Guarantees: decompressRecords(codec, compressRecords(codec, x)) is x for every codec compressRecords accepts; an
 * unknown codec id is a KafkaError UNSUPPORTED_COMPRESSION_TYPE naming it; damaged compressed bytes throw the
 * codec's own error (record-batch.ts turns it into CORRUPT_MESSAGE for the batch).
 *
 * Callers: record-batch.ts only.
 */
import * as zlib from 'zlib';
import { decompress as zstdDecompress } from 'fzstd';
import { ErrorCode, KafkaError } from '../errors';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const snappy = require('snappyjs') as { uncompress(b: Uint8Array): Uint8Array; compress(b: Uint8Array): Uint8Array };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const lz4 = require('lz4js') as { decompress(b: Uint8Array): Uint8Array; compress(b: Uint8Array): Uint8Array };

/** Kafka's codec ids, as stored in bits 0-2 of a batch's attributes. */
export const CompressionCodec = { NONE: 0, GZIP: 1, SNAPPY: 2, LZ4: 3, ZSTD: 4 } as const;

/** The codec's name by id (Kafka's compression.type values). */
export const COMPRESSION_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);

/** Snappy as Kafka clients send it: xerial framing (Java, librdkafka) or a raw snappy block. */
export function snappyDecompress(data: Buffer): Buffer {
  if (data.length >= 16 && data.subarray(0, 8).equals(XERIAL_MAGIC)) {
    const parts: Buffer[] = [];
    let p = 16; // magic (8) + version (4) + compatible version (4)
    while (p < data.length) {
      if (p + 4 > data.length) throw new RangeError('xerial snappy block length runs past the end');
      const len = data.readInt32BE(p);
      p += 4;
      if (len < 0 || p + len > data.length)
        throw new RangeError(`xerial snappy block of ${len} bytes runs past the end`);
      parts.push(Buffer.from(snappy.uncompress(data.subarray(p, p + len))));
      p += len;
    }
    return Buffer.concat(parts);
  }
  return Buffer.from(snappy.uncompress(data));
}

/** The records section of a batch compressed with `codec`, decompressed. */
export function decompressRecords(codec: number, data: Buffer): Buffer {
  switch (codec) {
    case CompressionCodec.NONE:
      return data;
    case CompressionCodec.GZIP:
      return zlib.gunzipSync(data);
    case CompressionCodec.SNAPPY:
      return snappyDecompress(data);
    case CompressionCodec.LZ4: {
      const out = lz4.decompress(data);
      return Buffer.from(out.buffer, out.byteOffset, out.length);
    }
    case CompressionCodec.ZSTD: {
      const out = zstdDecompress(data);
      return Buffer.from(out.buffer, out.byteOffset, out.length);
    }
    default:
      throw new KafkaError(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `unknown compression codec ${codec}`);
  }
}

/** A records section compressed for a batch the engine writes itself: none or gzip. */
export function compressRecords(codec: 0 | 1, data: Buffer): Buffer {
  return codec === CompressionCodec.GZIP ? zlib.gzipSync(data) : data;
}
