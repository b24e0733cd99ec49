/** Command-line options of the benchmark: parsing and validation, with one-line messages that say what to fix. */
import { parseArgs } from 'node:util';

export const USAGE = `Usage: npm run bench -- [options]     (or: node simulators/dist/bench/run.js [options])

Drives N simulated lantern groups against the caideng controller and, in the same run, against a bare
aedes broker (the baseline); prints a table on stderr and the JSON report on stdout.

  --devices N              simulated lantern groups, 20 per compound of a generated city (default 2000)
  --rounds N               passes over both systems, in alternating order (default 3)
  --ingest-rounds N        counted maximum-ingest rounds per pass, after one warm-up (default 1)
  --ingest-messages N      telemetry messages per ingest round (default 60000)
  --telemetry-rate R       steady telemetry, messages per second (default 5000, or one per device per 5 s
                           when that is more: 8000 at 40,000 devices)
  --steady-s S             length of the steady phase of each pass, seconds (default 10)
  --commands N             one-group commands, in total over all passes (default 300)
  --compound-commands N    compound-wide commands, in total over all passes (default 300)
  --fleet-processes N      processes the simulated fleet is split over (default 2; at least one per 10,000)
  --baseline-retained S    the bare aedes baseline's retained store: indexed (the controller's, default) or
                           stock (aedes-persistence's: quadratic connect, minutes at 10,000 devices)
  --via-bridges            each compound's groups behind its bridge (gateway): one connection per compound,
                           the city topology; needed where a fleet exceeds the open-files limit
  --out FILE               also write the JSON report here (default bench-results/bench.json)
  --profile-dir DIR        write a CPU profile of each measured process to DIR
  --profile-phase PHASE    ingest or steady (default steady)
  -h, --help               this text

Environment: CAIDENG_BENCH_NODE_ARGS adds Node flags to the measured processes (e.g. --trace-gc), and
CAIDENG_BENCH_TARGET_LOG=FILE keeps the controller's stdout.`;

export interface BenchOptions {
  devices: number;
  rounds: number;
  ingestRounds: number;
  ingestMessages: number;
  telemetryRate: number;
  fleetProcesses: number;
  baselineRetained: 'indexed' | 'stock';
  viaBridges: boolean;
  steadyS: number;
  commands: number;
  compoundCommands: number;
  out: string;
  profileDir: string | undefined;
  profilePhase: 'ingest' | 'steady';
}

export class BenchUsageError extends Error {
  override readonly name = 'BenchUsageError';
}

export type ParsedBenchArgs = { help: true } | { help: false; options: BenchOptions };

function integer(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min) throw new BenchUsageError(`--${flag} must be an integer >= ${min}, got '${value}'`);
  return n;
}

function positive(flag: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new BenchUsageError(`--${flag} must be a number > 0, got '${value}'`);
  return n;
}

export function parseBenchArgs(argv: readonly string[]): ParsedBenchArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        devices: { type: 'string', default: '2000' },
        rounds: { type: 'string', default: '3' },
        'ingest-rounds': { type: 'string', default: '1' },
        'ingest-messages': { type: 'string', default: '60000' },
        'telemetry-rate': { type: 'string' },
        'fleet-processes': { type: 'string', default: '2' },
        'baseline-retained': { type: 'string', default: 'indexed' },
        'via-bridges': { type: 'boolean', default: false },
        'steady-s': { type: 'string', default: '10' },
        commands: { type: 'string', default: '300' },
        'compound-commands': { type: 'string', default: '300' },
        out: { type: 'string', default: 'bench-results/bench.json' },
        'profile-dir': { type: 'string' },
        'profile-phase': { type: 'string', default: 'steady' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    // Node's messages name the flag ("Unknown option '--colour'"); the stack says nothing to an operator.
    throw new BenchUsageError((err as Error).message.split('\n')[0]!);
  }
  if (values.help) return { help: true };
  const phase = values['profile-phase'];
  if (phase !== 'ingest' && phase !== 'steady') throw new BenchUsageError(`--profile-phase must be ingest or steady, got '${phase}'`);
  if (values.out.trim() === '') throw new BenchUsageError('--out must name a file');
  const retained = values['baseline-retained'];
  if (retained !== 'indexed' && retained !== 'stock') throw new BenchUsageError(`--baseline-retained must be indexed or stock, got '${retained}'`);
  const devices = integer('devices', values.devices, 1);
  return {
    help: false,
    options: {
      devices,
      rounds: integer('rounds', values.rounds, 1),
      ingestRounds: integer('ingest-rounds', values['ingest-rounds'], 1),
      ingestMessages: integer('ingest-messages', values['ingest-messages'], 1),
      telemetryRate: values['telemetry-rate'] === undefined ? Math.max(5000, devices / 5) : positive('telemetry-rate', values['telemetry-rate']),
      fleetProcesses: integer('fleet-processes', values['fleet-processes'], 1),
      baselineRetained: retained,
      viaBridges: values['via-bridges'] ?? false,
      steadyS: positive('steady-s', values['steady-s']),
      commands: integer('commands', values.commands, 1),
      compoundCommands: integer('compound-commands', values['compound-commands'], 1),
      out: values.out,
      profileDir: values['profile-dir'],
      profilePhase: phase,
    },
  };
}
