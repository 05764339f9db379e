import { decodeBeaconMessage, encodeBeaconMessage } from '@mesh/protocol';
import WebSocket from 'ws';
import { noopLogger, type Logger } from '@mesh/daemonapi';
import type { RelayLink } from './relay-link.js';

/** Options of {@link WsRelayLink}. */
export interface WsRelayLinkOptions {
  /** Beacon WebSocket URL, e.g. `ws://127.0.0.1:9002/v1/compat`. */
  readonly url: string;
  /** Whether relayed frames prefer this link over UDP (`transport: 'ws'`). */
  readonly preferred: boolean;
  /** Logger. */
  readonly logger?: Logger;
  /**
   * Reconnect delay after the socket drops, ms.
   * @default 1000
   */
  readonly reconnectMs?: number;
}

/**
 * The beacon relay over WebSocket (compat transport for UDP-blocked hosts): one binary message
 * carries one beacon message — Discover to register the node, Relay out, RelayDeliver in.
 */
export class WsRelayLink implements RelayLink {
  /** Whether relayed frames use this link rather than UDP; `auto` flips it when UDP fails. */
  preferred: boolean;
  readonly #opts: WsRelayLinkOptions;
  readonly #log: Logger;
  #ws: WebSocket | undefined;
  #handler: (sender: number, frame: Uint8Array) => void = () => {};
  #nodeId = 0;
  #closed = false;
  #pending: Uint8Array[] = [];
  #reconnect: NodeJS.Timeout | undefined;

  /**
   * @param options URL and preference
   */
  constructor(options: WsRelayLinkOptions) {
    this.#opts = options;
    this.preferred = options.preferred;
    this.#log = options.logger ?? noopLogger;
  }

  /**
   * Sends a frame through the relay (queued, bounded, while connecting).
   * @param sender own node id
   * @param dest destination
   * @param frame tunnel frame
   */
  send(sender: number, dest: number, frame: Uint8Array): void {
    this.#write(encodeBeaconMessage({ kind: 'relay', sender, dest, frame }));
  }

  /**
   * Registers the node with the beacon over this link.
   * @param nodeId own node id
   */
  register(nodeId: number): void {
    this.#nodeId = nodeId;
    this.#write(encodeBeaconMessage({ kind: 'discover', node: nodeId }));
  }

  /**
   * Installs the inbound handler.
   * @param handler receives relayed frames
   */
  onFrame(handler: (sender: number, frame: Uint8Array) => void): void {
    this.#handler = handler;
  }

  /** Closes the socket. */
  close(): void {
    this.#closed = true;
    if (this.#reconnect !== undefined) clearTimeout(this.#reconnect);
    this.#ws?.terminate();
    this.#ws = undefined;
    this.#pending = [];
  }

  #write(bytes: Uint8Array): void {
    if (this.#closed) return;
    const ws = this.#connect();
    if (ws.readyState === WebSocket.OPEN) ws.send(bytes, { binary: true });
    else if (this.#pending.length < 256) this.#pending.push(bytes);
  }

  #connect(): WebSocket {
    if (this.#ws !== undefined) return this.#ws;
    const ws = new WebSocket(this.#opts.url);
    this.#ws = ws;
    ws.binaryType = 'nodebuffer';
    ws.on('open', () => {
      if (this.#nodeId !== 0)
        ws.send(encodeBeaconMessage({ kind: 'discover', node: this.#nodeId }), { binary: true });
      for (const bytes of this.#pending.splice(0)) ws.send(bytes, { binary: true });
    });
    ws.on('message', (data: Buffer) => {
      try {
        const msg = decodeBeaconMessage(
          new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
        );
        if (msg.kind === 'relay-deliver') this.#handler(msg.sender, msg.frame);
      } catch (error) {
        this.#log.debug('malformed beacon message over ws', { error: String(error) });
      }
    });
    ws.on('error', (error) => this.#log.debug('beacon ws error', { error: String(error) }));
    ws.on('close', () => {
      if (this.#ws === ws) this.#ws = undefined;
      if (this.#closed || this.#nodeId === 0) return;
      this.#reconnect = setTimeout(() => {
        this.#reconnect = undefined;
        if (!this.#closed) this.register(this.#nodeId);
      }, this.#opts.reconnectMs ?? 1000);
      this.#reconnect.unref();
    });
    return ws;
  }
}
