/**
 * A virtual lantern group (灯组): takes commands on `set`, answers on `ack`, keeps its retained `state`, and
 * meters itself on `telemetry`.
 */
import { PROTOCOL_VERSION, type Channel, type GroupCommand, type GroupState } from '@caideng/protocol';
import type { GroupCredential } from './credentials.js';
import { SimulatedDevice, type DeviceCounters, type DeviceEvents, type DeviceOptions } from './device.js';
import { meanScenePowerModel, STANDBY_WATTS, type PowerModel } from './power.js';
import { createRandom, hashString, type Random } from './prng.js';
import { GroupCommandLogic, groupAck } from './groupLogic.js';
import { FleetTicker } from './ticker.js';
import type { AckStatus, FaultCode, WireGroupAck as GroupAck, WireGroupTelemetry as GroupTelemetry } from './wire.js';

export interface LanternGroupOptions extends DeviceOptions {
  /** Period of automatic telemetry, ms; 0 turns it off (drive it with publishTelemetry()). Default 5000. */
  telemetryIntervalMs?: number;
  /** Seed of the telemetry noise. Default: derived from the username. */
  seed?: number;
  /** The fleet's shared ticker. Default: a private one, stopped with the group. */
  ticker?: FleetTicker;
  /** Watts for a telemetry sample before noise. Default: meanScenePowerModel (swap in the scenes estimate here). */
  powerModel?: PowerModel;
  /** How many recent command tx ids are remembered to detect repeats. Default 64. */
  txMemory?: number;
  /** Ambient temperature, °C. Default 8 (a Sichuan winter night at the Spring Festival). */
  ambientC?: number;
}

export interface LanternGroupEvents extends DeviceEvents {
  /** A valid command arrived and was answered with `status`. */
  command: [GroupCommand, AckStatus];
  /** A `set` payload failed validation; it was answered with an error ack when it carried a usable tx. */
  invalidCommand: [reason: string];
  state: [GroupState];
  telemetry: [GroupTelemetry];
}

export interface LanternGroupCounters extends DeviceCounters {
  commandsReceived: number;
  acksSent: number;
  duplicates: number;
  expired: number;
  invalidCommands: number;
  statesSent: number;
  telemetrySent: number;
}

/** Extra load a fault puts on the lamps' share of the power (lamp_failure: half the lamps are dark). */
const FAULT_LOAD_FACTOR: Partial<Record<FaultCode, number>> = { lamp_failure: 0.5, overcurrent: 1.5 };

export class LanternGroup extends SimulatedDevice<LanternGroupEvents> {
  readonly credential: GroupCredential;
  readonly counters: LanternGroupCounters;
  readonly telemetryIntervalMs: number;
  readonly #random: Random;
  readonly #powerModel: PowerModel;
  readonly #ambientC: number;
  readonly #logic: GroupCommandLogic;
  readonly #faults = new Set<FaultCode>();
  #ticker: FleetTicker | null;
  readonly #ownsTicker: boolean;
  #untick: (() => void) | null = null;
  #nextTelemetryAt = 0;
  #bootAt = 0;
  #lastSampleAt = 0;
  #lastWatts = 0;
  #energyWh = 0;

  constructor(credential: GroupCredential, options: LanternGroupOptions) {
    super(credential, options);
    this.credential = credential;
    this.counters = Object.assign(this.deviceCounters, {
      commandsReceived: 0,
      acksSent: 0,
      duplicates: 0,
      expired: 0,
      invalidCommands: 0,
      statesSent: 0,
      telemetrySent: 0,
    });
    this.telemetryIntervalMs = options.telemetryIntervalMs ?? 5000;
    this.#random = createRandom(options.seed ?? hashString(credential.username));
    this.#powerModel = options.powerModel ?? meanScenePowerModel;
    this.#ambientC = options.ambientC ?? 8;
    this.#logic = new GroupCommandLogic({ txMemory: options.txMemory ?? 64 });
    this.#ticker = options.ticker ?? null;
    this.#ownsTicker = !options.ticker;
  }

  /** The state as the group would publish it now. */
  get state(): GroupState {
    return this.#logic.state(this.now());
  }

