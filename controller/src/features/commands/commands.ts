/**
 * Commands to lantern groups: one command targets one group or many groups of a compound, is
 * published to each group's `set` topic with one tx, and is tracked per group until acked, expired
 * or timed out. Every delivery, its outcome and who issued the command are stored.
 *
 * Restart-safe: a delivery still `sent` when the controller stopped is picked up again at start — expired
 * if its command has expired, otherwise re-sent with the same tx when its group comes back online (groups
 * dedupe by tx). An ack the controller no longer waits for (after a timeout or a restart) still updates the
 * stored outcome.
 */
import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { CaidengError, PROTOCOL_VERSION, type GroupAck, type GroupCommand, type SceneRef } from '@caideng/protocol';
import { Feature, type FeatureContext } from '../feature.js';
import type { Registry } from '../../registry/registry.js';
import type { BusPublisher } from '../../broker/ports.js';
import type { SceneLibrary } from '../scenes/sceneLibrary.js';
import type { CommandDeliveryTable } from '../../store/schema.js';
import type { CommandSource, SettledDelivery } from '../../bus/eventBus.js';

export interface CommandRequest {
  power?: 'on' | 'off';
  brightness?: number;
  scene?: SceneRef;
  startAt?: number;
  expiresAt?: number;
  transitionMs?: number;
  /** Target groups; all groups of the compound when absent. */
  groups?: string[];
}

/** Who issued a command and through what: stored with it, shown in its record and in `command.settled`. */
export interface CommandOrigin {
  source: CommandSource;
  /** The username of who sent it ('operator' for the operator token), or a schedule rule id. */
  issuer: string;
  /** An override a governing user made to break a curfew (audited where it was made): the guard lets it through. */
  breaksCurfew?: boolean;
}

/**
 * Checked before a command is stored or sent, for every source: throws (a CaidengError) to refuse it. The
 * scheduler installs the one that enforces curfews, quiet hours and energy budgets (`setGuard`), so that
 * Commands does not depend on the scheduler.
 */
export type CommandGuard = (compound: string, targets: readonly string[], request: CommandRequest, origin: CommandOrigin) => void | Promise<void>;

/** The controller's clock for the times on the wire (`ts`, `startAt`, `expiresAt`); see clock.ts. */
export interface CommandClock {
  now(): number;
  fromReal(real: number): number;
}

export type DeliveryStatus = CommandDeliveryTable['status'];

export type { Delivery, CommandRecord } from '@caideng/protocol';
import type { Delivery, CommandRecord } from '@caideng/protocol';

interface Pending {
  commandId: string;
  compound: string;
  group: string;
  /** First send, as stored. */
  sentAt: number;
  /** Last (re)send: the ack timeout counts from here. Null for a delivery restored at start and not re-sent yet. */
  trackedAt: number | null;
  /** The command as published, shared by its deliveries, for re-sending. */
  command: GroupCommand;
  source: CommandSource | null;
  issuer: string | null;
}

/** Settled deliveries are written with one UPDATE per chunk of this many: about 1 ms of work each, so acks are not held up. */
const SETTLE_CHUNK = 64;
/** Chunks are padded to one of these sizes so the statement cache holds a few statements, not one per count. */
const SETTLE_SIZES = [1, 4, 16, SETTLE_CHUNK];
/** Old commands are deleted this many at a time, with a turn of the event loop in between. */
const PRUNE_CHUNK = 500;

export class Commands extends Feature {
  private readonly pending = new Map<string, Pending>();
  /** Pending keys by `compound/group`, to re-send a group's deliveries when it comes back online. */
  private readonly byGroup = new Map<string, Set<string>>();
  private readonly waiters = new Map<string, Array<() => void>>();
  private readonly remaining = new Map<string, number>();
  private sweepTimer: NodeJS.Timeout | null = null;
  private pruneTimer: NodeJS.Timeout | null = null;
  /** The sweep or prune running now, if any: the next tick skips instead of overlapping, stop() waits for it. */
  private sweeping: Promise<void> | null = null;
  private pruning: Promise<number> | null = null;
  private stopping = false;
  private guard: CommandGuard | null = null;
  readonly counters = {
    sent: 0,
    acked: 0,
    timeouts: 0,
    unknownAcks: 0,
    /** Acks matched from the store (after a timeout or a restart). */
    lateAcks: 0,
    /** Deliveries found `sent` at start whose command had expired. */
    expired: 0,
    /** Deliveries published again (restored at start, or pending when their group reconnected). */
    resent: 0,
    pruned: 0,
    pruneErrors: 0,
  };

