# Hostile: start a program other than Python: shells, coreutils, a static ELF written to /tmp, the
# same ELF as an O_TMPFILE through /proc/self/fd, a script with a #! line, a program through the
# dynamic loader, and native code mapped PROT_EXEC from every writable or supplied mount.
# Each refusal is reported with its errno, so the test can tell the mechanism (noexec gives
# EACCES for execve and EPERM for mmap) from an accident (a full /tmp, a missing x bit).
import errno, mmap, os, struct, subprocess, sys
leaks = []

def name(e):
    return errno.errorcode.get(e.errno, str(e.errno))

def tiny_elf():
    # A static x86_64 ELF whose only instructions are exit(42): 132 bytes, fits any /tmp.
    code = bytes.fromhex("bf2a000000b83c0000000f05")
    base, header, phdr = 0x400000, 64, 56
    size = header + phdr + len(code)
    ident = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    ehdr = ident + struct.pack("<HHIQQQIHHHHHH", 2, 0x3E, 1, base + header + phdr, header, 0, 0,
                               header, phdr, 1, 0, 0, 0)
    ph = struct.pack("<IIQQQQQQ", 1, 5, 0, base, base, size, size, 0x1000)
    return ehdr + ph + code

for argv in (["/bin/sh", "-c", "id"], ["/usr/bin/env"], ["/usr/bin/id"], ["sh", "-c", "true"],
             ["/sbin/ip", "link"], ["/usr/bin/perl", "-e", "1"]):
    try:
        subprocess.run(argv, check=False, capture_output=True)
        leaks.append("ran %s" % argv[0])
    except OSError as e:
        print("OK", argv[0], type(e).__name__)

def try_exec(label, path, pass_fds=()):
    try:
        r = subprocess.run([path], pass_fds=pass_fds)
        leaks.append("ran %s (exit %d)" % (label, r.returncode))
    except OSError as e:
        print("exec", label, name(e))

print("elf", tiny_elf().hex())  # the test runs these bytes on the host: a real program
with open("/tmp/elf", "wb") as f:
    f.write(tiny_elf())
os.chmod("/tmp/elf", 0o755)
try_exec("/tmp/elf", "/tmp/elf")
with open("/tmp/script", "w") as f:
    f.write("#!/usr/bin/python3.11 -I\nprint('script ran')\n")
os.chmod("/tmp/script", 0o755)
try_exec("/tmp/script", "/tmp/script")
try:
    fd = os.open("/tmp", os.O_TMPFILE | os.O_RDWR, 0o755)
    os.write(fd, tiny_elf())
    os.fchmod(fd, 0o755)
    # execve refuses a file that is open for writing (ETXTBSY): keep a read-only descriptor only.
    ro = os.open("/proc/self/fd/%d" % fd, os.O_RDONLY)
    os.close(fd)
    try_exec("O_TMPFILE", "/proc/self/fd/%d" % ro, pass_fds=(ro,))
except OSError as e:
    print("O_TMPFILE", name(e))
r = subprocess.run(["/lib64/ld-linux-x86-64.so.2", "/tmp/elf"], capture_output=True)
if r.returncode == 42:
    leaks.append("ran /tmp/elf through the loader")
else:
    print("loader exit", r.returncode, r.stderr.decode(errors="replace").strip()[-60:])

# mmap(PROT_EXEC) needs only read access on the file: only a noexec mount refuses it (EPERM).
for path in ["/tmp/elf", "/sandbox/plugin.py"] + sys.argv[1:-1]:
    try:
        with open(path, "rb") as f:
            mmap.mmap(f.fileno(), 0, flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ | mmap.PROT_EXEC)
        leaks.append("mapped %s executable" % path)
    except OSError as e:
        print("mmap exec", path, name(e))
for leak in leaks:
    print("LEAK", leak)
sys.exit(3 if leaks else 0)
