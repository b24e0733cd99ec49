/**
 * Serves a board's serial link over TCP, like ser2net does for a USB board on a gateway: one client at a time;
 * a new client resets the board (as opening a Uno's port does), a client leaving unplugs it. Used to put the
 * emulated Uno in one process and the bridge in another (tests that kill the bridge), and by `--serve`.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { EmulatedUno } from './emulatedUno.js';

export interface SerialServer {
  url: string;
  close(): Promise<void>;
}

export async function serveBoard(board: EmulatedUno, host = '127.0.0.1', port = 0): Promise<SerialServer> {
  let current: Socket | null = null;
  const server: Server = createServer((socket) => {
    current?.destroy();
    current = socket;
    socket.setNoDelay(true);
    const link = board.connect();
    link.on('data', (d: Buffer) => {
      if (!socket.destroyed) socket.write(d);
    });
    link.on('close', () => {
      if (current === socket) socket.destroy();
    });
    socket.on('data', (d) => link.write(d));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      if (current !== socket) return;
      current = null;
      board.disconnect();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `tcp://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        current?.destroy();
        server.close(() => resolve());
      }),
  };
}
