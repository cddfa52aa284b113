// Reads one manifest file and refuses what is not a reasonable text file, with a reason.
import { isUtf8 } from 'node:buffer';
import { readFileSync, statSync } from 'node:fs';
import type { Diagnostic } from './diagnostic.ts';

export const maxManifestBytes = 1024 * 1024;

export type ReadResult = { ok: true; text: string } | { ok: false; diagnostic: Diagnostic };

/** What reading needs of a file system (node:fs/promises has it). */
export interface ReadSourceFs {
  stat(path: string): Promise<{ size: number }>;
  readFile(path: string): Promise<Buffer>;
}

/**
 * The default: node:fs's synchronous calls behind the async interface. Checking a file is
 * synchronous work anyway, and reading a manifest takes microseconds, while a thread-pool round
 * trip for each of stat, open, fstat, read and close costs many times that (npm run bench -- --only
 * validate: 1,000 files read through node:fs/promises took longer than parsing them).
 */
const synchronousFs: ReadSourceFs = {
  stat: async (path) => statSync(path),
  readFile: async (path) => readFileSync(path),
};

export interface ReadSourceOptions {
  file: string;
  /** Injected for tests; node:fs (synchronous calls) by default. */
  fs?: ReadSourceFs;
}

export async function readManifestSource({
  file,
  fs = synchronousFs,
}: ReadSourceOptions): Promise<ReadResult> {
  const fail = (code: Diagnostic['code'], message: string, line = 0): ReadResult => ({
    ok: false,
    diagnostic: { severity: 'error', code, file, line, column: line ? 1 : 0, message },
  });
  let size: number;
  try {
    size = (await fs.stat(file)).size;
  } catch (error) {
    return ioFailure(file, error);
  }
  if (size > maxManifestBytes) {
    return fail(
      'file-too-large',
      `file is ${size} bytes; manifests over ${maxManifestBytes} bytes (1 MiB) are refused`,
    );
  }
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (error) {
    return ioFailure(file, error);
  }
  return decodeManifestBytes({ file, bytes });
}

/** Refuses bytes that are not a reasonable manifest (too large, binary, not UTF-8); else the text. */
export function decodeManifestBytes({ file, bytes }: { file: string; bytes: Uint8Array }): ReadResult {
  const fail = (code: Diagnostic['code'], message: string, line = 0): ReadResult => ({
    ok: false,
    diagnostic: { severity: 'error', code, file, line, column: line ? 1 : 0, message },
  });
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // The size can change between stat and read (or come from Git); check what was actually read.
  if (buffer.length > maxManifestBytes) {
    return fail(
      'file-too-large',
      `file is ${buffer.length} bytes; manifests over ${maxManifestBytes} bytes (1 MiB) are refused`,
    );
  }
  const nul = buffer.indexOf(0);
  if (nul !== -1)
    return fail('binary-file', 'file contains NUL bytes: it is binary, not YAML', lineOfOffset(buffer, nul));
  if (!isUtf8(buffer)) {
    return fail('not-utf8', 'file is not valid UTF-8 text', firstInvalidUtf8Line(buffer));
  }
  let text = buffer.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return { ok: true, text };
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
