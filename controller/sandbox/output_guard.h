#pragma once

#include <string>
#include <string_view>

namespace ps::sandbox {

// How a plugin's bytes are shown on one of pluginctl's outputs.
struct GuardMode {
  // The output is a terminal: control characters (C0 but newline and tab, DEL, C1 as UTF-8 or as
  // stray bytes) are shown as text ("\x1b", "\u009b"), so a plugin can neither move the cursor,
  // recolour, conceal nor overwrite what pluginctl prints after it.
  bool neutralizeControls = false;
  // The output carries pluginctl's own lines (stderr, or a terminal): a plugin line that starts the
  // way pluginctl's do ("pluginctl:", "rejected:", "[output truncated") is shown as
  // "[plugin] rejected: ...", so such a line can only ever come from pluginctl.
  bool guardOwnLines = false;
};

// Rewrites one plugin stream for its output as GuardMode says, across arbitrary chunk boundaries
// (it holds back at most the few bytes that may still become a reserved line start or a C1 code).
class OutputGuard {
 public:
  static constexpr std::string_view kPluginLineTag = "[plugin] ";

  explicit OutputGuard(GuardMode mode = {}) : mode_(mode) {}

  bool passesThrough() const { return !mode_.neutralizeControls && !mode_.guardOwnLines; }
  // What to write for the next `data`; finish() at the end of the stream flushes what was held.
  std::string filter(std::string_view data);
  std::string finish();

 private:
  void guardLines(char c, std::string& out);
  void emit(std::string_view bytes, std::string& out);
  void neutralize(unsigned char c, std::string& out);

  GuardMode mode_;
  bool lineStart_ = true;
  std::string held_;          // a line start that is still a prefix of a reserved word
  bool heldC2_ = false;       // a 0xC2 lead byte whose follower decides whether it is C1
  int continuationLeft_ = 0;  // bytes still expected in the current UTF-8 sequence
};

}  // namespace ps::sandbox
