#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace ps::sandbox {

// Unprivileged runs need a user namespace of their own. Hosts block it in several ways: a zero
// user.max_user_namespaces, Debian's kernel.unprivileged_userns_clone = 0, Ubuntu 24.04's AppArmor
// rule (kernel.apparmor_restrict_unprivileged_userns = 1: the namespace is made but holds no
// capability, so the first mount fails), or a seccomp filter around a CI container.

// One line naming what blocks user namespaces here and the remedies, or nullopt when a user
// namespace with a working mount namespace can be made. `procSys` is where the sysctls are read.
std::optional<std::string> userNamespacesBlocked(
    const std::filesystem::path& procSys = "/proc/sys");

// The same line for a clone(CLONE_NEWUSER) that failed with `err`, or nullopt when `err` is not
// one of the ways a host blocks user namespaces.
std::optional<std::string> describeBlockedUserNamespace(int err);

// The remedies every such line ends with.
extern const char* const kUserNamespaceRemedies;

}  // namespace ps::sandbox
