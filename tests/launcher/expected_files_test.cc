#include "launcher/expected_files.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ps::launcher {
namespace {

const std::string kDigest = "sha256:" + std::string(64, 'a');

std::string refusal(const std::vector<std::string>& values) {
  auto parsed = parseExpectedFiles(values);
  EXPECT_FALSE(parsed.ok());
  if (parsed.ok()) return "";
  EXPECT_EQ(parsed.rejection().rule, "expect");
  return parsed.rejection().message;
}

TEST(ExpectedFilesTest, ParsesNameDigestPairs) {
  auto parsed = parseExpectedFiles({"plugin.py=" + kDigest, "manifest.json=" + kDigest});
  ASSERT_TRUE(parsed.ok()) << parsed.rejection().line();
  EXPECT_EQ(*parsed, (ExpectedFiles{{"manifest.json", kDigest}, {"plugin.py", kDigest}}));
  EXPECT_TRUE(parseExpectedFiles({})->empty());
}

TEST(ExpectedFilesTest, RefusesValuesWithoutADigest) {
  EXPECT_NE(refusal({"plugin.py"}).find("want NAME=sha256:HEX"), std::string::npos);
}

TEST(ExpectedFilesTest, RefusesNamesThatAreNotPlainFileNames) {
  for (const std::string& name :
       std::vector<std::string>{"", "../plugin.py", "lib/x.py", "/etc/passwd", ".hidden", "..data",
                                "a b.py", std::string(300, 'a')}) {
    EXPECT_NE(refusal({name + "=" + kDigest}).find("plain file name"), std::string::npos) << name;
  }
}

TEST(ExpectedFilesTest, RefusesMalformedDigests) {
  for (const std::string& digest : std::vector<std::string>{
           "", "sha256:", "sha256:" + std::string(63, 'a'), "sha256:" + std::string(65, 'a'),
           "SHA256:" + std::string(64, 'a'), "sha256:" + std::string(64, 'A'),
           "md5:" + std::string(64, 'a'), "sha256:" + std::string(63, 'a') + "g"}) {
    EXPECT_NE(refusal({"plugin.py=" + digest}).find("64 lowercase hex"), std::string::npos)
        << digest;
  }
}

TEST(ExpectedFilesTest, RefusesANameGivenTwice) {
  EXPECT_NE(refusal({"plugin.py=" + kDigest, "plugin.py=" + kDigest}).find("named twice"),
            std::string::npos);
}

TEST(ExpectedFilesTest, ShowsAHostileValueOnOneLine) {
  const std::string why = refusal({"evil\nname"});
  EXPECT_EQ(why.find('\n'), std::string::npos) << why;
}

}  // namespace
}  // namespace ps::launcher
