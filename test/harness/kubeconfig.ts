// Kubeconfig files for the local control plane: one per component identity (client certificate)
// and one per ServiceAccount token, so tests and processes under test authenticate for real.

import { readFileSync, writeFileSync } from 'node:fs';
import type { CertPair } from './pki.ts';

export type Credentials = { readonly certPair: CertPair } | { readonly token: string };

/** Writes a kubeconfig file (JSON is valid YAML) with embedded data, so it can be copied anywhere. */
export function writeKubeconfig(path: string, server: string, caCert: string, user: string, credentials: Credentials): string {
  const b64 = (file: string) => readFileSync(file).toString('base64');
  const auth =
    'token' in credentials
      ? { token: credentials.token }
      : { 'client-certificate-data': b64(credentials.certPair.cert), 'client-key-data': b64(credentials.certPair.key) };
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'kreboot-test', cluster: { server, 'certificate-authority-data': b64(caCert) } }],
    users: [{ name: user, user: auth }],
    contexts: [{ name: user, context: { cluster: 'kreboot-test', user } }],
    'current-context': user,
  };
  writeFileSync(path, JSON.stringify(config, null, 2), { mode: 0o600 });
  return path;
}
