import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An HTTP server listening: the URL it answers on, and how to stop it (open connections too). */
export interface ListeningServer {
  url: string;
  close(): Promise<void>;
}

/** Starts `server` on host:port (port 0: any free one); rejects with the listen error (EADDRINUSE …). */
export async function listenHttp(server: Server, host: string, port: number): Promise<ListeningServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
