// Metadata (key 3) v10-11 carry a topic id field that only v12+ reads: a v10 or v11 request naming a topic with
// any id bytes is answered by the name.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Broker } from '../../../../src/broker/broker';
import { metadata } from '../../../../src/protocol/apis/03-metadata';
import { ctxOf } from './mutants-helpers';

describe('Metadata v10-11 topic ids are not read', () => {
  let dir: string;
  let broker: Broker;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-meta-mutants-'));
    broker = await Broker.open({ dataDir: dir, logger: () => undefined });
    await broker.createTopic('orders', 2);
  });
  afterEach(async () => {
    await broker.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const version of [10, 11]) {
    it(`v${version}: a named topic with non-zero id bytes is answered by its name`, async () => {
      const resp = (await metadata.handle(ctxOf(broker, version), {
        topics: [{ topicId: Buffer.alloc(16, 7), name: 'orders' }],
        allowAutoTopicCreation: false,
        includeClusterAuthorizedOperations: false,
        includeTopicAuthorizedOperations: false,
      })) as { topics: { errorCode: number; name: string | null; partitions: unknown[] }[] };
      assert.deepStrictEqual(
        resp.topics.map((t) => [t.errorCode, t.name, t.partitions.length]),
        [[0, 'orders', 2]],
      );
    });
  }
});
