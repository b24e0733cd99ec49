/**
 * Fault injection: what goes wrong in a real county, on demand. A group drops off the network and stays
 * dark, a flaky uplink drops every few seconds, a device with bad firmware sends garbage, a lamp fails.
 */
import { MAX_PAYLOAD_BYTES, PROTOCOL_VERSION, TOPIC_BASE, topic, type Channel } from '@caideng/protocol';
import type { Kiosk } from './kiosk.js';
import type { LanternGroup } from './lanternGroup.js';
import { silentLogger, type Logger } from './log.js';
import { createRandom, type Random } from './prng.js';
import type { FaultCode } from './wire.js';

/** Any device of a simulated fleet. */
export type FleetDevice = LanternGroup | Kiosk;

export const MALFORMED_KINDS = ['invalid-json', 'wrong-types', 'oversized', 'unknown-topic', 'foreign-compound'] as const;
/**
 * - invalid-json: its own topic, a payload cut off mid-object
 * - wrong-types: its own topic, JSON with fields of the wrong types
 * - oversized: its own topic, a payload larger than MAX_PAYLOAD_BYTES (8 KiB)
 * - unknown-topic: a channel that is not in the contract
 * - foreign-compound: a well-formed payload on the same device's topic in another compound
 */
export type MalformedKind = (typeof MALFORMED_KINDS)[number];

export interface MalformedMessage {
  kind: MalformedKind;
  /** Username of the device whose connection sent it. */
  sender: string;
  topic: string;
  payload: Buffer;
  qos: 0 | 1;
}

export interface FaultPlan {
  /** Groups (or kiosks) to kill once connected; they stay down. */
  drop?: string[];
  /** Devices whose connection drops every `everyS` seconds and comes back. */
  flap?: Array<{ username: string; everyS: number }>;
  /** Malformed messages per minute across the fleet, from devices chosen at random. 0 = none. */
  malformedPerMinute?: number;
  /** Kinds to cycle through. Default: all of MALFORMED_KINDS. */
  malformedKinds?: MalformedKind[];
  /** Fault codes to report in a group's telemetry. */
  telemetryFaults?: Array<{ username: string; code: FaultCode }>;
}

export interface FaultCounters {
  drops: number;
  flaps: number;
  malformedSent: number;
  malformedByKind: Record<MalformedKind, number>;
  faultsInjected: number;
}

export interface FaultInjectorOptions {
  /** Seed for choosing senders of malformed messages. Default 1. */
  seed?: number;
  /** Compounds known to the fleet, to pick "another compound" from. */
  compounds?: readonly string[];
  log?: Logger;
}

/** Builds a malformed message for a device without sending it. */
export function buildMalformed(kind: MalformedKind, device: FleetDevice, otherCompound: string, now: number): MalformedMessage {
  const isGroup = device.address.role === 'group';
  // A group's telemetry (QoS 0) and a kiosk's event (QoS 1) are what each role sends most.
  const channel: Channel = isGroup ? 'telemetry' : 'event';
  const qos: 0 | 1 = isGroup ? 0 : 1;
  const own = device.topic(channel);
  const valid = isGroup
    ? { v: PROTOCOL_VERSION, ts: now, watts: 42, faults: [], uptimeS: 1 }
    : { v: PROTOCOL_VERSION, button: 'satisfied', ts: now, seq: 0 };
  const base = { kind, sender: device.username, qos };
  switch (kind) {
    case 'invalid-json':
      return { ...base, topic: own, payload: Buffer.from(JSON.stringify(valid).slice(0, 17)) };
    case 'wrong-types': {
      const wrong = isGroup
        ? { v: '1', ts: 'yesterday', watts: 'a lot', faults: 'none', uptimeS: -1 }
        : { v: '1', button: 'maybe', ts: 'now', seq: 'first' };
      return { ...base, topic: own, payload: Buffer.from(JSON.stringify(wrong)) };
    }
    case 'oversized': {
      const padding = 'x'.repeat(MAX_PAYLOAD_BYTES + 1024);
      return { ...base, topic: own, payload: Buffer.from(JSON.stringify({ ...valid, padding })) };
    }
    case 'unknown-topic':
      return { ...base, topic: `${TOPIC_BASE}/${device.address.compound}/${device.address.role}/${device.address.device}/lumens`, payload: Buffer.from(JSON.stringify(valid)) };
    case 'foreign-compound':
      return { ...base, topic: topic({ ...device.address, compound: otherCompound }, channel), payload: Buffer.from(JSON.stringify(valid)) };
  }
}

export class FaultInjector {
  readonly counters: FaultCounters = {
    drops: 0,
    flaps: 0,
    malformedSent: 0,
    malformedByKind: { 'invalid-json': 0, 'wrong-types': 0, oversized: 0, 'unknown-topic': 0, 'foreign-compound': 0 },
    faultsInjected: 0,
  };
  readonly #devices: ReadonlyMap<string, FleetDevice>;
  readonly #compounds: readonly string[];
  readonly #random: Random;
  readonly #log: Logger;
  readonly #timers = new Set<NodeJS.Timeout>();
  #kindIndex = 0;

