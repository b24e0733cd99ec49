/**
 * MQTT 3.1.1 packets built by hand, for tests that must put exact bytes on a raw socket (a declared length
 * the client never sends in full, a flood no client library would produce).
 */
import net from 'node:net';

/** The remaining-length field [MQTT-2.2.3]: 7 bits per byte, at most four bytes. */
export function remainingLength(n: number): Buffer {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return Buffer.from(out);
}

const str = (s: string) => {
  const b = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
};

/** A complete CONNECT with username and password, client id = username, clean session unless told otherwise. */
export function connectPacket(username: string, password: string, { keepaliveS = 60, clean = true } = {}): Buffer {
  const keepalive = Buffer.alloc(2);
  keepalive.writeUInt16BE(keepaliveS);
  const flags = 0x80 | 0x40 | (clean ? 0x02 : 0); // username, password, clean session
  const body = Buffer.concat([str('MQTT'), Buffer.from([4, flags]), keepalive, str(username), str(username), str(password)]);
  return Buffer.concat([Buffer.from([0x10]), remainingLength(body.length), body]);
}

/** Only the fixed header of a packet declaring `length` bytes: the body is for the caller to stream. */
export function header(type: 'connect' | 'publish', length: number): Buffer {
  return Buffer.concat([Buffer.from([type === 'connect' ? 0x10 : 0x30]), remainingLength(length)]);
}

export function openSocket(port: number, host = '127.0.0.1'): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host }, () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Resolves with the first `n` bytes the server sends (e.g. a CONNACK), or rejects if the socket closes first. */
export function readBytes(socket: net.Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (got.length >= n) {
        socket.off('data', onData);
        socket.off('close', onClose);
        resolve(got.subarray(0, n));
      }
    };
    const onClose = () => reject(new Error(`socket closed after ${got.length} of ${n} bytes`));
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}

export interface StreamResult {
  /** Filler bytes handed to the socket before it closed. */
  sent: number;
  /** Whether the server cut the connection before all `total` bytes were flushed. */
  cutOff: boolean;
  ms: number;
}

/**
 * Writes `prefix`, then `total` bytes of filler. `fullSpeed` hands everything to the socket at once without
 * waiting for drain (the sender's own memory holds it); otherwise 64 KiB at a time with backpressure.
 * Resolves when the socket closes.
 */
export function stream(socket: net.Socket, prefix: Buffer, total: number, fullSpeed: boolean): Promise<StreamResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    let sent = 0;
    let flushed = false;
    let closed = false;
    socket.on('error', () => undefined); // EPIPE / ECONNRESET once the server cuts the connection
    socket.once('close', () => {
      closed = true;
      resolve({ sent, cutOff: !flushed, ms: Date.now() - started });
    });
    const last = (err?: Error | null) => {
      if (!err) flushed = true;
      socket.end();
    };
    socket.write(prefix);
    if (fullSpeed) {
      sent = total;
      socket.write(Buffer.alloc(total, 0x61), last);
      return;
    }
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const pump = () => {
      while (!closed && sent < total) {
        const n = Math.min(chunk.length, total - sent);
        sent += n;
        const body = n === chunk.length ? chunk : chunk.subarray(0, n);
        if (sent >= total) {
          socket.write(body, last);
          return;
        }
        if (!socket.write(body)) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
}
