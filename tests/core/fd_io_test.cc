#include "core/fd_io.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <string>
#include <thread>

namespace ps::core {
namespace {

struct PipeEnds {
  int read = -1, write = -1;
  PipeEnds() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) == 0) read = fds[0], write = fds[1];
  }
  ~PipeEnds() {
    if (read >= 0) close(read);
    if (write >= 0) close(write);
  }
  void closeWrite() {
    close(write);
    write = -1;
  }
};

TEST(FdIoTest, WriteAllAndReadToEndCarryMoreThanAPipeHolds) {
  PipeEnds pipe;
  ASSERT_GE(pipe.read, 0);
  const std::string big(1 << 20, 'x');  // larger than the pipe buffer: short writes happen
  std::thread writer([&] {
    EXPECT_EQ(writeAll(pipe.write, big), 0);
    pipe.closeWrite();
  });
  std::string read;
  EXPECT_EQ(readToEnd(pipe.read, read), 0);
  writer.join();
  EXPECT_EQ(read, big);
}

TEST(FdIoTest, ReadToEndKeepsOnlyItsShareButDrainsEverything) {
  PipeEnds pipe;
  ASSERT_EQ(writeAll(pipe.write, "0123456789"), 0);
  pipe.closeWrite();
  std::string read = "prefix:";
  EXPECT_EQ(readToEnd(pipe.read, read, 4), 0);
  EXPECT_EQ(read, "prefix:0123");
  char extra;
  EXPECT_EQ(::read(pipe.read, &extra, 1), 0) << "drained to the end of file";
}

TEST(FdIoTest, ReadFullyStopsAtEndOfFileOrAFullBuffer) {
  PipeEnds pipe;
  ASSERT_EQ(writeAll(pipe.write, "abcdef"), 0);
  char buffer[4];
  EXPECT_EQ(readFully(pipe.read, buffer, sizeof buffer), 4);
  EXPECT_EQ(std::string(buffer, 4), "abcd");
  pipe.closeWrite();
  EXPECT_EQ(readFully(pipe.read, buffer, sizeof buffer), 2);
  EXPECT_EQ(std::string(buffer, 2), "ef");
}

TEST(FdIoTest, ErrorsAreReturnedAsErrno) {
  EXPECT_EQ(writeAll(-1, "x"), EBADF);
  std::string read;
  EXPECT_EQ(readToEnd(-1, read), EBADF);
  char byte;
  EXPECT_EQ(readFully(-1, &byte, 1), -1);
  signal(SIGPIPE, SIG_IGN);
  PipeEnds pipe;
  close(pipe.read);
  pipe.read = -1;
  EXPECT_EQ(writeAll(pipe.write, "x"), EPIPE);
}

}  // namespace
}  // namespace ps::core
