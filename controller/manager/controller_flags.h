#pragma once

#include <iosfwd>
#include <optional>
#include <string>

#include "manager/controller_manager.h"
#include "observe/logger.h"

namespace ps::reconcile {

// Everything plugin-controller's command line sets.
struct ControllerFlags {
  ManagerOptions options;
  std::string kubeconfig;
  std::string namespaces;  // comma-separated; empty = all
  std::string executor = "pod";
  std::string sandboxImage;
  std::string defaultPodTemplate;  // --default-pod-template: inline JSON/YAML or a file
  int64_t maxRunning = 0;
  double trustReloadSeconds = 2;
  // Client-side rate limit of API requests. A launch costs about two writes, so the limit must
  // sit well above twice the runs per second wanted (client-go's 5/10 would cap at ~2 runs/s).
  double apiQps = 200;
  int apiBurst = 400;
  observe::LogFormat logFormat = observe::LogFormat::kJson;
  observe::LogLevel logLevel = observe::LogLevel::kInfo;
};

struct ParsedControllerFlags {
  ControllerFlags flags;
  std::optional<int> exitNow;  // set: --help (kExitOk) or a usage error (kExitUsage), printed
};

// Parses plugin-controller's flags. A flag given twice takes its last value (a chart value plus
// `controller.extraArgs` is the usual way that happens). The log level comes from `--log-level`,
// or controller-runtime's `--zap-log-level` (debug|info|error, or a verbosity number), or klog's
// `-v N`/`-v=N` (N >= 1 is debug); the last of them wins.
ParsedControllerFlags parseControllerFlags(int argc, const char* const* argv, std::ostream& out,
                                           std::ostream& err);

}  // namespace ps::reconcile
