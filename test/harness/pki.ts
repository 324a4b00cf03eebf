// Certificates and keys for the local control plane, made fresh for every cluster with openssl:
// a CA, the API server's serving certificate, client certificates for each component and the
// admin identity, and the service-account signing key pair. EC P-256 keys keep this fast (~10 ms each).

import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CertPair {
  readonly cert: string;
  readonly key: string;
}

export interface Pki {
  readonly caCert: string;
  readonly caKey: string;
  readonly serving: CertPair;
  /** Client certificates by identity name (admin, kube-controller-manager, kube-scheduler, kwok). */
  readonly clients: Readonly<Record<ClientName, CertPair>>;
  readonly serviceAccountKey: string;
  readonly serviceAccountPub: string;
}

export type ClientName = 'admin' | 'kube-controller-manager' | 'kube-scheduler' | 'kwok';

/** Subject of each client identity: the CN is the user, O the groups (system:masters is cluster-admin). */
const CLIENTS: Record<ClientName, { cn: string; o?: string }> = {
  admin: { cn: 'kreboot-admin', o: 'system:masters' },
  'kube-controller-manager': { cn: 'system:kube-controller-manager' },
  'kube-scheduler': { cn: 'system:kube-scheduler' },
  kwok: { cn: 'kwok-controller', o: 'system:masters' },
};

const SERVING_NAMES = ['DNS:localhost', 'DNS:kubernetes', 'DNS:kubernetes.default', 'DNS:kubernetes.default.svc'];

const leafExtensions = (usage: string, san?: string) => [
  'basicConstraints = critical,CA:FALSE',
  'keyUsage = critical,digitalSignature,keyEncipherment',
  `extendedKeyUsage = ${usage}`,
  'authorityKeyIdentifier = keyid',
  ...(san ? [`subjectAltName = ${san}`] : []),
];

function openssl(dir: string, name: string, subject: { cn: string; o?: string }, extensions: string[], ca?: CertPair): CertPair {
  const config = join(dir, `${name}.cnf`);
  const dn = [`CN = ${subject.cn}`, ...(subject.o ? [`O = ${subject.o}`] : [])];
  writeFileSync(config, ['[req]', 'distinguished_name = dn', 'prompt = no', '[dn]', ...dn, '[ext]', ...extensions, ''].join('\n'));
  const pair = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  const args = [
    'req',
    '-x509',
    '-new',
    '-config',
    config,
    '-extensions',
    'ext',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    pair.key,
    '-out',
    pair.cert,
    '-days',
    '3650',
  ];
  if (ca) args.push('-CA', ca.cert, '-CAkey', ca.key);
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  return pair;
}

export interface PkiOptions {
  /** More IP addresses the API server's serving certificate is valid for (VM nodes reach it at 10.0.2.2). */
  readonly servingIps?: readonly string[];
}

export function createPki(dir: string, options: PkiOptions = {}): Pki {
  const ca = openssl(dir, 'ca', { cn: 'kreboot-test-ca' }, [
    'basicConstraints = critical,CA:TRUE',
    'keyUsage = critical,keyCertSign,cRLSign,digitalSignature',
    'subjectKeyIdentifier = hash',
  ]);
  const leaf = leafExtensions;
  const serving = openssl(
    dir,
    'apiserver',
    { cn: 'kube-apiserver' },
    leaf('serverAuth', ['IP:127.0.0.1', ...(options.servingIps ?? []).map((ip) => `IP:${ip}`), ...SERVING_NAMES].join(',')),
    ca,
  );
  const clients = Object.fromEntries(
    (Object.keys(CLIENTS) as ClientName[]).map((name) => [name, openssl(dir, `client-${name}`, CLIENTS[name], leaf('clientAuth'), ca)]),
  ) as Record<ClientName, CertPair>;

  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const serviceAccountKey = join(dir, 'sa.key');
  const serviceAccountPub = join(dir, 'sa.pub');
  writeFileSync(serviceAccountKey, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(serviceAccountPub, publicKey.export({ type: 'spki', format: 'pem' }));
  return { caCert: ca.cert, caKey: ca.key, serving, clients, serviceAccountKey, serviceAccountPub };
}

/**
 * A client certificate signed by the cluster's CA, for identities of real nodes: a kubelet
 * (`system:node:<name>` in `system:nodes`, which the Node authorizer and NodeRestriction expect),
 * kube-proxy (`system:kube-proxy`, bound by the default RBAC) and the API server's own client
 * identity towards kubelets (logs, exec).
 */
export function createClientCert(dir: string, pki: Pki, fileName: string, subject: { cn: string; o?: string }): CertPair {
  return openssl(dir, fileName, subject, leafExtensions('clientAuth'), { cert: pki.caCert, key: pki.caKey });
}
