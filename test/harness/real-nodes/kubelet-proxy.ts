// The API server's way to the VM nodes' kubelets (kubectl logs, exec, port-forward): an HTTP
// CONNECT proxy on a unix socket, named in the API server's EgressSelectorConfiguration. Every VM
// node has the same address (10.0.2.15, QEMU's user-mode network), which the host cannot and must
// not dial, and a hostname the host cannot resolve. The API server asks for "<node name>:<port>"
// (its preferred address type is Hostname) or "10.0.2.15:<port>"; each kubelet listens on its own
// port (10250 + index), and the proxy sends either to the loopback port QEMU forwards to that
// kubelet. Anything else is refused, so the API server never sends a packet off this machine.

import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { writeFileSync } from 'node:fs';

export interface KubeletProxy {
  readonly socketPath: string;
  /** Routes CONNECT <nodeName>:<kubeletPort> and <guestAddress>:<kubeletPort> to 127.0.0.1:<hostPort>. */
  route(nodeName: string, kubeletPort: number, hostPort: number): void;
  /** Routes CONNECT <address>:<port> to 127.0.0.1:<hostPort>: a pod address, for the API server's service proxy. */
  routeAddress(address: string, port: number, hostPort: number): void;
  close(): Promise<void>;
}

export async function startKubeletProxy(socketPath: string, guestAddress: string): Promise<KubeletProxy> {
  const routes = new Map<string, number>();
  const server: Server = createServer((_req, res) => {
    res.writeHead(405).end('CONNECT only\n');
  });
  const tunnels = new Set<Socket>();
  server.on('connect', (req, client: Socket, head: Buffer) => {
    const hostPort = routes.get(req.url ?? '');
    if (hostPort === undefined) {
      client.end(`HTTP/1.1 403 Forbidden\r\n\r\nno VM node kubelet at ${req.url ?? ''}\n`);
      return;
    }
    const upstream = connect(hostPort, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const socket of [client, upstream]) {
      tunnels.add(socket);
      socket.on('close', () => tunnels.delete(socket));
    }
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, resolve);
  });
  server.unref();
  return {
    socketPath,
    route(nodeName, kubeletPort, hostPort) {
      routes.set(`${nodeName}:${kubeletPort}`, hostPort);
      routes.set(`${guestAddress}:${kubeletPort}`, hostPort);
    },
    routeAddress(address, port, hostPort) {
      routes.set(`${address}:${port}`, hostPort);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of tunnels) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The API server's egress configuration: cluster traffic (to kubelets) through the proxy's socket. */
export function writeEgressSelectorConfig(path: string, socketPath: string): string {
  const config = {
    apiVersion: 'apiserver.k8s.io/v1beta1',
    kind: 'EgressSelectorConfiguration',
    egressSelections: [{ name: 'cluster', connection: { proxyProtocol: 'HTTPConnect', transport: { uds: { udsName: socketPath } } } }],
  };
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}
