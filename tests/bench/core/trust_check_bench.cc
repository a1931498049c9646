// Time to accept a typical signed three-file plugin with warm file cache: read the directory,
// digest, parse and schema-check the manifest, verify the Ed25519 signature, apply the policy.
// The policy and key ring are loaded once, as the controller and pluginctl do.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "core/ed25519.h"
#include "core/key_ring.h"
#include "core/manifest.h"
#include "core/manifest_signing.h"
#include "core/plugin_files.h"
#include "core/policy.h"
#include "core/trust_check.h"

namespace {

namespace fs = std::filesystem;
using namespace ps::core;

void writeFile(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// A signed plugin on disk: plugin.py (~4 KiB), lib/report.py (~2 KiB), data/rules.json (~1 KiB).
struct Fixture {
  fs::path dir;
  PrivateKey key = PrivateKey::generate();
  KeyRing ring = KeyRing::of({key.publicKey()});
  Policy policy;

  Fixture() {
    std::string pattern = (fs::temp_directory_path() / "ps-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp");
    dir = pattern;
    std::string code;
    while (code.size() < 4096)
      code += "def scan(path):\n    return sum(1 for _ in open(path))  # TODO\n";
    writeFile(dir / "plugin.py", code);
    writeFile(dir / "lib" / "report.py", code.substr(0, 2048));
    writeFile(dir / "data" / "rules.json",
              "{\"markers\": [\"TODO\", \"FIXME\", \"XXX\"], \"pad\": \"" + std::string(960, 'x') +
                  "\"}");
    const nlohmann::json manifest = {{"id", "techdebt"},
                                     {"version", "1.2.0"},
                                     {"description", "Counts TODO/FIXME/XXX markers"},
                                     {"permissions", {"read_files"}}};
    writeFile(dir / "manifest.json", manifest.dump());
    auto plugin = readPluginDir(dir);
    auto signedManifest = signManifest(manifest, *plugin, key);
    writeFile(dir / "manifest.json", signedManifest->dump(2));
    policy = *Policy::parse(R"({"plugins":{"techdebt":{"permissions":["read_files"],"signers":[")" +
                                key.publicKey().keyId() + R"("],"minVersion":"1.0.0"}}})",
                            false);
  }
  ~Fixture() { fs::remove_all(dir); }
};

Fixture& fixture() {
  static Fixture instance;
  return instance;
}

void BM_AcceptSignedThreeFilePlugin(benchmark::State& state) {
  Fixture& f = fixture();
  const TrustConfig trust{&f.policy, &f.ring};
  for (auto _ : state) {
    auto plugin = readPluginDir(f.dir);
    auto plan = checkPlugin(*plugin, trust);
    if (!plan.ok()) state.SkipWithError(plan.rejection().line().c_str());
    benchmark::DoNotOptimize(plan);
  }
}
BENCHMARK(BM_AcceptSignedThreeFilePlugin)->Unit(benchmark::kMicrosecond);

// The parts, to see where the time goes.
void BM_ReadPluginDir(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(readPluginDir(fixture().dir));
}
BENCHMARK(BM_ReadPluginDir)->Unit(benchmark::kMicrosecond);

void BM_ParseManifest(benchmark::State& state) {
  const auto plugin = readPluginDir(fixture().dir);
  const std::string& bytes = plugin->files.at("manifest.json");
  for (auto _ : state) benchmark::DoNotOptimize(parseManifest(bytes));
}
BENCHMARK(BM_ParseManifest)->Unit(benchmark::kMicrosecond);

void BM_VerifySignature(benchmark::State& state) {
  const auto plugin = readPluginDir(fixture().dir);
  const auto manifest = parseManifest(plugin->files.at("manifest.json"));
  for (auto _ : state) benchmark::DoNotOptimize(verifyManifestSignature(*manifest, fixture().ring));
}
BENCHMARK(BM_VerifySignature)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
