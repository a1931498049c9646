#include "container/sandbox_level.h"

#include "sandbox/tool_runner.h"

namespace ps::container {
namespace {

sandbox::SetupResult<SandboxLevel> misuse(const std::string& message) {
  return sandbox::SetupError{message};
}

}  // namespace

sandbox::SetupResult<SandboxLevel> SandboxLevel::create(const LevelChoice& choice) {
  if (choice.level == "local") {
    if (choice.image || choice.engine) {
      return misuse("--image and --engine apply only to --sandbox container");
    }
    auto runner = choice.python ? sandbox::ToolRunner::create(*choice.python)
                                : sandbox::ToolRunner::fromEnvironment();
    if (!runner) return runner.error();
    auto local = sandbox::LocalSandbox::create(std::move(runner.value()));
    if (!local) return local.error();
    return SandboxLevel(std::move(local.value()));
  }
  if (choice.level != "container") return misuse("unknown sandbox level \"" + choice.level + "\"");
  if (choice.python) {
    return misuse("--python applies only to --sandbox local (the image holds its interpreter)");
  }
  ContainerConfig config;
  if (choice.image) config.image = *choice.image;
  if (choice.engine) {
    config.engine = parseEngineName(*choice.engine);
    if (!config.engine) return misuse("unknown container engine \"" + *choice.engine + "\"");
  }
  auto container = ContainerSandbox::create(std::move(config));
  if (!container) return container.error();
  return SandboxLevel(std::move(container.value()));
}

sandbox::RunResult SandboxLevel::run(const sandbox::SandboxRequest& request) const {
  return std::visit([&request](const auto& level) { return level.run(request); }, level_);
}

}  // namespace ps::container
