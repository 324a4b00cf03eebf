// Credentials of kreboot's outbound HTTP clients (Prometheus, Alertmanager), in one place: a CA
// bundle read at start, and a bearer token or basic-auth password read from their files on every
// request, so a rotated Secret takes effect without a restart. Files that cannot be read at start
// are configuration problems named by their flag; a file that breaks later fails that request.

import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { readSecretFile } from './secret-file.ts';

export interface CredentialFiles {
  readonly caFile: string;
  readonly bearerTokenFile: string;
  readonly username: string;
  readonly passwordFile: string;
}

/** An outbound endpoint as configured (--prometheus-*, --alertmanager-*): its URL, credentials and timeout. */
export interface EndpointConfig extends CredentialFiles {
  readonly url: URL | undefined;
  readonly timeoutMs: number;
}

export interface OutboundCredentials {
  /** An agent trusting --<prefix>-ca-file, when given. */
  readonly httpsAgent: Agent | undefined;
  /** The Authorization header value, read fresh; throws when the file cannot be read. */
  authorization(): string | undefined;
}

/** `prefix` names the flags in problems: "prometheus" → --prometheus-ca-file, … */
export function loadOutboundCredentials(files: CredentialFiles, prefix: string, problems: string[]): OutboundCredentials {
  let ca: Buffer | undefined;
  if (files.caFile !== '') {
    try {
      ca = readFileSync(files.caFile);
    } catch (error) {
      problems.push(
        `--${prefix}-ca-file: cannot read ${files.caFile} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      );
    }
  }
  const tokenFlag = `--${prefix}-bearer-token-file`;
  const passwordFlag = `--${prefix}-password-file`;
  if (files.bearerTokenFile !== '') readSecretFile(files.bearerTokenFile, tokenFlag, problems);
  if (files.passwordFile !== '') readSecretFile(files.passwordFile, passwordFlag, problems);
  return {
    httpsAgent: ca ? new Agent({ ca }) : undefined,
    authorization() {
      const failed: string[] = [];
      if (files.bearerTokenFile !== '') {
        const token = readSecretFile(files.bearerTokenFile, tokenFlag, failed);
        if (token === undefined) throw new Error(failed.join('; '));
        return `Bearer ${token}`;
      }
      if (files.passwordFile !== '') {
        const password = readSecretFile(files.passwordFile, passwordFlag, failed);
        if (password === undefined) throw new Error(failed.join('; '));
        return `Basic ${Buffer.from(`${files.username}:${password}`).toString('base64')}`;
      }
      return undefined;
    },
  };
}
