/**
 * topics.db line by line (docs/LOG_FORMAT.md, "Topic metadata"): which lines are damaged and how each is
 * reported (line number, problem, topic name when readable), what a damaged line still gives its adopted topic
 * (id, partition count, configs), nedb's own bookkeeping lines and deletions read quietly, and topic ids kept
 * unique (the older topic by createdAt keeps a shared id). Also the read-only check verify uses.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { isTopicId } from '../../../../src/broker/topic-id';
import { checkTopicsFile } from '../../../../src/broker/storage/topic-store';
import { append, batchOf } from './helpers';
import { dbFile, dbLines, harnesses, partitionDir, topicLine, values, warnings, writeDb } from './topic-helpers';

const { fresh, cleanup } = harnesses();

const ID1 = '11111111-1111-4111-8111-111111111111';
const ID2 = '22222222-2222-4222-8222-222222222222';
const ID3 = '33333333-3333-4333-8333-333333333333';
const ZERO_ID = '00000000-0000-0000-0000-000000000000';

describe('storage: topics.db lines', () => {
  afterEach(cleanup);

  it('every malformed line is reported with its line number, its problem and its topic when readable; well-formed lines, index bookkeeping and deletions load quietly', async () => {
    const h = fresh();
    const lines = [
      topicLine('good', { topicId: ID1, configs: [['retention.ms', '5000']] }),
      'null',
      '42',
      '[1,2]',
      '{"name":"noid","partitions":1}',
      JSON.stringify({ _id: 'a', name: 'b', partitions: 1, configs: [], createdAt: 1 }),
      topicLine('zero', { partitions: 0 }),
      topicLine('half', { partitions: 1.5 }),
      topicLine('text', { partitions: '2' }),
      topicLine('cfgtext', { configs: 'retention.ms=1' }),
      topicLine('cfgflat', { configs: ['retention.ms', '1'] }),
      topicLine('cfgshort', { configs: [['retention.ms']] }),
      topicLine('cfgnum', { configs: [['retention.ms', 1000]] }),
      topicLine('cfglong', { configs: [['retention.ms', '1', '2']] }),
      topicLine('badid', { topicId: 'not-a-uuid' }),
      '{"$$indexCreated":{"fieldName":"createdAt","unique":false,"sparse":false}}',
      '{"$$indexRemoved":"createdAt"}',
      topicLine('gone', { topicId: ID2 }),
      '{"$$deleted":true,"_id":"gone"}',
      // written before configs were stored: no configs field at all
      JSON.stringify({ _id: 'old', name: 'old', topicId: ID3, partitions: 2, createdAt: 1700000000000 }),
      '{"_id":"mid","name":"mid","partitions":1,"configs":[],"createdAt":x}',
      '{"_id":"###","partitions":1,"configs":[]', // no name that can be read, not JSON
    ];
    fs.mkdirSync(path.dirname(dbFile(h)), { recursive: true });
    fs.writeFileSync(dbFile(h), lines.join('\n') + '\n' + '{"_id":"torn","name":"torn","parti');
    const original = fs.readFileSync(dbFile(h));

    // verify's read-only check
    const check = checkTopicsFile(dbFile(h));
    assert.deepStrictEqual(check.damaged, [
      'line 2: not a JSON object',
      'line 3: not a JSON object',
      'line 4: not a JSON object',
      'line 5: no _id (topic "noid")',
      'line 6: name and _id differ (topic "a")',
      'line 7: partitions is not a positive integer (topic "zero")',
      'line 8: partitions is not a positive integer (topic "half")',
      'line 9: partitions is not a positive integer (topic "text")',
      'line 10: configs is not a list of [name, value] (topic "cfgtext")',
      'line 11: configs is not a list of [name, value] (topic "cfgflat")',
      'line 12: configs is not a list of [name, value] (topic "cfgshort")',
      'line 13: configs is not a list of [name, value] (topic "cfgnum")',
      'line 14: configs is not a list of [name, value] (topic "cfglong")',
      'line 15: topicId is not a UUID (topic "badid")',
      'line 21: not JSON (topic "mid")',
      'line 22: not JSON',
      'line 23: not JSON (topic "torn")',
    ]);
    assert.deepStrictEqual(
      [...check.topics],
      [
        ['good', 1],
        ['old', 2],
      ],
    );
    assert.deepStrictEqual(fs.readFileSync(dbFile(h)), original, 'the check changes nothing');

    const m = await h.open();
    const file = dbFile(h);
    const damaged = (n: number, problem: string, topic?: string) =>
      `warn: topic metadata ${file} line ${n} is damaged (${problem}): ${
        topic ? `the metadata of topic "${topic}" cannot be read from it` : 'no topic name can be read from it'
      }`;
    const got = warnings(h);
    const copy = /the damaged file is kept as (.*)$/.exec(got[got.length - 1])?.[1];
    assert.deepStrictEqual(got, [
      damaged(2, 'not a JSON object'),
      damaged(3, 'not a JSON object'),
      damaged(4, 'not a JSON object'),
      damaged(5, 'no _id', 'noid'),
      damaged(6, 'name and _id differ', 'a'),
      damaged(7, 'partitions is not a positive integer', 'zero'),
      damaged(8, 'partitions is not a positive integer', 'half'),
      damaged(9, 'partitions is not a positive integer', 'text'),
      damaged(10, 'configs is not a list of [name, value]', 'cfgtext'),
      damaged(11, 'configs is not a list of [name, value]', 'cfgflat'),
      damaged(12, 'configs is not a list of [name, value]', 'cfgshort'),
      damaged(13, 'configs is not a list of [name, value]', 'cfgnum'),
      damaged(14, 'configs is not a list of [name, value]', 'cfglong'),
      damaged(15, 'topicId is not a UUID', 'badid'),
      damaged(21, 'not JSON', 'mid'),
      damaged(22, 'not JSON'),
      damaged(23, 'torn (no newline, not JSON)', 'torn'),
      `warn: topic metadata ${file}: 17 damaged line(s); the damaged file is kept as ${copy}`,
    ]);
    assert.strictEqual(path.dirname(copy!), path.dirname(file));
    assert.deepStrictEqual(fs.readFileSync(copy!), original);
    // No directories exist for the damaged lines' topics, so nothing is adopted.
    assert.deepStrictEqual(
      m.listTopics().map((t) => [t.name, t.topicId, t.partitions, t.configs]),
      [
        ['good', ID1, 1, { 'retention.ms': '5000' }],
        ['old', ID3, 2, {}],
      ],
    );
    await m.close();
  });

  it('a damaged line gives its adopted topic the id, partition count and configs still readable on it', async () => {
    const h = fresh();
    let m = await h.open();
    const wide = await m.createTopic('wide', 12, { 'retention.ms': '5000', 'segment.ms': '60000' });
    const plain = await m.createTopic('plain', 1);
    append(m, 'wide', 0, batchOf(2, 'w', 1));
    await m.close();
    // Only the partition with records keeps a directory; its metadata line loses one byte of JSON.
    for (let p = 1; p < 12; p++) fs.rmSync(partitionDir(h, 'wide', p), { recursive: true });
    writeDb(
      h,
      dbLines(h).map((l) => (l.includes('"_id":"wide"') ? l.replace('"createdAt":', '"createdAt":x') : l)),
    );
    m = await h.open();
    assert.deepStrictEqual(m.getTopic('wide'), {
      name: 'wide',
      topicId: wide.topicId,
      partitions: 12,
      configs: { 'retention.ms': '5000', 'segment.ms': '60000' },
      createdAt: h.clock.now(),
    });
    assert.strictEqual(m.getTopic('plain')!.topicId, plain.topicId);
    assert.deepStrictEqual(values(m, 'wide', 0), ['w-0', 'w-1']);
    assert.strictEqual(m.partitionInfo('wide', 11).logEndOffset, 0);
    assert.ok(
      warnings(h).includes(
        'warn: topic "wide" has directories but no readable metadata: adopted with 12 partition(s) and the configs read off its damaged metadata (2 override(s))',
      ),
      warnings(h).join('\n'),
    );
    await m.close();
  });

  it('an adopted topic whose salvaged configs no longer validate gets the defaults, and the warning says why', async () => {
    const h = fresh();
    let m = await h.open();
    await m.createTopic('odd', 1, { 'retention.ms': '5000' });
    append(m, 'odd', 0, batchOf(1, 'o', 1));
    await m.close();
    writeDb(
      h,
      dbLines(h).map((l) =>
        l.includes('"_id":"odd"') ? l.replace('"5000"', '"soon"').replace('"createdAt":', '"createdAt":x') : l,
      ),
    );
    m = await h.open();
    assert.deepStrictEqual(m.getTopic('odd')!.configs, {});
    assert.deepStrictEqual(values(m, 'odd', 0), ['o-0']);
    const warning = warnings(h).find((w) => w.includes('"odd" has directories'));
    assert.match(
      warning ?? warnings(h).join('\n'),
      /^warn: topic "odd" has directories but no readable metadata: adopted with 1 partition\(s\) and default configs: the 1 override\(s\) read off its damaged metadata are not valid \(invalid value for topic config retention\.ms.*\)$/,
    );
    await m.close();
  });

  it('an adopted topic never gets an id another topic has, nor one that is not a UUID', async () => {
    const h = fresh();
    let m = await h.open();
    const a = await m.createTopic('a', 1);
    await m.createTopic('b', 1);
    await m.createTopic('c', 1);
    await m.close();
    writeDb(
      h,
      dbLines(h).map((l) => {
        const d = JSON.parse(l) as { _id: string; topicId: string };
        if (d._id === 'b') return l.replace(d.topicId, a.topicId).replace('"createdAt":', '"createdAt":x'); // a's id, not JSON
        if (d._id === 'c') return l.replace(d.topicId, ZERO_ID); // JSON, but the zero id is never a topic id
        return l;
      }),
    );
    m = await h.open();
    assert.strictEqual(m.getTopic('a')!.topicId, a.topicId);
    const ids = m.listTopics().map((t) => t.topicId);
    assert.strictEqual(new Set(ids).size, 3, ids.join(' '));
    for (const id of ids) assert.ok(isTopicId(id), id);
    await m.close();
    m = await h.open();
    assert.deepStrictEqual(
      m.listTopics().map((t) => t.topicId),
      ids,
    );
    await m.close();
  });

  it('two topics with the same id: the older by createdAt keeps it (the name decides a tie), the other gets a new one for good', async () => {
    const h = fresh();
    writeDb(h, [
      topicLine('zeta', { topicId: ID1, createdAt: 1000 }),
      topicLine('alpha', { topicId: ID1, createdAt: 2000 }),
      topicLine('tie-b', { topicId: ID2, createdAt: 3000 }),
      topicLine('tie-a', { topicId: ID2, createdAt: 3000 }),
    ]);
    let m = await h.open();
    const ids = new Map(m.listTopics().map((t) => [t.name, t.topicId]));
    assert.strictEqual(ids.get('zeta'), ID1);
    assert.strictEqual(ids.get('tie-a'), ID2);
    assert.ok(isTopicId(ids.get('alpha')) && ![ID1, ID2].includes(ids.get('alpha')!));
    assert.ok(isTopicId(ids.get('tie-b')) && ![ID1, ID2, ids.get('alpha')].includes(ids.get('tie-b')!));
    assert.deepStrictEqual(
      h.logs.filter((l) => l.includes('already another')),
      [
        `info: topic "alpha": its id ${ID1} is already another topic's; it now has topic id ${ids.get('alpha')}`,
        `info: topic "tie-b": its id ${ID2} is already another topic's; it now has topic id ${ids.get('tie-b')}`,
      ],
    );
    await m.close();
    h.logs.length = 0;
    m = await h.open();
    assert.deepStrictEqual(new Map(m.listTopics().map((t) => [t.name, t.topicId])), ids);
    assert.deepStrictEqual(
      h.logs.filter((l) => l.includes('topic id')),
      [],
    );
    await m.close();
  });

  it('a damaged line whose configs hold escaped quotes and brackets is read to its end: the broker opens and the topic gets the defaults', async () => {
    const h = fresh();
    let m = await h.open();
    await m.createTopic('esc', 1);
    await m.close();
    writeDb(h, ['{"_id":"esc","name":"esc","partitions":1,"configs":[["retention.ms","5\\"]\\\\"]],"createdAt":x}']);
    m = await h.open();
    assert.deepStrictEqual(m.getTopic('esc')!.configs, {});
    assert.strictEqual(m.getTopic('esc')!.partitions, 1);
    await m.close();
  });

  it('a missing topics.db has no topics and no damage; one that cannot be read is an error (for verify and for the open), not an empty file', async () => {
    const h = fresh();
    assert.deepStrictEqual(checkTopicsFile(dbFile(h)), { damaged: [], topics: new Map() });
    fs.mkdirSync(dbFile(h), { recursive: true });
    assert.throws(() => checkTopicsFile(dbFile(h)), /EISDIR/);
    await assert.rejects(h.open(), /EISDIR/);
  });
});
