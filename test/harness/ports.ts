// Free loopback ports for servers that cannot report an OS-assigned one (etcd, Kubernetes,
// Prometheus, Alertmanager). There is a window between picking and binding; callers retry on
// "address already in use".

import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('could not get a free port');
  return address.port;
}

export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

/** True when a component's log says it could not bind its port, so the caller can pick again. */
export function isAddressInUse(log: string): boolean {
  return /address already in use|bind: address/i.test(log);
}
