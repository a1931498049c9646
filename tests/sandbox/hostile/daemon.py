# Hostile: a double-forked daemon in its own session that ignores SIGTERM, outliving the plugin.
import os, signal, sys, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        time.sleep(300)
    os._exit(0)
time.sleep(0.2)
print("daemon started")
sys.exit(0)