  constructor(
    ctx: FeatureContext,
    private readonly registry: Registry,
    private readonly broker: BusPublisher,
    private readonly scenes: SceneLibrary,
    private readonly clock: CommandClock = { now: Date.now, fromReal: (t) => t },
  ) {
    super(ctx, 'commands');
  }

  /** Installs the pre-send check (one; a second call replaces it, null removes it). */
  setGuard(guard: CommandGuard | null): void {
    this.guard = guard;
  }

  /** The controller's clock, epoch ms: what `startAt` and `expiresAt` are measured against. */
  now(): number {
    return this.clock.now();
  }

  override async start(): Promise<void> {
    await this.reconcile();
    this.ctx.bus.on('group.ack', this, ({ address, ack, receivedAt }) => this.onAck(address.compound, address.device, ack, receivedAt));
    this.ctx.bus.on('availability.changed', this, ({ compound, kind, id, online }) => {
      if (kind === 'group' && online) this.resend(compound, id);
    });
    this.sweepTimer = setInterval(() => {
      this.sweep().catch((err: unknown) => this.log.error({ err }, 'command sweep failed'));
    }, 500);
    this.sweepTimer.unref();
    this.pruneTimer = setInterval(() => {
      this.prune().catch((err: unknown) => this.log.error({ err }, 'command prune failed'));
    }, 3600_000);
    this.pruneTimer.unref();
  }

  override async stop(): Promise<void> {
    this.stopping = true;
    await super.stop();
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    // The store closes after this: let a running sweep finish its write, and a prune its current chunk.
    await Promise.all([this.sweeping, this.pruning]);
    for (const list of this.waiters.values()) for (const w of list) w();
    this.waiters.clear();
  }

