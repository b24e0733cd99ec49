/**
 * A guard in front of the MQTT parser. mqtt-packet buffers a whole packet before anything sees it, of any
 * declared length up to 256 MB, and aedes' size checks run after that; a connection could so hold hundreds
 * of megabytes before it has even authenticated. The guard follows the packet framing of the raw byte
 * stream (fixed header: one type byte, then the remaining length in 1–4 bytes [MQTT-2.2.3]) and closes the
 * connection as soon as a header declares a packet larger than the limit, before its body is read.
 */
import type { Duplex } from 'node:stream';

/** Follows packet boundaries in a byte stream. `feed` returns null, or why the stream must be closed. */
export class PacketFramer {
  /** Bytes of the current packet's body still to skip. */
  private skip = 0;
  /** Whether the type byte was read and the remaining length is being decoded. */
  private inLength = false;
  private length = 0;
  private lengthBytes = 0;

  constructor(private readonly maxPacketBytes: number) {}

  feed(chunk: Buffer): string | null {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.skip > 0) {
        const step = Math.min(this.skip, n - i);
        this.skip -= step;
        i += step;
        continue;
      }
      if (!this.inLength) {
        i++; // type and flags; the parser judges them
        this.inLength = true;
        this.length = 0;
        this.lengthBytes = 0;
        continue;
      }
      const byte = chunk[i++]!;
      this.length += (byte & 0x7f) * 128 ** this.lengthBytes;
      this.lengthBytes++;
      if (byte & 0x80) {
        if (this.lengthBytes === 4) return 'malformed remaining length'; // [MQTT-2.2.3]: at most four bytes
        // Another length byte follows, so the length is at least this big: no need to wait for it.
        if (this.length + 128 ** this.lengthBytes > this.maxPacketBytes) return this.tooLarge(this.length + 128 ** this.lengthBytes);
        continue;
      }
      if (this.length > this.maxPacketBytes) return this.tooLarge(this.length);
      this.inLength = false;
      this.skip = this.length;
    }
    return null;
  }

  private tooLarge(declared: number): string {
    return `packet declares at least ${declared} bytes, more than the limit of ${this.maxPacketBytes}`;
  }
}

/**
 * Puts the guard on a connection before aedes reads from it. It wraps the stream's own `read`, through which
 * every byte reaches the parser (aedes reads on 'readable'; flowing mode and pipe read the same way), so no
 * extra stream sits on the hot path. On a violation the connection is destroyed and the chunk never parsed.
 */
export function guardPackets(conn: Duplex, maxPacketBytes: number, onViolation: (reason: string) => void): void {
  const framer = new PacketFramer(maxPacketBytes);
  const read = conn.read;
  let closed = false;
  conn.read = function guardedRead(this: Duplex, size?: number) {
    const chunk: unknown = read.call(this, size);
    if (closed) return null;
    if (chunk === null || !Buffer.isBuffer(chunk)) return chunk;
    const violation = framer.feed(chunk);
    if (violation === null) return chunk;
    closed = true;
    onViolation(violation);
    conn.destroy();
    return null;
  };
}
