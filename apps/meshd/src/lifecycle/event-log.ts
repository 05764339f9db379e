// Recent registry/beacon connection-state events: a fixed ring in memory, JSONL on disk with rotation.
import { appendFileSync, existsSync, readFileSync, renameSync, statSync } from 'node:fs';
import type { ConnectionEventRecord } from '@mesh/ipc';

/** Event types recorded (reference ppz §B.8 set, for the registry and beacon links). */
export type ConnectionEventType =
  | 'connect'
  | 'disconnect'
  | 'reconnect'
  | 'closed'
  | 'wake'
  | 'reload'
  | 'daemon_start'
  | 'daemon_stop';

/** Options of {@link ConnectionEventLog}. */
export interface ConnectionEventLogOptions {
  /** JSONL file; generations are `<file>.1`, `<file>.2`, … */
  readonly file: string;
  /** Events kept in memory. @defaultValue 256 */
  readonly capacity?: number;
  /** Rotate when the file reaches this size. @defaultValue 10 MiB */
  readonly maxBytes?: number;
  /** Rotated generations kept. @defaultValue 2 */
  readonly generations?: number;
  /** Clock (tests). @defaultValue Date.now */
  readonly now?: () => number;
}

/**
 * A drop-oldest ring of {@link ConnectionEventRecord}s mirrored to an append-only JSONL file
 * that rotates by size. At start the ring is reseeded from the newest lines on disk, so `diag`
 * shows what happened before a restart. Disk errors never fail the caller.
 */
export class ConnectionEventLog {
  readonly #file: string;
  readonly #capacity: number;
  readonly #maxBytes: number;
  readonly #generations: number;
  readonly #now: () => number;
  #ring: ConnectionEventRecord[] = [];
  #diskErrors = 0;

  /** @param options - file, capacity and rotation limits. */
  constructor(options: ConnectionEventLogOptions) {
    this.#file = options.file;
    this.#capacity = options.capacity ?? 256;
    this.#maxBytes = options.maxBytes ?? 10 * 1024 * 1024;
    this.#generations = options.generations ?? 2;
    this.#now = options.now ?? Date.now;
  }

  /** Writes that failed (the ring still has the events). */
  get diskErrors(): number {
    return this.#diskErrors;
  }

  /**
   * Reseeds the ring from disk (oldest generation first, bad lines skipped).
   * @returns how many events were loaded.
   */
  load(): number {
    const events: ConnectionEventRecord[] = [];
    for (const file of this.#filesOldestFirst()) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      for (const line of text.split('\n')) {
        if (line === '') continue;
        try {
          const e = JSON.parse(line) as ConnectionEventRecord;
          if (typeof e.type === 'string' && typeof e.at === 'string') events.push(e);
        } catch {
          // A torn last line after a crash; skip it.
        }
      }
    }
    this.#ring = events.slice(-this.#capacity);
    return this.#ring.length;
  }

  /**
   * Records one event.
   * @param type - what happened.
   * @param link - `registry`, `beacon` or `daemon`.
   * @param reason - why (disconnects, closes).
   * @returns the record.
   */
  append(type: ConnectionEventType, link: string, reason?: string): ConnectionEventRecord {
    const record: ConnectionEventRecord = {
      v: 1,
      type,
      at: new Date(this.#now()).toISOString(),
      link,
      ...(reason !== undefined && reason !== '' ? { reason } : {}),
    };
    this.#ring.push(record);
    if (this.#ring.length > this.#capacity) this.#ring.shift();
    try {
      this.#rotateIfNeeded();
      appendFileSync(this.#file, JSON.stringify(record) + '\n', { mode: 0o600 });
    } catch {
      this.#diskErrors++;
    }
    return record;
  }

  /**
   * @param sinceMs - only events at or after this Unix ms time.
   * @returns a copy of the ring, oldest first.
   */
  snapshot(sinceMs?: number): ConnectionEventRecord[] {
    if (sinceMs === undefined) return [...this.#ring];
    return this.#ring.filter((e) => Date.parse(e.at) >= sinceMs);
  }

  /** @returns the number of events in every generation on disk. */
  onDiskCount(): number {
    let n = 0;
    for (const file of this.#filesOldestFirst()) {
      try {
        n += readFileSync(file, 'utf8')
          .split('\n')
          .filter((l) => l !== '').length;
      } catch {
        // missing generation
      }
    }
    return n;
  }

  #filesOldestFirst(): string[] {
    const files: string[] = [];
    for (let g = this.#generations; g >= 1; g--) files.push(`${this.#file}.${g}`);
    files.push(this.#file);
    return files.filter((f) => existsSync(f));
  }

  #rotateIfNeeded(): void {
    let size = 0;
    try {
      size = statSync(this.#file).size;
    } catch {
      return;
    }
    if (size < this.#maxBytes) return;
    for (let g = this.#generations - 1; g >= 1; g--) {
      if (existsSync(`${this.#file}.${g}`))
        renameSync(`${this.#file}.${g}`, `${this.#file}.${g + 1}`);
    }
    renameSync(this.#file, `${this.#file}.1`);
  }
}
