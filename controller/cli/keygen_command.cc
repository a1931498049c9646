#include "cli/keygen_command.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>

#include "cli/app_runner.h"
#include "core/ed25519.h"
#include "core/exit_codes.h"

namespace ps::cli {
namespace {

// Creates `path` with `mode` from the start (never a moment world-readable); refuses to
// replace an existing file unless `force`.
bool writeNewFile(const std::string& path, const std::string& bytes, mode_t mode, bool force,
                  std::ostream& err) {
  int flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | (force ? O_TRUNC : O_EXCL);
  int fd = ::open(path.c_str(), flags, mode);
  if (fd < 0) {
    err << "pluginctl keygen: cannot create " << path << ": " << std::strerror(errno)
        << (errno == EEXIST ? " (use --force to overwrite)" : "") << "\n";
    return false;
  }
  bool ok = ::fchmod(fd, mode) == 0 &&
            ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
  ::close(fd);
  if (!ok) err << "pluginctl keygen: cannot write " << path << "\n";
  return ok;
}

}  // namespace

int runKeygen(const KeygenOptions& options, std::ostream& out, std::ostream& err) {
  if (options.privateFile == options.publicFile) {
    err << "pluginctl keygen: --private and --public must be different files\n";
    return kExitUsage;
  }
  const core::PrivateKey key = core::PrivateKey::generate();
  const core::PublicKey publicKey = key.publicKey();
  if (!writeNewFile(options.privateFile, key.pem(), 0600, options.force, err)) return kExitError;
  if (!writeNewFile(options.publicFile, publicKey.pem(), 0644, options.force, err))
    return kExitError;
  out << "keyid: " << publicKey.keyId() << "\n";
  return kExitOk;
}

void addKeygenCommand(CLI::App& app) {
  auto options = std::make_shared<KeygenOptions>();
  CLI::App* command =
      app.add_subcommand("keygen", "create an Ed25519 key pair for signing plugins");
  command->add_option("--private", options->privateFile, "private key file to create (mode 0600)")
      ->required();
  command->add_option("--public", options->publicFile, "public key file to create")->required();
  command->add_flag("--force", options->force, "overwrite existing files");
  command->callback([options] {
    if (int code = runKeygen(*options, std::cout, std::cerr); code != kExitOk) exitWith(code);
  });
}

}  // namespace ps::cli
