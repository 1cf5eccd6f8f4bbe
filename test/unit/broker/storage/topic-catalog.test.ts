/**
 * The topic catalog as users rely on it: topics created, deleted and created again, partitions added and configs
 * altered all come back exactly after a restart (same ids, no warnings); invalid counts and configs are refused
 * with an error naming the problem and nothing stored changes; a failed creation or partition addition leaves
 * nothing behind; partition directories are adopted by the documented rules (docs/LOG_FORMAT.md, topic
 * metadata rule 3) and nothing else in `topics/` is; partitions left for later at a clean open are opened on use.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { FakeClock } from '../../../../src/broker/clock';
import { FileCache } from '../../../../src/broker/storage/file-cache';
import { realIo } from '../../../../src/broker/storage/segment';
import { TopicCatalog } from '../../../../src/broker/storage/topic-catalog';
import type { Harness } from './helpers';
import { append, batchOf } from './helpers';
import { dbFile, ErrorCode, harnesses, isKafkaError, partitionDir, values, warnings, writeDb } from './topic-helpers';

const { fresh, cleanup } = harnesses();
const topicDirs = (h: Harness) => fs.readdirSync(path.join(h.dir, 'topics')).sort();

describe('storage: topic catalog', () => {
  afterEach(cleanup);

  it('topics created, deleted, created again under the same name, given partitions and configs come back exactly after restarts, with the same ids and no warnings', async () => {
    const h = fresh();
    let m = await h.open();
    const alpha = await m.createTopic('alpha', 1);
    const beta = await m.createTopic('beta', 2, { 'retention.ms': '5000' });
    const gamma = await m.createTopic('gamma', 1);
    await m.createTopic('delta', 1);
    await m.createPartitions('alpha', 3); // nothing is written to the new partitions
    await m.alterTopicConfigs('gamma', { 'segment.ms': '60000' });
    await m.deleteTopic('beta');
    await m.deleteTopic('delta');
    const beta2 = await m.createTopic('beta', 1, { 'cleanup.policy': 'compact' });
    assert.notStrictEqual(beta2.topicId, beta.topicId);
    const expected = [
      { name: 'alpha', topicId: alpha.topicId, partitions: 3, configs: {}, createdAt: alpha.createdAt },
      {
        name: 'beta',
        topicId: beta2.topicId,
        partitions: 1,
        configs: { 'cleanup.policy': 'compact' },
        createdAt: beta2.createdAt,
      },
      {
        name: 'gamma',
        topicId: gamma.topicId,
        partitions: 1,
        configs: { 'segment.ms': '60000' },
        createdAt: gamma.createdAt,
      },
    ];
    assert.deepStrictEqual(m.listTopics(), expected);
    await m.close();
    for (let restart = 0; restart < 2; restart++) {
      m = await h.open();
      assert.deepStrictEqual(m.listTopics(), expected, `restart ${restart + 1}`);
      assert.deepStrictEqual(warnings(h), []);
      assert.strictEqual(m.partitionInfo('alpha', 2).logEndOffset, 0);
      assert.throws(
        () => m.partitionInfo('alpha', 3),
        isKafkaError(
          ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          /topic "alpha" has partitions 0\.\.2; there is no partition 3$/,
        ),
      );
      assert.deepStrictEqual(topicDirs(h), ['alpha-0', 'alpha-1', 'alpha-2', 'beta-0', 'gamma-0']);
      await m.close();
    }
  });

  it('invalid partition counts and duplicates are refused with an error naming the problem, and nothing is stored', async () => {
    const h = fresh();
    let m = await h.open();
    const INVALID = ErrorCode.INVALID_PARTITIONS;
    await assert.rejects(
      m.createTopic('t', 0),
      isKafkaError(INVALID, /^a topic needs at least 1 partition; 0 was asked for$/),
    );
    await assert.rejects(m.createTopic('t', 1.5), isKafkaError(INVALID, /1\.5 was asked for/));
    await assert.rejects(
      m.createTopic('t', 10001),
      isKafkaError(INVALID, /^10001 partitions is more than this broker allows \(10000\)$/),
    );
    assert.deepStrictEqual(m.listTopics(), []);
    assert.deepStrictEqual(topicDirs(h), []);
    await m.createTopic('t', 2);
    await assert.rejects(
      m.createTopic('t', 1),
      isKafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, /^topic "t" already exists$/),
    );
    await assert.rejects(
      m.createPartitions('t', 2),
      isKafkaError(
        INVALID,
        /^topic "t" has 2 partitions; partitions can only be added, so the new count must be more than 2 \(got 2\)$/,
      ),
    );
    await assert.rejects(
      m.createPartitions('t', 10001),
      isKafkaError(INVALID, /^10001 partitions is more than this broker allows \(10000\)$/),
    );
    await assert.rejects(
      m.createPartitions('none', 3),
      isKafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, /there is no topic "none"/),
    );
    assert.throws(
      () => m.partitionInfo('t', 2),
      isKafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, /^topic "t" has partitions 0\.\.1; there is no partition 2$/),
    );
    assert.deepStrictEqual(topicDirs(h), ['t-0', 't-1']);
    await m.close();
    m = await h.open();
    assert.deepStrictEqual(
      m.listTopics().map((t) => [t.name, t.partitions]),
      [['t', 2]],
    );
    await m.close();
  });

  it('creating a topic or adding partitions refuses a directory it would use that holds records, and only those: one past the count is adopted at the next open', async () => {
    const h = fresh();
    let m = await h.open();
    await m.createTopic('src', 1);
    append(m, 'src', 0, batchOf(3, 'kept', 1));
    await m.flush();
    await m.createTopic('t', 1);
    const stray = (dir: string) => fs.cpSync(partitionDir(h, 'src', 0), dir, { recursive: true });
    stray(partitionDir(h, 't', 1));
    const before = fs.readFileSync(path.join(partitionDir(h, 't', 1), '00000000000000000000.log'));
    await assert.rejects(
      m.createPartitions('t', 2),
      isKafkaError(
        ErrorCode.KAFKA_STORAGE_ERROR,
        /^cannot create partition 1 of topic "t": .*t-1 already holds records/,
      ),
    );
    assert.deepStrictEqual(fs.readFileSync(path.join(partitionDir(h, 't', 1), '00000000000000000000.log')), before);
    assert.strictEqual(m.getTopic('t')!.partitions, 1);
    // The records move to t-3: partitions 1 and 2 are free to add; t-3 is past the new count and is not touched.
    fs.renameSync(partitionDir(h, 't', 1), partitionDir(h, 't', 3));
    // An empty directory further out (a creation that stopped half-way) holds no records.
    fs.cpSync(partitionDir(h, 't', 0), partitionDir(h, 't', 5), { recursive: true });
    await m.createPartitions('t', 3);
    assert.strictEqual(m.getTopic('t')!.partitions, 3);
    assert.throws(() => m.partitionInfo('t', 3), isKafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
    assert.deepStrictEqual(fs.readFileSync(path.join(partitionDir(h, 't', 3), '00000000000000000000.log')), before);
    // The same for a new topic: only the directories of its partitions must be empty.
    stray(partitionDir(h, 'u', 1));
    await m.createTopic('u', 1);
    await m.close();
    m = await h.open();
    assert.strictEqual(m.getTopic('t')!.partitions, 4);
    assert.deepStrictEqual(values(m, 't', 3), ['kept-0', 'kept-1', 'kept-2']);
    assert.strictEqual(m.getTopic('u')!.partitions, 2);
    assert.deepStrictEqual(values(m, 'u', 1), ['kept-0', 'kept-1', 'kept-2']);
    assert.deepStrictEqual(warnings(h), [
      'warn: topic "t": its metadata says 3 partition(s) but partition directories up to 3 hold data; it now has 4',
      'warn: topic "u": its metadata says 1 partition(s) but partition directories up to 1 hold data; it now has 2',
    ]);
    await m.close();
    // The raised counts were written back: the next open is quiet.
    h.logs.length = 0;
    m = await h.open();
    assert.deepStrictEqual(
      m.listTopics().map((t) => [t.name, t.partitions]),
      [
        ['src', 1],
        ['t', 4],
        ['u', 2],
      ],
    );
    assert.deepStrictEqual(warnings(h), []);
    await m.close();
  });

  it('a leftover directory whose segment files are empty is reused by a creation, whatever other files it holds', async () => {
    const h = fresh();
    const m = await h.open();
    await m.createTopic('x', 1);
    await m.flush();
    const dir = partitionDir(h, 'y', 0);
    fs.cpSync(partitionDir(h, 'x', 0), dir, { recursive: true });
    // Neither is a segment of the partition: an interrupted cleaning's temporary file, and a stray copy.
    fs.writeFileSync(path.join(dir, '00000000000000000000.log.cleaned'), 'bytes of an unfinished cleaning');
    fs.writeFileSync(path.join(dir, 'saved-00000000000000000000.log'), 'someone else’s bytes');
    await m.createTopic('y', 1);
    append(m, 'y', 0, batchOf(1, 'new', 1));
    assert.deepStrictEqual(values(m, 'y', 0), ['new-0']);
    await m.close();
  });

  it('config changes merge into the overrides; null or undefined resets one; validateOnly and an invalid change store nothing', async () => {
    const h = fresh();
    let m = await h.open();
    await m.createTopic('t', 1, { 'retention.ms': '5000', 'segment.ms': '60000' });
    const original = { 'retention.ms': '5000', 'segment.ms': '60000' };
    await m.alterTopicConfigs('t', { 'retention.ms': '7000', 'cleanup.policy': 'compact' }, { validateOnly: true });
    assert.deepStrictEqual(m.getTopic('t')!.configs, original);
    const INVALID = ErrorCode.INVALID_CONFIG;
    await assert.rejects(
      m.alterTopicConfigs('t', { 'no.such.config': null }),
      isKafkaError(INVALID, /unknown topic config "no\.such\.config"/),
    );
    await assert.rejects(
      m.alterTopicConfigs('t', { 'retention.ms': null, 'segment.ms': 'soon' }),
      isKafkaError(INVALID, /invalid value for topic config segment\.ms/),
    );
    await assert.rejects(
      m.alterTopicConfigs('none', { 'retention.ms': '1' }),
      isKafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION),
    );
    assert.deepStrictEqual(m.getTopic('t')!.configs, original);
    await m.close();
    m = await h.open();
    assert.deepStrictEqual(m.getTopic('t')!.configs, original);
    await m.alterTopicConfigs('t', {
      'retention.ms': null,
      'segment.ms': undefined as unknown as null,
      'cleanup.policy': ' compact ',
    });
    assert.deepStrictEqual(m.getTopic('t')!.configs, { 'cleanup.policy': 'compact' });
    const retention = m.describeTopicConfigs('t').find((c) => c.name === 'retention.ms')!;
    assert.strictEqual(retention.value, '604800000');
    await m.close();
    m = await h.open();
    assert.deepStrictEqual(m.getTopic('t')!.configs, { 'cleanup.policy': 'compact' });
    await m.close();
  });

  it('when topics.db cannot be written, creating a topic or adding partitions fails with KAFKA_STORAGE_ERROR naming the topic and leaves nothing behind', async () => {
    const h = fresh();
    let m = await h.open();
    await m.createTopic('t', 1);
    const saved = fs.readFileSync(dbFile(h));
    fs.rmSync(dbFile(h));
    fs.mkdirSync(dbFile(h)); // every write to it now fails
    await assert.rejects(
      m.createPartitions('t', 3),
      isKafkaError(ErrorCode.KAFKA_STORAGE_ERROR, /^could not add partitions to "t": EISDIR/),
    );
    assert.strictEqual(m.getTopic('t')!.partitions, 1);
    assert.throws(() => m.partitionInfo('t', 1), isKafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
    await assert.rejects(
      m.createTopic('u', 2),
      isKafkaError(ErrorCode.KAFKA_STORAGE_ERROR, /^could not create topic "u": EISDIR/),
    );
    assert.strictEqual(m.getTopic('u'), undefined);
    assert.deepStrictEqual(topicDirs(h), ['t-0']);
    assert.deepStrictEqual(warnings(h), []); // nothing was stored, so there was nothing to remove
    await m.close();
    fs.rmSync(dbFile(h), { recursive: true });
    fs.writeFileSync(dbFile(h), saved);
    m = await h.open();
    assert.deepStrictEqual(
      m.listTopics().map((t) => [t.name, t.partitions]),
      [['t', 1]],
    );
    assert.deepStrictEqual(topicDirs(h), ['t-0']);
    await m.close();
  });

  it('when topics.db cannot be written, deleting a topic or changing its configs fails with KAFKA_STORAGE_ERROR naming the topic, and its records and configs are unchanged, also after a restart', async () => {
    const h = fresh();
    let m = await h.open();
    await m.createTopic('t', 2, { 'retention.ms': '5000' });
    append(m, 't', 1, batchOf(2, 'kept', 1));
    await m.flush();
    const saved = fs.readFileSync(dbFile(h));
    fs.rmSync(dbFile(h));
    fs.mkdirSync(dbFile(h)); // every write to it now fails
    await assert.rejects(
      m.deleteTopic('t'),
      isKafkaError(
        ErrorCode.KAFKA_STORAGE_ERROR,
        /^could not delete topic "t": EISDIR.*; the topic and its records are unchanged$/,
      ),
    );
    await assert.rejects(
      m.alterTopicConfigs('t', { 'retention.ms': null, 'cleanup.policy': 'compact' }),
      isKafkaError(
        ErrorCode.KAFKA_STORAGE_ERROR,
        /^could not change the configs of topic "t": EISDIR.*; its configs are unchanged$/,
      ),
    );
    assert.deepStrictEqual(m.getTopic('t')!.configs, { 'retention.ms': '5000' });
    assert.strictEqual(m.describeTopicConfigs('t').find((c) => c.name === 'cleanup.policy')!.value, 'delete');
    assert.deepStrictEqual(values(m, 't', 1), ['kept-0', 'kept-1']);
    append(m, 't', 0, batchOf(1, 'after', 2)); // the topic is still usable
    await m.close();
    fs.rmSync(dbFile(h), { recursive: true });
    fs.writeFileSync(dbFile(h), saved);
    m = await h.open();
    assert.deepStrictEqual(
      m.listTopics().map((t) => [t.name, t.partitions, t.configs]),
      [['t', 2, { 'retention.ms': '5000' }]],
    );
    assert.deepStrictEqual(values(m, 't', 1), ['kept-0', 'kept-1']);
    assert.deepStrictEqual(values(m, 't', 0), ['after-0']);
    assert.deepStrictEqual(warnings(h), []);
    await m.close();
  });

  it('a topic being deleted cannot be created again until its deletion has ended, so the deletion never removes the new one', async () => {
    const h = fresh();
    let m = await h.open();
    await m.createTopic('t', 1); // empty: nothing on disk would refuse a creation
    const deleting = m.deleteTopic('t');
    await assert.rejects(
      m.createTopic('t', 1),
      isKafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, /^topic "t" is being deleted; create it again once that ends$/),
    );
    await deleting;
    const again = await m.createTopic('t', 1);
    append(m, 't', 0, batchOf(1, 'new', 1));
    await m.close();
    m = await h.open();
    assert.deepStrictEqual(
      m.listTopics().map((t) => t.topicId),
      [again.topicId],
    );
    assert.deepStrictEqual(values(m, 't', 0), ['new-0']);
    await m.close();
  });

  it('a creation that fails on its third partition is rolled back whole, and a file named like a partition directory is never adopted', async () => {
    const h = fresh();
    let m = await h.open();
    fs.writeFileSync(partitionDir(h, 'v', 2), 'a file, not a directory');
    await assert.rejects(
      m.createTopic('v', 3),
      isKafkaError(ErrorCode.KAFKA_STORAGE_ERROR, /^could not create topic "v": EEXIST/),
    );
    assert.strictEqual(m.getTopic('v'), undefined);
    assert.deepStrictEqual(topicDirs(h), ['v-2']);
    await m.close();
    m = await h.open();
    assert.deepStrictEqual(m.listTopics(), []);
    assert.deepStrictEqual(warnings(h), []);
    assert.strictEqual(fs.readFileSync(partitionDir(h, 'v', 2), 'utf8'), 'a file, not a directory');
    await m.close();
  });

  it('a creation the broker closed on is refused and its topic does not come back after a restart', async () => {
    const h = fresh();
    fs.mkdirSync(path.join(h.dir, 'meta'), { recursive: true });
    fs.mkdirSync(path.join(h.dir, 'topics'), { recursive: true });
    const logs: string[] = [];
    const opts = {
      clock: new FakeClock(),
      logger: (level: string, message: string) => logs.push(`${level}: ${message}`),
      onEvent: () => undefined,
    };
    const noCheckpoints = { recoveryPoints: new Map(), logStarts: new Map(), cleaned: new Map() };
    let catalog = new TopicCatalog(h.dir, opts, realIo, new FileCache());
    await catalog.open(noCheckpoints, false, 0);
    await catalog.createTopic('kept', 1, undefined, () => false);
    await assert.rejects(
      catalog.createTopic('x', 2, undefined, () => true),
      isKafkaError(ErrorCode.KAFKA_STORAGE_ERROR, /^the broker closed while topic "x" was being created$/),
    );
    assert.strictEqual(catalog.getTopic('x'), undefined);
    assert.deepStrictEqual(topicDirs(h), ['kept-0']);
    for (const log of catalog.openLogs()) log.close();
    catalog = new TopicCatalog(h.dir, opts, realIo, new FileCache());
    await catalog.open(noCheckpoints, false, 0);
    assert.deepStrictEqual(
      catalog.listTopics().map((t) => t.name),
      ['kept'],
    );
    assert.deepStrictEqual(logs, []);
    // When even the rollback cannot remove the stored metadata, a warning names the topic.
    await assert.rejects(
      catalog.createTopic('y', 1, undefined, () => {
        fs.renameSync(dbFile(h), `${dbFile(h)}.aside`);
        fs.mkdirSync(dbFile(h));
        return true;
      }),
      isKafkaError(ErrorCode.KAFKA_STORAGE_ERROR, /^the broker closed while topic "y" was being created$/),
    );
    assert.deepStrictEqual(logs.length, 1);
    assert.match(logs[0], /^warn: topic "y": its metadata could not be removed after a failed creation: EISDIR/);
    for (const log of catalog.openLogs()) log.close();
  });

  it('only `<topic>-<n>` directories are adopted: a topic of 12 partitions whose metadata is lost comes back whole; other names and files are left alone', async () => {
    const h = fresh();
    let m = await h.open();
    await m.createTopic('big', 12);
    append(m, 'big', 11, batchOf(2, 'last', 1));
    await m.createTopic('orders', 1);
    append(m, 'orders', 0, batchOf(1, 'o', 1));
    await m.close();
    writeDb(h, []); // every topic's metadata is lost
    fs.renameSync(partitionDir(h, 'orders', 0), path.join(h.dir, 'topics', 'orders-0.bak'));
    fs.writeFileSync(path.join(h.dir, 'topics', 'notes-0'), 'not a partition');
    m = await h.open();
    assert.deepStrictEqual(
      m.listTopics().map((t) => [t.name, t.partitions, t.configs]),
      [['big', 12, {}]],
    );
    assert.deepStrictEqual(values(m, 'big', 11), ['last-0', 'last-1']);
    assert.deepStrictEqual(warnings(h), [
      'warn: topic "big" has directories but no readable metadata: adopted with 12 partition(s) and default configs (its overrides, if any, could not be recovered)',
    ]);
    assert.ok(fs.existsSync(path.join(h.dir, 'topics', 'orders-0.bak', '00000000000000000000.log')));
    assert.strictEqual(fs.readFileSync(path.join(h.dir, 'topics', 'notes-0'), 'utf8'), 'not a partition');
    await m.close();
  });

  it('after a clean shutdown partitions are opened on first use, and one that can no longer be opened is a KAFKA_STORAGE_ERROR naming it', async () => {
    const h = fresh();
    let m = await h.open();
    await m.createTopic('a', 2);
    await m.createTopic('b', 1);
    append(m, 'a', 0, batchOf(2, 'a0', 1));
    append(m, 'b', 0, batchOf(3, 'b0', 1));
    await m.close();
    m = await h.open();
    assert.strictEqual(m.fileStats().partitionsOpen, 0);
    assert.strictEqual(m.partitionInfo('b', 0).logEndOffset, 3); // from the checkpoint, still not opened
    assert.strictEqual(m.fileStats().partitionsOpen, 0);
    assert.deepStrictEqual(values(m, 'a', 0), ['a0-0', 'a0-1']);
    assert.strictEqual(m.fileStats().partitionsOpen, 1);
    assert.deepStrictEqual(values(m, 'b', 0), ['b0-0', 'b0-1', 'b0-2']);
    assert.strictEqual(m.fileStats().partitionsOpen, 2);
    await m.close();
    m = await h.open();
    fs.rmSync(partitionDir(h, 'b', 0), { recursive: true });
    fs.writeFileSync(partitionDir(h, 'b', 0), 'in the way');
    assert.throws(
      () => m.read('b', 0, 0, 1 << 20),
      isKafkaError(ErrorCode.KAFKA_STORAGE_ERROR, /^could not open partition b-0: EEXIST/),
    );
    assert.deepStrictEqual(values(m, 'a', 0), ['a0-0', 'a0-1']);
    await m.close();
  });

  it('an older recovery-point checkpoint (3 columns) opens its partitions at once and keeps when the active segment was started', async () => {
    const h = fresh();
    let m = await h.open();
    await m.createTopic('t', 1, { 'segment.ms': '60000' });
    append(m, 't', 0, batchOf(2, 'a', 1));
    h.clock.advance(50_000);
    await m.close();
    const file = path.join(h.dir, 'recovery-point-offset-checkpoint');
    const [version, ...lines] = fs.readFileSync(file, 'utf8').split('\n');
    const cut = lines.filter(Boolean).map((l) => l.split(' ').slice(0, 5).join(' '));
    fs.writeFileSync(file, [version, ...cut, ''].join('\n'));
    m = await h.open();
    assert.strictEqual(m.openedCleanly, true);
    assert.strictEqual(m.fileStats().partitionsOpen, 1);
    assert.strictEqual(m.partitionInfo('t', 0).logEndOffset, 2);
    h.clock.advance(10_000); // 60 s after the segment was started, 10 s after this open
    append(m, 't', 0, batchOf(1, 'b', 1));
    assert.strictEqual(m.partitionInfo('t', 0).segmentCount, 2);
    await m.close();
  });

  it('the oldest recovery-point checkpoint (2 columns) after an unclean shutdown: segment.ms counts from the open', async () => {
    const h = fresh();
    let m = await h.open();
    await m.createTopic('t', 1, { 'segment.ms': '60000' });
    append(m, 't', 0, batchOf(2, 'a', 1));
    await m.close();
    const file = path.join(h.dir, 'recovery-point-offset-checkpoint');
    const [version, ...lines] = fs.readFileSync(file, 'utf8').split('\n');
    const cut = lines.filter(Boolean).map((l) => l.split(' ').slice(0, 4).join(' '));
    fs.writeFileSync(file, [version, ...cut, ''].join('\n'));
    fs.rmSync(path.join(h.dir, '.clean-shutdown'));
    m = await h.open();
    assert.strictEqual(m.openedCleanly, false);
    h.clock.advance(60_000);
    append(m, 't', 0, batchOf(1, 'b', 1));
    assert.strictEqual(m.partitionInfo('t', 0).segmentCount, 2);
    assert.deepStrictEqual(values(m, 't', 0), ['a-0', 'a-1', 'b-0']);
    await m.close();
  });

  it('an open after an unclean shutdown says whether anything was cut', async () => {
    const h = fresh();
    let m = await h.open();
    await m.createTopic('t', 1);
    append(m, 't', 0, batchOf(3, 'a', 1));
    await m.flush();
    m.crash();
    m = await h.open();
    const opened = () => h.logs.filter((l) => l.startsWith('info: opened '));
    assert.strictEqual(opened().length, 1);
    assert.match(opened()[0], /after an unclean shutdown: .*; nothing was cut$/);
    append(m, 't', 0, batchOf(3, 'b', 1)); // not flushed
    m.crash();
    const log = path.join(partitionDir(h, 't', 0), '00000000000000000000.log');
    fs.truncateSync(log, fs.statSync(log).size - 5); // the last batch is torn
    h.logs.length = 0;
    m = await h.open();
    assert.strictEqual(opened().length, 1);
    assert.match(opened()[0], /after an unclean shutdown: checked each partition's tail .* bytes before it$/);
    assert.ok(
      h.logs.some((l) => /^warn: recovery of t-0 truncated \d+ bytes/.test(l)),
      h.logs.join('\n'),
    );
    assert.deepStrictEqual(values(m, 't', 0), ['a-0', 'a-1', 'a-2']);
    await m.close();
  });
});
