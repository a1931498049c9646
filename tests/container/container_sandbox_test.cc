// The container level run for real, under each engine: Podman (runc) with the image built by
// sandbox-image/build.sh, and a Docker daemon of the tests' own with that image docker-loaded.
#include "container/container_sandbox.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "container/engine_process.h"
#include "container_fixture.h"

namespace ps::container {
namespace {

using std::chrono::steady_clock;
using testing::PluginRun;
using testing::RunOptions;

class ContainerSandboxTest : public ::testing::TestWithParam<EngineKind> {
 protected:
  void SetUp() override { testing::requireEngine(GetParam()); }
  const ContainerSandbox& box() const {
    return testing::ImageEnvironment::get(GetParam()).sandbox();
  }
  bool docker() const { return GetParam() == EngineKind::kDocker; }
  PluginRun run(const std::string& source, const RunOptions& options = {}) {
    return testing::runInContainer(box(), source, options);
  }
  // Runs the engine directly on the image (for what ContainerSandbox does not expose).
  testing::PluginRun engine(std::vector<std::string> args) {
    std::vector<std::string> argv{box().engine().binary.string()};
    // The OCI runtime: a global flag of Podman's, a run flag of Docker's.
    if (!docker()) argv.insert(argv.end(), {"--runtime", "runc"});
    argv.push_back("run");
    if (docker()) argv.insert(argv.end(), {"--runtime", "runc"});
    argv.insert(argv.end(), {"--rm", "--network", "none", "--ulimit", "nofile=1024:1024",
                             "--ulimit", "nproc=1024:1024"});
    argv.insert(argv.end(), args.begin(), args.end());
    auto done = runQuiet(argv);
    testing::PluginRun run;
    run.result.exitCode = done ? done->exitCode : -1;
    run.out = done ? done->output : done.error().message;
    return run;
  }
  // Containers (and, under Docker, the anonymous volumes of the plugin and input) left behind.
  std::string leftBehind() const {
    const std::string engine = box().engine().binary.string();
    auto containers =
        runQuiet({engine, "ps", "--all", "--quiet", "--filter", "name=plugin-sandbox-"});
    std::string left = containers ? containers->output : containers.error().message;
    if (docker()) {
      auto volumes = runQuiet({engine, "volume", "ls", "--quiet"});
      left += volumes ? volumes->output : volumes.error().message;
    }
    return left;
  }
};

INSTANTIATE_TEST_SUITE_P(Engines, ContainerSandboxTest,
                         ::testing::ValuesIn(testing::kEnginesUnderTest), testing::engineTestName);

std::string describe(const PluginRun& run) {
  return "exit " + std::to_string(run.result.exitCode) + " (" +
         std::string(sandbox::outcomeName(run.result.outcome)) +
         ") setup: " + run.result.setupError + "\nstdout: " + run.out.substr(0, 2000) +
         "\nstderr: " + run.err.substr(0, 2000);
}

TEST_P(ContainerSandboxTest, RunsAPluginAsUid65532InTheSandboxRoot) {
  auto run = this->run(
      "import json, os, sys\n"
      "print(json.dumps({'uid': os.getuid(), 'gid': os.getgid(), 'cwd': os.getcwd(),"
      " 'args': sys.argv[1:], 'files': sorted(os.listdir('.'))}))\n",
      testing::withArgs({"--limit", "20"}));
  ASSERT_EQ(run.result.exitCode, 0) << describe(run);
  EXPECT_EQ(run.result.outcome, sandbox::SandboxOutcome::kExited);
  EXPECT_EQ(run.out,
            "{\"uid\": 65532, \"gid\": 65532, \"cwd\": \"/sandbox\", \"args\": [\"--limit\", "
            "\"20\"], \"files\": [\"manifest.json\", \"plugin.py\"]}\n");
  EXPECT_EQ(run.result.output.stdoutTail, run.out);
}

TEST_P(ContainerSandboxTest, ImageHasNoShellAndRunsAsNonRoot) {
  auto shell = engine({"--entrypoint", "/bin/sh", testing::kImage(), "-c", "true"});
  EXPECT_NE(shell.result.exitCode, 0) << shell.out;
  auto user = runQuiet({box().engine().binary.string(), "image", "inspect", "--format",
                        "{{.Config.User}}", box().config().image});
  ASSERT_TRUE(user);
  EXPECT_EQ(user->output, "65532:65532\n");
  auto look =
      run("import os\n"
          "for p in ['/bin/sh', '/bin/bash', '/usr/bin/apt', '/usr/bin/dpkg', '/usr/bin/env']:\n"
          "    print(p, os.path.exists(p))\n");
  EXPECT_EQ(look.out,
            "/bin/sh False\n/bin/bash False\n/usr/bin/apt False\n/usr/bin/dpkg False\n"
            "/usr/bin/env False\n")
      << describe(look);
}

TEST_P(ContainerSandboxTest, ResultReachesTheTerminationMessageFile) {
  auto dir = std::filesystem::temp_directory_path() / ("tm-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir / "plugin");
  std::ofstream(dir / "plugin" / "plugin.py") << "print('noise')\nprint('{\"todo\": 3}')\n";
  std::ofstream(dir / "termination-log") << "";
  std::filesystem::permissions(dir / "termination-log", std::filesystem::perms::all);
  std::filesystem::permissions(dir / "plugin", std::filesystem::perms::all);
  auto direct =
      engine({"--read-only", "--user", "65532:65532", "--cap-drop", "ALL", "--volume",
              (dir / "plugin").string() + ":/sandbox:ro", "--volume",
              (dir / "termination-log").string() + ":/dev/termination-log", testing::kImage()});
  EXPECT_EQ(direct.result.exitCode, 0) << direct.out;
  std::ifstream in(dir / "termination-log");
  std::stringstream message;
  message << in.rdbuf();
  EXPECT_EQ(message.str(), "noise\n{\"todo\": 3}\n");
  std::filesystem::remove_all(dir);
}

TEST_P(ContainerSandboxTest, ExitStatusAndSignalAreThePlugins) {
  EXPECT_EQ(run("import sys\nsys.exit(3)\n").result.exitCode, 3);
  auto killed = run("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n");
  EXPECT_EQ(killed.result.exitCode, 128 + 9) << describe(killed);
  EXPECT_EQ(killed.result.outcome, sandbox::SandboxOutcome::kSignaled);
}

TEST_P(ContainerSandboxTest, NoNetworkNotEvenTheHostsLoopback) {
  // A listener of ours on the host's loopback: the plugin must not reach it.
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(listen(listener, 1), 0);
  socklen_t size = sizeof address;
  getsockname(listener, reinterpret_cast<sockaddr*>(&address), &size);
  auto run = this->run(
      "import socket, sys\n"
      "print(sorted(l.split(':')[0].strip() for l in open('/proc/net/dev').readlines()[2:]))\n"
      "try:\n"
      "    socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=2)\n"
      "    print('connected')\n"
      "except OSError as e:\n"
      "    print('refused')\n",
      testing::withArgs({std::to_string(ntohs(address.sin_port))}));
  close(listener);
  EXPECT_EQ(run.out, "['lo']\nrefused\n") << describe(run);
}

TEST_P(ContainerSandboxTest, HostFilesAreInvisible) {
  auto run = this->run(
      "import os\n"
      "for p in ['/work', '/root', '/home', '/etc/shadow', '/var', "
      "'/usr/share', '/proc/1/environ']:\n"
      "    print(p, os.path.exists(p) and os.access(p, os.R_OK))\n"
      "print(sorted(os.listdir('/')))\n");
  EXPECT_EQ(run.out.substr(0, run.out.find('[')),
            "/work False\n/root False\n/home False\n/etc/shadow False\n"
            "/var False\n/usr/share False\n/proc/1/environ True\n")
      << describe(run);
  // Podman adds /run/.containerenv; Docker an empty /.dockerenv.
  EXPECT_EQ(run.out.substr(run.out.find('[')),
            docker() ? "['.dockerenv', 'dev', 'etc', 'input', 'lib', 'lib64', 'proc', 'sandbox', "
                       "'sys', 'tmp', 'usr']\n"
                     : "['dev', 'etc', 'input', 'lib', 'lib64', 'proc', 'run', 'sandbox', 'sys', "
                       "'tmp', 'usr']\n")
      << describe(run);
}

// Nothing of the host's name resolution: Podman (--network none, --no-hosts) writes neither
// file, Docker's own are covered by an empty file of ours.
TEST_P(ContainerSandboxTest, NoHostNameResolutionFiles) {
  auto run = this->run(
      "import os\n"
      "for p in ['/etc/resolv.conf', '/etc/hosts']:\n"
      "    print(p, repr(open(p).read()) if os.path.exists(p) else 'absent')\n");
  EXPECT_EQ(run.out, docker() ? "/etc/resolv.conf ''\n/etc/hosts ''\n"
                              : "/etc/resolv.conf absent\n/etc/hosts absent\n")
      << describe(run);
}

TEST_P(ContainerSandboxTest, WritesOnlyInTmp) {
  auto run = this->run(
      "import errno\n"
      "for p in ['/sandbox/x', '/x', '/usr/x', '/etc/passwd', '/dev/shm/x', '/run/x', '/tmp/x']:\n"
      "    try:\n"
      "        open(p, 'w').write('x')\n"
      "        print(p, 'written')\n"
      "    except OSError as e:\n"
      "        print(p, 'refused')\n");
  EXPECT_EQ(run.out,
            "/sandbox/x refused\n/x refused\n/usr/x refused\n/etc/passwd refused\n"
            "/dev/shm/x refused\n/run/x refused\n/tmp/x written\n")
      << describe(run);
}

sandbox::SandboxLimits roomForACopy() {
  auto limits = testing::smallLimits();
  limits.tmpBytes = 32ull << 20;  // room for a copy of the interpreter in /tmp
  limits.maxFileBytes = 32ull << 20;
  return limits;
}

TEST_P(ContainerSandboxTest, CannotExecOtherPrograms) {
  auto run = this->run(
      "import os, shutil, subprocess\n"
      "for cmd in [['/bin/sh', '-c', 'true'], ['/usr/bin/id']]:\n"
      "    try:\n"
      "        subprocess.run(cmd)\n"
      "        print('ran')\n"
      "    except OSError:\n"
      "        print('refused')\n"
      "shutil.copy('/usr/bin/python3.11', '/tmp/py')\n"
      "os.chmod('/tmp/py', 0o755)\n"
      "try:\n"
      "    subprocess.run(['/tmp/py', '-c', 'pass'])\n"
      "    print('ran copy')\n"
      "except OSError:\n"
      "    print('refused copy')\n",
      testing::withLimits(roomForACopy()));
  EXPECT_EQ(run.out, "refused\nrefused\nrefused copy\n") << describe(run);
}

TEST_P(ContainerSandboxTest, ForkBombIsContained) {
  auto limits = testing::smallLimits();
  limits.wallTime = std::chrono::seconds(4);
  auto start = steady_clock::now();
  auto run = this->run(
      "import os\n"
      "while True:\n"
      "    try:\n"
      "        os.fork()\n"
      "    except OSError:\n"
      "        pass\n",
      testing::withLimits(limits));
  EXPECT_EQ(run.result.exitCode, 124) << describe(run);
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(30));
}

TEST_P(ContainerSandboxTest, MemoryBombFails) {
  auto start = steady_clock::now();
  auto run = this->run("chunks = []\nwhile True:\n    chunks.append(bytearray(16 << 20))\n");
  EXPECT_NE(run.result.exitCode, 0) << describe(run);
  EXPECT_NE(run.result.exitCode, 124) << "stopped by the memory limit, not the clock";
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(30));
}

TEST_P(ContainerSandboxTest, CpuLoopTimesOutWith124) {
  auto limits = testing::smallLimits();
  limits.cpuTime = std::chrono::seconds(2);
  limits.wallTime = std::chrono::seconds(20);
  auto start = steady_clock::now();
  auto busy = run("while True:\n    pass\n", testing::withLimits(limits));
  EXPECT_EQ(busy.result.exitCode, 124) << describe(busy);
  EXPECT_EQ(busy.result.outcome, sandbox::SandboxOutcome::kTimedOut);
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(15));

