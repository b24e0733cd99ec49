/** The effect registry: every effect type a scene may use, by name. Registered by hand, here. */
import { breathe } from './breathe.js';
import { chase } from './chase.js';
import { fade } from './fade.js';
import { gradient } from './gradient.js';
import { meteor } from './meteor.js';
import { rainbow } from './rainbow.js';
import { sparkle } from './sparkle.js';
import { steady } from './steady.js';
import { timeline } from './timeline.js';
import { twinkle } from './twinkle.js';
import { wave } from './wave.js';
import type { EffectDef } from './types.js';

export const EFFECTS = {
  steady,
  fade,
  breathe,
  chase,
  twinkle,
  meteor,
  rainbow,
  gradient,
  wave,
  sparkle,
  timeline,
} as const;

export type EffectType = keyof typeof EFFECTS;
export const EFFECT_TYPES = Object.keys(EFFECTS) as EffectType[];

export function effectDef(type: string): EffectDef | undefined {
  return Object.hasOwn(EFFECTS, type) ? (EFFECTS as unknown as Record<string, EffectDef>)[type] : undefined;
}

export type { EffectDef, EffectInstance, EffectSpec, EffectContext } from './types.js';
