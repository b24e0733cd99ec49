#!/usr/bin/env node
/**
 * How many channels one 57,600-baud Firmata link holds at which frame rate. The emulated Uno runs the real
 * StandardFirmata at 16 MHz of wall time; its USART takes bytes at the real baud rate (10 bits a byte), so what
 * the firmware consumes per second is what a real link carries. (StandardFirmata's Serial.begin(57600) on a
 * 16 MHz Uno ends up at UBRR 16 without double speed, as the Arduino core does for 57,600 on purpose: 58,824 baud,
 * 5,882 bytes/s of 10-bit characters.) Each run writes every channel with a new level
 * on every frame (the worst case: the bridge writes only changed levels) through the bridge's own board code
 * (johnny-five → firmata-io → the link), for `--seconds`; a run holds when the board keeps up (the backlog at the
 * end is under one frame). Then, for the built-in scenes, how many channel levels really change per frame at
 * 40 fps, which is what the link has to carry.
 *
 *   npm run bench -w firmware-bridge [-- --seconds 3 --json]
 */
import { parseArgs } from 'node:util';
import { CATALOG, Renderer, createLayout, resolveScene } from '@caideng/scenes';
import { FirmataBoardLink } from '../boards/board.js';
import { EmulatedUno, UNO_PWM_PINS } from '../boards/emulatedUno.js';
import { ensureFirmware } from '../boards/firmware.js';
import type { FirmataTransport } from '../boards/transport.js';

/** Bytes of one Firmata ANALOG_MESSAGE (pin < 16): command|pin, 7 low bits, 7 high bits. */
const BYTES_PER_LEVEL = 3;

interface Run {
  channels: number;
  fps: number;
  /** Channel levels written per second (asked). */
  offeredPerS: number;
  /** Channel levels the firmware took per second (measured: bytes received / 3). */
  carriedPerS: number;
  /** Bytes per second the link carried to the board. */
  bytesPerS: number;
  /** Bytes still waiting for the board at the end. */
  backlogBytes: number;
  holds: boolean;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '3' }, json: { type: 'boolean', default: false } } });
  const seconds = Number(values.seconds);
  const uno = EmulatedUno.fromFile(ensureFirmware());
  let sent = 0;
  const link = new FirmataBoardLink({ id: 'bench', port: 'emulated', baudRate: 57_600, readyTimeoutMs: 10_000, reconnectMs: 1000 }, (): FirmataTransport => {
    const t = uno.connect();
    const write = t.write.bind(t);
    t.write = (data, cb) => {
      sent += data.length;
      return write(data, cb);
    };
    return t;
  });
  for (const pin of UNO_PWM_PINS) link.output(pin, 'pwm');
  const ready = new Promise<void>((resolve) => link.once('ready', () => resolve()));
  link.start();
  await ready;

  const cases: Array<[number, number]> = [
    [1, 40],
    [3, 40],
    [6, 40],
    [6, 100],
    [6, 200],
    [6, 300],
    [6, 500],
  ];
  const runs: Run[] = [];
  for (const [channels, fps] of cases) runs.push(await run(uno, link, channels, fps, seconds, () => sent));
  link.stop();

  // The capacity: what the firmware took per second in the saturated runs.
  const saturated = runs.filter((r) => !r.holds);
  const capacity = saturated.length > 0 ? Math.round(saturated.reduce((s, r) => s + r.carriedPerS, 0) / saturated.length) : null;
  const perFps = capacity === null ? [] : [10, 20, 25, 40, 50, 60, 100].map((fps) => ({ fps, channels: Math.floor(capacity / fps) }));
  const scenes = changedLevels();
  const result = { baud: 57_600, bytesPerLevel: BYTES_PER_LEVEL, seconds, runs, levelsPerSecond: capacity, channelsAtFps: perFps, scenesAt40Fps: scenes };
  if (values.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  process.stdout.write(`${JSON.stringify(result)}\n\n`);
  process.stdout.write('channels  fps  offered/s  carried/s  bytes/s  backlog  holds\n');
  for (const r of runs) {
    process.stdout.write(
      `${String(r.channels).padStart(8)}  ${String(r.fps).padStart(3)}  ${String(r.offeredPerS).padStart(9)}  ${String(r.carriedPerS).padStart(9)}  ${String(r.bytesPerS).padStart(7)}  ${String(r.backlogBytes).padStart(7)}  ${r.holds ? 'yes' : 'no'}\n`,
    );
  }
  if (capacity !== null) {
    process.stdout.write(`\none link carries ${capacity} channel levels/s; every channel changing every frame:\n`);
    process.stdout.write(`${perFps.map((p) => `${p.fps} fps: ${p.channels} channels`).join(', ')}\n`);
  }
  process.stdout.write('\nbuilt-in scenes at 40 fps, share of frames in which a channel level changes (single dimmer / RGB lantern):\n');
  for (const s of scenes) process.stdout.write(`  ${s.scene.padEnd(20)} ${s.dimmer.toFixed(2)}  ${s.rgb.toFixed(2)}\n`);
}

async function run(uno: EmulatedUno, link: FirmataBoardLink, channels: number, fps: number, seconds: number, sent: () => number): Promise<Run> {
  const pins = UNO_PWM_PINS.slice(0, channels);
  // Let the previous run drain first.
  while (uno.rxBacklog > 0) await new Promise((r) => setTimeout(r, 20));
  const startSent = sent();
  const startRx = uno.rxBytes;
  const started = performance.now();
  let frame = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = performance.now() - started;
      const due = Math.min(Math.floor((elapsed * fps) / 1000), Math.floor(seconds * fps));
      for (; frame < due; frame++) {
        // A new level on every channel every frame, never the one before.
        pins.forEach((pin, i) => link.set(pin, 1 + ((frame * 37 + i * 59) % 253)));
      }
      if (elapsed >= seconds * 1000) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  const wall = (performance.now() - started) / 1000;
  const rx = uno.rxBytes - startRx;
  const backlog = uno.rxBacklog;
  return {
    channels,
    fps,
    offeredPerS: channels * fps,
    carriedPerS: Math.round(rx / BYTES_PER_LEVEL / wall),
    bytesPerS: Math.round(rx / wall),
    backlogBytes: backlog,
    holds: backlog <= channels * BYTES_PER_LEVEL && sent() - startSent - rx <= channels * BYTES_PER_LEVEL,
  };
}

/** Per built-in scene: the share of 40 fps frames (over 60 s of scene time) in which a channel level changes. */
function changedLevels(): Array<{ scene: string; dimmer: number; rgb: number }> {
  const share = (kind: 'dimmer' | 'rgb', name: string): number => {
    // The zodiac lantern picks its animal from the date: a fixed one, the Year of the Goat (2027).
    const resolved = resolveScene(name, {}, { at: Date.UTC(2027, 1, 10) });
    if (!resolved.ok) return NaN;
    const layout = createLayout([{ id: 'f', kind, ratedWatts: 100 }]);
    const r = new Renderer(layout);
    r.play(resolved.scene);
    const prev = new Uint8Array(layout.channelCount);
    const cur = new Uint8Array(layout.channelCount);
    let changed = 0;
    let total = 0;
    for (let t = 0; t < 60_000; t += 25) {
      r.render(t, cur);
      for (let c = 0; c < cur.length; c++) {
        if (t > 0) {
          total++;
          if (cur[c] !== prev[c]) changed++;
        }
        prev[c] = cur[c]!;
      }
    }
    return total > 0 ? changed / total : 0;
  };
  return CATALOG.map((e) => ({ scene: e.id, dimmer: share('dimmer', e.id), rgb: share('rgb', e.id) }));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
