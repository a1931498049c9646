#include "kubelet_player.h"

#include <vector>

#include "kube/resource.h"

namespace ps::chaos {

using nlohmann::json;
using Steady = std::chrono::steady_clock;

namespace {

std::string nowRfc3339() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return text;
}

json containerStatus(const json& state, bool ready) {
  return {{"name", "plugin"},   {"ready", ready}, {"restartCount", 0},
          {"image", "sandbox"}, {"imageID", ""},  {"state", state}};
}

}  // namespace

KubeletPlayer::KubeletPlayer(kube::KubeClient& client, std::string ns,
                             std::chrono::milliseconds runningAfter,
                             std::chrono::milliseconds finishedAfter)
    : client_(client),
      ns_(std::move(ns)),
      runningAfter_(runningAfter),
      finishedAfter_(finishedAfter),
      thread_([this] { loop(); }) {}

KubeletPlayer::~KubeletPlayer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void KubeletPlayer::podSeen(const json& pod) {
  const json& metadata = pod.value("metadata", json::object());
  const std::string uid = metadata.value("uid", "");
  if (uid.empty()) return;
  std::lock_guard lock(mutex_);
  if (seen_.count(uid)) return;
  seen_[uid] = true;
  pending_[uid] = {metadata.value("name", ""), Step::Run, Steady::now() + runningAfter_};
  wake_.notify_all();
}

int KubeletPlayer::patchesDone() const {
  std::lock_guard lock(mutex_);
  return patchesDone_;
}

bool KubeletPlayer::patch(const Pending& pending) {
  const std::string now = nowRfc3339();
  json status;
  if (pending.step == Step::Run) {
    status = {{"phase", "Running"},
              {"startTime", now},
              {"containerStatuses", {containerStatus({{"running", {{"startedAt", now}}}}, true)}}};
  } else {
    const json terminated = {{"exitCode", 0},
                             {"reason", "Completed"},
                             {"message", "{}\n"},
                             {"startedAt", now},
                             {"finishedAt", now}};
    status = {{"phase", "Succeeded"},
              {"containerStatuses", {containerStatus({{"terminated", terminated}}, false)}}};
  }
  auto result =
      client_.mergePatch(kube::podsResource(), ns_, pending.name, {{"status", status}}, "status");
  if (result) return true;
  return result.error().isNotFound();  // gone: nothing left to play
}

void KubeletPlayer::loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    std::vector<std::pair<std::string, Pending>> due;
    auto next = Steady::now() + std::chrono::seconds(1);
    for (const auto& [uid, pending] : pending_) {
      if (pending.due <= Steady::now())
        due.emplace_back(uid, pending);
      else if (pending.due < next)
        next = pending.due;
    }
    if (due.empty()) {
      wake_.wait_until(lock, next);
      continue;
    }
    lock.unlock();
    std::vector<std::pair<std::string, bool>> outcomes;
    for (const auto& [uid, pending] : due) outcomes.emplace_back(uid, patch(pending));
    lock.lock();
    for (const auto& [uid, done] : outcomes) {
      Pending& pending = pending_[uid];
      if (!done) {
        pending.due = Steady::now() + std::chrono::seconds(1);
        continue;
      }
      ++patchesDone_;
      if (pending.step == Step::Finish) {
        pending_.erase(uid);
      } else {
        pending.step = Step::Finish;
        pending.due = Steady::now() + finishedAfter_;
      }
    }
  }
}

}  // namespace ps::chaos
