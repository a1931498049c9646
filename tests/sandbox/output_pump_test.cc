#include "sandbox/output_pump.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <string>
#include <thread>

namespace ps::sandbox {
namespace {

using std::chrono::steady_clock;

struct Pumped {
  CapturedOutput result;
  std::string out, err;
};

std::string readBack(int fd) {
  std::string text;
  char buffer[4096];
  lseek(fd, 0, SEEK_SET);
  ssize_t n;
  while ((n = read(fd, buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<size_t>(n));
  close(fd);
  return text;
}

// Writes `out` and `err` into two pipes from another thread and pumps them.
Pumped pump(const std::string& out, const std::string& err, uint64_t cap, size_t tail = 16) {
  int o[2], e[2];
  EXPECT_EQ(pipe(o), 0);
  EXPECT_EQ(pipe(e), 0);
  std::thread writer([&] {
    EXPECT_EQ(write(o[1], out.data(), out.size()), static_cast<ssize_t>(out.size()));
    EXPECT_EQ(write(e[1], err.data(), err.size()), static_cast<ssize_t>(err.size()));
    close(o[1]);
    close(e[1]);
  });
  int outSink = memfd_create("out", 0), errSink = memfd_create("err", 0);
  Pumped pumped;
  {
    OutputPump pump(o[0], e[0], {outSink, errSink}, cap, tail);
    EXPECT_EQ(pump.pumpUntil(steady_clock::now() + std::chrono::seconds(10)),
              OutputPump::Stop::kEndOfOutput);
    pumped.result = pump.result();
  }
  writer.join();
  pumped.out = readBack(outSink);
  pumped.err = readBack(errSink);
  return pumped;
}

TEST(OutputPumpTest, ForwardsBothStreamsAndKeepsStdout) {
  auto p = pump("hello\n", "warning\n", 1024);
  EXPECT_EQ(p.out, "hello\n");
  EXPECT_EQ(p.err, "warning\n");
  EXPECT_EQ(p.result.stdoutTail, "hello\n");
  EXPECT_FALSE(p.result.tailCut);
  EXPECT_FALSE(p.result.truncated);
  EXPECT_EQ(p.result.totalBytes, 14u);
}

TEST(OutputPumpTest, KeepsOnlyTheTail) {
  auto p = pump("0123456789abcdefghijXYZ", "", 1024, 8);
  EXPECT_EQ(p.result.stdoutTail, "fghijXYZ");
  EXPECT_TRUE(p.result.tailCut);
  EXPECT_EQ(p.out, "0123456789abcdefghijXYZ");
}

TEST(OutputPumpTest, CutsAtTheCapWithOneMarkerAndKeepsDraining) {
  std::string big(100000, 'x');
  auto p = pump(big + "END", "", 1000);
  EXPECT_EQ(p.out, std::string(1000, 'x'));
  EXPECT_EQ(p.err, "\n[output truncated after 1000 bytes]\n");
  EXPECT_TRUE(p.result.truncated);
  EXPECT_EQ(p.result.totalBytes, 100003u);
  EXPECT_EQ(p.result.stdoutTail.substr(p.result.stdoutTail.size() - 3), "END");
}

TEST(OutputPumpTest, TailNeverStartsInsideAUtf8Sequence) {
  // "é" is two bytes (C3 A9); with a 5-byte tail of "aé1234" the cut falls after C3.
  auto p = pump(
      "a\xC3\xA9"
      "1234",
      "", 1024, 5);
  EXPECT_EQ(p.result.stdoutTail, "1234");
  EXPECT_TRUE(p.result.tailCut);
}

TEST(OutputPumpTest, StopsAtTheDeadlineWhenTheWriterHangs) {
  int o[2], e[2];
  ASSERT_EQ(pipe(o), 0);
  ASSERT_EQ(pipe(e), 0);
  OutputPump pump(o[0], e[0], {-1, -1}, 1024);
  auto start = steady_clock::now();
  EXPECT_EQ(pump.pumpUntil(start + std::chrono::milliseconds(100)), OutputPump::Stop::kDeadline);
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(2));
  close(o[1]);
  close(e[1]);
}

TEST(OutputPumpTest, WakeDescriptorInterrupts) {
  int o[2], e[2], w[2];
  ASSERT_EQ(pipe(o), 0);
  ASSERT_EQ(pipe(e), 0);
  ASSERT_EQ(pipe(w), 0);
  ASSERT_EQ(write(w[1], "x", 1), 1);
  OutputPump pump(o[0], e[0], {-1, -1}, 1024);
  EXPECT_EQ(pump.pumpUntil(steady_clock::now() + std::chrono::seconds(10), w[0]),
            OutputPump::Stop::kWakeUp);
  for (int fd : {o[1], e[1], w[0], w[1]}) close(fd);
}

}  // namespace
}  // namespace ps::sandbox
