/** The benchmark's command line, as an operator runs it (`npm run bench -- …`): the built CLI in its own process. */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../dist/bench/run.js', import.meta.url));

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with its stdout and stderr piped, and collects both until it exits. */
function bench(args: string[], timeoutMs = 20_000): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bench ${args.join(' ')} did not exit within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'caideng-bench-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('bench CLI arguments', () => {
  it('answers --help and -h with its usage on stdout and exit code 0', async () => {
    for (const flag of ['--help', '-h']) {
      const r = await bench([flag]);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/^Usage: npm run bench -- \[options\]/);
      for (const option of ['--devices', '--rounds', '--compound-commands', '--profile-dir', '--out']) expect(r.stdout).toContain(option);
    }
  });

  it.each([
    [['--colour', 'red'], /^bench: Unknown option '--colour'/],
    [['--devices'], /^bench: Option '--devices <value>' argument missing/],
    [['--devices', '0'], /^bench: --devices must be an integer >= 1, got '0'/],
    [['--rounds', 'two'], /^bench: --rounds must be an integer >= 1, got 'two'/],
    [['--telemetry-rate=-5'], /^bench: --telemetry-rate must be a number > 0, got '-5'/],
    [['--profile-phase', 'connect'], /^bench: --profile-phase must be ingest or steady, got 'connect'/],
    [['2000'], /^bench: Unexpected argument '2000'/],
  ])('refuses %j with one line and exit code 2, before starting anything', async (args, message) => {
    const r = await bench(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/TypeError|\n\s+at /);
  });

  it('says in one line when the report cannot be written, before a long run', async () => {
    const file = join(dir, 'not-a-directory');
    await writeFile(file, '');
    const r = await bench(['--out', join(file, 'bench.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^bench: cannot write the report to .*not-a-directory\/bench\.json: /);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('a tiny bench run', () => {
  it('alternates the order, watches with a viewer, counts stored rows, and writes the whole report before it exits', async () => {
    const out = join(dir, 'report.json');
    const r = await bench(
      ['--devices', '3', '--rounds', '2', '--ingest-messages', '60', '--steady-s', '1', '--telemetry-rate', '30', '--commands', '4', '--compound-commands', '4', '--out', out],
      120_000,
    );
    expect(r.code, r.stderr).toBe(0);
    // The whole JSON on stdout, identical to the file, and the table with the targets on stderr.
    const report = JSON.parse(r.stdout) as {
      order: string[][];
      results: Array<{
        target: string;
        passes: number;
        ingest: { countedWhen: string; notIngested: number; roundsMsgPerS: number[] };
        viewer: { messages: number; deviceChanges: number };
        command: { roundTripMs: { n: number }; warmUp: { ms: { n: number } }; slow: { n: number } };
        compoundCommand: { allAckedMs: { n: number } };
        memory: { baseFrom: string; perThousandDevicesMB: number[] };
        restart: { back: number[]; allBackMs: number[] } | null;
        generator: { fleetProcesses: number; passCores: number[] };
      }>;
      targets: Record<string, { met: boolean; target: string }>;
    };
    expect(await readFile(out, 'utf8')).toBe(r.stdout);
    expect(r.stderr).toMatch(/command round trip p50 \/ p99, n=4 \(ms\).*p99 < 15 ms: (met|MISSED)/);
    expect(r.stderr).toMatch(/RSS per 1,000 devices.*< 30 MB: (met|MISSED)/);

    expect(report.order).toEqual([
      ['bare-aedes', 'controller'],
      ['controller', 'bare-aedes'],
    ]);
    const [controller, aedes] = report.results;
    expect(controller!.target).toBe('controller');
    expect(aedes!.target).toBe('bare-aedes');
    for (const result of report.results) {
      expect(result.passes).toBe(2);
      expect(result.ingest.countedWhen).toBe('stored');
      expect(result.ingest.notIngested).toBe(0);
      expect(result.ingest.roundsMsgPerS).toHaveLength(2);
      expect(result.viewer.deviceChanges).toBeGreaterThan(0);
      expect(result.command.roundTripMs.n).toBe(4);
      // Cold first commands are kept apart: 5 one-group and 5 compound ones per pass.
      expect(result.command.warmUp.ms.n).toBe(20);
      expect(result.command.slow.n).toBeLessThanOrEqual(4);
      expect(result.compoundCommand.allAckedMs.n).toBe(4);
      expect(result.memory.perThousandDevicesMB).toHaveLength(2);
    }
    expect(controller!.memory.baseFrom).toBe('controller with no devices registered');
    // Each controller pass kills and restarts it: every device came back. The generator reports its own CPU.
    expect(controller!.restart!.back).toEqual([3, 3]);
    expect(aedes!.restart).toBeNull();
    expect(controller!.generator.fleetProcesses).toBe(2);
    expect(controller!.generator.passCores.every((c) => c > 0)).toBe(true);
    expect(r.stderr).toMatch(/killed and restarted: serving \/ all devices back.*none lost: met/);
    expect(Object.keys(report.targets).sort()).toEqual([
      'commandP99Ms',
      'connectAllMs',
      'dashboardP99Ms',
      'ingest',
      'reconnectAllMs',
      'rssConnectedMB',
      'rssPerThousandMB',
    ]);
  }, 150_000);
});
