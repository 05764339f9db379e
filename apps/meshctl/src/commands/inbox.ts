// meshctl inbox / received: what the data-exchange service saved under $MESH_HOME (list, show, clear).
import { createReadStream } from 'node:fs';
import type * as FsPromises from 'node:fs/promises';
import path from 'node:path';
import { CliError } from '../cli/errors.js';
import type { Command, CommandContext } from '../cli/types.js';
import { formatBytes } from '../util/format.js';

/** One saved message (`inbox/<id>.json`). */
export interface InboxEntry {
  readonly id: string;
  readonly type: string;
  readonly from: string;
  readonly bytes: number;
  readonly received_at: string;
}

/** One received file (`received/<name>`). */
export interface ReceivedEntry {
  readonly name: string;
  readonly bytes: number;
  readonly received_at: string;
  readonly path: string;
}

/** `node:fs/promises`, loaded when an inbox command runs (not at every meshctl start). */
const fsp = (): Promise<typeof FsPromises> => import('node:fs/promises');

const dirOf = (ctx: CommandContext, which: 'inbox' | 'received'): string =>
  path.join(ctx.home, which);

async function names(dir: string): Promise<string[]> {
  try {
    return (await (await fsp()).readdir(dir)).filter((n) => !n.startsWith('.')).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** The entry named by `<id>`, or a not_found error listing how to see the valid ones. */
function entryPath(dir: string, id: string, list: string): string {
  const base = path.basename(id);
  if (base !== id || id === '' || id.startsWith('.'))
    throw new CliError(
      'invalid_argument',
      `"${id}" is not an entry name`,
      `list them with: ${list}`,
    );
  return path.join(dir, base);
}

async function readRecord(file: string): Promise<Record<string, unknown>> {
  return JSON.parse(await (await fsp()).readFile(file, 'utf8')) as Record<string, unknown>;
}

export const inbox: Command = {
  name: 'inbox',
  args: [],
  description: 'messages other nodes sent with send-message ($MESH_HOME/inbox), oldest first',
  returns: 'messages[{id, type, from, bytes, received_at}], dir',
  async run(ctx) {
    const dir = dirOf(ctx, 'inbox');
    const messages: InboxEntry[] = [];
    for (const n of await names(dir)) {
      const r = await readRecord(path.join(dir, n)).catch(() => undefined);
      if (!r) continue;
      const text = (k: string): string => (typeof r[k] === 'string' ? r[k] : '');
      messages.push({
        id: n,
        type: text('type'),
        from: text('from'),
        bytes: typeof r['bytes'] === 'number' ? r['bytes'] : 0,
        received_at: text('received_at'),
      });
    }
    messages.sort((a, b) => a.received_at.localeCompare(b.received_at));
    return { messages, dir };
  },
  human: (d: { messages: InboxEntry[]; dir: string }) =>
    d.messages.length === 0
      ? `inbox empty (${d.dir})`
      : d.messages
          .map(
            (m) =>
              `${m.id}  ${m.type.padEnd(6)} ${formatBytes(m.bytes).padEnd(9)} from ${m.from}  ${m.received_at}`,
          )
          .join('\n'),
};

export const inboxShow: Command = {
  name: 'inbox show',
  args: ['<id>'],
  description: 'one inbox message with its data',
  returns: 'id, type, from, data, bytes, received_at',
  async run(ctx) {
    const file = entryPath(dirOf(ctx, 'inbox'), ctx.args[0], 'meshctl inbox');
    const r = await readRecord(file).catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'ENOENT'
        ? new CliError(
            'not_found',
            `no inbox message "${ctx.args[0]}"`,
            'list them with: meshctl inbox',
          )
        : err;
    });
    return { id: ctx.args[0], ...r };
  },
  human: (d: { id: string; type: string; from: string; data: string }) =>
    `${d.id}: ${d.type} from ${d.from}\n${d.data}`,
};

export const inboxClear: Command = {
  name: 'inbox clear',
  args: [],
  description: 'delete every inbox message',
  returns: 'removed',
  async run(ctx) {
    const dir = dirOf(ctx, 'inbox');
    const all = await names(dir);
    const { rm } = await fsp();
    await Promise.all(all.map((n) => rm(path.join(dir, n), { force: true })));
    return { removed: all.length };
  },
  human: (d: { removed: number }) => `removed ${d.removed} inbox message(s)`,
};

export const received: Command = {
  name: 'received',
  args: [],
  description: 'files other nodes sent with send-file ($MESH_HOME/received)',
  returns: 'files[{name, bytes, received_at, path}], dir',
  async run(ctx) {
    const dir = dirOf(ctx, 'received');
    const files: ReceivedEntry[] = [];
    for (const n of await names(dir)) {
      const s = await (await fsp()).stat(path.join(dir, n)).catch(() => undefined);
      if (!s?.isFile()) continue;
      files.push({
        name: n,
        bytes: s.size,
        received_at: s.mtime.toISOString(),
        path: path.join(dir, n),
      });
    }
    files.sort((a, b) => a.received_at.localeCompare(b.received_at));
    return { files, dir };
  },
  human: (d: { files: ReceivedEntry[]; dir: string }) =>
    d.files.length === 0
      ? `no received files (${d.dir})`
      : d.files
          .map((f) => `${f.name}  ${formatBytes(f.bytes).padEnd(9)} ${f.received_at}`)
          .join('\n'),
};

export const receivedShow: Command = {
  name: 'received show',
  args: ['<name>'],
  description: "a received file's path, size and SHA-256",
  returns: 'name, path, bytes, sha256, received_at',
  async run(ctx) {
    const file = entryPath(dirOf(ctx, 'received'), ctx.args[0], 'meshctl received');
    const s = await (await fsp()).stat(file).catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'ENOENT'
        ? new CliError(
            'not_found',
            `no received file "${ctx.args[0]}"`,
            'list them with: meshctl received',
          )
        : err;
    });
    // Streamed, so a large file is hashed in bounded memory.
    const hash = (await import('node:crypto')).createHash('sha256');
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
    return {
      name: ctx.args[0],
      path: file,
      bytes: s.size,
      sha256: hash.digest('hex'),
      received_at: s.mtime.toISOString(),
    };
  },
  human: (d: { name: string; path: string; bytes: number; sha256: string }) =>
    `${d.path}\n  ${formatBytes(d.bytes)} (${d.bytes} bytes)\n  sha256 ${d.sha256}`,
};

export const receivedClear: Command = {
  name: 'received clear',
  args: [],
  description: 'delete every received file',
  returns: 'removed',
  async run(ctx) {
    const dir = dirOf(ctx, 'received');
    const all = await names(dir);
    const { rm } = await fsp();
    await Promise.all(all.map((n) => rm(path.join(dir, n), { force: true })));
    return { removed: all.length };
  },
  human: (d: { removed: number }) => `removed ${d.removed} received file(s)`,
};
