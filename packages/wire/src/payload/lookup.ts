import { checkBytes, checkMinLength, checkUint } from '../bytes/check.js';
import { Reader, readU32, writeU32 } from '../bytes/reader.js';
import { isAscii, utf8Encode } from '../bytes/utf8.js';
import type { Utf8Field } from '../bytes/writer.js';
import { Writer } from '../bytes/writer.js';

/** Decoded lookup response (frame type `LOOKUP_OK`, 0x82). */
export interface LookupResult {
  /** Node id (uint32). */
  nodeId: number;
  /** Flags bit 0x01. */
  public: boolean;
  /** Flags bit 0x02. */
  taskExec: boolean;
  /** Network ids (uint16 each, at most 65535 of them). */
  networks: number[];
  /** Public key bytes (at most 255 are sent). */
  pubKey: Uint8Array;
  /** Hostname (at most 255 UTF-8 bytes are sent). */
  hostname: string;
  /** Tags (at most 255 tags of at most 255 UTF-8 bytes each are sent). */
  tags: string[];
  /** Real address, populated for public nodes (at most 65535 UTF-8 bytes). */
  realAddr: string;
  /** External identity (at most 255 UTF-8 bytes are sent). */
  externalId: string;
}

const MAX_U8_FIELD = 255;

/** Truncation to 255 bytes, exactly as the reference encoder slices (by bytes, not characters). */
function short(bytes: Uint8Array): Uint8Array {
  return bytes.length > MAX_U8_FIELD ? bytes.subarray(0, MAX_U8_FIELD) : bytes;
}

/** A string field ready to write: ASCII text within its limit stays a string (1 char = 1 byte). */
function shortText(text: string): Utf8Field {
  return isAscii(text) && text.length <= MAX_U8_FIELD ? text : short(utf8Encode(text));
}

/**
 * Encodes a lookup response payload:
 * `[4B node_id][1B flags][4B reserved=0][2B net_count][2B net]*[1B pubkey_len][pubkey][1B hostname_len][hostname]`
 * `[1B tag_count]{[1B len][tag]}*[2B real_addr_len][real_addr][1B external_id_len][external_id]`.
 *
 * Truncation, exactly as the reference encoder: `pubKey`, `hostname`, each tag and `externalId` are cut to
 * their first 255 bytes (UTF-8 bytes for strings, which may split a character), and only the first 255
 * tags are sent. Counts and values that would wrap instead (more than 65535 networks, a network id outside
 * uint16, a `realAddr` over 65535 bytes, a `nodeId` outside uint32) throw OUT_OF_RANGE.
 *
 * @example
 * ```ts
 * encodeLookupResp({ nodeId: 42, public: true, taskExec: false, networks: [1, 2], pubKey: Uint8Array.of(0xab),
 *   hostname: 'host.example', tags: ['t1'], realAddr: '1.2.3.4:444', externalId: 'ext-123' });
 * ```
 */
export function encodeLookupResp(r: LookupResult): Uint8Array {
  checkUint(r.nodeId, 0xffffffff, 'nodeId');
  const networks = r.networks;
  checkUint(networks.length, 0xffff, 'networks.length');
  for (let i = 0; i < networks.length; i++) checkUint(networks[i], 0xffff, `networks[${i}]`);
  checkBytes(r.pubKey, 'pubKey');
  const pubKey = short(r.pubKey);
  const hostname = shortText(r.hostname);
  const tagList = r.tags.length > MAX_U8_FIELD ? r.tags.slice(0, MAX_U8_FIELD) : r.tags;
  const tags: Utf8Field[] = new Array<Utf8Field>(tagList.length);
  let tagBytes = 0;
  for (let i = 0; i < tagList.length; i++) {
    const t = shortText(tagList[i]);
    tags[i] = t;
    tagBytes += 1 + t.length;
  }
  const realAddr = isAscii(r.realAddr) ? r.realAddr : utf8Encode(r.realAddr);
  checkUint(realAddr.length, 0xffff, 'realAddr byte length');
  const externalId = shortText(r.externalId);

  const size =
    11 +
    networks.length * 2 +
    1 +
    pubKey.length +
    1 +
    hostname.length +
    1 +
    tagBytes +
    2 +
    realAddr.length +
    1 +
    externalId.length;
  const w = new Writer(size);
  w.u32(r.nodeId);
  w.u8((r.public ? 0x01 : 0) | (r.taskExec ? 0x02 : 0));
  w.u32(0); // reserved, formerly polo_score
  w.u16(networks.length);
  for (let i = 0; i < networks.length; i++) w.u16(networks[i]);
  w.u8(pubKey.length);
  w.raw(pubKey);
  w.u8(hostname.length);
  w.text(hostname);
  w.u8(tags.length);
  for (const t of tags) {
    w.u8(t.length);
    w.text(t);
  }
  w.u16(realAddr.length);
  w.text(realAddr);
  w.u8(externalId.length);
  w.text(externalId);
  return w.bytes;
}

/**
 * Decodes a lookup response payload. The reserved field is skipped; trailing bytes are ignored, as the
 * reference does. Throws TOO_SHORT under 11 bytes and TRUNCATED naming the first field that overruns.
 *
 * @example
 * ```ts
 * const { nodeId, hostname, networks } = decodeLookupResp(frame.payload);
 * ```
 */
export function decodeLookupResp(p: Uint8Array): LookupResult {
  checkMinLength(p, 11, 'lookup response');
  const rd = new Reader(p);
  const nodeId = rd.u32('node_id');
  const flags = rd.u8('flags');
  rd.offset += 4; // reserved (was polo_score), ignored
  const netCount = rd.u16('network count');
  rd.need(netCount * 2, 'networks'); // checked before allocating
  const networks = new Array<number>(netCount);
  for (let i = 0; i < netCount; i++) networks[i] = rd.u16('networks');
  const pubKey = rd.copy(rd.u8('pubkey length'), 'pubkey data');
  const hostname = rd.string(rd.u8('hostname length'), 'hostname data');
  const tagCount = rd.u8('tags count');
  rd.need(tagCount, 'tags'); // each tag needs at least its length byte
  const tags = new Array<string>(tagCount);
  for (let i = 0; i < tagCount; i++) {
    tags[i] = rd.string(rd.u8(`tag length at index ${i}`), `tag data at index ${i}`);
  }
  const realAddr = rd.string(rd.u16('real_addr length'), 'real_addr data');
  const externalId = rd.string(rd.u8('external_id length'), 'external_id data');
  return {
    nodeId,
    public: (flags & 0x01) !== 0,
    taskExec: (flags & 0x02) !== 0,
    networks,
    pubKey,
    hostname,
    tags,
    realAddr,
    externalId,
  };
}

/**
 * Encodes a lookup request payload: `[4B node_id]`.
 *
 * @example
 * ```ts
 * encodeLookupReq(42); // 00 00 00 2a
 * ```
 */
export function encodeLookupReq(nodeId: number): Uint8Array {
  checkUint(nodeId, 0xffffffff, 'nodeId');
  const out = new Uint8Array(4);
  writeU32(out, 0, nodeId);
  return out;
}

/**
 * Decodes a lookup request payload (at least 4 bytes) to the node id.
 *
 * @example
 * ```ts
 * decodeLookupReq(Uint8Array.of(0, 0, 0xca, 0xfe)); // 0xcafe
 * ```
 */
export function decodeLookupReq(p: Uint8Array): number {
  checkMinLength(p, 4, 'lookup request');
  return readU32(p, 0);
}
