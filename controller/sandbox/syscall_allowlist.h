#pragma once

#include <cstdint>
#include <span>

namespace ps::sandbox {

// The data behind the seccomp filter (x86_64 names, resolved by libseccomp). Derived from
// syscall_survey.sh and reviewed by hand; syscall_allowlist.md says how and why.

// Allowed with any arguments: what CPython and the standard library plugins use need.
std::span<const char* const> allowedSyscalls();

// Answered with EPERM: known calls that escape or weaken the sandbox, or expose the host
// (namespaces, mounts, ptrace, keyrings, bpf, modules, io_uring, inotify/fanotify, ...). Every
// other call that is neither allowed nor argument-checked fails with ENOSYS.
std::span<const char* const> deniedSyscalls();

// The ioctl requests allowed (exact 64-bit match, so high garbage bits fail closed): terminal
// queries, non-blocking and close-on-exec toggles, interface name lookups.
std::span<const uint64_t> allowedIoctls();

// ioctl requests answered with EPERM instead of ENOSYS: they push input into a terminal.
std::span<const uint64_t> deniedIoctls();

}  // namespace ps::sandbox
