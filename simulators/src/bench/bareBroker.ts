/**
 * The benchmark's baseline: a bare aedes broker on TCP (noDelay), no authentication, no validation, with an
 * in-process consumer of telemetry (as the controller consumes it) that only counts. Prints `{"port":N}`,
 * then answers each line on stdin with `{"consumed":N}`, the telemetry messages consumed so far.
 * `--host H` (default 127.0.0.1); `--retained indexed` uses the controller's indexed retained store (its
 * built module), `stock` (default) aedes-persistence's own.
 */
import net from 'node:net';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { Aedes } from 'aedes';

const { values } = parseArgs({ options: { host: { type: 'string', default: '127.0.0.1' }, retained: { type: 'string', default: 'stock' } } });
let persistence: unknown;
if (values.retained === 'indexed') {
  const mod = (await import(new URL('../../../controller/dist/broker/retainedStore.js', import.meta.url).href)) as { IndexedRetainedPersistence: new () => unknown };
  persistence = new mod.IndexedRetainedPersistence();
}
const broker = await Aedes.createBroker({ concurrency: 1000, heartbeatInterval: 60_000, ...(persistence ? { persistence } : {}) });
let consumed = 0;
broker.subscribe(
  'caideng/v1/+/group/+/telemetry',
  (_packet, cb) => {
    consumed++;
    cb();
  },
  () => undefined,
);
const server = net.createServer({ noDelay: true }, broker.handle);
server.listen(0, values.host, () => {
  process.stdout.write(JSON.stringify({ port: (server.address() as net.AddressInfo).port }) + '\n');
});
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  broker.close(() => server.close(() => process.exit(0)));
};
// stdin closes when the benchmark ends, however it ends: the broker does not outlive it.
createInterface({ input: process.stdin })
  .on('line', () => process.stdout.write(JSON.stringify({ consumed }) + '\n'))
  .on('close', stop);
process.once('SIGTERM', stop);
