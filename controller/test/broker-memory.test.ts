/**
 * Memory before and after authentication: a socket that declares a 200 MB packet is cut off before the MQTT
 * parser buffers it, paced or at full speed, and the controller's RSS grows by less than 10 MB (it grew by
 * the whole packet before: the parser waits for every declared byte). The controller runs as its own process
 * (the built controller/dist/main.js), so its RSS is read from /proc without this test's own buffers in it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readProvisioning } from '@caideng/controller';
import { connectPacket, header, openSocket, readBytes, stream, type StreamResult } from './rawMqtt.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'caideng-memory-'));
const DECLARED = 200 * 1024 * 1024;
const LIMIT_MB = 10;
let child: ChildProcess;
let port = 0;
let device = { username: '', password: '' };

/** Resident set of the controller process, in KiB. */
function rssKb(): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]);
}

/** Runs `attack`, sampling the controller's RSS while it runs; returns the attack's result and the peak growth. */
async function measure(attack: () => Promise<StreamResult>): Promise<StreamResult & { growthMb: number }> {
  const before = rssKb();
  let peak = before;
  // Sampling /proc is the measurement itself: the growth to catch happens between events, not at one.
  const sampler = setInterval(() => (peak = Math.max(peak, rssKb())), 5);
  try {
    const result = await attack();
    peak = Math.max(peak, rssKb());
    return { ...result, growthMb: (peak - before) / 1024 };
  } finally {
    clearInterval(sampler);
  }
}

async function authenticated() {
  const socket = await openSocket(port);
  socket.write(connectPacket(device.username, device.password));
  const connack = await readBytes(socket, 4);
  expect([...connack]).toEqual([0x20, 2, 0, 0]); // CONNACK, accepted
  return socket;
}

beforeAll(async () => {
  child = spawn(process.execPath, ['controller/dist/main.js', '--data-dir', dataDir, '--http-port', '0', '--mqtt-port', '0', '--log-level', 'error'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /MQTT:\s+mqtt:\/\/[0-9.]+:(\d+)/.exec(out);
      if (m) {
        port = Number(m[1]);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`controller exited with ${code}: ${err}`)));
  });
  const d = readProvisioning(dataDir)!.devices.find((x) => x.username === 'xinghe-jiayuan/group/g01')!;
  device = { username: d.username, password: d.password };
  // Warm up the connection path once, so the first measurement does not count its first-use allocations.
  (await authenticated()).destroy();
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a 200 MB packet', () => {
  it.each([
    ['paced', false],
    ['at full speed', true],
  ])('declared by an unauthenticated CONNECT and streamed %s is cut off with RSS growing < 10 MB', async (how, fullSpeed) => {
    const socket = await openSocket(port);
    const r = await measure(() => stream(socket, header('connect', DECLARED), DECLARED, fullSpeed));
    console.info(`unauthenticated CONNECT, ${how}: ${r.cutOff ? 'cut off' : 'not cut off'} after ${r.ms} ms, controller RSS +${r.growthMb.toFixed(1)} MB`);
    expect(r.cutOff).toBe(true);
    expect(r.growthMb).toBeLessThan(LIMIT_MB);
  });

  it.each([
    ['paced', false],
    ['at full speed', true],
  ])('declared by a PUBLISH after an authenticated CONNECT and streamed %s is cut off with RSS growing < 10 MB', async (how, fullSpeed) => {
    const socket = await authenticated();
    const r = await measure(() => stream(socket, header('publish', DECLARED), DECLARED, fullSpeed));
    console.info(`authenticated PUBLISH, ${how}: ${r.cutOff ? 'cut off' : 'not cut off'} after ${r.ms} ms, controller RSS +${r.growthMb.toFixed(1)} MB`);
    expect(r.cutOff).toBe(true);
    expect(r.growthMb).toBeLessThan(LIMIT_MB);
  });

  it('leaves the controller serving devices', async () => {
    const socket = await authenticated();
    socket.destroy();
  });
});
