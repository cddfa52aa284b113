// Reads one manifest file and refuses what is not a reasonable text file, with a reason. The
// limits (size, binary, UTF-8) hold only for files that may hold a ChaosCraft object (screen.ts);
// any other file that breaks them is skipped with a note, and its text is never parsed.
import { isUtf8 } from 'node:buffer';
import { closeSync, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import type { Diagnostic } from './diagnostic.ts';
import { bytesMayHoldOurs } from './screen.ts';

export const maxManifestBytes = 1024 * 1024;

/**
 * `skipped` says why a file that is not ours was not read as YAML; its text is then empty, so a
 * caller that ignores `skipped` finds nothing in it.
 */
export type ReadResult =
  | { ok: true; text: string; skipped?: Diagnostic }
  | { ok: false; diagnostic: Diagnostic };

/** What reading needs of a file system (node:fs/promises has it). */
export interface ReadSourceFs {
  stat(path: string): Promise<{ size: number }>;
  readFile(path: string): Promise<Buffer>;
  /** Whether a file too large to read whole mentions "chaoscraft"; readFile is used without it. */
  mentionsOurs?(path: string): Promise<boolean>;
}

/** Scans an open file in 1 MiB chunks (overlapping by the marker's length) without holding it whole. */
function scanFile(fd: number): boolean {
  const chunk = Buffer.alloc(1 << 20);
  let position = 0;
  for (;;) {
    const read = readSync(fd, chunk, 0, chunk.length, position);
    if (read === 0) return false;
    if (bytesMayHoldOurs(chunk.subarray(0, read))) return true;
    if (read < chunk.length) return false;
    position += read - 9;
  }
}

/** The whole file, read as readFileSync reads it: the size fstat gave, or to the end when it gave none. */
function readOpenFile(fd: number, stats: Stats): Buffer {
  const size = stats.isFile() ? stats.size : 0;
  if (size > 0) {
    const buffer = Buffer.allocUnsafe(size);
    let length = 0;
    while (length < size) {
      const read = readSync(fd, buffer, length, size - length, null);
      if (read === 0) break;
      length += read;
    }
    return length === size ? buffer : buffer.subarray(0, length);
  }
  const chunks: Buffer[] = [];
  for (;;) {
    const chunk = Buffer.allocUnsafe(64 * 1024);
    const read = readSync(fd, chunk, 0, chunk.length, null);
    if (read === 0) return Buffer.concat(chunks);
    chunks.push(chunk.subarray(0, read));
  }
}

/**
 * The default read, synchronous: one open, one fstat and the reads, with the limits, skips and
 * messages of readManifestSource. Checking a file is synchronous work anyway, and reading a
 * manifest takes microseconds, while a thread-pool round trip for each of stat, open, fstat, read
 * and close costs many times that (npm run bench -- --only validate: 1,000 files read through
 * node:fs/promises took longer than parsing them); a stat before the open was one more path lookup.
 */
export function readManifestFile(file: string): ReadResult {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    return ioFailure(file, error);
  }
  let bytes: Buffer;
  try {
    const stats = fstatSync(fd);
    if (stats.size > maxManifestBytes) return tooLarge(file, stats.size, scanFile(fd));
    bytes = readOpenFile(fd, stats);
  } catch (error) {
    return ioFailure(file, error);
  } finally {
    closeSync(fd);
  }
  return decodeManifestBytes({ file, bytes, skipForeign: true });
}

export interface ReadSourceOptions {
  file: string;
  /** Injected for tests; node:fs (synchronous calls) by default. */
  fs?: ReadSourceFs;
}

export async function readManifestSource({ file, fs }: ReadSourceOptions): Promise<ReadResult> {
  if (!fs) return readManifestFile(file);
  let size: number;
  try {
    size = (await fs.stat(file)).size;
  } catch (error) {
    return ioFailure(file, error);
  }
  if (size > maxManifestBytes) {
    let ours: boolean;
    try {
      ours = fs.mentionsOurs ? await fs.mentionsOurs(file) : bytesMayHoldOurs(await fs.readFile(file));
    } catch (error) {
      return ioFailure(file, error);
    }
    return tooLarge(file, size, ours);
  }
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (error) {
    return ioFailure(file, error);
  }
  return decodeManifestBytes({ file, bytes, skipForeign: true });
}

