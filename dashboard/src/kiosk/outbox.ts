/**
 * What the kiosk page keeps across reloads and power cuts, in localStorage: the credentials it was given
 * once, its boot id and next seq (the controller stores each (boot, seq) once), and the presses not yet
 * confirmed by a receipt — the offline queue, sent again on every connect until their receipts arrive.
 */
import { BUTTONS, type KioskButton } from '../data/feedbackTypes';

/** What POST /api/kiosk-page/claim hands the page once. */
export interface KioskCredentials {
  username: string;
  password: string;
  wsUrl: string;
  compound: string;
  kiosk: string;
  buttons: KioskButton[];
}

/** A press as it goes out on `…/kiosk/{id}/event` (the protocol's KioskEvent). */
export interface QueuedPress {
  v: 1;
  button: KioskButton;
  ts: number;
  seq: number;
  boot: string;
}

export interface OutboxState {
  boot: string;
  nextSeq: number;
  /** Oldest first. */
  pending: QueuedPress[];
}

/** Kept presses beyond this are the oldest dropped (a stuck button offline for days must not fill the storage). */
export const MAX_PENDING = 500;

const prefix = (compound: string, kiosk: string) => `caideng.kiosk.${compound}.${kiosk}`;

/** A boot id (`^[A-Za-z0-9_-]{1,36}$`) from the page's random source; works without a secure context. */
export function newBoot(random: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b)): string {
  const bytes = random(new Uint8Array(16));
  return `p${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function read<T>(storage: Storage, key: string): T | null {
  try {
    const raw = storage.getItem(key);
    return raw ? (JSON.parse(raw) as T) : null;
  } catch {
    return null;
  }
}

const isButton = (b: unknown): b is KioskButton => (BUTTONS as readonly unknown[]).includes(b);

export function loadCredentials(storage: Storage, compound: string, kiosk: string): KioskCredentials | null {
  const c = read<KioskCredentials>(storage, `${prefix(compound, kiosk)}.credentials`);
  if (!c || typeof c.username !== 'string' || typeof c.password !== 'string' || c.compound !== compound || c.kiosk !== kiosk) return null;
  return { ...c, buttons: Array.isArray(c.buttons) && c.buttons.every(isButton) && c.buttons.length > 0 ? c.buttons : [...BUTTONS] };
}

export function saveCredentials(storage: Storage, c: KioskCredentials): void {
  storage.setItem(`${prefix(c.compound, c.kiosk)}.credentials`, JSON.stringify(c));
}

/** The persisted outbox of one kiosk; every change is written before it is acted on. */
export class Outbox {
  readonly #storage: Storage;
  readonly #key: string;
  #state: OutboxState;

  constructor(storage: Storage, compound: string, kiosk: string) {
    this.#storage = storage;
    this.#key = `${prefix(compound, kiosk)}.outbox`;
    const saved = read<OutboxState>(storage, this.#key);
    this.#state =
      saved && typeof saved.boot === 'string' && /^[A-Za-z0-9_-]{1,36}$/.test(saved.boot) && Number.isInteger(saved.nextSeq) && Array.isArray(saved.pending)
        ? saved
        : { boot: newBoot(), nextSeq: 1, pending: [] };
    this.#save();
  }

  get boot(): string {
    return this.#state.boot;
  }

  get pending(): readonly QueuedPress[] {
    return this.#state.pending;
  }

  /** A new press, queued (and persisted) before it is sent. */
  add(button: KioskButton, now: number): QueuedPress {
    const press: QueuedPress = { v: 1, button, ts: now, seq: this.#state.nextSeq, boot: this.#state.boot };
    this.#state = { ...this.#state, nextSeq: press.seq + 1, pending: [...this.#state.pending, press].slice(-MAX_PENDING) };
    this.#save();
    return press;
  }

  /** A receipt arrived: the press is stored; returns it, or undefined for a receipt of another boot or a seq already ticked off. */
  confirm(seq: number, boot: string | undefined): QueuedPress | undefined {
    if (boot !== undefined && boot !== this.#state.boot) return undefined;
    const press = this.#state.pending.find((p) => p.seq === seq);
    if (!press) return undefined;
    this.#state = { ...this.#state, pending: this.#state.pending.filter((p) => p !== press) };
    this.#save();
    return press;
  }

  #save(): void {
    try {
      this.#storage.setItem(this.#key, JSON.stringify(this.#state));
    } catch {
      // Storage full or disabled: the queue still works in memory until the page reloads.
    }
  }
}
