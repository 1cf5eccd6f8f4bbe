import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { acquireLock, LOCK_FILE, readLock } from '../../../../src/extension/model/lock-file';

describe('data directory lock', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kl-lock-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const me = (sessionId: string, pid = process.pid) => ({
    pid,
    sessionId,
    window: `window ${sessionId}`,
    host: '127.0.0.1',
    startedAt: 1000,
  });

  it('the first window takes the lock and records who it is', () => {
    const r = acquireLock(dir, me('a'));
    assert.strictEqual(r.kind, 'acquired');
    const onDisk = readLock(dir);
    assert.strictEqual(onDisk?.sessionId, 'a');
    assert.strictEqual(onDisk?.pid, process.pid);
  });

  it('a second window sees the live owner, its window name and its port', () => {
    const first = acquireLock(dir, me('a'));
    assert.strictEqual(first.kind, 'acquired');
    if (first.kind === 'acquired') first.lock.update({ port: 9093 });
    const second = acquireLock(dir, me('b'), () => true);
    assert.strictEqual(second.kind, 'held');
    if (second.kind === 'held') {
      assert.strictEqual(second.owner.window, 'window a');
      assert.strictEqual(second.owner.port, 9093);
    }
  });

  it('a lock left by a dead process is taken over and reported as stale', () => {
    fs.writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ ...me('old', 999999), port: 9092 }));
    const r = acquireLock(dir, me('new'), (pid) => pid !== 999999);
    assert.strictEqual(r.kind, 'acquired');
    if (r.kind === 'acquired') assert.strictEqual(r.tookOverStale?.sessionId, 'old');
    assert.strictEqual(readLock(dir)?.sessionId, 'new');
  });

  it('an unreadable lock file is replaced', () => {
    fs.writeFileSync(path.join(dir, LOCK_FILE), '{not json');
    const r = acquireLock(dir, me('a'), () => true);
    assert.strictEqual(r.kind, 'acquired');
    assert.strictEqual(readLock(dir)?.sessionId, 'a');
  });

  it('the same session re-acquires its own lock (a restart in one window)', () => {
    acquireLock(dir, me('a'));
    const again = acquireLock(dir, me('a'), () => true);
    assert.strictEqual(again.kind, 'acquired');
  });

  it('release removes the file only while it is still ours', () => {
    const r = acquireLock(dir, me('a'));
    assert.ok(r.kind === 'acquired');
    // Someone took it over (our process looked dead to them): our release must leave theirs alone.
    fs.writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ ...me('b'), port: 1 }));
    r.lock.release();
    assert.strictEqual(readLock(dir)?.sessionId, 'b');
    fs.writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ ...me('a'), port: 1 }));
    r.lock.release();
    assert.strictEqual(fs.existsSync(path.join(dir, LOCK_FILE)), false);
  });

  it('a second window only ever connects to loopback: a lock naming another host is read as 127.0.0.1', () => {
    const write = (host: string) =>
      fs.writeFileSync(
        path.join(dir, LOCK_FILE),
        JSON.stringify({ pid: 1, sessionId: 'planted', window: 'w', host, port: 9092, startedAt: 0 }),
      );
    // a repository can ship a .kafka-lite/.lock (pid 1 is always alive) pointing at someone else's machine
    write('evil.example.com');
    assert.strictEqual(readLock(dir)?.host, '127.0.0.1');
    assert.strictEqual(readLock(dir)?.declaredHost, 'evil.example.com');
    write('192.168.1.5');
    assert.strictEqual(readLock(dir)?.host, '127.0.0.1');
    // an owner listening on every interface is reachable on loopback
    write('0.0.0.0');
    assert.strictEqual(readLock(dir)?.host, '127.0.0.1');
    write('::');
    assert.strictEqual(readLock(dir)?.host, '::1');
    write('::1');
    assert.strictEqual(readLock(dir)?.host, '::1');
    write('127.0.0.2');
    assert.strictEqual(readLock(dir)?.host, '127.0.0.2');
  });
});
