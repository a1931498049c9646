#include "controller_session.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "kube/cpprest_http_client.h"
#include "kube/kube_config.h"
#include "prometheus_text.h"

namespace ps::bench {
namespace {

// A port nobody listens on right now (the controller binds it a moment later).
int freePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

std::vector<std::string> controllerArgs(const SessionOptions& options, int port) {
  std::vector<std::string> args{"--kubeconfig",
                                options.kubeconfig,
                                "--namespace",
                                options.ns,
                                "--workers",
                                std::to_string(options.workers),
                                "--metrics-bind-address",
                                "127.0.0.1:" + std::to_string(port),
                                "--health-probe-bind-address",
                                "0",
                                "--log-format",
                                "text"};
  args.insert(args.end(), options.extraArgs.begin(), options.extraArgs.end());
  return args;
}

std::vector<std::string> controllerEnv(const SessionOptions& options) {
  std::vector<std::string> env{"PLUGIN_POLICY_FILE=" + options.policyFile,
                               "PLUGIN_SIGNING_KEY=" + options.keyFile};
  env.insert(env.end(), options.extraEnv.begin(), options.extraEnv.end());
  return env;
}

}  // namespace

ControllerSession::ControllerSession(const SessionOptions& options)
    : port_(freePort()),
      child_(options.binary, controllerArgs(options, port_), controllerEnv(options),
             options.logFile) {
  kube::ClientConfig local;
  local.server = "http://127.0.0.1:" + std::to_string(port_);
  http_ = kube::makeCpprestHttpClient(local);
}

bool ControllerSession::waitReady(int seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline && child_.alive()) {
    kube::HttpRequest request;
    request.path = "/readyz";
    request.timeout = std::chrono::seconds(5);
    auto response = http_->send(request);
    if (response && response->status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

std::string ControllerSession::metrics() {
  kube::HttpRequest request;
  request.path = "/metrics";
  request.timeout = std::chrono::seconds(30);
  auto response = http_->send(request);
  return response && response->status == 200 ? response->body : std::string();
}

bool ControllerSession::waitIdle(double reconciles, int seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline && child_.alive()) {
    const std::string text = metrics();
    if (metricSum(text, "controller_runtime_reconcile_total") >= reconciles &&
        metricSum(text, "workqueue_depth") == 0 &&
        metricSum(text, "controller_runtime_active_workers") == 0) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

}  // namespace ps::bench
