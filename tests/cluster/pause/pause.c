// The test node's Pod sandbox process ("pause"): holds the Pod's namespaces open, reaps the
// zombies of a shared PID namespace, and exits 0 on SIGTERM or SIGINT. Built static (gcc -static),
// so the image needs nothing but this file.
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void leave(int sig) {
  (void)sig;
  _exit(0);
}

static void reap(int sig) {
  (void)sig;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
}

int main(int argc, char** argv) {
  if (argc > 1 && (argv[1][0] == '-')) {
    fprintf(stderr, "usage: %s (takes no arguments)\n", argv[0]);
    return 2;
  }
  struct sigaction action = {0};
  action.sa_handler = leave;
  sigaction(SIGTERM, &action, NULL);
  sigaction(SIGINT, &action, NULL);
  action.sa_handler = reap;
  action.sa_flags = SA_NOCLDSTOP | SA_RESTART;
  sigaction(SIGCHLD, &action, NULL);
  for (;;) pause();
}
