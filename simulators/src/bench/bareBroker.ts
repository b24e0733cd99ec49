/**
 * The benchmark's baseline: a bare aedes broker on TCP (noDelay), no authentication, no validation, with an
 * in-process consumer of telemetry (as the controller consumes it) that only counts. Prints `{"port":N}`.
 */
import net from 'node:net';
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
process.on('message', () => undefined);
process.stdin.on('data', () => process.stdout.write(JSON.stringify({ consumed }) + '\n'));
process.on('SIGTERM', () => broker.close(() => server.close(() => process.exit(0))));
