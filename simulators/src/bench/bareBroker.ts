/**
 * The benchmark's baseline: a bare aedes broker on TCP (noDelay), no authentication, no validation, with an
 * in-process consumer of telemetry (as the controller consumes it) that only counts. Prints `{"port":N}`,
 * then answers each line on stdin with `{"consumed":N}`, the telemetry messages consumed so far.
 */
import net from 'node:net';
import { createInterface } from 'node:readline';
import { Aedes } from 'aedes';

const broker = await Aedes.createBroker({ concurrency: 1000, heartbeatInterval: 60_000 });
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
server.listen(0, '127.0.0.1', () => {
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
