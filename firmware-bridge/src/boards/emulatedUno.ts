/**
 * An Arduino Uno (ATmega328P at 16 MHz) emulated with avr8js, running a real firmware hex in process, so the
 * bridge and its tests need no hardware. The serial link is the chip's own USART at the baud rate the firmware
 * sets (57,600 for StandardFirmata), so its throughput is the real link's.
 *
 * What was learned the hard way: the transport must emit `open`; the CPU starts only once Firmata has attached
 * its listeners (connect() returns the link, start happens on the next tick); bytes go into the USART one at a
 * time (`writeByte` refuses while a byte is still being received), pumped on `onRxComplete` and after every CPU
 * slice, or the firmware sees only the last byte. StandardFirmata blinks its version for ~1.9 s of simulated
 * time before it speaks: that part runs unpaced (~3× real time here), then the CPU is paced to the wall clock.
 *
 * Pin levels are observable: PWM duty from the timers' compare registers (when the compare output is connected
 * to the pin), digital levels from the port registers; input pins can be driven (a button to ground), and
 * an input nobody drives reads its pull-up.
 */
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import {
  AVRIOPort,
  AVRTimer,
  AVRUSART,
  CPU,
  PinState,
  avrInstruction,
  portBConfig,
  portCConfig,
  portDConfig,
  timer0Config,
  timer1Config,
  timer2Config,
  usart0Config,
} from 'avr8js';
import { parseIntelHex } from './intelHex.js';
import type { FirmataTransport } from './transport.js';

export const UNO_CLOCK_HZ = 16_000_000;
/** Uno pins with hardware PWM (analogWrite), and where their duty cycle lives. */
export const UNO_PWM_PINS = [3, 5, 6, 9, 10, 11] as const;
const PWM: Record<number, { ocr: number; tccra: number; com: number }> = {
  3: { ocr: timer2Config.OCRB, tccra: timer2Config.TCCRA, com: 0x20 },
  5: { ocr: timer0Config.OCRB, tccra: timer0Config.TCCRA, com: 0x20 },
  6: { ocr: timer0Config.OCRA, tccra: timer0Config.TCCRA, com: 0x80 },
  9: { ocr: timer1Config.OCRA, tccra: timer1Config.TCCRA, com: 0x80 },
  10: { ocr: timer1Config.OCRB, tccra: timer1Config.TCCRA, com: 0x20 },
  11: { ocr: timer2Config.OCRA, tccra: timer2Config.TCCRA, com: 0x80 },
};
export const UNO_DIGITAL_PINS = 20; // D0–D13, A0–A5 as D14–D19
/** Simulated time a board may stay silent before it is paced anyway: StandardFirmata speaks after ~1.9 s. */
const BOOT_LIMIT_MS = 3000;

export interface EmulatedUnoOptions {
  /** Run the CPU as fast as it goes instead of at 16 MHz of wall time. Default false (paced after boot). */
  unpaced?: boolean;
  /** CPU time per slice between event-loop turns, ms of simulated time. Default 5. */
  sliceMs?: number;
}

interface Chip {
  cpu: CPU;
  usart: AVRUSART;
  ports: { B: AVRIOPort; C: AVRIOPort; D: AVRIOPort };
}

export class EmulatedUno {
  readonly #progMem: Uint16Array;
  readonly #unpaced: boolean;
  readonly #sliceCycles: number;
  /** Levels driven onto input pins from outside; they survive a reset. */
  readonly #inputs = new Map<number, boolean>();
  #chip: Chip | null = null;
  #link: EmulatedLink | null = null;
  #timeout: NodeJS.Timeout | null = null;
  #immediate: NodeJS.Immediate | null = null;
  #spoken = false;
  /** Paced to the wall clock: once the firmware spoke, or after BOOT_LIMIT_MS of silence (a board without Firmata). */
  #paced = false;
  #paceCycles = 0;
  #paceWall = 0;
  #tx: number[] = [];
  readonly #rx: number[] = [];
  #rxHead = 0;
  /** Bytes received by the firmware since boot (for the link benchmark). */
  rxBytes = 0;

  constructor(hex: string | Uint16Array, options: EmulatedUnoOptions = {}) {
    this.#progMem = typeof hex === 'string' ? parseIntelHex(hex) : hex;
    this.#unpaced = options.unpaced ?? false;
    this.#sliceCycles = Math.round((UNO_CLOCK_HZ * (options.sliceMs ?? 5)) / 1000);
  }

