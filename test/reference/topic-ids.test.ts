/**
 * Reference tier, topic ids and the 4.x describe APIs: Metadata v12 by id, DeleteTopics v6 by id (and by a name
 * and an id together), Fetch v13 and
 * Produce v13 with an unknown id, DescribeTopicPartitions paging and its bad cursor answer the same on Apache
 * Kafka and on Kafka Lite. Ids themselves differ between the two brokers (each makes its own), so a scenario
 * answers how an id relates to the ones it knows (the topic's own, zero, another) instead of the id.
 */
import { API } from './wire';
import type { Msg, WireClient } from './wire';
import { batch, createTopics, scenario, sleep, topic, waitLeaders } from './harness';

const ZERO = Buffer.alloc(16);
const GHOST = Buffer.from('5c6d7e8f9a0b4c1d8e2f3a4b5c6d7e8f', 'hex');

/** The id Metadata v12 answers for a topic named by name. */
async function idOf(c: WireClient, name: string): Promise<Buffer> {
  const m = await c.request(API.Metadata, 12, {
    topics: [{ topicId: ZERO, name }],
    allowAutoTopicCreation: false,
    includeTopicAuthorizedOperations: false,
  });
  return m.topics[0].topicId as Buffer;
}

/** What an answered id is, relative to the ones the scenario knows. */
function which(id: Buffer, known: Record<string, Buffer>): string {
  if (id.equals(ZERO)) return 'zero';
  for (const [label, k] of Object.entries(known)) if (id.equals(k)) return label;
  return 'another';
}

describe('reference: topic ids, DescribeTopicPartitions', () => {
  scenario('Metadata v12: a topic looked up by its id, and an id no topic has', async ({ c, name }) => {
    const t = await topic(c, name('topic'), 2);
    const id = await idOf(c, t);
    const m = await c.request(API.Metadata, 12, {
      topics: [
        { topicId: id, name: null },
        { topicId: GHOST, name: null },
      ],
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    });
    return m.topics.map((x: Msg) => ({
      errorCode: x.errorCode,
      isOurTopic: x.name === t,
      name: x.name === t ? 'the topic' : x.name,
      id: which(x.topicId, { own: id, ghost: GHOST }),
      partitions: x.partitions.length,
    }));
  });

  scenario(
    'CreateTopics v7 answers the new id; DeleteTopics v6 by an unknown id, by a name and an id, by id',
    async ({ c, name }) => {
      const t = name('topic');
      const created = await c.request(API.CreateTopics, 7, {
        topics: [{ name: t, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
        timeoutMs: 30000,
        validateOnly: false,
      });
      const id = created.topics[0].topicId as Buffer;
      const answer = async (topics: { name: string | null; topicId: Buffer }[]) => {
        const r = await c.request(API.DeleteTopics, 6, { topics, timeoutMs: 30000 });
        return r.responses.map((x: Msg) => ({
          name: x.name === t ? 'the topic' : x.name,
          id: which(x.topicId, { own: id, ghost: GHOST }),
          errorCode: x.errorCode,
        }));
      };
      await waitLeaders(c, t, 1); // Kafka's metadata learns of the topic a moment after CreateTopics answers
      const createdId = which(id, { metadata: await idOf(c, t) });
      const ghost = await answer([{ name: null, topicId: GHOST }]);
      const both = await answer([{ name: t, topicId: id }]);
      // Kafka deletes asynchronously: give its controller a moment before the next request
      await sleep(200);
      const byId = await answer([{ name: null, topicId: id }]);
      return { createdId, ghost, both, byId };
    },
  );

  scenario('Fetch v13 and Produce v13 naming an id no topic has answer UNKNOWN_TOPIC_ID', async ({ c, name }) => {
    await topic(c, name('topic'));
    const f = await c.request(API.Fetch, 13, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        {
          topicId: GHOST,
          partitions: [
            { partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, logStartOffset: -1, partitionMaxBytes: 1 << 20 },
          ],
        },
      ],
      forgottenTopicsData: [],
      rackId: '',
    });
    const p = await c.request(API.Produce, 13, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 30000,
      topicData: [{ topicId: GHOST, partitionData: [{ index: 0, records: batch(['v']) }] }],
    });
    const fp = f.responses[0].partitions[0];
    const pp = p.responses[0].partitionResponses[0];
    return {
      fetch: { id: which(f.responses[0].topicId, { ghost: GHOST }), partition: { ...fp, records: fp.records?.length } },
      produce: { id: which(p.responses[0].topicId, { ghost: GHOST }), errorCode: pp.errorCode, base: pp.baseOffset },
    };
  });

  scenario(
    'DescribeTopicPartitions: pages of 2 partitions follow the cursor; a cursor outside the list fails',
    async ({ c, name }) => {
      const a = await topic(c, name('a'), 3);
      const b = await topic(c, name('b'), 1);
      const ids = { a: await idOf(c, a), b: await idOf(c, b) };
      const label = (n: string) => (n === a ? 'a' : n === b ? 'b' : n);
      const describe = async (cursor: Msg | null, topics = [a, b]) => {
        const r = await c.request(API.DescribeTopicPartitions, 0, {
          topics: topics.map((n) => ({ name: n })),
          responsePartitionLimit: 2,
          cursor,
        });
        return {
          topics: r.topics.map((t: Msg) => ({
            name: label(t.name),
            errorCode: t.errorCode,
            id: which(t.topicId, ids),
            partitions: t.partitions.map((p: Msg) => [p.partitionIndex, p.errorCode, p.replicaNodes.length]),
          })),
          next: r.nextCursor && { topic: label(r.nextCursor.topicName), partition: r.nextCursor.partitionIndex },
          cursor: r.nextCursor,
        };
      };
      const pages = [];
      let cursor: Msg | null = null;
      for (let i = 0; i < 4; i++) {
        const page = await describe(cursor);
        pages.push({ topics: page.topics, next: page.next });
        cursor = page.cursor;
        if (!cursor) break;
      }
      const bad = await describe({ topicName: name('elsewhere'), partitionIndex: 0 }, [a]);
      return { pages, bad: bad.topics };
    },
  );

  scenario('CreateTopics v7 validate-only answers a fresh id (not the zero id)', async ({ c, name }) => {
    const r = await createTopics(c, [{ name: name('topic') }], { validateOnly: true });
    const v7 = await c.request(API.CreateTopics, 7, {
      topics: [{ name: name('topic'), numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 30000,
      validateOnly: true,
    });
    return {
      v4: r.topics[0].errorCode,
      v7: { errorCode: v7.topics[0].errorCode, id: which(v7.topics[0].topicId, {}) },
    };
  });
});
