// probe: the payload of the node tests' Pods (tests/integration/node), built static (gcc -static).
//   probe exit SECONDS CODE MESSAGE           sleep SECONDS, write MESSAGE to the termination log and
//                                              stdout, exit CODE
//   probe serve PORT                          answer every TCP connection with "probe\n", until SIGTERM
//   probe connect HOST PORT SECONDS [REQUEST] one TCP connection with a deadline: on success send REQUEST
//                                              (\r and \n escapes allowed), report "connected: <reply>"
//                                              (up to 200 bytes until EOF, line breaks as spaces) and exit
//                                              0; otherwise report "connect failed: <reason>" and exit 1
// Bad arguments exit 2 with a usage line.
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char kTerminationLog[] = "/dev/termination-log";

static int usage(void) {
  fputs("usage: probe exit SECONDS CODE MESSAGE | probe serve PORT | "
        "probe connect HOST PORT SECONDS [REQUEST]\n",
        stderr);
  return 2;
}

// Parses a whole decimal number in [min, max]; -1 when it is not one.
static long number(const char* text, long min, long max) {
  char* end = NULL;
  errno = 0;
  long value = strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value < min || value > max) return -1;
  return value;
}

// The kubelet reads this file into status.containerStatuses[].state.terminated.message.
static void report(const char* message) {
  printf("%s\n", message);
  fflush(stdout);
  FILE* log = fopen(kTerminationLog, "w");
  if (log == NULL) return;
  fputs(message, log);
  fclose(log);
}

static int run_exit(char** argv) {
  long seconds = number(argv[0], 0, 3600), code = number(argv[1], 0, 255);
  if (seconds < 0 || code < 0) return usage();
  sleep((unsigned)seconds);
  report(argv[2]);
  return (int)code;
}

static void stop(int sig) {
  (void)sig;
  _exit(0);
}

static int run_serve(char** argv) {
  long port = number(argv[0], 1, 65535);
  if (port < 0) return usage();
  signal(SIGTERM, stop);
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (bind(listener, (struct sockaddr*)&address, sizeof address) != 0 || listen(listener, 16) != 0) {
    fprintf(stderr, "probe serve: cannot listen on port %ld: %s\n", port, strerror(errno));
    return 1;
  }
  printf("listening on port %ld\n", port);
  fflush(stdout);
  for (;;) {
    int client = accept(listener, NULL, NULL);
    if (client < 0) continue;
    static const char kAnswer[] = "probe\n";
    ssize_t ignored = write(client, kAnswer, sizeof kAnswer - 1);
    (void)ignored;
    close(client);
  }
}

// Copies `text` with the escapes \r, \n and \\ resolved.
static size_t unescape(const char* text, char* out, size_t size) {
  size_t n = 0;
  for (; *text != '\0' && n + 1 < size; ++text) {
    if (text[0] == '\\' && (text[1] == 'r' || text[1] == 'n' || text[1] == '\\')) {
      ++text;
      out[n++] = *text == 'r' ? '\r' : *text == 'n' ? '\n' : '\\';
    } else {
      out[n++] = *text;
    }
  }
  out[n] = '\0';
  return n;
}

static long long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

// Waits until `fd` has `events`, at most until `deadline` (monotonic ms); 1 ready, 0 timed out.
static int wait_for(int fd, short events, long long deadline) {
  for (;;) {
    long long left = deadline - now_ms();
    if (left <= 0) return 0;
    struct pollfd p = {.fd = fd, .events = events};
    int ready = poll(&p, 1, (int)left);
    if (ready > 0) return 1;
    if (ready == 0) return 0;
    if (errno != EINTR) return 0;
  }
}

static int failed(const char* reason) {
  char message[256];
  snprintf(message, sizeof message, "connect failed: %s", reason);
  report(message);
  return 1;
}

static int run_connect(int argc, char** argv) {
  struct sockaddr_in address = {.sin_family = AF_INET};
  long port = number(argv[1], 1, 65535), seconds = number(argv[2], 1, 600);
  if (inet_pton(AF_INET, argv[0], &address.sin_addr) != 1 || port < 0 || seconds < 0) return usage();
  address.sin_port = htons((uint16_t)port);
  long long deadline = now_ms() + seconds * 1000;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (connect(fd, (struct sockaddr*)&address, sizeof address) != 0 && errno != EINPROGRESS)
    return failed(strerror(errno));
  if (!wait_for(fd, POLLOUT, deadline)) return failed("timed out");
  int error = 0;
  socklen_t length = sizeof error;
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
  if (error != 0) return failed(strerror(error));
  if (argc > 3) {
    char request[1024];
    size_t size = unescape(argv[3], request, sizeof request);
    if (send(fd, request, size, MSG_NOSIGNAL) != (ssize_t)size) return failed("could not send");
  }
  char reply[201] = {0};
  size_t got = 0;
  while (got + 1 < sizeof reply && wait_for(fd, POLLIN, deadline)) {
    ssize_t n = read(fd, reply + got, sizeof reply - 1 - got);
    if (n <= 0) break;
    got += (size_t)n;
  }
  for (size_t i = 0; i < got; ++i) {
    if (reply[i] == '\r' || reply[i] == '\n') reply[i] = ' ';
  }
  char message[256];
  snprintf(message, sizeof message, "connected: %s", reply);
  report(message);
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 5 && strcmp(argv[1], "exit") == 0) return run_exit(argv + 2);
  if (argc == 3 && strcmp(argv[1], "serve") == 0) return run_serve(argv + 2);
  if ((argc == 5 || argc == 6) && strcmp(argv[1], "connect") == 0) return run_connect(argc - 2, argv + 2);
  return usage();
}
