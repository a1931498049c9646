#pragma once

#include <sys/types.h>

#include <cstddef>
#include <limits>
#include <string>
#include <string_view>

// read(2)/write(2) loops that retry on EINTR and go on after short transfers, written once.
namespace ps::core {

// Writes all of `data`. 0, or the errno that stopped it (EIO when write made no progress).
// Async-signal-safe: usable in a forked child.
int writeAll(int fd, std::string_view data) noexcept;

// Reads into `buffer` until it is full or the end of file. The bytes read, or -1 (errno set).
ssize_t readFully(int fd, char* buffer, std::size_t size) noexcept;

// Reads to the end of file, appending to `out` at most `keepBytes` and dropping the rest (so a
// writer never blocks on a full pipe). 0 at the end of file, or the errno of a failed read.
int readToEnd(int fd, std::string& out,
              std::size_t keepBytes = std::numeric_limits<std::size_t>::max());

}  // namespace ps::core
