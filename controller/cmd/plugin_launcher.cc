// The sandbox image's entrypoint: see controller/launcher/launcher_command.h.
#include <string>
#include <vector>

#include "launcher/launcher_command.h"

int main(int argc, char** argv) {
  return ps::launcher::runLauncher(std::vector<std::string>(argv, argv + argc));
}
