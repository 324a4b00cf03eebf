// E-mail over SMTP: smtp://[USER:PASS@]HOST[:PORT]/?from=ADDRESS&to=A,B[&options] sends one mail to
// every recipient per message (through smtp-sender.ts, nodemailer). Options are shoutrrr's:
// fromname, subject (alias title, default "kreboot"), auth (None, Plain, CRAMMD5, Unknown —
// whatever the server offers —, OAuth2 with the password as the access token), encryption (Auto:
// TLS from the start on port 465, else STARTTLS when offered; None; ExplicitTLS: STARTTLS
// required; ImplicitTLS), starttls=no (never STARTTLS), usehtml=yes, clienthost (the EHLO name).
// Port 25 by default, as shoutrrr. Unlike shoutrrr, a password is never sent over a plain
// connection unless the URL says encryption=None: with Auto, a server (or a man in the middle
// stripping STARTTLS from its EHLO) that offers no STARTTLS fails the delivery (smtp-sender.ts).

import type { Notifier } from '../notifier.ts';
import { createSmtpSender, type SmtpServer } from '../smtp-sender.ts';
import { decode, readBool, readList, readQuery, UrlProblem, type ServiceContext } from './url-parts.ts';

const AUTH = new Map([
  ['none', undefined],
  ['plain', 'PLAIN'],
  ['crammd5', 'CRAM-MD5'],
  ['unknown', 'auto'],
  ['oauth2', 'XOAUTH2'],
] as const);
const ENCRYPTION = ['auto', 'none', 'explicittls', 'implicittls'];
const ADDRESS = /^[^@\s,<>]+@[^@\s,<>]+$/;

export function parseSmtpUrl(url: URL, context: ServiceContext): Notifier[] {
  const query = readQuery(url, 'smtp', [
    'from',
    'fromaddress',
    'fromname',
    'to',
    'toaddresses',
    'subject',
    'title',
    'auth',
    'encryption',
    'starttls',
    'usestarttls',
    'usehtml',
    'clienthost',
  ]);
  if (url.hostname === '') throw new UrlProblem('smtp: the server host is missing: smtp://[user:pass@]host[:port]/?from=…&to=…');
  const from = query.get('from') ?? query.get('fromaddress') ?? '';
  if (!ADDRESS.test(from)) throw new UrlProblem('smtp: option "from" must be one e-mail address');
  const to = [...readList(query, 'to'), ...readList(query, 'toaddresses')];
  if (to.length === 0) throw new UrlProblem('smtp: option "to" is required (e-mail addresses, comma-separated)');
  for (const address of to) if (!ADDRESS.test(address)) throw new UrlProblem(`smtp: "${address}" in "to" is not an e-mail address`);
  const authKey = (query.get('auth') ?? 'unknown').toLowerCase();
  if (!AUTH.has(authKey as never)) throw new UrlProblem('smtp: auth must be None, Plain, CRAMMD5, Unknown or OAuth2');
  const method = AUTH.get(authKey as never);
  const encryption = (query.get('encryption') ?? 'auto').toLowerCase();
  if (!ENCRYPTION.includes(encryption)) throw new UrlProblem('smtp: encryption must be Auto, None, ExplicitTLS or ImplicitTLS');
  const port = url.port === '' ? 25 : Number(url.port);
  const user = decode(url.username);
  const pass = decode(url.password);
  if (method !== undefined && method !== 'auto' && user === '')
    throw new UrlProblem(`smtp: auth=${query.get('auth') ?? ''} needs a user name and password in the URL`);
  const useStartTls = readBool(query, query.has('usestarttls') ? 'usestarttls' : 'starttls', 'smtp', true);
  const implicitTls = encryption === 'implicittls' || (encryption === 'auto' && port === 465);
  const startTls =
    implicitTls || encryption === 'none' || !useStartTls ? 'off' : encryption === 'explicittls' ? 'required' : 'opportunistic';
  const auth = method === undefined || user === '' ? undefined : { user, pass, method };
  if (auth && startTls === 'off' && !implicitTls && encryption !== 'none')
    throw new UrlProblem(
      'smtp: starttls=no with a user name would send the password over a plain connection; set encryption=None to allow that explicitly, or use TLS',
    );
  const server: SmtpServer = {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port,
    implicitTls,
    startTls,
    auth,
    clientHost: query.get('clienthost') ?? 'localhost',
  };
  const fromName = query.get('fromname');
  const subject = query.get('subject') ?? query.get('title') ?? 'kreboot';
  const html = readBool(query, 'usehtml', 'smtp', false);
  const sender = context.smtp ?? createSmtpSender({ timeoutMs: 10_000 });

  return [
    {
      service: 'smtp',
      target: `smtp ${url.host} to ${to.length} recipient${to.length > 1 ? 's' : ''}`,
      async send(message) {
        await sender.send(server, {
          from: fromName ? `"${fromName.replace(/["\\]/g, '')}" <${from}>` : from,
          to,
          subject,
          ...(html ? { html: escapeHtml(message.text) } : { text: message.text }),
        });
      },
    },
  ];
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, '<br>');
}
