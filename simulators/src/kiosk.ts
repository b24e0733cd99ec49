/**
 * A virtual residents' kiosk (反馈亭): six buttons, each press an `event` with a per-kiosk `seq`. A press stays
 * pending until the controller's `receipt` for its seq arrives, and is re-sent after every reconnect (and when
 * unconfirmed for resendAfterMs) — the controller stores each (kiosk, boot, seq) once, so re-sending never doubles
 * a press and a press is never lost while the simulator runs. Each kiosk object has its own random `boot` id: its
 * seq counter lives in memory, so a new process is a new run of the counter.
 */
import { randomUUID } from 'node:crypto';
import { KIOSK_BUTTONS, PROTOCOL_VERSION, decodePayload, type Channel, type KioskReceipt } from '@caideng/protocol';
import type { KioskCredential } from './credentials.js';
import { SimulatedDevice, type DeviceCounters, type DeviceEvents, type DeviceOptions } from './device.js';
import { createRandom, exponential, hashString, weightedPick, type Random } from './prng.js';
import { FleetTicker } from './ticker.js';
import type { KioskButton, WireKioskEvent as KioskEvent } from './wire.js';

/** How residents press when the simulator presses for them: mostly content, sometimes not. */
export const DEFAULT_BUTTON_WEIGHTS: Readonly<Record<KioskButton, number>> = {
  satisfied: 50,
  unsatisfied: 15,
  too_bright: 10,
  too_late: 10,
  broken_lantern: 8,
  help: 7,
};

export interface KioskOptions extends DeviceOptions {
  /** Mean automatic presses per minute (a Poisson process); 0 presses only on demand. Default 0. */
  pressRatePerMinute?: number;
  /** Seed of press timing and button choice. Default: derived from the username. */
  seed?: number;
  /** The fleet's shared ticker. Default: a private one, stopped with the kiosk. */
  ticker?: FleetTicker;
  /** How long press() waits for the receipt before rejecting, ms (the press stays pending). Default 10000. */
  receiptTimeoutMs?: number;
  /** Re-send a press still unconfirmed after this long on a live connection, ms; 0 only re-sends on reconnect. Default 10000. */
  resendAfterMs?: number;
  /**
   * First seq. Default: the current epoch ms, so a restarted simulator (which keeps no state on disk) continues
   * above every seq it used before instead of having its presses taken for duplicates.
   */
  firstSeq?: number;
  /** Relative weights of the buttons for automatic presses. Default DEFAULT_BUTTON_WEIGHTS. */
  buttonWeights?: Partial<Record<KioskButton, number>>;
  /** Boot id sent with every press (`^[A-Za-z0-9_-]{1,36}$`). Default: a random UUID per kiosk object. */
  boot?: string;
}

export interface KioskEvents extends DeviceEvents {
  /** A press was published (first send or re-send). */
  press: [KioskEvent, { resend: boolean }];
  receipt: [KioskReceipt];
}

export interface KioskCounters extends DeviceCounters {
  /** Distinct presses. */
  presses: number;
  /** Event messages published, re-sends included. */
  eventsSent: number;
  resends: number;
  receipts: number;
  /** Receipts with status `duplicate` (the controller had the press already). */
  duplicateReceipts: number;
  /** Receipts for a seq (or boot) this kiosk was not waiting for. */
  strayReceipts: number;
}

export class ReceiptTimeoutError extends Error {
  override readonly name = 'ReceiptTimeoutError';
}

interface Waiter {
  resolve: (receipt: KioskReceipt) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

interface PendingPress {
  event: KioskEvent;
  /** When it was last published; 0 = never. */
  sentAt: number;
  waiters: Waiter[];
}

export class Kiosk extends SimulatedDevice<KioskEvents> {
  readonly credential: KioskCredential;
  readonly counters: KioskCounters;
  readonly pressRatePerMinute: number;
  /** Which run of the seq counter this is; the controller keys presses by (boot, seq). */
  readonly boot: string;
  readonly #random: Random;
  readonly #receiptTimeoutMs: number;
  readonly #resendAfterMs: number;
  readonly #buttons: ReadonlyArray<readonly [KioskButton, number]>;
  readonly #pending = new Map<number, PendingPress>();
  #nextSeq: number;
  #ticker: FleetTicker | null;
  readonly #ownsTicker: boolean;
  #untick: (() => void) | null = null;
  #nextPressAt = Infinity;

  constructor(credential: KioskCredential, options: KioskOptions) {
    super(credential, options);
    this.credential = credential;
    this.counters = Object.assign(this.deviceCounters, {
      presses: 0,
      eventsSent: 0,
      resends: 0,
      receipts: 0,
      duplicateReceipts: 0,
      strayReceipts: 0,
    });
    this.pressRatePerMinute = options.pressRatePerMinute ?? 0;
    if (!(this.pressRatePerMinute >= 0)) throw new RangeError(`pressRatePerMinute must be >= 0, got ${this.pressRatePerMinute}`);
    this.#random = createRandom(options.seed ?? hashString(credential.username));
    this.#receiptTimeoutMs = options.receiptTimeoutMs ?? 10_000;
    this.#resendAfterMs = options.resendAfterMs ?? 10_000;
    this.#nextSeq = options.firstSeq ?? Date.now();
    this.boot = options.boot ?? randomUUID();
    if (!/^[A-Za-z0-9_-]{1,36}$/.test(this.boot)) throw new RangeError(`boot must match ^[A-Za-z0-9_-]{1,36}$, got '${this.boot}'`);
    const weights = { ...DEFAULT_BUTTON_WEIGHTS, ...options.buttonWeights };
    this.#buttons = KIOSK_BUTTONS.map((b) => [b as KioskButton, weights[b as KioskButton]] as const).filter(([, w]) => w > 0);
    this.#ticker = options.ticker ?? null;
    this.#ownsTicker = !options.ticker;
  }

