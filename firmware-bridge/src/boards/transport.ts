/**
 * Transports firmata-io can talk through: the emulated board's link, a serial port (a real Uno on USB), or a
 * TCP socket to a serial server (ser2net on a gateway, or the emulated board served over TCP in tests).
 * firmata-io wants a serialport-like emitter: `open`, `data`, `close`, `error` and write(buffer, callback).
 */
import { EventEmitter } from 'node:events';
import { createConnection, type Socket } from 'node:net';
import { createRequire } from 'node:module';

export interface FirmataTransport extends EventEmitter {
  write(data: Uint8Array | number[], callback?: (err?: Error | null) => void): boolean;
  close(callback?: (err?: Error | null) => void): void;
}

/** `tcp://host:port` → a socket wrapped as a transport (the socket emits `connect`; Firmata waits for `open`). */
export function tcpTransport(url: string): FirmataTransport {
  const u = new URL(url);
  const port = Number(u.port);
  if (u.protocol !== 'tcp:' || !u.hostname || !Number.isInteger(port) || port <= 0) throw new TypeError(`expected tcp://host:port, got '${url}'`);
  return new SocketTransport(createConnection({ host: u.hostname, port }));
}

class SocketTransport extends EventEmitter implements FirmataTransport {
  #closed = false;
  constructor(private readonly socket: Socket) {
    super();
    socket.setNoDelay(true);
    socket.on('connect', () => this.emit('open'));
    socket.on('data', (d) => this.emit('data', d));
    socket.on('error', (err) => this.emit('error', err));
    socket.on('close', () => {
      if (this.#closed) return this.emit('close');
      this.#closed = true;
      // The far end went away: for Firmata that is an unplugged board.
      this.emit('close', { disconnect: true, disconnected: true });
    });
  }

  write(data: Uint8Array | number[], callback?: (err?: Error | null) => void): boolean {
    if (this.socket.destroyed) {
      if (callback) process.nextTick(callback, new Error('socket closed'));
      return false;
    }
    return this.socket.write(Buffer.from(data), callback);
  }

  close(callback?: (err?: Error | null) => void): void {
    this.#closed = true;
    this.socket.destroy();
    if (callback) process.nextTick(callback, null);
  }
}

interface SerialPortLike extends EventEmitter {
  write(data: Buffer, callback?: (err?: Error | null) => void): boolean;
  close(callback?: (err?: Error | null) => void): void;
}
type SerialPortCtor = new (options: { path: string; baudRate: number; autoOpen?: boolean }) => SerialPortLike;

/**
 * A serial port through `serialport` (an optional dependency with prebuilt bindings: a gateway without it can
 * still run emulated or over TCP). It emits open/data/close/error and takes write(buffer, cb) as firmata-io
 * expects.
 */
export function serialTransport(path: string, baudRate = 57_600): FirmataTransport {
  let SerialPort: SerialPortCtor;
  try {
    const require = createRequire(import.meta.url);
    SerialPort = (require('serialport') as { SerialPort: SerialPortCtor }).SerialPort;
  } catch (err) {
    throw new Error(`--port ${path} needs the optional package 'serialport', which is not installed or did not build: ${(err as Error).message}`);
  }
  const port = new SerialPort({ path, baudRate });
  const transport = new EventEmitter() as FirmataTransport;
  port.on('open', () => transport.emit('open'));
  port.on('data', (d: Buffer) => transport.emit('data', d));
  port.on('error', (err: Error) => transport.emit('error', err));
  port.on('close', (e: { disconnected?: boolean } | null) =>
    transport.emit('close', e?.disconnected ? { disconnect: true, disconnected: true } : undefined),
  );
  transport.write = (data, callback) => port.write(Buffer.from(data), callback);
  transport.close = (callback) => port.close(callback);
  return transport;
}
