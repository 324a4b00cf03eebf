// Sends one e-mail for the smtp notifier with nodemailer: one connection per message (a rollout
// sends a few messages an hour, so a pooled connection would mostly sit idle and time out), the
// same per-request timeout as HTTP, and errors turned into DeliveryErrors whose text carries
// nodemailer's error code and the server's reply code, never the credentials. With credentials,
// STARTTLS 'opportunistic' (encryption=Auto) becomes 'required': the password never goes over a
// plain connection unless the URL turned encryption off explicitly (startTls 'off', encryption=None).

import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { DeliveryError } from './delivery-error.ts';

export interface SmtpServer {
  readonly host: string;
  readonly port: number;
  /** TLS from the first byte (port 465). */
  readonly implicitTls: boolean;
  /**
   * 'required': STARTTLS or fail; 'opportunistic': if the server offers it, but required when there
   * are credentials to send; 'off': never (the only way to authenticate in clear text).
   */
  readonly startTls: 'required' | 'opportunistic' | 'off';
  readonly auth?: { readonly user: string; readonly pass: string; readonly method: 'auto' | 'PLAIN' | 'CRAM-MD5' | 'XOAUTH2' } | undefined;
  /** The name given in EHLO. */
  readonly clientHost: string;
}

export interface SmtpMail {
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly text?: string;
  readonly html?: string;
}

export interface SmtpSender {
  send(server: SmtpServer, mail: SmtpMail): Promise<void>;
}

export interface SmtpSenderOptions {
  readonly timeoutMs: number;
  /** Extra CA certificates (PEM) to trust besides the system's; internal, for a test server. */
  readonly ca?: string | undefined;
  /** Aborted at shutdown: a mail still being sent is given up at once, as HTTP requests are. */
  readonly shutdown?: AbortSignal | undefined;
}

export function createSmtpSender(options: SmtpSenderOptions): SmtpSender {
  return {
    async send(server, mail) {
      const auth =
        server.auth === undefined
          ? undefined
          : server.auth.method === 'XOAUTH2'
            ? { type: 'OAuth2' as const, user: server.auth.user, accessToken: server.auth.pass }
            : { user: server.auth.user, pass: server.auth.pass };
      // A server that offers no STARTTLS (or a path that strips it) must not get the password in clear.
      const tlsForAuth = auth !== undefined && !server.implicitTls && server.startTls === 'opportunistic';
      const config: SMTPTransport.Options = {
        host: server.host,
        port: server.port,
        secure: server.implicitTls,
        requireTLS: server.startTls === 'required' || tlsForAuth,
        ignoreTLS: server.startTls === 'off',
        name: server.clientHost,
        ...(auth ? { auth } : {}),
        ...(server.auth && server.auth.method !== 'auto' && server.auth.method !== 'XOAUTH2' ? { authMethod: server.auth.method } : {}),
        connectionTimeout: options.timeoutMs,
        greetingTimeout: options.timeoutMs,
        socketTimeout: options.timeoutMs,
        ...(options.ca ? { tls: { ca: [options.ca] } } : {}),
      };
      // Loaded on the first mail, not at start: most controllers never send one, and nodemailer
      // held ~2 MB of the controller's idle memory (issue 25, bench/controller-memory.ts).
      const { default: nodemailer } = await import('nodemailer');
      const transport = nodemailer.createTransport(config);
      let onAbort: (() => void) | undefined;
      const aborted = new Promise<never>((_resolve, reject) => {
        onAbort = () => reject(new DeliveryError('sending aborted at shutdown', { retryable: false }));
        options.shutdown?.addEventListener('abort', onAbort, { once: true });
      });
      try {
        if (options.shutdown?.aborted) throw new DeliveryError('sending aborted at shutdown', { retryable: false });
        await Promise.race([
          transport.sendMail({
            from: mail.from,
            to: [...mail.to],
            subject: mail.subject,
            ...(mail.html ? { html: mail.html } : { text: mail.text ?? '' }),
          }),
          aborted,
        ]);
      } catch (error) {
        if (error instanceof DeliveryError) throw error;
        if (tlsForAuth && isStartTlsFailure(error))
          throw new DeliveryError(
            'smtp: the server offers no STARTTLS, and the password is never sent over a plain connection (encryption=None in the URL allows that)',
            { retryable: false },
          );
        throw toDeliveryError(error);
      } finally {
        if (onAbort) options.shutdown?.removeEventListener('abort', onAbort);
        aborted.catch(() => undefined);
        transport.close();
      }
    },
  };
}

/** nodemailer's failure to start TLS: the STARTTLS command refused, or the upgrade itself failed. */
function isStartTlsFailure(error: unknown): boolean {
  const { code, command } = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; command?: unknown };
  return code === 'ETLS' && command === 'STARTTLS';
}

function toDeliveryError(error: unknown): DeliveryError {
  const { code, responseCode } = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; responseCode?: unknown };
  const reply = typeof responseCode === 'number' ? responseCode : undefined;
  // 4xx replies are temporary by definition (RFC 5321 §4.2.1); so are connection failures.
  const retryable = reply === undefined ? code !== 'EAUTH' && code !== 'EENVELOPE' : reply >= 400 && reply < 500;
  return new DeliveryError(`smtp ${typeof code === 'string' ? code : 'error'}${reply ? ` (reply ${reply})` : ''}`, { retryable });
}