  limits.wallTime = std::chrono::seconds(2);
  auto sleeper = run("import time\ntime.sleep(600)\n", testing::withLimits(limits));
  EXPECT_EQ(sleeper.result.exitCode, 124) << describe(sleeper);
}

TEST_P(ContainerSandboxTest, OutputFloodIsCutAndTheTailKept) {
  auto limits = testing::smallLimits();
  limits.outputBytes = 256 << 10;
  auto run = this->run(
      "import sys\n"
      "for _ in range(64):\n"
      "    sys.stdout.write('x' * (1 << 20))\n"
      "print('\\nEND')\n",
      testing::withLimits(limits));
  EXPECT_EQ(run.result.exitCode, 0) << describe(run);
  EXPECT_LE(run.out.size(), limits.outputBytes);
  EXPECT_NE(run.err.find("[output truncated after"), std::string::npos);
  EXPECT_TRUE(run.result.output.tailCut);
  EXPECT_EQ(run.result.output.stdoutTail.substr(run.result.output.stdoutTail.size() - 4), "END\n");
}

TEST_P(ContainerSandboxTest, TmpIsSizeLimited) {
  auto run = this->run(
      "import errno\n"
      "try:\n"
      "    with open('/tmp/fill', 'wb') as f:\n"
      "        for _ in range(64):\n"
      "            f.write(b'x' * (1 << 20))\n"
      "            f.flush()\n"
      "    print('filled')\n"
      "except OSError as e:\n"
      "    print('full', errno.errorcode[e.errno])\n");
  EXPECT_EQ(run.out, "full ENOSPC\n") << describe(run);
}

