/**
 * Topic metadata persisted in a nedb-promises datastore, `<dataDir>/meta/topics.db`: one document per topic
 * {_id: name, name, topicId, partitions, configs: [[name, value], ...] (overrides only; nedb field names cannot
 * contain dots, Kafka's config names do), createdAt}. Everything is also held in memory, so
 * reads are synchronous; writes resolve once nedb has appended them to its file.
 *
 * Topic ids: a document without one (written before topic ids existed) gets a new id at open, written back at
 * once so it keeps it from then on; so does a second document carrying an id another topic already has.
 *
 * Damage: nedb skips lines it cannot parse (up to 10% of them) without a word and rewrites the file without
 * them on load. So open() reads the file itself first: every line that is not JSON or not a well-formed topic
 * document is reported by topic name (when the name can still be read off the damaged line), the damaged file
 * is copied beside the original (`topics.db.corrupt-<time>`), and what can be salvaged from the damaged lines
 * (partitions, configs) is returned in `damaged` so the log manager can adopt the topic's directories with it.
 * nedb itself is opened without its corruption limit: refusing to start would not bring anything back.
 *
 * Callers: topic-catalog.ts only.
 */
import * as fs from 'fs';
import * as path from 'path';
import Datastore from 'nedb-promises';
import type { Logger } from '../api';
import type { TopicConfigs, TopicInfo } from '../types';
import { isTopicId, newTopicId } from '../topic-id';
import { keepDamagedCopy } from './damaged-file';

interface TopicDoc {
  _id: string;
  name: string;
  /** Absent in documents written before topic ids existed. */
  topicId?: string;
  partitions: number;
  configs: [string, string][];
  createdAt: number;
}

/** What could be read off a damaged line about one topic. */
export interface DamagedTopic {
  name: string;
  topicId?: string;
  partitions?: number;
  configs?: TopicConfigs;
}

function isConfigList(v: unknown): v is [string, string][] {
  return (
    Array.isArray(v) && v.every((e) => Array.isArray(e) && e.length === 2 && e.every((x) => typeof x === 'string'))
  );
}

/** '' when `d` is a topic document this store wrote (or nedb's own bookkeeping), else what is wrong with it. */
function docProblem(d: unknown): string {
  if (!d || typeof d !== 'object' || Array.isArray(d)) return 'not a JSON object';
  const o = d as Record<string, unknown>;
  if ('$$indexCreated' in o || '$$indexRemoved' in o) return '';
  if (typeof o._id !== 'string') return 'no _id';
  if (o.$$deleted === true) return '';
  if (o.name !== o._id) return 'name and _id differ';
  if (!Number.isInteger(o.partitions) || (o.partitions as number) < 1) return 'partitions is not a positive integer';
  if (o.configs !== undefined && !isConfigList(o.configs)) return 'configs is not a list of [name, value]';
  if (o.topicId !== undefined && !isTopicId(o.topicId)) return 'topicId is not a UUID';
  return '';
}

/** The JSON array starting at text[start] ('['), by bracket matching outside strings; undefined when unparseable. */
function arrayAt(text: string, start: number): unknown {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '[') depth++;
    else if (c === ']' && --depth === 0) {
      try {
        return JSON.parse(text.slice(start, i + 1));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** What a damaged line still says about its topic (name, partitions, configs), or undefined without a name. */
function salvage(line: string): DamagedTopic | undefined {
  const name = /"(?:_id|name)":"([a-zA-Z0-9._-]{1,249})"/.exec(line)?.[1];
  if (!name) return undefined;
  const out: DamagedTopic = { name };
  const topicId = /"topicId":"([0-9a-f-]{36})"/.exec(line)?.[1];
  if (isTopicId(topicId)) out.topicId = topicId;
  const partitions = /"partitions":(\d{1,5})[,}]/.exec(line);
  if (partitions && Number(partitions[1]) >= 1) out.partitions = Number(partitions[1]);
  const at = line.indexOf('"configs":[');
  if (at >= 0) {
    const configs = arrayAt(line, at + '"configs":'.length);
    if (isConfigList(configs)) out.configs = Object.fromEntries(configs) as TopicConfigs;
  }
  return out;
}

/** Read-only check of a topics.db file (verify): the damaged lines with their topic names, and the good topics. */
export function checkTopicsFile(file: string): { damaged: string[]; topics: Map<string, number> } {
  const damaged: string[] = [];
  const topics = new Map<string, number>();
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { damaged, topics };
    throw e;
  }
  text.split('\n').forEach((line, i) => {
    if (line === '') return;
    let problem: string;
    let doc: Record<string, unknown> | undefined;
    try {
      doc = JSON.parse(line) as Record<string, unknown>;
      problem = docProblem(doc);
    } catch {
      problem = 'not JSON';
    }
    if (problem) {
      const name = salvage(line)?.name;
      damaged.push(`line ${i + 1}: ${problem}${name ? ` (topic "${name}")` : ''}`);
      return;
    }
    if (doc && typeof doc._id === 'string' && typeof doc.partitions === 'number') topics.set(doc._id, doc.partitions);
    else if (doc && doc.$$deleted === true && typeof doc._id === 'string') topics.delete(doc._id);
  });
  return { damaged, topics };
}

