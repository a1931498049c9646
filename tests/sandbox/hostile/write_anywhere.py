# Hostile: write outside /tmp (its own code included); /tmp itself must be writable.
# Each refusal prints its errno: creating a file, chmod and utime check the mount's read-only
# flag before any permission (EROFS), so those prove the mount; appending to an existing file
# is refused by its mode first (EACCES), which proves only the file's permissions.
import errno, os, sys
leaks = []

def name(e):
    return errno.errorcode.get(e.errno, str(e.errno))

for path in ["/sandbox/plugin.py", "/sandbox/new.py", "/new", "/usr/lib/python3.11/os.py",
             "/usr/lib/python3.11/new.py", "/usr/bin/python3.11", "/dev/new",
             "/proc/sys/kernel/hostname", sys.argv[1]]:
    try:
        with open(path, "ab") as f:
            f.write(b"# ESCAPED\n")
        leaks.append("wrote %s" % path)
    except OSError as e:
        print("OK write", path, name(e))
for path in ["/sandbox/plugin.py", "/sandbox", "/usr/lib/python3.11/os.py", "/usr/bin/python3.11",
             "/dev/null", "/"]:
    try:
        os.chmod(path, 0o777)
        leaks.append("chmod %s" % path)
    except OSError as e:
        print("OK chmod", path, name(e))
    try:
        os.utime(path, (0, 0))
        leaks.append("utime %s" % path)
    except OSError as e:
        print("OK utime", path, name(e))
with open("/tmp/scratch", "w") as f:
    f.write("fine")
print("tmp writable", open("/tmp/scratch").read())
for leak in leaks:
    print("LEAK", leak)
sys.exit(3 if leaks else 0)
