#include "cpu_usage.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace ps::bench {
namespace {

double ticks() {
  return static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Busy time of every core: user + nice + system + irq + softirq + steal (not idle, not iowait).
double machineBusySeconds() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
  if (cpu != "cpu") return 0;
  return static_cast<double>(user + nice + system + irq + softirq + steal) / ticks();
}

double wallSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

double processCpuSeconds(pid_t pid) {
  if (pid <= 0) return 0;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The command (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
  const auto close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  long long utime = 0, stime = 0;
  for (int index = 3; index <= 15 && fields >> field; ++index) {
    if (index == 14) utime = std::stoll(field);
    if (index == 15) stime = std::stoll(field);
  }
  return static_cast<double>(utime + stime) / ticks();
}

pid_t pidFromFile(const std::string& path) {
  std::ifstream in(path);
  long pid = -1;
  if (!(in >> pid)) return -1;
  return static_cast<pid_t>(pid);
}

CpuWindow::CpuWindow(std::map<std::string, pid_t> processes) : pids_(std::move(processes)) {
  pids_["bench"] = getpid();
  for (const auto& [name, pid] : pids_) start_[name] = processCpuSeconds(pid);
  machineStart_ = machineBusySeconds();
  wallStart_ = wallSeconds();
}

std::map<std::string, double> CpuWindow::used() const {
  std::map<std::string, double> used;
  double named = 0;
  for (const auto& [name, pid] : pids_) {
    used[name] = processCpuSeconds(pid) - start_.at(name);
    named += used[name];
  }
  used["machine"] = machineBusySeconds() - machineStart_;
  used["other"] = std::max(0.0, used["machine"] - named);
  used["wall"] = wallSeconds() - wallStart_;
  return used;
}

std::string CpuWindow::describe(const std::map<std::string, double>& used) {
  std::string text;
  char item[96];
  for (const auto& [name, seconds] : used) {
    if (name == "machine" || name == "other" || name == "wall") continue;
    std::snprintf(item, sizeof(item), "%s %.2f s, ", name.c_str(), seconds);
    text += item;
  }
  const double wall = used.count("wall") ? used.at("wall") : 0;
  const long cores = sysconf(_SC_NPROCESSORS_ONLN);
  std::snprintf(item, sizeof(item), "other load %.2f s (%.0f%% of %ld cores x %.1f s wall)",
                used.count("other") ? used.at("other") : 0,
                wall > 0 ? 100 * used.at("other") / (wall * static_cast<double>(cores)) : 0.0,
                cores, wall);
  return text + item;
}

}  // namespace ps::bench
