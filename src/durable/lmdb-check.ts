/**
 * A look at an lmdb data file before lmdb maps it. lmdb trusts its file: one cut short is mapped
 * past its end (SIGBUS) and one with damaged meta pages is followed into garbage (SIGSEGV), both
 * killing the whole process. Checking the two meta pages and the size first turns those cases
 * into a `StoreDamagedError`; damage deeper inside shows up as records failing their checksum
 * (see shard-files.ts).
 *
 * Where lmdb-js's build of LMDB puts things (read off its files): a meta page is page 0 or 1;
 * after a 24-byte page header come the magic (u32 0xBEEFC0DE) and version, the map address and
 * size, two 48-byte database records (the first one's first u32 is the page size), then the
 * last page number (u64) and the transaction id (u64). The file must hold every page up to the
 * last one the newer meta page names.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { StoreDamagedError } from "../core/errors.js";

const MAGIC = 0xbeefc0de;
const HEADER = 24;
const PAGE_SIZE_AT = HEADER + 24;
const LAST_PAGE_AT = HEADER + 120;
const TXN_AT = HEADER + 128;
const META_BYTES = TXN_AT + 8;

interface Meta {
  pageSize: number;
  lastPage: number;
  txn: number;
}

/** Throws `StoreDamagedError` (naming `dir`) if `file` exists and cannot be a sound lmdb file. */
export function checkLmdbFile(file: string, dir: string): void {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return; // a new shard
    throw error;
  }
  try {
    const size = fstatSync(fd).size;
    const first = readMeta(fd, 0);
    const pageSize = first?.pageSize ?? 4096;
    const second = readMeta(fd, pageSize);
    const metas = [first, second].filter((meta): meta is Meta => meta !== null);
    if (metas.length === 0) {
      throw new StoreDamagedError(dir, `${file} has no valid lmdb meta page`);
    }
    const newest = metas.reduce((a, b) => (b.txn > a.txn ? b : a));
    const needed = (newest.lastPage + 1) * newest.pageSize;
    if (size < needed) {
      throw new StoreDamagedError(dir, `${file} is cut short: ${size} bytes of ${needed}`);
    }
  } finally {
    closeSync(fd);
  }
}

function readMeta(fd: number, offset: number): Meta | null {
  const page = Buffer.alloc(META_BYTES);
  if (readSync(fd, page, 0, META_BYTES, offset) < META_BYTES) return null;
  if (page.readUInt32LE(HEADER) !== MAGIC) return null;
  const pageSize = page.readUInt32LE(PAGE_SIZE_AT);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) return null;
  return {
    pageSize,
    lastPage: Number(page.readBigUInt64LE(LAST_PAGE_AT)),
    txn: Number(page.readBigUInt64LE(TXN_AT)),
  };
}
