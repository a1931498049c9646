#include "manager/controller_flags.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <ostream>
#include <sstream>
#include <vector>

#include "core/exit_codes.h"

namespace ps::reconcile {
namespace {

// controller-runtime's --zap-log-level: a level name, or a verbosity number (1 and above is debug).
std::optional<observe::LogLevel> zapLevel(const std::string& text) {
  if (text == "debug") return observe::LogLevel::kDebug;
  if (text == "info") return observe::LogLevel::kInfo;
  if (text == "error") return observe::LogLevel::kError;
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  return text == std::string(text.size(), '0') ? observe::LogLevel::kInfo
                                               : observe::LogLevel::kDebug;
}

// klog's -v=N: 0 is info, anything above is debug.
std::optional<observe::LogLevel> verbosity(const std::string& text) {
  if (text.empty() || text.size() > 4 || text.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  return std::stoi(text) == 0 ? observe::LogLevel::kInfo : observe::LogLevel::kDebug;
}

// CLI11 takes `-v 4` and `-v4`; klog users write `-v=4`.
std::vector<std::string> normalizedArguments(int argc, const char* const* argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("-v=", 0) == 0) {
      args.push_back("-v");
      args.push_back(arg.substr(3));
    } else {
      args.push_back(std::move(arg));
    }
  }
  return args;
}

// Where the controller connects and what it watches and runs with.
void addClusterFlags(CLI::App& app, ControllerFlags& flags) {
  app.add_option("--kubeconfig", flags.kubeconfig,
                 "kubeconfig file (else $KUBECONFIG, else in-cluster)");
  app.add_option("--namespace", flags.namespaces,
                 "namespaces to watch, comma-separated (empty = all namespaces)");
  app.add_option("--executor", flags.executor,
                 "pod (hardened Pods) or local (the kernel sandbox on this host, as root)")
      ->check(CLI::IsMember({"pod", "local"}));
}

// How runs are launched: the sandbox image, the caps, the allowed RuntimeClasses.
void addRunFlags(CLI::App& app, ControllerFlags& flags) {
  ManagerOptions& options = flags.options;
  app.add_option("--sandbox-image", flags.sandboxImage, "image of the sandbox Pods");
  app.add_option("--max-running", flags.maxRunning, "cap on running plugins, 0 = none")
      ->check(CLI::NonNegativeNumber);
  app.add_option_function<int64_t>(
         "--max-running-per-namespace",
         [&options](int64_t cap) { options.reconciler.maxRunningPerNamespace = cap; },
         "cap on running plugins in each namespace, 0 = none (default 0)")
      ->check(CLI::Range(int64_t{0}, int64_t{1000000}));
  app.add_option_function<std::string>(
      "--allowed-runtime-classes",
      [&options](const std::string& list) {
        auto& allowed = options.reconciler.settings.allowedRuntimeClasses;
        allowed.clear();
        std::string name;
        for (std::istringstream names(list); std::getline(names, name, ',');) {
          if (!name.empty()) allowed.push_back(name);
        }
      },
      "RuntimeClasses a run's spec.podTemplate.runtimeClassName may name, comma-separated "
      "(default none: such a run is rejected)");
  app.add_option("--default-pod-template", flags.defaultPodTemplate,
                 "scheduling every sandbox Pod gets unless its run's spec.podTemplate sets the "
                 "field (nodeSelector, tolerations, affinity, priorityClassName, "
                 "imagePullSecrets, runtimeClassName): inline JSON/YAML starting with '{', or a "
                 "file");
}

// Reconcile workers and the API client's rate limit.
void addClientFlags(CLI::App& app, ControllerFlags& flags) {
  ManagerOptions& options = flags.options;
  app.add_option("--workers", options.workers, "concurrent reconciles")->check(CLI::Range(1, 64));
  app.add_option("--kube-api-qps", flags.apiQps,
                 "API requests per second, 0 = unlimited (default 200)")
      ->check(CLI::Range(0.0, 100000.0));
  app.add_option("--kube-api-burst", flags.apiBurst, "API request burst (default 400)")
      ->check(CLI::Range(1, 100000));
}

// Probes, metrics and leader election, as controller-runtime names them.
void addManagerFlags(CLI::App& app, ControllerFlags& flags) {
  ManagerOptions& options = flags.options;
  app.add_option("--metrics-bind-address", options.metricsBindAddress, "\"0\" disables");
  app.add_option("--health-probe-bind-address", options.healthProbeBindAddress, "\"0\" disables");
  app.add_flag("--leader-elect", options.leaderElect, "elect a leader on a Lease");
  app.add_option("--leader-election-namespace", options.leaseNamespace,
                 "namespace of the Lease (default: $POD_NAMESPACE, else the pod's own, else "
                 "default)");
  app.add_option("--leader-election-id", options.leaseName,
                 "name of the Lease (default plugin-controller; the chart derives it from the "
                 "release, so two releases never share one)")
      ->check([](const std::string& name) {
        return name.empty() || name.size() > 253 ? "must be 1-253 characters" : "";
      });
}

// How long a run waits on the cluster before it fails, and the trust reload.
void addGraceFlags(CLI::App& app, ControllerFlags& flags) {
  ManagerOptions& options = flags.options;
  app.add_option("--missing-plugin-grace", options.reconciler.settings.missingPluginGraceSeconds,
                 "seconds a run waits for its plugin ConfigMap before it fails PluginNotFound")
      ->check(CLI::Range(int64_t{0}, int64_t{86400}));
  app.add_option("--image-pull-grace", options.reconciler.settings.imagePullGraceSeconds,
                 "seconds a Pod may fail to pull its image (ErrImagePull, ImagePullBackOff) "
                 "before the run fails ImagePullFailed")
      ->check(CLI::Range(int64_t{0}, int64_t{86400}));
  app.add_option("--network-isolation-wait",
                 options.reconciler.settings.networkIsolationWaitSeconds,
                 "seconds a sandbox Pod waits for the deny-all NetworkPolicy to take effect on "
                 "it before the plugin starts (then exit 126); 0 = do not check (only where the "
                 "network plugin does not enforce NetworkPolicy)")
      ->check(CLI::Range(int64_t{0}, int64_t{600}));
  app.add_option("--trust-reload-interval", flags.trustReloadSeconds,
                 "seconds between checks of the policy and key files, 0 = never reload")
      ->check(CLI::Range(0.0, 3600.0));
}

// The log format and the three spellings of its level.
void addLogFlags(CLI::App& app, ControllerFlags& flags) {
  app.add_option_function<std::string>(
         "--log-format",
         [&](const std::string& text) { flags.logFormat = *observe::parseLogFormat(text); },
         "json|text")
      ->check(CLI::IsMember({"json", "text"}));
  // The three spellings of the log level apply in command-line order, so the last one wins.
  auto levelSetter = [&](std::optional<observe::LogLevel> (*parse)(const std::string&),
                         const char* expected) {
    return [&flags, parse, expected](const std::string& text) {
      const auto level = parse(text);
      if (!level) throw CLI::ValidationError(std::string(expected) + ", got \"" + text + "\"");
      flags.logLevel = *level;
    };
  };
  app.add_option_function<std::string>(
         "--log-level",
         levelSetter([](const std::string& t) { return observe::parseLogLevel(t); },
                     "--log-level: debug|info|warn|error"),
         "debug|info|warn|error (default info)")
      ->trigger_on_parse();
  app.add_option_function<std::string>(
         "--zap-log-level", levelSetter(zapLevel, "--zap-log-level: debug|info|error or a number"),
         "controller-runtime's spelling: debug|info|error, or a verbosity (1 and above = debug)")
      ->trigger_on_parse();
  app.add_option_function<std::string>("-v,--v", levelSetter(verbosity, "-v: a verbosity number"),
                                       "klog's spelling: 0 = info, 1 and above = debug")
      ->trigger_on_parse();
}

}  // namespace

ParsedControllerFlags parseControllerFlags(int argc, const char* const* argv, std::ostream& out,
                                           std::ostream& err) {
  ParsedControllerFlags parsed;
  ControllerFlags& flags = parsed.flags;
  ManagerOptions& options = flags.options;
  options.leaseNamespace.clear();  // empty = the caller's default (the Pod's own namespace)
  CLI::App app{"plugin-controller: runs PluginRuns in hardened sandbox Pods", "plugin-controller"};
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  for (auto addFlags : {addClusterFlags, addRunFlags, addClientFlags, addManagerFlags,
                        addGraceFlags, addLogFlags}) {
    addFlags(app, flags);
  }

  std::vector<std::string> args = normalizedArguments(argc, argv);
  std::reverse(args.begin(), args.end());  // CLI11 takes the arguments in reverse
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp& help) {
    parsed.exitNow = app.exit(help, out, err);
  } catch (const CLI::ParseError& error) {
    app.exit(error, out, err);    // prints CLI11's line and the hint to --help
    parsed.exitNow = kExitUsage;  // as for pluginctl, not CLI11's own 105/109
  }
  return parsed;
}

}  // namespace ps::reconcile
