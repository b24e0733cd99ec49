/**
 * What an alert's actions do to the lanterns, behind one small seam: dim the compound, switch it to the
 * quiet scene, end tonight's show. Implemented with plain commands (source `manual`, issued by the person who
 * pressed the action); a scheduler override that expires at the end of the night can replace it.
 */
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
