// Issue 13 item 11: what a plugin prints cannot pass for pluginctl's own lines, and a terminal
// gets no control sequence from it.
#include "sandbox/output_guard.h"

#include <gtest/gtest.h>

namespace ps::sandbox {
namespace {

std::string through(GuardMode mode, const std::string& bytes, std::size_t chunk = 1 << 20) {
  OutputGuard guard(mode);
  std::string out;
  for (std::size_t at = 0; at < bytes.size(); at += chunk) {
    out += guard.filter(std::string_view(bytes).substr(at, chunk));
  }
  return out + guard.finish();
}

constexpr GuardMode kStderrFile{false, true};
constexpr GuardMode kTerminal{true, true};

TEST(OutputGuard, PassesEverythingThroughWhenNotAsked) {
  const std::string bytes = "rejected: policy: x\n\x1b[2J\r\xc2\x9b\x9b\x00 end";
  EXPECT_EQ(through({}, bytes), bytes);
}

TEST(OutputGuard, TagsPluginLinesThatStartLikePluginctls) {
  const std::string bytes =
      "rejected: policy: plugin \"x\" requests \"network\"\n"
      "pluginctl: x 1.0.0: succeeded, exit 0\n"
      "[output truncated after 5 bytes]\n"
      "a line saying rejected: in the middle\n"
      "rejecte\n"
      "pluginctl without colon\n"
      "rejected:";
  const std::string expected =
      "[plugin] rejected: policy: plugin \"x\" requests \"network\"\n"
      "[plugin] pluginctl: x 1.0.0: succeeded, exit 0\n"
      "[plugin] [output truncated after 5 bytes]\n"
      "a line saying rejected: in the middle\n"
      "rejecte\n"
      "pluginctl without colon\n"
      "[plugin] rejected:";
  for (std::size_t chunk : {std::size_t{1}, std::size_t{3}, std::size_t{7}, std::size_t{1} << 20}) {
    EXPECT_EQ(through(kStderrFile, bytes, chunk), expected) << "chunk " << chunk;
  }
  EXPECT_EQ(through(kStderrFile, "rej"), "rej") << "a held line start is flushed at the end";
}

TEST(OutputGuard, NeutralizesControlSequencesOnATerminal) {
  const std::string bytes =
      "\x1b[2J\x1b]0;title\x07 bell \r overwrite \x7f del\tTab\n"
      "C1 as UTF-8: \xc2\x9b"
      "31m, stray byte: \x9b"
      "31m, fine: \xc2\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\n";
  const std::string expected =
      "\\x1b[2J\\x1b]0;title\\x07 bell \\x0d overwrite \\x7f del\tTab\n"
      "C1 as UTF-8: \\u009b31m, stray byte: \\x9b31m, fine: \xc2\xa9 \xe2\x82\xac "
      "\xf0\x9f\x98\x80\n";
  for (std::size_t chunk : {std::size_t{1}, std::size_t{2}, std::size_t{5}, std::size_t{1} << 20}) {
    EXPECT_EQ(through({true, false}, bytes, chunk), expected) << "chunk " << chunk;
  }
  EXPECT_EQ(through({true, false}, "end \xc2"), "end \\xc2");
}

TEST(OutputGuard, AControlSequenceCannotHideAReservedLineStart) {
  // On a terminal "\r" would return to the line start and print over it; shown as text it cannot.
  EXPECT_EQ(through(kTerminal, "x\rrejected: policy: y\n"), "x\\x0drejected: policy: y\n");
  EXPECT_EQ(through(kTerminal, "rejected: \x1b[8m\n"), "[plugin] rejected: \\x1b[8m\n");
}

}  // namespace
}  // namespace ps::sandbox
