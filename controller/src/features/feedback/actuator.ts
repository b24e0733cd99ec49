/**
 * What an alert's actions do to the lanterns, behind one small seam: dim the compound, switch it to the
 * quiet scene, end tonight's show. The controller uses `OverrideActuator`: each action is a scheduler override
 * (issued by the person who pressed it) that lasts until the end of the night (06:00 local) and then hands the
 * compound back to its schedule; the curfew and quiet hours still bind it. `CommandActuator` sends plain
 * commands instead, for a controller without a scheduler.
 */
import { localDay, localToEpoch } from '@caideng/scenes';
import type { SceneRef } from '@caideng/protocol';
import type { Commands } from '../commands/commands.js';

export interface AlertActuator {
  /** Each resolves with a short result for the alert's record (e.g. the command id). */
  dim(compound: string, level: number, by: string): Promise<string>;
  quiet(compound: string, by: string): Promise<string>;
  endShow(compound: string, by: string): Promise<string>;
}

/** The quiet scene of the built-in catalog. */
export const QUIET_SCENE = 'quiet-hours';

export class CommandActuator implements AlertActuator {
  constructor(private readonly commands: Commands) {}

  async dim(compound: string, level: number, by: string): Promise<string> {
    const { id } = await this.commands.send(compound, { brightness: level }, { source: 'manual', issuer: by });
    return `command ${id}: brightness ${level}`;
  }

  async quiet(compound: string, by: string): Promise<string> {
    const { id } = await this.commands.send(compound, { power: 'on', scene: { name: QUIET_SCENE } }, { source: 'manual', issuer: by });
    return `command ${id}: scene ${QUIET_SCENE}`;
  }

  async endShow(compound: string, by: string): Promise<string> {
    const { id } = await this.commands.send(compound, { power: 'off' }, { source: 'manual', issuer: by });
    return `command ${id}: power off`;
  }
}

/** The part of the scheduler the override actuator needs. */
export interface OverridePort {
  now(): number;
  createOverride(compound: string, req: { scene?: SceneRef; power?: 'on' | 'off'; brightness?: number; minutes: number }, by: string): Promise<{ id: string; until: number }>;
}

/** When tonight ends: the next 06:00 in `tz` after `t`. */
export function endOfNight(t: number, tz: string): number {
  const day = localDay(tz, t);
  const sixToday = localToEpoch(tz, day, 6 * 60);
  return t < sixToday ? sixToday : localToEpoch(tz, day, 30 * 60);
}

export class OverrideActuator implements AlertActuator {
  constructor(
    private readonly scheduler: OverridePort,
    private readonly tz = 'Asia/Shanghai',
  ) {}

  private async until(compound: string, what: { scene?: SceneRef; power?: 'on' | 'off'; brightness?: number }, by: string, label: string): Promise<string> {
    const now = this.scheduler.now();
    const minutes = Math.max(1, Math.ceil((endOfNight(now, this.tz) - now) / 60_000));
    const o = await this.scheduler.createOverride(compound, { ...what, minutes }, by);
    return `override ${o.id}: ${label} until ${new Date(o.until).toISOString()}`;
  }

  dim(compound: string, level: number, by: string): Promise<string> {
    return this.until(compound, { brightness: level }, by, `brightness ${level}`);
  }

  quiet(compound: string, by: string): Promise<string> {
    return this.until(compound, { power: 'on', scene: { name: QUIET_SCENE } }, by, `scene ${QUIET_SCENE}`);
  }

  endShow(compound: string, by: string): Promise<string> {
    return this.until(compound, { power: 'off' }, by, 'power off');
  }
}
