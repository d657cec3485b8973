"""A real SMTP server for the mail package's tests: aiosmtpd (Debian's
python3-aiosmtpd) delivering into a Maildir.

Usage: smtpd.py MAILDIR MODE [CERT KEY] [USER PASSWORD]
MODE is plain, starttls (STARTTLS required) or tls (implicit TLS).
It prints "READY <port>" once listening on 127.0.0.1, and exits when its
standard input closes.
"""
import asyncio
import ssl
import sys
import threading

from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def main():
    maildir, mode = sys.argv[1], sys.argv[2]
    rest = sys.argv[3:]
    ctx = None
    if mode in ("starttls", "tls"):
        cert, key, rest = rest[0], rest[1], rest[2:]
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(cert, key)
    user = password = None
    if rest:
        user, password = rest[0], rest[1]

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login.decode() == user
              and auth_data.password.decode() == password)
        return AuthResult(success=ok, handled=False)

    kwargs = {"hostname": "smtp.test"}
    if user:
        # aiosmtpd 1.4 counts only STARTTLS as encryption; a "tls" session
        # is encrypted from its first byte.
        kwargs.update(authenticator=authenticator, auth_required=True,
                      auth_require_tls=(mode != "tls"))
    if mode == "starttls":
        kwargs.update(tls_context=ctx, require_starttls=True)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    handler = Mailbox(maildir)
    server = loop.run_until_complete(loop.create_server(
        lambda: SMTP(handler, loop=loop, **kwargs), "127.0.0.1", 0,
        ssl=ctx if mode == "tls" else None))
    port = server.sockets[0].getsockname()[1]
    print("READY", port, flush=True)

    def wait_stdin():
        sys.stdin.read()
        loop.call_soon_threadsafe(loop.stop)

    threading.Thread(target=wait_stdin, daemon=True).start()
    loop.run_forever()


if __name__ == "__main__":
    main()
