/**
 * Framing of the sandbox's loopback protocol: `u32 length | u8 type | u32 id | payload`, little-endian,
 * where length counts what follows it. One TCP connection carries one client connection, as an MTProto
 * connection does; TL bytes travel as they are, the few transport messages as JSON.
 */

export const FrameType = {
  /** client → server, JSON ConnectionHello (auth key as hex): opens the client connection. */
  hello: 1,
  /** server → client, JSON `{ authKey }`: the connection is open. */
  welcome: 2,
  /** server → client, JSON `{ message }`: the connection could not be opened. */
  refused: 3,
  /** client → server: TL bytes of a request. */
  call: 4,
  /** server → client: TL bytes of the result of call `id`. */
  result: 5,
  /** server → client: TL bytes of the `rpc_error` that call `id` ended with. */
  rpcError: 6,
  /** server → client, UTF-8: call `id` failed without an answer (disconnected, world stopped). */
  failure: 7,
  /** server → client: TL bytes of an `Updates` object. */
  update: 8,
  /** server → client: the auth key the connection now holds. */
  authKey: 9,
  /** client → server: what is this world (no hello needed). */
  infoRequest: 10,
  /** server → client, JSON SandboxInfo (auth keys as hex). */
  info: 11,
  /** client → server, JSON `{ phone, token }`: the account's phone scans a QR login code (no hello needed). */
  scanRequest: 12,
  /** server → client, JSON LoginTokenScan. */
  scanned: 13,
} as const;

export type FrameTypeValue = (typeof FrameType)[keyof typeof FrameType];

export interface Frame {
  readonly type: number;
  readonly id: number;
  readonly payload: Buffer;
}

const HEADER = 4 + 1 + 4;
/** Larger than any TL message Telegram allows (about 1 MB per request), small enough to catch garbage. */
export const MAX_FRAME_BYTES = 32 * 1024 * 1024;

export function encodeFrame(type: number, id: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.allocUnsafe(HEADER);
  head.writeUInt32LE(payload.length + 5, 0);
  head.writeUInt8(type, 4);
  head.writeUInt32LE(id >>> 0, 5);
  return Buffer.concat([head, payload]);
}

export const jsonPayload = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8');

/** Splits a byte stream into frames. */
export class FrameReader {
  #pending: Buffer[] = [];
  #size = 0;

  /** Adds received bytes; returns the frames completed by them. */
  push(chunk: Buffer): Frame[] {
    this.#pending.push(chunk);
    this.#size += chunk.length;
    const frames: Frame[] = [];
    for (;;) {
      if (this.#size < 4) break;
      const buffer = this.#flatten();
      const length = buffer.readUInt32LE(0);
      if (length < 5 || length > MAX_FRAME_BYTES) throw new RangeError(`bad frame length ${length}`);
      if (buffer.length < 4 + length) break;
      frames.push({ type: buffer.readUInt8(4), id: buffer.readUInt32LE(5), payload: Buffer.from(buffer.subarray(HEADER, 4 + length)) });
      const rest = buffer.subarray(4 + length);
      this.#pending = rest.length > 0 ? [rest] : [];
      this.#size = rest.length;
    }
    return frames;
  }

  #flatten(): Buffer {
    if (this.#pending.length > 1) this.#pending = [Buffer.concat(this.#pending)];
    return this.#pending[0] ?? Buffer.alloc(0);
  }
}
