/**
 * A virtual lantern group (灯组): takes commands on `set`, answers on `ack`, keeps its retained `state`, and
 * meters itself on `telemetry`. It keeps its clock in step with the controller's (`time.sync` at connect and
 * every minute), starts what a command says at the command's `startAt` on the controller's clock and reports
 * when it did (`startedAt`). It keeps the compound's retained plan and, while the controller is out of reach,
 * takes each change of the plan at its time (curfew included); back online it keeps what it shows until told
 * otherwise.
 */
import { PROTOCOL_VERSION, type Channel, type CompoundChannel, type GroupCommand, type GroupState } from '@caideng/protocol';
import type { GroupCredential } from './credentials.js';
import { SimulatedDevice, type DeviceCounters, type DeviceEvents, type DeviceOptions } from './device.js';
import { meanScenePowerModel, STANDBY_WATTS, type PowerModel } from './power.js';
import { createRandom, hashString, type Random } from './prng.js';
import { GroupCommandLogic, groupAck } from './groupLogic.js';
import { FleetTicker } from './ticker.js';
import { PlanBook, nextChange, showAt, type FollowedPlan } from './plan.js';
import { sharedStarts, type StartHandle, type StartScheduler } from './startScheduler.js';
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
  /** time.sync period, real ms (after 3 samples in the first seconds of each connection); 0: never sync, offset 0. Default 60000. */
  timeSyncIntervalMs?: number;
  /** Keep the compound's retained plan and follow it while the controller is out of reach. Default true. */
  followPlan?: boolean;
  /** Where its timed starts wait (one timer for the process's groups). Default the process's shared one. */
  starts?: StartScheduler;
}



export interface LanternGroupEvents extends DeviceEvents {
  /** A valid command arrived and was answered with `status`. */
  command: [GroupCommand, AckStatus];
  /** A `set` payload failed validation; it was answered with an error ack when it carried a usable tx. */
  invalidCommand: [reason: string];
  state: [GroupState];
  telemetry: [GroupTelemetry];
  /** The group showed the first frame of something new: by a command (at its startAt), or by the plan while offline. */
  started: [GroupState, 'command' | 'plan'];
  /** A complete plan (all its parts) of a newer revision arrived. */
  plan: [FollowedPlan];
  /** A time.sync sample was taken; the offset in use after it. */
  clockSync: [offsetMs: number];
}

export interface LanternGroupCounters extends DeviceCounters {
  commandsReceived: number;
  acksSent: number;
  duplicates: number;
  expired: number;
  invalidCommands: number;
  statesSent: number;
  telemetrySent: number;
  /** Changes taken from the plan while the controller was out of reach. */
  planChanges: number;
  timeSyncs: number;
  timeSyncFailures: number;
}

