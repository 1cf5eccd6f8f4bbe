/**
 * Topic ids (Kafka's KIP-516): every topic has a random 128-bit id, generated when it is created (or adopted)
 * and persisted with its metadata, so a topic deleted and created again under the same name has a new id and a
 * client holding the old one learns the topic is gone (UNKNOWN_TOPIC_ID) instead of reading the new one.
 *
 * In memory and on disk an id is the canonical lowercase UUID text (`8-4-4-4-12` hex); on the wire it is the 16
 * bytes of the uuid type. Kafka's tools print ids in URL-safe base64 without padding (22 characters): `topicIdText`.
 * As in Kafka, a new id is never the all-zero id (the wire's "no id") and its base64 text never starts with "-"
 * (it would read as a command-line option).
 */
import { randomUUID } from 'crypto';

export const ZERO_TOPIC_ID = '00000000-0000-0000-0000-000000000000';

const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** True for a well-formed, non-zero topic id in its canonical text form. */
export function isTopicId(v: unknown): v is string {
  return typeof v === 'string' && UUID_TEXT.test(v) && v !== ZERO_TOPIC_ID;
}

/** A fresh random topic id. */
export function newTopicId(random: () => string = randomUUID): string {
  for (;;) {
    const id = random().toLowerCase();
    if (isTopicId(id) && !topicIdText(id).startsWith('-')) return id;
  }
}

/** The 16 wire bytes of an id. */
export function topicIdToBytes(id: string): Buffer {
  return Buffer.from(id.replace(/-/g, ''), 'hex');
}

/** The canonical text of 16 wire bytes (all zeros: ZERO_TOPIC_ID). */
export function topicIdFromBytes(b: Buffer): string {
  const h = b.toString('hex', 0, 16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** The id as Kafka prints it (kafka-topics.sh "TopicId:"): URL-safe base64 of the 16 bytes, unpadded. */
export function topicIdText(id: string): string {
  return topicIdToBytes(id).toString('base64url');
}
