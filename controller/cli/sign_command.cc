#include "cli/sign_command.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/app_runner.h"
#include "cli/plan_output.h"
#include "core/ed25519.h"
#include "core/exit_codes.h"
#include "core/manifest.h"
#include "core/manifest_signing.h"
#include "core/plugin_files.h"
#include "core/strict_json.h"
#include "core/trust_check.h"

namespace ps::cli {
namespace {

// Writes to a temporary name beside the target, then renames: a reader never sees half a file.
bool replaceFile(const std::filesystem::path& target, const std::string& bytes) {
  const std::filesystem::path temporary = target.string() + ".signing.tmp";
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  bool written = ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
  written = ::fsync(fd) == 0 && written;
  ::close(fd);
  if (!written || std::rename(temporary.c_str(), target.c_str()) != 0) {
    std::remove(temporary.c_str());
    return false;
  }
  return true;
}

}  // namespace

int runSign(const SignOptions& options, std::ostream& out, std::ostream& err) {
  auto key = core::PrivateKey::fromPemFile(options.keyFile);
  if (!key) return reportRejection(key.rejection(), options.json, out, err);
  auto plugin = core::readPluginDir(options.dir);
  if (!plugin) return reportRejection(plugin.rejection(), options.json, out, err);
  auto manifestBytes = plugin->files.find("manifest.json");
  if (manifestBytes == plugin->files.end()) {
    return reportRejection(core::reject("layout", "plugin has no manifest.json"), options.json, out,
                           err);
  }
  // An old `files` or `signature` is replaced, so a stale or broken one must not block re-signing.
  auto document = core::parseStrictJson(manifestBytes->second, "manifest.json");
  if (!document) return reportRejection(document.rejection(), options.json, out, err);
  if (document->is_object()) {
    document->erase("files");
    document->erase("signature");
  }
  auto manifest = core::parseManifest(document->dump());
  if (!manifest) return reportRejection(manifest.rejection(), options.json, out, err);
  auto signedDocument = core::signManifest(manifest->document, *plugin, *key);
  if (!signedDocument) return reportRejection(signedDocument.rejection(), options.json, out, err);

  const std::string bytes = signedDocument->dump(2) + "\n";  // keys sorted: a stable layout
  plugin->files["manifest.json"] = bytes;
  const core::KeyRing ring = core::KeyRing::of({key->publicKey()});
  auto plan = core::checkPluginIntegrity(*plugin, &ring);  // never write what would not verify
  if (!plan) return reportRejection(plan.rejection(), options.json, out, err);
  if (!replaceFile(std::filesystem::path(options.dir) / "manifest.json", bytes)) {
    err << "pluginctl sign: cannot write " << options.dir << "/manifest.json\n";
    return kExitError;
  }
  if (options.json) {
    out << planToJson(*plan).dump() << "\n";
  } else {
    out << "signed: " << plan->id << " " << plan->version << " by " << *plan->signerKeyId << ", "
        << plan->files.size() << " files\n";
  }
  return kExitOk;
}

void addSignCommand(CLI::App& app) {
  auto options = std::make_shared<SignOptions>();
  CLI::App* command = app.add_subcommand(
      "sign", "write file digests and an Ed25519 signature into DIR/manifest.json");
  command->add_option("DIR", options->dir, "plugin directory")->required();
  command->add_option("--key", options->keyFile, "Ed25519 private key (PEM)")->required();
  command->add_flag("--json", options->json, "print the result as one JSON object");
  command->callback([options] {
    if (int code = runSign(*options, std::cout, std::cerr); code != kExitOk) exitWith(code);
  });
}

}  // namespace ps::cli
