// Time to accept a typical signed three-file plugin with warm file cache: read the directory,
// digest, parse and schema-check the manifest, verify the Ed25519 signature, apply the policy.
// The policy and key ring are loaded once, as the controller and pluginctl do.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <sodium.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "core/canonical_json.h"
#include "core/ed25519.h"
#include "core/key_ring.h"
#include "core/manifest.h"
#include "core/manifest_signing.h"
#include "core/plugin_files.h"
#include "core/policy.h"
#include "core/trust_check.h"
#include "core/trust_check_memo.h"

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

// A repeated check of the same bytes with the controller's memo: digests only, no verify.
void BM_AcceptSignedThreeFilePluginRepeated(benchmark::State& state) {
  Fixture& f = fixture();
  TrustCheckMemo memo;
  const TrustConfig trust{&f.policy, &f.ring, &memo};
  const auto plugin = readPluginDir(f.dir);
  if (!checkPlugin(*plugin, trust).ok()) state.SkipWithError("not accepted");
  for (auto _ : state) benchmark::DoNotOptimize(checkPlugin(*plugin, trust));
  if (memo.hits() < static_cast<std::size_t>(state.iterations())) state.SkipWithError("missed");
}
BENCHMARK(BM_AcceptSignedThreeFilePluginRepeated)->Unit(benchmark::kMicrosecond);

// One Ed25519 verify of the fixture's signing payload, by each library, in the same run.
struct VerifyInputs {
  std::string payload, signature, publicKey;
};
const VerifyInputs& verifyInputs() {
  static const VerifyInputs inputs = [] {
    const auto plugin = readPluginDir(fixture().dir);
    const auto manifest = parseManifest(plugin->files.at("manifest.json"));
    return VerifyInputs{*signingPayload(manifest->document), manifest->signature->value,
                        fixture().key.publicKey().raw()};
  }();
  return inputs;
}

void BM_Ed25519VerifyKept(benchmark::State& state) {  // PublicKey::verify, what checks use
  const auto& in = verifyInputs();
  const PublicKey key = fixture().key.publicKey();
  for (auto _ : state) {
    if (!key.verify(in.payload, in.signature)) state.SkipWithError("did not verify");
  }
}
BENCHMARK(BM_Ed25519VerifyKept)->Unit(benchmark::kMicrosecond);

void BM_Ed25519VerifyOpenSsl(benchmark::State& state) {
  const auto& in = verifyInputs();
  EVP_PKEY* key = EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(in.publicKey.data()), 32);
  for (auto _ : state) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    int ok = EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key) == 1 &&
             EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(in.signature.data()),
                              in.signature.size(),
                              reinterpret_cast<const unsigned char*>(in.payload.data()),
                              in.payload.size()) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok) state.SkipWithError("did not verify");
  }
  EVP_PKEY_free(key);
}
BENCHMARK(BM_Ed25519VerifyOpenSsl)->Unit(benchmark::kMicrosecond);

void BM_Ed25519VerifyLibsodium(benchmark::State& state) {
  const auto& in = verifyInputs();
  if (sodium_init() < 0) state.SkipWithError("sodium_init");
  for (auto _ : state) {
    if (crypto_sign_verify_detached(
            reinterpret_cast<const unsigned char*>(in.signature.data()),
            reinterpret_cast<const unsigned char*>(in.payload.data()), in.payload.size(),
            reinterpret_cast<const unsigned char*>(in.publicKey.data())) != 0) {
      state.SkipWithError("did not verify");
    }
  }
}
BENCHMARK(BM_Ed25519VerifyLibsodium)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
