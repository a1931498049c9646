// Runs the pluginctl binary: exit codes of DESIGN.md and one-line rejections.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace {

namespace fs = std::filesystem;

struct Outcome {
  int exitCode = -1;
  std::string out;
  std::string err;
};

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void spit(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

class PluginctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/ps-cli-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // `env` is a prefix such as "PLUGIN_SIGNING_KEY= "; the variables are cleared otherwise.
  Outcome run(const std::string& arguments, const std::string& env = "") {
    const std::string command =
        "env -u PLUGIN_POLICY_FILE -u PLUGIN_SIGNING_KEY " + env + quote(PLUGINCTL_PATH) + " " +
        arguments + " >" + quote((dir_ / "out").string()) + " 2>" + quote((dir_ / "err").string());
    int status = std::system(command.c_str());
    Outcome outcome;
    outcome.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    outcome.out = slurp(dir_ / "out");
    outcome.err = slurp(dir_ / "err");
    return outcome;
  }

  // A copy of plugins/<name> signed with a fresh key; returns the plugin dir.
  fs::path signedCopy(const std::string& name) {
    fs::copy(fs::path(PS_SOURCE_DIR) / "plugins" / name, dir_ / name, fs::copy_options::recursive);
    EXPECT_EQ(run("keygen --private " + key() + " --public " + pub()).exitCode, 0);
    Outcome signing = run("sign " + (dir_ / name).string() + " --key " + key());
    EXPECT_EQ(signing.exitCode, 0) << signing.err;
    return dir_ / name;
  }
  std::string key() const { return (dir_ / "k.pem").string(); }
  std::string pub() const { return (dir_ / "k.pub.pem").string(); }

  static void expectOneRejectionLine(const Outcome& outcome, const std::string& prefix) {
    EXPECT_EQ(outcome.exitCode, 125);
    EXPECT_EQ(outcome.err.rfind(prefix, 0), 0u) << outcome.err;
    EXPECT_EQ(std::count(outcome.err.begin(), outcome.err.end(), '\n'), 1) << outcome.err;
  }

  fs::path dir_;
};

TEST_F(PluginctlTest, UsageErrorsExitTwo) {
  EXPECT_EQ(run("").exitCode, 2);
  EXPECT_EQ(run("frobnicate").exitCode, 2);
  EXPECT_EQ(run("validate").exitCode, 2);
  EXPECT_EQ(run("sign " + dir_.string()).exitCode, 2);    // --key missing
  EXPECT_EQ(run("verify " + dir_.string()).exitCode, 2);  // no key anywhere
  EXPECT_EQ(run("validate x --no-such-flag").exitCode, 2);
  EXPECT_EQ(run("--help").exitCode, 0);
}

