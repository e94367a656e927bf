/**
 * A loopback-only HTTP server for the local fakes of the platforms (demo, tests, benchmarks): the platforms'
 * formats are served from 127.0.0.1 so the whole pipeline runs offline.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoopbackServer {
  url: string;
  close(): Promise<void>;
}

export type Reply = (status: number, body: string, contentType: string, headers?: Record<string, string>) => void;

export async function startLoopbackServer(handle: (req: http.IncomingMessage, url: URL, reply: Reply, body: string) => void, port = 0): Promise<LoopbackServer> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply: Reply = (status, body, contentType, headers = {}) => {
        res.writeHead(status, { 'content-type': contentType, ...headers });
        res.end(body);
      };
      handle(req, new URL(req.url ?? '/', 'http://127.0.0.1'), reply, Buffer.concat(chunks).toString('utf8'));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
