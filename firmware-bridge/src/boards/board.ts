/**
 * One Firmata board driven through johnny-five: opens its transport, waits for StandardFirmata to answer,
 * sets up the pins the config wires (PWM dimmers, relays, kiosk buttons and LEDs), and writes levels — only the
 * ones that changed since the last write on this connection, so a 57,600-baud link keeps up. When the board goes
 * away (unplugged, reset, the serial server dropped) or never answers, it says why and reopens it after
 * `reconnectMs`; on every (re)connection the current levels are written again, so the frame resumes.
 */
import firmataIo, { type FirmataBoard } from 'firmata-io';
import five from 'johnny-five';
import { TypedEmitter, silentLogger, type Logger } from '@caideng/simulators';
import type { BoardConfig } from '../config/schema.js';
import type { FirmataTransport } from './transport.js';

export type OutputKind = 'pwm' | 'relay' | 'led';

export interface BoardEvents {
  [event: string]: unknown[];
  /** Firmata answered and every pin is set up (after each reconnection too). */
  ready: [];
  /** The board went away or could not be opened; it will be reopened. */
  lost: [reason: string];
  /** A button pin changed: pressed (after johnny-five's debounce) or released. */
  press: [pin: number];
  release: [pin: number];
}

export interface BoardCounters {
  connects: number;
  /** Pin writes sent to the board (changed levels only). */
  writes: number;
  failures: number;
}

interface Output {
  kind: OutputKind;
  write: ((value: number) => void) | null;
}