TEST_P(ContainerSandboxTest, OrphansDieWithTheRun) {
  auto start = steady_clock::now();
  auto run = this->run(
      "import os, time\n"
      "if os.fork() == 0:\n"
      "    os.setsid()\n"
      "    if os.fork() == 0:\n"
      "        time.sleep(600)\n"
      "    os._exit(0)\n"
      "print('parent done')\n");
  EXPECT_EQ(run.result.exitCode, 0) << describe(run);
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(8)) << "the daemon kept the run alive";
  EXPECT_EQ(leftBehind(), "") << "containers or volumes left behind";
}

TEST_P(ContainerSandboxTest, InputIsReadOnlyAndOnlyThereWhenGiven) {
  auto input = std::filesystem::temp_directory_path() / ("input-" + std::to_string(getpid()));
  std::filesystem::create_directories(input);
  std::ofstream(input / "a.txt") << "TODO one\n";
  std::filesystem::permissions(input, std::filesystem::perms::all);
  std::filesystem::permissions(
      input / "a.txt", std::filesystem::perms::owner_all | std::filesystem::perms::others_read);
  const char* source =
      "import os\n"
      "print(sorted(os.listdir('/input')))\n"
      "try:\n"
      "    open('/input/b.txt', 'w')\n"
      "    print('written')\n"
      "except OSError:\n"
      "    print('refused')\n";
  auto with = run(source, testing::withInput(input));
  EXPECT_EQ(with.out, "['a.txt']\nrefused\n") << describe(with);
  auto without = run(source);
  EXPECT_EQ(without.out, "[]\nrefused\n") << describe(without);
  std::filesystem::remove_all(input);
}