  /** Sends a command; resolves once it is stored and published (not acked — see `wait`). */
  async send(compound: string, request: CommandRequest, origin: CommandOrigin): Promise<{ id: string; targets: string[] }> {
    const info = this.registry.compound(compound);
    if (!info) throw new CaidengError('CAIDENG_ERR_COMPOUND_NOT_FOUND', [compound]);
    if (request.power === undefined && request.brightness === undefined && request.scene === undefined) {
      throw new CaidengError('CAIDENG_ERR_EMPTY_COMMAND');
    }
    const targets = request.groups ?? info.groups.map((g) => g.id);
    if (targets.length === 0) throw new CaidengError('CAIDENG_ERR_NO_GROUPS', [compound]);
    for (const g of targets) {
      if (!this.registry.group(compound, g)) throw new CaidengError('CAIDENG_ERR_GROUP_NOT_FOUND', [g, compound]);
    }
    if (request.scene) await this.scenes.check(request.scene, request.startAt);
    if (this.guard) await this.guard(compound, targets, request, origin);
    const id = randomUUID();
    // Stored times and the ack timeout are the wall clock's; the times on the wire are the controller's clock.
    const now = Date.now();
    const wireNow = this.clock.now();
    const command: GroupCommand = {
      v: PROTOCOL_VERSION,
      tx: id,
      ts: wireNow,
      ...(request.power !== undefined ? { power: request.power } : {}),
      ...(request.brightness !== undefined ? { brightness: request.brightness } : {}),
      ...(request.scene !== undefined ? { scene: request.scene } : {}),
      ...(request.startAt !== undefined ? { startAt: request.startAt } : {}),
      // A command that starts later expires counting from its start, not from now.
      expiresAt: request.expiresAt ?? Math.max(wireNow, request.startAt ?? wireNow) + this.ctx.config.commands.defaultExpiryMs,
      ...(request.transitionMs !== undefined ? { transitionMs: request.transitionMs } : {}),
    };
    const { v: _v, tx: _tx, ts: _ts, ...body } = command;
    await this.ctx.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('commands')
        .values({
          id,
          compound_id: compound,
          issued_at: now,
          body_json: JSON.stringify(body),
          targets: targets.length,
          source: origin.source,
          issuer: origin.issuer,
        })
        .execute();
      await trx
        .insertInto('command_deliveries')
        .values(
          targets.map((g) => ({
            command_id: id,
            compound_id: compound,
            group_id: g,
            status: 'sent' as const,
            sent_at: now,
            acked_at: null,
            code: null,
            error: null,
            settled_at: null,
          })),
        )
        .execute();
    });
    this.remaining.set(id, targets.length);
    for (const g of targets) {
      this.track({ commandId: id, compound, group: g, sentAt: now, trackedAt: now, command, source: origin.source, issuer: origin.issuer });
    }
    this.counters.sent += targets.length;
    await Promise.all(targets.map((g) => this.broker.publish({ compound, role: 'group', device: g }, 'set', command)));
    return { id, targets };
  }

  /** Resolves when every delivery of the command is settled (acked or timed out), or after `timeoutMs`. */
  wait(id: string, timeoutMs: number): Promise<void> {
    if (!this.remaining.has(id)) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const list = this.waiters.get(id) ?? [];
      list.push(done);
      this.waiters.set(id, list);
      function done() {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  async get(id: string): Promise<CommandRecord | null> {
    const cmd = await this.ctx.db.selectFrom('commands').selectAll().where('id', '=', id).executeTakeFirst();
    if (!cmd) return null;
    const rows = await this.ctx.db.selectFrom('command_deliveries').selectAll().where('command_id', '=', id).orderBy('group_id').execute();
    const deliveries: Delivery[] = rows.map((r) => ({
      group: r.group_id,
      status: r.status,
      sentAt: Number(r.sent_at),
      ackedAt: r.acked_at === null ? null : Number(r.acked_at),
      latencyMs: r.acked_at === null ? null : Number(r.acked_at) - Number(r.sent_at),
      settledAt: r.settled_at === null ? null : Number(r.settled_at),
      code: r.code,
      error: r.error,
    }));
    return {
      id,
      compound: cmd.compound_id,
      issuedAt: Number(cmd.issued_at),
      source: cmd.source,
      issuer: cmd.issuer,
      command: JSON.parse(cmd.body_json),
      deliveries,
      pending: deliveries.filter((d) => d.status === 'sent').length,
    };
  }

  /**
   * Times out deliveries unanswered for `ackTimeoutMs` and expires restored ones whose command expired before
   * their group came back. One UPDATE per chunk; a sweep still running when the next is due is not overlapped.
   * Called every 500 ms; public so tests can sweep at a chosen time.
   */
  sweep(now = Date.now()): Promise<void> {
    if (this.sweeping) return Promise.resolve();
    this.sweeping = this.runSweep(now).finally(() => {
      this.sweeping = null;
    });
    return this.sweeping;
  }

  private async runSweep(now: number): Promise<void> {
    const limit = this.ctx.config.commands.ackTimeoutMs;
    const timedOut: Pending[] = [];
    const expired: Pending[] = [];
    for (const [key, p] of this.pending) {
      if (p.trackedAt !== null ? now - p.trackedAt < limit : expiryOf(p.command) > this.clock.fromReal(now)) continue;
      this.untrack(key);
      (p.trackedAt !== null ? timedOut : expired).push(p);
    }
    this.counters.timeouts += timedOut.length;
    this.counters.expired += expired.length;
    await this.settleMany(timedOut, 'timeout', now);
    await this.settleMany(expired, 'expired', now);
  }

  /**
   * Deletes commands (and their deliveries) issued more than `storage.commandRetentionDays` ago, a chunk at a
   * time so a large backlog never blocks the event loop. Never throws: errors are logged and counted.
   */
  prune(now = Date.now(), chunk = PRUNE_CHUNK): Promise<number> {
    if (this.pruning) return Promise.resolve(0);
    this.pruning = this.runPrune(now, chunk).finally(() => {
      this.pruning = null;
    });
    return this.pruning;
  }

  private async runPrune(now: number, chunk: number): Promise<number> {
    const cutoff = now - this.ctx.config.storage.commandRetentionDays * 86_400_000;
    let deleted = 0;
    try {
      while (!this.stopping) {
        const ids = (await this.ctx.db.selectFrom('commands').select('id').where('issued_at', '<', cutoff).limit(chunk).execute()).map((r) => r.id);
        if (ids.length === 0) break;
        await this.ctx.db.transaction().execute(async (trx) => {
          await trx.deleteFrom('command_deliveries').where('command_id', 'in', ids).execute();
          await trx.deleteFrom('commands').where('id', 'in', ids).execute();
        });
        deleted += ids.length;
        if (ids.length < chunk) break;
        await nextTurn();
      }
    } catch (err) {
      this.counters.pruneErrors++;
      this.log.error({ err, deleted }, 'could not prune old commands; will try again at the next prune');
    }
    this.counters.pruned += deleted;
    if (deleted > 0) this.forgetIssuedBefore(cutoff);
    return deleted;
  }

  /** Stops tracking deliveries of pruned commands (a group gone for longer than the retention, a far expiry). */
  private forgetIssuedBefore(cutoff: number): void {
    for (const [key, p] of this.pending) {
      if (p.sentAt >= cutoff) continue;
      this.untrack(key);
      this.remaining.delete(p.commandId);
      const list = this.waiters.get(p.commandId);
      this.waiters.delete(p.commandId);
      for (const w of list ?? []) w();
    }
  }

  /** At start: deliveries left `sent` by the previous run expire (command expired) or wait to be re-sent. */
  private async reconcile(now = Date.now()): Promise<void> {
    const rows = await this.ctx.db
      .selectFrom('command_deliveries as d')
      .innerJoin('commands as c', 'c.id', 'd.command_id')
      .select(['d.command_id', 'd.compound_id', 'd.group_id', 'd.sent_at', 'c.issued_at', 'c.body_json', 'c.source', 'c.issuer'])
      .where('d.status', '=', 'sent')
      .execute();
    if (rows.length === 0) return;
    const commands = new Map<string, GroupCommand>();
    const expired: Pending[] = [];
    for (const r of rows) {
      let command = commands.get(r.command_id);
      if (!command) {
        const body = JSON.parse(r.body_json) as Omit<GroupCommand, 'v' | 'tx' | 'ts'>;
        command = { v: PROTOCOL_VERSION, tx: r.command_id, ts: Number(r.issued_at), ...body };
        commands.set(r.command_id, command);
      }
      this.remaining.set(r.command_id, (this.remaining.get(r.command_id) ?? 0) + 1);
      const p: Pending = {
        commandId: r.command_id,
        compound: r.compound_id,
        group: r.group_id,
        sentAt: Number(r.sent_at),
        trackedAt: null,
        command,
        source: r.source,
        issuer: r.issuer,
      };
      if (expiryOf(command) <= this.clock.fromReal(now)) expired.push(p);
      else this.track(p);
    }
    this.counters.expired += expired.length;
    await this.settleMany(expired, 'expired', now);
    this.log.info({ expired: expired.length, waiting: rows.length - expired.length }, 'reconciled deliveries left pending by the last run');
  }

  private async onAck(compound: string, group: string, ack: GroupAck, receivedAt: number): Promise<void> {
    const key = `${ack.tx}/${compound}/${group}`;
    const p = this.pending.get(key);
    if (!p) return this.onLateAck(compound, group, ack, receivedAt);
    this.untrack(key);
    this.counters.acked++;
    try {
      await this.ctx.db
        .updateTable('command_deliveries')
        .set({ status: ack.status, acked_at: receivedAt, settled_at: receivedAt, code: ack.code ?? null, error: ack.error ?? null })
        .where('command_id', '=', p.commandId)
        .where('compound_id', '=', p.compound)
        .where('group_id', '=', p.group)
        .execute();
    } finally {
      // Whoever waits for the command is answered even if storing this ack failed (the bus logs the error).
      this.settle(p, ack.status, receivedAt, ack.code ?? null, ack.error ?? null);
    }
  }

  /** An ack for a delivery not tracked in memory: it records the outcome if the store still has it `sent` or `timeout`. */
  private async onLateAck(compound: string, group: string, ack: GroupAck, receivedAt: number): Promise<void> {
    const row = await this.ctx.db
      .selectFrom('command_deliveries as d')
      .innerJoin('commands as c', 'c.id', 'd.command_id')
      .select(['d.sent_at', 'c.source', 'c.issuer'])
      .where('d.command_id', '=', ack.tx)
      .where('d.compound_id', '=', compound)
      .where('d.group_id', '=', group)
      .where('d.status', 'in', ['sent', 'timeout'])
      .executeTakeFirst();
    const result = row
      ? await this.ctx.db
          .updateTable('command_deliveries')
          .set({ status: ack.status, acked_at: receivedAt, settled_at: receivedAt, code: ack.code ?? null, error: ack.error ?? null })
          .where('command_id', '=', ack.tx)
          .where('compound_id', '=', compound)
          .where('group_id', '=', group)
          .where('status', 'in', ['sent', 'timeout'])
          .executeTakeFirst()
      : null;
    if (!row || !result || Number(result.numUpdatedRows) === 0) {
      this.counters.unknownAcks++;
      return;
    }
    this.counters.lateAcks++;
    this.ctx.bus.emit('command.settled', {
      delivery: {
        commandId: ack.tx,
        compound,
        group,
        status: ack.status,
        sentAt: Number(row.sent_at),
        settledAt: receivedAt,
        code: ack.code ?? null,
        error: ack.error ?? null,
        source: row.source,
        issuer: row.issuer,
        late: true,
      },
      remaining: this.remaining.get(ack.tx) ?? 0,
    });
  }

  /** Publishes a group's pending deliveries again (same tx) when it comes back online, unless their command expired. */
  private resend(compound: string, group: string, now = Date.now()): void {
    const keys = this.byGroup.get(`${compound}/${group}`);
    if (!keys) return;
    for (const key of keys) {
      const p = this.pending.get(key);
      if (!p || expiryOf(p.command) <= this.clock.fromReal(now)) continue;
      p.trackedAt = now;
      this.counters.resent++;
      this.broker
        .publish({ compound, role: 'group', device: group }, 'set', p.command)
        .catch((err: unknown) => this.log.warn({ err, command: p.commandId, group }, 'could not re-send command'));
    }
  }

  private track(p: Pending): void {
    const key = `${p.commandId}/${p.compound}/${p.group}`;
    this.pending.set(key, p);
    const groupKey = `${p.compound}/${p.group}`;
    let keys = this.byGroup.get(groupKey);
    if (!keys) this.byGroup.set(groupKey, (keys = new Set()));
    keys.add(key);
  }

  private untrack(key: string): void {
    const p = this.pending.get(key);
    if (!p) return;
    this.pending.delete(key);
    const groupKey = `${p.compound}/${p.group}`;
    const keys = this.byGroup.get(groupKey);
    keys?.delete(key);
    if (keys?.size === 0) this.byGroup.delete(groupKey);
  }

  /** Stores one outcome for many deliveries, one UPDATE per chunk, then settles each (even if the write failed). */
  private async settleMany(list: Pending[], status: 'timeout' | 'expired', now: number): Promise<void> {
    for (let i = 0; i < list.length; i += SETTLE_CHUNK) {
      // A turn of the event loop between chunks, so acks and pushes are not queued behind a city-wide sweep.
      if (i > 0) await nextTurn();
      const chunk = list.slice(i, i + SETTLE_CHUNK);
      const size = SETTLE_SIZES.find((s) => s >= chunk.length) ?? SETTLE_CHUNK;
      // Padding repeats the last delivery: a repeated OR term matches nothing more.
      const terms = [...chunk, ...Array<Pending>(size - chunk.length).fill(chunk[chunk.length - 1]!)];
      try {
        await this.ctx.db
          .updateTable('command_deliveries')
          .set({ status, settled_at: now })
          // Not yet settled. (Not `status = 'sent'`: that would steer SQLite to the partial status index and a
          // scan of every pending row per statement instead of one primary-key lookup per delivery.)
          .where('settled_at', 'is', null)
          .where((eb) =>
            eb.or(terms.map((p) => eb.and([eb('command_id', '=', p.commandId), eb('compound_id', '=', p.compound), eb('group_id', '=', p.group)]))),
          )
          .execute();
      } catch (err) {
        this.log.error({ err, status, deliveries: chunk.length }, 'could not store delivery outcomes');
      }
      for (const p of chunk) this.settle(p, status, now, null, null);
    }
  }

  private settle(p: Pending, status: SettledDelivery['status'], settledAt: number, code: string | null, error: string | null): void {
    const commandId = p.commandId;
    const left = Math.max(0, (this.remaining.get(commandId) ?? 1) - 1);
    this.ctx.bus.emit('command.settled', {
      delivery: { commandId, compound: p.compound, group: p.group, status, sentAt: p.sentAt, settledAt, code, error, source: p.source, issuer: p.issuer, late: false },
      remaining: left,
    });
    if (left > 0) {
      this.remaining.set(commandId, left);
      return;
    }
    this.remaining.delete(commandId);
    const list = this.waiters.get(commandId);
    this.waiters.delete(commandId);
    for (const w of list ?? []) w();
  }
}

/** A command without `expiresAt` (never stored so by this controller, but legal on the bus) does not expire. */
function expiryOf(command: GroupCommand): number {
  return command.expiresAt ?? Number.POSITIVE_INFINITY;
}