  get faults(): FaultCode[] {
    return [...this.#faults];
  }

  /** Reports `code` in every telemetry sample until cleared (and lets it change the metered watts). */
  injectFault(code: FaultCode): void {
    this.#faults.add(code);
  }

  clearFault(code?: FaultCode): void {
    if (code) this.#faults.delete(code);
    else this.#faults.clear();
  }

  override start(): Promise<void> {
    if (!this.client) {
      this.#bootAt = this.now();
      this.#lastSampleAt = this.#bootAt;
      this.#energyWh = 0;
      this.#scheduleTelemetry();
    }
    return super.start();
  }

  protected inboundChannels(): readonly Channel[] {
    return ['set'];
  }

  protected onConnected(): void {
    this.#publishState();
  }

  protected override onStopping(): void {
    this.#untick?.();
    this.#untick = null;
    if (this.#ownsTicker) {
      this.#ticker?.stop();
      this.#ticker = null;
    }
  }

  protected onInbound(channel: Channel, payload: Buffer): void {
    if (channel === 'set') this.#onCommand(payload);
  }

  #onCommand(payload: Buffer): void {
    const now = this.now();
    const outcome = this.#logic.receive(payload, now);
    if (outcome.kind === 'invalid') {
      this.counters.invalidCommands++;
      // Answer when the sender can be told which command failed; without a tx there is nobody to answer.
      if (outcome.tx) this.#sendAck(groupAck(outcome.tx, this.now(), 'error', outcome.code, outcome.reason));
      this.log.debug('invalid command', { reason: outcome.reason });
      this.emit('invalidCommand', outcome.reason);
      return;
    }
    const { cmd } = outcome;
    this.counters.commandsReceived++;
    if (outcome.kind === 'duplicate') this.counters.duplicates++;
    else if (outcome.kind === 'expired') this.counters.expired++;
    else this.#logic.apply(cmd, now);
    const status: Exclude<AckStatus, 'error'> = outcome.kind;
    // The ack goes out first: the controller (and the latency benchmark) waits for it, not for the state.
    this.#sendAck(groupAck(cmd.tx, this.now(), status));
    if (status === 'ok') this.#publishState();
    this.emit('command', cmd, status);
  }

  #sendAck(ack: GroupAck): void {
    this.publish('ack', ack);
    this.counters.acksSent++;
    this.emit('ack', ack);
  }

  #publishState(): void {
    const state = this.state;
    this.publish('state', state);
    this.counters.statesSent++;
    this.emit('state', state);
  }

  #scheduleTelemetry(): void {
    if (this.telemetryIntervalMs <= 0) return;
    if (!this.#ticker) {
      this.#ticker = new FleetTicker({ resolutionMs: Math.max(5, Math.min(50, this.telemetryIntervalMs / 10)), now: this.now });
    }
    const ticker = this.#ticker;
    this.#nextTelemetryAt = this.now() + ticker.nextPhase(this.telemetryIntervalMs);
    this.#untick?.();
    this.#untick = ticker.add((now) => {
      if (now < this.#nextTelemetryAt) return;
      this.#nextTelemetryAt += this.telemetryIntervalMs;
      // After a stall (a busy event loop, a suspended laptop) skip the missed samples instead of bursting.
      if (this.#nextTelemetryAt <= now) this.#nextTelemetryAt = now + this.telemetryIntervalMs;
      this.publishTelemetry();
    });
  }

  /** Computes one telemetry sample (advancing the noise and the energy counter) without publishing it. */
  sample(): GroupTelemetry {
    const now = this.now();
    const { ratedWatts, fixture, channels } = this.credential;
    const { power, brightness, scene, startAt } = this.#logic;
    const sceneTimeMs = startAt !== undefined ? now - startAt : 0;
    const modelled = this.#powerModel({ fixture, channels, ratedWatts, power, brightness, scene, sceneTimeMs });
    let load = Math.max(0, modelled - STANDBY_WATTS);
    for (const fault of this.#faults) load *= FAULT_LOAD_FACTOR[fault] ?? 1;
    // ±2 % on the load and ±0.1 W on the standby: a meter's jitter, reproducible with the seed.
    const watts = Math.max(0, round1(STANDBY_WATTS + (this.#random() - 0.5) * 0.2 + load * (1 + (this.#random() - 0.5) * 0.04)));
    const loadShare = ratedWatts > 0 ? load / ratedWatts : 0;
    const temperatureC = round1(this.#ambientC + 25 * loadShare + (this.#random() - 0.5) * 0.6);
    this.#energyWh += (this.#lastWatts * Math.max(0, now - this.#lastSampleAt)) / 3_600_000;
    this.#lastWatts = watts;
    this.#lastSampleAt = now;
    return {
      v: PROTOCOL_VERSION,
      ts: now,
      watts,
      energyWh: Math.round(this.#energyWh * 1000) / 1000,
      temperatureC: Math.min(200, Math.max(-60, temperatureC)),
      faults: [...this.#faults],
      uptimeS: Math.max(0, Math.floor((now - this.#bootAt) / 1000)),
    };
  }

  /** Publishes one telemetry sample now (benchmarks drive the rate with this). Null when not connected. */
  publishTelemetry(): GroupTelemetry | null {
    if (!this.connected) return null;
    const telemetry = this.sample();
    this.publish('telemetry', telemetry);
    this.counters.telemetrySent++;
    this.emit('telemetry', telemetry);
    return telemetry;
  }
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
