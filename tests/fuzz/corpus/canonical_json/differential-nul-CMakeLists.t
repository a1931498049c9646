cmake_minimum_required(VERSION 3.25)
project(plugin_sandbox VERSION 0.1.0 LANGUAGES CXX)

set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)
set(CMAKE_RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)

option(PS_SANITIZE "Build with AddressSanitizer and UBSan" OFF)
option(PS_UNIT_ONLY "Build only pure unit tests (no integration, benchmarks)" OFF)
option(PS_FUZZ "Build libFuzzer targets (needs clang)" OFF)

if(PS_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()

# Warnings as errors for our own code only (third-party headers come in as SYSTEM).
function(ps_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                           -Wconversion -Wno-sign-conversion -Werror)
endfunction()

find_package(Threads REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(GTest REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(SECCOMP REQUIRED IMPORTED_TARGET libseccomp)
find_package(CLI11 CONFIG REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS system)
find_package(cpprestsdk CONFIG REQUIRED)
find_package(prometheus-cpp CONFIG REQUIRED COMPONENTS core)
if(NOT PS_UNIT_ONLY)
  find_package(benchmark CONFIG REQUIRED)
endif()

# valijson is header-only; without exceptions a schema problem calls abort().
add_library(valijson INTERFACE)
target_compile_definitions(valijson INTERFACE VALIJSON_USE_EXCEPTIONS=1)

include(CTest)
include(GoogleTest)

# Components, in dependency order: cmd -> manager -> {executor_local -> executor, trust} ->
# reconcile -> api -> {kube, core}; executor_local -> sandbox; {container, launcher} -> sandbox -> core.
foreach(component core sandbox container launcher kube observe api reconcile executor
                  executor_local trust manager cli cmd)
  add_subdirectory(controller/${component})
endforeach()

if(BUILD_TESTING)
  foreach(suite core sandbox container launcher kube observe api reconcile executor executor_local
                trust manager cli cmd)
    if(EXISTS ${CMAKE_SOURCE_DIR}/tests/${suite}/CMakeLists.txt)
      add_subdirectory(tests/${suite})
    endif()
  endforeach()
  if(NOT PS_UNIT_ONLY)
    add_subdirectory(tests/integration)
    add_subdirectory(tests/bench)
  endif()
endif()

# Fuzz targets: libFuzzer binaries with PS_FUZZ, otherwise their corpus replays as unit tests.
if(PS_FUZZ OR BUILD_TESTING)
  add_subdirectory(tests/fuzz)
endif()
