#pragma once

// DESIGN.md's exit-code contract, the one table for everything that makes or reads an exit status:
// pluginctl, the local sandbox, the container level, the in-Pod launcher and the reconciler that
// reads the launcher's status from a Pod.
namespace ps {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;  // an operational error that is neither of the others
inline constexpr int kExitUsage = 2;
inline constexpr int kExitTimedOut = 124;     // the wall-clock or CPU-time limit
inline constexpr int kExitRejected = 125;     // the plugin was refused before any code ran
inline constexpr int kExitSetupFailed = 126;  // the sandbox could not be set up, nothing ran
inline constexpr int kExitSignalBase = 128;   // 128+N: died of (or interrupted by) signal N

constexpr int exitCodeForSignal(int signal) {
  return kExitSignalBase + signal;
}

// The signal an exit status 128+N stands for (1..64), or 0 when it stands for none.
constexpr int signalOfExitCode(int exitCode) {
  int signal = exitCode - kExitSignalBase;
  return signal >= 1 && signal <= 64 ? signal : 0;
}

}  // namespace ps
