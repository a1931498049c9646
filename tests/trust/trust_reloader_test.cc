#include "trust/trust_reloader.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "core/ed25519.h"

namespace ps::reconcile {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const std::string kAllowExample = R"({"plugins":{"example":{"permissions":["read_files"]}}})";
const std::string kAllowTechdebt = R"({"plugins":{"techdebt":{"permissions":[]}}})";

// A ConfigMap or Secret volume as the kubelet writes it: the files in a timestamped hidden
// directory, `..data` a symlink to it, each key a symlink through `..data`. publish() swaps in a
// new version atomically (new directory, new symlink renamed over `..data`, old directory gone).
class VolumeDir {
 public:
  explicit VolumeDir(fs::path root) : root_(std::move(root)) { fs::create_directories(root_); }

  void publish(const std::map<std::string, std::string>& files) {
    const std::string version = "..2026_11_28_01_00_00." + std::to_string(++generation_);
    fs::create_directory(root_ / version);
    for (const auto& [name, bytes] : files) {
      std::ofstream(root_ / version / name, std::ios::binary) << bytes;
    }
    const fs::path previous =
        fs::is_symlink(root_ / "..data") ? fs::read_symlink(root_ / "..data") : fs::path();
    fs::create_symlink(version, root_ / "..data_tmp");
    fs::rename(root_ / "..data_tmp", root_ / "..data");
    for (const auto& [name, bytes] : files) {
      if (!fs::is_symlink(root_ / name))
        fs::create_symlink(fs::path("..data") / name, root_ / name);
    }
    for (const auto& [name, bytes] : published_) {
      if (!files.count(name)) fs::remove(root_ / name);
    }
    if (!previous.empty()) fs::remove_all(root_ / previous);
    published_ = files;
  }
  std::string path(const std::string& key) const { return (root_ / key).string(); }

 private:
  fs::path root_;
  std::map<std::string, std::string> published_;
  int generation_ = 0;
};

std::string newPublicKeyPem() {
  return core::PrivateKey::generate().publicKey().pem();
}

std::string keyIdOf(const std::string& pem) {
  return core::PublicKey::fromPem(pem)->keyId();
}

// The value of an unlabelled metric in Prometheus text, NaN when absent.
double metricValue(const std::string& text, const std::string& name) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
  }
  return std::nan("");
}