TEST_P(ContainerSandboxTest, InterruptKillsTheContainer) {
  int wake[2];
  ASSERT_EQ(pipe2(wake, O_CLOEXEC), 0);
  std::thread interrupter([&wake] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    (void)!write(wake[1], "x", 1);
  });
  RunOptions options;
  options.wakeFd = wake[0];
  auto start = steady_clock::now();
  auto run = this->run("import time\nprint('waiting', flush=True)\ntime.sleep(600)\n", options);
  interrupter.join();
  close(wake[0]);
  close(wake[1]);
  EXPECT_EQ(run.result.outcome, sandbox::SandboxOutcome::kInterrupted) << describe(run);
  EXPECT_EQ(run.result.exitCode, 128 + SIGINT);
  EXPECT_EQ(run.out, "waiting\n");
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_EQ(leftBehind(), "") << "the interrupted container (or its volumes) is still there";
}

class ContainerSandboxSetupTest : public ::testing::TestWithParam<EngineKind> {
 protected:
  void SetUp() override { testing::requireEngine(GetParam()); }
};

INSTANTIATE_TEST_SUITE_P(Engines, ContainerSandboxSetupTest,
                         ::testing::ValuesIn(testing::kEnginesUnderTest), testing::engineTestName);

TEST_P(ContainerSandboxSetupTest, MissingImageIsASetupErrorNamingTheFix) {
  ContainerConfig config;
  config.engine = GetParam();
  config.image = "localhost/plugin-sandbox/no-such-image:never";
  auto sandbox = ContainerSandbox::create(config);
  ASSERT_FALSE(sandbox);
  const char* fix = GetParam() == EngineKind::kDocker ? "docker load -i build/images/sandbox.tar"
                                                      : "make sandbox-image";
  EXPECT_NE(sandbox.error().message.find(fix), std::string::npos) << sandbox.error().message;
}

// A Docker client whose daemon does not answer is told apart from a missing image.
TEST(DockerSetupTest, DaemonNotAnsweringSaysSo) {
  testing::requireEngine(EngineKind::kDocker);
  if (::testing::Test::HasFatalFailure()) return;
  const std::string saved = std::getenv("DOCKER_HOST");
  setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock", 1);
  ContainerConfig config;
  config.engine = EngineKind::kDocker;
  auto sandbox = ContainerSandbox::create(config);
  setenv("DOCKER_HOST", saved.c_str(), 1);
  ASSERT_FALSE(sandbox);
  EXPECT_NE(sandbox.error().message.find("the docker daemon does not answer"), std::string::npos)
      << sandbox.error().message;
}

}  // namespace
}  // namespace ps::container
