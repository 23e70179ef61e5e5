#include "collector/exporters/file/file_exporter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <thread>
#include <fstream>

#include "collector/test_util.h"
#include "common/gzip.h"

namespace adot::collector {
namespace {

using namespace std::chrono_literals;
using namespace testing;
namespace fs = std::filesystem;

class FileExporterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char d[] = "/tmp/adot-file-exporter-XXXXXX";
    dir_ = mkdtemp(d);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::shared_ptr<Exporter> Make(const std::string& yaml) {
    Factory f = FileExporterFactory();
    ConfigErrors errors;
    ConfigReader r(YAML::Load(yaml), "exporters.file", &errors);
    auto cfg = f.parse(r);
    EXPECT_TRUE(errors.empty()) << errors.Joined();
    return f.create_exporter(*cfg, CreateSettings{"file", Signal::kTraces, "traces"});
  }
  static std::string Read(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
  }

  std::string dir_;
};

TEST_F(FileExporterTest, WritesOneJsonLinePerBatchCreatingTheFolder) {
  std::string path = dir_ + "/sub/traces.jsonl";
  auto e = Make("{path: " + path + "}");
  ASSERT_TRUE(e->Start().ok());
  ASSERT_TRUE(e->Consume(MakeTraces(1, 2, "a")).ok());
  ASSERT_TRUE(e->Consume(MakeTraces(1, 1, "b")).ok());
  e->Shutdown(Clock::now() + 1s);
  std::string content = Read(path);
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t nl; (nl = content.find('\n', start)) != std::string::npos; start = nl + 1)
    lines.push_back(content.substr(start, nl - start));
  ASSERT_EQ(lines.size(), 2u);
  PData back;
  ASSERT_TRUE(PData::FromJson(Signal::kTraces, lines[0], back).ok());
  EXPECT_EQ(back.ItemCount(), 2u);
  EXPECT_NE(lines[1].find("\"name\":\"b-0-0\""), std::string::npos);
}

TEST_F(FileExporterTest, GzipMembersDecompressToTheLines) {
  std::string path = dir_ + "/t.jsonl.gz";
  auto e = Make("{path: " + path + ", compression: gzip}");
  ASSERT_TRUE(e->Start().ok());
  ASSERT_TRUE(e->Consume(MakeTraces(1, 1)).ok());
  ASSERT_TRUE(e->Consume(MakeTraces(1, 1)).ok());
  e->Shutdown(Clock::now() + 1s);
  std::string out;
  ASSERT_EQ(common::GzipDecompress(Read(path), out, 1 << 20), common::GunzipResult::kOk);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 2);
}

TEST_F(FileExporterTest, RotatesBySizeAndKeepsMaxBackups) {
  std::string path = dir_ + "/r.jsonl";
  auto e = Make("{path: " + path + ", rotation: {max_megabytes: 1, max_backups: 2}}");
  ASSERT_TRUE(e->Start().ok());
  // Each batch is ~300 KiB of JSON: 1 MiB holds three.
  for (int i = 0; i < 12; ++i) {
    ASSERT_TRUE(e->Consume(MakeTraces(20, 100, std::string(60, 'x') + std::to_string(i))).ok());
    std::this_thread::sleep_for(2ms);  // distinct backup timestamps
  }
  e->Shutdown(Clock::now() + 1s);
  int backups = 0;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    std::string n = entry.path().filename().string();
    EXPECT_LE(fs::file_size(entry.path()), 1024u * 1024u) << n;
    if (n != "r.jsonl") {
      EXPECT_EQ(n.rfind("r-", 0), 0u) << n;
      ++backups;
    }
  }
  EXPECT_EQ(backups, 2);
}

}  // namespace
}  // namespace adot::collector
