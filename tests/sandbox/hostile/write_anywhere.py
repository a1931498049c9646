# Hostile: write outside /tmp (its own code included); /tmp itself must be writable.
import os, sys
leaks = []
for path in ["/sandbox/plugin.py", "/sandbox/new.py", "/new", "/usr/lib/python3.11/os.py",
             "/usr/bin/python3.11", "/dev/new", "/proc/sys/kernel/hostname", sys.argv[1]]:
    try:
        with open(path, "ab") as f:
            f.write(b"# ESCAPED\n")
        leaks.append("wrote %s" % path)
    except OSError as e:
        print("OK", path, type(e).__name__)
try:
    os.chmod("/sandbox/plugin.py", 0o777)
    leaks.append("chmod of its own code")
except OSError as e:
    print("OK chmod", type(e).__name__)
with open("/tmp/scratch", "w") as f:
    f.write("fine")
print("tmp writable", open("/tmp/scratch").read())
for leak in leaks:
    print("LEAK", leak)
sys.exit(3 if leaks else 0)
