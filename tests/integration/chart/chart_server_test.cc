// The chart against the real API server: NOTES of `helm install --dry-run` (helm connects for it),
// and server-side dry runs of renderings.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "chart_fixture.h"

namespace ps::testing {
namespace {

const std::string kDigest = "sha256:" + std::string(64, 'a');

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(ChartServer, NoPolicyMeansNoConfigMapAndAWarning) {
  const CommandResult install = helm({"install", "nopolicy", chartDir(), "--namespace", "ps",
                                      "--dry-run", "--set", "policy=null"});
  ASSERT_TRUE(install.ok()) << describe(install);
  EXPECT_FALSE(contains(install.out, "PLUGIN_POLICY_FILE"));
  EXPECT_FALSE(contains(install.out, "name: nopolicy-plugin-sandbox-policy"));
  EXPECT_TRUE(contains(install.out, "WARNING: no policy configured"));
}

TEST(ChartServer, NotesTellHowToWaitForSuccessAndFailureAndArgoHealth) {
  const CommandResult install =
      helm({"install", "notes", chartDir(), "--namespace", "ps", "--dry-run"});
  ASSERT_TRUE(install.ok()) << describe(install);
  for (const std::string expected :
       {"--for=condition=Succeeded", "--for=condition=Stalled", "resource.customizations.health",
        "hs.status = \"Degraded\"", "kstatus"}) {
    EXPECT_TRUE(contains(install.out, expected)) << "NOTES lack " << expected;
  }
}

// The API server itself accepts every rendered object (schemas, RBAC, policy/v1 PDB).
TEST(ChartServer, ServerAcceptsDefaultAndVariantRenderings) {
  auto system = cluster().uniqueNamespace("chart-dry");
  auto watched = cluster().uniqueNamespace("chart-dry-w");
  for (const std::vector<std::string>& sets :
       {std::vector<std::string>{},
        {"watchNamespaces={" + watched.name() + "}", "image.digest=" + kDigest,
         "sandboxImage.digest=" + kDigest, "replicaCount=2", "metrics.serviceMonitor.enabled=false",
         "signing.existingSecret=keys"}}) {
    const std::string rendered = renderChart("dry", system.name(), sets);
    ASSERT_FALSE(rendered.empty());
    const CommandResult applied =
        cluster().kubectl({"apply", "--dry-run=server", "--validate=strict", "-f", "-"}, rendered);
    EXPECT_TRUE(applied.ok()) << describe(applied);
    EXPECT_TRUE(
        contains(applied.out, "deployment.apps/dry-plugin-sandbox created (server dry run)"))
        << applied.out;
  }
}

}  // namespace
}  // namespace ps::testing