/** A time.sync round trip this short (ms) bounds the offset's error well enough; longer ones ask for more samples. */
const GOOD_RTT_MS = 10;
/** Extra samples a connection takes at most while its best round trip is long. */
const EXTRA_SAMPLES = 8;

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
  readonly #timeSyncIntervalMs: number;
  readonly #followPlan: boolean;
  #syncTimer: NodeJS.Timeout | null = null;
  readonly #burst = new Set<NodeJS.Timeout>();
  /** Commands acked and waiting for their startAt. */
  readonly #starts = new Set<StartHandle>();
  readonly #scheduler: StartScheduler;
  readonly #plans = new PlanBook();
  /** While the controller is out of reach: the timer of the plan's next change. */
  #followTimer: StartHandle | null = null;
  #following = false;

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
      planChanges: 0,
      timeSyncs: 0,
      timeSyncFailures: 0,
    });
    this.#timeSyncIntervalMs = options.timeSyncIntervalMs ?? 60_000;
    this.#followPlan = options.followPlan ?? true;
    this.#scheduler = options.starts ?? sharedStarts;
    // A dropped connection (not a stop or a kill: the lanterns are still powered) hands the show to the plan.
    this.on('close', () => {
      if (this.lifecycle === 'disconnected') this.#startFollowing();
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

  protected override compoundChannels(): readonly CompoundChannel[] {
    return this.#followPlan ? ['plan'] : [];
  }

  protected override onCompound(channel: CompoundChannel, payload: Buffer): void {
    if (channel !== 'plan') return;
    const plan = this.#plans.receive(payload);
    if (!plan) return;
    this.emit('plan', plan);
    if (this.#following) this.#armFollow(this.controllerNow());
  }

  /** The last complete plan received (null before the first). */
  get plan(): FollowedPlan | null {
    return this.#plans.plan;
  }

  /** Whether the group is following the plan on its own now (the controller is out of reach). */
  get following(): boolean {
    return this.#following;
  }

  // The state goes out before `online`: the controller compares what it would send with what the group shows.
  protected override beforeOnline(): void {
    this.#publishState();
  }

  protected onConnected(): void {
    // Back in touch: the controller decides again; what the group shows stays until it is told otherwise.
    this.#stopFollowing();
    this.#startClockSync();
  }

  /**
   * One sample at connect, two more at random moments of the next few seconds (away from the reconnect storm
   * that may come with it: the shortest round trip wins), more while the best round trip is still long (a busy
   * moment makes every answer late, and the offset's error is up to half the round trip), then one per interval.
   */
  #startClockSync(): void {
    if (this.#timeSyncIntervalMs <= 0) return;
    if (this.#syncTimer) clearInterval(this.#syncTimer);
    let extra = 0;
    const later = (ms: number) => {
      const timer = setTimeout(() => {
        this.#burst.delete(timer);
        if (this.connected) void sample();
      }, ms);
      timer.unref();
      this.#burst.add(timer);
    };
    const sample = async () => {
      try {
        const offset = await this.syncClock();
        this.counters.timeSyncs++;
        this.emit('clockSync', offset);
      } catch (err) {
        this.counters.timeSyncFailures++;
        this.log.debug('time.sync failed', { err });
      }
      if ((this.clockRttMs ?? Infinity) > GOOD_RTT_MS && extra < EXTRA_SAMPLES && this.connected) {
        extra++;
        later(Math.round(500 + Math.random() * 2000));
      }
    };
    void sample();
    for (const share of [0.5, 1]) later(Math.round((1000 + Math.random() * 4000) * share));
    this.#syncTimer = setInterval(() => {
      if (this.connected) void sample();
    }, this.#timeSyncIntervalMs);
    this.#syncTimer.unref();
  }

  protected override onStopping(): void {
    if (this.#syncTimer) clearInterval(this.#syncTimer);
    this.#syncTimer = null;
    for (const t of this.#burst) clearTimeout(t);
    this.#burst.clear();
    for (const start of this.#starts) start.cancel();
    this.#starts.clear();
    this.#stopFollowing();
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
    // expiresAt is on the controller's clock, as this group estimates it.
    const outcome = this.#logic.receive(payload, this.controllerNow());
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
    const status: Exclude<AckStatus, 'error'> = outcome.kind;
    // The ack goes out first: the controller (and the latency benchmark) waits for it, not for the state.
    this.#sendAck(groupAck(cmd.tx, this.now(), status));
    if (status === 'ok') {
      let shownAt = 0;
      let start: StartHandle | null = null;
      start = this.#at(
        cmd.startAt,
        () => {
          shownAt = this.controllerNow();
          this.#logic.apply(cmd, shownAt);
          if (cmd.scene !== undefined || cmd.startAt !== undefined) this.#logic.startedAt = shownAt;
        },
        () => {
          if (start) this.#starts.delete(start);
          this.emit('started', this.#publishState(), 'command');
        },
      );
      if (start) this.#starts.add(start);
    }
    this.emit('command', cmd, status);
  }

  /**
   * Shows something at `at` on the controller's clock (`frame`, then `report` it): now when absent or past,
   * else through the process's start scheduler. Returns the handle of a start still to come.
   */
  #at(at: number | undefined, frame: () => void, report: () => void): StartHandle | null {
    if (at === undefined || this.realDelayUntil(at) <= 0) {
      frame();
      report();
      return null;
    }
    return this.#scheduler.add({ delay: () => this.realDelayUntil(at), frame, report });
  }

  #startFollowing(): void {
    if (!this.#followPlan || this.#following) return;
    this.#following = true;
    this.#armFollow(this.controllerNow());
  }

  #stopFollowing(): void {
    this.#following = false;
    this.#followTimer?.cancel();
    this.#followTimer = null;
  }

  /** Arms the timer of the plan's next change after `t`, if the plan has one before it runs out. */
  #armFollow(t: number): void {
    this.#followTimer?.cancel();
    this.#followTimer = null;
    const plan = this.#plans.plan;
    if (!this.#following || !plan) return;
    const next = nextChange(plan, this.address.device, t);
    if (next === null) return;
    let changed = false;
    const handle = this.#at(
      next,
      () => {
        this.#followTimer = null;
        changed = this.#following && this.#plans.plan === plan && this.#takePlan(plan, next);
      },
      () => {
        if (changed) this.emit('started', this.#publishState(), 'plan');
        if (this.#following && this.#plans.plan === plan) this.#armFollow(next);
      },
    );
    // (A change already due ran at once and armed the next one itself.)
    if (handle) this.#followTimer = handle;
  }

  /** What the plan says at `t`, taken unless the group already shows it (a running scene is not restarted). */
  #takePlan(plan: FollowedPlan, t: number): boolean {
    const show = showAt(plan, this.address.device, t);
    if (!show || this.#logic.shows(show)) return false;
    this.#logic.follow(show, this.controllerNow());
    this.counters.planChanges++;
    return true;
  }

  #sendAck(ack: GroupAck): void {
    this.publish('ack', ack);
    this.counters.acksSent++;
    this.emit('ack', ack);
  }

  /** Publishes the state when connected (the next connection publishes it anyway); returns it. */
  #publishState(): GroupState {
    const state = this.state;
    if (this.client?.connected) {
      this.publish('state', state);
      this.counters.statesSent++;
    }
    this.emit('state', state);
    return state;
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
