/**
 * What a lantern group does with a command, whoever carries it out: a simulated group, or a gateway driving real
 * lanterns for its groups. Decodes and checks the `set` payload, remembers recent tx ids (a repeat is answered
 * `duplicate` and changes nothing), refuses a command past its `expiresAt`, and keeps the state the group
 * publishes. No I/O and no clock: time comes in as an argument.
 */
import { PROTOCOL_VERSION, TX_PATTERN, decodePayload, type GroupAck, type GroupCommand, type GroupState, type SceneRef } from '@caideng/protocol';

export const ACK_ERROR_MAX = 512;
const TX_RE = new RegExp(TX_PATTERN);

export type CommandOutcome =
  /** The payload failed validation; `tx` is set when it carried one the sender can be answered on. */
  | { kind: 'invalid'; tx: string | null; code: string; reason: string }
  | { kind: 'duplicate' | 'expired'; cmd: GroupCommand }
  | { kind: 'ok'; cmd: GroupCommand };

export interface GroupLogicOptions {
  /** How many recent command tx ids are remembered to detect repeats. Default 64. */
  txMemory?: number;
}

export class GroupCommandLogic {
  power: GroupState['power'] = 'off';
  brightness = 255;
  scene: SceneRef | null = null;
  startAt: number | undefined;
  /** When the first frame of what the group shows now was shown, controller clock (reported as `startedAt`). */
  startedAt: number | undefined;
  lastTx: string | undefined;
  readonly #txMemory: number;
  readonly #recentTx = new Set<string>();
  readonly #recentTxOrder: string[] = [];

  constructor(options: GroupLogicOptions = {}) {
    this.#txMemory = options.txMemory ?? 64;
  }

  /**
   * Decodes a `set` payload and classifies it. An `ok` command is remembered but not applied: the caller may
   * still refuse it (a gateway that cannot render the scene) and then calls apply() only when it can.
   */
  receive(payload: Buffer | string, now: number): CommandOutcome {
    const decoded = decodePayload('set', payload);
    if (!decoded.ok) return { kind: 'invalid', tx: extractTx(payload), code: decoded.code, reason: decoded.reason };
    const cmd = decoded.value;
    if (this.#recentTx.has(cmd.tx)) return { kind: 'duplicate', cmd };
    this.#rememberTx(cmd.tx);
    if (cmd.expiresAt !== undefined && cmd.expiresAt < now) return { kind: 'expired', cmd };
    return { kind: 'ok', cmd };
  }

  /** Takes the command's power, brightness and scene; a new scene (or startAt) starts at startAt, else now. */
  apply(cmd: GroupCommand, now: number): void {
    if (cmd.power !== undefined) this.power = cmd.power;
    if (cmd.brightness !== undefined) this.brightness = cmd.brightness;
    if (cmd.scene !== undefined) this.scene = cmd.scene;
    if (cmd.scene !== undefined || cmd.startAt !== undefined) this.startAt = cmd.startAt ?? now;
    this.lastTx = cmd.tx;
  }

  /**
   * Takes what the compound's plan says (the controller is out of reach): no command, so no tx; the show's phase
   * origin is the plan item's start, and it was first shown `shownAt` (controller clock).
   */
  follow(show: { power?: GroupState['power']; brightness?: number; scene?: SceneRef; startAt: number }, shownAt: number): void {
    if (show.power !== undefined) this.power = show.power;
    if (show.brightness !== undefined) this.brightness = show.brightness;
    if (show.scene !== undefined) this.scene = show.scene;
    this.startAt = show.startAt;
    this.startedAt = shownAt;
    this.lastTx = undefined;
  }

  /** Whether taking `show` would change nothing the group shows (so a running scene is not restarted). */
  shows(show: { power?: GroupState['power']; brightness?: number; scene?: SceneRef }): boolean {
    return (
      (show.power === undefined || show.power === this.power) &&
      (show.brightness === undefined || show.brightness === this.brightness) &&
      (show.scene === undefined || sameScene(show.scene, this.scene))
    );
  }

  /** The retained state as the group publishes it. */
  state(now: number): GroupState {
    return {
      v: PROTOCOL_VERSION,
      ts: now,
      power: this.power,
      brightness: this.brightness,
      scene: this.scene,
      ...(this.startAt !== undefined ? { startAt: this.startAt } : {}),
      ...(this.lastTx !== undefined ? { tx: this.lastTx } : {}),
      ...(this.startedAt !== undefined ? { startedAt: this.startedAt } : {}),
    };
  }

  #rememberTx(tx: string): void {
    this.#recentTx.add(tx);
    this.#recentTxOrder.push(tx);
    if (this.#recentTxOrder.length > this.#txMemory) {
      const oldest = this.#recentTxOrder.shift();
      if (oldest !== undefined) this.#recentTx.delete(oldest);
    }
  }
}

/** Same scene: name, params and seed (key order does not matter). */
export function sameScene(a: SceneRef | null, b: SceneRef | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.name !== b.name || a.seed !== b.seed) return false;
  const pa = a.params ?? {};
  const pb = b.params ?? {};
  const keys = Object.keys(pa);
  return keys.length === Object.keys(pb).length && keys.every((k) => pa[k] === pb[k]);
}

/** An ack for `tx`. An error ack must say why: `code` and `error` are required by the contract. */
export function groupAck(tx: string, now: number, status: 'ok' | 'expired' | 'duplicate'): GroupAck;
export function groupAck(tx: string, now: number, status: 'error', code: string, error: string): GroupAck;
export function groupAck(tx: string, now: number, status: GroupAck['status'], code?: string, error?: string): GroupAck {
  if (status === 'error') {
    return { v: PROTOCOL_VERSION, tx, ts: now, status, code: (code || 'CAIDENG_MQTT_BAD_PAYLOAD').slice(0, 64), error: (error || 'rejected').slice(0, ACK_ERROR_MAX) };
  }
  return { v: PROTOCOL_VERSION, tx, ts: now, status };
}

/** The tx of a payload that failed validation, if it has a usable one. */
export function extractTx(payload: Buffer | string): string | null {
  try {
    const value: unknown = JSON.parse(payload.toString());
    if (typeof value === 'object' && value !== null && 'tx' in value) {
      const tx = (value as { tx: unknown }).tx;
      if (typeof tx === 'string' && TX_RE.test(tx)) return tx;
    }
  } catch {
    // not JSON: no tx to answer
  }
  return null;
}
