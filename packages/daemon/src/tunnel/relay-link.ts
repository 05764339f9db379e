/**
 * A non-UDP path to the beacon relay (the WebSocket transport). The tunnel hands it frames for
 * peers in relay mode and receives relayed frames from it.
 */
export interface RelayLink {
  /** Whether relayed frames should use this link rather than UDP (`--transport ws`). */
  readonly preferred: boolean;
  /**
   * Sends a tunnel frame to `dest` through the relay.
   * @param sender own node id
   * @param dest destination node id
   * @param frame the encoded tunnel frame
   */
  send(sender: number, dest: number, frame: Uint8Array): void;
  /**
   * Announces the node id so the relay delivers frames addressed to it over this link.
   * @param nodeId own node id
   */
  register(nodeId: number): void;
  /**
   * Installs the handler of frames relayed to this node.
   * @param handler called with the original sender and the frame
   */
  onFrame(handler: (sender: number, frame: Uint8Array) => void): void;
  /** Closes the link. Idempotent. */
  close(): void;
}
