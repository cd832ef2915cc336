"""An SMTP server that accepts and discards every message, for the e-mail benchmark.

    .venv/bin/python bench/smtp_sink.py --port 2525 --stats /tmp/sink.json

aiosmtpd on 127.0.0.1 in its own process. Every 50 ms, when something changed, it writes
`{"accepted": n, "first": t0, "last": t1, "cpu": seconds}` to --stats (atomically:
written aside, then renamed): the count of messages accepted (250 after DATA), the
wall-clock time (time.time()) of the first and the last, and the CPU this process used.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import time

from aiosmtpd.smtp import SMTP


class Discard:
    def __init__(self):
        self.accepted = 0
        self.first = 0.0
        self.last = 0.0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        now = time.time()
        if not self.accepted:
            self.first = now
        self.accepted += 1
        self.last = now
        return "250 OK"


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def write_stats(handler: Discard, path: str) -> None:
    written = None
    while True:
        state = (handler.accepted, handler.last)
        if state != written:
            data = {"accepted": handler.accepted, "first": handler.first,
                    "last": handler.last, "cpu": cpu_seconds(), "pid": os.getpid()}
            with open(path + ".tmp", "w") as out:
                json.dump(data, out)
            os.replace(path + ".tmp", path)
            written = state
        await asyncio.sleep(0.05)


async def serve(host: str, port: int, stats: str) -> None:
    handler = Discard()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="sink.localhost", data_size_limit=10 * 1024 * 1024,
                     ident="bench-sink"), host, port)
    asyncio.create_task(write_stats(handler, stats))  # noqa: RUF006 - lives as long as we do
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--stats", required=True)
    args = parser.parse_args()
    asyncio.run(serve(args.host, args.port, args.stats))


if __name__ == "__main__":
    main()
