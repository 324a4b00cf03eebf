"""A real SMTP server on loopback for the smtp notifier's tests: aiosmtpd (Debian's python3-aiosmtpd).

Listens on 127.0.0.1 on a port the OS picks and prints {"port": N} first; then one JSON line per
accepted message (envelope, raw data, the authenticated user, whether the session was TLS), and
{"auth": MECHANISM, "tls": BOOL} for every AUTH command the client sends, accepted or not (so a
test can tell that a client never sent its credentials over a plain connection).
With --user/--password it requires AUTH (PLAIN or LOGIN, as aiosmtpd offers them); with
--cert/--key it offers STARTTLS and, like a real submission server, refuses AUTH before it.
"""

import argparse
import asyncio
import json
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword, syntax


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--require-starttls", action="store_true")
    args = parser.parse_args()

    tls_context = None
    if args.cert:
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(args.cert, args.key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == args.user and auth_data.password.decode() == args.password
        return AuthResult(success=ok, handled=False, auth_data=auth_data.login.decode() if ok else None)

    class Recorder:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if "@" not in address:
                return "553 5.1.3 Recipient address syntax invalid"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            record = {
                "mail_from": envelope.mail_from,
                "rcpt_tos": envelope.rcpt_tos,
                "data": envelope.content.decode("utf8", errors="replace"),
                "user": session.auth_data if session.authenticated else None,
                "tls": session.ssl is not None,
                "helo": session.host_name,
            }
            print(json.dumps(record), flush=True)
            return "250 Message accepted for delivery"

    class RecordingSMTP(SMTP):
        @syntax("AUTH <mechanism>")
        async def smtp_AUTH(self, arg):
            mechanism = arg.split()[0] if arg else ""
            print(json.dumps({"auth": mechanism, "tls": self.session.ssl is not None}), flush=True)
            return await super().smtp_AUTH(arg)

    def factory():
        return RecordingSMTP(
            Recorder(),
            hostname="kreboot-test-smtp",
            tls_context=tls_context,
            require_starttls=args.require_starttls,
            authenticator=authenticator if args.user else None,
            auth_required=bool(args.user),
            auth_require_tls=tls_context is not None,
        )

    async def serve():
        server = await asyncio.get_running_loop().create_server(factory, host="127.0.0.1", port=0)
        print(json.dumps({"port": server.sockets[0].getsockname()[1]}), flush=True)
        async with server:
            await server.serve_forever()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
