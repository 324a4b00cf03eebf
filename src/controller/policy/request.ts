// A pending reboot request as stored on the Node (annotation kreboot.dev/reboot-request).

export type RequestKind = 'alert' | 'remediation' | 'api' | 'node';

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
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as Partial<RebootRequest>;
    if (typeof value !== 'object' || value === null || typeof value.at !== 'string' || typeof value.kind !== 'string') return undefined;
    return value as RebootRequest;
  } catch {
    return undefined;
  }
}
