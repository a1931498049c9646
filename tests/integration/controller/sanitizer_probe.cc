// A stand-in for plugin-controller, built with ASan+UBSan+LSan, that does one bad thing on
// purpose (argv[1]: overflow, undefined, leak; clean does none) and then waits for SIGTERM like
// the controller. sanitizer_report_test proves with it that ControllerProcess fails a test on
// each kind of report, and on none without one.
#include <signal.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

volatile sig_atomic_t stopped = 0;

[[gnu::noinline]] void overflowTheHeap() {
  char* bytes = new char[8];
  volatile int past = 8;
  bytes[past] = 1;
  delete[] bytes;
}

[[gnu::noinline]] int overflowAnInt(int by) {
  volatile int big = INT_MAX;
  return big + by;
}

[[gnu::noinline]] void leak() {
  for (int i = 0; i < 4; ++i) {
    void* volatile lost = std::malloc(64);
    std::memset(lost, i, 64);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "clean";
  signal(SIGTERM, [](int) { stopped = 1; });
  if (mode == "overflow") overflowTheHeap();
  if (mode == "undefined") (void)overflowAnInt(argc);
  if (mode == "leak") leak();
  while (!stopped) usleep(10'000);
  return 0;
}
