/**
 * The compound gateway (网关): one MQTT session as `{compound}/bridge/{id}`, acting on the bus for the lantern
 * groups and kiosks wired to its boards. For each group it takes commands on the group's `set`, checks them
 * (malformed ones are answered with an error ack and never reach a board), acks, publishes the retained state
 * and telemetry, and renders the scene locally at `fps`, writing changed levels to the pins. Kiosk buttons
 * become presses queued on disk and sent until the controller's receipt arrives.
 *
 * Offline: the frame loop does not depend on the broker, so the last command keeps playing; presses wait in the
 * queue. Time: scenes start on the controller's clock (offset measured with `time.sync`).
 */
import { join } from 'node:path';
import { PROTOCOL_VERSION, decodePayload, type Channel, type CompoundChannel, type DeviceAddress, type GroupCommand, type KioskButton, type KioskReceipt } from '@caideng/protocol';
import { catalogEntry, estimateWatts, type Scene } from '@caideng/scenes';
import { GroupCommandLogic, PlanBook, SimulatedDevice, groupAck, showAt, type DeviceEvents, type Logger, type PlannedShow } from '@caideng/simulators';
import { FirmataBoardLink } from './boards/board.js';
import { serialTransport, tcpTransport, type FirmataTransport } from './boards/transport.js';
import type { BridgeConfig, KioskConfig } from './config/schema.js';
import { GroupPlayer, checkCommand } from './player.js';
import { BridgeStore, type QueuedPress } from './store.js';

export interface BridgeOptions {
  /** Transports for boards whose port is `emulated` (and overrides for others), by board id. */
  transports?: Record<string, () => FirmataTransport>;
  /** Clock, epoch ms. Default Date.now. */
  now?: () => number;
  log?: Logger;
}

export interface BridgeEvents extends DeviceEvents {
  /** A command for a group was answered with `status` (error included: `reason` says why). */
  command: [group: string, status: 'ok' | 'duplicate' | 'expired' | 'error', reason?: string];
  /** A button was pressed and the press is on disk. */
  press: [QueuedPress];
  receipt: [kiosk: string, KioskReceipt];
  boardReady: [board: string];
  boardLost: [board: string, reason: string];
  timeSync: [offsetMs: number];
  /** While the controller was out of reach, a group took a change of the compound's plan at its time. */
  planChange: [group: string, show: PlannedShow];
  /** A newer plan (or more of its parts) arrived. */
  plan: [revision: number];
}

interface GroupRuntime {
  address: DeviceAddress;
  /** Commands are handled one after the other: one naming a stored scene waits for its scene.get. */
  chain: Promise<void>;
  logic: GroupCommandLogic;
  player: GroupPlayer;
  boards: Set<string>;
  energyWh: number;
  lastSampleAt: number;
  /** The start of the last plan item this group took while offline (each is taken once). */
  planStart: number | null;
}

interface KioskRuntime {
  address: DeviceAddress;
  config: KioskConfig;
  board: string;
  ledTimer: NodeJS.Timeout | null;
}

/**
 * How many queued presses of one kiosk go out at once: the controller allows a device bursts of 30 `event`s and
 * 5 a second after that. On (re)connection a burst of 20, then at most 4 a second (one round a second).
 */
const BURST_ON_CONNECT = 20;
const PER_ROUND = 4;

export class Bridge extends SimulatedDevice<BridgeEvents> {
  readonly config: BridgeConfig;
  readonly boards = new Map<string, FirmataBoardLink>();
  readonly groups = new Map<string, GroupRuntime>();
  readonly kiosks = new Map<string, KioskRuntime>();
  /** Presses waiting for receipts and the groups' last commands, on disk. */
  readonly queue: BridgeStore;
  /** Controller clock minus ours, ms (0 until the first time.sync). */
  offsetMs = 0;
  readonly #buttonOf = new Map<string, { kiosk: string; button: KioskButton }>();
  /** Stored (user) scenes fetched from the controller, by name; refreshed whenever a command names one. */
  readonly #storedScenes = new Map<string, Scene>();
  /** When each queued press was last sent, by `kiosk/boot/seq`. */
  readonly #sentAt = new Map<string, number>();
  readonly #bootAt: number;
  #frameTimer: NodeJS.Timeout | null = null;
  #telemetryTimer: NodeJS.Timeout | null = null;
  #resendTimer: NodeJS.Timeout | null = null;
  #syncTimer: NodeJS.Timeout | null = null;
  readonly #plans = new PlanBook();
  /** Controller clock when the connection dropped; null while connected (or never connected). */
  #offlineSince: number | null = null;
  #running = false;