export class TopicStore {
  private constructor(private readonly db: Datastore<TopicDoc>) {}

  static async open(
    metaDir: string,
    logger: Logger = () => undefined,
    now: number = Date.now(),
  ): Promise<{ store: TopicStore; topics: TopicInfo[]; damaged: DamagedTopic[] }> {
    const file = path.join(metaDir, 'topics.db');
    const damaged = TopicStore.checkFile(file, logger, now);
    const db = Datastore.create({ filename: file, autoload: false, corruptAlertThreshold: 1 }) as Datastore<TopicDoc>;
    await db.load();
    const docs = await db.find({});
    const topics: TopicInfo[] = [];
    const store = new TopicStore(db);
    const ids = new Set<string>();
    for (const d of docs.sort((a, b) => a.createdAt - b.createdAt || (a._id < b._id ? -1 : 1))) {
      if (docProblem(d)) continue; // reported by checkFile; the directories are adopted by the log manager
      const info: TopicInfo = {
        name: d.name,
        topicId: d.topicId ?? '',
        partitions: d.partitions,
        configs: Object.fromEntries(d.configs ?? []) as TopicConfigs,
        createdAt: d.createdAt,
      };
      if (!info.topicId || ids.has(info.topicId)) {
        const why = info.topicId ? `its id ${info.topicId} is already another topic's` : 'its metadata has no topic id';
        info.topicId = newTopicId();
        logger('info', `topic "${info.name}": ${why}; it now has topic id ${info.topicId}`);
        await store.put(info);
      }
      ids.add(info.topicId);
      topics.push(info);
    }
    const known = new Set(topics.map((t) => t.name));
    const unknownDamaged = damaged.filter((t) => !known.has(t.name));
    // a salvaged id that a readable topic already has is not kept: the adopted topic gets a new one
    for (const t of unknownDamaged) if (t.topicId && ids.has(t.topicId)) delete t.topicId;
    return { store, topics, damaged: unknownDamaged };
  }

  /**
   * Read topics.db line by line as nedb will; report every damaged line (by topic name when readable), keep a
   * copy of a damaged file, and return what the damaged lines say about their topics (the last say wins).
   */
  private static checkFile(file: string, logger: Logger, now: number): DamagedTopic[] {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const found = new Map<string, DamagedTopic>();
    let bad = 0;
    const lines = text.split('\n');
    lines.forEach((line, i) => {
      if (line === '') return;
      let problem: string;
      try {
        problem = docProblem(JSON.parse(line));
      } catch {
        problem = i === lines.length - 1 ? 'torn (no newline, not JSON)' : 'not JSON';
      }
      if (!problem) return;
      bad++;
      const s = salvage(line);
      if (s) found.set(s.name, { ...found.get(s.name), ...s });
      logger(
        'warn',
        `topic metadata ${file} line ${i + 1} is damaged (${problem}): ${s ? `the metadata of topic "${s.name}" cannot be read from it` : 'no topic name can be read from it'}`,
      );
    });
    if (bad > 0) {
      const copy = keepDamagedCopy(file, now);
      logger('warn', `topic metadata ${file}: ${bad} damaged line(s); the damaged file is kept as ${copy}`);
    }
    return [...found.values()];
  }

  async put(t: TopicInfo): Promise<void> {
    await this.db.update(
      { _id: t.name },
      {
        _id: t.name,
        name: t.name,
        topicId: t.topicId,
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