TEST_F(PluginctlTest, KeygenWritesAPrivateKeyOnlyTheOwnerCanRead) {
  Outcome outcome = run("keygen --private " + key() + " --public " + pub());
  ASSERT_EQ(outcome.exitCode, 0) << outcome.err;
  EXPECT_EQ(outcome.out.rfind("keyid: sha256:", 0), 0u);
  struct stat info {};
  ASSERT_EQ(::stat(key().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_NE(slurp(pub()).find("BEGIN PUBLIC KEY"), std::string::npos);
  EXPECT_EQ(run("keygen --private " + key() + " --public " + pub()).exitCode,
            1);  // no silent overwrite
  EXPECT_EQ(run("keygen --force --private " + key() + " --public " + pub()).exitCode, 0);
}

TEST_F(PluginctlTest, SignThenVerifyAndValidate) {
  fs::path plugin = signedCopy("techdebt");
  Outcome verify = run("verify " + plugin.string() + " --key " + pub());
  EXPECT_EQ(verify.exitCode, 0) << verify.err;
  EXPECT_EQ(verify.out.rfind("ok: techdebt 1.2.0", 0), 0u) << verify.out;
  Outcome json =
      run("verify " + plugin.string() + " --json", "PLUGIN_SIGNING_KEY=" + quote(pub()) + " ");
  ASSERT_EQ(json.exitCode, 0) << json.err;
  auto parsed = nlohmann::json::parse(json.out);
  EXPECT_EQ(parsed["accepted"], true);
  EXPECT_EQ(parsed["signedBy"].get<std::string>().rfind("sha256:", 0), 0u);
  EXPECT_EQ(run("validate " + plugin.string() + " --key " + pub()).exitCode, 0);
}

TEST_F(PluginctlTest, SigningIsStable) {
  fs::path plugin = signedCopy("example");
  const std::string first = slurp(plugin / "manifest.json");
  ASSERT_EQ(run("sign " + plugin.string() + " --key " + key()).exitCode, 0);
  EXPECT_EQ(slurp(plugin / "manifest.json"), first);  // Ed25519 is deterministic, the layout sorted
  EXPECT_FALSE(fs::exists(plugin / "manifest.json.signing.tmp"));
}

TEST_F(PluginctlTest, ResigningReplacesAStaleSignature) {
  fs::path plugin = signedCopy("example");
  auto manifest = nlohmann::json::parse(slurp(plugin / "manifest.json"));
  manifest["signature"]["value"] = "garbage";
  manifest["files"]["gone.py"] = "sha256:" + std::string(64, '0');
  spit(plugin / "manifest.json", manifest.dump());
  EXPECT_EQ(run("verify " + plugin.string() + " --key " + pub()).exitCode, 125);
  Outcome signing = run("sign " + plugin.string() + " --key " + key());
  ASSERT_EQ(signing.exitCode, 0) << signing.err;
  EXPECT_EQ(run("verify " + plugin.string() + " --key " + pub()).exitCode, 0);
}

TEST_F(PluginctlTest, TamperedCodeIsRejectedInOneLine) {
  fs::path plugin = signedCopy("techdebt");
  spit(plugin / "plugin.py", "import os\n");
  expectOneRejectionLine(run("verify " + plugin.string() + " --key " + pub()),
                         "rejected: digest: \"plugin.py\" has digest");
  Outcome json = run("verify " + plugin.string() + " --key " + pub() + " --json");
  EXPECT_EQ(json.exitCode, 125);
  auto parsed = nlohmann::json::parse(json.out);
  EXPECT_EQ(parsed["accepted"], false);
  EXPECT_EQ(parsed["rule"], "digest");
}

TEST_F(PluginctlTest, StrippedSignatureIsRejectedWhenAKeyIsConfigured) {
  fs::path plugin = signedCopy("example");
  auto manifest = nlohmann::json::parse(slurp(plugin / "manifest.json"));
  manifest.erase("signature");
  spit(plugin / "manifest.json", manifest.dump());
  expectOneRejectionLine(
      run("validate " + plugin.string(), "PLUGIN_SIGNING_KEY=" + quote(pub()) + " "),
      "rejected: signature: plugin \"example\" is unsigned");
  EXPECT_EQ(run("validate " + plugin.string()).exitCode, 0);  // no key configured: allowed
}

TEST_F(PluginctlTest, PolicyRejectionNamesTheRuleAndTheGrant) {
  fs::path plugin = dir_ / "netplugin";
  fs::create_directories(plugin);
  spit(plugin / "manifest.json",
       R"({"id":"techdebt","version":"1.2.0","permissions":["read_files","network"]})");
  spit(plugin / "plugin.py", "print(1)\n");
  spit(dir_ / "policy.json", R"({"plugins":{"techdebt":{"permissions":["read_files"]}}})");
  Outcome outcome =
      run("validate " + plugin.string() + " --policy " + (dir_ / "policy.json").string());
  expectOneRejectionLine(
      outcome,
      "rejected: policy: plugin \"techdebt\" requests \"network\", policy grants [read_files]");
}

TEST_F(PluginctlTest, BadTrustConfigurationFailsClosed) {
  fs::path plugin = signedCopy("example");
  expectOneRejectionLine(run("validate " + plugin.string(), "PLUGIN_SIGNING_KEY= "),
                         "rejected: key: ");
  expectOneRejectionLine(
      run("validate " + plugin.string() + " --key " + (dir_ / "missing.pem").string()),
      "rejected: key: cannot read key file");
  expectOneRejectionLine(run("validate " + plugin.string(), "PLUGIN_POLICY_FILE=/nonexistent "),
                         "rejected: policy: ");
  spit(dir_ / "empty.pem", "");
  expectOneRejectionLine(
      run("verify " + plugin.string() + " --key " + (dir_ / "empty.pem").string()),
      "rejected: key: ");
}

TEST_F(PluginctlTest, HostileManifestIsACleanRejection) {
  fs::path plugin = dir_ / "hostile";
  fs::create_directories(plugin);
  spit(plugin / "plugin.py", "");
  spit(plugin / "manifest.json", std::string(200000, '[') + std::string(200000, ']'));
  expectOneRejectionLine(run("validate " + plugin.string()),
                         "rejected: json: manifest.json nests deeper");
  spit(plugin / "manifest.json",
       R"({"id":")" + std::string(1 << 20, 'a') + R"(","version":"1.0.0","permissions":[]})");
  expectOneRejectionLine(run("validate " + plugin.string()), "rejected: json: manifest.json is ");
  spit(plugin / "manifest.json", "{\"id\":\"\xff\",\"version\":\"1.0.0\",\"permissions\":[]}");
  expectOneRejectionLine(run("validate " + plugin.string()),
                         "rejected: json: manifest.json is not valid UTF-8");
}

TEST_F(PluginctlTest, ShippedExamplesValidateWithTheShippedPolicyAndDemoKey) {
  const fs::path plugins = fs::path(PS_SOURCE_DIR) / "plugins";
  for (const char* name : {"example", "techdebt"}) {
    Outcome outcome = run("validate " + (plugins / name).string() + " --policy " +
                          (plugins / "policy.json").string() + " --key " +
                          (plugins / "keys" / "demo.pub.pem").string());
    EXPECT_EQ(outcome.exitCode, 0) << name << ": " << outcome.err;
    EXPECT_NE(outcome.out.find("policy configured"), std::string::npos) << outcome.out;
  }
}

}  // namespace

// Issue 13 item 4: an out-of-range YAML number aborted pluginctl (exit 134, even with --json).
TEST_F(PluginctlTest, OutOfRangePolicyNumbersAreOneLineRejections) {
  const std::string plugin = (fs::path(PS_SOURCE_DIR) / "plugins" / "example").string();
  for (const char* number : {"1e400", "-1e999", "1e-400", "99999999999999999999"}) {
    const fs::path policy = dir_ / "policy.yaml";
    spit(policy,
         std::string("plugins:\n  example:\n    permissions: [read_files]\n    maxMemory: ") +
             number + "\n");
    for (const char* command : {"run", "validate"}) {
      expectOneRejectionLine(
          run(std::string(command) + " " + plugin + " --policy " + policy.string()),
          "rejected: policy: policy file ");
      Outcome json =
          run(std::string(command) + " " + plugin + " --json --policy " + policy.string());
      EXPECT_EQ(json.exitCode, 125) << number << " " << json.err;
      auto parsed = nlohmann::json::parse(json.out, nullptr, false);
      ASSERT_TRUE(parsed.is_object()) << json.out;
      EXPECT_EQ(parsed["rule"], "policy");
    }
  }
  // Numeric flags are checked by the command line parser: a usage error, never a crash.
  for (const char* flag : {"--timeout 1e400", "--timeout 99999999999999999999", "--memory -1",
                           "--memory 1e999", "--timeout nan", "--timeout 0", "--timeout 1.5",
                           "--memory 18446744073709551616", "--timeout 0x10"}) {
    EXPECT_EQ(run(std::string("run ") + plugin + " " + flag).exitCode, 2) << flag;
  }
}

// Issue 13 item 10: 300,000 empty directories took ~4 s to walk before the wall clock started;
// 1,000 are refused at the 513th name.
TEST_F(PluginctlTest, ManyEmptyDirectoriesAreRefusedBeforeTheWalk) {
  const fs::path plugin = dir_ / "example";
  fs::copy(fs::path(PS_SOURCE_DIR) / "plugins" / "example", plugin, fs::copy_options::recursive);
  for (int i = 0; i < 1000; ++i)
    ASSERT_EQ(::mkdir((plugin / ("d" + std::to_string(i))).c_str(), 0755), 0);
  const auto start = std::chrono::steady_clock::now();
  Outcome outcome = run("run " + plugin.string() + " --timeout 1");
  const auto took = std::chrono::steady_clock::now() - start;
  expectOneRejectionLine(outcome, "rejected: layout: more than 512 entries");
  EXPECT_LT(took, std::chrono::seconds(2));
}