  constructor(config: BridgeConfig, options: BridgeOptions = {}) {
    const { compound, bridge } = config;
    super(
      { username: `${compound}/bridge/${bridge}`, password: config.mqtt.password, compound, role: 'bridge', device: bridge },
      {
        url: config.mqtt.url,
        keepaliveS: config.mqtt.keepaliveS,
        reconnectPeriodMs: config.mqtt.reconnectPeriodMs,
        // The bridge plays without the broker: start() must not wait for it.
        connectTimeoutMs: 2 ** 31 - 1,
        ...(options.now ? { now: options.now } : {}),
        ...(options.log ? { log: options.log } : {}),
      },
    );
    this.config = config;
    // A dropped connection (not a stop): the groups follow the compound's plan until it is back.
    this.on('close', () => {
      if (this.lifecycle === 'disconnected' && this.#offlineSince === null) this.#offlineSince = this.controllerNow();
    });
    this.#bootAt = this.now();
    this.queue = new BridgeStore(join(config.dataDir, 'bridge.sqlite'));
    const defaultBoard = config.boards[0]!.id;
    const savedGroups = this.queue.groups();
    for (const b of config.boards) {
      const open = options.transports?.[b.id] ?? defaultTransport(b.port, b.baudRate);
      const link = new FirmataBoardLink(b, open, this.log);
      link.on('ready', () => this.emit('boardReady', b.id));
      link.on('lost', (reason) => this.emit('boardLost', b.id, reason));
      link.on('press', (pin) => this.#onButton(b.id, pin));
      this.boards.set(b.id, link);
    }
    for (const g of config.groups) {
      const player = new GroupPlayer(g, defaultBoard, this.#storedScenes);
      const boards = new Set<string>();
      for (const ch of player.channels) {
        this.boards.get(ch.board)!.output(ch.pin, ch.kind);
        boards.add(ch.board);
      }
      const address = { compound, role: 'group', device: g.id } as const;
      const logic = new GroupCommandLogic();
      const runtime: GroupRuntime = { address, chain: Promise.resolve(), logic, player, boards, energyWh: 0, lastSampleAt: this.#bootAt, planStart: null };
      this.groups.set(g.id, runtime);
      // After a restart (a reboot during an outage) the group goes on with what it was last told.
      const saved = savedGroups.get(g.id);
      if (saved) {
        if (saved.body && saved.scene) this.#storedScenes.set(saved.scene.name, saved.body as Scene);
        Object.assign(logic, { power: saved.power, brightness: saved.brightness, scene: saved.scene, startAt: saved.startAt, lastTx: saved.tx });
        try {
          this.#show(runtime);
        } catch (err) {
          // A saved scene this version cannot play (the catalog changed): dark until the next command.
          this.log.warn('cannot resume the saved state', { group: g.id, err });
          Object.assign(logic, { power: 'off', scene: null });
        }
      }
    }
    for (const k of config.kiosks) {
      const board = k.board ?? defaultBoard;
      const link = this.boards.get(board)!;
      for (const b of k.buttons) {
        link.button(b.pin, b.pullup);
        this.#buttonOf.set(`${board}:${b.pin}`, { kiosk: k.id, button: b.button });
      }
      if (k.led) link.output(k.led.pin, 'led');
      this.kiosks.set(k.id, { address: { compound, role: 'kiosk', device: k.id }, config: k, board, ledTimer: null });
    }
  }

  /** Now on the controller's clock. */
  override controllerNow(): number {
    return Math.round(this.now() + this.offsetMs);
  }

  /** Opens the boards and starts playing at once; connects to the broker in the background. */
  override start(): Promise<void> {
    if (!this.#running) {
      this.#running = true;
      for (const link of this.boards.values()) link.start();
      this.#frameTimer = setInterval(() => this.#frame(), Math.round(1000 / this.config.fps));
      if (this.config.telemetryIntervalMs > 0) this.#telemetryTimer = setInterval(() => this.#telemetry(), this.config.telemetryIntervalMs);
      this.#resendTimer = setInterval(() => this.#resend(false), 1000);
      this.#syncTimer = setInterval(() => void this.#timeSync(), this.config.timeSyncIntervalMs);
    }
    return super.start();
  }

  /** Graceful stop: the served groups and kiosks are announced offline, then the bridge itself. */
  override async stop(): Promise<void> {
    if (this.connected) {
      const ts = this.now();
      let timer: NodeJS.Timeout | undefined;
      // A broker that stopped answering must not hold up a shutdown: at most 2 s for the PUBACKs.
      await Promise.race([
        Promise.all(
          [...this.#served()].map(
            (address) => new Promise<void>((resolve) => this.publishFor(address, 'availability', { v: PROTOCOL_VERSION, state: 'offline', ts }, () => resolve())),
          ),
        ),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, 2000))),
      ]);
      clearTimeout(timer);
    }
    await super.stop();
  }

  protected override onStopping(): void {
    this.#running = false;
    for (const t of [this.#frameTimer, this.#telemetryTimer, this.#resendTimer, this.#syncTimer]) if (t) clearInterval(t);
    this.#frameTimer = this.#telemetryTimer = this.#resendTimer = this.#syncTimer = null;
    for (const k of this.kiosks.values()) if (k.ledTimer) clearTimeout(k.ledTimer);
    for (const link of this.boards.values()) link.stop();
    this.queue.close();
  }

  protected inboundChannels(): readonly Channel[] {
    return [];
  }

  // The compound's retained plan, followed while the controller is out of reach (docs/protocol.md, "plan").
  protected override compoundChannels(): readonly CompoundChannel[] {
    return ['plan'];
  }

  protected override onCompound(channel: CompoundChannel, payload: Buffer): void {
    if (channel !== 'plan') return;
    const plan = this.#plans.receive(payload);
    if (plan) this.emit('plan', plan.revision);
  }

  /** The plan as the bridge holds it (null before the first). */
  get plan() {
    return this.#plans.plan;
  }

  protected onInbound(): void {}

  protected override actsFor(): ReadonlyArray<readonly [DeviceAddress, Channel]> {
    return [
      ...[...this.groups.values()].map((g) => [g.address, 'set'] as const),
      ...[...this.kiosks.values()].map((k) => [k.address, 'receipt'] as const),
    ];
  }

  protected onConnected(): void {
    // Back in touch: what the groups show stays until a command says otherwise.
    this.#offlineSince = null;
    const ts = this.now();
    for (const address of this.#served()) this.publishFor(address, 'availability', { v: PROTOCOL_VERSION, state: 'online', ts });
    for (const g of this.groups.values()) this.#publishState(g);
    this.#resend(true);
    void this.#timeSync();
  }

  protected override onActsFor(address: DeviceAddress, channel: Channel, payload: Buffer): void {
    if (channel === 'set') {
      const g = this.groups.get(address.device);
      if (g) g.chain = g.chain.then(() => this.#onCommand(g, payload)).catch((err: unknown) => this.log.error('command failed', { group: g.address.device, err }));
    } else if (channel === 'receipt') {
      this.#onReceipt(address.device, payload);
    }
  }

  *#served(): Iterable<DeviceAddress> {
    for (const g of this.groups.values()) yield g.address;
    for (const k of this.kiosks.values()) yield k.address;
  }

  async #onCommand(g: GroupRuntime, payload: Buffer): Promise<void> {
    const now = this.controllerNow();
    const outcome = g.logic.receive(payload, now);
    const id = g.address.device;
    if (outcome.kind === 'invalid') {
      if (outcome.tx) this.publishFor(g.address, 'ack', groupAck(outcome.tx, this.now(), 'error', outcome.code, outcome.reason));
      this.log.warn('command rejected', { group: id, reason: outcome.reason });
      this.emit('command', id, 'error', outcome.reason);
      return;
    }
    const { cmd } = outcome;
    if (outcome.kind !== 'ok') {
      this.publishFor(g.address, 'ack', groupAck(cmd.tx, this.now(), outcome.kind));
      this.emit('command', id, outcome.kind);
      return;
    }
    // A scene not in the built-in catalog may be a stored one: its current revision comes from the controller.
    if (cmd.scene && !catalogEntry(cmd.scene.name)) await this.#fetchScene(cmd.scene.name);
    // Valid on the wire but not playable here (an unknown scene, a parameter out of range): refused, board untouched.
    const checked = checkCommand(cmd, this.#storedScenes);
    if (!checked.ok) {
      this.publishFor(g.address, 'ack', groupAck(cmd.tx, this.now(), 'error', checked.code, checked.reason));
      this.log.warn('command rejected', { group: id, reason: checked.reason });
      this.emit('command', id, 'error', checked.reason);
      return;
    }
    g.logic.apply(cmd, now);
    const { power, brightness, scene, startAt, lastTx } = g.logic;
    try {
      const body = scene && !catalogEntry(scene.name) ? this.#storedScenes.get(scene.name) : undefined;
      this.queue.saveGroup(id, {
        power,
        brightness,
        scene,
        ...(startAt !== undefined ? { startAt } : {}),
        ...(lastTx !== undefined ? { tx: lastTx } : {}),
        ...(body ? { body } : {}),
      });
    } catch (err) {
      this.log.error('could not save the group state', { group: id, err });
    }
    this.#show(g, cmd);
    this.publishFor(g.address, 'ack', groupAck(cmd.tx, this.now(), 'ok'));
    this.#publishState(g);
    this.emit('command', id, 'ok');
  }

  /** Asks the controller for a stored scene (`scene.get`); keeps what it had when the controller cannot say. */
  async #fetchScene(name: string): Promise<void> {
    if (!this.connected) return;
    try {
      const res = await this.request('scene.get', { name });
      if (res.status === 'ok' && typeof res.data['scene'] === 'object' && res.data['scene'] !== null) this.#storedScenes.set(name, res.data['scene'] as Scene);
      else if (res.status === 'error' && res.code === 'CAIDENG_ERR_SCENE_NOT_FOUND') this.#storedScenes.delete(name);
    } catch (err) {
      this.log.warn('scene.get failed', { scene: name, err });
    }
  }

  #show(g: GroupRuntime, cmd?: GroupCommand): void {
    const { power, brightness, scene, startAt } = g.logic;
    g.player.show({
      power,
      brightness,
      scene,
      startAt: startAt ?? this.controllerNow(),
      ...(cmd?.transitionMs !== undefined ? { transitionMs: cmd.transitionMs } : {}),
    });
    this.#frameFor(g, this.controllerNow());
  }

  #frame(): void {
    const now = this.controllerNow();
    if (this.#offlineSince !== null) this.#followPlan(now);
    for (const g of this.groups.values()) this.#frameFor(g, now);
  }

  /**
   * Offline: each group takes the plan's changes that begin after the connection dropped, at their time (the
   * scene's phase from the item's start), unless it already shows exactly that; nothing at the drop itself.
   */
  #followPlan(now: number): void {
    const plan = this.#plans.plan;
    if (!plan || this.#offlineSince === null) return;
    for (const g of this.groups.values()) {
      const id = g.address.device;
      const show = showAt(plan, id, now);
      if (!show || show.startAt <= this.#offlineSince || g.planStart === show.startAt) continue;
      g.planStart = show.startAt;
      if (g.logic.shows(show)) continue;
      g.logic.follow(show, now);
      const { power, brightness, scene, startAt } = g.logic;
      try {
        this.queue.saveGroup(id, { power, brightness, scene, ...(startAt !== undefined ? { startAt } : {}) });
      } catch (err) {
        this.log.error('could not save the group state', { group: id, err });
      }
      this.#show(g);
      this.log.info('plan change taken offline', { group: id, startAt: show.startAt });
      this.emit('planChange', id, show);
    }
  }

  #frameFor(g: GroupRuntime, now: number): void {
    const frame = g.player.render(now);
    const channels = g.player.channels;
    for (let c = 0; c < channels.length; c++) {
      const ch = channels[c]!;
      this.boards.get(ch.board)!.set(ch.pin, frame[c]!);
    }
  }

  #publishState(g: GroupRuntime): void {
    if (!this.connected) return;
    this.publishFor(g.address, 'state', g.logic.state(this.now()));
  }

  #telemetry(): void {
    if (!this.connected) return;
    const now = this.now();
    for (const g of this.groups.values()) {
      const watts = Math.round(estimateWatts(g.player.frame, g.player.layout) * 10) / 10;
      g.energyWh += (watts * Math.max(0, now - g.lastSampleAt)) / 3_600_000;
      g.lastSampleAt = now;
      const lost = [...g.boards].some((b) => !this.boards.get(b)!.ready);
      this.publishFor(g.address, 'telemetry', {
        v: PROTOCOL_VERSION,
        ts: now,
        watts,
        energyWh: Math.round(g.energyWh * 1000) / 1000,
        faults: lost ? ['comm_loss'] : [],
        uptimeS: Math.max(0, Math.floor((now - this.#bootAt) / 1000)),
      });
    }
  }

  #onButton(board: string, pin: number): void {
    const meaning = this.#buttonOf.get(`${board}:${pin}`);
    if (!meaning) return;
    let queued: QueuedPress;
    try {
      queued = this.queue.press(meaning.kiosk, meaning.button, this.now());
    } catch (err) {
      this.log.error('could not store a press', { kiosk: meaning.kiosk, err });
      return;
    }
    this.emit('press', queued);
    if (this.connected) this.#send(queued, this.now());
  }

  #send(p: QueuedPress, now: number): void {
    const k = this.kiosks.get(p.kiosk);
    if (!k) return;
    this.#sentAt.set(`${p.kiosk}/${p.event.boot}/${p.event.seq}`, now);
    this.publishFor(k.address, 'event', p.event);
  }

  /** Sends queued presses: all not yet sent on this connection (`all`), else those unconfirmed for resendAfterMs. */
  #resend(all: boolean): void {
    if (!this.connected) return;
    const now = this.now();
    if (all) this.#sentAt.clear();
    const perKiosk = new Map<string, number>();
    for (const p of this.queue.pending()) {
      const sent = this.#sentAt.get(`${p.kiosk}/${p.event.boot}/${p.event.seq}`);
      if (sent !== undefined && now - sent < this.config.resendAfterMs) continue;
      const n = perKiosk.get(p.kiosk) ?? 0;
      if (n >= (all ? BURST_ON_CONNECT : PER_ROUND)) continue;
      perKiosk.set(p.kiosk, n + 1);
      this.#send(p, now);
    }
  }

