/**
 * Topic metadata persisted in a nedb-promises datastore, `<dataDir>/meta/topics.db`: one document per topic
 * {_id: name, name, partitions, configs: [[name, value], ...] (overrides only; nedb field names cannot contain
 * dots, Kafka's config names do), createdAt}. Everything is also held in memory, so
 * reads are synchronous; writes resolve once nedb has appended them to its file.
 *
 * Callers: log-manager.ts only.
 */
import * as path from 'path';
import Datastore from 'nedb-promises';
import type { TopicConfigs, TopicInfo } from '../types';

interface TopicDoc {
  _id: string;
  name: string;
  partitions: number;
  configs: [string, string][];
  createdAt: number;
}

export class TopicStore {
  private constructor(private readonly db: Datastore<TopicDoc>) {}

  static async open(metaDir: string): Promise<{ store: TopicStore; topics: TopicInfo[] }> {
    const db = Datastore.create({ filename: path.join(metaDir, 'topics.db'), autoload: false }) as Datastore<TopicDoc>;
    await db.load();
    const docs = await db.find({});
    const topics = docs.map((d) => ({
      name: d.name,
      partitions: d.partitions,
      configs: Object.fromEntries(d.configs ?? []) as TopicConfigs,
      createdAt: d.createdAt,
    }));
    return { store: new TopicStore(db), topics };
  }

  async put(t: TopicInfo): Promise<void> {
    await this.db.update(
      { _id: t.name },
      {
        _id: t.name,
        name: t.name,
        partitions: t.partitions,
        configs: Object.entries(t.configs),
        createdAt: t.createdAt,
      },
      { upsert: true },
    );
  }

  async remove(name: string): Promise<void> {
    await this.db.remove({ _id: name }, { multi: false });
  }
}
