#pragma once

namespace ps::cli {

// DESIGN.md: other commands exit 0 ok, 125 rejected, 2 usage. 1 is an operational error that
// is neither (a file that cannot be written).
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitRejected = 125;

}  // namespace ps::cli