  #onReceipt(kiosk: string, payload: Buffer): void {
    const decoded = decodePayload('receipt', payload);
    if (!decoded.ok) {
      this.log.warn('invalid receipt', { kiosk, reason: decoded.reason });
      return;
    }
    const receipt = decoded.value;
    if (receipt.boot === undefined || !this.queue.confirm(kiosk, receipt.boot, receipt.seq)) return;
    this.#sentAt.delete(`${kiosk}/${receipt.boot}/${receipt.seq}`);
    this.emit('receipt', kiosk, receipt);
    const k = this.kiosks.get(kiosk);
    const led = k?.config.led;
    if (k && led) {
      const link = this.boards.get(k.board)!;
      link.set(led.pin, 255);
      if (k.ledTimer) clearTimeout(k.ledTimer);
      k.ledTimer = setTimeout(() => {
        k.ledTimer = null;
        link.set(led.pin, 0);
      }, led.onMs);
    }
  }

  async #timeSync(): Promise<void> {
    if (!this.connected) return;
    try {
      const { offsetMs } = await this.timeSync();
      this.offsetMs = offsetMs;
      this.emit('timeSync', offsetMs);
    } catch (err) {
      this.log.debug('time.sync failed', { err });
    }
  }
}

function defaultTransport(port: string, baudRate: number): () => FirmataTransport {
  if (port === 'emulated') {
    return () => {
      throw new Error("an emulated board needs its transport from the caller (the CLI's --emulated)");
    };
  }
  if (port.startsWith('tcp://')) return () => tcpTransport(port);
  return () => serialTransport(port, baudRate);
}
