#include "kube/kube_config.h"

#include <openssl/evp.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace ps::kube {
namespace {

KubeError configError(std::string message) {
  return KubeError{ErrorKind::kConfig, 0, "", std::move(message)};
}

std::optional<std::string> readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<std::string> decodeBase64(const std::string& encoded) {
  std::string clean;
  for (char c : encoded) {
    if (c != '\n' && c != '\r' && c != ' ') clean.push_back(c);
  }
  if (clean.size() % 4 != 0) return std::nullopt;
  std::string out(clean.size() / 4 * 3, '\0');
  const int written = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(clean.data()),
                                      static_cast<int>(clean.size()));
  if (written < 0) return std::nullopt;
  // EVP_DecodeBlock keeps the zero bytes that stand for '=' padding.
  std::size_t size = static_cast<std::size_t>(written);
  if (!clean.empty() && clean.back() == '=') --size;
  if (clean.size() > 1 && clean[clean.size() - 2] == '=') --size;
  out.resize(size);
  return out;
}

const YAML::Node findNamed(const YAML::Node& list, const std::string& name, const char* member) {
  if (!list || !list.IsSequence()) return YAML::Node();
  for (const auto& entry : list) {
    if (entry["name"] && entry["name"].as<std::string>() == name) return entry[member];
  }
  return YAML::Node();
}

std::string scalar(const YAML::Node& node, const char* key) {
  if (!node || !node[key] || !node[key].IsScalar()) return "";
  return node[key].as<std::string>();
}

// Reads PEM material given inline as base64 (`dataKey`) or as a file (`fileKey`).
Result<std::string> pemFrom(const YAML::Node& node, const char* dataKey, const char* fileKey,
                            const std::filesystem::path& baseDir) {
  if (const auto data = scalar(node, dataKey); !data.empty()) {
    auto decoded = decodeBase64(data);
    if (!decoded) return configError(std::string(dataKey) + " is not valid base64");
    return *decoded;
  }
  if (auto file = scalar(node, fileKey); !file.empty()) {
    std::filesystem::path path(file);
    if (path.is_relative()) path = baseDir / path;
    auto text = readFile(path);
    if (!text) return configError(std::string(fileKey) + " " + path.string() + " cannot be read");
    return *text;
  }
  return std::string();
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
    text.pop_back();
  return text;
}

Result<ExecConfig> execFrom(const YAML::Node& exec, const std::filesystem::path& baseDir) {
  if (!exec.IsMap()) return configError("user.exec must be a map");
  ExecConfig config;
  config.apiVersion = scalar(exec, "apiVersion");
  if (config.apiVersion != "client.authentication.k8s.io/v1" &&
      config.apiVersion != "client.authentication.k8s.io/v1beta1") {
    return configError("user.exec.apiVersion \"" + config.apiVersion +
                       "\" is not client.authentication.k8s.io/v1 or v1beta1");
  }
  config.command = scalar(exec, "command");
  if (config.command.empty()) return configError("user.exec.command is required");
  // As kubectl: "./bin/get-token" is relative to the kubeconfig, a bare name is looked up on PATH.
  if (config.command.find('/') != std::string::npos && config.command.front() != '/')
    config.command = (baseDir / config.command).string();
  if (const YAML::Node args = exec["args"]; args) {
    if (!args.IsSequence()) return configError("user.exec.args must be a list");
    for (const auto& arg : args) config.args.push_back(arg.as<std::string>());
  }
  if (const YAML::Node env = exec["env"]; env) {
    if (!env.IsSequence()) return configError("user.exec.env must be a list of {name, value}");
    for (const auto& entry : env) {
      const std::string name = scalar(entry, "name");
      if (name.empty() || name.find('=') != std::string::npos)
        return configError("user.exec.env: an entry has no valid name");
      config.env.emplace_back(name, scalar(entry, "value"));
    }
  }
  config.provideClusterInfo = scalar(exec, "provideClusterInfo") == "true";
  config.installHint = scalar(exec, "installHint");
  const std::string mode = scalar(exec, "interactiveMode");
  if (mode == "Always")
    return configError("user.exec.interactiveMode Always needs a terminal; a controller has none");
  if (!mode.empty() && mode != "Never" && mode != "IfAvailable")
    return configError("user.exec.interactiveMode \"" + mode + "\" is not Never or IfAvailable");
  return config;
}

