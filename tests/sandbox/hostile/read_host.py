# Hostile: read host secrets: planted files, /etc/shadow, home, the repository, /work, env, fds.
import os, sys
secret_file, repository, token = sys.argv[1], sys.argv[2], sys.argv[3]
leaks = []
for path in [secret_file, "/etc/shadow", "/etc/passwd", "/root", "/home", "/work",
             repository, os.path.join(repository, "CMakeLists.txt"), "/proc/1/environ",
             "/bin/sh", "/usr/bin/env"]:
    try:
        if os.path.isdir(path):
            leaks.append("listed %s: %r" % (path, os.listdir(path)[:5]))
        else:
            with open(path, "rb") as f:
                data = f.read()
            if path != "/proc/1/environ" or token.encode() in data:
                leaks.append("read %s" % path)
    except OSError as e:
        print("OK", path, type(e).__name__)
if any(token in value for value in os.environ.values()):
    leaks.append("secret in the environment")
print("env", sorted(os.environ))
for fd in range(3, 256):
    try:
        os.fstat(fd)
        leaks.append("inherited descriptor %d" % fd)
    except OSError:
        pass
print("root", sorted(os.listdir("/")))
for leak in leaks:
    print("LEAK", leak)
sys.exit(3 if leaks else 0)