  /** Seq of the next press. */
  get nextSeq(): number {
    return this.#nextSeq;
  }

  /** Presses not yet confirmed by a receipt, oldest first. */
  get unconfirmed(): KioskEvent[] {
    return [...this.#pending.values()].map((p) => p.event);
  }

  override start(): Promise<void> {
    if (!this.client) this.#schedule();
    return super.start();
  }

  /**
   * Presses a button. Resolves with the controller's receipt for this press; rejects with ReceiptTimeoutError
   * after receiptTimeoutMs. Either way the press stays pending and is re-sent until a receipt arrives.
   */
  press(button: KioskButton): Promise<KioskReceipt> {
    if (!(KIOSK_BUTTONS as readonly string[]).includes(button)) {
      return Promise.reject(new TypeError(`unknown button '${String(button)}', expected one of ${KIOSK_BUTTONS.join(', ')}`));
    }
    const event: KioskEvent = { v: PROTOCOL_VERSION, button, ts: this.now(), seq: this.#nextSeq++, boot: this.boot };
    const pending: PendingPress = { event, sentAt: 0, waiters: [] };
    this.#pending.set(event.seq, pending);
    this.counters.presses++;
    const receipt = this.#waitReceipt(pending);
    if (this.connected) this.#send(pending, this.now());
    return receipt;
  }

  /** Waits for the receipt of an earlier press, by seq. */
  receiptFor(seq: number): Promise<KioskReceipt> {
    const pending = this.#pending.get(seq);
    if (!pending) return Promise.reject(new Error(`${this.username}: no unconfirmed press with seq ${seq}`));
    return this.#waitReceipt(pending);
  }

  #waitReceipt(pending: PendingPress): Promise<KioskReceipt> {
    return new Promise<KioskReceipt>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          pending.waiters.splice(pending.waiters.indexOf(waiter), 1);
          reject(new ReceiptTimeoutError(`${this.username}: no receipt for seq ${pending.event.seq} within ${this.#receiptTimeoutMs} ms (still pending)`));
        }, this.#receiptTimeoutMs),
      };
      pending.waiters.push(waiter);
    });
  }

  #send(pending: PendingPress, now: number): void {
    const resend = pending.sentAt !== 0;
    pending.sentAt = now;
    this.publish('event', pending.event);
    this.counters.eventsSent++;
    if (resend) this.counters.resends++;
    this.emit('press', pending.event, { resend });
  }

  protected inboundChannels(): readonly Channel[] {
    return ['receipt'];
  }

  protected onConnected(): void {
    // Whatever was in flight when the connection dropped may or may not have reached the controller: send again.
    const now = this.now();
    for (const pending of this.#pending.values()) this.#send(pending, now);
  }

  protected onInbound(channel: Channel, payload: Buffer): void {
    if (channel !== 'receipt') return;
    const decoded = decodePayload('receipt', payload);
    if (!decoded.ok) {
      this.log.warn('invalid receipt', { reason: decoded.reason });
      return;
    }
    const receipt = decoded.value;
    // A receipt naming another boot answers an earlier run of this kiosk's counter, not a press pending now.
    const pending = receipt.boot === undefined || receipt.boot === this.boot ? this.#pending.get(receipt.seq) : undefined;
    if (!pending) {
      // A receipt for a re-sent press whose first receipt already arrived (or for another boot).
      this.counters.strayReceipts++;
    } else {
      this.#pending.delete(receipt.seq);
      this.counters.receipts++;
      if (receipt.status === 'duplicate') this.counters.duplicateReceipts++;
      for (const waiter of pending.waiters) {
        clearTimeout(waiter.timer);
        waiter.resolve(receipt);
      }
    }
    this.emit('receipt', receipt);
  }

  #schedule(): void {
    if (!this.#ticker) this.#ticker = new FleetTicker({ resolutionMs: 50, now: this.now });
    const ticker = this.#ticker;
    const meanGapMs = this.pressRatePerMinute > 0 ? 60_000 / this.pressRatePerMinute : Infinity;
    this.#nextPressAt = this.now() + exponential(this.#random, meanGapMs);
    this.#untick?.();
    this.#untick = ticker.add((now) => this.#onTick(now, meanGapMs));
  }

  #onTick(now: number, meanGapMs: number): void {
    if (now >= this.#nextPressAt) {
      this.#nextPressAt = now + exponential(this.#random, meanGapMs);
      // Residents press whether or not the uplink is up; an offline press waits in #pending for the reconnect.
      // Nobody awaits an automatic press; its outcome shows in the counters.
      this.press(weightedPick(this.#random, this.#buttons)).catch(() => {});
    }
    if (this.#resendAfterMs > 0 && this.#pending.size > 0 && this.connected) {
      for (const pending of this.#pending.values()) {
        if (pending.sentAt !== 0 && now - pending.sentAt >= this.#resendAfterMs) this.#send(pending, now);
      }
    }
  }

  protected override onStopping(): void {
    this.#untick?.();
    this.#untick = null;
    if (this.#ownsTicker) {
      this.#ticker?.stop();
      this.#ticker = null;
    }
  }

  /** Graceful stop. Unconfirmed presses stay pending (start() again re-sends them); their waiters are rejected. */
  override async stop(): Promise<void> {
    for (const pending of this.#pending.values()) {
      for (const waiter of pending.waiters) {
        clearTimeout(waiter.timer);
        waiter.reject(new Error(`${this.username}: stopped before the receipt for seq ${pending.event.seq}`));
      }
      pending.waiters = [];
    }
    await super.stop();
  }
}
