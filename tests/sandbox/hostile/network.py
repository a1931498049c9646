# Hostile: reach the host's loopback listeners over TCP and UDP, and list the interfaces.
import socket, sys
tcp_port, udp_port = int(sys.argv[1]), int(sys.argv[2])
leaks = []
try:
    s = socket.create_connection(("127.0.0.1", tcp_port), timeout=2)
    s.sendall(b"ESCAPED")
    leaks.append("tcp connect succeeded")
except OSError as e:
    print("OK tcp:", e)
try:
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.sendto(b"ESCAPED", ("127.0.0.1", udp_port))
    leaks.append("udp sendto succeeded")
except OSError as e:
    print("OK udp:", e)
names = [name for _, name in socket.if_nameindex()]
print("interfaces", names)
if names != ["lo"]:
    leaks.append("interfaces visible: %r" % names)
for leak in leaks:
    print("LEAK", leak)
sys.exit(3 if leaks else 0)
