/**
 * A full disk for tests: while filled, every synchronous file write (fs.writeSync, fs.writeFileSync, the storage's
 * realIo) fails with ENOSPC, as writes do on a full file system; opening, reading, fsync, rename and unlink keep
 * working. fillDisk() returns the function that frees it again.
 *
 * Also a preload for a child process (`node -r <this file> dist/cli.js serve ...`): with
 * KAFKA_LITE_TEST_FULL_DISK=on-sigterm the disk fills up the moment SIGTERM arrives, before the CLI's own handler
 * runs its shutdown.
 */
// the module object itself (not an import-star copy with read-only getters), so its functions can be replaced
import fs from 'fs';

function noSpace(): never {
  const e = new Error('ENOSPC: no space left on device, write') as NodeJS.ErrnoException;
  e.code = 'ENOSPC';
  e.errno = -28;
  e.syscall = 'write';
  throw e;
}

export function fillDisk(): () => void {
  const { writeSync, writeFileSync } = fs;
  fs.writeSync = noSpace as typeof fs.writeSync;
  fs.writeFileSync = noSpace as typeof fs.writeFileSync;
  return () => {
    fs.writeSync = writeSync;
    fs.writeFileSync = writeFileSync;
  };
}

if (process.env.KAFKA_LITE_TEST_FULL_DISK === 'on-sigterm') {
  process.prependListener('SIGTERM', () => {
    fillDisk();
  });
}
