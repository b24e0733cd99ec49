#!/usr/bin/env node
/** Fetches the emulated board's firmware into the cache (once; offline afterwards) and prints where it is. */
import { ensureFirmware, FIRMWARE_SKETCHES } from './boards/firmware.js';

for (const sketch of FIRMWARE_SKETCHES) process.stdout.write(`${sketch}: ${ensureFirmware(sketch)}\n`);
