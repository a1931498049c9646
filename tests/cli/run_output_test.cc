// Issue 13 item 11: a plugin's output cannot pass for pluginctl's own lines, and a terminal gets
// none of its control sequences. Checked on files and on a pseudo-terminal, root and unprivileged.
#include <poll.h>
#include <pty.h>

#include "pluginctl_process.h"

namespace ps::cli::testing {
namespace {

// Prints what a real rejection prints, a fake verdict, and escape sequences, then exits 125.
const char* const kLiar =
    "import sys, time\n"
    "print('rejected: policy: plugin \"probe\" requests \"network\", policy grants []')\n"
    "sys.stdout.flush()\n"
    "sys.stderr.write('rejected: policy: plugin \"probe\" is not listed in the policy\\n')\n"
    "sys.stderr.write('pluginctl: probe 1.0.0: succeeded, exit 0 after 1 ms, unsigned\\n')\n"
    "sys.stderr.flush()\n"
    "time.sleep(0.3)  # the order on a shared terminal is then the order written\n"
    "sys.stdout.write('\\x1b[2J\\x1b]0;owned\\x07\\r\\x1b[8mhidden \\u009b31m')\n"
    "sys.stdout.flush()\n"
    "sys.stdout.buffer.write(b'\\x9b31m no newline at the end')\n"
    "sys.exit(125)\n";

// Lines of `text` (a trailing piece without newline counts as a line).
std::vector<std::string> linesOf(const std::string& text) {
  std::vector<std::string> lines;
  std::string line;
  for (char c : text) {
    if (c == '\n') {
      lines.push_back(line);
      line.clear();
    } else {
      line.push_back(c);
    }
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

struct PtyRun {
  int exitCode = -1;
  std::string screen;  // everything the terminal received, "\r\n" turned back into "\n"
};

// Runs `command` with stdout and stderr on one pseudo-terminal, as a person at a terminal would.
PtyRun runOnPty(const std::string& command) {
  PtyRun run;
  int master = -1;
  pid_t child = forkpty(&master, nullptr, nullptr, nullptr);
  if (child == 0) {
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  if (child < 0) return run;
  std::string raw;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  char buffer[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd poll_fd{master, POLLIN, 0};
    if (poll(&poll_fd, 1, 1000) <= 0) continue;
    ssize_t n = read(master, buffer, sizeof buffer);
    if (n <= 0) break;  // EIO once the last writer closed the terminal
    raw.append(buffer, static_cast<size_t>(n));
  }
  close(master);
  int status = 0;
  waitpid(child, &status, 0);
  run.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n') continue;
    run.screen.push_back(raw[i]);
  }
  return run;
}

class RunOutputTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    unprivileged_ = GetParam();
    if (unprivileged_ && geteuid() != 0) GTEST_SKIP() << "not root: the default case is this one";
    plugin_ = writePlugin(scratch_ / "liar", kLiar);
  }
  std::string pluginctl(const std::string& arguments) const {
    return "env -u PLUGIN_POLICY_FILE -u PLUGIN_SIGNING_KEY " + asUser(unprivileged_) +
           quote(PLUGINCTL_PATH) + " " + arguments;
  }
  std::string runLiar() const { return pluginctl("run " + plugin_.string() + " --timeout 30"); }

  bool unprivileged_ = false;
  ScratchDir scratch_;
  fs::path plugin_;
};

// pluginctl's own lines are the only ones on stderr that start with "rejected:" or "pluginctl:";
// its verdict is the last line, on a line of its own.
void expectOnlyPluginctlsLinesLookLikeIt(const std::vector<std::string>& lines) {
  ASSERT_FALSE(lines.empty());
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    const std::string& line = lines[i];
    EXPECT_NE(line.rfind("rejected:", 0), 0u) << line;
    if (line.rfind("pluginctl:", 0) == 0) {
      EXPECT_NE(line.find("WARNING: no policy configured"), std::string::npos) << line;
    }
  }
  EXPECT_EQ(lines.back().rfind("pluginctl: probe 1.0.0: exited, exit 125 after ", 0), 0u)
      << lines.back();
}

TEST_P(RunOutputTest, OnFilesThePluginsLinesAreTaggedAndStdoutStaysItsOwn) {
  const int status = shell(runLiar() + " >" + quote((scratch_ / "out").string()) + " 2>" +
                           quote((scratch_ / "err").string()));
  EXPECT_EQ(status, 125) << "the plugin's own status";
  const std::string out = slurp(scratch_ / "out");
  const std::string err = slurp(scratch_ / "err");
  // stdout to a file is the plugin's data: byte for byte.
  EXPECT_EQ(out,
            "rejected: policy: plugin \"probe\" requests \"network\", policy grants []\n"
            "\x1b[2J\x1b]0;owned\x07\r\x1b[8mhidden \xc2\x9b"
            "31m\x9b"
            "31m no newline at the end");
  const auto lines = linesOf(err);
  expectOnlyPluginctlsLinesLookLikeIt(lines);
  EXPECT_NE(err.find("\n[plugin] rejected: policy: plugin \"probe\" is not listed in the policy\n"
                     "[plugin] pluginctl: probe 1.0.0: succeeded, exit 0 after 1 ms, unsigned\n"),
            std::string::npos)
      << err;
}

TEST_P(RunOutputTest, StdoutMergedIntoStderrIsGuardedToo) {
  const int status = shell(runLiar() + " >" + quote((scratch_ / "both").string()) + " 2>&1");
  EXPECT_EQ(status, 125);
  const std::string both = slurp(scratch_ / "both");
  expectOnlyPluginctlsLinesLookLikeIt(linesOf(both));
  EXPECT_NE(both.find("[plugin] rejected: policy: plugin \"probe\" requests \"network\""),
            std::string::npos)
      << both;
}

TEST_P(RunOutputTest, OnATerminalNoControlSequencePassesAndTheVerdictStandsAlone) {
  const PtyRun run = runOnPty(runLiar());
  EXPECT_EQ(run.exitCode, 125);
  const std::string& screen = run.screen;
  EXPECT_EQ(screen.find('\x1b'), std::string::npos) << screen;
  EXPECT_EQ(screen.find('\x07'), std::string::npos) << screen;
  EXPECT_EQ(screen.find('\r'), std::string::npos) << screen;
  EXPECT_EQ(screen.find("\xc2\x9b"), std::string::npos) << screen;
  EXPECT_EQ(screen.find('\x9b'), std::string::npos) << screen;
  EXPECT_NE(
      screen.find("\\x1b[2J\\x1b]0;owned\\x07\\x0d\\x1b[8mhidden \\u009b31m\\x9b31m no newline "
                  "at the end"),
      std::string::npos)
      << screen;
  expectOnlyPluginctlsLinesLookLikeIt(linesOf(screen));
  EXPECT_NE(screen.find("[plugin] rejected: policy: plugin \"probe\" requests \"network\""),
            std::string::npos)
      << screen;
}

TEST_P(RunOutputTest, ARealRejectionIsStillOneLineNamingTheRule) {
  const fs::path policy = scratch_ / "policy.json";
  spit(policy, R"({"plugins":{"other":{"permissions":[]}}})");
  ::chmod(policy.c_str(), 0644);
  const PtyRun run =
      runOnPty(pluginctl("run " + plugin_.string() + " --policy " + policy.string()));
  EXPECT_EQ(run.exitCode, 125);
  EXPECT_EQ(run.screen, "rejected: policy: plugin \"probe\" is not listed in the policy\n");
}

INSTANTIATE_TEST_SUITE_P(RootAndUnprivileged, RunOutputTest, ::testing::Values(false, true),
                         [](const auto& param) { return param.param ? "Unprivileged" : "Root"; });

}  // namespace
}  // namespace ps::cli::testing
