// firmata-io and johnny-five ship no types: the parts the bridge uses, declared here.
declare module 'firmata-io' {
  import type { EventEmitter } from 'node:events';
  export interface FirmataBoard extends EventEmitter {
    isReady: boolean;
    transport: EventEmitter & { close?(cb?: () => void): void };
    pending: number;
    firmware: { name?: string; version?: { major: number; minor: number } };
    MODES: Record<string, number>;
    pinMode(pin: number, mode: number): void;
    analogWrite(pin: number, value: number): void;
    digitalWrite(pin: number, value: 0 | 1): void;
    reportVersion(cb: () => void): void;
  }
  interface FirmataCtor {
    new (transport: EventEmitter, options?: { reportVersionTimeout?: number; skipCapabilities?: boolean; samplingInterval?: number }): FirmataBoard;
  }
  const bindTransport: ((transport: unknown) => FirmataCtor) & { Firmata: FirmataCtor };
  export default bindTransport;
}

declare module 'johnny-five' {
  import type { EventEmitter } from 'node:events';
  export interface BoardOptions {
    io: unknown;
    id?: string;
    repl?: boolean;
    debug?: boolean;
    sigint?: boolean;
    timeout?: number;
  }
  export class Board extends EventEmitter {
    constructor(options: BoardOptions);
    /** Every board johnny-five has made (it keeps them for its REPL and component look-ups). */
    static readonly cache: Board[];
    timer: NodeJS.Timeout | null;
    isReady: boolean;
    io: import('firmata-io').FirmataBoard;
  }
  export interface PinOptions {
    pin: number;
    board: Board;
  }
  export class Led {
    constructor(options: PinOptions);
    brightness(value: number): this;
    on(): this;
    off(): this;
    stop(): this;
  }
  export class Relay {
    constructor(options: PinOptions & { type?: 'NO' | 'NC' });
    open(): this;
    close(): this;
  }
  export class Button extends EventEmitter {
    constructor(options: PinOptions & { isPullup?: boolean; holdtime?: number });
  }
  const five: { Board: typeof Board; Led: typeof Led; Relay: typeof Relay; Button: typeof Button };
  export default five;
}
