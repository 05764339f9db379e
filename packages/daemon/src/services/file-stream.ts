// Receiving side of the chunked, resumable file stream (mesh extension of data exchange).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rm, rmdir, stat, truncate, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { ensurePrivateDir, writeFileAtomic } from '../util/atomic-file.js';
import { linkNew } from './folder-limits.js';

/** What an OFFER frame announces. */
export interface FileOffer {
  readonly name: string;
  readonly size: number;
  readonly sha256: string;
}

/**
 * Parses an OFFER payload.
 * @param payload JSON `{"name","size","sha256"}`
 * @returns the offer
 * @throws Error naming the bad field
 */
export function parseOffer(payload: Uint8Array): FileOffer {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(payload));
  } catch {
    throw new Error('offer is not JSON');
  }
  const o = raw as Partial<FileOffer> | null;
  if (o === null || typeof o !== 'object') throw new Error('offer is not an object');
  if (typeof o.name !== 'string') throw new Error('offer name must be a string');
  if (typeof o.size !== 'number' || !Number.isSafeInteger(o.size) || o.size < 0)
    throw new Error('offer size must be a non-negative integer');
  if (typeof o.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(o.sha256))
    throw new Error('offer sha256 must be 64 lowercase hex digits');
  return { name: o.name, size: o.size, sha256: o.sha256 };
}

/**
 * One incoming transfer. The partial file `received/.partial/<sha256>-<size>.part` holds the
 * contiguous bytes received so far (its length is the resume offset); `<…>.json` records the offer.
 */
export class IncomingFile {
  private constructor(
    readonly offer: FileOffer,
    private readonly partPath: string,
    private readonly statePath: string,
    private handle: FileHandle | undefined,
    private written: number,
  ) {}

  /** The key that identifies the same transfer across connections. */
  static keyOf(offer: FileOffer): string {
    return `${offer.sha256}-${offer.size}`;
  }

  /**
   * Opens (or resumes) the partial file for `offer`.
   * @param receivedDir the `received/` directory
   * @param offer the announced file
   * @returns the transfer, positioned at the resume offset
   */
  static async open(receivedDir: string, offer: FileOffer): Promise<IncomingFile> {
    const dir = path.join(receivedDir, '.partial');
    await ensurePrivateDir(dir);
    const key = IncomingFile.keyOf(offer);
    const partPath = path.join(dir, `${key}.part`);
    const statePath = path.join(dir, `${key}.json`);
    let offset = 0;
    try {
      offset = (await stat(partPath)).size;
    } catch {
      /* a new transfer */
    }
    if (offset > offer.size) {
      await truncate(partPath, 0);
      offset = 0;
    }
    if (offset === 0)
      await writeFileAtomic(
        statePath,
        `${JSON.stringify({ ...offer, started_at: new Date().toISOString() })}\n`,
      );
    const handle = await open(partPath, 'a', 0o600);
    return new IncomingFile(offer, partPath, statePath, handle, offset);
  }

  /** Bytes received so far (the offset the sender resumes from). */
  get offset(): number {
    return this.written;
  }

  /**
   * Appends the next bytes.
   * @param data the chunk
   * @returns the offset after the chunk
   */
  async append(data: Uint8Array): Promise<number> {
    if (this.handle === undefined) throw new Error('transfer already closed');
    if (this.written + data.length > this.offer.size)
      throw new Error(`chunk runs past the announced size ${this.offer.size}`);
    await this.handle.write(data);
    this.written += data.length;
    return this.written;
  }

  /**
   * Verifies size and SHA-256, then moves the file to `target`; on a mismatch the partial file is
   * discarded so the next attempt starts over.
   * @param target the final path
   */
  async complete(target: string): Promise<void> {
    await this.close(true);
    if (this.written !== this.offer.size)
      throw new Error(`got ${this.written} of ${this.offer.size} bytes`);
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(this.partPath)) hash.update(chunk as Buffer);
    const got = hash.digest('hex');
    if (got !== this.offer.sha256) {
      await this.discard();
      throw new Error(`sha256 mismatch (got ${got}); the partial file was discarded, send again`);
    }
    await ensurePrivateDir(path.dirname(target));
    await linkNew(this.partPath, target);
    await syncDir(path.dirname(target));
    await rm(this.statePath, { force: true });
    // Leave received/ as it was when no other transfer is partial (fails harmlessly otherwise).
    await rmdir(path.dirname(this.partPath)).catch(() => undefined);
  }

  /** Closes the partial file, keeping it for a resume. */
  async close(sync = false): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    if (h === undefined) return;
    try {
      if (sync) await h.sync();
    } finally {
      await h.close();
    }
  }

  private async discard(): Promise<void> {
    await rm(this.partPath, { force: true });
    await rm(this.statePath, { force: true });
  }
}

/** Best-effort directory fsync so a rename is durable. */
async function syncDir(dir: string): Promise<void> {
  try {
    const h = await open(dir, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  } catch {
    /* unsupported on some platforms */
  }
}
