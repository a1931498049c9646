#include "kube/bearer_token.h"

#include <fstream>
#include <sstream>

namespace ps::kube {

BearerTokenSource::BearerTokenSource(std::string fixedToken, std::filesystem::path tokenFile,
                                     const Clock& clock, Clock::Duration refreshEvery)
    : fixedToken_(std::move(fixedToken)),
      tokenFile_(std::move(tokenFile)),
      clock_(clock),
      refreshEvery_(refreshEvery) {}

std::string BearerTokenSource::current() {
  if (tokenFile_.empty()) return fixedToken_;
  MutexLock lock(mutex_);
  const auto now = clock_.now();
  if (loaded_ && now - lastRead_ < refreshEvery_) return cached_.empty() ? fixedToken_ : cached_;
  return readLocked();
}

std::string BearerTokenSource::reread() {
  if (tokenFile_.empty()) return fixedToken_;
  MutexLock lock(mutex_);
  return readLocked();
}

std::string BearerTokenSource::readLocked() {
  lastRead_ = clock_.now();
  std::ifstream in(tokenFile_);
  if (in) {
    std::ostringstream text;
    text << in.rdbuf();
    std::string token = text.str();
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' '))
      token.pop_back();
    cached_ = std::move(token);
    loaded_ = true;
  }
  return cached_.empty() ? fixedToken_ : cached_;
}

}  // namespace ps::kube