  constructor(devices: ReadonlyMap<string, FleetDevice>, options: FaultInjectorOptions = {}) {
    this.#devices = devices;
    this.#compounds = options.compounds ?? [...new Set([...devices.values()].map((d) => d.address.compound))];
    this.#random = createRandom((options.seed ?? 1) ^ 0x5eed);
    this.#log = (options.log ?? silentLogger).child('faults');
  }

  #device(username: string): FleetDevice {
    const device = this.#devices.get(username);
    if (!device) throw new Error(`no simulated device '${username}'`);
    return device;
  }

  /** Kills a device (no DISCONNECT, so the broker publishes its offline will); it stays down. */
  drop(username: string): void {
    this.#device(username).kill();
    this.counters.drops++;
    this.#log.info('dropped', { username });
  }

  /** Drops a device's connection every `everyS` seconds; MQTT.js reconnects it each time. Returns a stop function. */
  flap(username: string, everyS: number): () => void {
    if (!(everyS > 0)) throw new RangeError(`flap period must be > 0 s, got ${everyS}`);
    const device = this.#device(username);
    const timer = setInterval(() => {
      if (!device.connected) return;
      device.interrupt();
      this.counters.flaps++;
      this.#log.debug('flapped', { username });
    }, everyS * 1000);
    this.#timers.add(timer);
    return () => {
      clearInterval(timer);
      this.#timers.delete(timer);
    };
  }

  /** Makes a group report `code` in its telemetry (and meter accordingly). */
  injectFault(username: string, code: FaultCode): void {
    const device = this.#device(username);
    if (device.address.role !== 'group') throw new Error(`'${username}' is not a lantern group; only groups report faults`);
    (device as LanternGroup).injectFault(code);
    this.counters.faultsInjected++;
  }

  clearFault(username: string, code?: FaultCode): void {
    const device = this.#device(username);
    if (device.address.role === 'group') (device as LanternGroup).clearFault(code);
  }

  /**
   * Sends one malformed message. Without a username, a connected device is chosen at random; without a kind,
   * the kinds are taken in turn. Resolves with what was sent once it is written (QoS 0) or acknowledged (QoS 1).
   */
  async sendMalformed(kind?: MalformedKind, username?: string, kinds: readonly MalformedKind[] = MALFORMED_KINDS): Promise<MalformedMessage> {
    const device = username ? this.#device(username) : this.#pickConnected();
    if (!device) throw new Error('no connected device to send a malformed message from');
    const chosen = kind ?? kinds[this.#kindIndex++ % kinds.length]!;
    const other = this.#compounds.find((c) => c !== device.address.compound) ?? (device.address.compound === 'elsewhere' ? 'elsewhere-2' : 'elsewhere');
    const message = buildMalformed(chosen, device, other, Date.now());
    await device.publishRaw(message.topic, message.payload, { qos: message.qos });
    this.counters.malformedSent++;
    this.counters.malformedByKind[chosen]++;
    this.#log.debug('malformed sent', { kind: chosen, sender: device.username, topic: message.topic, bytes: message.payload.length });
    return message;
  }

  /** Sends malformed messages at a steady rate until stop(). Returns a stop function. */
  startMalformed(perMinute: number, kinds: readonly MalformedKind[] = MALFORMED_KINDS): () => void {
    if (!(perMinute > 0)) throw new RangeError(`malformed rate must be > 0 per minute, got ${perMinute}`);
    const timer = setInterval(() => {
      this.sendMalformed(undefined, undefined, kinds).catch((err: Error) => this.#log.debug('malformed not sent', { err }));
    }, 60_000 / perMinute);
    this.#timers.add(timer);
    return () => {
      clearInterval(timer);
      this.#timers.delete(timer);
    };
  }

  /** Applies a plan (drops, flaps, telemetry faults, malformed rate). */
  apply(plan: FaultPlan): void {
    for (const { username, code } of plan.telemetryFaults ?? []) this.injectFault(username, code);
    for (const { username, everyS } of plan.flap ?? []) this.flap(username, everyS);
    for (const username of plan.drop ?? []) this.drop(username);
    if (plan.malformedPerMinute && plan.malformedPerMinute > 0) this.startMalformed(plan.malformedPerMinute, plan.malformedKinds);
  }

  /** Checks that every device a plan names exists, before anything is started. */
  static check(plan: FaultPlan, devices: ReadonlyMap<string, FleetDevice>): string[] {
    const problems: string[] = [];
    const need = (username: string, what: string, groupOnly = false) => {
      const d = devices.get(username);
      if (!d) problems.push(`${what}: no simulated device '${username}' (check the name and --compounds / --groups-per-compound limits)`);
      else if (groupOnly && d.address.role !== 'group') problems.push(`${what}: '${username}' is not a lantern group`);
    };
    for (const u of plan.drop ?? []) need(u, 'drop');
    for (const f of plan.flap ?? []) need(f.username, 'flap');
    for (const f of plan.telemetryFaults ?? []) need(f.username, 'fault', true);
    return problems;
  }

  #pickConnected(): FleetDevice | undefined {
    const connected = [...this.#devices.values()].filter((d) => d.connected);
    return connected[Math.floor(this.#random() * connected.length)];
  }

  /** Stops flapping and malformed sending. Drops and telemetry faults stay as they are. */
  stop(): void {
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers.clear();
  }
}
