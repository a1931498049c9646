#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "kube/kube_error.h"

namespace ps::kube {

// What a short helper process (an exec credential plugin) left behind.
struct ProcessOutput {
  int exitCode = -1;  // 128+N when killed by signal N
  bool timedOut = false;
  std::string out;  // stdout, at most the cap
  bool outCut = false;
  std::string err;  // stderr, at most a few KiB
};

// Runs `argv` (argv[0] looked up on PATH when it holds no '/') with `env` as its whole
// environment, stdin on /dev/null, in a process group of its own with default signal dispositions
// and an empty signal mask (a controller thread's blocked signals must not leak into it). Past
// `timeout` the whole group is killed. Blocks the caller; safe from any of our own threads.
// A process that cannot be started is a kTransport error naming argv[0].
Result<ProcessOutput> runBoundedProcess(const std::vector<std::string>& argv,
                                        const std::vector<std::string>& env,
                                        std::chrono::milliseconds timeout,
                                        std::size_t maxStdout = 1 << 20);

}  // namespace ps::kube
