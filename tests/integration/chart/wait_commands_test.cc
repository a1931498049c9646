// The README's (and NOTES') ways of waiting for a run, against PluginRuns whose status this test
// writes the way the controller does: success ends `--for=condition=Succeeded`; failure ends the
// Stalled and jsonpath waits, while a Succeeded wait on a failed run only times out.
#include <gtest/gtest.h>

#include "chart_fixture.h"

namespace ps::testing {
namespace {

std::string condition(const std::string& type, const std::string& status,
                      const std::string& reason) {
  return R"({"type":")" + type + R"(","status":")" + status +
         R"(","lastTransitionTime":"2026-01-01T00:00:00Z","reason":")" + reason +
         R"(","message":"set by the test"})";
}

class WaitCommands : public ::testing::Test {
 protected:
  void SetUp() override {
    ns_ = std::make_unique<TestNamespace>(cluster().uniqueNamespace("wait"));
  }

  // Creates PluginRun `name`, then PUTs its status with `conditions` (a JSON array body).
  void runWithConditions(const std::string& name, const std::string& conditions) {
    const CommandResult created =
        kubectl({"create", "-f", "-"},
                "apiVersion: sandbox.plugins.dev/v1alpha1\nkind: PluginRun\n"
                "metadata: {name: " +
                    name + "}\nspec: {plugin: {configMap: techdebt}}\n");
    ASSERT_TRUE(created.ok()) << describe(created);
    const CommandResult current = kubectl({"get", "pluginrun", name, "-o", "json"});
    ASSERT_TRUE(current.ok()) << describe(current);
    std::string object = current.out;
    object.insert(object.rfind('}'),
                  R"(, "status": {"observedGeneration": 1, "conditions": )" + conditions + "}");
    const CommandResult put =
        cluster().kubectl({"replace", "--raw",
                           "/apis/sandbox.plugins.dev/v1alpha1/namespaces/" + ns_->name() +
                               "/pluginruns/" + name + "/status",
                           "-f", "-"},
                          object);
    ASSERT_TRUE(put.ok()) << describe(put);
  }

  CommandResult kubectl(std::vector<std::string> args, const std::string& stdinText = "") {
    args.insert(args.begin(), {"-n", ns_->name()});
    return cluster().kubectl(args, stdinText);
  }

  CommandResult wait(const std::string& name, const std::string& forWhat,
                     const std::string& timeout) {
    return kubectl({"wait", "pluginrun/" + name, "--for=" + forWhat, "--timeout=" + timeout});
  }

  std::unique_ptr<TestNamespace> ns_;
};

const std::string kFailedJsonpath =
    R"(jsonpath={.status.conditions[?(@.type=="Succeeded")].status}=False)";

TEST_F(WaitCommands, SucceededRunEndsTheSucceededWait) {
  runWithConditions("ok", "[" + condition("Succeeded", "True", "Succeeded") + "," +
                              condition("Ready", "True", "Succeeded") + "," +
                              condition("Reconciling", "False", "Succeeded") + "," +
                              condition("Stalled", "False", "Succeeded") + "]");
  const CommandResult succeeded = wait("ok", "condition=Succeeded", "30s");
  EXPECT_TRUE(succeeded.ok()) << describe(succeeded);
  EXPECT_FALSE(wait("ok", "condition=Stalled", "1s").ok());
}

TEST_F(WaitCommands, FailedRunEndsTheStalledAndJsonpathWaitsButNotTheSucceededOne) {
  runWithConditions("bad", "[" + condition("Succeeded", "False", "Rejected") + "," +
                               condition("Ready", "False", "Rejected") + "," +
                               condition("Reconciling", "False", "Rejected") + "," +
                               condition("Stalled", "True", "Rejected") + "]");
  const CommandResult stalled = wait("bad", "condition=Stalled", "30s");
  EXPECT_TRUE(stalled.ok()) << describe(stalled);
  const CommandResult failed = wait("bad", kFailedJsonpath, "30s");
  EXPECT_TRUE(failed.ok()) << describe(failed);
  const CommandResult succeeded = wait("bad", "condition=Succeeded", "2s");
  EXPECT_FALSE(succeeded.ok()) << "a failed run satisfied --for=condition=Succeeded";
  EXPECT_NE(succeeded.err.find("timed out"), std::string::npos) << succeeded.err;
}

}  // namespace
}  // namespace ps::testing
