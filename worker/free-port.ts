// A TCP port on 127.0.0.1 for a listener that starts soon (often in a child process): free when
// asked, kept from other takers for a while (see reserve), and never handed out twice by this process.
import { type AddressInfo, connect, createServer } from 'node:net';

const handedOut = new Set<number>();

export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const port = await reserve(host);
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
    if (attempt >= 50) throw new Error(`no free port on ${host} that this process has not handed out already`);
  }
}

/**
 * Binds port 0 for a port the kernel picks; on Linux it then connects to it and closes the
 * accepted side first, which leaves that side in TIME_WAIT (60 s). Meanwhile the kernel gives the
 * port to no other bind(0) nor outgoing connection, yet a listener with SO_REUSEADDR (Node, Go,
 * Java, Rust and PostgreSQL listeners set it) can take it. The Temporal SDK picks its ports so too.
 */
function reserve(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer((accepted) => accepted.destroy());
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as AddressInfo;
      let closing = false;
      const done = () => {
        if (!closing) server.close(() => resolve(port));
        closing = true;
      };
      if (process.platform !== 'linux') return done();
      const client = connect(port, host);
      client.once('error', () => done()); // the port is free all the same; only the TIME_WAIT is missing
      client.once('close', done);
      client.resume(); // reads to the end: 'end', then this side closes too
    });
  });
}
