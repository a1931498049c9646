#include "launcher/exec_allowlist.h"

#include <fcntl.h>
#include <linux/landlock.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "sandbox/elf_dependencies.h"

namespace ps::launcher {

ExecAllowlist ExecAllowlist::forInterpreter(const std::filesystem::path& interpreter) {
  ExecAllowlist allowlist;
  auto link = sandbox::readElfLinkInfo(interpreter);
  if (!link) {
    allowlist.unavailable_ = link.error().message;
    return allowlist;
  }
  landlock_ruleset_attr attr{};
  attr.handled_access_fs = LANDLOCK_ACCESS_FS_EXECUTE;
  sandbox::UniqueFd ruleset(
      static_cast<int>(syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0)));
  if (!ruleset) {
    allowlist.unavailable_ = sandbox::describeErrno("landlock_create_ruleset", errno);
    return allowlist;
  }
  std::vector<std::filesystem::path> allowed{interpreter};
  if (!link->interpreter.empty()) allowed.emplace_back(link->interpreter);
  for (const auto& path : allowed) {
    sandbox::UniqueFd file(open(path.c_str(), O_PATH | O_CLOEXEC));
    landlock_path_beneath_attr rule{};
    rule.allowed_access = LANDLOCK_ACCESS_FS_EXECUTE;
    rule.parent_fd = file.get();
    if (!file ||
        syscall(SYS_landlock_add_rule, ruleset.get(), LANDLOCK_RULE_PATH_BENEATH, &rule, 0) != 0) {
      allowlist.unavailable_ = sandbox::describeErrno("landlock rule for " + path.string(), errno);
      return allowlist;
    }
  }
  allowlist.ruleset_ = std::move(ruleset);
  return allowlist;
}

int ExecAllowlist::restrictSelf() const {
  if (!ruleset_) return 0;
  return syscall(SYS_landlock_restrict_self, ruleset_.get(), 0) == 0 ? 0 : errno;
}

}  // namespace ps::launcher