size_t countOf(const std::string& text, const std::string& needle) {
  size_t count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

class TrustReloaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "ps-trust-reload-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    policyVolume_.emplace(dir_ / "policy");
    keyVolume_.emplace(dir_ / "keys");
    firstKey_ = newPublicKeyPem();
    policyVolume_->publish({{"policy.json", kAllowExample}});
    keyVolume_->publish({{"signing.pub.pem", firstKey_}});
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  core::TrustSources sources() const {
    return {policyVolume_->path("policy.json"), keyVolume_->path("signing.pub.pem")};
  }
  TrustReloaderPtr load(const core::TrustSources& from) {
    auto loaded = TrustReloader::load(from, metrics_, log_, [this] { return wallNow_; });
    EXPECT_TRUE(loaded) << loaded.rejection().line();
    return loaded ? std::move(loaded.value()) : nullptr;
  }
  double metric(const std::string& name) const {
    return metricValue(metrics_.serializeText(), "plugin_sandbox_trust_" + name);
  }
  std::string logText() const { return logOut_.str(); }

  fs::path dir_;
  std::optional<VolumeDir> policyVolume_;
  std::optional<VolumeDir> keyVolume_;
  std::string firstKey_;
  observe::MetricsRegistry metrics_;
  std::ostringstream logOut_;
  observe::Logger log_{logOut_, observe::LogFormat::kJson, observe::LogLevel::kInfo};
  std::chrono::system_clock::time_point wallNow_{std::chrono::seconds(1'700'000'000)};
};

TEST_F(TrustReloaderTest, StartsWithTheFilesAndReportsSuccess) {
  auto reloader = load(sources());
  ASSERT_TRUE(reloader);
  TrustSnapshot trust = reloader->snapshot();
  ASSERT_TRUE(trust && trust->policy && trust->keys);
  EXPECT_NE(trust->policy->find("example"), nullptr);
  EXPECT_NE(trust->keys->find(keyIdOf(firstKey_)), nullptr);
  EXPECT_EQ(reloader->provider()(), trust);
  EXPECT_EQ(metric("last_reload_successful"), 1);
  EXPECT_EQ(metric("last_reload_success_timestamp_seconds"), 1'700'000'000);
  EXPECT_EQ(metric("reloads_total"), 0);
  EXPECT_EQ(metric("reloads_failed_total"), 0);
}

TEST_F(TrustReloaderTest, StartFailsClosedOnABadPolicyOrKey) {
  policyVolume_->publish({{"policy.json", "{not json"}});
  auto badPolicy = TrustReloader::load(sources(), metrics_, log_);
  ASSERT_FALSE(badPolicy);
  EXPECT_EQ(badPolicy.rejection().rule, "policy");

  observe::MetricsRegistry otherMetrics;
  policyVolume_->publish({{"policy.json", kAllowExample}});
  auto missingKey = TrustReloader::load({sources().policyFile, (dir_ / "absent.pem").string()},
                                        otherMetrics, log_);
  ASSERT_FALSE(missingKey);
  EXPECT_EQ(missingKey.rejection().rule, "key");
}

TEST_F(TrustReloaderTest, UnchangedContentCausesNoReload) {
  auto reloader = load(sources());
  const TrustSnapshot before = reloader->snapshot();
  EXPECT_EQ(reloader->poll(), ReloadOutcome::kUnchanged);
  // A swap that publishes the same bytes again (the kubelet does this on resync) is no change.
  policyVolume_->publish({{"policy.json", kAllowExample}});
  keyVolume_->publish({{"signing.pub.pem", firstKey_}});
  EXPECT_EQ(reloader->poll(), ReloadOutcome::kUnchanged);
  EXPECT_EQ(reloader->snapshot(), before);
  EXPECT_EQ(metric("reloads_total"), 0);
  EXPECT_EQ(logText(), "");
}

TEST_F(TrustReloaderTest, PolicyChangeTakesEffectAndHeldSnapshotsStayValid) {
  auto reloader = load(sources());
  const TrustSnapshot heldByAVisit = reloader->snapshot();
  const core::TrustConfig heldConfig = heldByAVisit->config();

  wallNow_ += 60s;
  policyVolume_->publish({{"policy.json", kAllowTechdebt}});
  EXPECT_EQ(reloader->poll(), ReloadOutcome::kReloaded);

  TrustSnapshot now = reloader->snapshot();
  EXPECT_NE(now->policy->find("techdebt"), nullptr);
  EXPECT_EQ(now->policy->find("example"), nullptr);
  EXPECT_NE(now->keys->find(keyIdOf(firstKey_)), nullptr) << "the keys did not change";
  // The visit that took its snapshot before the swap still sees the old policy, intact.
  ASSERT_NE(heldConfig.policy, nullptr);
  EXPECT_NE(heldConfig.policy->find("example"), nullptr);
  EXPECT_EQ(heldConfig.policy->find("techdebt"), nullptr);

  EXPECT_EQ(metric("last_reload_successful"), 1);
  EXPECT_EQ(metric("last_reload_success_timestamp_seconds"), 1'700'000'060);
  EXPECT_EQ(metric("reloads_total"), 1);
  EXPECT_NE(logText().find("reloaded the policy and signing keys"), std::string::npos);
  EXPECT_NE(logText().find(R"("changed":["policy"])"), std::string::npos) << logText();
}

TEST_F(TrustReloaderTest, KeyChangeTakesEffect) {
  auto reloader = load(sources());
  const std::string rotated = newPublicKeyPem();
  keyVolume_->publish({{"signing.pub.pem", rotated}});
  EXPECT_EQ(reloader->poll(), ReloadOutcome::kReloaded);
  TrustSnapshot now = reloader->snapshot();
  EXPECT_NE(now->keys->find(keyIdOf(rotated)), nullptr);
  EXPECT_EQ(now->keys->find(keyIdOf(firstKey_)), nullptr);
  EXPECT_NE(now->policy->find("example"), nullptr) << "the policy did not change";
  EXPECT_NE(logText().find(R"("changed":["signing keys"])"), std::string::npos) << logText();
}

TEST_F(TrustReloaderTest, BothChangingAtOnceLoadTogether) {
  auto reloader = load(sources());
  const std::string rotated = newPublicKeyPem();
  policyVolume_->publish({{"policy.json", kAllowTechdebt}});
  keyVolume_->publish({{"signing.pub.pem", firstKey_ + rotated}});
  EXPECT_EQ(reloader->poll(), ReloadOutcome::kReloaded);
  TrustSnapshot now = reloader->snapshot();
  EXPECT_NE(now->policy->find("techdebt"), nullptr);
  EXPECT_EQ(now->keys->keys().size(), 2u);
  EXPECT_NE(logText().find(R"("changed":["policy","signing keys"])"), std::string::npos)
      << logText();
}

TEST_F(TrustReloaderTest, InvalidPolicyKeepsTheLastGoodOneReportedOnce) {
  auto reloader = load(sources());
  const TrustSnapshot good = reloader->snapshot();
  wallNow_ += 60s;
  policyVolume_->publish({{"policy.json", R"({"plugins":{"example":)"}});
  EXPECT_EQ(reloader->poll(), ReloadOutcome::kRejected);
  EXPECT_EQ(reloader->snapshot(), good);
  ASSERT_TRUE(reloader->lastRejection());
  EXPECT_EQ(reloader->lastRejection()->rule, "policy");
  EXPECT_EQ(metric("last_reload_successful"), 0);
  EXPECT_EQ(metric("last_reload_success_timestamp_seconds"), 1'700'000'000);
  EXPECT_EQ(metric("reloads_total"), 1);
  EXPECT_EQ(metric("reloads_failed_total"), 1);
  EXPECT_NE(logText().find(R"("level":"error")"), std::string::npos) << logText();
  EXPECT_NE(logText().find("rejected: policy"), std::string::npos) << logText();

  // Still bad: polled again and again, reported once.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(reloader->poll(), ReloadOutcome::kUnchanged);
  EXPECT_EQ(countOf(logText(), "rejected: policy"), 1u) << logText();
  EXPECT_EQ(metric("reloads_failed_total"), 1);
}

TEST_F(TrustReloaderTest, PolicyFailingItsSchemaIsRejected) {
  auto reloader = load(sources());
  policyVolume_->publish({{"policy.json", R"({"plugins":{"example":{"permissions":["root"]}}})"}});
  EXPECT_EQ(reloader->poll(), ReloadOutcome::kRejected);
  EXPECT_NE(reloader->snapshot()->policy->find("example"), nullptr);
  EXPECT_EQ(metric("last_reload_successful"), 0);
}

TEST_F(TrustReloaderTest, FixingABadPolicyRecovers) {
  auto reloader = load(sources());
  policyVolume_->publish({{"policy.json", "plugins: [unclosed"}});
  ASSERT_EQ(reloader->poll(), ReloadOutcome::kRejected);
  wallNow_ += 120s;
  policyVolume_->publish({{"policy.json", kAllowTechdebt}});
  EXPECT_EQ(reloader->poll(), ReloadOutcome::kReloaded);
  EXPECT_NE(reloader->snapshot()->policy->find("techdebt"), nullptr);
  EXPECT_FALSE(reloader->lastRejection());
  EXPECT_EQ(metric("last_reload_successful"), 1);
  EXPECT_EQ(metric("last_reload_success_timestamp_seconds"), 1'700'000'120);
  EXPECT_EQ(metric("reloads_total"), 2);
  EXPECT_EQ(metric("reloads_failed_total"), 1);
}

TEST_F(TrustReloaderTest, RevertingToTheGoodBytesClearsTheFailure) {
  auto reloader = load(sources());
  policyVolume_->publish({{"policy.json", ""}});
  ASSERT_EQ(reloader->poll(), ReloadOutcome::kRejected);
  policyVolume_->publish({{"policy.json", kAllowExample}});
  EXPECT_EQ(reloader->poll(), ReloadOutcome::kReloaded);
  EXPECT_EQ(metric("last_reload_successful"), 1);
}

TEST_F(TrustReloaderTest, MissingFileKeepsTheLastGoodTrustUntilItReturns) {
  auto reloader = load(sources());
  const TrustSnapshot good = reloader->snapshot();
  policyVolume_->publish({{"other.json", "{}"}});  // the key vanished from the ConfigMap
  EXPECT_EQ(reloader->poll(), ReloadOutcome::kRejected);
  EXPECT_EQ(reloader->snapshot(), good);
  EXPECT_NE(logText().find("cannot read policy file"), std::string::npos) << logText();
  EXPECT_EQ(reloader->poll(), ReloadOutcome::kUnchanged);
  EXPECT_EQ(countOf(logText(), "cannot read policy file"), 1u);

  policyVolume_->publish({{"policy.json", kAllowTechdebt}});
  EXPECT_EQ(reloader->poll(), ReloadOutcome::kReloaded);
  EXPECT_NE(reloader->snapshot()->policy->find("techdebt"), nullptr);
}

TEST_F(TrustReloaderTest, BadKeysKeepTheLastGoodKeys) {
  auto reloader = load(sources());
  const std::string privateKey = core::PrivateKey::generate().pem();
  for (const std::string& bad : {std::string("garbage"), std::string(""), privateKey,
                                 std::string("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END "
                                             "PUBLIC KEY-----\n")}) {
    keyVolume_->publish({{"signing.pub.pem", bad}});
    EXPECT_EQ(reloader->poll(), ReloadOutcome::kRejected) << bad;
    ASSERT_TRUE(reloader->lastRejection());
    EXPECT_EQ(reloader->lastRejection()->rule, "key") << bad;
    EXPECT_NE(reloader->snapshot()->keys->find(keyIdOf(firstKey_)), nullptr);
  }
  EXPECT_EQ(metric("reloads_failed_total"), 4);
}

TEST_F(TrustReloaderTest, HalfWrittenFileIsRejectedThenLoadsWhenComplete) {
  // A writer that does not swap atomically (an editor, `kubectl cp`) leaves a prefix for a while.
  const std::string plain = (dir_ / "plain-policy.json").string();
  std::ofstream(plain) << kAllowExample;
  auto reloader = load({plain, std::nullopt});
  std::ofstream(plain, std::ios::trunc) << kAllowTechdebt.substr(0, 20);
  EXPECT_EQ(reloader->poll(), ReloadOutcome::kRejected);
  EXPECT_NE(reloader->snapshot()->policy->find("example"), nullptr);
  std::ofstream(plain, std::ios::app) << kAllowTechdebt.substr(20);
  EXPECT_EQ(reloader->poll(), ReloadOutcome::kReloaded);
  EXPECT_NE(reloader->snapshot()->policy->find("techdebt"), nullptr);
}

TEST_F(TrustReloaderTest, InlinePemAndNoPolicyAreNothingToWatch) {
  auto reloader = load({std::nullopt, firstKey_});
  EXPECT_FALSE(reloader->snapshot()->policy);
  EXPECT_EQ(reloader->poll(), ReloadOutcome::kUnchanged);
  EXPECT_NE(reloader->snapshot()->keys->find(keyIdOf(firstKey_)), nullptr);
}

TEST_F(TrustReloaderTest, RunPollsUntilStopped) {
  auto reloader = load(sources());
  kube::StopSignal stop;
  std::thread loop([&] { reloader->run(stop, 10ms); });
  policyVolume_->publish({{"policy.json", kAllowTechdebt}});
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (reloader->snapshot()->policy->find("techdebt") == nullptr &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  stop.stop();
  loop.join();
  EXPECT_NE(reloader->snapshot()->policy->find("techdebt"), nullptr)
      << "the loop did not pick up the new policy within 30 s";
}

}  // namespace
}  // namespace ps::reconcile
