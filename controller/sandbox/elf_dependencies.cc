#include "sandbox/elf_dependencies.h"

#include <elf.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <set>

namespace ps::sandbox {
namespace {

class FileReader {
 public:
  explicit FileReader(const std::filesystem::path& file)
      : fd_(open(file.c_str(), O_RDONLY | O_CLOEXEC)) {}
  ~FileReader() {
    if (fd_ >= 0) close(fd_);
  }
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;
  bool isOpen() const { return fd_ >= 0; }
  bool readAt(uint64_t offset, void* out, std::size_t size) const {
    return pread(fd_, out, size, static_cast<off_t>(offset)) == static_cast<ssize_t>(size);
  }
  std::string stringAt(uint64_t offset) const {
    char buffer[256] = {};
    ssize_t n = pread(fd_, buffer, sizeof buffer - 1, static_cast<off_t>(offset));
    return n > 0 ? std::string(buffer, strnlen(buffer, static_cast<std::size_t>(n))) : "";
  }

 private:
  int fd_;
};

// Maps a virtual address to a file offset through the PT_LOAD segments.
bool fileOffset(const std::vector<Elf64_Phdr>& phdrs, uint64_t vaddr, uint64_t& offset) {
  for (const auto& ph : phdrs) {
    if (ph.p_type == PT_LOAD && vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_filesz) {
      offset = vaddr - ph.p_vaddr + ph.p_offset;
      return true;
    }
  }
  return false;
}

SetupResult<ElfLinkInfo> readDynamic(const FileReader& file, const std::vector<Elf64_Phdr>& phdrs,
                                     const Elf64_Phdr& dynamic, ElfLinkInfo info) {
  std::vector<Elf64_Dyn> entries(dynamic.p_filesz / sizeof(Elf64_Dyn));
  if (!file.readAt(dynamic.p_offset, entries.data(), entries.size() * sizeof(Elf64_Dyn))) {
    return SetupError{"cannot read the dynamic section"};
  }
  uint64_t strtab = 0;
  std::vector<uint64_t> neededOffsets;
  for (const auto& entry : entries) {
    if (entry.d_tag == DT_NULL) break;
    if (entry.d_tag == DT_STRTAB) strtab = entry.d_un.d_ptr;
    if (entry.d_tag == DT_NEEDED) neededOffsets.push_back(entry.d_un.d_val);
  }
  uint64_t strtabOffset = 0;
  if (!neededOffsets.empty() && !fileOffset(phdrs, strtab, strtabOffset)) {
    return SetupError{"the string table is outside every loaded segment"};
  }
  for (uint64_t offset : neededOffsets) info.needed.push_back(file.stringAt(strtabOffset + offset));
  return info;
}

}  // namespace

SetupResult<ElfLinkInfo> readElfLinkInfo(const std::filesystem::path& path) {
  FileReader file(path);
  if (!file.isOpen()) return SetupError{describeErrno(path.string(), errno)};
  Elf64_Ehdr header{};
  if (!file.readAt(0, &header, sizeof header) ||
      std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 || header.e_ident[EI_CLASS] != ELFCLASS64 ||
      header.e_phentsize != sizeof(Elf64_Phdr)) {
    return SetupError{path.string() + ": not a 64-bit ELF file"};
  }
  std::vector<Elf64_Phdr> phdrs(header.e_phnum);
  if (!file.readAt(header.e_phoff, phdrs.data(), phdrs.size() * sizeof(Elf64_Phdr))) {
    return SetupError{path.string() + ": cannot read the program headers"};
  }
  ElfLinkInfo info;
  const Elf64_Phdr* dynamic = nullptr;
  for (const auto& ph : phdrs) {
    if (ph.p_type == PT_INTERP) info.interpreter = file.stringAt(ph.p_offset);
    if (ph.p_type == PT_DYNAMIC) dynamic = &ph;
  }
  if (dynamic == nullptr) return info;  // static
  auto result = readDynamic(file, phdrs, *dynamic, std::move(info));
  if (!result) return SetupError{path.string() + ": " + result.error().message};
  return result;
}

std::vector<std::filesystem::path> defaultLibraryDirs() {
  return {"/lib/x86_64-linux-gnu",
          "/usr/lib/x86_64-linux-gnu",
          "/lib64",
          "/usr/lib64",
          "/lib",
          "/usr/lib"};
}

SetupResult<std::vector<std::filesystem::path>> resolveSharedLibraries(
    const std::vector<std::filesystem::path>& elfFiles,
    const std::vector<std::filesystem::path>& searchDirs) {
  std::vector<std::filesystem::path> out;
  std::set<std::string> seenNames;
  std::deque<std::filesystem::path> pending(elfFiles.begin(), elfFiles.end());
  while (!pending.empty()) {
    auto info = readElfLinkInfo(pending.front());
    pending.pop_front();
    if (!info) return info.error();
    if (!info->interpreter.empty() && seenNames.insert(info->interpreter).second) {
      out.emplace_back(info->interpreter);
    }
    for (const auto& soname : info->needed) {
      if (!seenNames.insert(soname).second) continue;
      if (soname.empty() || soname.find('/') != std::string::npos || soname[0] == '.') {
        return SetupError{"unexpected DT_NEEDED entry \"" + soname + "\""};
      }
      std::error_code ec;
      auto dir = std::find_if(searchDirs.begin(), searchDirs.end(), [&](const auto& d) {
        return std::filesystem::is_regular_file(d / soname, ec);
      });
      if (dir == searchDirs.end()) return SetupError{"shared library " + soname + " not found"};
      out.push_back(*dir / soname);
      pending.push_back(*dir / soname);
    }
  }
  return out;
}

}  // namespace ps::sandbox
