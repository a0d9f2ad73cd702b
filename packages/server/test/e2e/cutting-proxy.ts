import net from 'node:net';

export interface CuttingProxy {
  port: number;
  /** Connections cut so far. */
  cuts(): number;
  close(): Promise<void>;
}

/**
 * A TCP proxy to 127.0.0.1:`targetPort` that drops connections on purpose, like a bad network:
 * whenever `cutAfterBytes[i]` more bytes have come from the client since the last cut, the
 * connection carrying them is destroyed on both sides, mid-request. After the last cut, bytes
 * pass untouched. A target that is down (restarting) is seen by the client as a reset connection.
 */
export async function startCuttingProxy(targetPort: number, cutAfterBytes: number[]): Promise<CuttingProxy> {
  const plan = [...cutAfterBytes];
  let cuts = 0;
  let sinceCut = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      sinceCut += chunk.length;
      const limit = plan[0];
      if (limit !== undefined && sinceCut > limit) {
        plan.shift();
        sinceCut = 0;
        cuts++;
        cut();
        return;
      }
      if (!upstream.write(chunk)) client.pause();
    });
    upstream.on('drain', () => client.resume());
    upstream.on('data', (chunk: Buffer) => {
      if (!client.write(chunk)) upstream.pause();
    });
    client.on('drain', () => upstream.resume());
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    for (const s of [client, upstream]) {
      s.on('error', cut);
      s.on('close', () => {
        sockets.delete(s);
        cut();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    cuts: () => cuts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
}
