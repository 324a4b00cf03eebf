// Minimal HTTPS GET with the cluster's CA and a client certificate, for readiness checks before a
// Kubernetes client is worth building.

import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import type { CertPair } from './pki.ts';

export function tlsGet(url: string, caCert: string, client: CertPair, timeoutMs = 5_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { ca: readFileSync(caCert), cert: readFileSync(client.cert), key: readFileSync(client.key), timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
