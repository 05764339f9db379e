// The command subject: `{method, params}` in, `{result}` or `{error: {code, message}}` out,
// and only methods on the allow-list run.
import type { Daemon } from '@mesh/daemonapi';

/** A command handler. */
export type CommandHandler = (params: Readonly<Record<string, unknown>>) => unknown;

/** The reply to one command. */
export type CommandReply =
  | { readonly result: unknown }
  | { readonly error: { readonly code: string; readonly message: string } };

/**
 * The commands the bridge can run, each a call on the `@mesh/daemonapi` contract:
 * `ping`, `info`, `trusted_peers`, `publish {topic, payload}`, `set_webhook {url}`.
 * @param daemon - the daemon.
 * @returns name → handler.
 */
export function daemonCommands(daemon: Daemon): Record<string, CommandHandler> {
  return {
    ping: () => ({ pong: true, node_id: daemon.nodeId() }),
    info: () => ({
      node_id: daemon.nodeId(),
      version: daemon.versionInfo().version,
    }),
    trusted_peers: () => ({ trusted: daemon.trustedPeers() }),
    publish: (p) => {
      const topic = p['topic'];
      if (typeof topic !== 'string' || topic === '') throw invalid('publish needs a "topic"');
      const payload = p['payload'];
      daemon.publishEvent(
        topic,
        typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : {},
      );
      return { published: topic };
    },
    set_webhook: (p) => {
      const url = p['url'];
      if (typeof url !== 'string') throw invalid('set_webhook needs a "url"');
      daemon.setWebhookUrl(url);
      return { webhook: url };
    },
  };
}

/** A command error with `code` INVALID_COMMAND. */
function invalid(message: string): Error {
  return Object.assign(new Error(message), { code: 'INVALID_COMMAND' });
}

/** Parses, checks against the allow-list and runs commands. */
export class CommandRouter {
  readonly #handlers: Readonly<Record<string, CommandHandler>>;
  readonly #allow: ReadonlySet<string>;

  /**
   * @param handlers - the available commands.
   * @param allow - the methods that may run; everything else is refused.
   */
  constructor(handlers: Readonly<Record<string, CommandHandler>>, allow: readonly string[]) {
    this.#handlers = handlers;
    this.#allow = new Set(allow);
  }

  /**
   * Runs one command message.
   * @param data - the message body (JSON).
   * @returns the reply; never rejects.
   */
  async handle(data: Uint8Array): Promise<CommandReply> {
    let method: unknown;
    let params: unknown;
    try {
      const msg = JSON.parse(new TextDecoder().decode(data)) as Record<string, unknown>;
      method = msg['method'];
      params = msg['params'] ?? {};
    } catch {
      return { error: { code: 'INVALID_COMMAND', message: 'a command is JSON {method, params}' } };
    }
    if (typeof method !== 'string' || typeof params !== 'object' || params === null)
      return { error: { code: 'INVALID_COMMAND', message: 'a command is JSON {method, params}' } };
    const handler = this.#handlers[method];
    if (!this.#allow.has(method) || handler === undefined)
      return {
        error: {
          code: 'METHOD_NOT_ALLOWED',
          message: `method ${method} is not on this node's command allow-list`,
        },
      };
    try {
      return { result: (await handler(params as Record<string, unknown>)) ?? null };
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      return {
        error: {
          code: typeof code === 'string' ? code : 'COMMAND_FAILED',
          message: err instanceof Error ? err.message : String(err),
        },
      };
    }
  }
}
