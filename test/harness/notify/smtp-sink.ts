// Starts the loopback SMTP server (smtp-server.py, aiosmtpd) as a child process and collects the
// messages it accepted. The server is a real SMTP implementation: it speaks the protocol, offers
// STARTTLS and AUTH as configured, and refuses what a real server refuses (AUTH before TLS when it
// has a certificate, an unknown user), so the notifier is tested against the protocol, not a fake.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { waitFor } from '../wait-for.ts';

export interface ReceivedMail {
  readonly mail_from: string;
  readonly rcpt_tos: string[];
  readonly data: string;
  readonly user: string | null;
  readonly tls: boolean;
  readonly helo: string;
}

export interface SmtpSink {
  readonly port: number;
  readonly mails: ReceivedMail[];
  /** Every AUTH command the server received (mechanism, and whether the session was TLS then). */
  readonly authCommands: { readonly auth: string; readonly tls: boolean }[];
  /** What the server wrote to stderr (aiosmtpd logs refused commands there). */
  readonly log: string[];
  waitForMails(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

export interface SmtpSinkOptions {
  readonly user?: string;
  readonly password?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly requireStartTls?: boolean;
}

const SCRIPT = new URL('./smtp-server.py', import.meta.url).pathname;
// Debian's interpreter, where python3-aiosmtpd is installed (a pyenv python3 may come first in PATH).
const PYTHON = '/usr/bin/python3';

export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const args = [SCRIPT];
  if (options.user) args.push('--user', options.user, '--password', options.password ?? '');
  if (options.cert) args.push('--cert', options.cert, '--key', options.key ?? '');
  if (options.requireStartTls) args.push('--require-starttls');
  const child = spawn(PYTHON, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const mails: ReceivedMail[] = [];
  const log: string[] = [];
  const authCommands: { auth: string; tls: boolean }[] = [];
  let port = 0;
  createInterface({ input: child.stdout }).on('line', (line) => {
    const parsed = JSON.parse(line) as { port?: number; auth?: string } & ReceivedMail;
    if (parsed.port !== undefined) port = parsed.port;
    else if (parsed.auth !== undefined) authCommands.push({ auth: parsed.auth, tls: parsed.tls });
    else mails.push(parsed);
  });
  createInterface({ input: child.stderr }).on('line', (line) => log.push(line));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitFor(() => port > 0 || child.exitCode !== null, { timeoutMs: 15_000, what: 'the SMTP server to listen' });
  if (port === 0) throw new Error(`the SMTP server did not start:\n${log.join('\n')}`);
  return {
    port,
    mails,
    authCommands,
    log,
    waitForMails: (count, timeoutMs = 15_000) =>
      waitFor(() => (mails.length >= count ? mails : undefined), { timeoutMs, what: `${count} mail(s) at the SMTP server` }),
    async close() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
