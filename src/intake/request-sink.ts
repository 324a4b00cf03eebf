// Where the webhook puts what it learned: the request store (the lead implements it on Node
// annotations, docs/adr/0002). Narrow on purpose, so the webhook can be tested with a small fake.

interface RequestSource {
  readonly kind: 'alert' | 'remediation' | 'api' | 'node';
  readonly alertname?: string;
  readonly fingerprint?: string;
  /** The alert's startsAt: with the fingerprint, it names one firing episode. */
  readonly startsAt?: string;
}

/** A request refused for a reason the sender should see (e.g. an alert episode already served). */
export interface Ignored {
  readonly ignored: string;
}

interface WithdrawSource {
  readonly kind: 'alert';
  readonly alertname: string;
  readonly fingerprint?: string;
}

export interface RequestSink {
  /** Records a reboot request for node (idempotent). Resolves 'accepted' or 'unknown-node'. Throws on API errors. */
  request(node: string, source: RequestSource): Promise<'accepted' | 'unknown-node' | Ignored>;
  /** Withdraws a request that has not started (resolved alert). Resolves 'withdrawn' | 'not-pending' | 'unknown-node'. */
  withdraw(node: string, source: WithdrawSource): Promise<'withdrawn' | 'not-pending' | 'unknown-node'>;
}
