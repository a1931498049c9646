"""What a Python plugin is allowed to do, exercised once: the survey runs it under strace to see
which system calls CPython and its standard library make (syscall_survey.sh), and the filter's
unit test runs it under the filter to prove the allowlist is enough. Exits 0 when every step
worked; prints the step that failed otherwise. Loopback only, no files outside TMPDIR."""
import asyncio
import ctypes
import hashlib
import json
import mmap
import os
import select
import selectors
import shutil
import signal
import socket
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
import zlib


def files(tmp):
    path = os.path.join(tmp, "data.json")
    with open(path, "w") as out:
        json.dump({"k": list(range(10))}, out)
    with open(path) as back:
        assert json.load(back)["k"][3] == 3
    os.makedirs(os.path.join(tmp, "a/b"), exist_ok=True)
    shutil.copy(path, os.path.join(tmp, "a/b/copy.json"))
    os.rename(os.path.join(tmp, "a/b/copy.json"), os.path.join(tmp, "a/moved.json"))
    os.symlink("moved.json", os.path.join(tmp, "a/link"))
    os.chmod(os.path.join(tmp, "a/moved.json"), 0o600)
    os.utime(os.path.join(tmp, "a/moved.json"), None)
    assert sorted(os.listdir(os.path.join(tmp, "a"))) == ["b", "link", "moved.json"]
    os.stat(os.path.join(tmp, "a/link"))
    os.lstat(os.path.join(tmp, "a/link"))
    with zipfile.ZipFile(os.path.join(tmp, "z.zip"), "w", zipfile.ZIP_DEFLATED) as z:
        z.write(path, "data.json")
    with zipfile.ZipFile(os.path.join(tmp, "z.zip")) as z:
        assert z.read("data.json")
    with open(path, "r+b") as f, mmap.mmap(f.fileno(), 0) as m:
        assert m[:1] == b"{"
    fd = os.open(path, os.O_RDONLY)
    os.pread(fd, 4, 0)
    os.fstat(fd)
    os.close(fd)
    shutil.rmtree(os.path.join(tmp, "a"))
    for _ in os.scandir(tmp):
        pass
    tempfile.NamedTemporaryFile(dir=tmp).close()


def database(tmp):
    for target in (":memory:", os.path.join(tmp, "db.sqlite")):
        db = sqlite3.connect(target)
        db.execute("create table t (x)")
        db.executemany("insert into t values (?)", [(i,) for i in range(100)])
        db.commit()
        assert db.execute("select sum(x) from t").fetchone()[0] == 4950
        db.close()


def crypto():
    assert hashlib.sha256(b"x").hexdigest().startswith("2d71")
    hashlib.blake2b(b"x").digest()
    hashlib.pbkdf2_hmac("sha256", b"p", b"s", 10)
    os.urandom(16)
    ssl.create_default_context()
    zlib.decompress(zlib.compress(b"x" * 100))


def native():
    libc = ctypes.CDLL(None)
    assert libc.getpid() == os.getpid()
    ctypes.create_string_buffer(64)


def loopback():
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port), timeout=5)
    conn, _ = server.accept()
    client.sendall(b"ping")
    assert conn.recv(4) == b"ping"
    for s in (client, conn, server):
        s.close()
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.sendto(b"u", udp.getsockname())
    assert udp.recvfrom(1)[0] == b"u"
    udp.close()
    try:
        six = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        six.close()
    except OSError:
        pass  # no IPv6 in this namespace is fine; the call itself must be allowed
    left, right = socket.socketpair()
    left.sendall(b"x")
    assert right.recv(1) == b"x"
    left.close()
    right.close()
    socket.if_nameindex()
    socket.getaddrinfo("127.0.0.1", 80, type=socket.SOCK_STREAM)
    socket.gethostname()


def waiting():
    r, w = os.pipe()
    os.write(w, b"x")
    select.select([r], [], [], 1)
    with selectors.DefaultSelector() as sel:
        sel.register(r, selectors.EVENT_READ)
        sel.select(1)
    select.poll().poll(0)
    os.close(r)
    os.close(w)
    time.sleep(0.01)
    time.monotonic()
    time.process_time()


async def served():
    async def echo(reader, writer):
        writer.write(await reader.read(4))
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"echo")
    assert await reader.read(4) == b"echo"
    writer.close()
    server.close()
    await server.wait_closed()
    await asyncio.sleep(0)


def concurrency():
    results = []
    threads = [threading.Thread(target=lambda: results.append(sum(range(1000)))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4
    lock = threading.Condition()
    with lock:
        lock.wait(0.01)
    asyncio.run(served())
    signal.signal(signal.SIGUSR1, lambda *_: results.append("sig"))
    os.kill(os.getpid(), signal.SIGUSR1)
    assert "sig" in results


def child():
    done = subprocess.run([sys.executable, "-I", "-c", "print(6 * 7)"], capture_output=True,
                          timeout=20, check=True)
    assert done.stdout.strip() == b"42"


def main():
    tmp = tempfile.mkdtemp()
    steps = [("files", lambda: files(tmp)), ("sqlite3", lambda: database(tmp)),
             ("hashlib/ssl", crypto), ("ctypes", native), ("socket", loopback),
             ("select", waiting), ("threads/asyncio/signals", concurrency),
             ("subprocess", child)]
    for name, step in steps:
        try:
            step()
        except Exception as error:  # report the step, then fail
            print("workload step failed:", name, repr(error))
            return 1
    shutil.rmtree(tmp)
    print("workload ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
