// A pending reboot request as stored on the Node (annotation kreboot.dev/reboot-request).

import { jsonRecord } from './parse-json.ts';

/** alert: RebootRequired; remediation: another alert; api: an operator; node: --trigger=node; age: --max-node-age. */
type RequestKind = 'alert' | 'remediation' | 'api' | 'node' | 'age';

export interface RebootRequest {
  /** RFC 3339: when it was first recorded; the queue is served oldest first. */
  readonly at: string;
  readonly kind: RequestKind;
  readonly alertname?: string;
  readonly fingerprint?: string;
  /** The alert's firing episode (Alertmanager's startsAt): a re-send of a completed episode is ignored. */
  readonly startsAt?: string;
  readonly by?: string;
  readonly reason?: string;
}

export function parseRequest(text: string | undefined): RebootRequest | undefined {
  const value = jsonRecord<Partial<RebootRequest>>(text);
  return value && typeof value.at === 'string' && typeof value.kind === 'string' ? (value as RebootRequest) : undefined;
}
