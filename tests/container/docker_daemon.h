#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>

#include "sandbox/setup_result.h"

namespace ps::container::testing {

class DockerDaemon;
using DockerDaemonPtr = std::unique_ptr<DockerDaemon>;

// A Docker daemon of the tests' own: Debian's docker.io (dockerd, its client, the containerd it
// starts for itself, runc), everything under one state directory (data root, exec root, pid
// file, socket, its containerd's sockets), nothing on the host's network (no iptables rules, no
// bridge, no ip_forward change), its own cgroup parent, and not the host's daemon.json. It dies
// with the test process (PR_SET_PDEATHSIG), and a daemon left by a killed test run is stopped
// and its state removed before a new one starts.
class DockerDaemon {
 public:
  // Debian's docker.io puts them here; the client is the one of the daemon's package, whatever
  // else PATH holds (this machine has another docker client in /usr/local/bin).
  static constexpr const char* kDockerd = "/usr/sbin/dockerd";
  static constexpr const char* kClient = "/usr/bin/docker";

  // Starts the daemon and waits until it answers; a failure says in one line why.
  static sandbox::SetupResult<DockerDaemonPtr> start(const std::filesystem::path& stateDir);
  // Stops the daemon (SIGTERM, then SIGKILL) and its containerd, unmounts what is left under
  // the state directory, removes it and the daemon's cgroup parents.
  ~DockerDaemon();
  DockerDaemon(const DockerDaemon&) = delete;
  DockerDaemon& operator=(const DockerDaemon&) = delete;

  // For DOCKER_HOST: unix://<state>/docker.sock
  std::string host() const;
  // "docker.io 20.10.24 (client 20.10.24), containerd 1.6.20, runc 1.1.5" as the daemon says.
  const std::string& versions() const { return versions_; }

 private:
  DockerDaemon(std::filesystem::path state, pid_t pid) : state_(std::move(state)), pid_(pid) {}
  std::filesystem::path state_;
  pid_t pid_;
  std::string versions_;
};

}  // namespace ps::container::testing