  static fromFile(path: string, options?: EmulatedUnoOptions): EmulatedUno {
    return new EmulatedUno(readFileSync(path, 'utf8'), options);
  }

  #plugged = true;

  /** Whether the USB cable is in: while it is out, connect() fails. */
  get plugged(): boolean {
    return this.#plugged;
  }

  /** Pulls the cable: the open link reports a disconnect and the board loses power. */
  unplug(): void {
    this.#plugged = false;
    this.disconnect();
  }

  /** Plugs the cable back in; the next connect() boots the board again. */
  plug(): void {
    this.#plugged = true;
  }

  /** Whether a link is open (the board is "plugged in"). */
  get connected(): boolean {
    return this.#link !== null;
  }

  /** Simulated time since the last reset, ms. */
  get simulatedMs(): number {
    return this.#chip ? (this.#chip.cpu.cycles / UNO_CLOCK_HZ) * 1000 : 0;
  }

  /** Bytes written to the board that it has not taken yet. */
  get rxBacklog(): number {
    return this.#rx.length - this.#rxHead;
  }

  /**
   * Opens the serial link. Like a real Uno, opening the port resets the board (DTR auto-reset); the CPU starts
   * on the next tick, after the caller has attached its listeners. An open link is closed first.
   */
  connect(): FirmataTransport {
    if (!this.#plugged) throw new Error('no such device: the emulated board is unplugged');
    this.disconnect();
    const link = new EmulatedLink(this);
    this.#link = link;
    this.#reset();
    setImmediate(() => {
      if (this.#link !== link) return;
      link.emit('open');
      this.#schedule(0);
    });
    return link;
  }

  /** Unplugs the board: the link reports a disconnect and the CPU stops (it has no power without USB). */
  disconnect(): void {
    const link = this.#link;
    if (!link) return;
    this.#link = null;
    this.#stopTimer();
    this.#chip = null;
    link.emit('close', { disconnect: true, disconnected: true });
  }

  /** PWM duty of a pin, 0–255: the compare register when the pin is in PWM, else its digital level. */
  duty(pin: number): number {
    const chip = this.#chip;
    if (!chip) return 0;
    const pwm = PWM[pin];
    if (pwm && (chip.cpu.data[pwm.tccra]! & pwm.com) !== 0) return chip.cpu.data[pwm.ocr]!;
    return this.digital(pin) ? 255 : 0;
  }

  /** Whether an output pin is driven high. */
  digital(pin: number): boolean {
    const chip = this.#chip;
    if (!chip) return false;
    const [port, bit] = portOf(chip, pin);
    return port.pinState(bit) === PinState.High;
  }

  /** Whether a pin is an input with its pull-up on (StandardFirmata's INPUT_PULLUP, a button's mode). */
  pullup(pin: number): boolean {
    const chip = this.#chip;
    if (!chip) return false;
    const [port, bit] = portOf(chip, pin);
    return port.pinState(bit) === PinState.InputPullUp;
  }

  /** Drives an input pin from outside: false = to ground (a button wired to GND pressed). */
  setInput(pin: number, high: boolean): void {
    this.#inputs.set(pin, high);
    const chip = this.#chip;
    if (chip) {
      const [port, bit] = portOf(chip, pin);
      port.setPin(bit, high);
    }
  }

  /** Queues bytes for the firmware's serial receiver. */
  receive(data: Uint8Array): void {
    for (const b of data) this.#rx.push(b);
    this.#pump();
  }

  #reset(): void {
    const progMem = new Uint16Array(this.#progMem);
    const cpu = new CPU(progMem);
    new AVRTimer(cpu, timer0Config);
    new AVRTimer(cpu, timer1Config);
    new AVRTimer(cpu, timer2Config);
    const ports = { B: new AVRIOPort(cpu, portBConfig), C: new AVRIOPort(cpu, portCConfig), D: new AVRIOPort(cpu, portDConfig) };
    const usart = new AVRUSART(cpu, usart0Config, UNO_CLOCK_HZ);
    usart.onByteTransmit = (b) => this.#tx.push(b);
    usart.onRxComplete = () => this.#pump();
    const chip: Chip = { cpu, usart, ports };
    this.#chip = chip;
    // A pin nobody drives from outside reads its pull-up, as on the chip: an open button wired to ground reads high.
    for (const [name, port] of Object.entries(ports) as Array<[keyof Chip['ports'], AVRIOPort]>) {
      const first = name === 'D' ? 0 : name === 'B' ? 8 : 14;
      port.addListener(() => {
        for (let bit = 0; bit < (name === 'D' ? 8 : 6); bit++) {
          if (this.#inputs.has(first + bit)) continue;
          const state = port.pinState(bit);
          if (state === PinState.InputPullUp) port.setPin(bit, true);
          else if (state === PinState.Input) port.setPin(bit, false);
        }
      });
    }
    for (const [pin, high] of this.#inputs) {
      const [port, bit] = portOf(chip, pin);
      port.setPin(bit, high);
    }
    this.#spoken = false;
    this.#paced = false;
    this.#tx = [];
    this.#rx.length = 0;
    this.#rxHead = 0;
    this.rxBytes = 0;
  }

  #pump(): void {
    const chip = this.#chip;
    if (!chip) return;
    while (this.#rxHead < this.#rx.length && !chip.usart.rxBusy) {
      if (chip.usart.writeByte(this.#rx[this.#rxHead]!) === false) break;
      this.#rxHead++;
      this.rxBytes++;
    }
    if (this.#rxHead > 4096 && this.#rxHead * 2 > this.#rx.length) {
      this.#rx.splice(0, this.#rxHead);
      this.#rxHead = 0;
    }
  }

  #schedule(delayMs: number): void {
    if (delayMs > 0) this.#timeout = setTimeout(() => this.#run(), delayMs);
    else this.#immediate = setImmediate(() => this.#run());
  }

  #stopTimer(): void {
    if (this.#timeout) clearTimeout(this.#timeout);
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#timeout = null;
    this.#immediate = null;
  }

  #run(): void {
    this.#timeout = null;
    this.#immediate = null;
    const chip = this.#chip;
    const link = this.#link;
    if (!chip || !link) return;
    const { cpu } = chip;
    let budget = this.#sliceCycles;
    if (!this.#paced && (this.#spoken || this.simulatedMs > BOOT_LIMIT_MS)) {
      this.#paced = true;
      this.#anchor(cpu);
    }
    const paced = this.#paced && !this.#unpaced;
    if (paced) {
      const due = this.#paceCycles + ((performance.now() - this.#paceWall) * UNO_CLOCK_HZ) / 1000 - cpu.cycles;
      if (due < this.#sliceCycles / 4) {
        this.#schedule(Math.max(1, Math.ceil(((this.#sliceCycles / 4 - due) * 1000) / UNO_CLOCK_HZ)));
        return;
      }
      // After a stall (a busy machine) the board falls behind instead of racing to catch up.
      budget = Math.min(due, this.#sliceCycles * 4);
      if (due > this.#sliceCycles * 40) this.#anchor(cpu);
    }
    const end = cpu.cycles + budget;
    while (cpu.cycles < end) {
      avrInstruction(cpu);
      cpu.tick();
    }
    this.#pump();
    if (this.#tx.length > 0) {
      const out = Buffer.from(this.#tx);
      this.#tx = [];
      this.#spoken = true;
      link.emit('data', out);
    }
    if (this.#chip === chip && this.#link === link) this.#schedule(0);
  }

  #anchor(cpu: CPU): void {
    this.#paceCycles = cpu.cycles;
    this.#paceWall = performance.now();
  }
}

function portOf(chip: Chip, pin: number): [AVRIOPort, number] {
  if (!Number.isInteger(pin) || pin < 0 || pin >= UNO_DIGITAL_PINS) throw new RangeError(`the Uno has no pin ${pin}`);
  if (pin < 8) return [chip.ports.D, pin];
  if (pin < 14) return [chip.ports.B, pin - 8];
  return [chip.ports.C, pin - 14];
}

/** The emulated board's serial link, as firmata-io expects a transport (a serialport-like emitter). */
class EmulatedLink extends EventEmitter implements FirmataTransport {
  constructor(private readonly board: EmulatedUno) {
    super();
  }

  write(data: Uint8Array | number[], callback?: (err?: Error | null) => void): boolean {
    if (!this.board.connected) {
      const err = new Error('the emulated board is unplugged');
      if (callback) process.nextTick(callback, err);
      return false;
    }
    this.board.receive(data instanceof Uint8Array ? data : Uint8Array.from(data));
    if (callback) process.nextTick(callback, null);
    return true;
  }

  close(callback?: (err?: Error | null) => void): void {
    this.board.disconnect();
    if (callback) process.nextTick(callback, null);
  }
}