/** A file over the size limit, by its size before reading: skipped when it never mentions chaoscraft. */
function tooLarge(file: string, size: number, ours: boolean): ReadResult {
  if (!ours) return skip(file, `file is ${size} bytes and never mentions chaoscraft; skipped`);
  return {
    ok: false,
    diagnostic: {
      severity: 'error',
      code: 'file-too-large',
      file,
      line: 0,
      column: 0,
      message: `file is ${size} bytes; files that may hold ChaosCraft objects are limited to ${maxManifestBytes} bytes (1 MiB)`,
    },
  };
}

/**
 * Refuses bytes that are not a reasonable manifest (too large, binary, not UTF-8); else the text.
 * With `skipForeign` (what `chaoscraft validate` does), bytes that break a limit but never mention
 * chaoscraft are skipped instead of refused.
 */
export function decodeManifestBytes({
  file,
  bytes,
  skipForeign = false,
}: {
  file: string;
  bytes: Uint8Array;
  skipForeign?: boolean;
}): ReadResult {
  const fail = (code: Diagnostic['code'], message: string, line = 0): ReadResult => ({
    ok: false,
    diagnostic: { severity: 'error', code, file, line, column: line ? 1 : 0, message },
  });
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const large = buffer.length > maxManifestBytes;
  const nul = large ? -1 : buffer.indexOf(0);
  const badText = large || nul !== -1 || !isUtf8(buffer);
  if (skipForeign && badText && !bytesMayHoldOurs(buffer)) {
    const why = large
      ? `file is ${buffer.length} bytes`
      : nul !== -1
        ? 'file is binary (it holds NUL bytes)'
        : 'file is not UTF-8 text';
    return skip(file, `${why} and never mentions chaoscraft; skipped`);
  }
  // The size can change between stat and read (or come from Git); check what was actually read.
  if (large) {
    return fail(
      'file-too-large',
      `file is ${buffer.length} bytes; files that may hold ChaosCraft objects are limited to ${maxManifestBytes} bytes (1 MiB)`,
    );
  }
  if (nul !== -1)
    return fail('binary-file', 'file contains NUL bytes: it is binary, not YAML', lineOfOffset(buffer, nul));
  if (!isUtf8(buffer)) {
    return fail('not-utf8', 'file is not valid UTF-8 text', firstInvalidUtf8Line(buffer));
  }
  let text = buffer.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return { ok: true, text };
}

function skip(file: string, message: string): ReadResult {
  return {
    ok: true,
    text: '',
    skipped: { severity: 'info', code: 'ignored', file, line: 0, column: 0, message },
  };
}

export function ioFailure(file: string, error: unknown): ReadResult {
  const code = (error as NodeJS.ErrnoException).code;
  const reason =
    code === 'ENOENT'
      ? 'no such file or directory'
      : code === 'EACCES'
        ? 'permission denied'
        : code === 'ELOOP'
          ? 'too many levels of symbolic links (a symlink loop)'
          : code === 'EISDIR'
            ? 'is a directory'
            : `cannot be read (${code ?? (error as Error).message})`;
  return {
    ok: false,
    diagnostic: {
      severity: 'error',
      code: code === 'ELOOP' ? 'symlink-loop' : 'io-error',
      file,
      line: 0,
      column: 0,
      message: reason,
    },
  };
}

function lineOfOffset(bytes: Buffer, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

function firstInvalidUtf8Line(bytes: Buffer): number {
  let start = 0;
  let line = 1;
  while (start <= bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end === -1) end = bytes.length;
    if (!isUtf8(bytes.subarray(start, end))) return line;
    start = end + 1;
    line++;
  }
  return 1;
}
