#include "container/run_directory.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

#include "sandbox/sandbox_root.h"

namespace ps::container {

RunDirectory::RunDirectory(std::filesystem::path dir)
    : dir_(std::move(dir)), terminationLog_(dir_ / "termination-log"), emptyFile_(dir_ / "empty") {
  // mkdtemp made the suffix unique among our runs; the engine wants lowercase names.
  name_ = "plugin-sandbox-" + dir_.filename().string().substr(std::string("container-").size());
  for (char& c : name_) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

RunDirectory::~RunDirectory() {
  sandbox::removeTree(dir_);
}

sandbox::SetupResult<RunDirectoryPtr> RunDirectory::create() {
  auto base = sandbox::SandboxRoot::privateBase();
  if (!base) return base.error();
  std::string pattern = (base.value() / "container-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    return sandbox::SetupError{sandbox::describeErrno("container sandbox: mkdtemp", errno)};
  }
  RunDirectoryPtr run(new RunDirectory(pattern));
  int fd = open(run->terminationLog_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return sandbox::SetupError{sandbox::describeErrno("container sandbox: termination log", errno)};
  bool written =
      write(fd, kNotStarted.data(), kNotStarted.size()) == static_cast<ssize_t>(kNotStarted.size());
  // The container runs as another uid; the directory around the file stays 0700 and ours, so
  // only the bind mount reaches it.
  bool shared = fchmod(fd, 0666) == 0;
  close(fd);
  if (!written || !shared) {
    return sandbox::SetupError{sandbox::describeErrno("container sandbox: termination log", errno)};
  }
  fd = open(run->emptyFile_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0 || fchmod(fd, 0644) != 0) {
    if (fd >= 0) close(fd);
    return sandbox::SetupError{sandbox::describeErrno("container sandbox: empty file", errno)};
  }
  close(fd);
  return run;
}

std::optional<std::string> RunDirectory::readTerminationMessage() const {
  // Bounded: the plugin runs as the same uid as the launcher and could grow the file meanwhile.
  std::string text(8192, '\0');
  std::ifstream in(terminationLog_, std::ios::binary);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text == kNotStarted) return std::nullopt;
  return text;
}

}  // namespace ps::container
