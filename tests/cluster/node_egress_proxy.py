#!/usr/bin/env python3
"""The API server's way into the test node's network namespace (its egress selector "cluster").

kube-apiserver stays on host loopback; kubelet and the Pods live in a network namespace the host cannot
route to. The API server's EgressSelectorConfiguration sends every connection to a node or Pod (logs,
exec, port-forward, proxy) as an HTTP CONNECT request over this Unix socket; this process runs inside the
node's network namespace and opens the TCP connection there, the way konnectivity does in real clusters.
Only addresses inside --allow are dialed: the namespace holds nothing else, and nothing else is asked for.

Hand-written (asyncio, ~80 lines): Debian's CONNECT proxies listen on TCP only, and tinyproxy's package
starts a host-wide daemon on install.
"""
import argparse
import asyncio
import ipaddress
import os
import sys

HEAD_LIMIT = 8192
TIMEOUT_SECONDS = 10


def log(message):
    print(message, file=sys.stderr, flush=True)


async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def refuse(writer, status, why):
    log(f"refused: {why}")
    writer.write(f"HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n".encode())
    await writer.drain()
    writer.close()


async def handle(reader, writer, allowed):
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT_SECONDS)
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError):
        writer.close()
        return
    parts = head.split(b"\r\n", 1)[0].decode("latin-1").split()
    if len(parts) != 3 or parts[0] != "CONNECT":
        return await refuse(writer, "405 Method Not Allowed", f"not a CONNECT request: {parts!r}")
    host, _, port = parts[1].rpartition(":")
    try:
        address = ipaddress.ip_address(host.strip("[]"))
        port = int(port)
    except ValueError:
        return await refuse(writer, "400 Bad Request", f"target is not IP:port: {parts[1]}")
    if not any(address in network for network in allowed):
        return await refuse(writer, "403 Forbidden", f"{address} is outside the node's networks")
    try:
        upstream_reader, upstream_writer = await asyncio.wait_for(
            asyncio.open_connection(str(address), port), TIMEOUT_SECONDS)
    except (OSError, asyncio.TimeoutError) as error:
        return await refuse(writer, "502 Bad Gateway", f"dial {parts[1]}: {error}")
    writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
    await writer.drain()
    await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))


async def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--socket", required=True, help="Unix socket the API server dials")
    parser.add_argument("--allow", action="append", required=True, help="CIDR that may be dialed")
    args = parser.parse_args()
    allowed = [ipaddress.ip_network(cidr) for cidr in args.allow]
    if os.path.exists(args.socket):
        os.unlink(args.socket)
    server = await asyncio.start_unix_server(
        lambda r, w: handle(r, w, allowed), path=args.socket, limit=HEAD_LIMIT)
    os.chmod(args.socket, 0o600)
    log(f"egress proxy on {args.socket}, dialing only {', '.join(args.allow)}")
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
