#include "kube/exec_credential.h"

#include <openssl/evp.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "kube/exec_process.h"
#include "kube/rfc3339.h"

extern char** environ;

namespace ps::kube {
namespace {

using nlohmann::json;

KubeError pluginError(const ExecConfig& exec, const std::string& problem) {
  return KubeError{ErrorKind::kTransport, 0, "",
                   "exec credential plugin \"" + exec.command + "\": " + problem};
}

std::string base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(bytes.data()),
                                      static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

std::string firstLine(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line.empty() ? "(nothing on stderr)" : line;
}

// Our environment with the kubeconfig's entries and KUBERNETES_EXEC_INFO over it, as kubectl has.
std::vector<std::string> pluginEnvironment(const ExecConfig& exec, const std::string& execInfo) {
  std::vector<std::pair<std::string, std::string>> overrides = exec.env;
  overrides.emplace_back("KUBERNETES_EXEC_INFO", execInfo);
  std::vector<std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string text = *entry;
    const std::string name = text.substr(0, text.find('='));
    bool overridden = false;
    for (const auto& [key, value] : overrides) overridden = overridden || key == name;
    if (!overridden) env.push_back(text);
  }
  for (const auto& [key, value] : overrides) env.push_back(key + "=" + value);
  return env;
}

std::optional<std::string> stringMember(const json& object, const char* key) {
  const auto found = object.find(key);
  if (found == object.end() || !found->is_string()) return std::nullopt;
  return found->get<std::string>();
}

}  // namespace

std::string execInfoJson(const ExecConfig& exec, const ExecClusterInfo& cluster) {
  json spec = {{"interactive", false}};
  if (exec.provideClusterInfo) {
    json info = {{"server", cluster.server}};
    if (!cluster.caPem.empty()) info["certificate-authority-data"] = base64(cluster.caPem);
    if (cluster.insecureSkipTlsVerify) info["insecure-skip-tls-verify"] = true;
    spec["cluster"] = info;
  }
  return json{{"apiVersion", exec.apiVersion}, {"kind", "ExecCredential"}, {"spec", spec}}.dump();
}

Result<ExecCredential> parseExecCredential(std::string_view text, const std::string& apiVersion) {
  auto bad = [](const std::string& problem) {
    return KubeError{ErrorKind::kTransport, 0, "", problem};
  };
  const json object = json::parse(text, nullptr, false);
  if (!object.is_object()) return bad("stdout is not a JSON object");
  if (object.value("apiVersion", json()) != apiVersion) {
    return bad("apiVersion is not " + apiVersion + " (the kubeconfig's exec.apiVersion)");
  }
  if (object.value("kind", json()) != "ExecCredential") return bad("kind is not ExecCredential");
  const auto status = object.find("status");
  if (status == object.end() || !status->is_object()) return bad("no status");
  ExecCredential credential;
  credential.credentials.bearerToken = stringMember(*status, "token").value_or("");
  credential.credentials.clientCertPem =
      stringMember(*status, "clientCertificateData").value_or("");
  credential.credentials.clientKeyPem = stringMember(*status, "clientKeyData").value_or("");
  const Credentials& got = credential.credentials;
  if (got.clientCertPem.empty() != got.clientKeyPem.empty()) {
    return bad("status.clientCertificateData and status.clientKeyData must come together");
  }
  if (got.bearerToken.empty() && got.clientCertPem.empty()) {
    return bad("status has neither token nor clientCertificateData");
  }
  if (status->contains("expirationTimestamp")) {
    const auto stamp = stringMember(*status, "expirationTimestamp");
    const auto expiry = stamp ? parseRfc3339(*stamp) : std::nullopt;
    if (!expiry) return bad("status.expirationTimestamp is not an RFC 3339 time");
    credential.expiry = *expiry;
  }
  return credential;
}

ExecCredentialSource::ExecCredentialSource(ExecConfig exec, ExecClusterInfo cluster, WallClock now)
    : exec_(std::move(exec)),
      cluster_(std::move(cluster)),
      now_(now ? std::move(now) : [] { return std::chrono::system_clock::now(); }) {}

bool ExecCredentialSource::fresh() const {
  return cached_ && (!cached_->expiry || now_() < *cached_->expiry);
}

Result<Credentials> ExecCredentialSource::current() {
  MutexLock lock(mutex_);
  if (fresh()) return cached_->credentials;
  auto credential = run();
  if (!credential) return credential.error();
  cached_ = std::move(credential.value());
  return cached_->credentials;
}

bool ExecCredentialSource::renewAfterUnauthorized(const Credentials& used) {
  MutexLock lock(mutex_);
  // Another request may have renewed them already: then retry with those.
  if (cached_ && cached_->credentials != used) return true;
  cached_.reset();
  auto credential = run();
  if (!credential) return false;
  cached_ = std::move(credential.value());
  return cached_->credentials != used;
}

Result<ExecCredential> ExecCredentialSource::run() {
  std::vector<std::string> argv{exec_.command};
  argv.insert(argv.end(), exec_.args.begin(), exec_.args.end());
  auto output = runBoundedProcess(argv, pluginEnvironment(exec_, execInfoJson(exec_, cluster_)),
                                  exec_.timeout);
  if (!output) {
    return pluginError(
        exec_,
        output.error().message + (exec_.installHint.empty() ? "" : " (" + exec_.installHint + ")"));
  }
  if (output->timedOut) {
    const auto ms = exec_.timeout.count();
    return pluginError(exec_,
                       "did not finish within " + (ms % 1000 == 0 ? std::to_string(ms / 1000) + " s"
                                                                  : std::to_string(ms) + " ms"));
  }
  if (output->exitCode != 0) {
    return pluginError(exec_,
                       "exit " + std::to_string(output->exitCode) + ": " + firstLine(output->err));
  }
  if (output->outCut) return pluginError(exec_, "printed more than 1 MiB");
  auto credential = parseExecCredential(output->out, exec_.apiVersion);
  if (!credential) return pluginError(exec_, credential.error().message);
  return credential;
}

}  // namespace ps::kube
