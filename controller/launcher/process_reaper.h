#pragma once

#include <sys/types.h>

namespace ps::launcher {

// Makes this process the reaper of its orphaned descendants (PR_SET_CHILD_SUBREAPER), so a plugin
// that daemonises a grandchild cannot leave it running after the launcher exits.
bool becomeSubreaper() noexcept;

// Kills `group` and then every remaining child of this process (including orphans re-parented
// here), and reaps them, until none is left. As PID 1 of a container this is everything else in
// its PID namespace.
void killAndReapAll(pid_t group);

}  // namespace ps::launcher
