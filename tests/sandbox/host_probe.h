#pragma once

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "host_watch.h"

namespace ps::sandbox::testing {

// One line of /proc/PID/mountinfo: where, what it shows of its source, and its flags.
struct MountLine {
  std::string root, mountPoint, options, fsType;
  bool has(const std::string& option) const {
    std::stringstream list(options);
    for (std::string item; std::getline(list, item, ',');) {
      if (item == option) return true;
    }
    return false;
  }
};

inline std::vector<MountLine> parseMountinfo(const std::string& text) {
  std::vector<MountLine> lines;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::stringstream fields(line);
    std::string id, parent, device;
    MountLine mount;
    fields >> id >> parent >> device >> mount.root >> mount.mountPoint >> mount.options;
    for (std::string field; fields >> field && field != "-";) {
    }
    fields >> mount.fsType;
    lines.push_back(mount);
  }
  return lines;
}

// What the host sees of a running plugin: its mounts and its parent's (the sandbox's PID 1)
// command line, read from the host's /proc, not reported by the plugin.
struct HostView {
  bool found = false;
  std::string mountinfo, parentCmdline;
  std::vector<MountLine> mounts() const { return parseMountinfo(mountinfo); }
  const MountLine* at(const std::string& mountPoint) const {
    static thread_local std::vector<MountLine> parsed;
    parsed = mounts();
    const MountLine* last = nullptr;  // the topmost mount at that point is listed last
    for (const auto& line : parsed) {
      if (line.mountPoint == mountPoint) last = &line;
    }
    return last;
  }
};

inline std::string readProcFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Finds the plugin's interpreter (`python -I plugin.py ... marker`) once it catches SIGUSR1 (the
// plugin is then waiting for us: tests/sandbox/hostile/wait_for_host.py), reads its view, and
// releases it with SIGUSR1. Gives up after `limit`.
inline HostView observeFromHost(const std::string& marker, std::chrono::milliseconds limit) {
  HostView view;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
      const std::string name = entry.path().filename().string();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      // The interpreter itself, not an engine whose argv also holds the marker.
      const std::string cmdline = HostWatch::cmdlineOf(entry.path());
      if (cmdline.find(marker) == std::string::npos ||
          cmdline.find(std::string("\0-I\0plugin.py\0", 13)) == std::string::npos) {
        continue;
      }
      const std::string status = readProcFile(entry.path() / "status");
      auto caught = status.find("SigCgt:\t");
      if (caught == std::string::npos) continue;
      unsigned long long mask = std::stoull(status.substr(caught + 8, 16), nullptr, 16);
      if ((mask & (1ull << (SIGUSR1 - 1))) == 0) continue;
      auto ppid = status.find("PPid:\t");
      view.mountinfo = readProcFile(entry.path() / "mountinfo");
      view.parentCmdline =
          HostWatch::cmdlineOf(std::filesystem::path("/proc") /
                               status.substr(ppid + 6, status.find('\n', ppid) - ppid - 6));
      view.found = !view.mountinfo.empty();
      kill(std::stoi(name), SIGUSR1);
      return view;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return view;
}

}  // namespace ps::sandbox::testing