Result<ClientConfig> fromKubeconfig(const YAML::Node& root, const std::string& wanted,
                                    const std::filesystem::path& baseDir) {
  const std::string contextName = wanted.empty() ? scalar(root, "current-context") : wanted;
  if (contextName.empty()) return configError("no context given and no current-context set");
  const YAML::Node context = findNamed(root["contexts"], contextName, "context");
  if (!context) return configError("context \"" + contextName + "\" not found");
  const YAML::Node cluster = findNamed(root["clusters"], scalar(context, "cluster"), "cluster");
  if (!cluster) return configError("cluster of context \"" + contextName + "\" not found");
  const YAML::Node user = findNamed(root["users"], scalar(context, "user"), "user");

  ClientConfig config;
  config.server = scalar(cluster, "server");
  if (config.server.empty()) return configError("cluster has no server");
  config.insecureSkipTlsVerify = scalar(cluster, "insecure-skip-tls-verify") == "true";
  auto ca = pemFrom(cluster, "certificate-authority-data", "certificate-authority", baseDir);
  if (!ca) return ca.error();
  config.caPem = std::move(ca.value());
  if (user) {
    auto cert = pemFrom(user, "client-certificate-data", "client-certificate", baseDir);
    if (!cert) return cert.error();
    auto key = pemFrom(user, "client-key-data", "client-key", baseDir);
    if (!key) return key.error();
    config.clientCertPem = std::move(cert.value());
    config.clientKeyPem = std::move(key.value());
    if (config.clientCertPem.empty() != config.clientKeyPem.empty())
      return configError("client certificate and key must be given together");
    config.bearerToken = scalar(user, "token");
    if (auto file = scalar(user, "tokenFile"); !file.empty()) {
      std::filesystem::path tokenPath(file);
      config.bearerTokenFile = tokenPath.is_relative() ? baseDir / tokenPath : tokenPath;
    }
    if (const YAML::Node exec = user["exec"]; exec && !exec.IsNull()) {
      if (!config.bearerToken.empty() || !config.bearerTokenFile.empty())
        return configError("user has both a token and an exec plugin; give one");
      auto plugin = execFrom(exec, baseDir);
      if (!plugin) return plugin.error();
      config.exec = std::move(plugin.value());
    }
  }
  if (auto ns = scalar(context, "namespace"); !ns.empty()) config.defaultNamespace = ns;
  return config;
}

}  // namespace

EnvLookup processEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

Result<ClientConfig> loadKubeconfig(const std::filesystem::path& path, const std::string& context) {
  auto text = readFile(path);
  if (!text) return configError("kubeconfig " + path.string() + " cannot be read");
  return parseKubeconfig(*text, context, path.parent_path(), path.string());
}

Result<ClientConfig> parseKubeconfig(std::string_view text, const std::string& context,
                                     const std::filesystem::path& baseDir, std::string_view what) {
  try {
    return fromKubeconfig(YAML::Load(std::string(text)), context, baseDir);
  } catch (const YAML::Exception& e) {
    return configError("kubeconfig " + std::string(what) + ": " + e.what());
  }
}

Result<ClientConfig> inClusterConfig(const EnvLookup& env,
                                     const std::filesystem::path& accountDir) {
  const auto host = env("KUBERNETES_SERVICE_HOST");
  const auto port = env("KUBERNETES_SERVICE_PORT");
  if (!host || host->empty() || !port || port->empty())
    return configError("not in a cluster: KUBERNETES_SERVICE_HOST/PORT unset");
  ClientConfig config;
  // IPv6 service addresses need brackets in a URL.
  const bool ipv6 = host->find(':') != std::string::npos;
  config.server = "https://" + (ipv6 ? "[" + *host + "]" : *host) + ":" + *port;
  config.bearerTokenFile = accountDir / "token";
  if (!readFile(config.bearerTokenFile))
    return configError("service-account token " + config.bearerTokenFile.string() + " unreadable");
  auto ca = readFile(accountDir / "ca.crt");
  if (!ca)
    return configError("service-account CA " + (accountDir / "ca.crt").string() + " unreadable");
  config.caPem = std::move(*ca);
  if (auto ns = readFile(accountDir / "namespace")) config.defaultNamespace = trimmed(*ns);
  return config;
}

Result<ClientConfig> loadClientConfig(const std::string& explicitPath, const EnvLookup& env) {
  if (!explicitPath.empty()) return loadKubeconfig(explicitPath);
  if (auto fromEnv = env("KUBECONFIG"); fromEnv && !fromEnv->empty()) {
    // KUBECONFIG may list several files; we use the first.
    return loadKubeconfig(fromEnv->substr(0, fromEnv->find(':')));
  }
  return inClusterConfig(env);
}

}  // namespace ps::kube