export class FirmataBoardLink extends TypedEmitter<BoardEvents> {
  readonly counters: BoardCounters = { connects: 0, writes: 0, failures: 0 };
  /** Why the board is not ready, for status and telemetry; null while ready. */
  problem: string | null = 'not opened yet';
  readonly #outputs = new Map<number, Output>();
  readonly #buttons = new Map<number, { pullup: boolean }>();
  /** The level each output pin should show. */
  readonly #levels = new Map<number, number>();
  /** What was last written on the current connection. */
  readonly #written = new Map<number, number>();
  readonly #log: Logger;
  #generation = 0;
  #io: FirmataBoard | null = null;
  #board: InstanceType<typeof five.Board> | null = null;
  #transport: FirmataTransport | null = null;
  #ready = false;
  #stopped = true;
  #readyTimer: NodeJS.Timeout | null = null;
  #reopenTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly config: BoardConfig,
    private readonly openTransport: () => FirmataTransport,
    log: Logger = silentLogger,
  ) {
    super();
    this.#log = log.child(`board:${config.id}`);
  }

  get ready(): boolean {
    return this.#ready;
  }

  /** Declares an output pin before start(). */
  output(pin: number, kind: OutputKind): void {
    this.#outputs.set(pin, { kind, write: null });
    if (!this.#levels.has(pin)) this.#levels.set(pin, 0);
  }

  /** Declares a button pin before start(). */
  button(pin: number, pullup: boolean): void {
    this.#buttons.set(pin, { pullup });
  }

  /** Sets an output's level 0–255 (relays and LEDs: on from 128); written now if it changed and the board is up. */
  set(pin: number, value: number): void {
    this.#levels.set(pin, value);
    if (this.#ready) this.#write(pin, value);
  }

  level(pin: number): number {
    return this.#levels.get(pin) ?? 0;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#open();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#reopenTimer) clearTimeout(this.#reopenTimer);
    this.#reopenTimer = null;
    this.#close();
  }

  #open(): void {
    const generation = ++this.#generation;
    const { id, port, readyTimeoutMs } = this.config;
    let transport: FirmataTransport;
    try {
      transport = this.openTransport();
    } catch (err) {
      this.#fail(generation, `board '${id}' at ${port} cannot be opened: ${(err as Error).message}`);
      return;
    }
    this.#transport = transport;
    const io = new firmataIo.Firmata(transport, { reportVersionTimeout: Math.max(50, Math.min(5000, Math.floor(readyTimeoutMs / 2))) });
    this.#io = io;
    // Before ready, firmata-io re-emits transport errors on itself; unhandled they would end the process.
    io.on('error', (err: Error) => this.#fail(generation, `board '${id}' at ${port}: ${err.message}`));
    io.on('close', () => this.#fail(generation, `board '${id}' at ${port}: the link closed`));
    io.on('disconnect', () => this.#fail(generation, `board '${id}' at ${port} was disconnected (unplugged?)`));
    this.#readyTimer = setTimeout(() => {
      this.#fail(
        generation,
        `board '${id}' at ${port} did not answer as Firmata within ${readyTimeoutMs} ms: is StandardFirmata flashed and the link at ${this.config.baudRate} baud?`,
      );
    }, readyTimeoutMs);
    const board = new five.Board({ io, id: `${id}-${generation}`, repl: false, debug: false, sigint: false, timeout: readyTimeoutMs + 60_000 });
    this.#board = board;
    board.on('error', (err: Error) => this.#fail(generation, `board '${id}' at ${port}: ${err.message}`));
    board.on('ready', () => {
      if (generation !== this.#generation) return;
      if (this.#readyTimer) clearTimeout(this.#readyTimer);
      this.#readyTimer = null;
      this.#setUp(board);
      this.#ready = true;
      this.problem = null;
      this.counters.connects++;
      this.#log.info('board ready', { port, firmware: io.firmware?.name });
      for (const [pin, value] of this.#levels) this.#write(pin, value);
      this.emit('ready');
    });
  }

  #setUp(board: InstanceType<typeof five.Board>): void {
    this.#written.clear();
    for (const [pin, out] of this.#outputs) {
      if (out.kind === 'relay') {
        const relay = new five.Relay({ pin, board, type: 'NO' });
        out.write = (v) => (v >= 128 ? relay.close() : relay.open());
      } else {
        const led = new five.Led({ pin, board });
        out.write = out.kind === 'pwm' ? (v) => led.brightness(v) : (v) => (v >= 128 ? led.on() : led.off());
      }
    }
    for (const [pin, { pullup }] of this.#buttons) {
      const button = new five.Button({ pin, board, isPullup: pullup });
      button.on('press', () => this.emit('press', pin));
      button.on('release', () => this.emit('release', pin));
    }
  }

  #write(pin: number, value: number): void {
    const out = this.#outputs.get(pin);
    if (!out?.write) return;
    const v = out.kind === 'pwm' ? Math.max(0, Math.min(255, Math.round(value))) : value >= 128 ? 255 : 0;
    if (this.#written.get(pin) === v) return;
    this.#written.set(pin, v);
    this.counters.writes++;
    out.write(v);
  }

  #fail(generation: number, reason: string): void {
    if (generation !== this.#generation || this.#stopped) return;
    this.#generation++;
    const wasReady = this.#ready;
    this.#close();
    this.counters.failures++;
    this.problem = reason;
    if (wasReady) this.#log.warn('board lost', { reason });
    else this.#log.error('board not available', { reason });
    this.emit('lost', reason);
    this.#reopenTimer = setTimeout(() => {
      this.#reopenTimer = null;
      if (!this.#stopped) this.#open();
    }, this.config.reconnectMs);
  }

  #close(): void {
    if (this.#readyTimer) clearTimeout(this.#readyTimer);
    this.#readyTimer = null;
    this.#ready = false;
    for (const out of this.#outputs.values()) out.write = null;
    const transport = this.#transport;
    this.#transport = null;
    this.#io = null;
    const board = this.#board;
    this.#board = null;
    if (board) {
      // johnny-five keeps every board it made and a connect timer per board: a board reopened every few
      // seconds for weeks must not pile up.
      if (board.timer) clearTimeout(board.timer);
      const cache = five.Board.cache;
      const at = cache.indexOf(board);
      if (at >= 0) cache.splice(at, 1);
    }
    if (transport) {
      // Listeners of this connection stay attached to objects nobody references any more; silence late errors.
      transport.on('error', () => {});
      try {
        transport.close();
      } catch {
        // already closed
      }
    }
  }
}
